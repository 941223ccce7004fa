/** The deterministic trainer, recipes, checkpoints and state digests; later governed runs and verification. */
module dev.cairn.training {
    requires transitive dev.cairn.model;
    requires transitive dev.cairn.data;
    requires com.fasterxml.jackson.databind;
    exports dev.cairn.training;
}
