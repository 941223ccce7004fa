package dev.cairn.ledger;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * A log directory whose {@code entries.bin} a stranger wrote: opened read-only against a checkpoint of two
 * entries (every byte is checked), and opened for writing against the empty checkpoint (frames past it are
 * parsed, verified and a torn tail cut).
 */
class LogFileFuzzTest {
    static final SigningKey KEY = SignedNoteFuzzTest.KEY;
    static final Path DIR;
    static final String TWO_ENTRIES, EMPTY;

    static {
        try {
            DIR = Files.createTempDirectory("cairn-fuzz-log");
            DIR.toFile().deleteOnExit();
            Path seedLog = DIR.resolve("seed");
            try (TransparencyLog log = TransparencyLog.create(seedLog, SignedNoteFuzzTest.ORIGIN, KEY, InstantSource.system())) {
                log.append(envelope(0));
                log.append(envelope(1));
            }
            TWO_ENTRIES = Files.readString(seedLog.resolve("checkpoint"));
            EMPTY = new Checkpoint(SignedNoteFuzzTest.ORIGIN, 0, MerkleTree.emptyRoot()).sign(KEY);
            Files.copy(seedLog.resolve("log.json"), DIR.resolve("log.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void logFile(byte[] entries) {
        FuzzRule.refusesCleanly(() -> {
            setUp(entries, TWO_ENTRIES);
            try (TransparencyLog log = TransparencyLog.openReadOnly(DIR)) {
                log.replay((e, v) -> { });
            }
        });
        FuzzRule.refusesCleanly(() -> {
            setUp(entries, EMPTY);
            try (TransparencyLog log = TransparencyLog.open(DIR, KEY, InstantSource.system())) {
                log.replay((e, v) -> { });
            }
        });
    }

    static Envelope envelope(int i) {
        var p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("n", i);
        return Envelope.sign(Statement.of("https://cairn.dev/test/v1", p, "ab".repeat(32), KEY.identity(),
                Subject.sha256("item-" + i, MerkleTree.sha256(new byte[] {(byte) i}))), KEY);
    }

    static void setUp(byte[] entries, String checkpoint) throws IOException {
        Files.write(DIR.resolve("entries.bin"), entries);
        Files.writeString(DIR.resolve("checkpoint"), checkpoint, StandardCharsets.UTF_8);
    }
}
