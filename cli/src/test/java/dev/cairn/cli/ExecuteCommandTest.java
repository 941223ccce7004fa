package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecuteCommandTest {
    @TempDir Path dir;

    @Test
    void executesAPassedProposal() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        int n = h.proposeData("shakespeare");
        assertTrue(h.fails(1, "execute", "" + n).startsWith("cairn execute: rejected: proposal 1 cannot be executed yet: voting is open until "));
        for (String k : new String[] {"alice", "bob", "carol"}) h.ok("vote", "" + n, "for", "--key", k);
        assertEquals("Succeeded", h.ok("proposal", "show", "1", "--json").json().get("state").asText());
        String out = h.ok("execute", "1").out();
        assertTrue(out.startsWith("executed proposal 1: admit dataset shakespeare"), out);
        assertEquals("Executed", h.ok("proposal", "show", "1", "--json").json().get("state").asText());
        assertTrue(h.fails(1, "execute", "1").startsWith("cairn execute: rejected: proposal 1 was already executed at "));
        String community = h.ok("community").out();
        assertTrue(community.contains("enacted    proposal 1: admit dataset shakespeare"), community);
    }

    @Test
    void timelockMustPassBeforeExecution() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        String d = GovernanceCliFixture.sha256("d");
        String opt = "recipe = \"%1$s\"\ndataset_root = \"%1$s\"\ntokenizer = \"%1$s\"\n".formatted(d);
        h.ok("propose", "start-run", "--file", h.write("run.toml", "title = \"Run\"\n[[options]]\nid = \"a\"\nrun = \"r1\"\n"
                + opt + "[[options]]\nid = \"b\"\nrun = \"r2\"\n" + opt).toString(), "--key", "alice");
        for (String k : new String[] {"alice", "bob", "carol"}) h.ok("vote", "1", "--rank", "a,b", "--key", k);
        h.ok("execute", "1", "--key", "bob");
        h.finishRun("alice", "r1", GovernanceCliFixture.sha256("w"));
        h.ok("propose", "release-model", "--file", h.write("rel.toml", "title = \"Release\"\nmodel = \"cairn-tiny\"\nrun = \"r1\"\nweights = \""
                + GovernanceCliFixture.sha256("w") + "\"\n").toString(), "--key", "alice");
        for (String k : new String[] {"alice", "bob", "carol"}) h.ok("vote", "2", "for", "--key", k);
        assertEquals("cairn execute: rejected: proposal 2 must be queued first: its timelock is 1d", h.fails(1, "execute", "2"));
        JsonNode q = h.ok("queue", "2", "--json").json();
        assertEquals("Queued", q.get("state").asText());
        String left = q.get("what_is_left").asText();
        assertTrue(left.startsWith("executable from ") && left.contains(" (in 23h 59m); expires "), left);
        String early = h.fails(1, "execute", "2");
        assertTrue(early.startsWith("cairn execute: rejected: proposal 2 is in its timelock until ") && early.endsWith("it cannot be executed before"), early);
        assertTrue(h.fails(2, "execute", "2", "--key", "cairn-log").startsWith("cairn execute: error: the key cairn-log is the log operator's"));
    }
}
