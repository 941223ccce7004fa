package dev.cairn.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.TraceIndex;
import dev.cairn.release.ModelTokenizer;
import java.nio.file.Path;

/**
 * Whether a task item shares a span of N tokens (13 by default, as GPT-3 and the harness check) with a training dataset
 * version: every N-token window of the item's text, decoded, is looked up verbatim in the version's trace index.
 */
public final class Contamination {
    public static final int DEFAULT_NGRAM = 13;

    /** A task's contamination: how many items share a span, and the metrics on the clean rest. */
    public record Summary(String source, int ngram, int contaminated, int items, ObjectNode cleanMetrics) {
        public double fraction() {
            return items == 0 ? 0 : (double) contaminated / items;
        }

        public ObjectNode toJson() {
            ObjectNode n = Evaluator.JSON.createObjectNode().put("training_data", source).put("ngram_tokens", ngram)
                    .put("contaminated_items", contaminated).put("items", items).put("contaminated_fraction", fraction());
            n.set("clean_metrics", cleanMetrics);
            return n;
        }
    }

    private final TraceIndex index;
    private final String source;
    private final int ngram;

    private Contamination(TraceIndex index, String source, int ngram) {
        this.index = index;
        this.source = source;
        this.ngram = ngram;
    }

    /** Against dataset version {@code ref} in {@code home} (building its trace index on first use). */
    public static Contamination against(Path home, String ref, int ngram) {
        if (ngram < 1) throw new IllegalArgumentException("--ngram must be at least 1, got " + ngram);
        DatasetStore store = new DatasetStore(home);
        TraceIndex idx = TraceIndex.open(store, ref);
        return new Contamination(idx, idx.manifest().ref() + " (root " + idx.manifest().root() + ")", ngram);
    }

    public String source() {
        return source;
    }

    public int ngram() {
        return ngram;
    }

    /** True when some N-token window of {@code text} occurs verbatim in the training data. */
    public boolean contaminated(ModelTokenizer tok, String text) {
        int[] ids;
        try {
            ids = tok.encode(text);
        } catch (IllegalArgumentException e) {
            return false; // the model could not have read it either
        }
        for (int i = 0; i + ngram <= ids.length; i++) {
            String span = tok.decode(java.util.Arrays.copyOfRange(ids, i, i + ngram));
            if (!span.isBlank() && index.contains(span)) return true;
        }
        return false;
    }
}
