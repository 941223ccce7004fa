package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @Test
    void theWholeStoryRunsOnATinyBudget(@TempDir Path home) throws Exception {
        System.setProperty("cairn.root", Path.of("..").toAbsolutePath().normalize().toString());
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Cairn.run(new PrintWriter(o, true), new PrintWriter(e, true),
                "demo", "--home", home.toString(), "--steps", "3", "--vocab", "300", "--threads", "2");
        String out = o.toString();
        assertEquals(0, code, out + e);
        assertTrue(out.contains("executed proposal 1: admit dataset shakespeare@1"), out);
        assertTrue(out.contains("executed proposal 2"), out);
        assertTrue(out.matches("(?s).*final state +[0-9a-f]{64}.*"), out);
        assertTrue(out.contains("VERIFIED: 3 segments"), out);
        assertTrue(out.matches("(?s).*attestation signed by cedar-university at log entry \\d+.*"), out);
        assertTrue(out.contains("verified: entry 1"), out);
        assertTrue(out.contains("ROMEO:"), out);
        assertTrue(e.toString().matches("(?s).*run-finished signed by alpine-lab at log entry \\d+ of http://127\\.0\\.0\\.1:\\d+/.*"), "the run's statements travel over HTTP: " + e);
        assertTrue(out.contains("cosigned: 2 of 2 witnesses"), out);
        assertTrue(out.contains("./cairn serve") && out.contains("http://127.0.0.1:8440/ : the community's dashboard"), out);
        try (var s = Files.list(home.resolve("demo"))) {
            Path demo = s.findFirst().orElseThrow();
            assertTrue(Files.exists(demo.resolve("runs/shakespeare-bpe/loss.svg")));
            assertTrue(Files.exists(demo.resolve("runs/shakespeare-bpe/transcript.bin")));
            assertTrue(Files.exists(demo.resolve("runs/shakespeare-bpe/beacon-checkpoint")));
            assertTrue(Files.isDirectory(demo.resolve("log")));
            assertTrue(Files.readString(demo.resolve("runs/shakespeare-bpe/beacon-checkpoint")).contains("\n\u2014 ember-witness "), "the beacon is cosigned");
            assertFalse(Files.exists(demo.resolve("config.toml")), "the stopped node is no longer named");
        }
    }
}
