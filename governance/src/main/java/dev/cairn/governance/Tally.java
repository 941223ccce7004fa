package dev.cairn.governance;

import java.util.List;

/** The count of a proposal's ballots, weighted by voting power at the snapshot, against its rule and quorum. */
public sealed interface Tally {

    /** Total voting weight at the snapshot (every member's weight, delegated or not). */
    long totalWeight();

    /** Weight the quorum requires. */
    long quorumRequired();

    /** Weight counted toward quorum: for + abstain on a binary proposal (GovernorCountingSimple), every ballot on a ranked one. */
    long quorumCounted();

    default boolean quorumReached() {
        return quorumCounted() >= quorumRequired();
    }

    /** Weight that counts toward an early close: for-votes on a binary proposal, every ballot on a ranked one. */
    long superQuorumCounted();

    /** Whether the votes carry the proposal under its rule (quorum aside). */
    boolean carried();

    /** Both quorum and rule satisfied. */
    default boolean succeeded() {
        return quorumReached() && carried();
    }

    /** One line saying why the count stands as it does. */
    String explanation();

    /** A binary proposal's count: for, against, abstain. */
    record Binary(long forWeight, long againstWeight, long abstainWeight, long totalWeight, long quorumRequired,
                  VotingRule.Ratio rule) implements Tally {
        public long quorumCounted() {
            return forWeight + abstainWeight;
        }

        public long superQuorumCounted() {
            return forWeight;
        }

        public boolean carried() {
            return rule.passes(forWeight, againstWeight);
        }

        public String explanation() {
            String q = "quorum " + quorumCounted() + "/" + quorumRequired() + (quorumReached() ? " reached" : " not reached");
            String r = "for " + forWeight + ", against " + againstWeight + ", abstain " + abstainWeight + ": "
                    + (carried() ? "carries " : "does not carry ")
                    + (rule.isSimpleMajority() ? "a simple majority" : "the " + rule.spelling() + " supermajority");
            return r + "; " + q;
        }
    }

    /**
     * A ranked proposal's count. Options that do not defeat "none of the above" by the rule's ratio are
     * {@code dropped} before the Schulze count (Debian constitution §A.6); ties go to "none of the above", then to
     * the option listed first in the proposal.
     */
    record Ranked(Schulze.Result schulze, List<String> dropped, long ballots, long quorumCounted, long totalWeight,
                  long quorumRequired, VotingRule.RankedChoice rule) implements Tally {
        public String winner() {
            return schulze.winner();
        }

        public boolean carried() {
            return !winner().equals(Choice.NONE_OF_THE_ABOVE);
        }

        public long superQuorumCounted() {
            return quorumCounted;
        }

        public String explanation() {
            String q = "quorum " + quorumCounted + "/" + quorumRequired + (quorumReached() ? " reached" : " not reached");
            String d = dropped.isEmpty() ? "" : "dropped (not beating none " + rule.ratio().numerator() + ":"
                    + rule.ratio().denominator() + "): " + String.join(", ", dropped) + "; ";
            return d + "Schulze ranking " + String.join(" > ", schulze.ranking()) + "; winner " + winner() + "; " + q;
        }
    }
}
