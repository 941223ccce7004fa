package dev.cairn.governance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A proposal in a community: its motion, the policy it is decided by (its class's policy as the charter stood
 * when it was made), its timeline in log time and its ballots. Read it through {@link CommunityState}; its
 * lifecycle {@link #state(long)} follows OpenZeppelin Governor's {@code state()}.
 */
public final class Proposal {
    /** A counted ballot: who, what, when (log time), and with how much voting power at the snapshot. */
    public record CastBallot(String voter, Ballot ballot, long time, long weight) {}

    private final int number;
    private final String digest;
    private final String proposer;
    private final Motion motion;
    private final DecisionPolicy policy;
    private final long created;
    private final long snapshot;
    private final long deadline;
    long eta = -1;
    long executedAt = -1;
    long canceledAt = -1;
    String executedChoice = "";
    final LinkedHashMap<String, CastBallot> ballots = new LinkedHashMap<>();
    private final CommunityState community;
    /** Voting power at the snapshot, cached once the log has passed the snapshot (it can no longer change). */
    private SnapshotPower finalPower;

    /** Each member's voting power and the total weight, at a snapshot. */
    record SnapshotPower(Map<String, Long> power, Map<String, String> delegatedTo, long totalWeight) {}

    Proposal(CommunityState community, int number, String digest, String proposer, Motion motion,
             DecisionPolicy policy, long created) {
        this.community = community;
        this.number = number;
        this.digest = digest;
        this.proposer = proposer;
        this.motion = motion;
        this.policy = policy;
        this.created = created;
        this.snapshot = Math.addExact(created, policy.votingDelay().toMillis());
        this.deadline = Math.addExact(snapshot, policy.votingPeriod().toMillis());
    }

    /** 1, 2, 3, ... in log order. */
    public int number() { return number; }
    /** Digest of the proposal statement: its id in votes and executions. */
    public String digest() { return digest; }
    public String proposer() { return proposer; }
    public Motion motion() { return motion; }
    public DecisionPolicy policy() { return policy; }
    /** Log time the proposal was integrated. */
    public long created() { return created; }
    /** Voting power is taken at this log time; voting opens after it. */
    public long snapshot() { return snapshot; }
    /** Voting closes at this log time (inclusive). */
    public long deadline() { return deadline; }
    /** Log time from which a queued proposal may be executed, or -1 when not queued. */
    public long eta() { return eta; }
    public long executedAt() { return executedAt; }
    public long canceledAt() { return canceledAt; }
    /** For an executed ranked proposal, the option that won; for a binary one, {@code motion}. */
    public String executedChoice() { return executedChoice; }

    public List<CastBallot> ballots() {
        return Collections.unmodifiableList(new ArrayList<>(ballots.values()));
    }

    /**
     * Voting power at the snapshot: membership and delegations as they stood at log time {@code snapshot}
     * (changes integrated later do not count). While the log has not passed the snapshot this is provisional.
     */
    SnapshotPower power() {
        if (finalPower != null) return finalPower;
        SnapshotPower p = community.powerAt(snapshot, policy.delegation());
        if (community.lastTime() > snapshot) finalPower = p;
        return p;
    }

    /** Voting power of {@code publicKey} at the snapshot (0 for non-members and members who delegated). */
    public long votingPowerAtSnapshot(String publicKey) {
        return power().power().getOrDefault(publicKey, 0L);
    }

    /** Total voting weight at the snapshot. */
    public long totalWeightAtSnapshot() {
        return power().totalWeight();
    }

    /** The count so far (final once the deadline has passed). */
    public Tally tally() {
        long total = power().totalWeight();
        long required = policy.quorum().required(total);
        return switch (policy.rule()) {
            case VotingRule.Ratio r -> {
                long f = 0, a = 0, ab = 0;
                for (CastBallot b : ballots.values()) {
                    if (b.ballot() instanceof Ballot.Simple(Support s)) {
                        switch (s) {
                            case FOR -> f += b.weight();
                            case AGAINST -> a += b.weight();
                            case ABSTAIN -> ab += b.weight();
                        }
                    }
                }
                yield new Tally.Binary(f, a, ab, total, required, r);
            }
            case VotingRule.RankedChoice rc -> rankedTally(rc, total, required);
        };
    }

    private Tally.Ranked rankedTally(VotingRule.RankedChoice rule, long total, long required) {
        List<String> ids = new ArrayList<>();
        for (Choice c : motion.choices()) ids.add(c.id());
        ids.add(Choice.NONE_OF_THE_ABOVE);
        int none = ids.size() - 1;
        List<Schulze.WeightedRanking> rankings = new ArrayList<>();
        long counted = 0, cast = 0;
        for (CastBallot b : ballots.values()) {
            counted += b.weight();
            cast++;
            if (b.ballot() instanceof Ballot.Ranked(List<String> order)) {
                rankings.add(new Schulze.WeightedRanking(order.stream().mapToInt(ids::indexOf).toArray(), b.weight()));
            }
        }
        // Debian §A.6: drop options that do not defeat the default option by the required ratio.
        long[][] d = Schulze.pairwise(ids.size(), rankings);
        List<String> kept = new ArrayList<>(), dropped = new ArrayList<>();
        for (int i = 0; i < none; i++) {
            if (rule.ratio().passes(d[i][none], d[none][i])) kept.add(ids.get(i));
            else dropped.add(ids.get(i));
        }
        kept.add(Choice.NONE_OF_THE_ABOVE);
        List<Schulze.WeightedRanking> restricted = new ArrayList<>();
        for (Schulze.WeightedRanking w : rankings) {
            int[] order = java.util.Arrays.stream(w.order()).map(i -> kept.indexOf(ids.get(i))).filter(i -> i >= 0).toArray();
            restricted.add(new Schulze.WeightedRanking(order, w.weight()));
        }
        // ties go to the status quo (none of the above), then to the option listed first
        int[] tieBreak = new int[kept.size()];
        tieBreak[0] = kept.size() - 1;
        for (int i = 1; i < kept.size(); i++) tieBreak[i] = i - 1;
        Schulze.Result r = Schulze.count(kept, restricted, tieBreak);
        return new Tally.Ranked(r, List.copyOf(dropped), cast, counted, total, required, rule);
    }

    /**
     * The lifecycle state at log time {@code now}, as OpenZeppelin Governor computes it: Executed and Canceled
     * first; Pending while {@code now ≤ snapshot}; Active while {@code now ≤ deadline} (unless the super quorum
     * closed voting early); then Defeated unless
     * quorum is reached and the rule carries; Succeeded until queued; Queued until {@code eta + grace period},
     * then Expired (GovernorTimelockCompound).
     */
    public ProposalState state(long now) {
        if (executedAt >= 0) return ProposalState.EXECUTED;
        if (canceledAt >= 0) return ProposalState.CANCELED;
        if (now <= snapshot) return ProposalState.PENDING;
        if (now <= deadline && !closedEarly()) return ProposalState.ACTIVE;
        if (!tally().succeeded()) return ProposalState.DEFEATED;
        if (eta < 0) return ProposalState.SUCCEEDED;
        if (now >= eta + policy.gracePeriod().toMillis()) return ProposalState.EXPIRED;
        return ProposalState.QUEUED;
    }

    /** True when the super quorum closed voting before the deadline (GovernorSuperQuorum). */
    public boolean closedEarly() {
        Quorum sq = policy.superQuorum();
        if (sq == null || ballots.isEmpty()) return false;
        Tally t = tally();
        return t.superQuorumCounted() >= sq.required(t.totalWeight()) && t.succeeded();
    }

    /** The action executing this proposal would take: the motion's, or the winning option's. */
    public Action winningAction() {
        if (!motion.isRanked()) return motion.choices().getFirst().action();
        String winner = ((Tally.Ranked) tally()).winner();
        return motion.choice(winner).orElseThrow(() -> new IllegalStateException("none of the above won")).action();
    }

    @Override
    public String toString() {
        return "Proposal " + number + " (" + motion.decisionClass().key() + ": " + motion.title() + ")";
    }
}
