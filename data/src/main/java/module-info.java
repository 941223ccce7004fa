/** Documents, provenance, dataset manifests, BPE tokenizer, token shards, data order, trace index. */
module dev.cairn.data {
    requires transitive dev.cairn.ledger;
    requires com.fasterxml.jackson.databind;
    exports dev.cairn.data;
}
