/** Documents, provenance, dataset manifests, BPE tokenizer, token shards, data order, trace index. */
module dev.cairn.data {
    requires transitive dev.cairn.ledger;
    requires com.fasterxml.jackson.databind;
    // Hugging Face tokenizers (Rust) through DJL: the reference the tokenizer benchmark measures against.
    requires ai.djl.tokenizers;
    requires ai.djl.api;
    exports dev.cairn.data;
}
