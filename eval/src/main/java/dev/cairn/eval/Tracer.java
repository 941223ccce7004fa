package dev.cairn.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.InclusionProofJson;
import dev.cairn.data.TraceIndex;
import dev.cairn.release.ModelTokenizer;
import dev.cairn.release.Models;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Spans of a model's output found verbatim in its training data, as OLMoTrace shows them: every maximal run of at
 * least {@code min} tokens whose text occurs in the training dataset version, with the documents, offsets and an
 * RFC 6962 inclusion proof of each document in the version's Merkle root.
 */
public final class Tracer {
    private final TraceIndex index;
    private final String ref;

    private Tracer(TraceIndex index, String ref) {
        this.index = index;
        this.ref = ref;
    }

    /** Over the model's own training data (a run's dataset, a release's provenance) or {@code trainData}. */
    public static Tracer forModel(Models.Opened m, Path home, String trainData) throws IOException {
        String ref = trainData != null ? trainData : EvalRun.trainingData(m);
        if (ref == null) throw new IllegalArgumentException("--trace: the model's training data is not on record; name it with --train-data NAME@VERSION");
        DatasetStore store = new DatasetStore(home);
        TraceIndex idx = TraceIndex.open(store, ref);
        return new Tracer(idx, idx.manifest().ref());
    }

    /** The spans of {@code ids} (at least {@code min} tokens, longest first from the left, not overlapping). */
    public ArrayNode trace(ModelTokenizer tok, int[] ids, int min, int maxMatches) {
        if (min < 1) throw new IllegalArgumentException("--trace-min must be at least 1, got " + min);
        ArrayNode out = Evaluator.JSON.createArrayNode();
        int i = 0;
        while (i + min <= ids.length) {
            if (!found(tok, ids, i, i + min)) {
                i++;
                continue;
            }
            int j = i + min;
            while (j < ids.length && found(tok, ids, i, j + 1)) j++;
            String text = tok.decode(java.util.Arrays.copyOfRange(ids, i, j));
            TraceIndex.Result r = index.find(text, maxMatches);
            ObjectNode span = out.addObject().put("from", i).put("to", j).put("text", text).put("occurrences", r.count());
            ArrayNode ms = span.putArray("matches");
            var manifest = index.manifest();
            for (TraceIndex.Match m : r.matches()) {
                ObjectNode o = ms.addObject().put("document", m.documentId()).put("byte_offset", m.byteOffset()).put("char_offset", m.charOffset())
                        .put("origin", m.origin());
                try {
                    o.set("inclusion_proof", Evaluator.JSON.readTree(InclusionProofJson.write(manifest.prove(m.documentId()), ref, m.documentId())));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            i = j;
        }
        return out;
    }

    public String dataset() {
        return ref + " (root " + index.manifest().root() + ")";
    }

    private boolean found(ModelTokenizer tok, int[] ids, int from, int to) {
        String s = tok.decode(java.util.Arrays.copyOfRange(ids, from, to));
        return !s.isBlank() && index.contains(s);
    }
}
