package dev.cairn.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Signed evaluations: an in-toto statement whose subject is the model's weights digest and whose predicate is the
 * results (model, the re-runnable spec, every task's digest, metrics, per-item results digest and contamination).
 * {@link #verify} re-runs the spec and compares every figure to the bit.
 */
public final class EvalAttestation {
    public static final String EVALUATION = "https://cairn.dev/eval/evaluation/v1";
    public static final String CONFIRMATION = "https://cairn.dev/eval/confirmation/v1";

    private EvalAttestation() {}

    public static Envelope sign(ObjectNode results, String modelName, String communityId, SigningKey evaluator) {
        Statement st = Statement.of(EVALUATION, results, communityId, evaluator.identity(),
                Subject.sha256(modelName, results.path("model").path("weights_sha256").asText()));
        return Envelope.sign(st, evaluator);
    }

    /** The outcome of re-running an attested evaluation. */
    public record Check(boolean ok, String message, ObjectNode rerun) {}

    /**
     * Re-runs the evaluation a statement describes and compares it with what it claims. {@code items} (optional) holds
     * the original per-item lines, to name the first item that differs.
     */
    public static Check verify(Statement st, Path home, Kernels k, Parallel par, int batch, Path items) throws IOException {
        if (!EVALUATION.equals(st.predicateType())) throw new IllegalArgumentException("not an evaluation attestation (predicate type " + st.predicateType() + ")");
        JsonNode claim = st.predicate();
        EvalRun.Outcome o = EvalRun.run(EvalRun.Spec.fromJson(claim.path("spec")), home, k, par, batch);
        ObjectNode again = o.results();
        String want = claim.path("model").path("weights_sha256").asText(), got = again.path("model").path("weights_sha256").asText();
        String subject = st.subject().isEmpty() ? "" : st.subject().getFirst().digest().getOrDefault("sha256", "");
        if (!want.equals(subject)) return new Check(false, "the statement's subject (" + abbrev(subject) + ") is not the model it reports on (" + abbrev(want) + ")", again);
        if (!want.equals(got)) return new Check(false, "the model " + claim.path("model").path("ref").asText() + " now has weights " + abbrev(got) + ", the attestation is for " + abbrev(want), again);
        for (Iterator<Map.Entry<String, JsonNode>> it = claim.path("tasks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = again.path("tasks").path(e.getKey());
            if (mine.isMissingNode()) return new Check(false, "task " + e.getKey() + " is not in the re-run", again);
            if (!mine.path("task_sha256").equals(e.getValue().path("task_sha256"))) {
                return new Check(false, "task " + e.getKey() + ": its items are not the attested ones (task digest " + abbrev(mine.path("task_sha256").asText()) + ")", again);
            }
            if (!mine.path("items_sha256").equals(e.getValue().path("items_sha256"))) {
                return new Check(false, "task " + e.getKey() + ": " + firstDifference(e.getKey(), o, items), again);
            }
            for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().path("metrics").fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> metric = m.next();
                JsonNode v = mine.path("metrics").path(metric.getKey());
                if (!same(v, metric.getValue())) {
                    return new Check(false, "task " + e.getKey() + ": " + metric.getKey() + " is " + v + " on re-running, the attestation says " + metric.getValue(), again);
                }
            }
            if (!same(mine.path("contamination"), e.getValue().path("contamination"))) {
                return new Check(false, "task " + e.getKey() + ": the contamination figures differ", again);
            }
        }
        return new Check(true, "re-ran " + claim.path("tasks").size() + " task(s): every metric and every item's result is the same to the bit", again);
    }

    private static String firstDifference(String task, EvalRun.Outcome o, Path items) throws IOException {
        if (items == null || !Files.exists(items)) return "the per-item results differ (pass --items ITEMS.jsonl to name the first)";
        List<String> original = Files.readAllLines(items, StandardCharsets.UTF_8).stream().filter(l -> l.contains("\"task\":\"" + task + "\"")).toList();
        var tr = o.tasks().stream().filter(t -> t.task().name().equals(task)).findFirst().orElseThrow();
        for (int i = 0; i < tr.items().size(); i++) {
            String mine = tr.items().get(i).toString();
            if (i >= original.size() || !mine.equals(original.get(i))) return "item " + i + " differs (" + (i < original.size() ? original.get(i) : "missing") + " vs " + mine + ")";
        }
        return "the per-item results differ";
    }

    /** Equal as RFC 8785 canonical JSON (so 10000 read back from a statement equals the 10000 computed now). */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isMissingNode() || b.isMissingNode()) return a.isMissingNode() == b.isMissingNode();
        return java.util.Arrays.equals(dev.cairn.ledger.CanonicalJson.canonicalize(a), dev.cairn.ledger.CanonicalJson.canonicalize(b));
    }

    static String abbrev(String s) {
        return s.length() < 12 ? s : s.substring(0, 12) + "…";
    }
}
