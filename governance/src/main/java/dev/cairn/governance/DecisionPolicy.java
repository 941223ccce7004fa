package dev.cairn.governance;

import java.time.Duration;

/**
 * The charter's rule for one {@link DecisionClass}, with OpenZeppelin Governor's parameters: a proposal made
 * at log time {@code t} has its snapshot at {@code t + votingDelay} and its deadline at
 * {@code snapshot + votingPeriod}; once it succeeds it may be queued, and executed from
 * {@code eta = queue time + timelock} until {@code eta + gracePeriod} (GovernorTimelockCompound's grace period),
 * after which it is Expired. With a zero timelock a succeeded proposal is executed directly.
 *
 * <p>An optional {@code superQuorum} closes voting early, as OpenZeppelin's GovernorSuperQuorum does: once
 * the weight for (on a ranked proposal: the weight of all ballots) reaches it and the proposal carries, the
 * proposal is Succeeded before its deadline and takes no more votes.
 *
 * @param superQuorum       the weight that closes voting early, or {@code null} for none
 * @param proposalThreshold the voting power a proposer needs when proposing
 * @param voteReplacement   whether a member may cast a new ballot that replaces their earlier one
 * @param delegation        whether delegated voting power counts for proposals of this class
 */
public record DecisionPolicy(
        VotingRule rule,
        Quorum quorum,
        Quorum superQuorum,
        Duration votingDelay,
        Duration votingPeriod,
        Duration timelock,
        Duration gracePeriod,
        long proposalThreshold,
        boolean voteReplacement,
        boolean delegation) {

    public DecisionPolicy {
        if (votingDelay.isNegative()) throw new IllegalArgumentException("voting_delay must not be negative");
        if (votingPeriod.isNegative() || votingPeriod.isZero()) {
            throw new IllegalArgumentException("voting_period must be positive");
        }
        if (timelock.isNegative()) throw new IllegalArgumentException("timelock must not be negative");
        if (gracePeriod.isNegative() || gracePeriod.isZero()) {
            throw new IllegalArgumentException("grace_period must be positive");
        }
        if (proposalThreshold < 0) throw new IllegalArgumentException("proposal_threshold must be ≥ 0");
    }
}
