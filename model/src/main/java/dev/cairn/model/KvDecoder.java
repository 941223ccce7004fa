package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.util.Arrays;

/**
 * Incremental decoding: each call appends new tokens to several sequences' caches at once (a new prompt beside other
 * sequences' next tokens) and returns the logits after each one's last token, the same bits as a full forward pass
 * over the sequence at any batch, thread count or kernel set (tested). GPT models get a key/value cache
 * ({@code GptKvDecoder}: each token runs through the model once, and one call reads the weights once however many
 * sequences are in it), and so do Llama models ({@code LlamaKvDecoder}, keys after rotation, per key/value head);
 * an architecture without one is decoded by a full forward pass over each sequence, exact by definition and slower. Not thread-safe: one decoding loop owns a decoder.
 */
public abstract class KvDecoder {
    /** One sequence's state in a decoder. */
    public abstract static class Cache {
        int length;

        /** Tokens the cache holds. */
        public int length() {
            return length;
        }

        /** Forgets every token (the buffers are reused). */
        public void reset() {
            length = 0;
        }
    }

    /** The decoder for a model: a KV cache where the architecture has one here, else full passes. */
    public static KvDecoder of(LanguageModel model) {
        if (model instanceof Gpt g) return new GptKvDecoder(g);
        if (model instanceof Llama l) return new LlamaKvDecoder(l);
        return new FullPassDecoder(model);
    }

    public abstract ModelConfig config();

    public abstract Cache newCache();

    /**
     * Appends tokens[i] to caches[i] (the caches distinct) and writes the logits after each cache's last new token
     * to logits[i*V ..]. A cache's tokens must fit its context; nothing is appended when a call is refused.
     */
    public abstract void append(Cache[] caches, int[][] tokens, float[] logits);

    /** Columns of a weight panel: a multiple of every vector width, so vectors stay whole. */
    static final int COL_CHUNK = 64;
    /** Multiply-adds below which a product (or a step's attention, at a quarter of it) stays on the caller's thread. */
    static final long SERIAL_WORK = 1 << 18;

    /** A weight matrix repacked in 64-column panels, each (kDim, width) contiguous, keyed by where it came from. */
    private record Source(float[] w, int off) {}

