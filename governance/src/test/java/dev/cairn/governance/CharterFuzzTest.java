package dev.cairn.governance;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Charter TOML (cairn init, amend-charter): parsed with @NAME keys resolved, then written back as JSON and reread. */
class CharterFuzzTest {
    /** Resolves any @NAME to a fixed key derived from the name, as a home with every key would. */
    static final Charter.KeyResolver KEYS = name -> Optional.of(dev.cairn.ledger.Hex.encode(
            dev.cairn.ledger.SigningKey.fromSeed(dev.cairn.ledger.MerkleTree.sha256(name.getBytes(StandardCharsets.UTF_8)))
                    .identity().publicKey()));

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void charter(byte[] toml) {
        FuzzRule.refusesCleanly(() -> {
            Charter c = Charter.parseToml(new String(toml, StandardCharsets.UTF_8), "fuzz.toml", KEYS);
            Charter.fromJson(c.toJson(), "fuzz.json");
        });
    }
}
