package dev.cairn.governance;

import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Delegated voting power: transitive chains, snapshots, withdrawal, lapse on removal, per-class switch. */
class DelegationTest {

    @Test
    void powerFlowsToTheEndOfTheChain() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        f.act(T0 + 1, "a", f.delegate("b"));
        f.act(T0 + 2, "b", f.delegate("c"));
        assertEquals(0, f.state.votingPower(f.key("a"), DecisionClass.ADMIT_DATA));
        assertEquals(0, f.state.votingPower(f.key("b"), DecisionClass.ADMIT_DATA));
        assertEquals(3, f.state.votingPower(f.key("c"), DecisionClass.ADMIT_DATA));
        assertEquals(Map.of(f.key("a"), f.key("b"), f.key("b"), f.key("c")), f.state.delegations());

        Proposal p = f.propose(T0 + 3, "c", Fixture.admit("d"));
        String why = f.reject(p.snapshot() + 1, "a", f.vote(p, Support.AGAINST));
        assertTrue(why.contains("had delegated its voting power to C"), why);
        f.act(p.snapshot() + 1, "c", f.vote(p, Support.FOR));
        assertEquals(3, ((Tally.Binary) p.tally()).forWeight());
    }

    @Test
    void changesAfterTheSnapshotDoNotCount() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        f.act(p.snapshot() + 1, "b", f.delegate("a"));   // after the snapshot
        f.act(p.snapshot() + 2, "a", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 3, "b", f.vote(p, Support.AGAINST));
        Tally.Binary t = (Tally.Binary) p.tally();
        assertEquals(1, t.forWeight());
        assertEquals(1, t.againstWeight());

        // and for a proposal made after the delegation it does count
        Proposal q = f.propose(p.snapshot() + 4, "a", Fixture.admit("e"));
        f.act(q.snapshot() + 1, "a", f.vote(q, Support.FOR));
        assertEquals(2, ((Tally.Binary) q.tally()).forWeight());
    }

    @Test
    void delegationAtTheSnapshotInstantCounts() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        f.act(p.snapshot(), "b", f.delegate("a"));        // at the snapshot: counts (OZ getPastVotes(snapshot))
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        assertEquals(2, ((Tally.Binary) p.tally()).forWeight());
    }

    @Test
    void withdrawingRestoresOwnPower() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        f.act(T0 + 1, "a", f.delegate("b"));
        f.act(T0 + 2, "a", f.delegate(null));
        assertEquals(1, f.state.votingPower(f.key("a"), DecisionClass.ADMIT_DATA));
        assertTrue(f.reject(T0 + 3, "a", f.delegate("a")).endsWith("has no delegation to withdraw"));
    }

    @Test
    void delegationsToARemovedMemberLapse() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        f.act(T0 + 1, "a", f.delegate("c"));
        Proposal removal = f.propose(T0 + 2, "b", Motion.of("Remove C", "", new Action.RemoveMember(f.key("c"))));
        f.act(removal.snapshot() + 1, "b", f.vote(removal, Support.FOR));
        f.act(removal.deadline() + 1, "b", f.execute(removal));
        assertEquals(Map.of(), f.state.delegations());
        assertEquals(1, f.state.votingPower(f.key("a"), DecisionClass.ADMIT_DATA));
        assertEquals(2, f.state.charter().totalWeight());
    }

    @Test
    void delegationCountsOnlyForClassesThatAllowIt() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.amend_charter]\ndelegation = false\n"));
        f.act(T0 + 1, "a", f.delegate("b"));
        assertEquals(2, f.state.votingPower(f.key("b"), DecisionClass.ADMIT_DATA));
        assertEquals(1, f.state.votingPower(f.key("b"), DecisionClass.AMEND_CHARTER));
        assertEquals(1, f.state.votingPower(f.key("a"), DecisionClass.AMEND_CHARTER));
    }

    @Test
    void addedMemberVotesOnlyOnLaterProposals() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.membership]\nvoting_period = \"1h\"\n"));
        Proposal add = f.propose(T0 + 1, "a", Motion.of("Add D", "", new Action.AddMember(new Member(f.key("d"), "D", 2))));
        Proposal before = f.propose(T0 + 2, "a", Fixture.admit("before"));
        f.act(add.snapshot() + 1, "a", f.vote(add, Support.FOR));
        f.act(add.deadline() + 1, "a", f.execute(add));
        assertTrue(f.state.isMember(f.key("d")));
        String why = f.reject(add.deadline() + 2, "d", f.vote(before, Support.FOR));
        assertTrue(why.endsWith("; it became a member after the snapshot"), why);
        Proposal after = f.propose(add.deadline() + 3, "d", Fixture.admit("after"));
        f.act(after.snapshot() + 1, "d", f.vote(after, Support.FOR));
        assertEquals(2, ((Tally.Binary) after.tally()).forWeight());
        assertEquals(5, after.totalWeightAtSnapshot());
    }
}
