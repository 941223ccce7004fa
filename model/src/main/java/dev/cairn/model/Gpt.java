package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;

/**
 * A GPT-2-style decoder with forward and backward written out per op (llm.c style): learned token and
 * position embeddings, pre-LayerNorm blocks, causal multi-head attention, 4x MLP with tanh-GELU, final
 * LayerNorm, output head tied to the token embedding.
 *
 * <p>Every parallel loop splits work by output ownership and every float reduction has a fixed order
 * (see {@link Kernels}), so the parameters after a step are the same bits for any thread count and
 * either kernel set. Attention works in tiles of {@value #ATT_TILE} query rows; a tile computes scores
 * up to its last row and the masked entries are exact zeros, so the tile size is part of the numerical
 * definition (shared by both kernel sets) while the thread count is not.
 */
public final class Gpt {
    /** Query rows per attention tile. Part of the numerical definition: do not change without a version bump. */
    public static final int ATT_TILE = 16;
    public static final float LN_EPS = 1e-5f;

    public final GptConfig cfg;
    public final ParameterLayout layout;
    public final float[] params;
    public final float[] grads;
    private final Kernels k;
    private final Parallel par;

    // Activations for the last forward pass, sized for maxBT rows (llm.c's ActivationTensors).
    private int capBT, capB, B, T;
    private int[] inputs, targets;
    private float[] encoded;        // (B*T, C)
    private float[][] ln1, ln1s;    // L x (BT, C), L x (BT, 2) mean and rstd
    private float[][] qkv;          // L x (BT, 3C)
    private float[][] att;          // L x (B, NH, T, T) softmax probabilities, masked entries 0
    private float[][] atty;         // L x (BT, C)
    private float[][] res2;         // L x (BT, C) residual after attention
    private float[][] ln2, ln2s;    // L x (BT, C), (BT, 2)
    private float[][] fch, fchg;    // L x (BT, 4C) before and after GELU
    private float[][] res3;         // L x (BT, C) residual after the MLP
    private float[] lnf, lnfs;      // (BT, C), (BT, 2)
    private float[] logits;         // (BT, V); after a forward with targets: d loss / d logits
    private float[] losses;         // (BT)
    private float[] tmp;            // (BT, C) projection outputs before the residual add
    // Backward scratch.
    private float[] dres, dln, dbig, dqkv, datty;
    private float[][] workerTT;     // per worker (T, T) attention gradient scratch
    private float[][] workerT;      // per worker (hs, T) transposed K or V
    private float[] wT;             // a weight matrix transposed, (out, in)

    public Gpt(GptConfig cfg, Kernels kernels, Parallel parallel) {
        this.cfg = cfg;
        this.layout = new ParameterLayout(cfg);
        this.params = new float[layout.size()];
        this.grads = new float[layout.size()];
        this.k = kernels;
        this.par = parallel;
    }

    public Kernels kernels() {
        return k;
    }

    public Parallel parallel() {
        return par;
    }

