package dev.cairn.training;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** transcript.bin from a run someone else wrote: read strictly (verify) and opened for appending (resume). */
class TranscriptFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void transcript(byte[] input) {
        if (input.length == 0) return;
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        byte[] file = (input[0] & 1) == 1 ? FuzzFiles.withRecordCrcs(body) : body;
        FuzzRule.refusesCleanly(() -> {
            Transcript t = Transcript.read(FuzzFiles.write("transcript.bin", file));
            if (t.size() > 0) t.root();
        });
        FuzzRule.refusesCleanly(() -> {
            try (Transcript t = Transcript.openForAppend(FuzzFiles.write("append.bin", file), 1)) {
                t.size();
            }
        });
    }
}
