package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCommandTest {
    @TempDir Path home;
    final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void sevenEntries() {
        SigningKey alice = SigningKey.generate();
        try (TransparencyLog log = new LedgerHome(home).createLog("cairn.test/community", InstantSource.system())) {
            List<Envelope> batch = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                var p = JsonNodeFactory.instance.objectNode().put("n", i);
                batch.add(Envelope.sign(Statement.of("https://cairn.dev/test/v1", p, "ab".repeat(32), alice.identity(),
                        Subject.sha256("item", MerkleTree.sha256(new byte[] {(byte) i}))), alice));
            }
            log.appendAll(batch);
        }
    }

    JsonNode run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--home", home.toString(), "--json"));
        var r = cairn(all.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return json.readTree(r.out());
    }

    static List<byte[]> hexList(JsonNode a) {
        List<byte[]> out = new ArrayList<>();
        a.forEach(h -> out.add(Hex.decode(h.asText())));
        return out;
    }

    @Test
    void proveAndConsistencyVerifyIndependently() throws Exception {
        JsonNode p = run("log", "prove", "5");
        assertEquals(5, p.get("leaf_index").asLong());
        assertEquals(7, p.get("tree_size").asLong());
        assertTrue(p.get("root").asText().matches("[0-9a-f]{64}"));
        assertTrue(MerkleTree.verifyInclusion(Hex.decode(p.get("leaf_hash").asText()), 5, 7,
                hexList(p.get("audit_path")), Hex.decode(p.get("root").asText())));
        JsonNode c = run("log", "consistency", "3", "7");
        assertEquals(3, c.get("old_size").asLong());
        assertEquals(p.get("root"), c.get("new_root"));
        assertTrue(MerkleTree.verifyConsistency(3, 7, Hex.decode(c.get("old_root").asText()),
                Hex.decode(c.get("new_root").asText()), hexList(c.get("proof"))));
        JsonNode cp = run("log", "checkpoint");
        assertEquals(7, cp.get("tree_size").asLong());
        assertEquals(p.get("root"), cp.get("root"));
        var key = new LedgerHome(home).keys().loadPublic(LedgerHome.LOG_KEY);
        Checkpoint parsed = Checkpoint.verify(cp.get("checkpoint").asText(), "cairn.test/community", key);
        assertEquals(cp.get("root").asText(), parsed.rootHex());
        JsonNode v = run("log", "verify");
        assertTrue(v.get("ok").asBoolean());
        assertEquals(7, v.get("entries_verified").asLong());
        JsonNode s = run("log", "show");
        assertEquals(7, s.get("entries").size());
        assertEquals("https://cairn.dev/test/v1", s.get("entries").get(0).get("predicate_type").asText());
    }

    @Test
    void textOutputNamesTheFields() {
        var r = cairn("log", "checkpoint", "--home", home.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tree_size 7") && r.out().contains("cairn.test/community\n7\n"), r.out());
        r = cairn("log", "prove", "0", "--home", home.toString());
        assertTrue(r.out().contains("leaf_index 0") && r.out().contains("audit_path"), r.out());
    }

    @Test
    void badRequestsAndAlteredLogsFailWithOneLine() throws Exception {
        var r = cairn("log", "prove", "7", "--home", home.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("entry 7 is not in a tree of 7"), r.err());
        r = cairn("log", "consistency", "5", "3", "--home", home.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().startsWith("cairn log consistency: error: old size 5"), r.err());
        Path file = home.resolve("log/entries.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 40] ^= 1;
        Files.write(file, bytes);
        r = cairn("log", "verify", "--home", home.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("entry 6") && r.err().contains("corrupt"), r.err());
        assertEquals(1, r.err().strip().lines().count());
        r = cairn("log", "show", "--home", home.resolve("elsewhere").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("no log in"), r.err());
    }
}
