package dev.cairn.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** A document inclusion proof ({@code data check-proof FILE}): parsed and verified against its own root. */
class InclusionProofFuzzTest {
    static final DatasetStore STORE;

    static {
        try {
            STORE = new DatasetStore(Files.createTempDirectory("cairn-fuzz-proof"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void proof(byte[] json) {
        FuzzRule.refusesCleanly(() -> STORE.checkProof(json, null));
    }
}
