package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {
    @TempDir Path home;
    @TempDir Path in;

    record Result(int code, String out, String err) {}

    static Result cairn(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cairn.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    static final String A = "Rivers run down to the sea, carrying silt from the mountains far away.";
    static final String B = "Shakespeare wrote plays and sonnets, which people still read today.";

    @Test
    void addProveCheckRemoveShow() throws Exception {
        Path f = in.resolve("docs.jsonl");
        Files.writeString(f, "{\"text\":\"" + A + "\"}\n{\"text\":\"" + B + "\"}\n");
        Result add = cairn("data", "add", f.toString(), "--dataset", "demo", "--license", "CC0-1.0", "--source", "https://example.org/x", "--home", home.toString());
        assertEquals(0, add.code, add.err);
        assertTrue(add.out.contains("demo@1: 2 documents read, 2 added") && add.out.contains("near duplicate"), add.out);
        String idA = Hex.encode(MerkleTree.sha256(A.getBytes(StandardCharsets.UTF_8)));
        Result prove = cairn("data", "prove", idA, "--dataset", "demo@1", "--home", home.toString());
        assertEquals(0, prove.code, prove.err);
        JsonNode p = new ObjectMapper().readTree(prove.out);
        for (String field : List.of("leaf_index", "tree_size", "root", "leaf_hash", "audit_path")) assertTrue(p.has(field), field);
        assertEquals(2, p.get("tree_size").asInt());
        // any RFC 6962 verifier: recompute the root from the audit path by hand
        byte[] leaf = MerkleTree.leafHash(Hex.decode(idA));
        byte[] sibling = Hex.decode(p.get("audit_path").get(0).asText());
        byte[] root = p.get("leaf_index").asInt() == 0 ? MerkleTree.nodeHash(leaf, sibling) : MerkleTree.nodeHash(sibling, leaf);
        assertEquals(p.get("root").asText(), Hex.encode(root));
        Path proof = in.resolve("proof.json");
        Files.writeString(proof, prove.out);
        Result ok = cairn("data", "check-proof", proof.toString(), "--home", home.toString());
        assertEquals(0, ok.code, ok.err);
        assertTrue(ok.out.contains("against demo@1"), ok.out);
        Result rm = cairn("data", "remove", idA, "--dataset", "demo", "--reason", "owner asked", "--home", home.toString());
        assertEquals(0, rm.code, rm.err);
        Result other = cairn("data", "check-proof", proof.toString(), "--dataset", "demo@2", "--home", home.toString());
        assertEquals(1, other.code);
        assertTrue(other.err.startsWith("cairn data check-proof: error: proof is for root ") && other.err.strip().lines().count() == 1, other.err);
        Result show = cairn("data", "show", "demo", "--doc", idA, "--home", home.toString());
        assertEquals(0, show.code, show.err);
        List<String> lines = new ArrayList<>(show.out.lines().toList());
        assertTrue(lines.get(1).startsWith("1 ") && lines.get(1).endsWith("yes"), show.out);
        assertTrue(lines.get(2).startsWith("2 ") && lines.get(2).endsWith("no"), show.out);
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws Exception {
        Path f = in.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\":\"" + A + "\"}\n{\"txt\":\"x\"}\n");
        Result r = cairn("data", "add", f.toString(), "--dataset", "demo", "--license", "MIT", "--source", "https://e.org", "--home", home.toString());
        assertEquals(1, r.code);
        assertEquals("cairn data add: error: " + f + ": line 2: missing field \"text\"", r.err.strip());
        Result t = cairn("tokenizer", "train", "--dataset", "nothing", "--vocab", "300", "--home", home.toString());
        assertEquals(1, t.code);
        assertTrue(t.err.contains("no dataset named \"nothing\""), t.err);
    }
}
