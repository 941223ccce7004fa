package dev.cairn.governance;

import static dev.cairn.governance.Fixture.DAY;
import static dev.cairn.governance.Fixture.HOUR;
import static dev.cairn.governance.Fixture.MINUTE;
import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenZeppelin Governor lifecycle, judged by log time. */
class LifecycleTest {

    @Test
    void pendingActiveSucceededExecuted() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        long t = T0 + MINUTE;
        Proposal p = f.propose(t, "a", Fixture.admit("shakespeare"));
        assertEquals(t + HOUR, p.snapshot());
        assertEquals(t + HOUR + DAY, p.deadline());
        assertEquals(ProposalState.PENDING, p.state(t));
        assertEquals(ProposalState.PENDING, p.state(p.snapshot()));      // snapshot >= now → Pending
        assertEquals(ProposalState.ACTIVE, p.state(p.snapshot() + 1));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 2, "b", f.vote(p, Support.FOR));
        assertEquals(ProposalState.ACTIVE, p.state(p.deadline()));        // deadline >= now → Active
        f.act(p.deadline(), "c", f.vote(p, Support.AGAINST));             // the last millisecond still counts
        assertEquals(ProposalState.SUCCEEDED, p.state(p.deadline() + 1));
        Tally.Binary t1 = (Tally.Binary) p.tally();
        assertEquals(List.of(2L, 1L, 0L, 3L), List.of(t1.forWeight(), t1.againstWeight(), t1.abstainWeight(), t1.totalWeight()));
        f.act(p.deadline() + 1, "b", f.execute(p));
        assertEquals(ProposalState.EXECUTED, p.state(p.deadline() + 2));
        assertEquals(1, f.state.enactments().size());
        assertEquals(new Action.AdmitData("shakespeare", Fixture.digestOf("shakespeare")), f.state.enactments().getFirst().action());
    }

    @Test
    void quorumCountsForAndAbstainButNotAgainst() {
        // GovernorCountingSimple: quorum(snapshot) <= forVotes + abstainVotes
        Fixture f = new Fixture().genesis(Fixture.charterToml("").replace("quorum = \"50%\"", "quorum = \"67%\""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("one"));
        Proposal q = f.propose(T0 + 2, "a", Fixture.admit("two"));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 2, "b", f.vote(p, Support.AGAINST));
        assertEquals(2, p.tally().quorumRequired());
        assertEquals(1, p.tally().quorumCounted());
        assertEquals(ProposalState.DEFEATED, p.state(p.deadline() + 1));

        f.act(q.snapshot() + 1, "a", f.vote(q, Support.FOR));
        f.act(q.snapshot() + 2, "b", f.vote(q, Support.ABSTAIN));
        assertTrue(q.tally().quorumReached());
        assertEquals(ProposalState.SUCCEEDED, q.state(q.deadline() + 1));
    }

    @Test
    void tiedVoteIsDefeated() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("tie"));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        f.act(p.snapshot() + 2, "b", f.vote(p, Support.AGAINST));
        f.act(p.snapshot() + 3, "c", f.vote(p, Support.ABSTAIN));
        assertTrue(p.tally().quorumReached());
        assertFalse(p.tally().carried());
        assertEquals(ProposalState.DEFEATED, p.state(p.deadline() + 1));
        String why = f.reject(p.deadline() + 1, "a", f.execute(p));
        assertEquals("proposal 1 was defeated: for 1, against 1, abstain 1: does not carry a simple majority; quorum 2/1 reached", why);
    }

    @Test
    void timelockQueueExecuteAndExpiry() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("").replace("timelock = \"0s\"", "timelock = \"1d\""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("locked"));
        Proposal q = f.propose(T0 + 2, "a", Fixture.admit("forgotten"));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        f.act(q.snapshot() + 1, "a", f.vote(q, Support.FOR));
        long end = p.deadline() + 1;
        assertEquals(ProposalState.SUCCEEDED, p.state(end));
        assertEquals("proposal 1 must be queued first: its timelock is 1d", f.reject(end, "a", f.execute(p)));
        f.act(end, "b", f.queue(p));
        assertEquals(end + DAY, p.eta());
        assertEquals(ProposalState.QUEUED, p.state(end));
        assertTrue(f.reject(end + DAY - 1, "a", f.execute(p)).startsWith("proposal 1 is in its timelock until "));
        assertEquals(ProposalState.QUEUED, p.state(p.eta() + 7 * DAY - 1));
        assertEquals(ProposalState.EXPIRED, p.state(p.eta() + 7 * DAY)); // eta + grace period
        f.act(q.deadline() + 1, "a", f.queue(q));
        f.act(p.eta(), "c", f.execute(p));
        assertEquals(ProposalState.EXECUTED, p.state(p.eta() + 8 * DAY));

        long expired = q.eta() + 7 * DAY;
        assertTrue(f.reject(expired, "a", f.execute(q)).startsWith("proposal 2 expired at "));
        assertTrue(f.reject(expired, "a", f.queue(q)).contains("expired"));
    }

    @Test
    void zeroTimelockNeedsNoQueue() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("now"));
        f.act(p.snapshot() + 1, "a", f.vote(p, Support.FOR));
        assertEquals("proposal 1 needs no queue: its timelock is zero; execute it", f.reject(p.deadline() + 1, "a", f.queue(p)));
        assertTrue(f.reject(p.deadline(), "a", f.execute(p)).startsWith("proposal 1 cannot be executed yet: voting is open until"));
        f.act(p.deadline() + 1, "a", f.execute(p));
        assertTrue(f.reject(p.deadline() + 2, "a", f.execute(p)).startsWith("proposal 1 was already executed at "));
    }

    @Test
    void superQuorumClosesVotingEarly() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("super_quorum = \"100%\"\n"));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("unanimous"));
        long t = p.snapshot() + 1;
        f.act(t, "a", f.vote(p, Support.FOR));
        f.act(t + 1, "b", f.vote(p, Support.FOR));
        assertEquals(ProposalState.ACTIVE, p.state(t + 2));
        f.act(t + 2, "c", f.vote(p, Support.FOR));
        assertTrue(p.closedEarly());
        assertEquals(ProposalState.SUCCEEDED, p.state(t + 3));
        f.act(t + 3, "a", f.execute(p));
        assertEquals(ProposalState.EXECUTED, p.state(t + 4));
    }

    @Test
    void proposerCancelsOnlyWhilePending() {
        Fixture f = new Fixture().genesis(Fixture.charterToml(""));
        Proposal p = f.propose(T0 + 1, "a", Fixture.admit("maybe"));
        var cancel = new GovernanceStatement.Cancel(f.community, p.digest());
        assertEquals("only its proposer may cancel proposal 1", f.reject(T0 + 2, "b", cancel));
        f.act(T0 + 2, "a", cancel);
        assertEquals(ProposalState.CANCELED, p.state(p.deadline() + 1));
        assertEquals("proposal 1 was canceled", f.reject(p.snapshot() + 1, "b", f.vote(p, Support.FOR)));

        Proposal q = f.propose(T0 + 3, "a", Fixture.admit("later"));
        assertEquals("proposal 2 can be canceled only while Pending; it is Active",
                f.reject(q.snapshot() + 1, "a", new GovernanceStatement.Cancel(f.community, q.digest())));
    }

    @Test
    void rankedChoiceRunExecutesTheSchulzeWinner() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.start_run]\nrule = \"schulze\"\n"));
        Motion m = Motion.ranked(DecisionClass.START_RUN, "Next run", "which mixture", List.of(
                new Choice("web-heavy", Fixture.startRun("r-web").choices().getFirst().action()),
                new Choice("books-heavy", Fixture.startRun("r-books").choices().getFirst().action())));
        Proposal p = f.propose(T0 + 1, "a", m);
        long t = p.snapshot() + 1;
        f.act(t, "a", f.rank(p, "books-heavy", "web-heavy"));
        f.act(t, "b", f.rank(p, "web-heavy", "books-heavy"));
        f.act(t, "c", f.rank(p, "books-heavy"));
        Tally.Ranked tally = (Tally.Ranked) p.tally();
        assertEquals(List.of("books-heavy", "web-heavy", "none"), tally.schulze().ranking());
        assertEquals(ProposalState.SUCCEEDED, p.state(p.deadline() + 1));
        f.act(p.deadline() + 1, "a", f.execute(p));
        assertEquals("books-heavy", p.executedChoice());
        assertTrue(f.state.approvedRun("r-books").isPresent());
        assertTrue(f.state.approvedRun("r-web").isEmpty());
    }

    @Test
    void noneOfTheAboveDefeatsRankedProposal() {
        Fixture f = new Fixture().genesis(Fixture.charterToml("[decisions.start_run]\nrule = \"schulze\"\n"));
        Motion m = Motion.ranked(DecisionClass.START_RUN, "Next run", "", List.of(
                new Choice("x", Fixture.startRun("rx").choices().getFirst().action()),
                new Choice("y", Fixture.startRun("ry").choices().getFirst().action())));
        Proposal p = f.propose(T0 + 1, "a", m);
        long t = p.snapshot() + 1;
        f.act(t, "a", f.rank(p, "none", "x", "y"));
        f.act(t, "b", f.rank(p, "none", "y"));
        f.act(t, "c", f.rank(p, "x", "none"));
        assertEquals("none", ((Tally.Ranked) p.tally()).winner());
        assertEquals(ProposalState.DEFEATED, p.state(p.deadline() + 1));
    }

    @Test
    void debianSupermajorityDropsOptionsBeforeSchulze() {
        // schulze 3:1: an option must beat "none" by 3:1 (Debian constitution §A.6) or it is dropped
        String toml = Fixture.charterToml("[decisions.start_run]\nrule = \"schulze 3:1\"\n")
                .replace("key = \"@a\"\n", "key = \"@a\"\nweight = 2\n")
                .replace("[defaults]", "[[members]]\nname = \"D\"\nkey = \"@d\"\n[defaults]");
        Fixture f = new Fixture().genesis(toml);
        Motion m = Motion.ranked(DecisionClass.START_RUN, "Next run", "", List.of(
                new Choice("x", Fixture.startRun("rx").choices().getFirst().action()),
                new Choice("y", Fixture.startRun("ry").choices().getFirst().action())));
        Proposal p = f.propose(T0 + 1, "a", m);
        long t = p.snapshot() + 1;
        // weights a 2, b 1, c 1, d 1. x over none 4:1 (a, b, c against d); y over none only 3:2 (a, b against
        // c, who ranks none above the unranked y, and d). y beats x 3:1, so plain Schulze would elect y.
        f.act(t, "a", f.rank(p, "y", "x", "none"));
        f.act(t, "b", f.rank(p, "y", "x", "none"));
        f.act(t, "c", f.rank(p, "x", "none"));
        f.act(t, "d", f.rank(p, "none"));
        Tally.Ranked tally = (Tally.Ranked) p.tally();
        assertEquals(List.of("y"), tally.dropped());   // y beats x by plain majority, but not none by 3:1
        assertEquals("x", tally.winner());
    }
}
