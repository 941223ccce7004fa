package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;

/**
 * Incremental decoding with a key/value cache: each new token runs through the model once, attending over the
 * keys and values its sequence's earlier tokens left in the cache. Every row is computed by the same kernel calls,
 * in the same order, as {@link Gpt#forward} computes that row (matrix products are one fma chain per output
 * element, LayerNorm and softmax are per row), so a sequence's logits are the same bits as a full forward pass over
 * it, at any batch, thread count or kernel set (tested). The only terms the full pass adds are the attention
 * tile's exact zeros.
 *
 * <p>One call appends tokens to several caches at once (a new prompt beside other sequences' next tokens), so the
 * weights are read once per call however many sequences are in it: that is what makes throughput grow with load.
 * Not thread-safe: one decoding loop owns a decoder. The parameters are read as they are when the decoder is made.
 */
final class GptKvDecoder extends KvDecoder {
    /** One sequence's keys and values: per layer, K transposed (NH, hs, ctx) and V (ctx, C). */
    final class GptCache extends Cache {
        final float[][] kT, v;

        private GptCache() {
            int L = cfg.layers(), C = cfg.embd(), ctx = cfg.contextLen();
            kT = new float[L][C * ctx];
            v = new float[L][ctx * C];
        }
    }


    private final GptConfig cfg;
    private final ParameterLayout P;
    private final float[] params;
    private final Kernels k;
    private final Parallel par;
    private final float[] wT; // wte transposed (C, V): the tied head
    private final float scale;
    // Row buffers, grown as calls need.
    private int cap;
    private float[] x, lo, qkv, atty, tmp, res2, fch, gelu, tanh, stats;
    private final float[][] scores;
    private int[] rowPos;
    private GptCache[] rowCache;

    GptKvDecoder(Gpt model) {
        this.cfg = model.cfg;
        this.P = model.layout;
        this.params = model.params;
        this.k = model.kernels();
        this.par = model.parallel();
        int V = cfg.vocabSize(), C = cfg.embd();
        wT = new float[C * V];
        par.forRange(C, 16, (c0, c1) -> k.transpose(params, P.wte.offset() + c0, V, c1 - c0, C, wT, c0 * V, V));
        scale = (float) (1.0 / StrictMath.sqrt(cfg.headSize()));
        scores = new float[par.threads()][cfg.contextLen()];
    }

    @Override
    public GptConfig config() {
        return cfg;
    }

    @Override
    public Cache newCache() {
        return new GptCache();
    }

