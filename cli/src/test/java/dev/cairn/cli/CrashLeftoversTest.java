package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash-looping ingest (SIGKILL mid-way, again and again) never piles up staging, and doctor removes the last. */
class CrashLeftoversTest {
    @TempDir Path home;
    @TempDir Path in;

    List<Path> staging(Path dataset) throws Exception {
        if (!Files.isDirectory(dataset)) return List.of();
        try (Stream<Path> s = Files.list(dataset)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".staging-")).toList();
        }
    }

    static boolean holdsTexts(Path staging) {
        try (Stream<Path> s = Files.list(staging)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".txt"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void killedAddsLeaveAtMostOneStagingAndDoctorRemovesIt() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 30_000; i++) {
            jsonl.append("{\"text\":\"Document ").append(i).append(" tells of rivers, hills and the long roads between towns number ")
                    .append(i * 7919L).append(".\"}\n");
        }
        Path f = Files.writeString(in.resolve("big.jsonl"), jsonl);
        Path dataset = home.resolve("datasets").resolve("crashy");
        String[] add = {"data", "add", f.toString(), "--dataset", "crashy", "--append", "--license", "CC0-1.0",
                "--source", "https://example.org/big", "--no-near-dedup"};
        for (int kill = 0; kill < 4; kill++) {
            ChildCairn c = ChildCairn.start(home, in, "60", add);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (staging(dataset).stream().noneMatch(p -> p.getFileName().toString().contains("-" + c.process().pid() + "-") && holdsTexts(p))) {
                assertTrue(System.nanoTime() < deadline && c.process().isAlive(), "the ingest never staged: " + c.stderr());
                Thread.sleep(10);
            }
            c.process().destroyForcibly(); // SIGKILL: no finally block runs
            assertTrue(c.process().waitFor(20, TimeUnit.SECONDS));
            assertEquals(1, staging(dataset).size(), "after kill " + kill + ": the killed run's staging only, earlier ones swept");
        }
        Path left = staging(dataset).getFirst();
        DataCommandTest.Result dry = DataCommandTest.cairn("doctor", "--dry-run", "--home", home.toString());
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().startsWith("abandoned " + left + "  (") && dry.out().contains("(--dry-run: nothing removed)"), dry.out());
        assertTrue(Files.exists(left));
        DataCommandTest.Result doc = DataCommandTest.cairn("doctor", "--home", home.toString());
        assertEquals(0, doc.code(), doc.err());
        assertTrue(doc.out().matches("(?s)removed   " + java.util.regex.Pattern.quote(left.toString()) + "  \\([0-9.]+ [KM]?i?B\\)\n"
                + "removed 1 abandoned staging area or temporary file, .*"), doc.out());
        assertFalse(Files.exists(left));
        DataCommandTest.Result again = DataCommandTest.cairn("doctor", "--home", home.toString());
        assertTrue(again.out().startsWith("nothing left behind"), again.out());
    }
}
