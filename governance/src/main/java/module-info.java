/** Charters, proposals, ballots, tallies, lifecycle and forks; community state is a pure function of the log. */
module dev.cairn.governance {
    requires transitive dev.cairn.ledger;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;
    exports dev.cairn.governance;
}
