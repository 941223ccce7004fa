package dev.cairn.governance;

import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.Envelope;
import java.util.List;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;

/**
 * A community backed by its transparency log in a Cairn home: every action is a signed statement, validated
 * against the community's rules at the log time it will get and only then appended, so a rejected action
 * leaves the log as it was. The state is rebuilt from the log by {@link #replay} on open.
 *
 * <pre>
 * try (Community c = Community.create(home, "Lab coalition", charter, founderKey, InstantSource.system())) {
 *     Proposal p = c.propose(alice, Motion.of("Admit the corpus", "", new Action.AdmitData("shakespeare", root)));
 *     c.vote(bob, p.digest(), new Ballot.Simple(Support.FOR));
 *     ProposalState s = c.stateOf(p.digest());
 * }
 * </pre>
 *
 * Not thread-safe; one writer per log (the log holds a file lock).
 */
public final class Community implements AutoCloseable {
    private TransparencyLog log;
    private CommunityState state;
    private final InstantSource clock;
    /** The log time the append in progress will get (the log's clock reads it). */
    private final long[] pinned;

    /** A node this community is reached through (null: the log in the home). */
    private String remote;
    private java.nio.file.Path mirror;

    private Community(TransparencyLog log, CommunityState state, InstantSource clock, long[] pinned) {
        this.log = log;
        this.state = state;
        this.clock = clock;
        this.pinned = pinned;
    }

    /** The log origin of a community: {@code cairn.dev/community/ID}. */
    public static String origin(String communityId) {
        return "cairn.dev/community/" + communityId;
    }

    /** Founds a community: creates the home's log and appends the genesis statement signed by {@code founder}. */
    public static Community create(LedgerHome home, String name, Charter charter, SigningKey founder, InstantSource clock) {
        return found(home, new GovernanceStatement.Genesis(name, charter, null), founder, clock);
    }

    /**
     * Forks the community in {@code parentLogDir} at the first {@code size} entries of its log into a new
     * community in {@code home}: the genesis cites the parent's id and checkpoint (size, root), takes along its
     * artifacts and carries its lineage. When {@code signedCheckpoint} is given (a C2SP checkpoint note of the
     * parent log), it is verified with the parent log's key and fixes the size instead.
     */
    public static Community fork(LedgerHome home, Path parentLogDir, long size, String signedCheckpoint, String name,
                                 Charter charter, SigningKey key, InstantSource clock) {
        ForkOrigin origin;
        try (TransparencyLog parent = TransparencyLog.openReadOnly(parentLogDir)) {
            byte[] root;
            if (signedCheckpoint != null) {
                Checkpoint cp = Checkpoint.verify(signedCheckpoint, parent.origin(), parent.logKey());
                size = cp.size();
                if (size > parent.size()) {
                    throw new IllegalArgumentException("checkpoint of size " + size + " is beyond the parent log (" + parent.size() + " entries)");
                }
                root = cp.root();
                if (!Arrays.equals(root, parent.root(size))) {
                    throw new IllegalArgumentException("checkpoint root " + cp.rootHex() + " does not match the parent log at size " + size);
                }
            } else {
                if (size < 1 || size > parent.size()) {
                    throw new IllegalArgumentException("fork point " + size + " is outside the parent log (1.." + parent.size() + ")");
                }
                root = parent.root(size);
            }
            CommunityState ps = replay(parent, size);
            if (!ps.hasGenesis()) throw new IllegalArgumentException("the parent log holds no community in its first " + size + " entries");
            origin = new ForkOrigin(ps.communityId(), ps.name(), size, Hex.encode(root), ps.artifacts(), ps.lineage());
        }
        return found(home, new GovernanceStatement.Genesis(name, charter, origin), key, clock);
    }

    private static Community found(LedgerHome home, GovernanceStatement.Genesis genesis, SigningKey key, InstantSource clock) {
        if (home.hasLog()) throw new IllegalArgumentException("a community already exists in " + home.home() + " (its log is " + home.logDir() + ")");
        long now = clock.millis();
        Event e = Event.of(0, now, key.identity(), genesis);
        CommunityState state = new CommunityState();
        state.check(e).ifPresent(reason -> { throw new RejectedException(reason); });
        long[] pinned = {now};
        TransparencyLog log = home.createLog(origin(e.digest()), pinnedClock(pinned));
        Community c = new Community(log, state, clock, pinned);
        c.append(key, e);
        return c;
    }

