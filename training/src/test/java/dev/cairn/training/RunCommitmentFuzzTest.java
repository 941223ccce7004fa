package dev.cairn.training;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** run-finished.json (what a verifier checks a run against): parsed and written back. */
class RunCommitmentFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void commitment(byte[] json) {
        FuzzRule.refusesCleanly(() -> {
            var node = TrainingRun.readJson(FuzzFiles.write("run-finished.json", json));
            RunCommitment.fromJson(node, "run-finished.json").toJson();
        });
    }
}
