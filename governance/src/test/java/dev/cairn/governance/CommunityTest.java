package dev.cairn.governance;

import static dev.cairn.governance.Fixture.DAY;
import static dev.cairn.governance.Fixture.HOUR;
import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Governance over a real transparency log: validate, sign, append; replay gives the same state. */
class CommunityTest {
    @TempDir Path dir;
    final AtomicLong now = new AtomicLong(T0);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    final Fixture keys = new Fixture();

    Community found(Path home) {
        Charter charter = keys.charter(Fixture.charterToml("[decisions.release_model]\ntimelock = \"1d\"\n"));
        return Community.create(new LedgerHome(home), "Lab coalition", charter, keys.signingKey("a"), clock);
    }

    SigningKey k(String name) {
        return keys.signingKey(name);
    }

    @Test
    void actionsAreValidatedSignedAndReplayed() {
        Path home = dir.resolve("home");
        String digest;
        try (Community c = found(home)) {
            assertEquals(1, c.log().size());
            assertEquals(c.state().communityId(), c.log().entry(0).envelope().statement().digest());
            now.addAndGet(1);
            Proposal p = c.propose(k("a"), Fixture.admit("shakespeare"));
            assertEquals(ProposalState.PENDING, c.stateOf("1"));
            now.set(p.snapshot() + 1);
            c.vote(k("a"), "1", new Ballot.Simple(Support.FOR));
            c.vote(k("b"), p.digest().substring(0, 10), new Ballot.Simple(Support.FOR));
            now.set(p.deadline() + 1);
            assertEquals(ProposalState.SUCCEEDED, c.stateOf("1"));
            c.execute(k("mallory"), "1"); // execution is permissionless, as in OpenZeppelin Governor
            assertEquals(ProposalState.EXECUTED, c.stateOf("1"));
            assertEquals(5, c.log().size());
            digest = c.state().digest();
        }
        assertEquals(digest, Community.read(new LedgerHome(home)).digest());
        try (Community again = Community.open(new LedgerHome(home), clock)) {
            assertArrayEquals(Community.read(new LedgerHome(home)).canonicalBytes(), again.state().canonicalBytes());
        }
    }

    @Test
    void aRejectedActionLeavesTheLogUnchanged() {
        try (Community c = found(dir.resolve("home"))) {
            now.addAndGet(1);
            Proposal p = c.propose(k("a"), Fixture.admit("d"));
            long size = c.log().size();
            byte[] root = c.log().root();
            String state = c.state().digest();
            now.set(p.snapshot()); // voting has not opened
            RejectedException e = assertThrows(RejectedException.class, () -> c.vote(k("b"), "1", new Ballot.Simple(Support.FOR)));
            assertTrue(e.getMessage().startsWith("voting on proposal 1 opens after"), e.getMessage());
            now.set(p.snapshot() + 1);
            assertThrows(RejectedException.class, () -> c.vote(k("mallory"), "1", new Ballot.Simple(Support.FOR)));
            assertEquals(size, c.log().size());
            assertArrayEquals(root, c.log().root());
            assertEquals(state, c.state().digest());
            var missing = assertThrows(IllegalArgumentException.class, () -> c.vote(k("a"), "7", new Ballot.Simple(Support.FOR)));
            assertEquals("no proposal 7 in community Lab coalition (it has 1)", missing.getMessage());
        }
    }

    @Test
    void foundingTwiceInOneHomeIsRefused() {
        Path home = dir.resolve("home");
        found(home).close();
        var e = assertThrows(IllegalArgumentException.class, () -> found(home));
        assertTrue(e.getMessage().startsWith("a community already exists in "), e.getMessage());
    }