    /**
     * Appends tokens[i] to caches[i] (the caches distinct) and writes the logits after each cache's last new token
     * to logits[i*V ..]. A cache's tokens must fit its context; nothing is appended when a call is refused.
     */
    @Override
    public void append(Cache[] caches, int[][] tokens, float[] logits) {
        check(caches, tokens, logits);
        int V = cfg.vocabSize(), R = 0;
        for (int[] t : tokens) R += t.length;
        ensure(R);
        int C = cfg.embd(), L = cfg.layers();
        int[] last = new int[caches.length];
        for (int i = 0, r = 0; i < caches.length; i++) {
            for (int j = 0; j < tokens[i].length; j++, r++) {
                rowCache[r] = (GptCache) caches[i];
                rowPos[r] = caches[i].length + j;
                k.add(x, r * C, params, P.wte.offset() + tokens[i][j] * C, params, P.wpe.offset() + rowPos[r] * C, C);
            }
            last[i] = r - 1;
        }
        int rows = R, n = caches.length;
        long layerWeights = (long) L * 12 * C * C;
        if (n >= 2 && par.threads() > 1 && layerWeights <= sequenceSplitWeights) {
            // Whole sequences per thread (a sequence's rows read each other's keys and values, other sequences' never).
            int[] rowsOf = new int[n];
            for (int i = 0; i < n; i++) rowsOf[i] = tokens[i].length;
            int[] g = groups(rowsOf, par.threads());
            int[] firstRow = new int[g.length];
            for (int t = 0; t < g.length; t++) firstRow[t] = g[t] == n ? rows : last[g[t]] - tokens[g[t]].length + 1;
            par.forEach(g.length - 1, g.length - 1, (t, worker) -> layers(firstRow[t], firstRow[t + 1], true, worker));
        } else {
            layers(0, rows, false, 0);
        }
        for (int r = 0; r < rows; r++) rowCache[r].length = Math.max(rowCache[r].length, rowPos[r] + 1);
        // The final LayerNorm and the head, for each cache's last row only.
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, last[i] * C, res2, i * C, C);
        }
        lnRows(lo, res2, P.lnfw.offset(), P.lnfb, 0, 0, n);
        product(k, par, logits, lo, n, C, V, wT, 0, null, 0);
    }

    /** Every layer for rows [r0, r1) of x; serial: on this thread (worker's scratch), inside a region. */
    private void layers(int r0, int r1, boolean serial, int worker) {
        int C = cfg.embd(), L = cfg.layers(), n = (r1 - r0) * C;
        for (int l = 0; l < L; l++) {
            // x holds the block's input: the embeddings, then each block's output
            lnRows(lo, x, P.ln1w.offset() + l * C, P.ln1b, l * C, r0, r1);
            lin(qkv, lo, r0, r1, C, 3 * C, P.qkvw.offset() + l * C * 3 * C, P.qkvb, l * 3 * C, serial);
            storeKeysValues(l, r0, r1);
            if (serial) {
                for (int r = r0; r < r1; r++) for (int h = 0; h < cfg.heads(); h++) attend(l, r, h, worker);
            } else {
                attendAll(l, r1);
            }
            lin(tmp, atty, r0, r1, C, C, P.attprojw.offset() + l * C * C, P.attprojb, l * C, serial);
            k.add(res2, r0 * C, x, r0 * C, tmp, r0 * C, n);
            lnRows(lo, res2, P.ln2w.offset() + l * C, P.ln2b, l * C, r0, r1);
            lin(fch, lo, r0, r1, C, 4 * C, P.fcw.offset() + l * C * 4 * C, P.fcb, l * 4 * C, serial);
            k.geluForward(gelu, r0 * 4 * C, tanh, r0 * 4 * C, fch, r0 * 4 * C, 4 * n);
            lin(tmp, gelu, r0, r1, 4 * C, C, P.fcprojw.offset() + l * 4 * C * C, P.fcprojb, l * C, serial);
            k.add(x, r0 * C, res2, r0 * C, tmp, r0 * C, n);
        }
    }

    private void storeKeysValues(int l, int r0, int r1) {
        int C = cfg.embd(), ctx = cfg.contextLen();
        for (int r = r0; r < r1; r++) {
            GptCache c = rowCache[r];
            int pos = rowPos[r], q = r * 3 * C;
            float[] kT = c.kT[l];
            for (int i = 0; i < C; i++) kT[i * ctx + pos] = qkv[q + C + i];
            System.arraycopy(qkv, q + 2 * C, c.v[l], pos * C, C);
        }
    }

    /** Every row's heads (on the caller's thread when the work is too small to share). */
    private void attendAll(int l, int rows) {
        int NH = cfg.heads();
        long work = 0;
        for (int r = 0; r < rows; r++) work += (long) (rowPos[r] + 1) * cfg.embd();
        forHeads(par, rows, NH, work, (t, worker) -> attend(l, t / NH, t % NH, worker));
    }

    /** Head h of row r in layer l: scores over the cache's positions 0..pos, softmax, then the values. */
    private void attend(int l, int r, int h, int worker) {
        int C = cfg.embd(), hs = cfg.headSize(), ctx = cfg.contextLen(), n = rowPos[r] + 1;
        GptCache c = rowCache[r];
        float[] s = scores[worker];
        k.gemm(1, n, hs, qkv, r * 3 * C + h * hs, hs, 1, c.kT[l], h * hs * ctx, ctx, s, 0, n, null, 0, false);
        k.softmaxForward(s, 0, n, scale);
        k.gemm(1, hs, n, s, 0, n, 1, c.v[l], h * hs, C, atty, r * C + h * hs, C, null, 0, false);
    }

    /** LayerNorm of rows [r0, r1) of x into out. */
    private void lnRows(float[] out, float[] in, int wOff, ParameterLayout.Tensor bias, int bRel, int r0, int r1) {
        int C = cfg.embd();
        float[] b = cfg.bias() ? params : null;
        int bOff = cfg.bias() ? bias.offset() + bRel : 0;
        for (int r = r0; r < r1; r++) k.layerNormForward(out, r * C, in, r * C, params, wOff, b, bOff, C, Gpt.LN_EPS, stats, 2 * r);
    }

    /** Rows [r0, r1) of out (rows, n) = in (rows, kDim) @ W (kDim, n) + bias. */
    private void lin(float[] out, float[] in, int r0, int r1, int kDim, int n, int wOff, ParameterLayout.Tensor bias, int bRel, boolean serial) {
        float[] b = cfg.bias() ? params : null;
        int bOff = cfg.bias() ? bias.offset() + bRel : 0;
        product(k, par, out, in, r0, r1, kDim, n, params, wOff, b, bOff, serial);
    }

    private void ensure(int rows) {
        if (rows <= cap) return;
        int C = cfg.embd();
        cap = Math.max(rows, 2 * cap);
        x = new float[cap * C];
        lo = new float[cap * C];
        qkv = new float[cap * 3 * C];
        atty = new float[cap * C];
        tmp = new float[cap * C];
        res2 = new float[cap * C];
        fch = new float[cap * 4 * C];
        gelu = new float[cap * 4 * C];
        tanh = new float[cap * 4 * C];
        stats = new float[cap * 2];
        rowPos = new int[cap];
        rowCache = new GptCache[cap];
    }

}
