package dev.cairn.eval;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Task files as a stranger hands them in: the YAML (before the first 0x00 byte) and its items.jsonl (after it). */
class TaskFileFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void taskFile(byte[] bytes) throws Exception {
        int split = 0;
        while (split < bytes.length && bytes[split] != 0) split++;
        Path dir = Files.createTempDirectory("fuzz-task");
        try {
            Files.write(dir.resolve("t.yaml"), java.util.Arrays.copyOf(bytes, split));
            Files.write(dir.resolve("items.jsonl"), java.util.Arrays.copyOfRange(bytes, Math.min(bytes.length, split + 1), bytes.length));
            FuzzRule.refusesCleanly(() -> TaskFile.read(dir.resolve("t.yaml")));
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }
}
