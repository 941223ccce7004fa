package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;

/**
 * The Llama key/value cache: every row goes through the same kernel calls {@link Llama#forward} makes for it
 * (RMSNorm and the rotation per row, products as one fma chain per output element, softmax per row), so each
 * sequence's logits are the full pass's bits. A cache holds the rotated keys of each key/value head (transposed,
 * (KV, hs, ctx)) and the values ((ctx, KV*hs)) per layer: grouped-query attention keeps KV heads, not NH.
 */
final class LlamaKvDecoder extends KvDecoder {
    final class LlamaCache extends Cache {
        final float[][] kT, v;

        private LlamaCache() {
            int L = cfg.layers(), kv = cfg.kvHeads() * cfg.headSize(), ctx = cfg.contextLen();
            kT = new float[L][kv * ctx];
            v = new float[L][ctx * kv];
        }
    }


    private final LlamaConfig cfg;
    private final LlamaLayout P;
    private final float[] params, cos, sin;
    private final Kernels k;
    private final Parallel par;
    private final float[] wT; // the head transposed (C, V)
    private final float scale;
    private int cap;
    private float[] x, lo, stats, qkv, atty, tmp, res2, gu, h;
    private final float[][] scores;
    private int[] rowPos;
    private LlamaCache[] rowCache;

    LlamaKvDecoder(Llama model) {
        this.cfg = model.cfg;
        this.P = model.layout;
        this.params = model.params;
        this.cos = model.cos;
        this.sin = model.sin;
        this.k = model.kernels();
        this.par = model.parallel();
        int V = cfg.vocabSize(), C = cfg.embd(), out = P.output().offset();
        wT = new float[C * V];
        par.forRange(C, 16, (c0, c1) -> k.transpose(params, out + c0, V, c1 - c0, C, wT, c0 * V, V));
        scale = (float) (1.0 / StrictMath.sqrt(cfg.headSize()));
        scores = new float[par.threads()][cfg.contextLen()];
    }

    @Override
    public LlamaConfig config() {
        return cfg;
    }

    @Override
    public Cache newCache() {
        return new LlamaCache();
    }

    @Override
    public void append(Cache[] caches, int[][] tokens, float[] logits) {
        check(caches, tokens, logits);
        int V = cfg.vocabSize(), C = cfg.embd(), L = cfg.layers(), Q = cfg.qkvWidth(), F = cfg.hidden(), R = 0;
        for (int[] t : tokens) R += t.length;
        ensure(R);
        int[] last = new int[caches.length];
        for (int i = 0, r = 0; i < caches.length; i++) {
            for (int j = 0; j < tokens[i].length; j++, r++) {
                rowCache[r] = (LlamaCache) caches[i];
                rowPos[r] = caches[i].length + j;
                System.arraycopy(params, P.embed.offset() + tokens[i][j] * C, x, r * C, C);
            }
            last[i] = r - 1;
        }
        int rows = R, hs = cfg.headSize(), half = hs / 2, rotated = cfg.heads() + cfg.kvHeads();
        for (int l = 0; l < L; l++) {
            int layer = l;
            for (int r = 0; r < rows; r++) k.rmsNormForward(lo, r * C, x, r * C, params, P.attnNorm.offset() + l * C, C, cfg.normEps(), stats, r);
            lin(qkv, lo, rows, C, Q, P.qkvw.offset() + l * C * Q);
            for (int r = 0; r < rows; r++) {
                int cs = rowPos[r] * half;
                for (int hd = 0; hd < rotated; hd++) k.rope(qkv, r * Q + hd * hs, half, cos, sin, cs, false);
            }
            storeKeysValues(l, rows);
            attendAll(layer, rows);
            lin(tmp, atty, rows, C, C, P.wo.offset() + l * C * C);
            k.add(res2, 0, x, 0, tmp, 0, rows * C);
            for (int r = 0; r < rows; r++) k.rmsNormForward(lo, r * C, res2, r * C, params, P.mlpNorm.offset() + l * C, C, cfg.normEps(), stats, r);
            lin(gu, lo, rows, C, 2 * F, P.gateUpw.offset() + l * C * 2 * F);
            for (int r = 0; r < rows; r++) k.swigluForward(h, r * F, gu, r * 2 * F, gu, r * 2 * F + F, F);
            lin(tmp, h, rows, F, C, P.downw.offset() + l * F * C);
            k.add(x, 0, res2, 0, tmp, 0, rows * C);
        }
        for (int r = 0; r < rows; r++) rowCache[r].length = Math.max(rowCache[r].length, rowPos[r] + 1);
        int n = caches.length;
        for (int i = 0; i < n; i++) System.arraycopy(x, last[i] * C, res2, i * C, C);
        for (int i = 0; i < n; i++) k.rmsNormForward(lo, i * C, res2, i * C, params, P.norm.offset(), C, cfg.normEps(), stats, i);
        product(k, par, logits, lo, n, C, V, wT, 0, null, 0);
    }


    /** The rotated keys and the values of every row, into their caches at the row's position. */
    private void storeKeysValues(int l, int rows) {
        int C = cfg.embd(), Q = cfg.qkvWidth(), kv = cfg.kvHeads() * cfg.headSize(), ctx = cfg.contextLen();
        for (int r = 0; r < rows; r++) {
            LlamaCache c = rowCache[r];
            int pos = rowPos[r], q = r * Q;
            float[] kT = c.kT[l];
            for (int i = 0; i < kv; i++) kT[i * ctx + pos] = qkv[q + C + i];
            System.arraycopy(qkv, q + C + kv, c.v[l], pos * kv, kv);
        }
    }

    private void attendAll(int l, int rows) {
        int NH = cfg.heads();
        long work = 0;
        for (int r = 0; r < rows; r++) work += (long) (rowPos[r] + 1) * cfg.embd();
        forHeads(par, rows, NH, work, (t, worker) -> attend(l, t / NH, t % NH, worker));
    }

    /** Query head hd of row r: scores over its key/value head's cached positions 0..pos, softmax, the values. */
    private void attend(int l, int r, int hd, int worker) {
        int C = cfg.embd(), Q = cfg.qkvWidth(), hs = cfg.headSize(), ctx = cfg.contextLen(), kv = cfg.kvHeads() * hs, n = rowPos[r] + 1;
        int g = hd / (cfg.heads() / cfg.kvHeads());
        LlamaCache c = rowCache[r];
        float[] s = scores[worker];
        k.gemm(1, n, hs, qkv, r * Q + hd * hs, hs, 1, c.kT[l], g * hs * ctx, ctx, s, 0, n, null, 0, false);
        k.softmaxForward(s, 0, n, scale);
        k.gemm(1, hs, n, s, 0, n, 1, c.v[l], g * hs, kv, atty, r * C + hd * hs, C, null, 0, false);
    }

    private void lin(float[] out, float[] in, int rows, int kDim, int n, int wOff) {
        product(k, par, out, in, rows, kDim, n, params, wOff, null, 0);
    }

    private void ensure(int rows) {
        if (rows <= cap) return;
        int C = cfg.embd(), F = cfg.hidden();
        cap = Math.max(rows, 2 * cap);
        x = new float[cap * C];
        lo = new float[cap * C];
        stats = new float[cap];
        qkv = new float[cap * cfg.qkvWidth()];
        atty = new float[cap * C];
        tmp = new float[cap * C];
        res2 = new float[cap * C];
        gu = new float[cap * 2 * F];
        h = new float[cap * F];
        rowPos = new int[cap];
        rowCache = new LlamaCache[cap];
    }
}
