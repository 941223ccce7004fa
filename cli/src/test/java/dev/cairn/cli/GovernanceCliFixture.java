package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Cairn home for the governance command tests: member keys made at test time and a small charter. */
final class GovernanceCliFixture {
    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    /** admit_data closes as soon as all three vote for; release_model has a day's timelock; start_run is ranked. */
    static final String CHARTER = """
            title = "CLI test charter"
            [[members]]
            name = "Alice"
            key = "@alice"
            [[members]]
            name = "Bob"
            key = "@bob"
            [[members]]
            name = "Carol"
            key = "@carol"
            [defaults]
            rule = "majority"
            quorum = "67%"
            super_quorum = "100%"
            voting_delay = "0s"
            voting_period = "1d"
            timelock = "0s"
            grace_period = "14d"
            proposal_threshold = 1
            vote_replacement = false
            delegation = true
            [decisions.start_run]
            rule = "schulze"
            [decisions.release_model]
            rule = "2:1"
            timelock = "1d"
            [decisions.amend_charter]
            rule = "3:1"
            """;

    final Path home;

    GovernanceCliFixture(Path home) {
        this.home = home;
    }

    static Result cairn(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cairn.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a command in this home; adds {@code --home}. */
    Result run(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--home");
        a.add(home.toString());
        return cairn(a.toArray(String[]::new));
    }

    /** Runs a command that must succeed. */
    Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    /** Runs a command that must fail with one line on err; returns that line. */
    String fails(int code, String... args) {
        Result r = run(args);
        assertEquals(code, r.code(), () -> String.join(" ", args) + " should fail; out: " + r.out() + " err: " + r.err());
        assertTrue(r.err().endsWith("\n") && r.err().strip().lines().count() == 1, "one line on err: " + r.err());
        return r.err().strip();
    }

    GovernanceCliFixture keys(String... names) {
        for (String n : names) ok("key", "new", n);
        return this;
    }

    Path write(String name, String text) throws Exception {
        Files.createDirectories(home);
        Path p = home.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** Keys alice, bob, carol and a community founded by alice with {@link #CHARTER}. */
    GovernanceCliFixture founded() throws Exception {
        keys("alice", "bob", "carol");
        ok("init", "--name", "Test coalition", "--charter", write("charter.toml", CHARTER).toString(), "--key", "alice");
        return this;
    }

    /** Signs a run-finished statement for {@code run} with these final weights into the ledger, as `run start` does at its end. */
    void finishRun(String signer, String run, String weights) throws Exception {
        var lh = new dev.cairn.ledger.LedgerHome(home);
        var key = lh.keys().load(signer, null);
        var p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("run", run).put("final_weights_sha256", weights);
        p.putObject("transcript").put("root", sha256("transcript of " + run));
        String community = dev.cairn.governance.Community.read(lh).communityId();
        var st = dev.cairn.ledger.Statement.of(dev.cairn.governance.CommunityState.RUN_FINISHED, p, community, key.identity(),
                dev.cairn.ledger.Subject.sha256("weights", weights));
        try (var log = lh.openLog(java.time.InstantSource.system())) {
            log.append(dev.cairn.ledger.Envelope.sign(st, key));
        }
    }

    /** Proposes admitting a dataset; returns the proposal number (with a voting delay of 0, votes may follow at once). */
    int proposeData(String dataset) throws Exception {
        Path f = write("p-" + dataset + ".toml", "title = \"Admit " + dataset + "\"\ndataset = \"" + dataset
                + "\"\nroot = \"" + sha256(dataset) + "\"\n");
        int n = ok("propose", "admit-data", "--file", f.toString(), "--key", "alice", "--json").json().get("number").asInt();
        return n;
    }

    String stateDigest() throws Exception {
        return ok("community", "--json").json().get("state_digest").asText();
    }

    long logSize() throws Exception {
        return ok("community", "--json").json().get("entries").asLong();
    }

    static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
