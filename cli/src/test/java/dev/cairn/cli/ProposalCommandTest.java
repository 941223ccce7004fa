package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProposalCommandTest {
    @TempDir Path dir;

    @Test
    void showsStateTalliesQuorumAndWhatIsLeft() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        int n = h.proposeData("shakespeare");
        h.ok("vote", "" + n, "against", "--key", "bob");
        JsonNode s = h.ok("proposal", "show", "" + n, "--json").json();
        assertEquals("Active", s.get("state").asText());
        assertEquals(1, s.get("tally").get("against").asInt());
        assertEquals(2, s.get("tally").get("quorum_required").asInt()); // 67% of 3, rounded down
        assertEquals(0, s.get("tally").get("quorum_counted").asInt());  // against does not count toward quorum
        assertTrue(s.get("what_is_left").asText().contains("quorum needs 2 more weight for or abstaining"), s.get("what_is_left").asText());
        assertEquals(1, s.get("votes").size());

        String digest = s.get("digest").asText();
        String text = h.ok("proposal", "show", digest.substring(0, 10)).out();
        assertTrue(text.startsWith("proposal 1: Admit shakespeare\n"), text);
        assertTrue(text.contains("  state      Active\n"), text);
        assertTrue(text.contains("  tally      for 0, against 1, abstain 0 (of 3)\n"), text);
        assertTrue(text.contains("  quorum     0 of 2 needed\n"), text);
        assertTrue(text.contains("  ballot     Bob (key "), text);

        h.ok("vote", "" + n, "for", "--key", "alice");
        h.ok("vote", "" + n, "for", "--key", "carol");
        JsonNode after = h.ok("proposal", "show", "" + n, "--json").json();
        assertEquals("Active", after.get("state").asText()); // 2 for of 3: no early close
        assertTrue(after.get("what_is_left").asText().endsWith("quorum reached; carrying so far"), after.get("what_is_left").asText());

        String list = h.ok("proposal", "list").out();
        assertTrue(list.contains("   1  Active     admit_data     Admit shakespeare"), list);
        assertTrue(h.fails(2, "proposal", "show", "42").startsWith("cairn proposal show: error: no proposal 42 in community Test coalition"));
    }

    @Test
    void proposerCancelsWhilePending() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        String charter = GovernanceCliFixture.CHARTER.replace("voting_delay = \"0s\"", "voting_delay = \"1h\"");
        GovernanceCliFixture g = new GovernanceCliFixture(dir.resolve("other")).keys("alice", "bob", "carol");
        g.ok("init", "--name", "Slow", "--charter", g.write("c.toml", charter).toString(), "--key", "alice");
        int n = g.proposeData("d");
        assertEquals("Pending", g.ok("proposal", "show", "" + n, "--json").json().get("state").asText());
        assertEquals("cairn proposal cancel: rejected: only its proposer may cancel proposal 1", g.fails(1, "proposal", "cancel", "1", "--key", "bob"));
        assertTrue(g.ok("proposal", "cancel", "1", "--key", "alice").out().startsWith("proposal 1 canceled"));
        assertEquals("Canceled", g.ok("proposal", "show", "1", "--json").json().get("state").asText());
        assertTrue(h.ok("proposal", "list").out().contains("no proposals yet"));
    }
}
