package dev.cairn.governance;

/** OpenZeppelin Governor's proposal lifecycle (IGovernor.ProposalState), with the same meaning. */
public enum ProposalState {
    /** Made; voting has not opened (log time ≤ snapshot). */
    PENDING,
    /** Voting open (snapshot < log time ≤ deadline). */
    ACTIVE,
    /** Withdrawn by its proposer while Pending. */
    CANCELED,
    /** Voting closed without quorum or without the rule's majority. */
    DEFEATED,
    /** Voting closed with quorum and majority; not yet queued (or needs no queue when the timelock is zero). */
    SUCCEEDED,
    /** Queued behind the timelock; executable from its eta until the grace period ends. */
    QUEUED,
    /** Queued but not executed before eta + grace period. */
    EXPIRED,
    /** Executed: its action is part of the community state. */
    EXECUTED;

    /** Capitalised as in OpenZeppelin: {@code Active}, {@code Queued}. */
    public String label() {
        return name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
