package dev.cairn.governance;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A community's state — members, charter, proposals, tallies, delegations, what it enacted — as a pure
 * function of its ordered log of verified governance statements: {@link #replay} gives the same state (and the
 * same {@link #digest()}) wherever and however often it runs.
 *
 * <p>Every statement is validated before it changes anything: {@link #check} says why a statement would be
 * rejected, {@link #apply} applies it or throws {@link RejectedException} leaving the state as it was. Replay
 * records entries the rules reject (a log may hold them if it was written without validation) as
 * {@link Rejection}s and otherwise disregards them.
 *
 * <p>Queue and execute are permissionless, as in OpenZeppelin Governor: anyone may carry out what the vote
 * decided; everything else is for members only.
 *
 * <p>Not thread-safe; {@link Proposal}s are live views of this state.
 */
public final class CommunityState {
    /** A charter in force from log time {@code time}, with a key index. */
    private record CharterVersion(long time, Charter charter, Map<String, Member> byKey) {
        CharterVersion(long time, Charter charter) {
            this(time, charter, index(charter));
        }

        private static Map<String, Member> index(Charter c) {
            Map<String, Member> m = new HashMap<>();
            for (Member x : c.members()) m.put(x.publicKey(), x);
            return m;
        }
    }

    /** {@code from} delegates to {@code to} from log time {@code time}; an empty {@code to} withdraws. */
    private record DelegationChange(long time, String from, String to) {}

    private String communityId = "";
    private String name = "";
    private String founder = "";
    private long genesisTime = -1;
    private ForkOrigin origin;
    private final List<CharterVersion> charters = new ArrayList<>();
    private final TreeMap<String, String> delegations = new TreeMap<>();
    private final List<DelegationChange> delegationHistory = new ArrayList<>();
    private final List<Proposal> proposals = new ArrayList<>();
    private final Map<String, Proposal> byDigest = new HashMap<>();
    private final List<Enactment> enactments = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private long entries;
    private long lastTime = Long.MIN_VALUE;
    private final Map<String, FinishedRun> finishedRuns = new java.util.LinkedHashMap<>();
    private final List<RunVerification> runVerifications = new ArrayList<>();

    /** The training room's statement types this state takes note of (for release rules); it never validates them. */
    public static final String RUN_FINISHED = "https://cairn.dev/training/run-finished/v1";
    public static final String RUN_VERIFICATION = "https://cairn.dev/training/verification/v1";
    public static final String EVALUATION = "https://cairn.dev/eval/evaluation/v1";

    /** A signed evaluation: who, which weights, which tasks. */
    public record ModelEvaluation(long index, String digest, String signer, String weights, List<String> tasks) {}

    private final List<ModelEvaluation> evaluations = new ArrayList<>();

    /** A run-finished statement in the log: who signed it, the run, its final weights and transcript root. */
    public record FinishedRun(long index, String digest, String signer, String run, String weights, String transcriptRoot) {}

    /** A signed verification of a run's transcript and its verdict. */
    public record RunVerification(long index, String signer, String run, String transcriptRoot, boolean ok, String mode) {}

    /** An empty state, before the genesis. */
    public CommunityState() {}

    /** Replays a log's governance events in order. */
    public static CommunityState replay(Iterable<Event> events) {
        CommunityState s = new CommunityState();
        for (Event e : events) s.record(e);
        return s;
    }

    /** Applies an event from the log; if the rules reject it, records the rejection and changes nothing else. */
    public void record(Event e) {
        try {
            apply(e);
        } catch (RejectedException r) {
            rejections.add(new Rejection(e.index(), e.logTime(), e.digest(), r.getMessage()));
            entries++;
            lastTime = Math.max(lastTime, e.logTime());
        }
    }

    /**
     * Records a log entry in this room's namespace that could not be decoded (an unknown version, a malformed
     * predicate): replay disregards it and says why.
     */
    public void recordMalformed(long index, long time, String digest, String reason) {
        rejections.add(new Rejection(index, time, digest, reason));
        entries++;
        lastTime = Math.max(lastTime, time);
    }

    /**
     * Takes note of a training statement of this community (run-finished, verification) that release rules refer
     * to. Other statements, and statements of other communities, are passed over; nothing here is rejected.
     */
    public void observe(long index, String digest, String signer, String predicateType, JsonNode predicate) {
        if (communityId.isEmpty() || !communityId.equals(predicate.path("community_id").asText())) return;
        if (predicateType.equals(EVALUATION)) {
            String w = predicate.path("model").path("weights_sha256").asText("");
            List<String> tasks = new ArrayList<>();
            predicate.path("tasks").fieldNames().forEachRemaining(tasks::add);
            if (Digests.isDigest(w)) evaluations.add(new ModelEvaluation(index, digest, signer, w, List.copyOf(tasks)));
            return;
        }
        String run = predicate.path("run").asText("");
        String root = predicate.path("transcript").isObject() ? predicate.path("transcript").path("root").asText("")
                : predicate.path("transcript_root").asText("");
        if (run.isEmpty() || !Digests.isDigest(root)) return;
        if (predicateType.equals(RUN_FINISHED)) {
            String weights = predicate.path("final_weights_sha256").asText("");
            if (Digests.isDigest(weights)) finishedRuns.putIfAbsent(digest, new FinishedRun(index, digest, signer, run, weights, root));
        } else if (predicateType.equals(RUN_VERIFICATION)) {
            runVerifications.add(new RunVerification(index, signer, run, root, predicate.path("ok").asBoolean(false), predicate.path("mode").asText("")));
        }
    }

    /** The run-finished statements seen so far, in log order. */
    public List<FinishedRun> finishedRuns() {
        return List.copyOf(finishedRuns.values());
    }

    /** Signed verifications seen so far, in log order. */
    public List<RunVerification> runVerifications() {
        return Collections.unmodifiableList(runVerifications);
    }

    /** Signed evaluations seen so far, in log order. */
    public List<ModelEvaluation> evaluations() {
        return Collections.unmodifiableList(evaluations);
    }

    /** Distinct members or named evaluators, other than {@code trainer}, who evaluated these weights on {@code task}. */
    public java.util.Set<String> evaluatorsOf(String weights, String task, String trainer) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (ModelEvaluation e : evaluations) {
            if (e.weights().equals(weights) && e.tasks().contains(task) && !e.signer().equals(trainer)
                    && (isMember(e.signer()) || charter().release().isEvaluator(e.signer()))) out.add(e.signer());
        }
        return out;
    }

    /** Distinct signers, other than the trainer, whose verification of this finished run passed. */
    public java.util.Set<String> independentVerifiers(FinishedRun f) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (RunVerification v : runVerifications) {
            if (v.ok() && v.run().equals(f.run()) && v.transcriptRoot().equals(f.transcriptRoot()) && !v.signer().equals(f.signer())) out.add(v.signer());
        }
        return out;
    }

    /** Why the rules would reject {@code e} now, or empty when it would be accepted. Changes nothing. */
    public Optional<String> check(Event e) {
        try {
            plan(e);
            return Optional.empty();
        } catch (RejectedException r) {
            return Optional.of(r.getMessage());
        }
    }

    /** Applies {@code e}, or throws {@link RejectedException} with the reason and leaves the state unchanged. */
    public void apply(Event e) {
        Runnable commit = plan(e);
        commit.run();
        entries++;
        lastTime = e.logTime();
    }

    // ---------------------------------------------------------------- validation, then the change

    /** Validates {@code e} without changing anything; returns the change to make. */
    private Runnable plan(Event e) {
        if (entries > 0 && e.logTime() < lastTime) {
            throw reject("log time " + time(e.logTime()) + " is before the previous entry's " + time(lastTime));
        }
        GovernanceStatement st = e.statement();
        if (st instanceof GovernanceStatement.Genesis g) return planGenesis(e, g);
        if (communityId.isEmpty()) throw reject("no community yet: the log must begin with a genesis statement");
        if (!st.community().equals(communityId)) {
            throw reject("statement belongs to community " + shortId(st.community()) + ", not to this community "
                    + shortId(communityId) + " (" + name + ")");
        }
        return switch (st) {
            case GovernanceStatement.Propose p -> planPropose(e, p);
            case GovernanceStatement.Vote v -> planVote(e, v);
            case GovernanceStatement.Delegate d -> planDelegate(e, d);
            case GovernanceStatement.Queue q -> planQueue(e, q);
            case GovernanceStatement.Execute x -> planExecute(e, x);
            case GovernanceStatement.Cancel c -> planCancel(e, c);
            case GovernanceStatement.Genesis g -> throw new IllegalStateException();
        };
    }

    private Runnable planGenesis(Event e, GovernanceStatement.Genesis g) {
        if (!communityId.isEmpty()) {
            throw reject("this log already has a genesis (community " + shortId(communityId) + ", " + name
                    + "); a second genesis is not allowed");
        }
        if (g.charter().member(e.signer()).isEmpty()) {
            throw reject("the founder's " + shortKey(e.signer()) + " is not a member of the charter");
        }
        return () -> {
            communityId = e.digest();
            name = g.name();
            founder = e.signer();
            genesisTime = e.logTime();
            origin = g.parent();
            charters.add(new CharterVersion(e.logTime(), g.charter()));
        };
    }

    private Runnable planPropose(Event e, GovernanceStatement.Propose p) {
        long t = e.logTime();
        requireMember(e.signer(), "proposer");
        Motion m = p.motion();
        DecisionClass c = m.decisionClass();
        DecisionPolicy policy = charter().policy(c);
        if (policy.rule().ranked() && !m.isRanked()) {
            throw reject("the charter decides " + c.key() + " by ranked choice (" + policy.rule().spelling()
                    + "): a proposal needs at least two options");
        }
        if (!policy.rule().ranked() && m.isRanked()) {
            throw reject("the charter decides " + c.key() + " by " + policy.rule().spelling()
                    + ", not by ranked choice: a proposal has one action, not options");
        }
        Proposal existing = byDigest.get(e.digest());
        if (existing != null) throw reject("this proposal is already in the log as proposal " + existing.number());
        for (Choice ch : m.choices()) {
            String where = m.isRanked() ? "option " + ch.id() + ": " : "";
            checkAction(ch.action(), false, where);
        }
        long power = powerAt(Long.MAX_VALUE, policy.delegation()).power().getOrDefault(e.signer(), 0L);
        if (power < policy.proposalThreshold()) {
            throw reject("proposer " + who(e.signer()) + " has voting power " + power + ", below the proposal threshold "
                    + policy.proposalThreshold() + " (decisions." + c.key() + ".proposal_threshold)");
        }
        return () -> {
            Proposal pr = new Proposal(this, proposals.size() + 1, e.digest(), e.signer(), m, policy, t);
            proposals.add(pr);
            byDigest.put(e.digest(), pr);
        };
    }

    private Runnable planVote(Event e, GovernanceStatement.Vote v) {
        long t = e.logTime();
        Proposal pr = proposalFor(v.proposal());
        ProposalState st = pr.state(t);
        switch (st) {
            case PENDING -> throw reject("voting on proposal " + pr.number() + " opens after " + time(pr.snapshot())
                    + " (its snapshot); this vote is at " + time(t));
            case ACTIVE -> { }
            case CANCELED -> throw reject("proposal " + pr.number() + " was canceled");
            default -> throw reject(pr.closedEarly() && t <= pr.deadline()
                    ? "voting on proposal " + pr.number() + " closed early: its super quorum was reached"
                    : "voting on proposal " + pr.number() + " closed at " + time(pr.deadline()) + "; this vote is at " + time(t));
        }
        Proposal.SnapshotPower sp = pr.power();
        String voter = e.signer();
        if (!sp.power().containsKey(voter)) {
            String why = wasMemberBefore(voter, pr.snapshot()) ? "; the key was removed before the snapshot"
                    : isMember(voter) ? "; it became a member after the snapshot" : "";
            throw reject("voter " + who(voter) + " was not a member at proposal " + pr.number() + "'s snapshot ("
                    + time(pr.snapshot()) + ")" + why);
        }
        String delegate = sp.delegatedTo().get(voter);
        if (delegate != null) {
            throw reject("voter " + who(voter) + " had delegated its voting power to " + who(delegate)
                    + " at proposal " + pr.number() + "'s snapshot");
        }
        String cls = pr.motion().decisionClass().key();
        if (pr.ballots.containsKey(voter) && !pr.policy().voteReplacement()) {
            throw reject("voter " + who(voter) + " already voted on proposal " + pr.number()
                    + " and the charter forbids replacing votes (decisions." + cls + ".vote_replacement = false)");
        }
        Ballot b = v.ballot();
        if (pr.motion().isRanked()) {
            if (b instanceof Ballot.Simple(Support s) && s != Support.ABSTAIN) {
                throw reject("proposal " + pr.number() + " is a ranked choice between options; rank them (or abstain)");
            }
            if (b instanceof Ballot.Ranked(List<String> ranking)) {
                for (String id : ranking) {
                    if (!id.equals(Choice.NONE_OF_THE_ABOVE) && pr.motion().choice(id).isEmpty()) {
                        throw reject("proposal " + pr.number() + " has no option \"" + id + "\" (options: "
                                + String.join(", ", pr.motion().choices().stream().map(Choice::id).toList()) + ", none)");
                    }
                }
            }
        } else if (b instanceof Ballot.Ranked) {
            throw reject("proposal " + pr.number() + " is a single motion; vote for, against or abstain");
        }
        long weight = sp.power().get(voter);
        return () -> {
            pr.ballots.remove(voter); // a replacement moves to the end, in log order
            pr.ballots.put(voter, new Proposal.CastBallot(voter, b, t, weight));
        };
    }

    private Runnable planDelegate(Event e, GovernanceStatement.Delegate d) {
        long t = e.logTime();
        if (charter().policies().values().stream().noneMatch(DecisionPolicy::delegation)) {
            throw reject("the charter allows no delegation (delegation = false for every decision class)");
        }
        String from = e.signer();
        requireMember(from, "delegator");
        String to = d.delegate();
        if (to.isEmpty() || to.equals(from)) {
            if (!delegations.containsKey(from)) throw reject(who(from) + " has no delegation to withdraw");
            return () -> {
                delegations.remove(from);
                delegationHistory.add(new DelegationChange(t, from, ""));
            };
        }
        if (!isMember(to)) throw reject("delegate " + shortKey(to) + " is not a member of this community");
        if (to.equals(delegations.get(from))) throw reject(who(from) + " already delegates to " + who(to));
        List<String> path = new ArrayList<>(List.of(from, to));
        for (String cur = to, next; (next = delegations.get(cur)) != null; cur = next) {
            path.add(next);
            if (next.equals(from)) {
                throw reject("delegation cycle: " + String.join(" → ", path.stream().map(this::nameOf).toList()));
            }
            if (path.size() > charter().members().size() + 1) break; // cannot happen: the map is acyclic
        }
        return () -> {
            delegations.put(from, to);
            delegationHistory.add(new DelegationChange(t, from, to));
        };
    }

    private Runnable planQueue(Event e, GovernanceStatement.Queue q) {
        long t = e.logTime();
        Proposal pr = proposalFor(q.proposal());
        ProposalState st = pr.state(t);
        if (st != ProposalState.SUCCEEDED) throw reject(notReady(pr, st, t, "queued"));
        Duration lock = pr.policy().timelock();
        if (lock.isZero()) throw reject("proposal " + pr.number() + " needs no queue: its timelock is zero; execute it");
        return () -> pr.eta = t + lock.toMillis();
    }

    private Runnable planExecute(Event e, GovernanceStatement.Execute x) {
        long t = e.logTime();
        Proposal pr = proposalFor(x.proposal());
        ProposalState st = pr.state(t);
        Duration lock = pr.policy().timelock();
        if (st == ProposalState.SUCCEEDED && !lock.isZero()) {
            throw reject("proposal " + pr.number() + " must be queued first: its timelock is " + human(lock));
        }
        if (st == ProposalState.QUEUED && t < pr.eta) {
            throw reject("proposal " + pr.number() + " is in its timelock until " + time(pr.eta) + " ("
                    + human(Duration.ofMillis(pr.eta - t)) + " left); it cannot be executed before");
        }
        if (st != ProposalState.SUCCEEDED && st != ProposalState.QUEUED) throw reject(notReady(pr, st, t, "executed"));
        Action a = pr.winningAction();
        checkAction(a, true, "");
        String choice = pr.motion().isRanked() ? ((Tally.Ranked) pr.tally()).winner() : "motion";
        return () -> {
            pr.executedAt = t;
            pr.executedChoice = choice;
            enact(a, t, pr.number());
        };
    }

    private Runnable planCancel(Event e, GovernanceStatement.Cancel c) {
        long t = e.logTime();
        Proposal pr = proposalFor(c.proposal());
        if (!pr.proposer().equals(e.signer())) throw reject("only its proposer may cancel proposal " + pr.number());
        ProposalState st = pr.state(t);
        if (st != ProposalState.PENDING) {
            throw reject("proposal " + pr.number() + " can be canceled only while Pending; it is " + st.label());
        }
        return () -> pr.canceledAt = t;
    }

    private String notReady(Proposal pr, ProposalState st, long t, String verb) {
        String n = "proposal " + pr.number();
        return switch (st) {
            case PENDING, ACTIVE -> n + " cannot be " + verb + " yet: voting is open until " + time(pr.deadline());
            case DEFEATED -> n + " was defeated: " + pr.tally().explanation();
            case CANCELED -> n + " was canceled";
            case EXECUTED -> n + " was already executed at " + time(pr.executedAt());
            case EXPIRED -> n + " expired at " + time(pr.eta() + pr.policy().gracePeriod().toMillis()) + " without execution";
            case QUEUED -> n + " is already queued (executable from " + time(pr.eta()) + ")";
            case SUCCEEDED -> n + " has succeeded but is not queued";
        };
    }

    /** Checks an action can take effect (at proposal time, and again at execution, when more is known). */
    private void checkAction(Action a, boolean atExecution, String where) {
        switch (a) {
            case Action.AddMember(Member m) -> {
                if (isMember(m.publicKey())) throw reject(where + shortKey(m.publicKey()) + " is already a member (" + nameOf(m.publicKey()) + ")");
                if (charter().members().stream().anyMatch(x -> x.name().equals(m.name()))) {
                    throw reject(where + "the name \"" + m.name() + "\" is already a member's");
                }
            }
            case Action.RemoveMember(String key) -> {
                if (!isMember(key)) throw reject(where + shortKey(key) + " is not a member");
                if (charter().members().size() == 1) throw reject(where + "cannot remove the last member");
            }
            case Action.AdmitData ad -> {
                for (Enactment en : enactments) {
                    if (en.action() instanceof Action.AdmitData x && x.root().equals(ad.root())) {
                        throw reject(where + "dataset root " + ad.root().substring(0, 12) + "… was already admitted by proposal " + en.proposal());
                    }
                }
            }
            case Action.StartRun r -> {
                if (approvedRun(r.run()).isPresent()) throw reject(where + "run \"" + r.run() + "\" was already approved");
            }
            case Action.ReleaseModel r -> {
                if (atExecution && approvedRun(r.run()).isEmpty()) {
                    throw reject(where + "run \"" + r.run() + "\" was never approved, so its model cannot be released");
                }
                checkRelease(r, where);
                for (Enactment en : enactments) {
                    if (en.action() instanceof Action.ReleaseModel x && x.model().equals(r.model()) && x.weights().equals(r.weights())) {
                        throw reject(where + "model " + r.model() + " with these weights was already released by proposal " + en.proposal());
                    }
                }
            }
            case Action.AmendCharter ac -> { }
        }
    }

    /**
     * The release rules that came with run-finished statements: they apply to proposals that name one, and to every
     * release once the charter requires verifications (older logs had neither, so they replay as before).
     */
    private void checkRelease(Action.ReleaseModel r, String where) {
        ReleaseRules rules = charter().release();
        int need = rules.minVerifications();
        if (r.runFinished() == null && need == 0 && rules.requiredEvaluations().isEmpty()) return;
        FinishedRun f = r.runFinished() == null ? null : finishedRuns.get(r.runFinished());
        if (f == null && r.runFinished() == null) {
            f = finishedRuns.values().stream().filter(x -> x.run().equals(r.run()) && x.weights().equals(r.weights())).findFirst().orElse(null);
        }
        if (f == null) {
            throw reject(where + "run \"" + r.run() + "\" never finished: " + (r.runFinished() == null ? "no run-finished statement with these weights"
                    : "no run-finished statement " + shortId(r.runFinished())) + " is in the ledger");
        }
        if (!f.run().equals(r.run())) throw reject(where + "run-finished statement " + shortId(f.digest()) + " is for run \"" + f.run() + "\", not \"" + r.run() + "\"");
        if (!f.weights().equals(r.weights())) {
            throw reject(where + "weights " + shortId(r.weights()) + " are not the final weights run \"" + r.run() + "\" committed to (" + shortId(f.weights()) + ")");
        }
        int have = independentVerifiers(f).size();
        if (have < need) {
            throw reject(where + "run \"" + r.run() + "\" has " + have + " passing verification" + (have == 1 ? "" : "s")
                    + " by members other than its trainer; the charter requires " + need + " before a release");
        }
        for (String task : rules.requiredEvaluations()) {
            int n = evaluatorsOf(r.weights(), task, f.signer()).size();
            if (n < rules.minEvaluators()) {
                throw reject(where + "the weights have " + n + " evaluation" + (n == 1 ? "" : "s") + " on task " + task + " by members or the charter's evaluators other than the trainer; the charter requires " + rules.minEvaluators() + " before a release");
            }
        }
        for (Action.ReleaseModel.Responsible x : r.responsible()) {
            if (!isMember(x.key())) throw reject(where + "responsible " + shortKey(x.key()) + " is not a member named in the charter");
        }
    }

    private void enact(Action a, long t, int proposal) {
        enactments.add(new Enactment(proposal, t, a));
        Charter now = charter();
        Charter next = switch (a) {
            case Action.AmendCharter(Charter c) -> c;
            case Action.AddMember(Member m) -> {
                List<Member> ms = new ArrayList<>(now.members());
                ms.add(m);
                yield now.withMembers(ms);
            }
            case Action.RemoveMember(String key) -> now.withMembers(
                    now.members().stream().filter(m -> !m.publicKey().equals(key)).toList());
            default -> null;
        };
        if (next == null) return;
        CharterVersion v = new CharterVersion(t, next);
        charters.add(v);
        // delegations from or to someone no longer a member lapse
        for (var it = delegations.entrySet().iterator(); it.hasNext(); ) {
            var d = it.next();
            if (!v.byKey().containsKey(d.getKey()) || !v.byKey().containsKey(d.getValue())) {
                it.remove();
                delegationHistory.add(new DelegationChange(t, d.getKey(), ""));
            }
        }
    }

    // ---------------------------------------------------------------- voting power

    /**
     * Voting power at log time {@code t}: the members of the charter in force then, each member's weight
     * counted for the end of its delegation chain (delegations in force then, to members then) when
     * {@code delegation} is allowed, else for itself.
     */
    Proposal.SnapshotPower powerAt(long t, boolean delegation) {
        CharterVersion cv = charterVersionAt(t);
        Map<String, String> dels = new HashMap<>();
        if (delegation) {
            for (DelegationChange d : delegationHistory) {
                if (d.time() > t) break;
                if (d.to().isEmpty()) dels.remove(d.from());
                else dels.put(d.from(), d.to());
            }
        }
        TreeMap<String, Long> power = new TreeMap<>();
        TreeMap<String, String> delegatedTo = new TreeMap<>();
        for (Member m : cv.charter().members()) power.putIfAbsent(m.publicKey(), 0L);
        int limit = cv.charter().members().size();
        for (Member m : cv.charter().members()) {
            String end = m.publicKey();
            for (int steps = 0; steps <= limit; steps++) {
                String next = dels.get(end);
                if (next == null || !cv.byKey().containsKey(next)) break;
                end = next;
            }
            power.merge(end, m.weight(), Long::sum);
            if (!end.equals(m.publicKey())) delegatedTo.put(m.publicKey(), end);
        }
        return new Proposal.SnapshotPower(Collections.unmodifiableMap(power), Collections.unmodifiableMap(delegatedTo),
                cv.charter().totalWeight());
    }

    private CharterVersion charterVersionAt(long t) {
        CharterVersion found = charters.getFirst();
        for (CharterVersion v : charters) {
            if (v.time() > t) break;
            found = v;
        }
        return found;
    }

    private boolean wasMemberBefore(String key, long t) {
        for (CharterVersion v : charters) {
            if (v.time() > t) break;
            if (v.byKey().containsKey(key)) return true;
        }
        return false;
    }

    /** The voting power {@code publicKey} has now for proposals of class {@code c}. */
    public long votingPower(String publicKey, DecisionClass c) {
        if (charters.isEmpty()) return 0;
        return powerAt(Long.MAX_VALUE, charter().policy(c).delegation()).power().getOrDefault(publicKey, 0L);
    }

    // ---------------------------------------------------------------- queries

    public String communityId() { return communityId; }
    public String name() { return name; }
    /** Public key of the member who signed the genesis. */
    public String founder() { return founder; }
    public long genesisTime() { return genesisTime; }
    public boolean hasGenesis() { return !communityId.isEmpty(); }
    /** Where this community forked from, when it is a fork. */
    public Optional<ForkOrigin> origin() { return Optional.ofNullable(origin); }

    /** The charter in force now (its members are the current members). */
    public Charter charter() {
        if (charters.isEmpty()) throw new IllegalStateException("no genesis yet");
        return charters.getLast().charter();
    }

    public List<Member> members() { return charter().members(); }

    public boolean isMember(String publicKey) {
        return !charters.isEmpty() && charters.getLast().byKey().containsKey(publicKey);
    }

    /** Current delegations, delegator → delegate (public keys). */
    public Map<String, String> delegations() { return Collections.unmodifiableMap(new TreeMap<>(delegations)); }

    public List<Proposal> proposals() { return Collections.unmodifiableList(proposals); }

    /** A proposal by number ({@code 3}), full digest, or a unique digest prefix of at least 8 hex digits. */
    public Optional<Proposal> proposal(String ref) {
        if (ref.matches("\\d{1,9}")) {
            int n = Integer.parseInt(ref);
            return n >= 1 && n <= proposals.size() ? Optional.of(proposals.get(n - 1)) : Optional.empty();
        }
        if (!ref.matches("[0-9a-f]{8,64}")) return Optional.empty();
        List<Proposal> hits = proposals.stream().filter(p -> p.digest().startsWith(ref)).toList();
        return hits.size() == 1 ? Optional.of(hits.getFirst()) : Optional.empty();
    }

    public List<Enactment> enactments() { return Collections.unmodifiableList(enactments); }
    public List<Rejection> rejections() { return Collections.unmodifiableList(rejections); }
    /** Log entries replayed (accepted and rejected). */
    public long entries() { return entries; }
    /** Log time of the last entry, or {@link Long#MIN_VALUE} before any. */
    public long lastTime() { return lastTime; }

    /** An approved run by name (an executed start_run proposal). */
    public Optional<Action.StartRun> approvedRun(String run) {
        for (Enactment e : enactments) if (e.action() instanceof Action.StartRun r && r.run().equals(run)) return Optional.of(r);
        return Optional.empty();
    }

    /** What this community decided on and a fork takes along: admitted datasets, approved runs, releases. */
    public List<Artifact> artifacts() {
        List<Artifact> out = new ArrayList<>();
        if (origin != null) out.addAll(origin.artifacts());
        for (Enactment e : enactments) {
            switch (e.action()) {
                case Action.AdmitData d -> out.add(new Artifact("dataset", d.dataset(), d.root()));
                case Action.StartRun r -> out.add(new Artifact("run", r.run(), Digests.canonicalDigest(r.toJson())));
                case Action.ReleaseModel r -> out.add(new Artifact("release", r.model(), r.weights()));
                default -> { }
            }
        }
        return out;
    }

    /** This community's line of descent, root first, ending with itself. */
    public List<LineageRecord> lineage() {
        if (!hasGenesis()) return List.of();
        List<LineageRecord> out = new ArrayList<>();
        if (origin == null) {
            out.add(new LineageRecord(communityId, name, "", 0, ""));
        } else {
            out.addAll(origin.parentLineage());
            out.add(new LineageRecord(communityId, name, origin.parentCommunity(), origin.checkpointSize(), origin.checkpointRoot()));
        }
        return out;
    }

    // ---------------------------------------------------------------- canonical form

    /** The state as JSON (RFC 8785 canonical when serialised by {@link #canonicalBytes()}). */
    public ObjectNode toJson() {
        ObjectNode n = Json.object().put("format", "cairn-community-state/v1");
        n.put("community", communityId).put("name", name).put("founder", founder).put("genesis_time", genesisTime);
        n.put("entries", entries).put("last_time", entries == 0 ? 0 : lastTime);
        if (origin != null) {
            ObjectNode o = n.putObject("origin").put("community", origin.parentCommunity()).put("name", origin.parentName())
                    .put("checkpoint_size", origin.checkpointSize()).put("checkpoint_root", origin.checkpointRoot());
            ArrayNode arts = o.putArray("artifacts");
            for (Artifact a : origin.artifacts()) arts.addObject().put("kind", a.kind()).put("name", a.name()).put("digest", a.digest());
        }
        ArrayNode lin = n.putArray("lineage");
        for (LineageRecord r : lineage()) {
            lin.addObject().put("community", r.community()).put("name", r.name()).put("parent", r.parent())
                    .put("checkpoint_size", r.checkpointSize()).put("checkpoint_root", r.checkpointRoot());
        }
        ArrayNode ch = n.putArray("charters");
        for (CharterVersion v : charters) ch.addObject().put("from", v.time()).set("charter", v.charter().toJson());
        ObjectNode dl = n.putObject("delegations");
        delegations.forEach(dl::put);
        ArrayNode dh = n.putArray("delegation_history");
        for (DelegationChange d : delegationHistory) dh.addObject().put("time", d.time()).put("from", d.from()).put("to", d.to());
        ArrayNode ps = n.putArray("proposals");
        for (Proposal p : proposals) ps.add(proposalJson(p, entries == 0 ? 0 : lastTime));
        ArrayNode en = n.putArray("enactments");
        for (Enactment e : enactments) en.addObject().put("proposal", e.proposal()).put("time", e.time()).set("action", e.action().toJson());
        ArrayNode rj = n.putArray("rejections");
        for (Rejection r : rejections) {
            rj.addObject().put("index", r.index()).put("time", r.time()).put("digest", r.digest()).put("reason", r.reason());
        }
        return n;
    }

    /** One proposal as JSON, its lifecycle state judged at log time {@code now}. */
    public static ObjectNode proposalJson(Proposal p, long now) {
        ObjectNode o = Json.object().put("number", p.number()).put("digest", p.digest()).put("proposer", p.proposer());
        o.put("created", p.created()).put("snapshot", p.snapshot()).put("deadline", p.deadline())
                .put("eta", p.eta()).put("executed", p.executedAt()).put("canceled", p.canceledAt())
                .put("executed_choice", p.executedChoice()).put("state", p.state(now).label());
        o.set("motion", p.motion().toJson());
        o.set("policy", Charter.policyJson(p.policy()));
        ArrayNode bs = o.putArray("ballots");
        for (Proposal.CastBallot b : p.ballots()) {
            ObjectNode bo = bs.addObject().put("voter", b.voter()).put("time", b.time()).put("weight", b.weight());
            bo.set("ballot", b.ballot().toJson());
        }
        o.set("tally", tallyJson(p.tally()));
        return o;
    }

    static ObjectNode tallyJson(Tally t) {
        ObjectNode o = Json.object().put("total_weight", t.totalWeight()).put("quorum_required", t.quorumRequired())
                .put("quorum_counted", t.quorumCounted()).put("quorum_reached", t.quorumReached())
                .put("carried", t.carried()).put("explanation", t.explanation());
        switch (t) {
            case Tally.Binary b -> o.put("for", b.forWeight()).put("against", b.againstWeight()).put("abstain", b.abstainWeight());
            case Tally.Ranked r -> {
                o.put("winner", r.winner()).put("ballots", r.ballots());
                r.schulze().ranking().forEach(o.putArray("ranking")::add);
                r.dropped().forEach(o.putArray("dropped")::add);
                ArrayNode d = o.putArray("pairwise");
                for (long[] row : r.schulze().pairwise()) {
                    ArrayNode rr = d.addArray();
                    for (long x : row) rr.add(x);
                }
            }
        }
        return o;
    }

    /** RFC 8785 canonical bytes of {@link #toJson()}. */
    public byte[] canonicalBytes() {
        return dev.cairn.ledger.CanonicalJson.canonicalize(toJson());
    }

    /** SHA-256 of {@link #canonicalBytes()}: equal for every replay of the same log. */
    public String digest() {
        return Digests.sha256Hex(canonicalBytes());
    }

    // ---------------------------------------------------------------- helpers

    private Proposal proposalFor(String digest) {
        Proposal p = byDigest.get(digest);
        if (p == null) throw reject("no proposal " + shortId(digest) + " in this community");
        return p;
    }

    private void requireMember(String key, String role) {
        if (!isMember(key)) throw reject(role + " " + shortKey(key) + " is not a member of this community");
    }

    /** A member's name and key id prefix, or the key prefix for a non-member. */
    public String who(String key) {
        return isMember(key) ? nameOf(key) + " (" + shortKey(key) + ")" : shortKey(key);
    }

    private String nameOf(String key) {
        Member m = charters.isEmpty() ? null : charters.getLast().byKey().get(key);
        return m == null ? shortKey(key) : m.name();
    }

    private static String shortKey(String key) {
        return "key " + key.substring(0, Math.min(12, key.length())) + "…";
    }

    private static String shortId(String id) {
        return id.substring(0, Math.min(12, id.length())) + "…";
    }

    /** A log time as an ISO-8601 instant. */
    public static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    /** A duration for people: {@code 2d 3h}, {@code 45m}, {@code 12s}. */
    public static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s == 0) return d.toMillis() == 0 ? "0s" : d.toMillis() + "ms";
        long days = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
        StringBuilder b = new StringBuilder();
        if (days > 0) b.append(days).append("d ");
        if (h > 0) b.append(h).append("h ");
        if (m > 0 && days == 0) b.append(m).append("m ");
        if (sec > 0 && days == 0 && h == 0) b.append(sec).append("s ");
        return b.toString().strip();
    }

    private static RejectedException reject(String reason) {
        return new RejectedException(reason);
    }

    @Override
    public String toString() {
        return "CommunityState[" + name + " " + shortId(communityId.isEmpty() ? "-" : communityId) + ", "
                + proposals.size() + " proposals, " + entries + " entries]";
    }
}