    /** Opens the community in {@code home} for acting, replaying its log. */
    public static Community open(LedgerHome home, InstantSource clock) {
        long[] pinned = {clock.millis()};
        TransparencyLog log = home.openLog(pinnedClock(pinned));
        try {
            CommunityState state = replay(log, log.size());
            if (!state.hasGenesis()) throw new IllegalArgumentException("the log in " + home.logDir() + " holds no community");
            return new Community(log, state, clock, pinned);
        } catch (RuntimeException ex) {
            log.close();
            throw ex;
        }
    }

    /**
     * Opens a community served by the node at {@code url}, through a verified local mirror in {@code mirrorDir}
     * (synced first, and after every statement): statements are checked against the mirrored state, signed here,
     * submitted over HTTP, and their receipts and the node's consistency verified.
     */
    public static Community openRemote(String url, java.nio.file.Path mirrorDir, InstantSource clock) {
        CommunityState state = syncWitnessed(url, mirrorDir);
        TransparencyLog log = TransparencyLog.openReadOnly(mirrorDir);
        if (!state.hasGenesis()) {
            log.close();
            throw new IllegalArgumentException("the node at " + url + " holds no community yet");
        }
        Community c = new Community(log, state, clock, new long[] {clock.millis()});
        c.remote = url;
        c.mirror = mirrorDir;
        return c;
    }

    /**
     * Syncs a mirror of the node at {@code url} and returns the community state, once the node's checkpoint carries
     * the cosignatures of the charter's witness quorum (witnesses cosign within moments of a new checkpoint, so this
     * waits a few seconds for them before refusing).
     */
    public static CommunityState syncWitnessed(String url, java.nio.file.Path mirrorDir) {
        // The policy the mirror already trusts decides whether the next checkpoint is adopted at all; on first
        // contact there is none yet, so the checkpoint is adopted and then held to the charter it brought.
        WitnessPolicy trusted = null;
        if (java.nio.file.Files.exists(mirrorDir.resolve("log.json"))) {
            try (TransparencyLog log = TransparencyLog.openReadOnly(mirrorDir)) {
                CommunityState s = replay(log, log.size());
                if (s.hasGenesis()) trusted = s.charter().witnessing();
            }
        }
        for (int attempt = 0; ; attempt++) {
            WitnessPolicy gate = trusted;
            String refusal = null;
            int[] shown = {0};
            try {
                dev.cairn.ledger.LogMirror.sync(url, mirrorDir, null, gate == null ? null : note -> (shown[0] = cosigned(note, gate)) >= gate.quorum());
            } catch (dev.cairn.ledger.LogMirror.NotAccepted e) {
                refusal = "the node's checkpoint carries " + shown[0] + " of the " + gate.quorum() + " witness cosignatures the charter requires; "
                        + "refusing to act on an unwitnessed log (the mirror keeps the last checkpoint it accepted)";
            }
            CommunityState state;
            String note;
            try (TransparencyLog log = TransparencyLog.openReadOnly(mirrorDir)) {
                state = replay(log, log.size());
                note = log.checkpoint();
            }
            WitnessPolicy p = state.hasGenesis() ? state.charter().witnessing() : WitnessPolicy.NONE;
            int have = cosigned(note, p);
            if (refusal == null && have >= p.quorum()) return state;
            if (attempt >= 10) {
                throw new dev.cairn.ledger.LedgerException(refusal != null ? refusal : "the node's checkpoint carries " + have + " of the " + p.quorum()
                        + " witness cosignatures the charter requires; refusing to act on an unwitnessed log");
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.cairn.ledger.LedgerException("interrupted while waiting for witness cosignatures");
            }
        }
    }

    private static int cosigned(String note, WitnessPolicy p) {
        int have = 0;
        for (WitnessPolicy.Witness w : p.witnesses()) {
            if (dev.cairn.ledger.Cosignature.verify(note, w.name(), dev.cairn.ledger.Identity.ofHex(w.publicKey()))) have++;
        }
        return have;
    }

    /** Reads the community in {@code home} without opening its log for writing. */
    public static CommunityState read(LedgerHome home) {
        try (TransparencyLog log = home.openLogReadOnly()) {
            return replay(log, log.size());
        }
    }

