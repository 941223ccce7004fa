package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProposeCommandTest {
    @TempDir Path dir;

    @Test
    void proposesFromATomlFile() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        Path f = h.write("data.toml", "title = \"Admit Shakespeare\"\ndescription = \"the sample corpus\"\n"
                + "dataset = \"shakespeare\"\nroot = \"" + GovernanceCliFixture.sha256("x") + "\"\n");
        JsonNode p = h.ok("propose", "admit-data", "--file", f.toString(), "--key", "bob", "--json").json();
        assertEquals(1, p.get("number").asInt());
        assertTrue(p.get("state").asText().matches("Pending|Active"), p.get("state").asText()); // voting delay 0
        assertEquals("admit_data", p.get("motion").get("class").asText());
        Path add = h.write("add.toml", "title = \"Add Dave\"\nname = \"Dave\"\nkey = \"@dave\"\nweight = 2\n");
        assertEquals("cairn propose: error: " + add + ": key: no key named \"dave\"",
                h.fails(2, "propose", "add-member", "--file", add.toString(), "--key", "bob"));
        h.keys("dave");
        String text = h.ok("propose", "add-member", "--file", add.toString(), "--key", "bob").out();
        assertTrue(text.startsWith("proposal 2 made (membership): Add Dave"), text);
    }

    @Test
    void rankedProposalsHaveOptions() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        String digest = GovernanceCliFixture.sha256("d");
        Path f = h.write("run.toml", """
                title = "Next run"
                [[options]]
                id = "books"
                run = "r-books"
                recipe = "%1$s"
                dataset_root = "%1$s"
                tokenizer = "%1$s"
                objective = "more books"
                [[options]]
                id = "web"
                run = "r-web"
                recipe = "%1$s"
                dataset_root = "%1$s"
                tokenizer = "%1$s"
                """.formatted(digest));
        JsonNode p = h.ok("propose", "start-run", "--file", f.toString(), "--key", "carol", "--json").json();
        assertEquals(2, p.get("motion").get("options").size());
        // a single action where the charter wants ranked choice is refused, the log unchanged
        long size = h.logSize();
        Path single = h.write("single.toml", "title = \"One run\"\nrun = \"r\"\nrecipe = \"" + digest + "\"\ndataset_root = \""
                + digest + "\"\ntokenizer = \"" + digest + "\"\n");
        String e = h.fails(1, "propose", "start-run", "--file", single.toString(), "--key", "carol");
        assertEquals("cairn propose: rejected: the charter decides start_run by ranked choice (schulze): a proposal needs at least two options", e);
        assertEquals(size, h.logSize());
    }

    @Test
    void badProposalsAreRefusedWithOneLine() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        Path f = h.write("bad.toml", "title = \"Admit\"\ndataset = \"d\"\nroot = \"not-a-digest\"\n");
        assertEquals("cairn propose: error: " + f + ": root: must be a SHA-256 digest (64 lower-case hex digits)",
                h.fails(2, "propose", "admit-data", "--file", f.toString(), "--key", "alice"));
        assertTrue(h.fails(2, "propose", "train-now", "--file", f.toString(), "--key", "alice")
                .startsWith("cairn propose: error: unknown proposal kind \"train-now\""));
        Path extra = h.write("extra.toml", "title = \"Admit\"\ndataset = \"d\"\nroot = \"" + GovernanceCliFixture.sha256("d") + "\"\nlicense = \"MIT\"\n");
        assertEquals("cairn propose: error: " + extra + ": license: unknown field",
                h.fails(2, "propose", "admit-data", "--file", extra.toString(), "--key", "alice"));
        h.keys("mallory");
        Path ok = h.write("ok.toml", "title = \"Admit\"\ndataset = \"d\"\nroot = \"" + GovernanceCliFixture.sha256("d") + "\"\n");
        assertTrue(h.fails(1, "propose", "admit-data", "--file", ok.toString(), "--key", "mallory")
                .matches("cairn propose: rejected: proposer key [0-9a-f]{12}… is not a member of this community"));
        assertTrue(h.fails(2, "propose", "admit-data", "--file", ok.toString(), "--key", "nobody")
                .startsWith("cairn propose: error: no private key named nobody"));
    }
}
