package dev.cairn.release;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** safetensors files as a stranger hands them in (cairn import hf): open, check the header, read every tensor. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void safetensors(byte[] bytes) throws Exception {
        Path f = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(f, bytes);
            FuzzRule.refusesCleanly(() -> {
                try (Safetensors.Reader r = Safetensors.open(f)) {
                    for (String name : r.tensors().keySet()) r.floats(name);
                }
            });
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
