/** The decoders (GPT-2 and Llama): configuration, flat parameter buffer, forward/backward per op, sampling. */
module dev.cairn.model {
    requires transitive dev.cairn.numerics;
    exports dev.cairn.model;
}