    /**
     * Replays the first {@code size} entries of a log (signatures verified in parallel, effects in log order).
     * Statements of other rooms are passed over; statements in this room's namespace that cannot be decoded are
     * recorded as rejections.
     */
    public static CommunityState replay(TransparencyLog log, long size) {
        CommunityState s = new CommunityState();
        log.replay(0, size, (entry, verified) -> {
            var st = verified.statement();
            if (!GovernanceStatement.isGovernance(st.predicateType())) {
                s.observe(entry.index(), st.digest(), verified.signers().getFirst().publicKeyHex(), st.predicateType(), st.predicate());
                return;
            }
            long t = entry.logTime().toEpochMilli();
            String signer = verified.signers().getFirst().publicKeyHex();
            GovernanceStatement g;
            try {
                g = GovernanceStatement.fromStatement(st);
            } catch (IllegalArgumentException | LedgerException ex) {
                s.recordMalformed(entry.index(), t, st.digest(), "malformed statement: " + ex.getMessage());
                return;
            }
            s.record(new Event(entry.index(), t, signer, st.digest(), g));
        });
        return s;
    }

    private static InstantSource pinnedClock(long[] pinned) {
        return () -> Instant.ofEpochMilli(pinned[0]);
    }

    // ---------------------------------------------------------------- acting

