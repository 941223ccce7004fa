package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.ledger.Hex;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.MerkleTree;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStoreTest {
    @TempDir Path home;
    @TempDir Path in;
    DatasetStore store;

    static final String PARA = "The quick brown fox jumps over the lazy dog, and then it runs far away into the forest.\n";

    @BeforeEach
    void setUp() {
        store = new DatasetStore(home);
    }

    Path write(String name, String text) throws IOException {
        Path p = in.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    DatasetStore.AddResult add(String name, DatasetPolicy policy, boolean append, Path... paths) {
        return store.add(new DatasetStore.AddRequest(name, List.of(paths), "CC-BY-4.0", "https://example.org/corpus", policy, append));
    }

    /** Every file under the datasets directory and its bytes (not the writer locks in .locks/, which hold no data). */
    Map<String, String> snapshot() throws IOException {
        Map<String, String> m = new TreeMap<>();
        Path d = home.resolve("datasets");
        if (!Files.exists(d)) return m;
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !d.relativize(p).startsWith(".locks")).toList()) m.put(d.relativize(p).toString(), Hex.encode(MerkleTree.sha256(Files.readAllBytes(p))));
        }
        return m;
    }

    /** Runs a bad command: it must fail with a message containing each fragment and change nothing. */
    void refused(Runnable bad, String... fragments) throws IOException {
        Map<String, String> before = snapshot();
        DataException e = assertThrows(DataException.class, bad::run);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "message \"" + e.getMessage() + "\" lacks \"" + f + "\"");
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertEquals(before, snapshot(), "a failed command changed the datasets");
    }

    Path corpusDir() throws IOException {
        write("dir/a.txt", PARA + "Shakespeare wrote plays and sonnets, which people still read today.\n");
        write("dir/sub/b.md", "# Notes\n\nWrite to alice@example.com or call +44 20 7946 0958 about the meeting today.\n");
        write("dir/c.jsonl", "{\"id\":\"x1\",\"text\":\"Caf\\u0065\\u0301 society was lively in the old town square that summer.\",\"source\":\"web\",\"metadata\":{\"k\":1}}\n"
                + "{\"id\":\"x2\",\"text\":\"A second document has rather different words inside, about rivers and mountains.\",\"license\":\"MIT\"}\n");
        return in.resolve("dir");
    }

    @Test
    void addsProvesRemovesAndShows() throws IOException {
        DatasetStore.AddResult r = add("demo", DatasetPolicy.defaults(), false, corpusDir());
        DatasetManifest m = r.manifest();
        assertEquals("demo@1", m.ref());
        assertEquals(4, m.documents().size());
        // NFC: the combining accent was composed before hashing
        String cafe = "Café society was lively in the old town square that summer.";
        String cafeId = Hex.encode(MerkleTree.sha256(cafe.getBytes(StandardCharsets.UTF_8)));
        DocumentEntry e = m.documents().get(m.indexOf(cafeId));
        assertEquals("CC-BY-4.0", e.license());
        assertEquals("web", e.attributes().path("dolma").path("source").asText());
        assertTrue(m.documents().stream().anyMatch(d -> d.license().equals("MIT")), "per-document licence wins");
        // PII redacted by default; the id is of the redacted text
        String md = m.documentIds().stream().map(id -> store.text("demo", id)).filter(t -> t.contains("Notes")).findFirst().orElseThrow();
        assertTrue(md.contains(Taggers.EMAIL_MASK) && md.contains(Taggers.PHONE_MASK), md);
        // proofs verify with the shared RFC 6962 code, and the root is over the raw ids in order
        for (String id : m.documentIds()) {
            InclusionProof p = m.prove(id);
            assertTrue(p.verify());
            assertEquals(Hex.encode(MerkleTree.leafHash(Hex.decode(id))), Hex.encode(p.leafHash()));
        }
        assertEquals(m.root(), Hex.encode(MerkleTree.rootFromLeafHashes(m.documentIds().stream().map(id -> MerkleTree.leafHash(Hex.decode(id))).toList())));
        String proof = InclusionProofJson.write(m.prove(cafeId), m.ref(), cafeId);
        assertEquals("demo@1", store.checkProof(proof.getBytes(StandardCharsets.UTF_8), null));
        // remove makes version 2 and records why; version 1 is untouched
        DatasetManifest v2 = store.remove("demo", cafeId, "takedown request #12");
        assertEquals(2, v2.version());
        assertEquals("takedown request #12", v2.change().path("reason").asText());
        assertEquals(3, v2.documents().size());
        assertEquals(m.root(), store.manifest("demo@1").root());
        assertEquals(v2.root(), store.manifest("demo").root(), "bare name is the newest");
        assertEquals(List.of(true, false), store.history("demo").stream().map(x -> x.indexOf(cafeId) >= 0).toList());
        // a proof for version 1 is not a proof for version 2
        refused(() -> store.checkProof(proof.getBytes(StandardCharsets.UTF_8), "demo@2"), "proof is for root " + m.root(), "demo@2 has root");
        // cards
        String card = Files.readString(home.resolve("datasets/demo/versions/1/README.md"));
        assertTrue(card.startsWith("---\nlicense: other\n"), card);
        assertTrue(card.contains("size_categories:\n- n<1K") && card.contains("pretty_name: \"demo v1\""), card);
        String croissant = Files.readString(home.resolve("datasets/demo/versions/1/croissant.json"));
        assertTrue(croissant.contains("\"conformsTo\" : \"http://mlcommons.org/croissant/1.1\"") && croissant.contains("\"sha256\" : \"" + cafeId + "\""), croissant);
    }

    @Test
    void nearDuplicatesKeepTheSmallerIdAndExactDuplicatesGo() throws IOException {
        StringBuilder base = new StringBuilder();
        for (int i = 0; i < 40; i++) base.append("Sentence number ").append(i).append(" talks about ships, harbours and the sea. ");
        String a = base.toString(), b = base.toString().replace("number 39", "number thirty-nine");
        Path f = write("near.jsonl", "{\"text\":\"" + a + "\"}\n{\"text\":\"" + b + "\"}\n{\"text\":\"" + a + "\"}\n{\"text\":\"" + PARA.strip() + "\"}\n");
        DatasetStore.AddResult r = add("near", DatasetPolicy.defaults(), false, f);
        assertEquals(1, r.removedByFilter().get("near duplicate"));
        assertEquals(1, r.removedByFilter().get("exact duplicate"));
        String ida = Hex.encode(MerkleTree.sha256(a.getBytes(StandardCharsets.UTF_8)));
        String idb = Hex.encode(MerkleTree.sha256(b.getBytes(StandardCharsets.UTF_8)));
        String survivor = ida.compareTo(idb) < 0 ? ida : idb;
        assertTrue(r.manifest().indexOf(survivor) >= 0);
        assertEquals(2, r.manifest().documents().size());
    }

    @Test
    void licencePolicyAndFlags() throws IOException {
        Path f = write("lic.jsonl", "{\"text\":\"" + PARA.strip() + "\",\"license\":\"CC-BY-NC-SA-4.0\"}\n"
                + "{\"text\":\"Another fine document about gardens and flowers in the spring sunshine.\",\"license\":\"GPL-2.0-only WITH Classpath-exception-2.0 OR MIT\"}\n");
        DatasetPolicy p = new DatasetPolicy(List.of("MIT", "CC-BY-4.0"), false, List.of(), true, true, 0.8, "redact", true, 1 << 20);
        DatasetStore.AddResult r = add("lic", p, false, f);
        assertEquals(1, r.removedByFilter().get("licence"));
        assertEquals("GPL-2.0-only WITH Classpath-exception-2.0 OR MIT", r.manifest().documents().getFirst().license());
        DatasetStore.AddResult flagged = add("lic2", DatasetPolicy.defaults(), false, f);
        assertTrue(flagged.manifest().documents().stream().anyMatch(d -> d.licenseFlags().equals(List.of("non-commercial", "share-alike"))));
    }

    @Test
    void spdxExpressions() {
        assertEquals("(MIT OR Apache-2.0) AND GPL-2.0-or-later WITH Classpath-exception-2.0",
                SpdxExpression.parse("(mit OR apache-2.0) AND GPL-2.0-or-later WITH classpath-exception-2.0").toString());
        assertEquals("MIT OR Apache-2.0 AND BSD-3-Clause", SpdxExpression.parse("MIT OR (Apache-2.0 AND BSD-3-Clause)").toString());
        assertEquals("LicenseRef-PublicDomain", SpdxExpression.parse("LicenseRef-PublicDomain").toString());
        assertThrows(IllegalArgumentException.class, () -> SpdxExpression.parse("MIT AND"));
        assertThrows(IllegalArgumentException.class, () -> SpdxExpression.parse("(MIT"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpdxExpression.parse("MIT OR Foo-1.0"));
        assertTrue(e.getMessage().contains("unknown SPDX identifier \"Foo-1.0\""), e.getMessage());
    }

    @Test
    void badInputIsRefusedAndChangesNothing() throws IOException {
        add("ok", DatasetPolicy.defaults(), false, write("ok.txt", PARA));
        byte[] bad = (PARA + "caf\u00e9").getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 1] = (byte) 0xFF; // é is C3 A9: the bad sequence starts at C3
        Path badUtf8 = in.resolve("bad.txt");
        Files.write(badUtf8, bad);
        refused(() -> add("x", DatasetPolicy.defaults(), false, badUtf8), "bad.txt", "invalid UTF-8 at byte offset " + (bad.length - 2));
        Path malformed = write("m.jsonl", "{\"text\":\"" + PARA.strip() + "\"}\n{\"text\": oops}\n");
        refused(() -> add("ok", DatasetPolicy.defaults(), true, malformed), "m.jsonl: line 2: malformed JSON");
        Path missing = write("t.jsonl", "{\"text\":\"" + PARA.strip() + "\"}\n{\"id\":\"3\"}\n");
        refused(() -> add("x", DatasetPolicy.defaults(), false, missing), "t.jsonl: line 2: missing field \"text\"");
        Path unknownLic = write("u.jsonl", "{\"text\":\"" + PARA.strip() + "\",\"license\":\"Foo-License\"}\n");
        refused(() -> add("x", DatasetPolicy.defaults(), false, unknownLic), "u.jsonl:1", "field \"license\"", "unknown SPDX identifier \"Foo-License\"");
        Path v = write("v.txt", PARA), w = write("w.txt", PARA), y = write("y.txt", "Other words entirely, about kites and wind on a hill.\n");
        refused(() -> store.add(new DatasetStore.AddRequest("x", List.of(v), "Nope-1.0", "https://e.org", DatasetPolicy.defaults(), false)),
                "--license", "unknown SPDX identifier \"Nope-1.0\"");
        refused(() -> store.add(new DatasetStore.AddRequest("x", List.of(w), null, "https://e.org", DatasetPolicy.defaults(), false)),
                "w.txt", "no licence");
        Path empty = write("e.jsonl", "{\"text\":\"   \"}\n");
        refused(() -> add("x", DatasetPolicy.defaults(), false, empty), "empty dataset");
        refused(() -> add("ok", DatasetPolicy.defaults(), false, y),
                "dataset name \"ok\" is already taken", "--append");
        DatasetPolicy small = new DatasetPolicy(List.of(), false, List.of(), true, true, 0.8, "redact", true, 1000);
        Path big = write("big.jsonl", "{\"text\":\"" + "a".repeat(5000) + "\"}\n");
        refused(() -> add("x", small, false, big), "big.jsonl", "line 1", "over the limit");
        Path gz = in.resolve("cut.jsonl.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 200; i++) o.write(("{\"text\":\"Document " + i + " " + PARA.strip() + "\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(whole, whole.length / 2));
        refused(() -> add("x", DatasetPolicy.defaults(), false, gz), "cut.jsonl.gz", "truncated");
        Path bomb = in.resolve("bomb.jsonl.gz"); // ~70 KB that expands to 70 MiB of blank lines
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(bomb))) {
            byte[] lines = new byte[1 << 20];
            java.util.Arrays.fill(lines, (byte) '\n');
            for (int i = 0; i < 70; i++) o.write(lines);
        }
        assertTrue(Files.size(bomb) < 100_000, "a small file");
        refused(() -> add("x", DatasetPolicy.defaults(), false, bomb), "bomb.jsonl.gz", "decompresses to more than 67108864 bytes",
                "decompression bomb");
        refused(() -> store.remove("ok", "00".repeat(32), "why"), "not in ok@1");
        String only = store.manifest("ok").documentIds().getFirst();
        refused(() -> store.remove("ok", only, "why"), "empty dataset");
        assertEquals(List.of(1), store.versions("ok"));
        assertFalse(Files.exists(home.resolve("datasets/x")), "a failed new dataset leaves nothing behind");
    }

    @Test
    void gzipAndAppend() throws IOException {
        add("g", DatasetPolicy.defaults(), false, write("one.txt", PARA));
        Path gz = in.resolve("more.jsonl.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("{\"text\":\"Rivers run down to the sea, carrying silt from the mountains far away.\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        DatasetStore.AddResult r = add("g", null, true, gz);
        assertEquals(2, r.manifest().version());
        assertEquals(2, r.manifest().documents().size());
        assertNotEquals(store.manifest("g@1").root(), r.manifest().root());
        assertEquals(1, r.manifest().parentVersion());
    }

    @Test
    void aBusyDatasetWaitsThenIsRefusedNamingTheHolder() throws IOException {
        Path doc = write("busy.txt", PARA);
        System.setProperty("cairn.lock.wait", "0.2");
        try (dev.cairn.ledger.StoreLock held = dev.cairn.ledger.StoreLock.acquire(home.resolve("datasets/.locks/busy"), "test")) {
            var e = assertThrows(dev.cairn.ledger.LedgerException.class, () -> add("busy", DatasetPolicy.defaults(), false, doc));
            assertEquals("dataset 'busy' is locked by process " + ProcessHandle.current().pid() + " (another cairn writing to "
                    + home.resolve("datasets/busy").toAbsolutePath() + "); try again when it finishes", e.getMessage());
        } finally {
            System.clearProperty("cairn.lock.wait");
        }
        assertEquals(1, add("busy", DatasetPolicy.defaults(), false, doc).manifest().version(), "free again once released");
    }
}
