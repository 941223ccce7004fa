package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import dev.cairn.numerics.Pipeline;

/**
 * A GPT-2-style decoder with forward and backward written out per op (llm.c style): learned token and
 * position embeddings, pre-LayerNorm blocks, causal multi-head attention, 4x MLP with tanh-GELU, final
 * LayerNorm, output head tied to the token embedding.
 *
 * <p>Every parallel loop splits work by output ownership and every float reduction has a fixed order
 * (see {@link Kernels}), so the parameters after a step are the same bits for any thread count and
 * either kernel set. Attention works in tiles of {@value #ATT_TILE} query rows; a tile's products run up to
 * its last row, and the masked entries they meet are exact zeros. The tile thus only decides how many
 * zero terms a chain sees (which cannot move a non-zero sum); both kernel sets share it all the same.
 */
public final class Gpt implements LanguageModel {
    /** Query rows per attention tile: two six-row groups of the gemm micro-kernel. Shared by both kernel sets. */
    public static final int ATT_TILE = 12;
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
    private float[][] ln1, ln1s;    // L x (BT, C) kept only by the by-layer passes (allocated there), L x (BT, 2) mean and rstd
    private float[][] qkv;          // L x (BT, 3C)
    private float[][] att;          // L x (B, NH, T, T) softmax probabilities, masked entries 0; null unless every layer is kept
    private float[][] atty;         // L x (BT, C)
    private float[][] res2;         // L x (BT, C) residual after attention
    private float[][] ln2, ln2s;    // as ln1, ln1s
    private float[][] lnOut;        // per block of sequences (2, rows, C): ln1 and ln2 outputs, used where they are made
    private float[][] fch;          // L x (BT, 4C) before GELU
    private float[][] fchg;         // L x (BT, 4C) after GELU, kept only by the by-layer passes (allocated there)
    private float[][] geluOut;      // per block of sequences (rows, 4C): the GELU's output, used where it is made
    private float[][] fcht;         // L x (BT, 4C) the GELU's tanh, kept for the backward pass
    private float[][] res3;         // L x (BT, C) residual after the MLP
    private float[] lnf, lnfs;      // (BT, C), (BT, 2)
    private float[] logits;         // (BT, V); after a forward with targets: d loss / d logits
    private float[] losses;         // (BT)
    private float[] tmp;            // (BT, C) projection outputs before the residual add
    // Backward scratch.
    private float[] dres, dln, dbig, dqkv, datty;
    // the staged backward's activation gradients, by layer through of(): gX alternates two sets, the rest have one
    private float[][] gX;           // 2 x (BT, C): d loss / d (input of block l); of(gX, L) from the final LayerNorm
    private float[][] gMid, gLn2, gLn1; // 1 x (BT, C): d res2, d ln2 output, d ln1 output
    private float[][] gBig, gQkv;   // 1 x (BT, 4C) d fch (GELU backward done), 1 x (BT, 3C) d qkv
    private float[] gLnf;           // (BT, C) d lnf output
    private float[][] workerTT;     // per worker (T, T) attention gradient scratch
    private float[][] workerT;      // per worker (hs, T) transposed K (forward) or V (backward)
    private float[][] workerK, workerP; // per worker (hs, T) transposed K and (T, T) probabilities, for a backward without att
    private Pipeline pipe;          // the backward stages' progress (one stage per worker)
    private float[] wT;             // wte transposed, (C, V), for the tied head
    private float[] wTall;          // every layer's weight matrices transposed, for the input gradients
    private boolean wTallFresh;     // wTall was written from params by the last forward pass (staged, with targets)

    public Gpt(GptConfig cfg, Kernels kernels, Parallel parallel) {
        this.cfg = cfg;
        this.layout = new ParameterLayout(cfg);
        this.params = new float[layout.size()];
        this.grads = new float[layout.size()];
        this.k = kernels;
        this.par = parallel;
    }

    @Override public GptConfig config() { return cfg; }
    @Override public float[] params() { return params; }
    @Override public float[] grads() { return grads; }
    @Override public java.util.List<ParameterLayout.Tensor> tensors() { return layout.tensors(); }

    @Override
    public boolean stackedOverLayers(ParameterLayout.Tensor t) {
        ParameterLayout P = layout;
        return t != P.wte && t != P.wpe && t != P.lnfw && t != P.lnfb;
    }

    @Override
    public Kernels kernels() {
        return k;
    }

    @Override
    public Parallel parallel() {
        return par;
    }

