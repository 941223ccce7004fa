package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VoteCommandTest {
    @TempDir Path dir;

    @Test
    void votesCountAndTheSuperQuorumClosesVoting() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        int n = h.proposeData("shakespeare");
        String out = h.ok("vote", "" + n, "for", "--key", "alice").out();
        assertTrue(out.startsWith("voted for on proposal 1 with weight 1"), out);
        h.ok("vote", "" + n, "abstain", "--key", "bob");
        JsonNode v = h.ok("vote", "" + n, "for", "--key", "carol", "--json").json();
        assertEquals("Active", v.get("state").asText()); // for 2 of 3: the super quorum (100% for) is not reached
        assertEquals(2, v.get("tally").get("for").asInt());
        assertEquals(1, v.get("tally").get("abstain").asInt());
        assertTrue(v.get("tally").get("quorum_reached").asBoolean());
    }

    @Test
    void secondVotesNonMembersAndBadBallotsAreRejectedLeavingTheLogUnchanged() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded().keys("mallory");
        int n = h.proposeData("d");
        h.ok("vote", "" + n, "for", "--key", "alice");
        String before = h.stateDigest();
        String again = h.fails(1, "vote", "" + n, "against", "--key", "alice");
        assertTrue(again.startsWith("cairn vote: rejected: voter Alice (key ") && again.endsWith(
                "already voted on proposal 1 and the charter forbids replacing votes (decisions.admit_data.vote_replacement = false)"), again);
        String outsider = h.fails(1, "vote", "" + n, "for", "--key", "mallory");
        assertTrue(outsider.contains("was not a member at proposal 1's snapshot"), outsider);
        assertEquals("cairn vote: error: \"maybe\" is not a vote (expected for, against or abstain)", h.fails(2, "vote", "1", "maybe", "--key", "bob"));
        assertEquals("cairn vote: rejected: proposal 1 is a single motion; vote for, against or abstain",
                h.fails(1, "vote", "1", "--rank", "a,b", "--key", "bob"));
        assertEquals("cairn vote: error: give exactly one of for|against|abstain or --rank A,B,C", h.fails(2, "vote", "1", "--key", "bob"));
        assertTrue(h.fails(2, "vote", "9", "for", "--key", "bob").startsWith("cairn vote: error: no proposal 9 in community Test coalition"));
        assertEquals(before, h.stateDigest());
    }

    @Test
    void rankedBallots() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        String d = GovernanceCliFixture.sha256("d");
        String opt = "recipe = \"%1$s\"\ndataset_root = \"%1$s\"\ntokenizer = \"%1$s\"\n".formatted(d);
        Path f = h.write("run.toml", "title = \"Next run\"\n[[options]]\nid = \"books\"\nrun = \"r-books\"\n" + opt
                + "[[options]]\nid = \"web\"\nrun = \"r-web\"\n" + opt);
        h.ok("propose", "start-run", "--file", f.toString(), "--key", "alice");
        h.ok("vote", "1", "--rank", "books,web", "--key", "alice");
        h.ok("vote", "1", "--rank", "web", "--key", "bob");
        assertTrue(h.fails(1, "vote", "1", "--rank", "books,gpu", "--key", "carol")
                .startsWith("cairn vote: rejected: proposal 1 has no option \"gpu\" (options: books, web, none)"));
        JsonNode last = h.ok("vote", "1", "--rank", "books,none", "--key", "carol", "--json").json();
        // all three voted: the super quorum closes voting; books beats web 2:1 and both beat none
        assertEquals("Succeeded", last.get("state").asText());
        assertEquals("books", last.get("tally").get("winner").asText());
        JsonNode ex = h.ok("execute", "1", "--json").json();
        assertEquals("r-books", ex.get("enacted").get("run").asText());
    }
}
