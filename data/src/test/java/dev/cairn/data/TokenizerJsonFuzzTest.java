package dev.cairn.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** A tokenizer.json handed in by a stranger: loaded, then made to encode and decode a short text. */
class TokenizerJsonFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tokenizerJson(byte[] json) {
        FuzzRule.refusesCleanly(() -> {
            BpeTokenizer t = BpeTokenizer.fromHuggingFaceJson(json);
            int[] ids = t.encode("To be, or not to be: that is the question.\n");
            t.decode(ids);
        });
    }
}