    @Test
    void otherRoomsStatementsArePassedOverAndMalformedOnesRecorded() {
        Path home = dir.resolve("home");
        String before;
        found(home).close();
        try (TransparencyLog log = new LedgerHome(home).openLog(clock)) {
            before = Community.replay(log, log.size()).digest();
            SigningKey a = k("a");
            String community = Community.replay(log, log.size()).communityId();
            var foreign = Statement.of("https://cairn.dev/training/transcript/v1", JsonNodeFactory.instance.objectNode()
                    .put("root", Fixture.digestOf("t")), community, a.identity(), Subject.sha256("transcript", Fixture.digestOf("t")));
            log.append(Envelope.sign(foreign, a));
            assertEquals(before, Community.replay(log, log.size()).digest());
            var bad = Statement.of(GovernanceStatement.VOTE, JsonNodeFactory.instance.objectNode().put("proposal", "nope"),
                    community, a.identity(), Subject.sha256("proposal", Fixture.digestOf("p")));
            log.append(Envelope.sign(bad, a));
            var unknown = Statement.of(GovernanceStatement.PREFIX + "bribe/v1", JsonNodeFactory.instance.objectNode(),
                    community, a.identity(), Subject.sha256("x", Fixture.digestOf("x")));
            log.append(Envelope.sign(unknown, a));
            CommunityState s = Community.replay(log, log.size());
            assertEquals(2, s.rejections().size());
            assertEquals("malformed statement: predicate.proposal: must be 64 lower-case hex digits (SHA-256)",
                    s.rejections().get(0).reason());
            assertEquals("malformed statement: predicateType \"https://cairn.dev/governance/bribe/v1\" is not a Cairn governance statement",
                    s.rejections().get(1).reason());
            assertEquals(3, s.rejections().get(1).index());
        }
    }

    @Test
    void forkCitesTheParentCheckpointAndTakesItsArtifacts() {
        Path parentHome = dir.resolve("parent");
        long parentSize;
        String parentId;
        String signedCheckpoint;
        try (Community c = found(parentHome)) {
            now.addAndGet(1);
            Proposal p = c.propose(k("a"), Fixture.admit("shakespeare"));
            now.set(p.snapshot() + 1);
            c.vote(k("a"), "1", new Ballot.Simple(Support.FOR));
            now.set(p.deadline() + 1);
            c.execute(k("a"), "1");
            parentSize = c.log().size();
            parentId = c.state().communityId();
            signedCheckpoint = c.log().checkpoint();
            now.addAndGet(1);
            c.propose(k("b"), Fixture.admit("after the fork point"));
        }
        Path parentLog = new LedgerHome(parentHome).logDir();
        Charter charter = keys.charter(Fixture.charterToml(""));
        now.addAndGet(HOUR);
        try (Community f = Community.fork(new LedgerHome(dir.resolve("fork")), parentLog, 0, signedCheckpoint,
                "The fork", charter, k("c"), clock)) {
            CommunityState s = f.state();
            assertEquals(2, s.lineage().size());
            assertEquals(parentId, s.origin().orElseThrow().parentCommunity());
            assertEquals(parentSize, s.origin().orElseThrow().checkpointSize());
            assertEquals(1, s.artifacts().size());
            assertEquals("shakespeare", s.artifacts().getFirst().name());
        }
        // a fork of the fork by tree size
        now.addAndGet(HOUR);
        try (Community g = Community.fork(new LedgerHome(dir.resolve("grandchild")), new LedgerHome(dir.resolve("fork")).logDir(),
                1, null, "Grandchild", charter, k("a"), clock)) {
            assertEquals(3, g.state().lineage().size());
        }
        var beyond = assertThrows(IllegalArgumentException.class, () -> Community.fork(new LedgerHome(dir.resolve("x")),
                parentLog, 99, null, "x", charter, k("a"), clock));
        assertEquals("fork point 99 is outside the parent log (1..5)", beyond.getMessage());
    }

    @Test
    void timelockIsJudgedByLogTime() {
        try (Community c = found(dir.resolve("home"))) {
            now.addAndGet(1);
            Proposal run = c.propose(k("a"), Fixture.startRun("r1"));
            now.set(run.snapshot() + 1);
            c.vote(k("a"), "1", new Ballot.Simple(Support.FOR));
            now.set(run.deadline() + 1);
            c.execute(k("a"), "1");
            Proposal rel = c.propose(k("a"), Motion.of("Release", "", new Action.ReleaseModel("m", "r1", Fixture.digestOf("w"))));
            now.set(rel.snapshot() + 1);
            c.vote(k("b"), "2", new Ballot.Simple(Support.FOR));
            now.set(rel.deadline() + 1);
            c.queue(k("b"), "2");
            now.addAndGet(DAY - 1);
            var e = assertThrows(RejectedException.class, () -> c.execute(k("a"), "2"));
            assertTrue(e.getMessage().contains("(1ms left); it cannot be executed before"), e.getMessage());
            now.addAndGet(1);
            c.execute(k("a"), "2");
            assertEquals(ProposalState.EXECUTED, c.stateOf("2"));
        }
    }
}
