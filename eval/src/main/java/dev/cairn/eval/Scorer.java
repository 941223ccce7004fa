package dev.cairn.eval;

import dev.cairn.model.LanguageModel;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Log-likelihoods of continuations, batched, with results that are the same bits for any batch size, thread count
 * or kernel set: each request's logits come from the model's forward pass, which never mixes sequences and whose
 * every output element is one fixed-order chain (padding after a request's last token adds exact zeros to the
 * attention products of earlier positions); log-softmax and sums run in double in a fixed order, with
 * {@code StrictMath}.
 */
public final class Scorer {
    /** Score tokens[from..] given every token before (from ≥ 1); at most context + 1 tokens. */
    public record Request(int[] tokens, int from) {}

    /** Sum of log p in nats, one value per scored token, and whether greedy decoding would have produced every one. */
    public record Score(double logLikelihood, double[] perToken, boolean greedy) {}

    private final LoadedModel model;
    private final Kernels kernels;
    private final Parallel parallel;
    private final int batch;
    private LanguageModel gpt;
    private dev.cairn.model.KvDecoder decoder;

    public Scorer(LoadedModel model, Kernels kernels, Parallel parallel, int batch) {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        this.model = model;
        this.kernels = kernels;
        this.parallel = parallel;
        this.batch = batch;
    }

    public LoadedModel model() {
        return model;
    }

    public int context() {
        return model.config().contextLen();
    }

    public List<Score> score(List<Request> requests) {
        if (gpt == null) gpt = model.model(kernels, parallel);
        int ctx = context(), V = model.config().vocabSize();
        for (Request r : requests) {
            if (r.from() < 1 || r.from() >= r.tokens().length + 1 || r.tokens().length - 1 > ctx) {
                throw new IllegalArgumentException("a request of " + r.tokens().length + " tokens scoring from " + r.from() + " does not fit context " + ctx);
            }
        }
        List<Score> out = new ArrayList<>(requests.size());
        float[][] rows = new float[parallel.threads()][V];
        double[][] scratch = new double[2 * parallel.threads()][scratchLength(V)];
        for (int b0 = 0; b0 < requests.size(); b0 += batch) {
            List<Request> group = requests.subList(b0, Math.min(requests.size(), b0 + batch));
            int T = 1;
            for (Request r : group) T = Math.max(T, r.tokens().length - 1);
            int B = group.size();
            int[] in = new int[B * T];
            for (int b = 0; b < B; b++) {
                int[] t = group.get(b).tokens();
                System.arraycopy(t, 0, in, b * T, t.length - 1);
            }
            // Each request's log-softmax runs on one worker (its own result; sums in a fixed order within it), as soon
            // as the pass has its logits: on the worker that computed them, while they are in its cache.
            Score[] scores = new Score[B];
            gpt.forward(in, B, T, (b, worker) -> scores[b] = scoreOne(group.get(b), b, rows[worker], scratch[2 * worker], scratch[2 * worker + 1]));
            for (Score sc : scores) out.add(sc);
        }
        return out;
    }

    private Score scoreOne(Request r, int b, float[] logits, double[] shifted, double[] exps) {
        int n = r.tokens().length - r.from();
        double[] per = new double[n];
        double sum = 0;
        boolean greedy = true;
        for (int i = 0; i < n; i++) {
            int pos = r.from() - 1 + i, target = r.tokens()[r.from() + i];
            gpt.logitsAt(b, pos, logits);
            float max = max(logits);
            per[i] = logSoftmaxAt(logits, target, max, shifted, exps);
            sum += per[i];
            greedy &= argmax(logits, max) == target;
        }
        return new Score(sum, per, greedy);
    }

    /** Scratch length for {@link #logSoftmaxAt(float[], int, float, double[], double[])}: V rounded up to 8 (whole vectors of doubles). */
    static int scratchLength(int V) {
        return (V + 7) & ~7;
    }

    /** log softmax(logits)[target] in double: max, then the sum of exp(l - max) in index order. */
    static double logSoftmaxAt(float[] logits, int target) {
        int n = scratchLength(logits.length);
        return logSoftmaxAt(logits, target, max(logits), new double[n], new double[n]);
    }

    /**
     * {@link #logSoftmaxAt(float[], int)} given the logits' {@link #max} and scratch of {@link #scratchLength}: the
     * exponentials are StrictMath.exp's bits computed a vector at a time ({@code StrictExp}), over whole vectors (the
     * padding past V is exp(0), never summed), then summed in index order as the definition says.
     */
    static double logSoftmaxAt(float[] logits, int target, float max, double[] shifted, double[] exps) {
        int V = logits.length, n = scratchLength(V);
        for (int i = 0; i < V; i++) shifted[i] = logits[i] - (double) max;
        java.util.Arrays.fill(shifted, V, n, 0.0);
        dev.cairn.numerics.StrictExp.exp(shifted, exps, n);
        double s = 0;
        for (int i = 0; i < V; i++) s += exps[i];
        return logits[target] - (double) max - StrictMath.log(s);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * The largest logit as Math.max over them in index order would give (NaN if any is NaN): max is associative
     * and commutative, so lanes first, then across them, is the same value.
     */
    static float max(float[] logits) {
        int V = logits.length, i = 0;
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i + F.length() <= V; i += F.length()) m = m.max(FloatVector.fromArray(F, logits, i));
        float best = m.reduceLanes(VectorOperators.MAX);
        for (; i < V; i++) best = Math.max(best, logits[i]);
        return best;
    }

    /** The first index of the largest logit. */
    static int argmax(float[] logits) {
        return argmax(logits, max(logits));
    }

    /**
     * {@link #argmax(float[])} given {@link #max}: the first logit equal to it (a -0.0 and a 0.0 compare equal, as in
     * the scan that keeps the first of the largest); with a NaN, the scan itself.
     */
    static int argmax(float[] logits, float max) {
        if (Float.isNaN(max)) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        for (int i = 0; i < logits.length; i++) if (logits[i] == max) return i;
        throw new IllegalStateException("no logit equals their maximum");
    }

    /** Greedy continuation of {@code prompt} (its last context tokens) for up to {@code max} tokens, or until {@code done} holds for the tokens so far. */
    public int[] greedy(int[] prompt, int max, java.util.function.Predicate<int[]> done) {
        if (gpt == null) gpt = model.model(kernels, parallel);
        if (decoder == null) decoder = dev.cairn.model.KvDecoder.of(gpt);
        int ctx = context(), V = model.config().vocabSize();
        int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + max);
        int len = prompt.length, n = 0;
        float[] logits = new float[V];
        dev.cairn.model.KvDecoder.Cache cache = decoder.newCache();
        while (n < max) {
            // The KV cache gives the full forward pass's logits bit for bit; past the context, the window restarts.
            int from = Math.max(0, len - ctx);
            if (cache.length() == 0 || from > 0) {
                cache.reset();
                decoder.append(new dev.cairn.model.KvDecoder.Cache[] {cache}, new int[][] {java.util.Arrays.copyOfRange(seq, from, len)}, logits);
            } else {
                decoder.append(new dev.cairn.model.KvDecoder.Cache[] {cache}, new int[][] {{seq[len - 1]}}, logits);
            }
            int next = argmax(logits);
            seq[len++] = next;
            n++;
            if (done.test(java.util.Arrays.copyOfRange(seq, prompt.length, len))) break;
        }
        return java.util.Arrays.copyOfRange(seq, prompt.length, len);
    }
}
