/** Charters, proposals, ballots, tallies, lifecycle and forks; community state is a pure function of the log. */
module dev.cairn.governance {
    requires transitive dev.cairn.ledger;
    requires transitive com.fasterxml.jackson.databind; // the API speaks JsonNode for statement predicates
    requires com.fasterxml.jackson.dataformat.toml;
    exports dev.cairn.governance;
}