    /**
     * GPT-2 initialisation from the counter-based generator: 2-D weights N(0, 0.02), residual projections
     * N(0, 0.02/sqrt(2L)), LayerNorm weights 1, biases 0. Element i of the flat buffer uses counter i.
     */
    @Override
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
        capBT = 0; // until every buffer below is in place
        activations = null;
        encoded = new float[bt * C];
        ln1 = ln2 = fchg = null;
        lnOut = new float[par.threads()][];
        ln1s = new float[L][bt * 2];
        ln2s = new float[L][bt * 2];
        res3 = new float[L][bt * C];
        activations = new Activations(L, keptLayers);
        qkv = activations.perLayer(L, bt * 3 * C);
        att = keptLayers >= L ? activations.perLayer(L, b * NH * t * t) : null;
        atty = activations.perLayer(L, bt * C);
        res2 = activations.perLayer(L, bt * C);
        fch = activations.perLayer(L, bt * 4 * C);
        fcht = activations.perLayer(L, bt * 4 * C);
        geluOut = new float[par.threads()][];
        lnf = new float[bt * C];
        lnfs = new float[bt * 2];
        logits = new float[bt * V];
        losses = new float[bt];
        tmp = new float[bt * C];
        dres = dln = dbig = dqkv = datty = gLnf = null; // backward scratch is allocated on first backward
        gX = gMid = gLn2 = gLn1 = gBig = gQkv = null;
        workerTT = new float[par.threads()][t * t];
        workerT = new float[par.threads()][cfg.headSize() * t];
        workerK = att == null ? new float[par.threads()][cfg.headSize() * t] : null; // for the probabilities taken again
        workerP = att == null ? new float[par.threads()][t * t] : null;
        wT = new float[V * C];
        capBT = bt;
        capB = b;
    }

    private int keptLayers = Integer.MAX_VALUE;
    private Activations activations;

    /**
     * How many layers (the last ones) keep their activations from the forward pass for the backward pass; the
     * others share one set of buffers, and the backward pass recomputes each from its kept input (the same
     * operations, so the same bits) right before its gradients. All by default.
     */
    @Override
    public void keepActivations(int layers) {
        if (layers < 0) throw new IllegalArgumentException("layers to keep must be at least 0, got " + layers);
        if (layers != keptLayers) capBT = 0; // buffers are laid out again at the next forward pass
        keptLayers = layers;
    }

    @Override
    public int keptLayers() {
        return Math.min(keptLayers, cfg.layers());
    }

    @Override
    public long activationBytes(int b, int t, int kept) {
        long C = cfg.embd(), L = cfg.layers(), bt = (long) b * t;
        long perLayer = bt * (3 * C + C + C + 4 * C + 4 * C) // qkv atty res2 fch fcht, and att where every layer is kept
                + (kept >= L ? (long) b * cfg.heads() * t * t : 0);
        if (b < 2 * par.threads() && b % par.threads() != 0) perLayer += bt * (4 * C + C + C); // the by-layer pass keeps fchg ln1 ln2
        long always = L * bt * (C + 4) + bt * (C + C + C + cfg.vocabSize() + 1) // res3 and LayerNorm stats; encoded lnf tmp logits losses
                + bt * (2 * C + 4 * C) // the blocks' LayerNorm and GELU outputs
                + bt * (5 * C + C + 4 * C + 3 * C + C) // the backward's gradients: gX (2), gMid, gLn2, gLn1, gLnf, gBig, gQkv, datty
                + (long) cfg.vocabSize() * C // the head's transpose
                + (long) par.threads() * 2 * ((long) t * t + (long) cfg.headSize() * t); // each worker's attention scratch
        return 4 * (always + Activations.sets(cfg.layers(), kept) * perLayer);
    }

    // ------------------------------------------------------------------------------------ forward

    private DeferredUpdate deferred;
    private SequenceSink sink; // set only while forward(inputs, B, T, sink) runs its pass without targets
    private final java.util.concurrent.atomic.AtomicInteger layersUpdated = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void deferUpdate(DeferredUpdate u) {
        deferred = u;
    }

    @Override
    public void forward(int[] inputs, int B, int T, SequenceSink sink) {
        this.sink = sink;
        try {
            forward(inputs, null, B, T);
        } finally {
            this.sink = null;
        }
    }

    /**
     * Runs the model on B sequences of T tokens (inputs row-major (B, T)). With targets, returns the mean
     * cross-entropy loss and leaves d loss / d logits ready for {@link #backward()}; without, returns NaN
     * and leaves the logits readable through {@link #logitsAt}.
     */
    @Override
    public float forward(int[] inputs, int[] targets, int B, int T) {
        if (T > cfg.contextLen()) throw new IllegalArgumentException("sequence length " + T + " exceeds context " + cfg.contextLen());
        ensureCapacity(B, T);
        this.B = B;
        this.T = T;
        this.inputs = inputs;
        this.targets = targets;
        wTallFresh = false;
        int V = cfg.vocabSize(), BT = B * T;
        for (int i = 0; i < BT; i++) {
            int tok = inputs[i];
            if (tok < 0 || tok >= V) throw new IllegalArgumentException("token id " + tok + " outside vocabulary of " + V);
            if (targets != null && (targets[i] < 0 || targets[i] >= V)) {
                throw new IllegalArgumentException("target id " + targets[i] + " outside vocabulary of " + V);
            }
        }
        DeferredUpdate update = deferred;
        deferred = null;
        boolean staged = B >= 2 * par.threads() || B % par.threads() == 0;
        if (update != null) {
            update.global();
            if (!staged) {
                for (int l = 0; l < cfg.layers(); l++) update.layer(l, 0, 1);
                update = null;
            }
        }
        transpose(params, layout.wte.offset(), V, cfg.embd(), wT); // the tied head multiplies by wte^T
        float gradScale = 1f / BT;
        if (staged) {
            // Sequences never meet in the forward pass, so each worker carries its block of sequences through
            // every layer: one parallel region, and the activations stay in the core that made them (and
            // that runs their backward stage).
            int blocks = Math.min(par.threads(), B);
            boolean transpose = targets != null; // a forward pass for training readies the backward's weights
            if (transpose && wTall == null) wTall = new float[wTallSize()];
            DeferredUpdate u = update;
            layersUpdated.set(0);
            par.forEach(blocks, blocks, (i, worker) -> {
                try {
                    forwardSequences(i, blocks, B * i / blocks, B * (i + 1) / blocks, worker, gradScale, transpose, u);
                } catch (RuntimeException | Error e) {
                    layersUpdated.set(Integer.MAX_VALUE / 2); // no block waits for a part that will not come
                    throw e;
                }
            });
            wTallFresh = transpose;
        } else {
            forwardByLayer(gradScale);
            SequenceSink done = sink;
            if (done != null) par.forEach(B, done::accept);
        }
        if (targets == null) return Float.NaN;
        double sum = 0;
        for (int r = 0; r < BT; r++) sum += losses[r]; // fixed order
        return (float) (sum / BT);
    }

    /** The forward pass of sequences [b0, b1) alone (rows b0*T .. b1*T-1); the same arithmetic as {@link #forwardByLayer}. */
    private void forwardSequences(int block, int blocks, int b0, int b1, int worker, float gradScale, boolean transpose,
                                  DeferredUpdate update) {
        int L = cfg.layers(), NH = cfg.heads(), r0 = b0 * T, r1 = b1 * T;
        float[] lo = lnOut(block, r1 - r0);
        int ln1At = lnAt(r0, r1, false), ln2At = lnAt(r0, r1, true);
        embedRows(r0, r1);
        updateLayer(update, 0, block, blocks);
        if (transpose) transposeLayerShare(0, block, blocks);
        attentionInputRows(0, encoded, r0, r1, lo, ln1At);
        for (int l = 0; l < L; l++) {
            for (int b = b0; b < b1; b++) {
                for (int h = 0; h < NH; h++) attentionHeadForward(l, b, h, worker);
            }
            blockRestRows(l, r0, r1, geluOut(block, r1 - r0), 0, lo, ln2At);
            if (l + 1 < L) {
                updateLayer(update, l + 1, block, blocks);
                if (transpose) transposeLayerShare(l + 1, block, blocks);
                attentionInputRows(l + 1, res3[l], r0, r1, lo, ln1At);
            } else {
                headRows(r0, r1, gradScale);
                SequenceSink done = sink;
                if (done != null) for (int b = b0; b < b1; b++) done.accept(b, worker);
            }
        }
    }

    /**
     * Block {@code block}'s part of layer l's deferred update, then a wait until every block has done its
     * part: from here on all blocks read layer l's new parameters.
     */
    private void updateLayer(DeferredUpdate update, int l, int block, int blocks) {
        if (update == null) return;
        update.layer(l, block, blocks);
        layersUpdated.incrementAndGet();
        int want = blocks * (l + 1), spins = 0;
        while (layersUpdated.get() < want) {
            if (++spins < 1 << 12) Thread.onSpinWait();
            else Thread.yield(); // more blocks than cores
        }
    }

    /**
     * Block b's buffer for the GELU's output, (rows, 4C). The staged passes do not keep it per layer: the
     * forward pass uses it at once, and the backward pass writes it again from the kept tanh (same bits)
     * right before the fcproj weight gradient reads it, so both read it from cache.
     */
    private float[] geluOut(int b, int rows) {
        int n = rows * 4 * cfg.embd();
        if (geluOut[b] == null || geluOut[b].length < n) geluOut[b] = new float[n];
        return geluOut[b];
    }

    /**
     * Block b's buffer for its LayerNorm outputs, (2, rows, C): ln1's rows, then ln2's. Like the GELU's
     * output, the staged passes do not keep them per layer: the forward pass feeds them to the next product
     * at once, and the backward stage rebuilds them from the kept residuals and stats (same bits) for the
     * weight gradients that read them.
     */
    private float[] lnOut(int b, int rows) {
        int n = 2 * rows * cfg.embd();
        if (lnOut[b] == null || lnOut[b].length < n) lnOut[b] = new float[n];
        return lnOut[b];
    }

    /** Where row r of rows [r0, r1) is in their lnOut buffer: r's ln1 output at lnAt(...) + r*C, ln2's likewise. */
    private int lnAt(int r0, int r1, boolean ln2) {
        return ((ln2 ? r1 - r0 : 0) - r0) * cfg.embd();
    }

    /** The forward pass in row chunks, one region per attention and one per the row-local work between them. */
    private void forwardByLayer(float gradScale) {
        int L = cfg.layers(), BT = B * T;
        if (fchg == null) {
            fchg = activations.perLayer(L, capBT * 4 * cfg.embd());
            ln1 = activations.perLayer(L, capBT * cfg.embd());
            ln2 = activations.perLayer(L, capBT * cfg.embd());
        }
        // Everything between two attentions is row-local, so each row chunk runs it start to end in one task.
        rowRegion(BT, (r0, r1) -> {
            embedRows(r0, r1);
            attentionInputRows(0, encoded, r0, r1, ln1[0], 0);
        });
        for (int l = 0; l < L; l++) {
            attentionForward(l);
            int layer = l;
            rowRegion(BT, (r0, r1) -> {
                blockRestRows(layer, r0, r1, fchg[layer], r0 * 4 * cfg.embd(), ln2[layer], 0);
                if (layer + 1 < L) attentionInputRows(layer + 1, res3[layer], r0, r1, ln1[layer + 1], 0);
                else headRows(r0, r1, gradScale);
            });
        }
    }

    /** Rows per task in row-local regions: a multiple of the gemm micro-kernel's six rows. */
    private static final int ROW_CHUNK = 96;

    private void rowRegion(int rows, Parallel.RangeTask task) {
        int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
        par.forEach(chunks, chunks, (c, w) -> task.run(c * ROW_CHUNK, Math.min(rows, (c + 1) * ROW_CHUNK)));
    }

    private void embedRows(int r0, int r1) {
        int C = cfg.embd();
        for (int r = r0; r < r1; r++) {
            k.add(encoded, r * C, params, layout.wte.offset() + inputs[r] * C, params, layout.wpe.offset() + (r % T) * C, C);
        }
    }

    /** ln1 (row r at lo[loAt + r*C]) and qkv of layer l for rows [r0, r1) of its input x. */
    private void attentionInputRows(int l, float[] x, int r0, int r1, float[] lo, int loAt) {
        int C = cfg.embd();
        ParameterLayout P = layout;
        lnRows(lo, loAt, ln1s[l], x, P.ln1w.offset() + l * C, P.ln1b, l * C, r0, r1);
        linRows(qkv[l], lo, loAt + r0 * C, params, P.qkvw.offset() + l * C * 3 * C, P.qkvb, l * 3 * C, r0, r1, C, 3 * C);
    }

    /**
     * After attention: projection, residual, ln2 (row r at lo[loAt + r*C]), MLP with GELU (output into g from
     * gOff), residual, for rows [r0, r1) of layer l.
     */
    private void blockRestRows(int l, int r0, int r1, float[] g, int gOff, float[] lo, int loAt) {
        int C = cfg.embd();
        ParameterLayout P = layout;
        float[] x = l == 0 ? encoded : res3[l - 1];
        linRows(tmp, atty[l], params, P.attprojw.offset() + l * C * C, P.attprojb, l * C, r0, r1, C, C);
        k.add(res2[l], r0 * C, x, r0 * C, tmp, r0 * C, (r1 - r0) * C);
        lnRows(lo, loAt, ln2s[l], res2[l], P.ln2w.offset() + l * C, P.ln2b, l * C, r0, r1);
        linRows(fch[l], lo, loAt + r0 * C, params, P.fcw.offset() + l * C * 4 * C, P.fcb, l * 4 * C, r0, r1, C, 4 * C);
        k.geluForward(g, gOff, fcht[l], r0 * 4 * C, fch[l], r0 * 4 * C, (r1 - r0) * 4 * C);
        linRows(tmp, g, gOff, params, P.fcprojw.offset() + l * 4 * C * C, P.fcprojb, l * C, r0, r1, 4 * C, C);
        k.add(res3[l], r0 * C, res2[l], r0 * C, tmp, r0 * C, (r1 - r0) * C);
    }

    /** Final LayerNorm, tied head and (with targets) the loss and its gradient, for rows [r0, r1). */
    private void headRows(int r0, int r1, float gradScale) {
        int C = cfg.embd(), V = cfg.vocabSize();
        lnRows(lnf, 0, lnfs, res3[cfg.layers() - 1], layout.lnfw.offset(), layout.lnfb, 0, r0, r1);
        linRows(logits, lnf, wT, 0, null, 0, r0, r1, C, V);
        if (targets == null) return;
        for (int r = r0; r < r1; r++) losses[r] = k.crossEntropy(logits, r * V, V, targets[r], gradScale);
    }

    /** The logits of row (b, t) of the last forward pass without targets. */
    @Override
    public float[] logitsAt(int b, int t, float[] out) {
        int V = cfg.vocabSize();
        System.arraycopy(logits, (b * T + t) * V, out, 0, V);
        return out;
    }

    /** LayerNorm of rows [r0, r1) of x; row r's output at out[outAt + r*C], its mean and rstd at stats[2r]. */
    private void lnRows(float[] out, int outAt, float[] stats, float[] x, int wOff, ParameterLayout.Tensor bias, int bRel, int r0, int r1) {
        int C = cfg.embd();
        float[] b = cfg.bias() ? params : null;
        int bOff = cfg.bias() ? bias.offset() + bRel : 0;
        for (int r = r0; r < r1; r++) k.layerNormForward(out, outAt + r * C, x, r * C, params, wOff, b, bOff, C, LN_EPS, stats, 2 * r);
    }

    /** {@link #lnRows}'s output again from the kept stats (the same bits), for the backward pass. */
    private void lnApplyRows(float[] out, int outAt, float[] stats, float[] x, int wOff, ParameterLayout.Tensor bias, int bRel, int r0, int r1) {
        int C = cfg.embd();
        float[] b = cfg.bias() ? params : null;
        int bOff = cfg.bias() ? bias.offset() + bRel : 0;
        for (int r = r0; r < r1; r++) k.layerNormApply(out, outAt + r * C, x, r * C, params, wOff, b, bOff, C, stats, 2 * r);
    }

    /** Rows [r0, r1) of out (rows, n) = in (rows, kDim) @ w[wOff ..] (kDim, n) + bias. */
    private void linRows(float[] out, float[] in, float[] w, int wOff, ParameterLayout.Tensor bias, int bRel, int r0, int r1, int kDim, int n) {
        linRows(out, in, r0 * kDim, w, wOff, bias, bRel, r0, r1, kDim, n);
    }

    /** {@link #linRows} reading row r0 of in at inOff. */
    private void linRows(float[] out, float[] in, int inOff, float[] w, int wOff, ParameterLayout.Tensor bias, int bRel, int r0, int r1, int kDim, int n) {
        float[] b = cfg.bias() && bias != null ? params : null;
        int bOff = b != null ? bias.offset() + bRel : 0;
        k.gemm(r1 - r0, n, kDim, in, inOff, kDim, 1, w, wOff, n, out, r0 * n, n, b, bOff, false);
    }

    /** dst (cols, rows) = src[off ..] (rows, cols) transposed, in parallel over columns. */
    private void transpose(float[] src, int off, int rows, int cols, float[] dst) {
        par.forRange(cols, 16, (c0, c1) -> k.transpose(src, off + c0, rows, c1 - c0, cols, dst, c0 * rows, rows));
    }

    /** The end of the attention tile that holds row t (exclusive). */
    private int tileEnd(int t) {
        return Math.min(T, (t / ATT_TILE + 1) * ATT_TILE);
    }

    /** Score columns computed for a tile ending at r1: at least r1, rounded up to 32 (never read past r1). */
    private static int scoreCols(int r1, int T) {
        return Math.min(T, (r1 + 31) & ~31);
    }

    private static volatile float warmSink;

    /** Reads one float per cache line of x[off, off+n): brings the lines in, computes nothing. */
    private static void warm(float[] x, int off, int n) {
        float s = 0;
        for (int i = off; i < off + n; i += 16) s += x[i];
        if (s == Float.MIN_NORMAL) warmSink = s; // keeps the loads from being optimised away
    }

    private void attentionForward(int l) {
        int NH = cfg.heads();
        // pinned: sequence b's rows stay with the core that made them
        par.forEach(B * NH, B * NH, (task, worker) -> attentionHeadForward(l, task / NH, task % NH, worker));
    }

    /**
     * Causal attention of head h over sequence b in layer l (reads qkv rows of b, writes atty). Its probabilities are
     * kept in att for the backward pass only when every layer keeps its activations; otherwise they live in the
     * worker's scratch and the backward pass computes them again (the same operations on the same q and k, so the
     * same bits) rather than hold B x heads x T^2 floats per layer: 55 % of a GPT-2 124M layer's activations.
     */
    private void attentionHeadForward(int l, int b, int h, int worker) {
        int C = cfg.embd(), hs = cfg.headSize(), C3 = 3 * C;
        float[] q = qkv[l], a = att != null ? att[l] : workerTT[worker], y = atty[l];
        float[] kT = workerT[worker];
        int base = b * T * C3 + h * hs, ab = att != null ? (b * cfg.heads() + h) * T * T : 0;
        k.transpose(q, base + C, T, hs, C3, kT, 0, T);
        attentionProbs(l, b, h, kT, a, ab);
        for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
            int r1 = Math.min(T, r0 + ATT_TILE);
            k.gemm(r1 - r0, hs, r1, a, ab + r0 * T, T, 1, q, base + 2 * C, C3,
                    y, (b * T + r0) * C + h * hs, C, null, 0, false);
        }
    }

    /** Head h's attention probabilities over sequence b in layer l into a[ab ..] (T, T), from kT (its keys, transposed). */
    private void attentionProbs(int l, int b, int h, float[] kT, float[] a, int ab) {
        int C3 = 3 * cfg.embd(), hs = cfg.headSize();
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        int base = b * T * C3 + h * hs;
        for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
            int r1 = Math.min(T, r0 + ATT_TILE);
            // Columns past the tile's end are scratch (softmax overwrites them); rounding to 32 keeps the product vectorised.
            k.gemm(r1 - r0, scoreCols(r1, T), hs, qkv[l], base + r0 * C3, C3, 1, kT, 0, T, a, ab + r0 * T, T, null, 0, false);
        }
        k.softmaxCausal(a, ab, T, T, 1, scale);
        // Zeros above the diagonal up to the tile's end: the P.V products and the backward's d v read no further.
        for (int t = 0; t + 1 < T; t++) java.util.Arrays.fill(a, ab + t * T + t + 1, ab + t * T + tileEnd(t), 0f);
    }

    // ------------------------------------------------------------------------------------ backward

    /** Gradients of the last forward pass's mean loss with respect to every parameter, into {@link #grads}. */
    @Override
    public void backward() {
        if (targets == null) throw new IllegalStateException("backward needs a forward pass with targets");
        int C = cfg.embd(), L = cfg.layers();
        ParameterLayout P = layout;
        if (wTall == null) wTall = new float[wTallSize()];
        if (datty == null) datty = new float[capBT * C];
        int stages = Math.min(par.threads(), B);
        if (B >= 2 * par.threads() || B % par.threads() == 0) {
            if (gX == null) {
                // Layer l reads of(gX, l + 1) while it writes of(gX, l), so gX alternates two sets. A stage
                // finishes layer l's parameter items, the last readers of its other gradients, before it starts
                // layer l - 1, so those need one set: reused each layer, they stay in cache.
                gX = new float[2][capBT * C];
                gMid = new float[1][capBT * C];
                gLn2 = new float[1][capBT * C];
                gLn1 = new float[1][capBT * C];
                gBig = new float[1][capBT * 4 * C];
                gQkv = new float[1][capBT * 3 * C];
                gLnf = new float[capBT * C];
            }
            if (!wTallFresh) transposeLayerWeights(false); // the first stage starts every gradient from zero
            wTallFresh = false;
            if (pipe == null || pipe.stages() != stages) pipe = new Pipeline(stages);
            par.forEachStage(pipe, s -> backwardStage(s, stages));
        } else {
            if (dres == null) {
                dres = new float[capBT * C];
                dln = new float[capBT * C];
                dbig = new float[capBT * 4 * C];
                dqkv = new float[capBT * 3 * C];
            }
            transposeLayerWeights(true);
            wTallFresh = false;
            backwardByLayer();
        }
    }

    /**
     * The backward pass of one stage: sequences [B*s/stages, B*(s+1)/stages), rows [r0, r1), on one core
     * from the loss down to the embeddings. Activation gradients are row-local, so the stage computes its
     * own; every parameter gradient is a sum over all rows in order, so for each chunk of it the stage
     * continues the partial sum the stage before left (rows of stage s-1 precede those of stage s). The
     * bits are those of {@link #backwardByLayer}; rows never leave the core that made them.
     *
     * <p>Each stage runs a layer's parameter gradients right after its activation gradients, while they are
     * in its cache. Items cost about the same, so a stage trails the one before by about one item and
     * rarely waits.
     */
    private void backwardStage(int s, int stages) {
        int L = cfg.layers();
        int r0 = B * s / stages * T, r1 = B * (s + 1) / stages * T;
        Stage st = new Stage(s, r0, r1);
        headBackwardRows(r0, r1);
        st.headItems();
        float[] g = geluOut(s, r1 - r0), lo = lnOut(s, r1 - r0); // stage s owns forward block s's rows
        int NH = cfg.heads();
        for (int l = L - 1; l >= 0; l--) {
            if (activations.recomputed(l)) { // this stage's rows of layer l, as forwardSequences made them
                attentionInputRows(l, l == 0 ? encoded : res3[l - 1], r0, r1, lo, lnAt(r0, r1, false));
                for (int b = r0 / T; b < r1 / T; b++) {
                    for (int h = 0; h < NH; h++) attentionHeadForward(l, b, h, s);
                }
                blockRestRows(l, r0, r1, g, 0, lo, lnAt(r0, r1, true));
            }
            mlpBackwardRows(l, r0, r1, g);
            st.fcprojItems(l, g); // while g and d out are in this core's cache
            restBackwardRows(l, r0, r1, s, lo);
            st.layerItems(l, lo);
        }
        // wte's gradient sums the head's rows before the embedding rows: the first stage waits for the last
        // stage's head items before it starts the embedding sums.
        if (s == 0 && stages > 1) pipe.await(stages - 1, st.headItems);
        st.items(cfg.embd(), EMBED_CHANNELS, (c0, c1) -> embeddingGrads(of(gX, 0), r0, r1, c0, c1, s == 0), null);
    }

    /** Layer l's buffer of a gradient buffer with one or two sets (with two, layer l+1's stays readable). */
    private static float[] of(float[][] sets, int l) {
        return sets[l % sets.length];
    }

    /** dlnf = dlogits @ wte, then the gradient of the last block's output (LayerNorm_f backward), rows [r0, r1). */
    private void headBackwardRows(int r0, int r1) {
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize();
        k.gemm(r1 - r0, C, V, logits, r0 * V, V, 1, params, layout.wte.offset(), C, gLnf, r0 * C, C, null, 0, false);
        java.util.Arrays.fill(of(gX, L), r0 * C, r1 * C, 0f);
        lnBackRows(of(gX, L), gLnf, res3[L - 1], lnfs, layout.lnfw.offset(), r0, r1);
    }

    /**
     * Layer l's MLP output side for rows [r0, r1): d fchg = d out @ fcprojw^T, then the GELU backward, which
     * also writes the GELU's output again into g (from row r0) for the fcproj weight gradient.
     */
    private void mlpBackwardRows(int l, int r0, int r1, float[] g) {
        int C = cfg.embd(), n = r1 - r0;
        ParameterLayout P = layout;
        int tp = P.qkvw.size() + P.attprojw.size() + P.fcw.size(); // wTall's fcproj section
        float[] out = of(gX, l + 1), big = of(gBig, l);
        k.gemm(n, 4 * C, C, out, r0 * C, C, 1, wTall, tp + l * 4 * C * C, 4 * C, big, r0 * 4 * C, 4 * C, null, 0, false);
        k.geluBackward(big, r0 * 4 * C, fch[l], r0 * 4 * C, fcht[l], r0 * 4 * C, big, r0 * 4 * C, g, 0, n * 4 * C);
    }

    /**
     * The rest of layer l's activation gradients for rows [r0, r1), down to of(gX, l); scratch is the worker's.
     * Each LayerNorm's output is rebuilt into lo (ln1's rows, then ln2's, as the forward pass left them) while
     * its input is in cache from the LayerNorm backward, for the weight gradients that read it.
     */
    private void restBackwardRows(int l, int r0, int r1, int scratch, float[] lo) {
        int C = cfg.embd(), n = r1 - r0;
        ParameterLayout P = layout;
        int tq = 0, ta = P.qkvw.size(), tf = ta + P.attprojw.size(); // wTall sections
        float[] out = of(gX, l + 1), big = of(gBig, l), mid = of(gMid, l), qkvg = of(gQkv, l);
        // d ln2 = d fch @ fcw^T; LayerNorm 2 backward.
        k.gemm(n, C, 4 * C, big, r0 * 4 * C, 4 * C, 1, wTall, tf + l * 4 * C * C, C, of(gLn2, l), r0 * C, C, null, 0, false);
        System.arraycopy(out, r0 * C, mid, r0 * C, n * C); // the residual path, plus what LayerNorm 2 adds
        lnBackRows(mid, of(gLn2, l), res2[l], ln2s[l], P.ln2w.offset() + l * C, r0, r1);
        lnApplyRows(lo, lnAt(r0, r1, true), ln2s[l], res2[l], P.ln2w.offset() + l * C, P.ln2b, l * C, r0, r1);
        // Attention: d atty = d mid @ attprojw^T, then each head of each sequence; d ln1 = d qkv @ qkvw^T.
        k.gemm(n, C, C, mid, r0 * C, C, 1, wTall, ta + l * C * C, C, datty, r0 * C, C, null, 0, false);
        for (int b = r0 / T; b < r1 / T; b++) {
            for (int h = 0; h < cfg.heads(); h++) attentionHeadBackward(l, b, h, scratch, qkvg);
        }
        k.gemm(n, C, 3 * C, qkvg, r0 * 3 * C, 3 * C, 1, wTall, tq + l * 3 * C * C, C, of(gLn1, l), r0 * C, C, null, 0, false);
        System.arraycopy(mid, r0 * C, of(gX, l), r0 * C, n * C);
        float[] x = l == 0 ? encoded : res3[l - 1];
        lnBackRows(of(gX, l), of(gLn1, l), x, ln1s[l], P.ln1w.offset() + l * C, r0, r1);
        lnApplyRows(lo, lnAt(r0, r1, false), ln1s[l], x, P.ln1w.offset() + l * C, P.ln1b, l * C, r0, r1);
    }

    /**
     * Elements of a weight gradient per pipeline item (rows of it times its width), about 24 rows of 128:
     * items of equal cost keep the stages a steady item apart, so a stage rarely waits for the one before.
     */
    private static final int ITEM_ELEMENTS = 24 * 128;
    /**
     * The fewest gradient rows per item: each item streams all of its dy over the stage's rows, so six-row items at
     * 384 wide spent most of their time reading it. In one JVM on AMD EPYC, the 10.8M config: 4,570 tokens/s with 6,
     * 4,783 with 12, 4,884 with 24 (15 rounds; 36 and 48 no better, 96 no gain); the default recipe unchanged.
     */
    private static final int ITEM_MIN_ROWS = 24;
    private static final int EMBED_CHANNELS = 32;
    /**
     * dy's floats over a stage's rows past which an item takes at least 48 rows of the gradient: each item streams all
     * of dy, and six rows per pass (3 FLOPs per byte) leave the product waiting on memory once dy outgrows the caches.
     */
    private static final long BIG_DY = 1L << 20;
    /**
     * dy's floats over a stage's rows past which the items are {@link WeightGradTiles} (8 MiB): 48-row strips read
     * all of dy in/48 times. In one JVM on AMD EPYC, tiles gave gpt2-124m (3-13M floats) 4 % (5 of 6 paired rounds)
     * and the 10.8M config (at most 1.6M floats, in cache) nothing (5 of 15). Tests lower it to reach tiny models.
     */
    long tileItemsAbove = 1L << 21;

    /** One stage's walk through the pipeline's items, which every stage visits in the same order. */
    private final class Stage {
        final int s, r0, r1;
        final boolean fresh; // the first stage starts every sum from zero
        int done, headItems;

        Stage(int s, int r0, int r1) {
            this.s = s;
            this.r0 = r0;
            this.r1 = r1;
            this.fresh = s == 0;
        }

        /** The tied head's share of the wte gradient, and the final LayerNorm's gradients. */
        void headItems() {
            int C = cfg.embd(), L = cfg.layers();
            ParameterLayout P = layout;
            weightGrad(P.wte.offset(), logits, lnf, cfg.vocabSize(), C,
                    () -> lnParamGrads(P.lnfw.offset(), P.lnfb, 0, gLnf, res3[L - 1], lnfs, r0, r1, fresh));
            headItems = done;
        }

        /** Layer l's fcproj gradients, from the GELU output g the stage wrote again (its row r0 at g[0]). */
        void fcprojItems(int l, float[] g) {
            int C = cfg.embd();
            float[] out = of(gX, l + 1);
            weightGrad(layout.fcprojw.offset() + l * 4 * C * C, g, -r0 * 4 * C, out, 4 * C, C,
                    cfg.bias() ? () -> biasGrad(layout.fcprojb, l * C, out, r0, r1, C, fresh) : null);
        }

        /**
         * Layer l's other parameter gradients; small sums ride in the last item of the matrix that shares their
         * input. lo holds the stage's ln1 rows, then its ln2 rows.
         */
        void layerItems(int l, float[] lo) {
            int C = cfg.embd();
            ParameterLayout P = layout;
            boolean bias = cfg.bias();
            float[] big = of(gBig, l), mid = of(gMid, l), qkvg = of(gQkv, l);
            weightGrad(P.fcw.offset() + l * C * 4 * C, lo, lnAt(r0, r1, true), big, C, 4 * C,
                    bias ? () -> biasGrad(P.fcb, l * 4 * C, big, r0, r1, 4 * C, fresh) : null);
            weightGrad(P.attprojw.offset() + l * C * C, atty[l], mid, C, C, () -> {
                lnParamGrads(P.ln2w.offset() + l * C, P.ln2b, l * C, of(gLn2, l), res2[l], ln2s[l], r0, r1, fresh);
                if (bias) biasGrad(P.attprojb, l * C, mid, r0, r1, C, fresh);
            });
            weightGrad(P.qkvw.offset() + l * C * 3 * C, lo, lnAt(r0, r1, false), qkvg, C, 3 * C, () -> {
                if (bias) biasGrad(P.qkvb, l * 3 * C, qkvg, r0, r1, 3 * C, fresh);
                lnParamGrads(P.ln1w.offset() + l * C, P.ln1b, l * C, of(gLn1, l), l == 0 ? encoded : res3[l - 1], ln1s[l], r0, r1, fresh);
            });
        }

        /**
         * Runs task over [0, n) in chunks, each after the stage before has finished the same chunk; last
         * (if any) runs inside the last chunk's item.
         */
        void items(int n, int chunk, Parallel.RangeTask task, Runnable last) {
            for (int c0 = 0; c0 < n; c0 += chunk) {
                if (s > 0) pipe.await(s - 1, done + 1);
                int c1 = Math.min(n, c0 + chunk);
                task.run(c0, c1);
                if (c1 == n && last != null) last.run();
                pipe.finished(s, ++done);
            }
        }

        /** grads[wOff ..] (in, out) += x^T @ dy over this stage's rows, in items of whole six-row groups. */
        void weightGrad(int wOff, float[] x, float[] dy, int in, int out, Runnable last) {
            weightGrad(wOff, x, 0, dy, in, out, last);
        }

        /** {@link #weightGrad} with x's row r at x[xShift + r * in]. */
        void weightGrad(int wOff, float[] x, int xShift, float[] dy, int in, int out, Runnable last) {
            if ((long) (r1 - r0) * out > tileItemsAbove) {
                items(WeightGradTiles.count(in, out), 1, (t0, t1) -> WeightGradTiles.run(k, t0, t1, in, out, x, xShift + r0 * in, dy,
                        r0 * out, r1 - r0, grads, wOff, fresh), last);
                return;
            }
            int rows = Math.max(ITEM_MIN_ROWS, ITEM_ELEMENTS / out / 6 * 6);
            if ((long) (r1 - r0) * out > BIG_DY) rows = Math.max(rows, 48);
            items(in, rows, (m0, m1) -> weightGradRows(wOff, x, xShift, dy, r0, r1, in, out, m0, m1, fresh), last);
        }
    }

    /** The backward pass in parallel regions over all rows, for batches that do not split evenly over the threads. */
    private void backwardByLayer() {
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), BT = B * T;
        ParameterLayout P = layout;
        // Each region pairs row tasks (each owns rows of activation gradients) with the column tasks of the
        // step before (each owns rows of a weight gradient, summing over all BT rows in order); a region's
        // tasks never write what another task of the same region reads. Every gradient element accumulates
        // in the same order as in a plain op-by-op backward pass. Five regions per layer.
        rowRegion(BT, (r0, r1) -> {
            // dlnf = dlogits @ wte; dres = LayerNorm_f backward.
            k.gemm(r1 - r0, C, V, logits, r0 * V, V, 1, params, P.wte.offset(), C, dln, r0 * C, C, null, 0, false);
            java.util.Arrays.fill(dres, r0 * C, r1 * C, 0f);
            lnBackRows(dres, dln, res3[L - 1], lnfs, P.lnfw.offset(), r0, r1);
        });
        // The head's weight gradients and the last layer's fcproj gradient run beside the first MLP rows.
        ColWork[] pending = {
                wgrad(P.wte.offset(), logits, lnf, V, C),
                cols(C, (m0, m1) -> lnParamGrads(P.lnfw.offset(), P.lnfb, 0, dln, res3[L - 1], lnfs, 0, BT, m0, m1)),
                wgrad(P.fcprojw.offset() + (L - 1) * 4 * C * C, fchg[L - 1], dres, 4 * C, C),
                cols(C, (m0, m1) -> biasGrad(P.fcprojb, (L - 1) * C, dres, 0, BT, C, m0, m1))};
        for (int l = L - 1; l >= 0; l--) {
            int layer = l;
            int tq = 0, ta = P.qkvw.size(), tf = ta + P.attprojw.size(), tp = tf + P.fcw.size(); // wTall sections
            if (activations.recomputed(l)) { // layer l as forwardByLayer made it; the pending fcproj gradient reads its GELU output
                float[] in = l == 0 ? encoded : res3[l - 1];
                rowRegion(BT, (r0, r1) -> attentionInputRows(layer, in, r0, r1, ln1[layer], 0));
                attentionForward(layer);
                rowRegion(BT, (r0, r1) -> blockRestRows(layer, r0, r1, fchg[layer], r0 * 4 * C, ln2[layer], 0));
            }
            // MLP: d fchg = dres @ fcprojw^T, then GELU backward (rows), beside the previous step's weight gradients.
            colRegion(pending, (r0, r1) -> {
                k.gemm(r1 - r0, 4 * C, C, dres, r0 * C, C, 1, wTall, tp + layer * 4 * C * C, 4 * C, dbig, r0 * 4 * C, 4 * C, null, 0, false);
                k.geluBackward(dbig, r0 * 4 * C, fch[layer], r0 * 4 * C, fcht[layer], r0 * 4 * C, dbig, r0 * 4 * C, (r1 - r0) * 4 * C);
            });
            // fc weight gradient beside d ln2 = d fchg @ fcw^T and LayerNorm 2 backward.
            colRegion(new ColWork[] {
                    wgrad(P.fcw.offset() + layer * C * 4 * C, ln2[layer], dbig, C, 4 * C),
                    cols(4 * C, (m0, m1) -> biasGrad(P.fcb, layer * 4 * C, dbig, 0, BT, 4 * C, m0, m1))},
                    (r0, r1) -> {
                        k.gemm(r1 - r0, C, 4 * C, dbig, r0 * 4 * C, 4 * C, 1, wTall, tf + layer * 4 * C * C, C, dln, r0 * C, C, null, 0, false);
                        lnBackRows(dres, dln, res2[layer], ln2s[layer], P.ln2w.offset() + layer * C, r0, r1);
                    });
            // ln2 and attention-projection gradients beside d atty = dres @ attprojw^T.
            colRegion(new ColWork[] {
                    wgrad(P.attprojw.offset() + layer * C * C, atty[layer], dres, C, C),
                    cols(C, (m0, m1) -> lnParamGrads(P.ln2w.offset() + layer * C, P.ln2b, layer * C, dln, res2[layer], ln2s[layer], 0, BT, m0, m1)),
                    cols(C, (m0, m1) -> biasGrad(P.attprojb, layer * C, dres, 0, BT, C, m0, m1))},
                    (r0, r1) -> k.gemm(r1 - r0, C, C, dres, r0 * C, C, 1, wTall, ta + layer * C * C, C, datty, r0 * C, C, null, 0, false));
            attentionBackward(layer);
            float[] x = layer == 0 ? encoded : res3[layer - 1];
            // qkv weight gradient (column tasks) beside d ln1 and LayerNorm 1 backward (row tasks).
            colRegion(new ColWork[] {
                    wgrad(P.qkvw.offset() + layer * C * 3 * C, ln1[layer], dqkv, C, 3 * C),
                    cols(3 * C, (m0, m1) -> biasGrad(P.qkvb, layer * 3 * C, dqkv, 0, BT, 3 * C, m0, m1))},
                    (r0, r1) -> {
                        k.gemm(r1 - r0, C, 3 * C, dqkv, r0 * 3 * C, 3 * C, 1, wTall, tq + layer * 3 * C * C, C, dln, r0 * C, C, null, 0, false);
                        lnBackRows(dres, dln, x, ln1s[layer], P.ln1w.offset() + layer * C, r0, r1);
                    });
            if (layer > 0) {
                int prev = layer - 1;
                pending = new ColWork[] {
                        wgrad(P.fcprojw.offset() + prev * 4 * C * C, fchg[prev], dres, 4 * C, C),
                        cols(C, (m0, m1) -> lnParamGrads(P.ln1w.offset() + layer * C, P.ln1b, layer * C, dln, x, ln1s[layer], 0, BT, m0, m1)),
                        cols(C, (m0, m1) -> biasGrad(P.fcprojb, prev * C, dres, 0, BT, C, m0, m1))};
            } else {
                colRegion(new ColWork[] {
                        cols(C, (m0, m1) -> lnParamGrads(P.ln1w.offset(), P.ln1b, 0, dln, x, ln1s[0], 0, BT, m0, m1)),
                        cols(C, (c0, c1) -> embeddingGrads(dres, 0, BT, c0, c1, false))}, null);
            }
        }
    }

    /** Work over [0, n) of a column-owned output, run in chunks of {@code chunk}. */
    private record ColWork(int n, int chunk, Parallel.RangeTask task) {}

    /** n columns (LayerNorm and bias gradients), chunks of 32: a multiple of every vector width. */
    private static ColWork cols(int n, Parallel.RangeTask task) {
        return new ColWork(n, 32, task);
    }

    /** A weight gradient over all B*T rows as column work, in {@link WeightGradTiles}. */
    private ColWork wgrad(int wOff, float[] x, float[] dy, int in, int out) {
        return new ColWork(WeightGradTiles.count(in, out), 1, (t0, t1) -> WeightGradTiles.run(k, t0, t1, in, out, x, 0, dy, 0, B * T, grads, wOff, false));
    }

    /**
     * One parallel region running column work split into its chunks, and
     * optionally row tasks over BT rows. Callers guarantee the tasks write disjoint outputs.
     */
    private void colRegion(ColWork[] work, Parallel.RangeTask rows) {
        int[] first = new int[work.length + 1];
        for (int i = 0; i < work.length; i++) first[i + 1] = first[i] + (work[i].n() + work[i].chunk() - 1) / work[i].chunk();
        int colTasks = first[work.length];
        int BT = B * T, rowTasks = rows == null ? 0 : (BT + ROW_CHUNK - 1) / ROW_CHUNK;
        // Row tasks first and pinned (each core keeps its rows), then column tasks claimed by whoever is free.
        par.forEach(rowTasks + colTasks, rowTasks, (t, w) -> {
            if (t < rowTasks) {
                rows.run(t * ROW_CHUNK, Math.min(BT, (t + 1) * ROW_CHUNK));
                return;
            }
            int i = 0;
            while (first[i + 1] <= t - rowTasks) i++;
            ColWork cw = work[i];
            int c = t - rowTasks - first[i];
            cw.task().run(c * cw.chunk(), Math.min(cw.n(), (c + 1) * cw.chunk()));
        });
    }

    private int wTallSize() {
        ParameterLayout P = layout;
        return P.qkvw.size() + P.attprojw.size() + P.fcw.size() + P.fcprojw.size();
    }

    /** Layer l's four weight matrices as {srcOff, rows, cols, dstOff in wTall} (qkv, attproj, fc, fcproj). */
    private int[][] layerMatrices(int l) {
        ParameterLayout P = layout;
        int C = cfg.embd();
        int ta = P.qkvw.size(), tf = ta + P.attprojw.size(), tp = tf + P.fcw.size();
        return new int[][] {
                {P.qkvw.offset() + l * C * 3 * C, C, 3 * C, l * 3 * C * C},
                {P.attprojw.offset() + l * C * C, C, C, ta + l * C * C},
                {P.fcw.offset() + l * C * 4 * C, C, 4 * C, tf + l * 4 * C * C},
                {P.fcprojw.offset() + l * 4 * C * C, 4 * C, C, tp + l * 4 * C * C}};
    }

    /**
     * Block b's share (of blocks) of layer l's transposed weights: the columns of each matrix split into
     * blocks parts, whole strips of 16. The forward blocks do this right after the layer's deferred update
     * (before the layer runs), while its new weights are in cache, so the backward pass finds wTall ready.
     */
    private void transposeLayerShare(int l, int b, int blocks) {
        for (int[] m : layerMatrices(l)) {
            int strips = (m[2] + 15) / 16, c0 = Math.min(m[2], strips * b / blocks * 16), c1 = Math.min(m[2], strips * (b + 1) / blocks * 16);
            if (c1 > c0) k.transpose(params, m[0] + c0, m[1], c1 - c0, m[2], wTall, m[3] + c0 * m[1], m[1]);
        }
    }

    /** Transposes every layer's four weight matrices into wTall (qkv, attproj, fc, fcproj sections) and, if asked, zeroes grads, in one region. */
    private void transposeLayerWeights(boolean clearGrads) {
        int L = cfg.layers();
        int[][] mats = new int[4 * L][]; // {srcOff, rows, cols, dstOff}
        for (int l = 0; l < L; l++) System.arraycopy(layerMatrices(l), 0, mats, 4 * l, 4);
        int clearChunk = 1 << 16, clears = clearGrads ? (grads.length + clearChunk - 1) / clearChunk : 0;
        par.forEach(mats.length + clears, (i, w) -> {
            if (i < mats.length) {
                k.transpose(params, mats[i][0], mats[i][1], mats[i][2], mats[i][2], wTall, mats[i][3], mats[i][1]);
            } else {
                int c = i - mats.length;
                java.util.Arrays.fill(grads, c * clearChunk, Math.min(grads.length, (c + 1) * clearChunk), 0f);
            }
        });
    }

    /**
     * Rows [m0, m1) of grads[wOff ..] (in, out) += x^T @ dy, continued over rows [r0, r1) of x and dy; fresh
     * starts from zero instead (the same bits as clearing first: the fma chain starts at +0 either way).
     */
    private void weightGradRows(int wOff, float[] x, int xShift, float[] dy, int r0, int r1, int in, int out, int m0, int m1, boolean fresh) {
        k.gemm(m1 - m0, out, r1 - r0, x, xShift + r0 * in + m0, 1, in, dy, r0 * out, out, grads, wOff + m0 * out, out, null, 0, !fresh);
    }

    private void biasGrad(ParameterLayout.Tensor bias, int rel, float[] dy, int r0, int r1, int n, int j0, int j1) {
        if (!cfg.bias()) return;
        k.columnSums(grads, bias.offset() + rel, dy, r0 * n, r1 - r0, n, j0, j1);
    }

    /** The whole bias gradient over rows [r0, r1), from zero when fresh. */
    private void biasGrad(ParameterLayout.Tensor bias, int rel, float[] dy, int r0, int r1, int n, boolean fresh) {
        if (fresh) java.util.Arrays.fill(grads, bias.offset() + rel, bias.offset() + rel + n, 0f);
        biasGrad(bias, rel, dy, r0, r1, n, 0, n);
    }

    private void lnParamGrads(int wOff, ParameterLayout.Tensor bias, int bRel, float[] dout, float[] x, float[] stats, int r0, int r1, int c0, int c1) {
        float[] db = cfg.bias() ? grads : null;
        int dbOff = cfg.bias() ? bias.offset() + bRel : 0;
        k.layerNormParamGrads(grads, wOff, db, dbOff, dout, x, r0, r1, cfg.embd(), stats, c0, c1);
    }

    /** All channels of a LayerNorm's gradients over rows [r0, r1), from zero when fresh. */
    private void lnParamGrads(int wOff, ParameterLayout.Tensor bias, int bRel, float[] dout, float[] x, float[] stats, int r0, int r1, boolean fresh) {
        int C = cfg.embd();
        if (fresh) {
            java.util.Arrays.fill(grads, wOff, wOff + C, 0f);
            if (cfg.bias()) java.util.Arrays.fill(grads, bias.offset() + bRel, bias.offset() + bRel + C, 0f);
        }
        lnParamGrads(wOff, bias, bRel, dout, x, stats, r0, r1, 0, C);
    }

    private void lnBackRows(float[] dx, float[] dout, float[] x, float[] stats, int wOff, int r0, int r1) {
        int C = cfg.embd();
        for (int r = r0; r < r1; r++) k.layerNormBackward(dx, r * C, dout, r * C, x, r * C, params, wOff, C, stats, 2 * r);
    }

    /**
     * Embedding gradients for channels [c0, c1) from rows [r0, r1), added in (b, t) order after the head's
     * share of dwte; fresh starts wpe's sums from zero (wte's start with the head's share).
     */
    private void embeddingGrads(float[] dx, int r0, int r1, int c0, int c1, boolean fresh) {
        int C = cfg.embd(), wte = layout.wte.offset(), wpe = layout.wpe.offset();
        if (fresh) {
            for (int t = 0; t < cfg.contextLen(); t++) java.util.Arrays.fill(grads, wpe + t * C + c0, wpe + t * C + c1, 0f);
        }
        for (int r = r0; r < r1; r++) {
            int src = r * C, te = wte + inputs[r] * C, pe = wpe + (r % T) * C;
            for (int c = c0; c < c1; c++) {
                grads[te + c] += dx[src + c];
                grads[pe + c] += dx[src + c];
            }
        }
    }

    private void attentionBackward(int l) {
        int NH = cfg.heads();
        // pinned: sequence b's rows stay with the core that made them
        par.forEach(B * NH, B * NH, (task, worker) -> attentionHeadBackward(l, task / NH, task % NH, worker, dqkv));
    }

    /** Attention backward of head h over sequence b in layer l: reads datty and att rows of b, writes dqkv's rows of b. */
    private void attentionHeadBackward(int l, int b, int h, int worker, float[] dqkv) {
        int C = cfg.embd(), NH = cfg.heads(), hs = cfg.headSize(), C3 = 3 * C;
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        float[] q = qkv[l], a = att != null ? att[l] : workerP[worker];
        float[] vT = workerT[worker], dp = workerTT[worker];
        int base = b * T * C3 + h * hs, ybase = b * T * C + h * hs, ab = att != null ? (b * NH + h) * T * T : 0;
        // att and qkv were written a whole forward pass ago and have left the caches; read them in one
        // sweep first, which the prefetchers stream, rather than as the small products' scattered misses.
        if (h == 0) warm(q, b * T * C3, T * C3);
        if (att != null) {
            warm(a, ab, T * T);
        } else { // as the forward pass made them
            k.transpose(q, base + C, T, hs, C3, workerK[worker], 0, T);
            attentionProbs(l, b, h, workerK[worker], a, 0);
        }
        k.transpose(q, base + 2 * C, T, hs, C3, vT, 0, T); // V^T for d att; made here, it is never kept per layer
        for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
            int r1 = Math.min(T, r0 + ATT_TILE);
            // d att (tile rows, columns up to the tile's end) = d y @ v^T
            k.gemm(r1 - r0, scoreCols(r1, T), hs, datty, ybase + r0 * C, C, 1, vT, 0, T, dp, r0 * T, T, null, 0, false);
            // d v (rows r0..r1) = att^T @ d y, over query rows t1 >= r0 (earlier rows see zeros)
            k.gemm(r1 - r0, hs, T - r0, a, ab + r0 * T + r0, 1, T, datty, ybase + r0 * C, C,
                    dqkv, base + r0 * C3 + 2 * C, C3, null, 0, false);
        }
        k.softmaxCausalBackward(dp, 0, a, ab, dp, 0, T, T, 1, scale);
        for (int t = 0; t < T; t++) java.util.Arrays.fill(dp, t * T + t + 1, t * T + tileEnd(t), 0f);
        for (int r0 = 0; r0 < T; r0 += ATT_TILE) {
            int r1 = Math.min(T, r0 + ATT_TILE);
            // d q = d pre @ k ; d k = d pre^T @ q (over t1 >= r0)
            k.gemm(r1 - r0, hs, r1, dp, r0 * T, T, 1, q, base + C, C3, dqkv, base + r0 * C3, C3, null, 0, false);
            k.gemm(r1 - r0, hs, T - r0, dp, r0 * T + r0, 1, T, q, base + r0 * C3, C3,
                    dqkv, base + r0 * C3 + C, C3, null, 0, false);
        }
    }
}
