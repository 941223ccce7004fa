package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import java.util.Arrays;
import java.util.List;

/**
 * A Llama-style decoder, forward and backward written out per op: token embedding, pre-RMSNorm blocks,
 * causal grouped-query attention with rotary position embeddings (Hugging Face's rotate-half convention),
 * SwiGLU MLP, final RMSNorm, output head tied to the embedding or its own. No biases.
 *
 * <p>Work is split by output ownership: blocks of whole sequences carried through every layer in the forward
 * pass (when the batch splits evenly over the threads; otherwise rows and (sequence, head) pairs by layer), and in
 * the backward pass rows of activation gradients, (sequence, key/value head) pairs of attention (a key/value head's
 * gradient sums its query heads in increasing order), and tiles of weight gradients (each element a sum over all rows in
 * order), four regions per layer. Every element is one fixed sequence of kernel calls, so the bits do not depend
 * on the thread count, the path or the kernel set. The rotary tables are computed once with {@code StrictMath}: angle = t * inv_freq[i] in float,
 * inv_freq[i] = 1 / theta^(2i / hs).
 */
public final class Llama implements LanguageModel {
    public final LlamaConfig cfg;
    public final LlamaLayout layout;
    public final float[] params;
    public final float[] grads;
    private final Kernels k;
    private final Parallel par;
    final float[] cos, sin; // (contextLen, hs/2); read by the KV-cache decoder

    private int capBT, capB, B, T;
    private int[] inputs, targets;
    private float[] encoded;                  // (BT, C) the embedding rows
    private float[][] ln1, ln1s, qkv, att, atty, res2, ln2, ln2s, gu, hmlp, res3; // per layer (att: null unless every layer is kept)
    private float[] lnf, lnfs, logits, losses, tmp, wT;
    private float[] dX, dMid, dLn, dH, dGU, dQkv, dAtty, dLnf, wTall;
    private float[][] workerT, workerTT, workerK, workerP; // per worker: (hs, T) transposes; (T, T) gradients, probabilities
    private DeferredUpdate deferred;
    private SequenceSink sink; // set only while forward(inputs, B, T, sink) runs its pass without targets

