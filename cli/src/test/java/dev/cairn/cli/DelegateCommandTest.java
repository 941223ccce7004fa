package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelegateCommandTest {
    @TempDir Path dir;

    @Test
    void delegationChainsAndCycles() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        h.ok("delegate", "--to", "Bob", "--key", "alice");
        JsonNode d = h.ok("delegate", "--to", "@carol", "--key", "bob", "--json").json();
        assertEquals(2, d.get("delegations").size());
        long carolPower = 0;
        for (var e : d.get("voting_power").properties()) carolPower = Math.max(carolPower, e.getValue().asLong());
        assertEquals(3, carolPower); // alice → bob → carol
        String before = h.stateDigest();
        String cycle = h.fails(1, "delegate", "--to", "Alice", "--key", "carol");
        assertEquals("cairn delegate: rejected: delegation cycle: Carol → Alice → Bob → Carol", cycle);
        assertEquals(before, h.stateDigest());
        String text = h.ok("delegate", "--to", "self", "--key", "alice").out();
        assertTrue(text.startsWith("Alice (key "), text);
        assertTrue(text.contains("withdrew its delegation"), text);
        assertTrue(h.fails(2, "delegate", "--to", "Zed", "--key", "alice")
                .startsWith("cairn delegate: error: \"Zed\" is not a member's name, a key name or a public key"));
    }

    @Test
    void delegatedPowerVotesAtTheSnapshot() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        h.ok("delegate", "--to", "Alice", "--key", "bob");
        int n = h.proposeData("d");
        JsonNode v = h.ok("vote", "" + n, "for", "--key", "alice", "--json").json();
        assertEquals(2, v.get("weight").asInt());
        assertTrue(h.fails(1, "vote", "" + n, "for", "--key", "bob").contains("had delegated its voting power to Alice"));
    }
}
