package dev.cairn.ledger;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** C2SP signed notes and the log checkpoints they carry (a witness's or a fork's input). */
class SignedNoteFuzzTest {
    static final String ORIGIN = "cairn.test/fuzz";
    static final SigningKey KEY = SigningKey.fromSeed(seed());

    static byte[] seed() {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) 7);
        return s;
    }

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void signedNote(byte[] input) {
        String note = new String(input, StandardCharsets.UTF_8);
        FuzzRule.refusesCleanly(() -> SignedNote.verify(note, ORIGIN, KEY.identity()));
        FuzzRule.refusesCleanly(() -> Checkpoint.verify(note, ORIGIN, KEY.identity()));
        FuzzRule.refusesCleanly(() -> Checkpoint.parseText(note));
    }
}
