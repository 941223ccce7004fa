package dev.cairn.model;

import dev.cairn.numerics.Philox;
import java.util.Arrays;

/**
 * Autoregressive sampling with a {@link KvDecoder} (the full forward pass's logits, bit for bit). The draw for generated token i uses counter (seed, PURPOSE_SAMPLE, i), and the
 * softmax over the kept logits is computed in double with StrictMath, so the same seed gives the same text
 * on every machine. Greedy decoding takes the arg-max (lowest id on ties).
 */
public final class Sampler {
    private Sampler() {}

    public static int[] generate(LanguageModel model, int[] prompt, int tokens, float temperature, int topK, long seed, boolean greedy) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        if (tokens < 0) throw new IllegalArgumentException("--tokens must be >= 0, got " + tokens);
        if (!greedy && !(temperature > 0)) throw new IllegalArgumentException("--temperature must be positive, got " + temperature);
        int V = model.config().vocabSize(), ctx = model.config().contextLen();
        int[] seq = Arrays.copyOf(prompt, prompt.length + tokens);
        int len = prompt.length;
        float[] logits = new float[V];
        Philox rng = new Philox(seed);
        KvDecoder dec = tokens > 0 ? KvDecoder.of(model) : null;
        KvDecoder.Cache cache = tokens > 0 ? dec.newCache() : null;
        for (int i = 0; i < tokens; i++) {
            int from = Math.max(0, len - ctx);
            if (cache.length() == 0 || from > 0) {
                // A fresh window: the prompt, or (past the context) the last ctx tokens, as the full pass sees them.
                cache.reset();
                dec.append(new KvDecoder.Cache[] {cache}, new int[][] {Arrays.copyOfRange(seq, from, len)}, logits);
            } else {
                dec.append(new KvDecoder.Cache[] {cache}, new int[][] {{seq[len - 1]}}, logits);
            }
            seq[len++] = greedy ? argmax(logits) : draw(logits, temperature, topK, rng.uniform(Philox.PURPOSE_SAMPLE, i, 0));
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    static int draw(float[] logits, float temperature, int topK, double u) {
        int V = logits.length;
        Integer[] order = new Integer[V];
        for (int i = 0; i < V; i++) order[i] = i;
        // Highest logit first; ties by id so the order is total.
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, V) : V;
        double max = logits[order[0]] / (double) temperature;
        double[] w = new double[keep];
        double sum = 0;
        for (int j = 0; j < keep; j++) {
            w[j] = StrictMath.exp(logits[order[j]] / (double) temperature - max);
            sum += w[j];
        }
        double target = u * sum, acc = 0;
        for (int j = 0; j < keep; j++) {
            acc += w[j];
            if (target < acc) return order[j];
        }
        return order[keep - 1];
    }
}