    private final java.util.Map<Source, float[]> panels = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * w[wOff ..] (kDim, n) as {@link #COL_CHUNK}-column panels laid end to end, each (kDim, width) row-major: a product
     * then reads each panel as one sequential stream instead of n-float strides. Made on first use and kept (the
     * decoder reads the weights as they were when it was made).
     */
    private float[] panels(float[] w, int wOff, int kDim, int n) {
        return panels.computeIfAbsent(new Source(w, wOff), key -> {
            float[] d = new float[kDim * n];
            for (int p0 = 0; p0 < n; p0 += COL_CHUNK) {
                int width = Math.min(COL_CHUNK, n - p0), base = p0 * kDim;
                for (int kk = 0; kk < kDim; kk++) System.arraycopy(w, wOff + kk * n + p0, d, base + kk * width, width);
            }
            return d;
        });
    }

    /**
     * out (rows, n) = in (rows, kDim) @ w[wOff ..] (kDim, n) + bias (may be null), panel by panel, split over the
     * threads when the work is worth sharing. Each output element is one fma chain over k in order whoever computes
     * it and whatever the layout of the weights, so the bits are the full pass's.
     */
    void product(Kernels k, Parallel par, float[] out, float[] in, int rows, int kDim, int n, float[] w, int wOff, float[] bias, int bOff) {
        product(k, par, out, in, 0, rows, kDim, n, w, wOff, bias, bOff, false);
    }

    /** {@link #product} over rows [r0, r1) of in and out; {@code serial}: on the caller's thread (inside a region). */
    void product(Kernels k, Parallel par, float[] out, float[] in, int r0, int r1, int kDim, int n, float[] w, int wOff, float[] bias, int bOff,
                 boolean serial) {
        float[] d = panels(w, wOff, kDim, n);
        int count = (n + COL_CHUNK - 1) / COL_CHUNK, rows = r1 - r0;
        long work = (long) rows * n * kDim;
        int tasks = serial || work < SERIAL_WORK ? 1 : Math.max(1, Math.min(4 * par.threads(), count));
        Parallel.WorkerTask run = (t, worker) -> {
            for (int p = count * t / tasks; p < count * (t + 1) / tasks; p++) {
                int p0 = p * COL_CHUNK, width = Math.min(COL_CHUNK, n - p0);
                k.gemm(rows, width, kDim, in, r0 * kDim, kDim, 1, d, p0 * kDim, width, out, r0 * n + p0, n, bias, bias == null ? 0 : bOff + p0, false);
            }
        };
        if (tasks == 1) run.run(0, 0);
        else par.forEach(tasks, run);
    }

    /**
     * Layer weights (floats) up to which a call with several sequences gives each thread whole sequences through every
     * layer instead of sharing each product's columns: every core then reads all the weights, from its caches at this
     * size, and the threads never wait for one another between products (a decode step of a small model is mostly
     * such waits).
     */
    static final long SEQUENCE_SPLIT_WEIGHTS = 2L << 20;
    /** {@link #SEQUENCE_SPLIT_WEIGHTS} for this decoder (tests set 0 to run small models' products by columns). */
    long sequenceSplitWeights = SEQUENCE_SPLIT_WEIGHTS;

    /**
     * Splits caches [0, n) into up to {@code threads} contiguous groups of about equal rows (rowsOf[i] rows each): the
     * groups' first caches, then n. Fewer groups where there are fewer caches.
     */
    static int[] groups(int[] rowsOf, int threads) {
        int n = rowsOf.length, total = 0;
        for (int r : rowsOf) total += r;
        int g = Math.min(threads, n);
        int[] start = new int[g + 1];
        int i = 0, seen = 0;
        for (int t = 1; t < g; t++) {
            long want = (long) total * t / g;
            while (i < n - (g - t) && seen + rowsOf[i] <= want) seen += rowsOf[i++];
            if (i == start[t - 1]) seen += rowsOf[i++]; // every group gets a cache
            start[t] = i;
        }
        start[g] = n;
        return start;
    }

    /** task(row, head) for every row and query head; on the caller's thread when the attention work is small. */
    static void forHeads(Parallel par, int rows, int heads, long work, Parallel.WorkerTask task) {
        if (work < SERIAL_WORK / 4 || par.threads() == 1) {
            for (int t = 0; t < rows * heads; t++) task.run(t, 0);
        } else {
            par.forEach(rows * heads, task);
        }
    }

    /** The checks every decoder makes before it changes anything. */
    void check(Cache[] caches, int[][] tokens, float[] logits) {
        ModelConfig cfg = config();
        int V = cfg.vocabSize();
        if (caches.length != tokens.length) throw new IllegalArgumentException("one token list per cache");
        if (logits.length < caches.length * V) throw new IllegalArgumentException("logits buffer too small");
        for (int i = 0; i < caches.length; i++) {
            if (tokens[i].length == 0) throw new IllegalArgumentException("no tokens for cache " + i);
            if (caches[i].length + tokens[i].length > cfg.contextLen()) {
                throw new IllegalArgumentException("sequence length " + (caches[i].length + tokens[i].length) + " exceeds context " + cfg.contextLen());
            }
            for (int j = 0; j < i; j++) if (caches[j] == caches[i]) throw new IllegalArgumentException("a cache appears twice");
            for (int t : tokens[i]) if (t < 0 || t >= V) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + V);
        }
    }

    /** Decoding by a full forward pass over each whole sequence: its logits by definition. */
    static final class FullPassDecoder extends KvDecoder {
        private final LanguageModel model;

        FullPassDecoder(LanguageModel model) {
            this.model = model;
        }

        static final class Tokens extends Cache {
            int[] ids = new int[16];
        }

        @Override
        public ModelConfig config() {
            return model.config();
        }

        @Override
        public Cache newCache() {
            return new Tokens();
        }

        @Override
        public void append(Cache[] caches, int[][] tokens, float[] logits) {
            check(caches, tokens, logits);
            int V = config().vocabSize();
            float[] row = new float[V];
            for (int i = 0; i < caches.length; i++) {
                Tokens c = (Tokens) caches[i];
                int n = c.length + tokens[i].length;
                if (c.ids.length < n) c.ids = Arrays.copyOf(c.ids, Math.max(n, 2 * c.ids.length));
                System.arraycopy(tokens[i], 0, c.ids, c.length, tokens[i].length);
                c.length = n;
                model.forward(Arrays.copyOf(c.ids, n), null, 1, n);
                model.logitsAt(0, n - 1, row);
                System.arraycopy(row, 0, logits, i * V, V);
            }
        }
    }
}
