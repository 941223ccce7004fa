package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Abandoned staging is found and removed; a live owner's staging and ordinary files never are. */
class LeftoversTest {
    @TempDir Path tmp;

    static long deadPid() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-version")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void sweepRemovesOnlyWhatDeadProcessesLeft() throws Exception {
        long dead = deadPid();
        Path deadStaging = Files.createDirectories(tmp.resolve(".staging-" + dead + "-123"));
        Files.writeString(deadStaging.resolve("doc.txt"), "half an ingest");
        Files.createFile(deadStaging.resolve(".owner"));
        Path legacy = Files.createDirectories(tmp.resolve(".staging-8240236628164928355"));
        Path deadTemp = Files.writeString(tmp.resolve(".manifest.json." + dead + "-99.tmp"), "torn");
        Path legacyTemp = Files.writeString(tmp.resolve(".step-00000100.ckpt123456.tmp"), "torn");
        Path ordinary = Files.writeString(tmp.resolve("manifest.json"), "{}");
        Path hidden = Files.writeString(tmp.resolve(".lock"), "1");
        Path liveTemp = Files.writeString(tmp.resolve(".x.json." + ProcessHandle.current().pid() + "-5.tmp"), "in flight");
        try (Staging live = Staging.create(tmp)) {
            Files.writeString(live.dir().resolve("doc.txt"), "being written");
            List<Leftovers.Found> removed = Leftovers.sweep(tmp);
            assertEquals(List.of(deadTemp, legacy, deadStaging, legacyTemp).stream().sorted().toList(),
                    removed.stream().map(Leftovers.Found::path).sorted().toList());
            assertEquals(14, removed.stream().filter(f -> f.path().equals(deadStaging)).findFirst().orElseThrow().bytes());
            for (Path p : List.of(ordinary, hidden, liveTemp, live.dir())) assertTrue(Files.exists(p), p + " kept");
            for (Leftovers.Found f : removed) assertFalse(Files.exists(f.path()), f.path() + " removed");
        }
        assertTrue(Leftovers.scan(tmp).isEmpty() || Leftovers.scan(tmp).stream().allMatch(f -> f.path().equals(liveTemp)));
    }

    @Test
    void aStagingAreaWhoseOwnerLockIsHeldIsKeptEvenIfItsPidLooksDead() throws Exception {
        long dead = deadPid();
        Path d = Files.createDirectories(tmp.resolve("datasets").resolve("x").resolve(".staging-" + dead + "-7"));
        try (var ch = java.nio.channels.FileChannel.open(d.resolve(".owner"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); var l = ch.lock()) {
            assertTrue(Leftovers.scan(tmp).isEmpty(), "held owner lock: another host's live writer");
        }
        assertEquals(List.of(d), Leftovers.scan(tmp).stream().map(Leftovers.Found::path).toList());
    }

    @Test
    void publishRenamesWithoutTheOwnerFile() throws Exception {
        Path target = tmp.resolve("v1");
        try (Staging s = Staging.create(tmp)) {
            Files.writeString(s.dir().resolve("manifest.json"), "{}");
            s.publish(target);
        }
        assertEquals(List.of("manifest.json"), Files.list(target).map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(target), Files.list(tmp).toList());
    }
}