    public Llama(LlamaConfig cfg, Kernels kernels, Parallel parallel) {
        this.cfg = cfg;
        this.layout = new LlamaLayout(cfg);
        this.params = new float[layout.size()];
        this.grads = new float[layout.size()];
        this.k = kernels;
        this.par = parallel;
        int half = cfg.headSize() / 2, T = cfg.contextLen();
        cos = new float[T * half];
        sin = new float[T * half];
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / StrictMath.pow(cfg.ropeTheta(), (2.0 * i) / cfg.headSize()));
            for (int t = 0; t < T; t++) {
                float angle = t * invFreq;
                cos[t * half + i] = (float) StrictMath.cos(angle);
                sin[t * half + i] = (float) StrictMath.sin(angle);
            }
        }
    }

    @Override public LlamaConfig config() { return cfg; }
    @Override public float[] params() { return params; }
    @Override public float[] grads() { return grads; }
    @Override public List<ParameterLayout.Tensor> tensors() { return layout.tensors(); }
    @Override public boolean stackedOverLayers(ParameterLayout.Tensor t) { return layout.stackedOverLayers(t); }
    @Override public Kernels kernels() { return k; }
    @Override public Parallel parallel() { return par; }
    @Override public void deferUpdate(DeferredUpdate u) { deferred = u; }

    /**
     * Weights N(0, 0.02), the residual projections (wo, down) N(0, 0.02/sqrt(2L)), norm weights 1; element i of
     * the flat buffer uses counter i of the seed's generator.
     */
    @Override
    public void initialize(long seed) {
        Philox rng = new Philox(seed);
        float residualStd = (float) (0.02 / StrictMath.sqrt(2.0 * cfg.layers()));
        for (ParameterLayout.Tensor t : layout.tensors()) {
            boolean norm = !t.decay();
            float std = t == layout.wo || t == layout.downw ? residualStd : 0.02f;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                params[i] = norm ? 1f : (float) rng.normal(Philox.PURPOSE_INIT, 0, i) * std;
            }
        }
    }

    private void ensureCapacity(int b, int t) {
        int bt = b * t;
        if (bt <= capBT && b <= capB && workerT != null && workerTT[0].length >= t * t) return;
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), NH = cfg.heads(), F = cfg.hidden(), Q = cfg.qkvWidth();
        capBT = 0; // until every buffer below is in place
        activations = null;
        encoded = new float[bt * C];
        ln1s = new float[L][bt];
        ln2s = new float[L][bt];
        res3 = new float[L][bt * C];
        activations = new Activations(L, keptLayers);
        ln1 = activations.perLayer(L, bt * C, 2); // layer l+1's qkv weight gradient reads it while layer l is recomputed
        qkv = activations.perLayer(L, bt * Q);
        att = keptLayers >= L ? activations.perLayer(L, b * NH * t * t) : null;
        atty = activations.perLayer(L, bt * C);
        res2 = activations.perLayer(L, bt * C);
        ln2 = activations.perLayer(L, bt * C);
        gu = activations.perLayer(L, bt * 2 * F);
        hmlp = activations.perLayer(L, bt * F);
        lnf = new float[bt * C];
        lnfs = new float[bt];
        logits = new float[bt * V];
        losses = new float[bt];
        tmp = new float[bt * C];
        wT = new float[V * C];
        dX = null; // backward scratch is allocated on the first backward pass
        workerT = new float[par.threads()][cfg.headSize() * t];
        workerTT = new float[par.threads()][t * t];
        workerK = att == null ? new float[par.threads()][cfg.headSize() * t] : null; // for the probabilities taken again
        workerP = att == null ? new float[par.threads()][t * t] : null;
        capBT = bt;
        capB = b;
    }

    private int keptLayers = Integer.MAX_VALUE;
    private Activations activations;

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
        long C = cfg.embd(), L = cfg.layers(), F = cfg.hidden(), Q = cfg.qkvWidth(), bt = (long) b * t;
        long perLayer = bt * (C + Q + C + C + C + 2 * F + F) // ln1 qkv atty res2 ln2 gu hmlp, and att where every layer is kept
                + (kept >= L ? (long) b * cfg.heads() * t * t : 0);
        int sets = Activations.sets(cfg.layers(), kept);
        long always = L * bt * (C + 2) + bt * (C + C + C + cfg.vocabSize() + 2) // res3 and norm stats; encoded lnf tmp logits losses
                + (sets < L && sets > 0 ? bt * C : 0) // ln1's second shared set
                + bt * (5 * C + F + 2 * F + Q) // the backward's gradients: dX dMid dLn dLnf dAtty, dH dGU dQkv
                + (long) cfg.vocabSize() * C // the head's transpose
                + (long) par.threads() * 2 * ((long) t * t + (long) cfg.headSize() * t); // each worker's attention scratch
        return 4 * (always + sets * perLayer);
    }

    // ------------------------------------------------------------------------------------ forward

    @Override
    public void forward(int[] inputs, int B, int T, SequenceSink sink) {
        this.sink = sink;
        try {
            forward(inputs, null, B, T);
        } finally {
            this.sink = null;
        }
    }

    @Override
    public float forward(int[] inputs, int[] targets, int B, int T) {
        if (T > cfg.contextLen()) throw new IllegalArgumentException("sequence length " + T + " exceeds context " + cfg.contextLen());
        int V = cfg.vocabSize(), BT = B * T, L = cfg.layers();
        for (int i = 0; i < BT; i++) {
            if (inputs[i] < 0 || inputs[i] >= V) throw new IllegalArgumentException("token id " + inputs[i] + " outside vocabulary of " + V);
            if (targets != null && (targets[i] < 0 || targets[i] >= V)) {
                throw new IllegalArgumentException("target id " + targets[i] + " outside vocabulary of " + V);
            }
        }
        DeferredUpdate update = deferred;
        deferred = null;
        if (update != null) { // applied whole before the pass: the same operations, so the same bits
            update.global();
            for (int l = 0; l < L; l++) update.layer(l, 0, 1);
        }
        ensureCapacity(B, T);
        this.B = B;
        this.T = T;
        this.inputs = inputs;
        this.targets = targets;
        int C = cfg.embd(), out = layout.output().offset();
        par.forRange(C, 16, (c0, c1) -> k.transpose(params, out + c0, V, c1 - c0, C, wT, c0 * V, V)); // head^T (C, V)
        float gradScale = 1f / BT;
        if (B >= 2 * par.threads() || B % par.threads() == 0) {
            // Sequences never meet, so each worker carries its block of sequences through every layer: one region.
            int blocks = Math.min(par.threads(), B);
            par.forEach(blocks, blocks, (i, worker) -> forwardSequences(B * i / blocks, B * (i + 1) / blocks, worker, gradScale));
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

    /** The forward pass of sequences [b0, b1) alone: the same operations on each row and head as {@link #forwardByLayer}. */
    private void forwardSequences(int b0, int b1, int worker, float gradScale) {
        int L = cfg.layers(), NH = cfg.heads(), r0 = b0 * T, r1 = b1 * T;
        embedRows(r0, r1);
        attentionInputRows(0, encoded, r0, r1);
        for (int l = 0; l < L; l++) {
            for (int b = b0; b < b1; b++) {
                for (int h = 0; h < NH; h++) attentionHeadForward(l, b, h, worker);
            }
            blockRestRows(l, r0, r1);
            if (l + 1 < L) {
                attentionInputRows(l + 1, res3[l], r0, r1);
            } else {
                headRows(r0, r1, gradScale);
                SequenceSink done = sink;
                if (done != null) for (int b = b0; b < b1; b++) done.accept(b, worker);
            }
        }
    }

    private void embedRows(int r0, int r1) {
        int C = cfg.embd();
        for (int r = r0; r < r1; r++) System.arraycopy(params, layout.embed.offset() + inputs[r] * C, encoded, r * C, C);
    }

    /** The forward pass in row chunks, one region per attention and one per the row-local work between them. */
    private void forwardByLayer(float gradScale) {
        int L = cfg.layers(), BT = B * T;
        rowRegion(BT, (r0, r1) -> {
            embedRows(r0, r1);
            attentionInputRows(0, encoded, r0, r1);
        });
        for (int l = 0; l < L; l++) {
            int layer = l;
            int NH = cfg.heads();
            par.forEach(B * NH, B * NH, (task, worker) -> attentionHeadForward(layer, task / NH, task % NH, worker));
            rowRegion(BT, (r0, r1) -> {
                blockRestRows(layer, r0, r1);
                if (layer + 1 < L) attentionInputRows(layer + 1, res3[layer], r0, r1);
                else headRows(r0, r1, gradScale);
            });
        }
    }

    /**
     * Rows per task in row-local regions: each worker's share of the B*T rows, kept within [24, 1026], a multiple of
     * the gemm micro-kernel's six rows (the tests' tiny batches get a different split at every thread count). Each
     * task's gemm copies the weight's panels once, so short tasks copy it often: at llama-100m (8,192 rows, 2 threads,
     * AMD EPYC) 96-row tasks took 20.8 s per step, 1,024-row ones 18.9 s. The cap keeps tasks for every worker on
     * many-core machines. Rows never change a result, only who computes them.
     */
    private int rowChunk() {
        int share = (B * T + par.threads() - 1) / par.threads();
        return (Math.min(1024, Math.max(24, share)) + 5) / 6 * 6;
    }

    private void rowRegion(int rows, Parallel.RangeTask task) {
        int chunk = rowChunk(), chunks = (rows + chunk - 1) / chunk;
        par.forEach(chunks, chunks, (c, w) -> task.run(c * chunk, Math.min(rows, (c + 1) * chunk)));
    }

    /** RMSNorm 1, the fused q/k/v projection and the rotation of every q and k head, rows [r0, r1) of layer l. */
    private void attentionInputRows(int l, float[] x, int r0, int r1) {
        int C = cfg.embd(), Q = cfg.qkvWidth(), hs = cfg.headSize(), half = hs / 2;
        for (int r = r0; r < r1; r++) {
            k.rmsNormForward(ln1[l], r * C, x, r * C, params, layout.attnNorm.offset() + l * C, C, cfg.normEps(), ln1s[l], r);
        }
        k.gemm(r1 - r0, Q, C, ln1[l], r0 * C, C, 1, params, layout.qkvw.offset() + l * C * Q, Q, qkv[l], r0 * Q, Q, null, 0, false);
        int rotated = cfg.heads() + cfg.kvHeads(); // q heads then k heads, hs apart from column 0
        for (int r = r0; r < r1; r++) {
            int cs = (r % T) * half;
            for (int h = 0; h < rotated; h++) k.rope(qkv[l], r * Q + h * hs, half, cos, sin, cs, false);
        }
    }

    /**
     * Causal attention of query head h over sequence b in layer l, reading its key/value head's columns. Its
     * probabilities are kept for the backward pass only when every layer keeps its activations; otherwise they live in
     * the worker's scratch, and the backward pass computes them again (the same operations on the same q and k, so the
     * same bits) rather than hold B x heads x T^2 floats per layer: 54 % of a llama-100m layer's activations.
     */
    private void attentionHeadForward(int l, int b, int h, int worker) {
        int C = cfg.embd(), Q = cfg.qkvWidth(), hs = cfg.headSize();
        int g = h / (cfg.heads() / cfg.kvHeads());
        float[] q = qkv[l], a = att != null ? att[l] : workerTT[worker], kT = workerT[worker];
        int kb = b * T * Q + C + g * hs, vb = kb + cfg.kvHeads() * hs, ab = att != null ? (b * cfg.heads() + h) * T * T : 0;
        k.transpose(q, kb, T, hs, Q, kT, 0, T);
        attentionProbs(l, b, h, kT, a, ab);
        for (int r0 = 0; r0 < T; r0 += TILE) {
            int r1 = Math.min(T, r0 + TILE);
            k.gemm(r1 - r0, hs, r1, a, ab + r0 * T, T, 1, q, vb, Q, atty[l], (b * T + r0) * C + h * hs, C, null, 0, false);
        }
    }

    /**
     * Query head h's attention probabilities over sequence b in layer l, into a (T, T) from kT (its key head's columns,
     * transposed), at a[ab ..]: each row valid up to the end of its tile, zero above the diagonal.
     */
    private void attentionProbs(int l, int b, int h, float[] kT, float[] a, int ab) {
        int Q = cfg.qkvWidth(), hs = cfg.headSize();
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        int qb = b * T * Q + h * hs;
        for (int r0 = 0; r0 < T; r0 += TILE) { // scores up to the tile's end (rounded to 32; softmax reads no further)
            int r1 = Math.min(T, r0 + TILE);
            k.gemm(r1 - r0, scoreCols(r1), hs, qkv[l], qb + r0 * Q, Q, 1, kT, 0, T, a, ab + r0 * T, T, null, 0, false);
        }
        k.softmaxCausal(a, ab, T, T, 1, scale);
        for (int t = 0; t + 1 < T; t++) Arrays.fill(a, ab + t * T + t + 1, ab + tileEnd(t) + t * T, 0f);
    }

    /**
     * Query rows per attention tile (two six-row groups of the micro-kernel). A tile's products run up to its last
     * row; the masked entries they meet are exact zeros, so the tile decides only how many zero terms a chain sees.
     */
    private static final int TILE = Gpt.ATT_TILE;

    /** The end of the tile that holds row t (exclusive): att and d pre are valid (zero above the diagonal) up to it. */
    private int tileEnd(int t) {
        return Math.min(T, (t / TILE + 1) * TILE);
    }

    /** Score columns computed for a tile ending at r1: at least r1, rounded up to 32 (never read past r1). */
    private int scoreCols(int r1) {
        return Math.min(T, (r1 + 31) & ~31);
    }

    /** Output projection, residual, RMSNorm 2, SwiGLU MLP, residual: rows [r0, r1) of layer l. */
    private void blockRestRows(int l, int r0, int r1) {
        int C = cfg.embd(), F = cfg.hidden(), n = r1 - r0;
        float[] x = l == 0 ? encoded : res3[l - 1];
        k.gemm(n, C, C, atty[l], r0 * C, C, 1, params, layout.wo.offset() + l * C * C, C, tmp, r0 * C, C, null, 0, false);
        k.add(res2[l], r0 * C, x, r0 * C, tmp, r0 * C, n * C);
        for (int r = r0; r < r1; r++) {
            k.rmsNormForward(ln2[l], r * C, res2[l], r * C, params, layout.mlpNorm.offset() + l * C, C, cfg.normEps(), ln2s[l], r);
        }
        k.gemm(n, 2 * F, C, ln2[l], r0 * C, C, 1, params, layout.gateUpw.offset() + l * C * 2 * F, 2 * F, gu[l], r0 * 2 * F, 2 * F, null, 0, false);
        for (int r = r0; r < r1; r++) k.swigluForward(hmlp[l], r * F, gu[l], r * 2 * F, gu[l], r * 2 * F + F, F);
        k.gemm(n, C, F, hmlp[l], r0 * F, F, 1, params, layout.downw.offset() + l * F * C, C, tmp, r0 * C, C, null, 0, false);
        k.add(res3[l], r0 * C, res2[l], r0 * C, tmp, r0 * C, n * C);
    }

    /** Final RMSNorm, head and (with targets) the loss and its gradient, rows [r0, r1). */
    private void headRows(int r0, int r1, float gradScale) {
        int C = cfg.embd(), V = cfg.vocabSize();
        float[] x = res3[cfg.layers() - 1];
        for (int r = r0; r < r1; r++) k.rmsNormForward(lnf, r * C, x, r * C, params, layout.norm.offset(), C, cfg.normEps(), lnfs, r);
        k.gemm(r1 - r0, V, C, lnf, r0 * C, C, 1, wT, 0, V, logits, r0 * V, V, null, 0, false);
        if (targets == null) return;
        for (int r = r0; r < r1; r++) losses[r] = k.crossEntropy(logits, r * V, V, targets[r], gradScale);
    }

    @Override
    public float[] logitsAt(int b, int t, float[] out) {
        int V = cfg.vocabSize();
        System.arraycopy(logits, (b * T + t) * V, out, 0, V);
        return out;
    }

    // ------------------------------------------------------------------------------------ backward

    @Override
    public void backward() {
        if (targets == null) throw new IllegalStateException("backward needs a forward pass with targets");
        int C = cfg.embd(), L = cfg.layers(), V = cfg.vocabSize(), F = cfg.hidden(), Q = cfg.qkvWidth(), BT = B * T;
        if (dX == null) {
            dX = new float[capBT * C];
            dMid = new float[capBT * C];
            dLn = new float[capBT * C];
            dLnf = new float[capBT * C];
            dAtty = new float[capBT * C];
            dH = new float[capBT * F];
            dGU = new float[capBT * 2 * F];
            dQkv = new float[capBT * Q];
        }
        transposeLayerWeights();
        par.forRange(grads.length, 1 << 16, (a, b) -> Arrays.fill(grads, a, b, 0f));
        LlamaLayout P = layout;
        int out = P.output().offset(), KV = cfg.kvHeads();
        float[] last = res3[L - 1];
        // Four parallel regions per layer. Each pairs row tasks (each owns rows of activation gradients) with
        // column work of the steps before (each owns rows of a weight gradient or channels of a norm weight's,
        // summing over all rows in order); no task of a region writes what another task of it reads.
        region((r0, r1) -> {
            k.gemm(r1 - r0, C, V, logits, r0 * V, V, 1, params, out, C, dLnf, r0 * C, C, null, 0, false);
            Arrays.fill(dX, r0 * C, r1 * C, 0f);
            for (int r = r0; r < r1; r++) k.rmsNormBackward(dX, r * C, dLnf, r * C, last, r * C, params, P.norm.offset(), C, lnfs, r);
        });
        Work[] pending = {weightGrad(out, logits, lnf, V, C), normGrad(P.norm.offset(), dLnf, last, lnfs)}; // head (V, C) = dlogits^T @ lnf
        int sQkv = 0, sWo = sQkv + P.qkvw.size(), sGu = sWo + P.wo.size(), sDown = sGu + P.gateUpw.size(); // wTall sections
        for (int l = L - 1; l >= 0; l--) {
            int layer = l;
            float[] x = l == 0 ? encoded : res3[l - 1];
            if (activations.recomputed(l)) { // layer l as forwardByLayer made it
                int NH = cfg.heads();
                rowRegion(BT, (r0, r1) -> attentionInputRows(layer, x, r0, r1));
                par.forEach(B * NH, B * NH, (task, worker) -> attentionHeadForward(layer, task / NH, task % NH, worker));
                rowRegion(BT, (r0, r1) -> blockRestRows(layer, r0, r1));
            }
            // MLP: d h = dX @ down^T; SwiGLU backward into d (gate | up)
            region((r0, r1) -> {
                k.gemm(r1 - r0, F, C, dX, r0 * C, C, 1, wTall, sDown + layer * C * F, F, dH, r0 * F, F, null, 0, false);
                for (int r = r0; r < r1; r++) {
                    k.swigluBackward(dGU, r * 2 * F, dGU, r * 2 * F + F, gu[layer], r * 2 * F, gu[layer], r * 2 * F + F, dH, r * F, F);
                }
            }, pending);
            // d ln2 = d (gate | up) @ gate_up^T; RMSNorm 2 backward onto the residual's gradient; d atty = dMid @ wo^T
            region((r0, r1) -> {
                k.gemm(r1 - r0, C, 2 * F, dGU, r0 * 2 * F, 2 * F, 1, wTall, sGu + layer * 2 * F * C, C, dLn, r0 * C, C, null, 0, false);
                System.arraycopy(dX, r0 * C, dMid, r0 * C, (r1 - r0) * C);
                for (int r = r0; r < r1; r++) {
                    k.rmsNormBackward(dMid, r * C, dLn, r * C, res2[layer], r * C, params, P.mlpNorm.offset() + layer * C, C, ln2s[layer], r);
                }
                k.gemm(r1 - r0, C, C, dMid, r0 * C, C, 1, wTall, sWo + layer * C * C, C, dAtty, r0 * C, C, null, 0, false);
            }, weightGrad(P.downw.offset() + l * F * C, hmlp[l], dX, F, C));
            // attention by (sequence, key/value head), beside the MLP's and the output projection's parameter gradients
            region(null, new Work(B * KV, 1, (i, i1, worker) -> attentionGroupBackward(layer, i / KV, i % KV, worker)),
                    weightGrad(P.gateUpw.offset() + l * C * 2 * F, ln2[l], dGU, C, 2 * F),
                    normGrad(P.mlpNorm.offset() + l * C, dLn, res2[l], ln2s[l]),
                    weightGrad(P.wo.offset() + l * C * C, atty[l], dMid, C, C));
            // the rotation's transpose on d q and d k; d ln1 = d qkv @ qkv^T; RMSNorm 1 backward onto dX
            region((r0, r1) -> {
                int hs = cfg.headSize(), half = hs / 2, rotated = cfg.heads() + KV;
                for (int r = r0; r < r1; r++) {
                    int cs = (r % T) * half;
                    for (int h = 0; h < rotated; h++) k.rope(dQkv, r * Q + h * hs, half, cos, sin, cs, true);
                }
                k.gemm(r1 - r0, C, Q, dQkv, r0 * Q, Q, 1, wTall, sQkv + layer * Q * C, C, dLn, r0 * C, C, null, 0, false);
                System.arraycopy(dMid, r0 * C, dX, r0 * C, (r1 - r0) * C);
                for (int r = r0; r < r1; r++) {
                    k.rmsNormBackward(dX, r * C, dLn, r * C, x, r * C, params, P.attnNorm.offset() + layer * C, C, ln1s[layer], r);
                }
            });
            pending = new Work[] {weightGrad(P.qkvw.offset() + l * C * Q, ln1[l], dQkv, C, Q), normGrad(P.attnNorm.offset() + l * C, dLn, x, ln1s[l])};
        }
        // the last layer's qkv and norm gradients, and the token embedding's: rows added in (b, t) order, after a
        // tied head's share (which the first region after the head's finished)
        int emb = P.embed.offset();
        region(null, pending[0], pending[1], new Work(C, 32, (c0, c1, w) -> {
            for (int r = 0; r < BT; r++) {
                int src = r * C, te = emb + inputs[r] * C;
                for (int c = c0; c < c1; c++) grads[te + c] += dX[src + c];
            }
        }));
    }

    /** Work over [0, n) in chunks of {@code chunk}: task(from, to, worker). */
    private record Work(int n, int chunk, Chunk task) {}

    private interface Chunk {
        void run(int from, int to, int worker);
    }

    /** grads[wOff ..] (in, out) = x^T @ dy over all rows, in {@link WeightGradTiles}. */
    private Work weightGrad(int wOff, float[] x, float[] dy, int in, int out) {
        return new Work(WeightGradTiles.count(in, out), 1, (t0, t1, w) -> WeightGradTiles.run(k, t0, t1, in, out, x, 0, dy, 0, B * T, grads, wOff, false));
    }

    /** An RMSNorm weight's gradient over all rows, in channel chunks of 32 (a multiple of every vector width). */
    private Work normGrad(int wOff, float[] dout, float[] x, float[] stats) {
        int C = cfg.embd(), rows = B * T;
        return new Work(C, 32, (c0, c1, w) -> k.rmsNormParamGrads(grads, wOff, dout, x, 0, rows, C, stats, c0, c1));
    }

    /**
     * One parallel region: row tasks over the B*T rows in chunks (pinned, so each worker keeps its rows region after
     * region), then the works' chunks, claimed by whichever worker is free. Callers guarantee disjoint writes.
     */
    private void region(Parallel.RangeTask rows, Work... works) {
        int BT = B * T, chunk = rowChunk(), rowTasks = rows == null ? 0 : (BT + chunk - 1) / chunk;
        int[] first = new int[works.length + 1];
        for (int i = 0; i < works.length; i++) first[i + 1] = first[i] + (works[i].n() + works[i].chunk() - 1) / works[i].chunk();
        par.forEach(rowTasks + first[works.length], rowTasks, (t, w) -> {
            if (t < rowTasks) {
                rows.run(t * chunk, Math.min(BT, (t + 1) * chunk));
                return;
            }
            int i = 0;
            while (first[i + 1] <= t - rowTasks) i++;
            Work wk = works[i];
            int c = (t - rowTasks - first[i]) * wk.chunk();
            wk.task().run(c, Math.min(wk.n(), c + wk.chunk()), w);
        });
    }

    /** Attention backward of key/value head g over sequence b in layer l: its query heads in increasing order. */
    private void attentionGroupBackward(int l, int b, int g, int worker) {
        int C = cfg.embd(), Q = cfg.qkvWidth(), hs = cfg.headSize(), NH = cfg.heads(), per = NH / cfg.kvHeads();
        float scale = (float) (1.0 / StrictMath.sqrt(hs));
        float[] q = qkv[l], a = att != null ? att[l] : workerP[worker], vT = workerT[worker], kT = att == null ? workerK[worker] : null, dp = workerTT[worker];
        int kb = b * T * Q + C + g * hs, vb = kb + cfg.kvHeads() * hs;
        k.transpose(q, vb, T, hs, Q, vT, 0, T);
        if (att == null) k.transpose(q, kb, T, hs, Q, kT, 0, T);
        for (int h = g * per; h < (g + 1) * per; h++) {
            boolean first = h == g * per;
            int qb = b * T * Q + h * hs, yb = b * T * C + h * hs, ab = att != null ? (b * NH + h) * T * T : 0;
            if (att == null) attentionProbs(l, b, h, kT, a, 0); // as the forward pass made them
            for (int r0 = 0; r0 < T; r0 += TILE) {
                int r1 = Math.min(T, r0 + TILE);
                // d att (tile rows, columns up to the tile's end) = d y @ v^T; d v (rows r0..r1) += att^T @ d y over t1 >= r0
                k.gemm(r1 - r0, scoreCols(r1), hs, dAtty, yb + r0 * C, C, 1, vT, 0, T, dp, r0 * T, T, null, 0, false);
                k.gemm(r1 - r0, hs, T - r0, a, ab + r0 * T + r0, 1, T, dAtty, yb + r0 * C, C, dQkv, vb + r0 * Q, Q, null, 0, !first);
            }
            k.softmaxCausalBackward(dp, 0, a, ab, dp, 0, T, T, 1, scale);
            for (int t = 0; t + 1 < T; t++) Arrays.fill(dp, t * T + t + 1, t * T + tileEnd(t), 0f);
            for (int r0 = 0; r0 < T; r0 += TILE) {
                int r1 = Math.min(T, r0 + TILE);
                // d q = d pre @ k (over the tile's columns); d k (rows r0..r1) += d pre^T @ q over t1 >= r0
                k.gemm(r1 - r0, hs, r1, dp, r0 * T, T, 1, q, kb, Q, dQkv, qb + r0 * Q, Q, null, 0, false);
                k.gemm(r1 - r0, hs, T - r0, dp, r0 * T + r0, 1, T, q, qb + r0 * Q, Q, dQkv, kb + r0 * Q, Q, null, 0, !first);
            }
        }
    }

    /** Every layer's weight matrices transposed (qkv, wo, gate|up, down sections), for the input gradients. */
    private void transposeLayerWeights() {
        LlamaLayout P = layout;
        int C = cfg.embd(), F = cfg.hidden(), Q = cfg.qkvWidth(), L = cfg.layers();
        if (wTall == null) wTall = new float[P.qkvw.size() + P.wo.size() + P.gateUpw.size() + P.downw.size()];
        int sWo = P.qkvw.size(), sGu = sWo + P.wo.size(), sDown = sGu + P.gateUpw.size();
        int[][] mats = new int[4 * L][];
        for (int l = 0; l < L; l++) {
            mats[4 * l] = new int[] {P.qkvw.offset() + l * C * Q, C, Q, l * Q * C};
            mats[4 * l + 1] = new int[] {P.wo.offset() + l * C * C, C, C, sWo + l * C * C};
            mats[4 * l + 2] = new int[] {P.gateUpw.offset() + l * C * 2 * F, C, 2 * F, sGu + l * 2 * F * C};
            mats[4 * l + 3] = new int[] {P.downw.offset() + l * F * C, F, C, sDown + l * C * F};
        }
        par.forEach(mats.length, (i, w) -> k.transpose(params, mats[i][0], mats[i][1], mats[i][2], mats[i][2], wTall, mats[i][3], mats[i][1]));
    }
}
