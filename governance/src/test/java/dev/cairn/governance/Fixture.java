package dev.cairn.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cairn.ledger.SigningKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A community under test: named member keys made at test time, a log of events, and helpers to act. */
final class Fixture {
    static final long T0 = 1_750_000_000_000L;
    static final long SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

    final Map<String, SigningKey> keys = new LinkedHashMap<>();
    final List<Event> log = new ArrayList<>();
    final CommunityState state = new CommunityState();
    String community;

    /** A fresh Ed25519 public key in hex. */
    static String newKey() {
        return SigningKey.generate().identity().publicKeyHex();
    }

    SigningKey signingKey(String name) {
        return keys.computeIfAbsent(name, n -> SigningKey.generate());
    }

    /** The public key (hex) of the member called {@code name}, made at first use. */
    String key(String name) {
        return signingKey(name).identity().publicKeyHex();
    }

    Charter.KeyResolver resolver() {
        return name -> Optional.of(key(name));
    }

    Charter charter(String toml) {
        return Charter.parseToml(toml, "test.toml", resolver());
    }

    /** Three members a, b, c of weight 1 and the given policy lines for every class. */
    static String charterToml(String defaults) {
        return """
                [[members]]
                name = "A"
                key = "@a"
                [[members]]
                name = "B"
                key = "@b"
                [[members]]
                name = "C"
                key = "@c"
                [defaults]
                rule = "majority"
                quorum = "50%"
                voting_delay = "1h"
                voting_period = "1d"
                timelock = "0s"
                grace_period = "7d"
                proposal_threshold = 1
                vote_replacement = false
                delegation = true
                """ + defaults;
    }

    Fixture genesis(String toml) {
        act(T0, "a", new GovernanceStatement.Genesis("test community", charter(toml), null));
        community = state.communityId();
        return this;
    }

    Event event(long t, String who, GovernanceStatement st) {
        return Event.of(log.size(), t, signingKey(who).identity(), st);
    }

    /** Applies a statement that must be accepted, and logs it. */
    Event act(long t, String who, GovernanceStatement st) {
        Event e = event(t, who, st);
        state.apply(e);
        log.add(e);
        return e;
    }

    /** Applies a statement that must be rejected; checks nothing changed and returns the reason. */
    String reject(long t, String who, GovernanceStatement st) {
        Event e = event(t, who, st);
        byte[] before = state.canonicalBytes();
        String checked = state.check(e).orElseThrow(() -> new AssertionError("expected a rejection, but check accepts"));
        RejectedException r = assertThrows(RejectedException.class, () -> state.apply(e));
        assertEquals(checked, r.getMessage());
        assertEquals(new String(before), new String(state.canonicalBytes()), "a rejected statement changed the state");
        return r.getMessage();
    }

    Proposal propose(long t, String who, Motion m) {
        Event e = act(t, who, new GovernanceStatement.Propose(community, m));
        return state.proposal(e.digest()).orElseThrow();
    }

    GovernanceStatement.Vote vote(Proposal p, Support s) {
        return new GovernanceStatement.Vote(community, p.digest(), new Ballot.Simple(s));
    }

    GovernanceStatement.Vote rank(Proposal p, String... ids) {
        return new GovernanceStatement.Vote(community, p.digest(), new Ballot.Ranked(List.of(ids)));
    }

    GovernanceStatement.Execute execute(Proposal p) {
        return new GovernanceStatement.Execute(community, p.digest());
    }

    GovernanceStatement.Queue queue(Proposal p) {
        return new GovernanceStatement.Queue(community, p.digest());
    }

    GovernanceStatement.Delegate delegate(String to) {
        return new GovernanceStatement.Delegate(community, to == null ? "" : key(to));
    }

    static String digestOf(String s) {
        return Digests.sha256Hex(s);
    }

    static Motion admit(String dataset) {
        return Motion.of("Admit " + dataset, "", new Action.AdmitData(dataset, digestOf(dataset)));
    }

    static Motion startRun(String run) {
        return Motion.of("Run " + run, "", new Action.StartRun(run, digestOf("recipe " + run), digestOf("data"),
                digestOf("tok"), "next-token loss"));
    }
}
