package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The anchor's and the presets' benchmarks refuse bad input in one line, exit 2, and create nothing. */
class BenchBadInputTest {
    @TempDir Path dir;

    private static void refused(TrainCommandTest.Result r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void presetsRefuseAnUnknownPresetAndAMissingCorpus() {
        Path home = dir.resolve("home");
        refused(cairn("bench", "presets", "--preset", "gpt3", "--home", home.toString()), "unknown preset 'gpt3'");
        refused(cairn("bench", "presets", "--sotu", dir.resolve("missing.jsonl.gz").toString(), "--home", home.toString()), "--sotu: file not found");
        refused(cairn("bench", "presets", "--batch", "0", "--home", home.toString()), "--batch");
        assertFalse(Files.exists(home));
    }

    @Test
    void anchorRefusesAMissingPeerAndATinyVocabulary() throws Exception {
        Path out = dir.resolve("ids.bin");
        refused(cairn("bench", "anchor", "--peer", dir.resolve("nope.py").toString(), "--tokens-out", out.toString()), "peer script not found");
        Path peer = Files.writeString(dir.resolve("peer.py"), "print('never run')\n");
        refused(cairn("bench", "anchor", "--peer", peer.toString(), "--vocab", "10", "--tokens-out", out.toString()), "--vocab at least 257");
        assertFalse(Files.exists(out));
    }
}
