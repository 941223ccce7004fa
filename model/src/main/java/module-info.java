/** The GPT model: configuration, flat parameter buffer, forward/backward per op, AdamW, sampling. */
module dev.cairn.model {
    requires transitive dev.cairn.numerics;
    exports dev.cairn.model;
}
