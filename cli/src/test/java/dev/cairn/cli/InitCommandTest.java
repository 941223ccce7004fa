package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitCommandTest {
    @TempDir Path dir;

    @Test
    void foundsACommunityFromTheExampleCharter() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir.resolve("home")).keys("alpine-lab", "boreal-institute", "cedar-university");
        Path charter = Path.of("..", "examples", "charters", "lab-coalition.toml");
        JsonNode n = h.ok("init", "--name", "Lab coalition", "--charter", charter.toString(), "--key", "alpine-lab", "--json").json();
        assertTrue(n.get("community").asText().matches("[0-9a-f]{64}"));
        assertEquals(1, n.get("tree_size").asInt());
        assertEquals(3, n.get("charter").get("members").size());
        assertEquals("schulze", n.get("charter").get("decisions").get("start_run").get("rule").asText());
        assertTrue(Files.exists(dir.resolve("home/log/checkpoint")));
        assertEquals(n.get("state_digest").asText(), h.stateDigest()); // replaying the log gives the same state
        String again = h.fails(2, "init", "--name", "Again", "--charter", charter.toString(), "--key", "alpine-lab");
        assertTrue(again.startsWith("cairn init: error: a community already exists in "), again);
    }

    @Test
    void charterErrorsNameTheField() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir.resolve("home")).keys("alice", "bob", "carol", "mallory");
        Path bad = h.write("bad.toml", GovernanceCliFixture.CHARTER.replace("quorum = \"67%\"", "quorum = \"lots\""));
        String e = h.fails(2, "init", "--name", "X", "--charter", bad.toString(), "--key", "alice");
        assertEquals("cairn init: error: " + bad + ": defaults.quorum: \"lots\" is not a share (write e.g. \"50%\") or a weight (an integer)", e);
        Path unknown = h.write("u.toml", GovernanceCliFixture.CHARTER.replace("@carol", "@dave"));
        String missing = h.fails(2, "init", "--name", "X", "--charter", unknown.toString(), "--key", "alice");
        assertTrue(missing.contains("members[2].key: no key named \"dave\""), missing);
        Path charter = h.write("c.toml", GovernanceCliFixture.CHARTER);
        String notMember = h.fails(1, "init", "--name", "X", "--charter", charter.toString(), "--key", "mallory");
        assertTrue(notMember.startsWith("cairn init: rejected: the founder's key "), notMember);
        assertTrue(!Files.exists(dir.resolve("home/log/log.json")), "a rejected genesis leaves no log");
    }
}
