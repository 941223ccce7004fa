package dev.cairn.governance;

import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Release proposals that name a run-finished statement, and charters that require verifications. */
class ReleaseRulesTest {
    static final String WEIGHTS = Fixture.digestOf("weights"), ROOT = Fixture.digestOf("transcript");

    /** A community with run r1 approved and finished (trained by a), and a charter requiring {@code need} verifications. */
    static Fixture finishedRun(int need) {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[release]\nmin_verifications = " + need + "\n"));
        Proposal run = f.propose(T0 + 1, "a", Fixture.startRun("r1"));
        f.act(run.snapshot() + 1, "a", f.vote(run, Support.FOR));
        f.act(run.deadline() + 1, "a", f.execute(run));
        f.state.observe(100, Fixture.digestOf("finished"), f.key("a"), CommunityState.RUN_FINISHED, finished(f, "r1", WEIGHTS));
        return f;
    }

    static ObjectNode finished(Fixture f, String run, String weights) {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("community_id", f.state.communityId()).put("run", run)
                .put("final_weights_sha256", weights);
        p.putObject("transcript").put("root", ROOT);
        return p;
    }

    static void verification(Fixture f, String who, boolean ok, String community) {
        f.state.observe(101, Fixture.digestOf("v" + who + ok), f.key(who), CommunityState.RUN_VERIFICATION,
                JsonNodeFactory.instance.objectNode().put("community_id", community).put("run", "r1").put("transcript_root", ROOT).put("ok", ok).put("mode", "full"));
    }

    static Motion release(String runFinished, String weights, List<Action.ReleaseModel.Responsible> who) {
        return Motion.of("Release", "", new Action.ReleaseModel("cairn-1", "r1", weights, runFinished, "Apache-2.0", null, who));
    }

    @Test
    void aReleaseNeedsIndependentPassingVerifications() {
        Fixture f = finishedRun(1);
        long t = T0 + 3 * Fixture.DAY;
        String fin = Fixture.digestOf("finished");
        assertEquals("run \"r1\" has 0 passing verifications by members other than its trainer; the charter requires 1 before a release",
                f.reject(t, "b", new GovernanceStatement.Propose(f.community, release(fin, WEIGHTS, List.of()))));
        verification(f, "a", true, f.state.communityId());          // the trainer itself does not count
        verification(f, "b", false, f.state.communityId());         // a failed verification does not count
        verification(f, "c", true, Fixture.digestOf("elsewhere"));  // another community's statement is passed over
        assertTrue(f.reject(t, "b", new GovernanceStatement.Propose(f.community, release(fin, WEIGHTS, List.of()))).contains("has 0 passing"));
        verification(f, "b", true, f.state.communityId());
        Proposal rel = f.propose(t, "b", release(fin, WEIGHTS, List.of(new Action.ReleaseModel.Responsible(f.key("a"), "release manager", "a@example.org"))));
        f.act(rel.snapshot() + 1, "c", f.vote(rel, Support.FOR));
        f.act(rel.deadline() + 1, "c", f.execute(rel));
        assertEquals(Fixture.digestOf("finished"), ((Action.ReleaseModel) f.state.enactments().getLast().action()).runFinished());
    }

    @Test
    void unfinishedRunsOtherWeightsAndNonMembersAreRefused() {
        Fixture f = finishedRun(0);
        long t = T0 + 3 * Fixture.DAY;
        assertEquals("run \"r1\" never finished: no run-finished statement " + Fixture.digestOf("nope").substring(0, 12) + "… is in the ledger",
                f.reject(t, "b", new GovernanceStatement.Propose(f.community, release(Fixture.digestOf("nope"), WEIGHTS, List.of()))));
        String fin = Fixture.digestOf("finished");
        assertTrue(f.reject(t, "b", new GovernanceStatement.Propose(f.community, release(fin, Fixture.digestOf("other"), List.of())))
                .contains("are not the final weights run \"r1\" committed to"));
        String outsider = Fixture.newKey();
        assertTrue(f.reject(t, "b", new GovernanceStatement.Propose(f.community, release(fin, WEIGHTS,
                List.of(new Action.ReleaseModel.Responsible(outsider, "maintainer", "x@example.org"))))).contains("is not a member named in the charter"));
        f.propose(t, "b", release(fin, WEIGHTS, List.of()));
    }

