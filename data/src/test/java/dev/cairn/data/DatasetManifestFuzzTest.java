package dev.cairn.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** A dataset manifest (manifest.json) from someone else's home: parsed, its root recomputed and checked. */
class DatasetManifestFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void manifest(byte[] json) {
        FuzzRule.refusesCleanly(() -> {
            DatasetManifest m = DatasetManifest.parse(json, "fuzz/manifest.json");
            m.documentIds();
            DatasetCards.card(m);
            DatasetCards.croissant(m);
        });
    }
}
