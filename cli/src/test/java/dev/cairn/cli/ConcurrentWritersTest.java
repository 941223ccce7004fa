package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.data.DatasetManifest;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.DocumentEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes writing one home at once: every acknowledged write is there exactly once, and a writer
 * that cannot get a store within the bounded wait fails with one line naming the holder's process id.
 */
class ConcurrentWritersTest {
    @TempDir Path home;
    @TempDir Path in;

    ChildCairn start(String lockWait, String... args) throws IOException {
        return ChildCairn.start(home, in, lockWait, args);
    }

    static String doc(int writer, int i) {
        return "Writer " + writer + " sends document number " + i + " about rivers, hills and the long roads between them.";
    }

    @Test
    void concurrentDataAddsAllLandExactlyOnce() throws Exception {
        int writers = 4, docs = 25;
        List<ChildCairn> runs = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            StringBuilder jsonl = new StringBuilder();
            for (int i = 0; i < docs; i++) jsonl.append("{\"text\":\"").append(doc(w, i)).append("\"}\n");
            Path f = Files.writeString(in.resolve("w" + w + ".jsonl"), jsonl);
            runs.add(start("60", "data", "add", f.toString(), "--dataset", "shared", "--append", "--license", "CC0-1.0",
                    "--source", "https://example.org/w" + w, "--no-near-dedup"));
        }
        for (ChildCairn r : runs) assertEquals(0, r.exit(), r.stderr());
        DatasetStore store = new DatasetStore(home);
        assertEquals(List.of(1, 2, 3, 4), store.versions("shared"), "one version per acknowledged add");
        DatasetManifest newest = store.manifest("shared");
        Map<String, Integer> seen = new HashMap<>();
        for (DocumentEntry d : newest.documents()) seen.merge(store.text("shared", d.id()), 1, Integer::sum);
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < docs; i++) assertEquals(1, seen.getOrDefault(doc(w, i), 0), "writer " + w + " doc " + i);
        }
        assertEquals(writers * docs, newest.documents().size());
        try (var s = Files.list(home.resolve("datasets").resolve("shared"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".staging-")), "no staging left");
        }
    }

    @Test
    void concurrentVotersAreEachCountedOnce() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(home).founded();
        int n = h.proposeData("rivers");
        long before = h.logSize();
        List<ChildCairn> runs = new ArrayList<>();
        for (String voter : List.of("alice", "bob", "carol")) runs.add(start("60", "vote", "" + n, "for", "--key", voter));
        for (ChildCairn r : runs) assertEquals(0, r.exit(), r.stderr());
        assertEquals(before + 3, h.logSize(), "three acknowledged votes, three entries");
        JsonNode p = h.ok("proposal", "show", "" + n, "--json").json();
        assertEquals("Succeeded", p.get("state").asText(), p.toString());
        h.ok("log", "verify");
    }

    @Test
    void aSecondTrainIntoOneRunDirectoryFailsNamingTheHolder() throws Exception {
        Path data = in.resolve("text.txt");
        try (var s = getClass().getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, java.util.Arrays.copyOf(s.readAllBytes(), 20_000));
        }
        Path run = in.resolve("run");
        String[] train = {"train", "--data", data.toString(), "--out", run.toString(), "--layers", "1", "--heads", "1",
                "--embd", "16", "--ctx", "8", "--batch", "1", "--steps", "400", "--eval-every", "0", "--checkpoint-every", "100"};
        ChildCairn first = start("60", train);
        Path lock = run.resolve(".lock");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!(Files.exists(lock) && Files.readString(lock).strip().equals("" + first.process().pid()))) {
            assertTrue(System.nanoTime() < deadline && first.process().isAlive(), "first run never took its lock: " + first.stderr());
            Thread.sleep(20);
        }
        ChildCairn second = start("0.2", train);
        assertEquals(1, second.exit(), second.stderr());
        String err = second.stderr().strip();
        assertEquals("cairn train: error: run directory " + run + " is locked by process " + first.process().pid()
                + " (another cairn writing to " + run.toAbsolutePath() + "); try again when it finishes", err);
        assertEquals(0, first.exit(), first.stderr());
        assertTrue(Files.exists(run.resolve("checkpoints").resolve("step-00000400.ckpt")));
    }

    @Test
    void tokenizerTrainBesideDataRemoveBothLand() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 40; i++) jsonl.append("{\"text\":\"").append(doc(9, i)).append("\"}\n");
        Path f = Files.writeString(in.resolve("d.jsonl"), jsonl);
        assertEquals(0, DataCommandTest.cairn("data", "add", f.toString(), "--dataset", "d", "--license", "CC0-1.0",
                "--source", "https://example.org/d", "--no-near-dedup", "--home", home.toString()).code());
        String gone = dev.cairn.ledger.Hex.encode(dev.cairn.ledger.MerkleTree.sha256(doc(9, 3).getBytes(StandardCharsets.UTF_8)));
        ChildCairn tok = start("60", "tokenizer", "train", "--dataset", "d@1", "--vocab", "300");
        ChildCairn rm = start("60", "data", "remove", gone, "--dataset", "d", "--reason", "takedown");
        assertEquals(0, tok.exit(), tok.stderr());
        assertEquals(0, rm.exit(), rm.stderr());
        DatasetStore store = new DatasetStore(home);
        assertEquals(39, store.manifest("d@2").documents().size());
        String digest = tok.stdout().lines().filter(l -> l.matches(".*[0-9a-f]{64}.*")).findFirst().orElseThrow()
                .replaceAll(".*?([0-9a-f]{64}).*", "$1");
        assertTrue(Files.exists(home.resolve("tokenizers").resolve(digest).resolve("tokenizer.json")), tok.stdout());
    }
}
