package dev.cairn.training;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Training checkpoints from a run directory someone else wrote (verify, resume, generate). */
class CheckpointFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void checkpoint(byte[] input) {
        if (input.length == 0) return;
        FuzzRule.refusesCleanly(() -> {
            byte[] body = Arrays.copyOfRange(input, 1, input.length);
            byte[] file = (input[0] & 1) == 1 ? FuzzFiles.withSha256Trailer(body) : body;
            Checkpoint.read(FuzzFiles.write("step-00000001.ckpt", file));
        });
    }
}
