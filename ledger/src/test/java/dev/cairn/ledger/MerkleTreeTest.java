package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** RFC 6962 hashing and proofs against the published vectors (transparency-dev/merkle, Apache-2.0). */
class MerkleTreeTest {
    // testonly/constants.go: LeafInputs and RootHashes of the eight-leaf tree.
    static final String[] LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"};
    static final String[] ROOTS = {
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

    static List<byte[]> leafHashes(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(MerkleTree.leafHash(Hex.decode(LEAVES[i])));
        return out;
    }

    static List<byte[]> hexes(String... hs) {
        List<byte[]> out = new ArrayList<>();
        for (String h : hs) out.add(Hex.decode(h));
        return out;
    }

    static void assertProof(List<byte[]> want, List<byte[]> got) {
        assertEquals(want.stream().map(Hex::encode).toList(), got.stream().map(Hex::encode).toList());
    }

    @Test
    void eightLeafRoots() {
        for (int n = 0; n <= 8; n++) {
            assertEquals(ROOTS[n], Hex.encode(MerkleTree.rootFromLeafHashes(leafHashes(n))), "root of size " + n);
            CompactMerkleTree t = new CompactMerkleTree();
            leafHashes(n).forEach(t::append);
            assertEquals(ROOTS[n], Hex.encode(t.root()), "compact root of size " + n);
        }
        assertEquals("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                Hex.encode(MerkleTree.leafHash(Hex.decode("00"))));
    }

    /** proof/verify_test.go inclusionProofs and consistencyProofs (leaf numbers there are 1-based). */
    @Test
    void eightLeafProofs() {
        List<byte[]> all = leafHashes(8);
        record Incl(int leaf, int size, List<byte[]> proof) {}
        List<Incl> incl = List.of(
                new Incl(0, 8, hexes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
                new Incl(5, 8, hexes("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
                new Incl(2, 3, hexes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
                new Incl(1, 5, hexes("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
                new Incl(0, 1, List.of()));
        CompactMerkleTree t = new CompactMerkleTree();
        all.forEach(t::append);
        for (Incl c : incl) {
            List<byte[]> prefix = all.subList(0, c.size);
            assertProof(c.proof, MerkleTree.inclusionProof(prefix, c.leaf));
            assertProof(c.proof, t.inclusionProof(c.leaf, c.size));
            assertTrue(MerkleTree.verifyInclusion(all.get(c.leaf), c.leaf, c.size, c.proof,
                    Hex.decode(ROOTS[c.size])));
            assertFalse(MerkleTree.verifyInclusion(all.get(c.leaf), c.leaf + 1L, c.size, c.proof,
                    Hex.decode(ROOTS[c.size])));
        }
        record Cons(int size1, int size2, List<byte[]> proof) {}
        List<Cons> cons = List.of(
                new Cons(1, 1, List.of()),
                new Cons(1, 8, hexes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
                new Cons(6, 8, hexes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
                new Cons(2, 5, hexes("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
                new Cons(6, 7, hexes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));
        for (Cons c : cons) {
            assertProof(c.proof, MerkleTree.consistencyProof(all.subList(0, c.size2), c.size1));
            assertProof(c.proof, t.consistencyProof(c.size1, c.size2));
            assertTrue(MerkleTree.verifyConsistency(c.size1, c.size2, Hex.decode(ROOTS[c.size1]),
                    Hex.decode(ROOTS[c.size2]), c.proof), c.toString());
            if (!c.proof.isEmpty()) {
                assertFalse(MerkleTree.verifyConsistency(c.size1, c.size2, Hex.decode(ROOTS[c.size2]),
                        Hex.decode(ROOTS[c.size1]), c.proof), "swapped roots " + c);
            }
        }
    }

    /** Every case in transparency-dev/merkle testdata (copied into test resources), accepted or rejected. */
    @TestFactory
    Stream<DynamicTest> transparencyDevVectors() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/rfc6962").toURI());
        ObjectMapper json = new ObjectMapper();
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(196, files.size(), "vector count");
        return files.stream().map(f -> DynamicTest.dynamicTest(dir.relativize(f).toString(), () -> {
            JsonNode v = json.readTree(f.toFile());
            boolean wantErr = v.get("wantErr").asBoolean();
            boolean ok;
            if (f.startsWith(dir.resolve("inclusion"))) {
                ok = MerkleTree.verifyInclusion(b64(v.get("leafHash")), v.get("leafIdx").asLong(),
                        v.get("treeSize").asLong(), b64list(v.get("proof")), b64(v.get("root")));
            } else {
                ok = MerkleTree.verifyConsistency(v.get("size1").asLong(), v.get("size2").asLong(),
                        b64(v.get("root1")), b64(v.get("root2")), b64list(v.get("proof")));
            }
            assertEquals(!wantErr, ok, v.get("desc").asText());
        }));
    }

    static byte[] b64(JsonNode n) {
        return n == null || n.isNull() ? new byte[0] : Base64.getDecoder().decode(n.asText());
    }

    static List<byte[]> b64list(JsonNode n) {
        List<byte[]> out = new ArrayList<>();
        if (n != null) n.forEach(e -> out.add(b64(e)));
        return out;
    }

    /** The stored tree agrees with the RFC's recursive definitions for every size, index and old size. */
    @Test
    void compactTreeMatchesReference() {
        Random rnd = new Random(6962);
        List<byte[]> leaves = new ArrayList<>();
        CompactMerkleTree t = new CompactMerkleTree();
        for (int n = 1; n <= 70; n++) {
            byte[] input = new byte[rnd.nextInt(40)];
            rnd.nextBytes(input);
            byte[] h = MerkleTree.leafHash(input);
            leaves.add(h);
            t.append(h);
            byte[] root = MerkleTree.rootFromLeafHashes(leaves);
            assertArrayEquals(root, t.root());
            for (int i = 0; i < n; i++) {
                List<byte[]> p = t.inclusionProof(i, n);
                assertProof(MerkleTree.inclusionProof(leaves, i), p);
                assertTrue(MerkleTree.verifyInclusion(leaves.get(i), i, n, p, root));
            }
            for (int m = 0; m <= n; m++) {
                List<byte[]> p = t.consistencyProof(m, n);
                assertProof(MerkleTree.consistencyProof(leaves, m), p);
                assertEquals(m > 0, MerkleTree.verifyConsistency(m, n, t.root(m), root, p), m + " -> " + n);
                if (m > 0 && m < n) assertFalse(MerkleTree.verifyConsistency(m, n, root, t.root(m), p));
            }
        }
    }
}
