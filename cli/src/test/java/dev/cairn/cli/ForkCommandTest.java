package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForkCommandTest {
    @TempDir Path dir;

    GovernanceCliFixture parentWithData() throws Exception {
        GovernanceCliFixture p = new GovernanceCliFixture(dir.resolve("parent")).founded();
        int n = p.proposeData("shakespeare");
        for (String k : new String[] {"alice", "bob", "carol"}) p.ok("vote", "" + n, "for", "--key", k);
        p.ok("execute", "" + n);
        return p;
    }

    @Test
    void forkAtASignedCheckpointTakesTheArtifactsAlong() throws Exception {
        GovernanceCliFixture parent = parentWithData();
        Path checkpoint = dir.resolve("parent/log/checkpoint");
        String parentId = parent.ok("community", "--json").json().get("community").asText();
        GovernanceCliFixture child = new GovernanceCliFixture(dir.resolve("child")).keys("dora", "erin");
        Path charter = child.write("c.toml", GovernanceCliFixture.CHARTER.replace("@alice", "@dora").replace("@bob", "@erin")
                .replace("[[members]]\nname = \"Carol\"\nkey = \"@carol\"\n", ""));
        JsonNode f = child.ok("fork", "--from", dir.resolve("parent/log").toString(), "--at", checkpoint.toString(),
                "--name", "Dora's fork", "--charter", charter.toString(), "--key", "dora", "--json").json();
        assertEquals(parentId, f.get("parent").asText());
        assertEquals(6, f.get("checkpoint_size").asInt()); // genesis, proposal, 3 votes, execution
        assertEquals("shakespeare", f.get("artifacts").get(0).get("name").asText());
        assertTrue(Files.exists(dir.resolve("child/log/log.json")));

        JsonNode lineage = child.ok("lineage", "--json").json();
        assertEquals(2, lineage.get("lineage").size());
        assertEquals("Test coalition", lineage.get("lineage").get(0).get("name").asText());
        String text = child.ok("lineage").out();
        assertTrue(text.startsWith("Test coalition  ("), text);
        assertTrue(text.contains("\n└─ Dora's fork  (") && text.contains("forked at size 6") && text.strip().endsWith("← this community"), text);
    }

    @Test
    void badForkPointsAreRefused() throws Exception {
        parentWithData();
        GovernanceCliFixture child = new GovernanceCliFixture(dir.resolve("child")).keys("alice", "bob", "carol");
        Path charter = child.write("c.toml", GovernanceCliFixture.CHARTER);
        String from = dir.resolve("parent/log").toString();
        assertEquals("cairn fork: error: fork point 99 is outside the parent log (1..6)",
                child.fails(2, "fork", "--from", from, "--at", "99", "--name", "x", "--charter", charter.toString(), "--key", "alice"));
        Path forged = child.write("forged-checkpoint", Files.readString(dir.resolve("parent/log/checkpoint")).replaceFirst("\n6\n", "\n5\n"));
        String e = child.fails(1, "fork", "--from", from, "--at", forged.toString(), "--name", "x", "--charter", charter.toString(), "--key", "alice");
        assertTrue(e.startsWith("cairn fork: error: "), e);
        assertTrue(child.fails(2, "fork", "--from", dir.toString(), "--at", "1", "--name", "x", "--charter", charter.toString(), "--key", "alice")
                .endsWith(": no log there (no log.json)"));
        assertTrue(!Files.exists(dir.resolve("child/log/log.json")));
        child.ok("fork", "--from", from, "--at", "1", "--name", "Early fork", "--charter", charter.toString(), "--key", "alice");
        assertEquals(1, child.ok("lineage", "--json").json().get("lineage").get(1).get("checkpoint_size").asInt());
    }
}