    /**
     * Validates {@code statement} by {@code key} at the log time it would get and, if the rules allow it,
     * signs it into a DSSE envelope and appends it durably. Throws {@link RejectedException} with the reason
     * otherwise; the log and the state are then unchanged.
     */
    public LogEntry submit(SigningKey key, GovernanceStatement statement) {
        long now = logTimeNow();
        if (statement instanceof GovernanceStatement.Vote v) {
            // Voting opens strictly after the snapshot (OpenZeppelin: Pending while snapshot >= now). With a
            // voting delay of zero a vote cast in the proposal's own millisecond would be refused; when the
            // window opens within a second, integrate the vote once it has opened instead.
            var p = state.proposal(v.proposal());
            if (p.isPresent() && p.get().snapshot() >= now && p.get().snapshot() - now < 1000) {
                try {
                    Thread.sleep(p.get().snapshot() - now + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                now = logTimeNow();
            }
        }
        return append(key, Event.of(log.size(), now, key.identity(), statement));
    }

    private long logTimeNow() {
        long now = clock.millis();
        if (log.size() > 0) now = Math.max(now, log.logTime(log.size() - 1).toEpochMilli());
        return now;
    }

    private LogEntry append(SigningKey key, Event e) {
        state.check(e).ifPresent(reason -> { throw new RejectedException(reason); });
        Envelope env = Envelope.sign(e.statement().toStatement(key.identity()), key);
        if (remote != null) { // the node validates again, appends, and proves it; the mirror then holds the entry
            LogEntry entry;
            try {
                entry = dev.cairn.ledger.RemoteNode.submit(remote, env, mirror);
            } catch (dev.cairn.ledger.RemoteNode.Refused r) {
                throw new RejectedException(r.getMessage());
            }
            log.close();
            log = TransparencyLog.openReadOnly(mirror);
            state = replay(log, log.size());
            return entry;
        }
        pinned[0] = e.logTime();
        LogEntry entry = log.append(env);
        Event logged = new Event(entry.index(), entry.logTime().toEpochMilli(), e.signer(), e.digest(), e.statement());
        state.record(logged); // the same time as validated: the log's clock is pinned to it
        return entry;
    }

    /** An envelope's fate in {@link #integrate}: its log entry, or why it was refused (and nothing appended for it). */
    public record Outcome(Envelope.Verified envelope, LogEntry entry, String refusal) {}

    /**
     * Integrates envelopes signed elsewhere (a node's write path) as one durable batch at one log time: each is checked
     * exactly as a local append is (its community, and for governance statements every rule at that log time, in
     * order, each seeing the ones before it); the accepted ones are appended together, the others refused by reason.
     */
    public List<Outcome> integrate(List<Envelope.Verified> batch) {
        long now = logTimeNow();
        for (Envelope.Verified v : batch) { // a vote in its proposal's own millisecond waits for the window (see submit)
            if (GovernanceStatement.isGovernance(v.statement().predicateType())) {
                try {
                    if (GovernanceStatement.fromStatement(v.statement()) instanceof GovernanceStatement.Vote vote) {
                        var p = state.proposal(vote.proposal());
                        if (p.isPresent() && p.get().snapshot() >= now && p.get().snapshot() - now < 1000) {
                            Thread.sleep(p.get().snapshot() - now + 1);
                            now = logTimeNow();
                        }
                    }
                } catch (IllegalArgumentException | dev.cairn.ledger.LedgerException e) {
                    // refused below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        List<Outcome> out = new java.util.ArrayList<>();
        List<Envelope.Verified> accepted = new java.util.ArrayList<>();
        long next = log.size();
        for (Envelope.Verified v : batch) {
            var st = v.statement();
            String refusal = null;
            Event ev = null;
            if (!state.communityId().equals(st.communityId().orElse(""))) {
                refusal = "the statement belongs to community " + st.communityId().orElse("(none)") + ", not " + state.communityId();
            } else if (GovernanceStatement.isGovernance(st.predicateType())) {
                try {
                    ev = Event.of(next, now, v.signers().getFirst(), GovernanceStatement.fromStatement(st));
                    refusal = state.check(ev).orElse(null);
                } catch (IllegalArgumentException | dev.cairn.ledger.LedgerException e) {
                    refusal = "malformed statement: " + e.getMessage();
                }
            }
            if (refusal != null) {
                out.add(new Outcome(v, null, refusal));
                continue;
            }
            if (ev != null) {
                state.apply(ev); // the next envelope of the batch sees this one
            }
            accepted.add(v);
            out.add(new Outcome(v, null, null));
            next++;
        }
        if (accepted.isEmpty()) return out;
        pinned[0] = now;
        List<LogEntry> entries;
        try {
            entries = log.appendVerified(accepted);
        } catch (RuntimeException e) {
            state = replay(log, log.size()); // the log is as it was; so is the state
            throw e;
        }
        List<Outcome> done = new java.util.ArrayList<>();
        int k = 0;
        for (Outcome o : out) done.add(o.refusal() != null ? o : new Outcome(o.envelope(), entries.get(k++), null));
        for (Envelope.Verified v : accepted) { // non-governance statements: the training and release rooms' facts
            if (!GovernanceStatement.isGovernance(v.statement().predicateType())) {
                LogEntry e = entries.get(accepted.indexOf(v));
                state.observe(e.index(), v.statement().digest(), v.signers().getFirst().publicKeyHex(), v.statement().predicateType(), v.statement().predicate());
            }
        }
        return done;
    }

    public Proposal propose(SigningKey key, Motion motion) {
        LogEntry entry = submit(key, new GovernanceStatement.Propose(state.communityId(), motion));
        return state.proposal(entry.envelope().statement().digest()).orElseThrow();
    }

    /** Votes on a proposal named by number or digest. */
    public void vote(SigningKey key, String proposal, Ballot ballot) {
        submit(key, new GovernanceStatement.Vote(state.communityId(), require(proposal).digest(), ballot));
    }

    /** Delegates {@code key}'s voting power to the member with public key {@code delegate} (empty: withdraw). */
    public void delegate(SigningKey key, String delegate) {
        submit(key, new GovernanceStatement.Delegate(state.communityId(), delegate));
    }

    public void queue(SigningKey key, String proposal) {
        submit(key, new GovernanceStatement.Queue(state.communityId(), require(proposal).digest()));
    }

    public void execute(SigningKey key, String proposal) {
        submit(key, new GovernanceStatement.Execute(state.communityId(), require(proposal).digest()));
    }

    public void cancel(SigningKey key, String proposal) {
        submit(key, new GovernanceStatement.Cancel(state.communityId(), require(proposal).digest()));
    }

    /** A proposal's lifecycle state now (by this community's clock). */
    public ProposalState stateOf(String proposal) {
        return require(proposal).state(clock.millis());
    }

    public Proposal require(String proposal) {
        return state.proposal(proposal).orElseThrow(() -> new IllegalArgumentException("no proposal " + proposal
                + " in community " + state.name() + " (it has " + state.proposals().size() + ")"));
    }

    public CommunityState state() {
        return state;
    }

    public TransparencyLog log() {
        return log;
    }

    @Override
    public void close() {
        log.close();
    }
}