    /**
     * GPT-2 initialisation from the counter-based generator: 2-D weights N(0, 0.02), residual projections
     * N(0, 0.02/sqrt(2L)), LayerNorm weights 1, biases 0. Element i of the flat buffer uses counter i.
     */
    public void initialize(long seed) {
        Philox rng = new Philox(seed);
        float residualStd = (float) (0.02 / StrictMath.sqrt(2.0 * cfg.layers()));
        for (ParameterLayout.Tensor t : layout.tensors()) {
            boolean ln = t.name().startsWith("ln");
            boolean bias = t.shape().length > 0 && !t.decay() && !ln;
            float std = t.name().equals("attprojw") || t.name().equals("fcprojw") ? residualStd : 0.02f;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                if (ln && t.name().endsWith("w")) params[i] = 1f;
                else if (ln || bias) params[i] = 0f;
                else params[i] = (float) rng.normal(Philox.PURPOSE_INIT, 0, i) * std;
            }
        }
    }

    private void ensureCapacity(int b, int t) {
        int bt = b * t;
        if (bt <= capBT && b <= capB && workerT != null && workerT[0].length >= cfg.headSize() * t) {
            return;
        }
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), NH = cfg.heads();
        capBT = bt;
        capB = b;
        encoded = new float[bt * C];
        ln1 = new float[L][bt * C];
        ln1s = new float[L][bt * 2];
        qkv = new float[L][bt * 3 * C];
        att = new float[L][b * NH * t * t];
        atty = new float[L][bt * C];
        res2 = new float[L][bt * C];
        ln2 = new float[L][bt * C];
        ln2s = new float[L][bt * 2];
        fch = new float[L][bt * 4 * C];
        fchg = new float[L][bt * 4 * C];
        res3 = new float[L][bt * C];
        lnf = new float[bt * C];
        lnfs = new float[bt * 2];
        logits = new float[bt * V];
        losses = new float[bt];
        tmp = new float[bt * C];
        dres = dln = dbig = dqkv = datty = null; // backward scratch is allocated on first backward
        workerTT = new float[par.threads()][t * t];
        workerT = new float[par.threads()][cfg.headSize() * t];
        wT = new float[Math.max(4 * C * C, V * C)];
    }

    // ------------------------------------------------------------------------------------ forward

    /**
     * Runs the model on B sequences of T tokens (inputs row-major (B, T)). With targets, returns the mean
     * cross-entropy loss and leaves d loss / d logits ready for {@link #backward()}; without, returns NaN
     * and leaves the logits readable through {@link #logitsAt}.
     */
    public float forward(int[] inputs, int[] targets, int B, int T) {
        if (T > cfg.contextLen()) throw new IllegalArgumentException("sequence length " + T + " exceeds context " + cfg.contextLen());
        ensureCapacity(B, T);
        this.B = B;
        this.T = T;
        this.inputs = inputs;
        this.targets = targets;
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), BT = B * T;
        ParameterLayout P = layout;
        float[] p = params;
        for (int i = 0; i < BT; i++) {
            int tok = inputs[i];
            if (tok < 0 || tok >= V) throw new IllegalArgumentException("token id " + tok + " outside vocabulary of " + V);
        }
        // Embedding: encoded[b,t] = wte[token] + wpe[t].
        par.forRange(BT, 64, (r0, r1) -> {
            for (int r = r0; r < r1; r++) k.add(encoded, r * C, p, P.wte.offset() + inputs[r] * C, p, P.wpe.offset() + (r % T) * C, C);
        });
        for (int l = 0; l < L; l++) {
            float[] x = l == 0 ? encoded : res3[l - 1];
            layerNorm(ln1[l], ln1s[l], x, P.ln1w.offset() + l * C, P.ln1b, l * C, BT);
            linear(qkv[l], ln1[l], P.qkvw.offset() + l * C * 3 * C, P.qkvb, l * 3 * C, BT, C, 3 * C);
            attentionForward(l);
            linear(tmp, atty[l], P.attprojw.offset() + l * C * C, P.attprojb, l * C, BT, C, C);
            addRows(res2[l], x, tmp, BT, C);
            layerNorm(ln2[l], ln2s[l], res2[l], P.ln2w.offset() + l * C, P.ln2b, l * C, BT);
            linear(fch[l], ln2[l], P.fcw.offset() + l * C * 4 * C, P.fcb, l * 4 * C, BT, C, 4 * C);
            float[] fh = fch[l], fg = fchg[l];
            par.forRange(BT, 16, (r0, r1) -> k.geluForward(fg, r0 * 4 * C, fh, r0 * 4 * C, (r1 - r0) * 4 * C));
            linear(tmp, fchg[l], P.fcprojw.offset() + l * 4 * C * C, P.fcprojb, l * C, BT, 4 * C, C);
            addRows(res3[l], res2[l], tmp, BT, C);
        }
        layerNorm(lnf, lnfs, res3[L - 1], P.lnfw.offset(), P.lnfb, 0, BT);
        // Tied head: logits = lnf @ wte^T.
        transpose(p, P.wte.offset(), V, C, wT);
        linear(logits, lnf, -1, null, 0, BT, C, V);
        if (targets == null) return Float.NaN;
        float gradScale = 1f / BT;
        par.forRange(BT, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int tgt = targets[r];
                if (tgt < 0 || tgt >= V) throw new IllegalArgumentException("target id " + tgt + " outside vocabulary of " + V);
                losses[r] = k.crossEntropy(logits, r * V, V, tgt, gradScale);
            }
        });
        double sum = 0;
        for (int r = 0; r < BT; r++) sum += losses[r]; // fixed order
        return (float) (sum / BT);
    }

    /** The logits of row (b, t) of the last forward pass without targets. */
    public float[] logitsAt(int b, int t, float[] out) {
        int V = cfg.vocabSize();
        System.arraycopy(logits, (b * T + t) * V, out, 0, V);
        return out;
    }

    private void layerNorm(float[] out, float[] stats, float[] x, int wOff, ParameterLayout.Tensor bias, int bRel, int BT) {
        int C = cfg.embd();
        float[] b = cfg.bias() ? params : null;
        int bOff = cfg.bias() ? bias.offset() + bRel : 0;
        par.forRange(BT, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) k.layerNormForward(out, r * C, x, r * C, params, wOff, b, bOff, C, LN_EPS, stats, 2 * r);
        });
    }

    /** out (rows, n) = in (rows, kDim) @ W (kDim, n) + bias; wOff < 0 means W is the transposed scratch wT. */
    private void linear(float[] out, float[] in, int wOff, ParameterLayout.Tensor bias, int bRel, int rows, int kDim, int n) {
        float[] w = wOff < 0 ? wT : params;
        int wo = Math.max(0, wOff);
        float[] b = cfg.bias() && bias != null ? params : null;
        int bOff = b != null ? bias.offset() + bRel : 0;
        par.forRange(rows, 24, (r0, r1) ->
                k.gemm(r1 - r0, n, kDim, in, r0 * kDim, kDim, 1, w, wo, n, out, r0 * n, n, b, bOff, false));
    }

    private void addRows(float[] out, float[] a, float[] b, int rows, int C) {
        par.forRange(rows, 64, (r0, r1) -> k.add(out, r0 * C, a, r0 * C, b, r0 * C, (r1 - r0) * C));
    }

    /** dst (cols, rows) = src[off ..] (rows, cols) transposed. */
    private void transpose(float[] src, int off, int rows, int cols, float[] dst) {
        par.forRange(cols, 16, (c0, c1) -> {
            for (int r0 = 0; r0 < rows; r0 += 32) { // blocked, so both sides stay in cache
                int r1 = Math.min(rows, r0 + 32);
                for (int cb = c0; cb < c1; cb += 32) {
                    int cbEnd = Math.min(c1, cb + 32);
                    for (int c = cb; c < cbEnd; c++) {
                        int d = c * rows;
                        for (int r = r0; r < r1; r++) dst[d + r] = src[off + r * cols + c];
                    }
                }
            }
        });
    }

    private void attentionForward(int l) {
        int C = cfg.embd(), NH = cfg.heads(), hs = cfg.headSize(), C3 = 3 * C;
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        float[] q = qkv[l], a = att[l], y = atty[l];
        par.forEach(B * NH, (task, worker) -> {
            int b = task / NH, h = task % NH;
            float[] kT = workerT[worker];
            int base = b * T * C3 + h * hs;
            for (int t = 0; t < T; t++) {
                for (int d = 0; d < hs; d++) kT[d * T + t] = q[base + t * C3 + C + d];
            }
            int ab = task * T * T;
            for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
                int r1 = Math.min(T, r0 + ATT_TILE);
                k.gemm(r1 - r0, r1, hs, q, base + r0 * C3, C3, 1, kT, 0, T, a, ab + r0 * T, T, null, 0, false);
            }
            for (int t = 0; t < T; t++) {
                int row = ab + t * T;
                k.softmaxForward(a, row, t + 1, scale);
                java.util.Arrays.fill(a, row + t + 1, row + T, 0f);
            }
            for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
                int r1 = Math.min(T, r0 + ATT_TILE);
                k.gemm(r1 - r0, hs, r1, a, ab + r0 * T, T, 1, q, base + 2 * C, C3,
                        y, (b * T + r0) * C + h * hs, C, null, 0, false);
            }
        });
    }

    // ------------------------------------------------------------------------------------ backward

    /** Gradients of the last forward pass's mean loss with respect to every parameter, into {@link #grads}. */
    public void backward() {
        if (targets == null) throw new IllegalStateException("backward needs a forward pass with targets");
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), BT = B * T;
        ParameterLayout P = layout;
        if (dres == null) {
            dres = new float[capBT * C];
            dln = new float[capBT * C];
            dbig = new float[capBT * 4 * C];
            dqkv = new float[capBT * 3 * C];
            datty = new float[capBT * C];
        }
        java.util.Arrays.fill(grads, 0f);
        // Head: dlnf = dlogits @ wte; dwte = dlogits^T @ lnf.
        gemmRows(dln, logits, params, P.wte.offset(), BT, V, C);
        weightGrad(P.wte.offset(), logits, lnf, BT, V, C);
        java.util.Arrays.fill(dres, 0, BT * C, 0f);
        layerNormBackward(dres, dln, res3[L - 1], lnfs, P.lnfw.offset(), P.lnfb, 0, BT);
        for (int l = L - 1; l >= 0; l--) {
            float[] x = l == 0 ? encoded : res3[l - 1];
            // MLP: res3 = res2 + fcproj(gelu(fc(ln2(res2)))).
            int fcpw = P.fcprojw.offset() + l * 4 * C * C;
            weightGrad(fcpw, fchg[l], dres, BT, 4 * C, C);
            biasGrad(P.fcprojb, l * C, dres, BT, C);
            transpose(params, fcpw, 4 * C, C, wT);              // (C, 4C)
            gemmRows(dbig, dres, wT, 0, BT, C, 4 * C);             // d fchg
            float[] fh = fch[l];
            par.forRange(BT, 16, (r0, r1) -> k.geluBackward(dbig, r0 * 4 * C, fh, r0 * 4 * C, dbig, r0 * 4 * C, (r1 - r0) * 4 * C));
            int fcw = P.fcw.offset() + l * C * 4 * C;
            weightGrad(fcw, ln2[l], dbig, BT, C, 4 * C);
            biasGrad(P.fcb, l * 4 * C, dbig, BT, 4 * C);
            transpose(params, fcw, C, 4 * C, wT);                // (4C, C)
            gemmRows(dln, dbig, wT, 0, BT, 4 * C, C);              // d ln2
            layerNormBackward(dres, dln, res2[l], ln2s[l], P.ln2w.offset() + l * C, P.ln2b, l * C, BT);
            // Attention: res2 = x + attproj(attention(qkv(ln1(x)))).
            int apw = P.attprojw.offset() + l * C * C;
            weightGrad(apw, atty[l], dres, BT, C, C);
            biasGrad(P.attprojb, l * C, dres, BT, C);
            transpose(params, apw, C, C, wT);
            gemmRows(datty, dres, wT, 0, BT, C, C);
            attentionBackward(l);
            int qw = P.qkvw.offset() + l * C * 3 * C;
            weightGrad(qw, ln1[l], dqkv, BT, C, 3 * C);
            biasGrad(P.qkvb, l * 3 * C, dqkv, BT, 3 * C);
            transpose(params, qw, C, 3 * C, wT);                 // (3C, C)
            gemmRows(dln, dqkv, wT, 0, BT, 3 * C, C);
            layerNormBackward(dres, dln, x, ln1s[l], P.ln1w.offset() + l * C, P.ln1b, l * C, BT);
        }
        // Embeddings: each channel range owned by one task, rows added in (b, t) order.
        int wte = P.wte.offset(), wpe = P.wpe.offset();
        par.forRange(C, 16, (c0, c1) -> {
            for (int r = 0; r < BT; r++) {
                int src = r * C, te = wte + inputs[r] * C, pe = wpe + (r % T) * C;
                for (int c = c0; c < c1; c++) {
                    grads[te + c] += dres[src + c];
                    grads[pe + c] += dres[src + c];
                }
            }
        });
    }

    /** out (rows, n) = in (rows, kDim) @ w[wOff ..] (kDim, n). */
    private void gemmRows(float[] out, float[] in, float[] w, int wOff, int rows, int kDim, int n) {
        par.forRange(rows, 24, (r0, r1) -> k.gemm(r1 - r0, n, kDim, in, r0 * kDim, kDim, 1, w, wOff, n, out, r0 * n, n, null, 0, false));
    }

    /** grads[wOff ..] (in, out) += x^T (in, rows) @ dy (rows, out); rows of the gradient split between tasks. */
    private void weightGrad(int wOff, float[] x, float[] dy, int rows, int in, int out) {
        par.forRange(in, 6, (m0, m1) -> k.gemm(m1 - m0, out, rows, x, m0, 1, in, dy, 0, out, grads, wOff + m0 * out, out, null, 0, true));
    }

    private void biasGrad(ParameterLayout.Tensor bias, int rel, float[] dy, int rows, int n) {
        if (!cfg.bias()) return;
        int off = bias.offset() + rel;
        par.forRange(n, 16, (j0, j1) -> k.columnSums(grads, off, dy, 0, rows, n, j0, j1));
    }

    private void layerNormBackward(float[] dx, float[] dout, float[] x, float[] stats, int wOff, ParameterLayout.Tensor bias, int bRel, int BT) {
        int C = cfg.embd();
        float[] db = cfg.bias() ? grads : null;
        int dbOff = cfg.bias() ? bias.offset() + bRel : 0;
        par.forRange(C, 16, (c0, c1) -> k.layerNormParamGrads(grads, wOff, db, dbOff, dout, x, BT, C, stats, c0, c1));
        par.forRange(BT, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) k.layerNormBackward(dx, r * C, dout, r * C, x, r * C, params, wOff, C, stats, 2 * r);
        });
    }

    private void attentionBackward(int l) {
        int C = cfg.embd(), NH = cfg.heads(), hs = cfg.headSize(), C3 = 3 * C;
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        float[] q = qkv[l], a = att[l];
        par.forEach(B * NH, (task, worker) -> {
            int b = task / NH, h = task % NH;
            float[] vT = workerT[worker], dp = workerTT[worker];
            int base = b * T * C3 + h * hs, ybase = b * T * C + h * hs, ab = task * T * T;
            for (int t = 0; t < T; t++) {
                for (int d = 0; d < hs; d++) vT[d * T + t] = q[base + t * C3 + 2 * C + d];
            }
            for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
                int r1 = Math.min(T, r0 + ATT_TILE);
                // d att (tile rows, columns up to the tile's end) = d y @ v^T
                k.gemm(r1 - r0, r1, hs, datty, ybase + r0 * C, C, 1, vT, 0, T, dp, r0 * T, T, null, 0, false);
                // d v (rows r0..r1) = att^T @ d y, over query rows t1 >= r0 (earlier rows see zeros)
                k.gemm(r1 - r0, hs, T - r0, a, ab + r0 * T + r0, 1, T, datty, ybase + r0 * C, C,
                        dqkv, base + r0 * C3 + 2 * C, C3, null, 0, false);
            }
            for (int t = 0; t < T; t++) {
                int row = t * T;
                k.softmaxBackward(dp, row, a, ab + row, dp, row, t + 1, scale);
                int tileEnd = Math.min(T, (t / ATT_TILE + 1) * ATT_TILE);
                java.util.Arrays.fill(dp, row + t + 1, row + tileEnd, 0f);
            }
            for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
                int r1 = Math.min(T, r0 + ATT_TILE);
                // d q = d pre @ k ; d k = d pre^T @ q (over t1 >= r0)
                k.gemm(r1 - r0, hs, r1, dp, r0 * T, T, 1, q, base + C, C3, dqkv, base + r0 * C3, C3, null, 0, false);
                k.gemm(r1 - r0, hs, T - r0, dp, r0 * T + r0, 1, T, q, base + r0 * C3, C3,
                        dqkv, base + r0 * C3 + C, C3, null, 0, false);
            }
        });
    }
}
