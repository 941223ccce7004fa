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

    /** Output columns per task of a shared product: a multiple of every vector width, so vectors stay whole. */
    static final int COL_CHUNK = 64;
    /** Multiply-adds below which a product (or a step's attention, at a quarter of it) stays on the caller's thread. */
    static final long SERIAL_WORK = 1 << 18;

    /**
     * out (rows, n) = in (rows, kDim) @ w[wOff ..] (kDim, n) + bias (may be null), split over output columns across
     * the threads when the work is worth sharing. Each output element is one fma chain whoever computes it.
     */
    static void product(Kernels k, Parallel par, float[] out, float[] in, int rows, int kDim, int n, float[] w, int wOff, float[] bias, int bOff) {
        long work = (long) rows * n * kDim;
        int chunks = work < SERIAL_WORK ? 1 : Math.max(1, Math.min(4 * par.threads(), n / COL_CHUNK));
        if (chunks == 1) {
            k.gemm(rows, n, kDim, in, 0, kDim, 1, w, wOff, n, out, 0, n, bias, bOff, false);
            return;
        }
        par.forEach(chunks, (c, worker) -> {
            int n0 = cols(n, c, chunks), n1 = cols(n, c + 1, chunks);
            if (n1 > n0) k.gemm(rows, n1 - n0, kDim, in, 0, kDim, 1, w, wOff + n0, n, out, n0, n, bias, bias == null ? 0 : bOff + n0, false);
        });
    }

    /** Column c of chunks splits of [0, n), rounded down to {@link #COL_CHUNK}. */
    private static int cols(int n, int c, int chunks) {
        if (c >= chunks) return n;
        return Math.min(n, (int) ((long) n * c / chunks) / COL_CHUNK * COL_CHUNK);
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
