/** The deterministic trainer, recipes, checkpoints and state digests; transcripts, governed runs and verification. */
module dev.cairn.training {
    requires transitive dev.cairn.model;
    requires transitive dev.cairn.data;
    requires transitive dev.cairn.ledger;
    requires transitive dev.cairn.governance;
    requires com.fasterxml.jackson.databind;
    requires jdk.management;
    requires com.fasterxml.jackson.dataformat.toml;
    exports dev.cairn.training;
}
