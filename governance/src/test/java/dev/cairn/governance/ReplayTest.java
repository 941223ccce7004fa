package dev.cairn.governance;

import static dev.cairn.governance.Fixture.DAY;
import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.ledger.Identity;
import dev.cairn.ledger.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The community state is a pure function of the log. */
class ReplayTest {

    /** A log exercising every statement kind, amendments, membership changes and delegations. */
    static Fixture busyCommunity() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("""
                [decisions.start_run]
                rule = "schulze"
                [decisions.release_model]
                rule = "2:1"
                timelock = "1d"
                [decisions.amend_charter]
                rule = "3:1"
                """));
        long t = T0 + 1;
        f.act(t++, "c", f.delegate("b"));
        Proposal data = f.propose(t++, "a", Fixture.admit("shakespeare"));
        Proposal run = f.propose(t++, "b", Motion.ranked(DecisionClass.START_RUN, "Next run", "mixtures", List.of(
                new Choice("A", Fixture.startRun("run-a").choices().getFirst().action()),
                new Choice("B", Fixture.startRun("run-b").choices().getFirst().action()))));
        Proposal add = f.propose(t++, "a", Motion.of("Add D", "welcome", new Action.AddMember(new Member(f.key("d"), "D", 2))));
        Proposal dropped = f.propose(t++, "a", Fixture.admit("dropped"));
        f.act(t++, "a", new GovernanceStatement.Cancel(f.community, dropped.digest()));
        long open = data.snapshot() + 10;
        f.act(open, "a", f.vote(data, Support.FOR));
        f.act(open, "b", f.vote(data, Support.ABSTAIN));
        f.act(open + 1, "a", f.rank(run, "B", "A"));
        f.act(open + 1, "b", f.rank(run, "A", "none"));
        f.act(open + 2, "a", f.vote(add, Support.FOR));
        f.act(open + 2, "b", f.vote(add, Support.FOR));
        long closed = run.deadline() + 10;
        f.act(closed, "a", f.execute(data));
        f.act(closed, "b", f.execute(run));
        f.act(closed + 1, "a", f.execute(add));
        Proposal rel = f.propose(closed + 2, "d", Motion.of("Release", "", new Action.ReleaseModel("cairn-1",
                run.executedChoice().equals("A") ? "run-a" : "run-b", Fixture.digestOf("weights"))));
        f.act(rel.snapshot() + 1, "d", f.vote(rel, Support.FOR));
        f.act(rel.snapshot() + 1, "a", f.vote(rel, Support.AGAINST));
        f.act(rel.snapshot() + 2, "b", f.vote(rel, Support.FOR));
        f.act(rel.deadline() + 1, "d", f.queue(rel));
        f.act(rel.eta() + 1, "d", f.execute(rel));
        f.act(rel.eta() + 2, "c", f.delegate(null));
        return f;
    }

    @Test
    void twoIndependentReplaysAreByteIdentical() {
        Fixture f = busyCommunity();
        CommunityState one = CommunityState.replay(f.log);
        CommunityState two = CommunityState.replay(new ArrayList<>(f.log));
        assertArrayEquals(one.canonicalBytes(), two.canonicalBytes());
        assertEquals(one.digest(), two.digest());
        assertEquals(f.state.digest(), one.digest()); // and equal to the state built while validating
        assertEquals(4, one.enactments().size());
        assertEquals(List.of(), one.rejections());
        assertEquals(4, one.members().size());
    }

    @Test
    void replayFromDecodedStatementsGivesTheSameState() {
        // what a verifier does: read each in-toto statement back from its canonical bytes, decode it, replay
        Fixture f = busyCommunity();
        List<Event> decoded = new ArrayList<>();
        for (Event e : f.log) {
            Statement st = Statement.parse(e.statement().toStatement(Identity.ofHex(e.signer())).canonicalBytes());
            GovernanceStatement back = GovernanceStatement.fromStatement(st);
            assertEquals(e.statement(), back);
            assertEquals(e.digest(), st.digest());
            assertEquals(e.signer(), st.signer().orElseThrow().publicKeyHex());
            decoded.add(new Event(e.index(), e.logTime(), st.signer().orElseThrow().publicKeyHex(), st.digest(), back));
        }
        assertEquals(f.state.digest(), CommunityState.replay(decoded).digest());
    }

    @Test
    void anyDifferenceInTheLogChangesTheDigest() {
        Fixture f = busyCommunity();
        List<Event> shifted = new ArrayList<>(f.log);
        Event last = shifted.removeLast();
        shifted.add(new Event(last.index(), last.logTime() + 1, last.signer(), last.digest(), last.statement()));
        assertNotEquals(f.state.digest(), CommunityState.replay(shifted).digest());
        assertNotEquals(f.state.digest(), CommunityState.replay(f.log.subList(0, f.log.size() - 1)).digest());
    }

    @Test
    void replayRecordsRejectedEntriesAndDisregardsThem() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        List<Event> log = new ArrayList<>(f.log);
        log.add(f.event(p.snapshot() + 1, "mallory", f.vote(p, Support.FOR)));   // written without validation
        log.add(f.event(p.snapshot() + 2, "a", f.vote(p, Support.FOR)));
        CommunityState s = CommunityState.replay(log);
        assertEquals(1, s.rejections().size());
        assertEquals(2, s.rejections().getFirst().index());
        assertTrue(s.rejections().getFirst().reason().contains("was not a member"));
        assertEquals(1, s.proposal("1").orElseThrow().ballots().size());
        assertEquals(4, s.entries());
        assertEquals(s.digest(), CommunityState.replay(log).digest());
    }

    @Test
    void stateDigestIsStableAcrossTime() {
        // the digest is of the log, not of the wall clock: replays a day apart agree
        Fixture f = busyCommunity();
        String d1 = CommunityState.replay(f.log).digest();
        String d2 = CommunityState.replay(f.log).digest();
        assertEquals(d1, d2);
        assertEquals(64, d1.length());
        assertTrue(new String(f.state.canonicalBytes()).startsWith("{\"charters\":["));
    }

    @Test
    void unknownOrMalformedPredicatesAreRefusedNamingTheField() {
        ObjectMapper json = new ObjectMapper();
        var e1 = assertThrows(IllegalArgumentException.class, () ->
                GovernanceStatement.fromPredicate("https://cairn.dev/governance/bribe/v1", json.createObjectNode()));
        assertEquals("predicateType \"https://cairn.dev/governance/bribe/v1\" is not a Cairn governance statement", e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> GovernanceStatement.fromPredicate(GovernanceStatement.VOTE,
                json.readTree("{\"community_id\":\"" + Fixture.digestOf("c") + "\",\"proposal\":\"" + Fixture.digestOf("p")
                        + "\",\"ballot\":{\"support\":\"maybe\"}}")));
        assertEquals("\"maybe\" is not a vote (expected for, against or abstain)", e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> GovernanceStatement.fromPredicate(GovernanceStatement.PROPOSAL,
                json.readTree("{\"community_id\":\"" + Fixture.digestOf("c") + "\",\"motion\":{\"class\":\"admit_data\",\"title\":\"t\","
                        + "\"action\":{\"type\":\"admit_data\",\"dataset\":\"d\",\"root\":\"xyz\"}}}")));
        assertEquals("predicate.motion.action.root: must be a SHA-256 digest (64 lower-case hex digits)", e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> GovernanceStatement.fromPredicate(GovernanceStatement.QUEUE,
                json.readTree("{\"community_id\":\"" + Fixture.digestOf("c") + "\",\"proposal\":\"" + Fixture.digestOf("p") + "\",\"extra\":1}")));
        assertEquals("predicate.extra: unknown field", e4.getMessage());
    }
}
