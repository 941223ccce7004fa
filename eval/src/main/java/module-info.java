/** The evaluation room: deterministic tasks in lm-evaluation-harness's shape, contamination, signed attestations. */
module dev.cairn.eval {
    requires transitive dev.cairn.release;
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    exports dev.cairn.eval;
}
