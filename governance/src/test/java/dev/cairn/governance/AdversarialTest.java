package dev.cairn.governance;

import static dev.cairn.governance.Fixture.DAY;
import static dev.cairn.governance.Fixture.HOUR;
import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each hostile or mistaken statement is rejected with a clear reason and leaves the state byte-identical. */
class AdversarialTest {

    @Test
    void voteByNonMember() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        String why = f.reject(p.snapshot() + 1, "mallory", f.vote(p, Support.FOR));
        assertTrue(why.startsWith("voter key " + f.key("mallory").substring(0, 12) + "… was not a member at proposal 1's snapshot"), why);
    }

    @Test
    void voteByKeyRemovedBeforeTheSnapshot() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal removal = f.propose(T0 + 1, "a", Motion.of("Remove C", "", new Action.RemoveMember(f.key("c"))));
        f.act(removal.snapshot() + 1, "a", f.vote(removal, Support.FOR));
        f.act(removal.snapshot() + 2, "b", f.vote(removal, Support.FOR));
        long removedAt = removal.deadline() + 1;
        f.act(removedAt, "a", f.execute(removal));
        assertTrue(!f.state.isMember(f.key("c")));

        Proposal p = f.propose(removedAt + 1, "a", Fixture.admit("after"));
        String why = f.reject(p.snapshot() + 1, "c", f.vote(p, Support.AGAINST));
        assertTrue(why.endsWith("; the key was removed before the snapshot"), why);
        // and a removed key can no longer propose
        assertTrue(f.reject(p.snapshot() + 1, "c", new GovernanceStatement.Propose(f.community, Fixture.admit("x")))
                .startsWith("proposer key " + f.key("c").substring(0, 12)));
    }

    @Test
    void removedKeyStillVotesOnProposalsWhoseSnapshotPrecedesRemoval() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.membership]\nvoting_period = \"1h\"\n"));
        Proposal early = f.propose(T0 + 1, "a", Fixture.admit("early"));   // open for a day after its snapshot
        Proposal removal = f.propose(T0 + 2, "a", Motion.of("Remove C", "", new Action.RemoveMember(f.key("c"))));
        f.act(removal.snapshot() + 1, "a", f.vote(removal, Support.FOR));
        f.act(removal.snapshot() + 2, "b", f.vote(removal, Support.FOR));
        f.act(removal.deadline() + 1, "a", f.execute(removal));
        assertTrue(!f.state.isMember(f.key("c")));
        f.act(removal.deadline() + HOUR, "c", f.vote(early, Support.FOR)); // C was a member at early's snapshot
        assertEquals(1, early.votingPowerAtSnapshot(f.key("c")));
    }

    @Test
    void secondVoteWhenCharterForbidsReplacement() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        f.act(p.snapshot() + 1, "b", f.vote(p, Support.FOR));
        assertEquals("voter B (key " + f.key("b").substring(0, 12) + "…) already voted on proposal 1 and the charter forbids"
                + " replacing votes (decisions.admit_data.vote_replacement = false)",
                f.reject(p.snapshot() + 2, "b", f.vote(p, Support.AGAINST)));
    }

    @Test
    void replacementAllowedReplacesTheBallot() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("").replace("vote_replacement = false", "vote_replacement = true"));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        f.act(p.snapshot() + 1, "b", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 2, "b", f.vote(p, Support.AGAINST));
        Tally.Binary t = (Tally.Binary) p.tally();
        assertEquals(0, t.forWeight());
        assertEquals(1, t.againstWeight());
        assertEquals(1, p.ballots().size());
    }

    @Test
    void voteOutsideTheWindow() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("d"));
        String early = f.reject(p.snapshot(), "b", f.vote(p, Support.FOR));
        assertTrue(early.startsWith("voting on proposal 1 opens after " + CommunityState.time(p.snapshot())), early);
        String late = f.reject(p.deadline() + 1, "b", f.vote(p, Support.FOR));
        assertTrue(late.startsWith("voting on proposal 1 closed at " + CommunityState.time(p.deadline())), late);
    }

    @Test
    void statementsFromAnotherCommunity() {
        String toml = Fixture.charterToml("");
        Fixture here = new Fixture().genesis(toml);
        Fixture there = new Fixture();
        there.keys.putAll(here.keys);                    // the same members...
        there.act(T0, "a", new GovernanceStatement.Genesis("another community", there.charter(toml), null));
        there.community = there.state.communityId();     // ...but another genesis, so another id
        Proposal theirs = there.propose(T0 + 1, "a", Fixture.admit("d"));
        here.propose(T0 + 1, "a", Fixture.admit("d"));   // the same motion here gets another digest

        String vote = here.reject(theirs.snapshot() + 1, "b", there.vote(theirs, Support.FOR));
        assertTrue(vote.startsWith("statement belongs to community " + there.community.substring(0, 12) + "…, not to this community "), vote);
        String prop = here.reject(T0 + 2, "a", new GovernanceStatement.Propose(there.community, Fixture.admit("e")));
        assertTrue(prop.startsWith("statement belongs to community"), prop);
    }

    @Test
    void proposalBelowTheThreshold() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("").replace("proposal_threshold = 1", "proposal_threshold = 2"));
        assertEquals("proposer A (key " + f.key("a").substring(0, 12) + "…) has voting power 1, below the proposal threshold 2"
                + " (decisions.admit_data.proposal_threshold)",
                f.reject(T0 + 1, "a", new GovernanceStatement.Propose(f.community, Fixture.admit("d"))));
        f.act(T0 + 2, "b", f.delegate("a"));           // with B's delegated weight, A reaches the threshold
        f.propose(T0 + 3, "a", Fixture.admit("d"));
        assertTrue(f.reject(T0 + 4, "mallory", new GovernanceStatement.Propose(f.community, Fixture.admit("m")))
                .startsWith("proposer key " + f.key("mallory").substring(0, 12) + "… is not a member"));
    }

    @Test
    void charterAmendmentWithoutItsSupermajority() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.amend_charter]\nrule = \"3:1\"\n"));
        Charter amended = f.charter(Fixture.charterToml("").replace("voting_period = \"1d\"", "voting_period = \"2d\""));
        Proposal p = f.propose(T0 + 1, "a", Motion.of("Longer votes", "", new Action.AmendCharter(amended)));
        Proposal q = f.propose(T0 + 2, "a", Motion.of("Longer votes, again", "", new Action.AmendCharter(amended)));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 1, "b", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 1, "c", f.vote(p, Support.AGAINST));
        assertEquals(ProposalState.DEFEATED, p.state(p.deadline() + 1));
        assertEquals("proposal 1 was defeated: for 2, against 1, abstain 0: does not carry the 3:1 supermajority;"
                + " quorum 2/1 reached", f.reject(p.deadline() + 1, "a", f.execute(p)));
        assertEquals(DAY, f.state.charter().policy(DecisionClass.ADMIT_DATA).votingPeriod().toMillis());

        for (String m : List.of("a", "b", "c")) f.act(q.snapshot() + 1, m, f.vote(q, Support.FOR));
        assertEquals(DAY, f.state.charter().policy(DecisionClass.ADMIT_DATA).votingPeriod().toMillis());
        f.act(q.deadline() + 1, "a", f.execute(q));
        assertEquals(2 * DAY, f.state.charter().policy(DecisionClass.ADMIT_DATA).votingPeriod().toMillis());
    }

    @Test
    void executionBeforeTheTimelockEnds() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.release_model]\ntimelock = \"2d\"\n"));
        Proposal run = f.propose(T0 + 1, "a", Fixture.startRun("r1"));
        f.act(run.snapshot() + 1, "a", f.vote(run, Support.FOR));
        f.act(run.deadline() + 1, "a", f.execute(run));
        Proposal rel = f.propose(run.deadline() + 2, "a",
                Motion.of("Release", "", new Action.ReleaseModel("cairn-1", "r1", Fixture.digestOf("weights"))));
        f.act(rel.snapshot() + 1, "b", f.vote(rel, Support.FOR));
        f.act(rel.deadline() + 1, "b", f.queue(rel));
        String why = f.reject(rel.eta() - 1, "a", f.execute(rel));
        assertEquals("proposal 2 is in its timelock until " + CommunityState.time(rel.eta())
                + " (1ms left); it cannot be executed before", why);
        f.act(rel.eta(), "a", f.execute(rel));
    }

    @Test
    void releaseOfAnUnapprovedRunIsNotExecuted() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal rel = f.propose(T0 + 1, "a",
                Motion.of("Release", "", new Action.ReleaseModel("cairn-1", "ghost-run", Fixture.digestOf("w"))));
        f.act(rel.snapshot() + 1, "b", f.vote(rel, Support.FOR));
        assertEquals("run \"ghost-run\" was never approved, so its model cannot be released",
                f.reject(rel.deadline() + 1, "a", f.execute(rel)));
    }

    @Test
    void delegationCycle() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        f.act(T0 + 1, "a", f.delegate("b"));
        f.act(T0 + 2, "b", f.delegate("c"));
        assertEquals("delegation cycle: C → A → B → C", f.reject(T0 + 3, "c", f.delegate("a")));
        Fixture g = new Fixture().genesis(Fixture.charterToml(""));
        g.act(T0 + 1, "a", g.delegate("b"));
        assertEquals("delegation cycle: B → A → B", g.reject(T0 + 2, "b", g.delegate("a")));
        assertEquals("A (key " + g.key("a").substring(0, 12) + "…) already delegates to B (key " + g.key("b").substring(0, 12) + "…)",
                g.reject(T0 + 3, "a", g.delegate("b")));
    }

    @Test
    void malformedSequencesAreRejected() {
        Fixture f = new Fixture();
        assertEquals("no community yet: the log must begin with a genesis statement",
                f.reject(T0, "a", new GovernanceStatement.Propose(Fixture.digestOf("x"), Fixture.admit("d"))));
        f.genesis(Fixture.charterToml(""));
        assertTrue(f.reject(T0 + 1, "a", new GovernanceStatement.Genesis("again", f.state.charter(), null))
                .startsWith("this log already has a genesis"));
        f.propose(T0 + 10, "a", Fixture.admit("d"));
        assertTrue(f.reject(T0 + 5, "a", new GovernanceStatement.Propose(f.community, Fixture.admit("e")))
                .startsWith("log time " + CommunityState.time(T0 + 5) + " is before the previous entry's"));
        assertTrue(f.reject(T0 + 11, "a", new GovernanceStatement.Vote(f.community, Fixture.digestOf("nope"),
                new Ballot.Simple(Support.FOR))).startsWith("no proposal "));
        assertEquals("this proposal is already in the log as proposal 1",
                f.reject(T0 + 11, "a", new GovernanceStatement.Propose(f.community, Fixture.admit("d"))));
        Proposal p = f.state.proposal("1").orElseThrow();
        assertEquals("proposal 1 is a single motion; vote for, against or abstain",
                f.reject(p.snapshot() + 1, "a", f.rank(p, "motion")));
        assertEquals("the charter decides start_run by majority, not by ranked choice: a proposal has one action, not options",
                f.reject(T0 + 12, "a", new GovernanceStatement.Propose(f.community, Motion.ranked(DecisionClass.START_RUN, "t", "",
                        List.of(new Choice("x", Fixture.startRun("x").choices().getFirst().action()),
                                new Choice("y", Fixture.startRun("y").choices().getFirst().action()))))));
        assertTrue(f.reject(T0 + 12, "a", new GovernanceStatement.Propose(f.community,
                Motion.of("add A again", "", new Action.AddMember(new Member(f.key("a"), "A2", 1)))))
                .startsWith("key " + f.key("a").substring(0, 12) + "… is already a member (A)"));
        Fixture g = new Fixture();
        assertEquals("the founder's key " + g.key("z").substring(0, 12) + "… is not a member of the charter",
                g.reject(T0, "z", new GovernanceStatement.Genesis("x", f.state.charter(), null)));
    }

    @Test
    void delegationForbiddenByCharter() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("").replace("delegation = true", "delegation = false"));
        assertEquals("the charter allows no delegation (delegation = false for every decision class)",
                f.reject(T0 + 1, "a", f.delegate("b")));
    }
}