    @Test
    void theNewFieldsRoundTripAndOldReleasesKeepTheirBytes() {
        Action.ReleaseModel old = new Action.ReleaseModel("m", "r", WEIGHTS);
        assertEquals("{\"type\":\"release_model\",\"model\":\"m\",\"run\":\"r\",\"weights\":\"" + WEIGHTS + "\"}", old.toJson().toString());
        Action.ReleaseModel full = new Action.ReleaseModel("m", "r", WEIGHTS, ROOT, "Apache-2.0", WEIGHTS,
                List.of(new Action.ReleaseModel.Responsible(Fixture.newKey(), "role", "contact")));
        assertEquals(full, Action.fromJson(full.toJson(), "action"));
        Charter c = new Fixture().charter(Fixture.charterToml("[release]\nmin_verifications = 2\n"));
        assertEquals(2, c.minVerifications());
        assertEquals(c, Charter.fromJson(c.toJson(), "json"));
        assertTrue(!new Fixture().charter(Fixture.charterToml("")).toJson().has("release"));
    }

    static void evaluation(Fixture f, String who, String weights, String task) {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("community_id", f.state.communityId());
        p.putObject("model").put("weights_sha256", weights);
        p.putObject("tasks").putObject(task).putObject("metrics").put("acc", 0.5);
        f.state.observe(200, Fixture.digestOf("e" + who + task), f.key(who), CommunityState.EVALUATION, p);
    }

    @Test
    void requiredEvaluationsCountMembersAndNamedEvaluatorsWhoNeverVote() {
        Fixture f = new Fixture();
        f.key("eve"); // a third-party evaluator: named in the charter, not a member
        f.genesis(Fixture.charterToml("[release]\nrequired_evaluations = [\"heldout\"]\n[[evaluators]]\nname = \"Eve Evals\"\nkey = \"@eve\"\n"));
        assertEquals(1, f.state.charter().release().minEvaluators());
        assertEquals(f.state.charter(), Charter.fromJson(f.state.charter().toJson(), "json"));
        Proposal run = f.propose(T0 + 1, "a", Fixture.startRun("r1"));
        f.act(run.snapshot() + 1, "a", f.vote(run, Support.FOR));
        f.act(run.deadline() + 1, "a", f.execute(run));
        f.state.observe(100, Fixture.digestOf("finished"), f.key("a"), CommunityState.RUN_FINISHED, finished(f, "r1", WEIGHTS));
        long t = T0 + 3 * Fixture.DAY;
        var motion = new GovernanceStatement.Propose(f.community, release(Fixture.digestOf("finished"), WEIGHTS, List.of()));
        assertEquals("the weights have 0 evaluations on task heldout by members or the charter's evaluators other than the trainer; the charter requires 1 before a release",
                f.reject(t, "b", motion));
        evaluation(f, "a", WEIGHTS, "heldout");          // the trainer's own evaluation does not count
        evaluation(f, "mallory", WEIGHTS, "heldout");    // nor a stranger's
        evaluation(f, "eve", Fixture.digestOf("x"), "heldout"); // nor one of other weights
        evaluation(f, "eve", WEIGHTS, "lambada");        // nor another task
        assertTrue(f.reject(t, "b", motion).contains("have 0 evaluations"));
        evaluation(f, "eve", WEIGHTS, "heldout");
        Proposal rel = f.propose(t, "b", release(Fixture.digestOf("finished"), WEIGHTS, List.of()));
        assertTrue(f.reject(rel.snapshot() + 1, "eve", f.vote(rel, Support.FOR)).contains("not a member"));
    }
}
