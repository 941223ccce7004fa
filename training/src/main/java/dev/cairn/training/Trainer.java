package dev.cairn.training;

import dev.cairn.model.LanguageModel;
import dev.cairn.model.ParameterLayout;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The deterministic training loop. The state after step s — parameters, AdamW moments, step counter — is
 * a pure function of (recipe, data, s): batches come from the counter-based generator keyed by
 * (seed, step, row), the schedule is a function of the step, and every kernel has a fixed reduction order.
 */
public final class Trainer {
    /** Elements per gradient-norm chunk: part of the numerical definition (the chunk sums are added in order). */
    static final int NORM_CHUNK = 8192;
    /** Elements per optimizer work item (any value gives the same bits; this one balances threads). */
    private static final int ADAM_CHUNK = 16384;

    /** What one step measured. */
    public record StepResult(int step, float loss, float gradNorm, float lr) {}

    private final Recipe recipe;
    private final TrainingData data;
    private final LanguageModel model;
    private final float[] m, v;
    private final int[] inputs, targets;
    private final List<int[]> adamItems = new ArrayList<>(); // {offset, length, decay?1:0}
    private final List<List<int[]>> layerItems = new ArrayList<>(); // adamItems' pieces inside layer l
    private final List<int[]> globalItems = new ArrayList<>();      // and outside the layers
    /** The last step's optimizer update, not yet applied (see {@link #flushUpdate}); null when none. */
    private Update pending;
    private int step;
    /** Runs before the optimizer changes parameters and moments (a state digest in flight waits here). */
    Runnable beforeUpdate;
    private final Ranks ranks;
    /** Partial sums of the micro-batch tree by depth (gradients, then the loss); lazily. */
    private float[][] sums;
    /** On several ranks, this rank's shard of the optimizer (ZeRO-1); null on one process. */
    private final OptimizerShard shard;

    public Trainer(Recipe recipe, TrainingData data, Kernels kernels, Parallel parallel) {
        this(recipe, data, kernels, parallel, Ranks.single());
    }

    /**
     * A trainer that is one rank of a data-parallel run: it computes the gradients of its own micro-batches and
     * combines them with the other ranks' in the fixed tree. Every rank holds the whole state; the bits are those
     * of one process with the same recipe.
     */
    public Trainer(Recipe recipe, TrainingData data, Kernels kernels, Parallel parallel, Ranks ranks) {
        this(recipe, data, kernels, parallel, true, ranks);
    }

    /** A trainer holding only a model to load weights into (generation needs no data). */
    static Trainer forInference(Recipe recipe, TrainingData vocabulary, Kernels kernels, Parallel parallel) {
        return new Trainer(recipe, vocabulary, kernels, parallel, false, Ranks.single());
    }

    private Trainer(Recipe recipe, TrainingData data, Kernels kernels, Parallel parallel, boolean checkData, Ranks ranks) {
        this.recipe = recipe.validate();
        this.data = data;
        this.ranks = ranks;
        DataParallel.checkLayout(recipe.microBatchCount(), ranks.size());
        if (checkData && (data.train().length <= recipe.ctx() + 1 || data.validation().length <= recipe.ctx() + 1)) {
            throw new IllegalArgumentException("context (" + recipe.ctx() + ") is longer than the data allows: "
                    + data.train().length + " training and " + data.validation().length + " validation tokens");
        }
        this.model = recipe.modelConfig(data.vocabSize()).create(kernels, parallel);
        model.initialize(recipe.seed());
        if (recipe.init() != null) { // continued training: the base model's weights, checked against the recipe's digest
            float[] base = BaseModels.weights(recipe.init(), model.params().length);
            System.arraycopy(base, 0, model.params(), 0, base.length);
        }
        int n = model.params().length;
        this.shard = ranks.size() > 1 ? new OptimizerShard(model, ranks) : null;
        this.m = shard == null ? new float[n] : shard.m; // several ranks: the moments of this rank's shard only
        this.v = shard == null ? new float[n] : shard.v;
        model.keepActivations(layersThatFit(model, recipe));
        this.inputs = new int[recipe.batch() * recipe.ctx()];
        this.targets = new int[recipe.batch() * recipe.ctx()];
        for (ParameterLayout.Tensor t : model.tensors()) {
            for (int off = 0; off < t.size(); off += ADAM_CHUNK) {
                adamItems.add(new int[] {t.offset() + off, Math.min(ADAM_CHUNK, t.size() - off), t.decay() ? 1 : 0});
            }
        }
        int L = recipe.layers();
        for (int l = 0; l < L; l++) layerItems.add(new ArrayList<>());
        for (ParameterLayout.Tensor t : model.tensors()) {
            if (t.size() == 0) continue;
            if (!model.stackedOverLayers(t)) {
                globalItems.add(new int[] {t.offset(), t.size(), t.decay() ? 1 : 0});
                continue;
            }
            int per = t.size() / L; // stacked over layers: layer l's slice is [l*per, (l+1)*per)
            for (int l = 0; l < L; l++) layerItems.get(l).add(new int[] {t.offset() + l * per, per, t.decay() ? 1 : 0});
        }
    }

    /**
     * Activation recomputation where the heap needs it: every layer keeps its activations when they fit what the heap
     * has left (less a tenth for the rest), otherwise as many of the last layers as fit, the others recomputed in the
     * backward pass. The bits are the same either way; only the time differs.
     */
    static int layersThatFit(LanguageModel model, Recipe recipe) {
        int rows = recipe.batch() / recipe.microBatchCount(), T = recipe.ctx(), L = recipe.layers();
        Runtime rt = Runtime.getRuntime();
        // What the first step allocates beside the activations: the transposed layer weights, and the micro-batch sums
        long later = 4L * model.params().length;
        int M = recipe.microBatchCount();
        if (M > 1) later += (34L - Integer.numberOfLeadingZeros(M)) * 4 * (model.params().length + 1);
        long headroom = rt.maxMemory() / 10 + (64L << 20);
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - later - headroom;
        if (model.activationBytes(rows, T, L) <= free) return L;
        System.gc(); // what is in use now, not what is yet to be collected
        free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - later - headroom;
        return model.layersToKeep(rows, T, free);
    }

    /** One step's AdamW update: the coefficients it was computed with. */
    private record Update(float coef, float lr, float bc1, float bc2) {}

    /** AdamW over elements [off, off+n) with the pending update's coefficients. */
    private void adamw(Update u, int off, int n, boolean decay) {
        model.kernels().adamw(model.params(), model.grads(), u.coef(), m, v, off, n, u.lr(), recipe.beta1(), recipe.beta2(),
                recipe.eps(), decay ? recipe.weightDecay() : 0f, u.bc1(), u.bc2());
    }

    /** Part {@code part} of {@code parts} of the given pieces, split by element count (AdamW is per element). */
    private void adamwPart(Update u, List<int[]> pieces, int part, int parts) {
        long total = 0;
        for (int[] it : pieces) total += it[1];
        long from = total * part / parts, to = total * (part + 1) / parts, at = 0;
        for (int[] it : pieces) {
            long a = Math.max(from, at), b = Math.min(to, at + it[1]);
            if (a < b) adamw(u, it[0] + (int) (a - at), (int) (b - a), it[2] == 1);
            at += it[1];
        }
    }

    /**
     * Applies the last step's optimizer update now if it is still pending. Every reader of the parameters or
     * moments outside the forward pass comes through here (state and weight digests, checkpoints, the model
     * handed out), so they see the state after the step, as if the update had run at its end.
     */
    void flushUpdate() {
        Update u = pending;
        if (u == null) return;
        model.deferUpdate(null);
        pending = null;
        applyAll(u);
    }

    private void applyAll(Update u) {
        if (beforeUpdate != null) beforeUpdate.run();
        // Pinned, like the gradient norm's chunks (both in flat-buffer order): each core updates the same
        // half of the parameters every step, so its moments never leave its cache.
        model.parallel().forEach(adamItems.size(), adamItems.size(), (i, w) -> {
            int[] it = adamItems.get(i);
            adamw(u, it[0], it[1], it[2] == 1);
        });
    }

    public Recipe recipe() { return recipe; }
    public TrainingData data() { return data; }
    /** The model, its parameters those after the last step (a pending update is applied first). */
    public LanguageModel model() { flushUpdate(); return model; }
    public int step() { return step; }
    public Ranks ranks() { return ranks; }
    /** Bytes this rank has sent to other ranks, and the time spent exchanging (waiting included), so far. */
    public long bytesExchanged() { return shard == null ? 0 : shard.bytesSent; }
    public long exchangeNanos() { return shard == null ? 0 : shard.exchangeNanos; }
    /** On several ranks, the time spent on the optimizer shard outside the exchanges (adds, norm, AdamW, copies). */
    public long shardWorkNanos() { return shard == null ? 0 : shard.localNanos; }
    /** Bytes of AdamW moments this rank holds: all of them on one process, its shard's on several. */
    public long optimizerStateBytes() { return 4L * (m.length + v.length); }
    /** The whole moments; on several ranks use {@link #writeState} (each holds only its shard). */
    float[] moment1() { flushUpdate(); checkWhole(); return m; }
    float[] moment2() { flushUpdate(); checkWhole(); return v; }

    private void checkWhole() {
        if (shard != null) throw new IllegalStateException("on " + ranks.size() + " ranks each holds a shard of the moments");
    }

    /**
     * The canonical state (parameters, first moments, second moments, whole) into the sink of rank 0, for a digest
     * or a checkpoint. On several ranks a collective: every rank calls it, the others send rank 0 their shards.
     */
    void writeState(OptimizerShard.Sink sink) throws java.io.IOException {
        flushUpdate();
        if (shard != null) {
            shard.stream(sink);
            return;
        }
        sink.accept(model.params(), 0, model.params().length);
        sink.accept(m, 0, m.length);
        sink.accept(v, 0, v.length);
    }

    /** Restores a state read from a checkpoint. */
    void restore(int step, float[] params, float[] m1, float[] m2) {
        int n = model.params().length;
        pending = null; // the restored state replaces the whole state, a pending update included
        model.deferUpdate(null);
        if (params.length != n || m1.length != n || m2.length != n) {
            throw new IllegalArgumentException("checkpoint holds " + params.length + " parameters, the recipe needs " + n);
        }
        System.arraycopy(params, 0, model.params(), 0, n);
        if (shard != null) {
            shard.restore(m1, m2);
        } else {
            System.arraycopy(m1, 0, m, 0, n);
            System.arraycopy(m2, 0, v, 0, n);
        }
        this.step = step;
    }

    /** Fills inputs/targets with the batch of the given step: row i starts at a position drawn from (seed, step, i). */
    public void batch(int forStep, int[] in, int[] tgt) {
        int[] tr = data.train();
        int T = recipe.ctx(), span = tr.length - T;
        for (int i = 0; i < recipe.batch(); i++) {
            int start = data.windowStart(recipe.seed(), forStep, i, span);
            System.arraycopy(tr, start, in, i * T, T);
            System.arraycopy(tr, start + 1, tgt, i * T, T);
        }
    }

    /** One optimisation step. Throws {@link NonFiniteLossException} (state untouched) if the loss is not finite. */
    public StepResult trainStep() {
        int B = recipe.batch(), T = recipe.ctx();
        batch(step, inputs, targets);
        if (shard != null) return shardedStep();
        float loss;
        if (recipe.microBatchCount() == 1) { // the original definition: one pass over the whole batch
            loss = model.forward(inputs, targets, B, T);
            if (!Float.isFinite(loss)) throw new NonFiniteLossException(step, loss);
            model.backward();
        } else {
            loss = microBatchGradient();
            if (!Float.isFinite(loss)) throw new NonFiniteLossException(step, loss);
        }
        float norm = gradientNorm();
        if (!Float.isFinite(norm)) throw new NonFiniteLossException(step, norm);
        // PyTorch's clip_grad_norm_: scale by max_norm / (norm + 1e-6), clamped to 1; applied inside AdamW
        // (g * coef, the same float product as scaling g first; coef 1 leaves g exact).
        Update u = update(norm);
        float lr = u.lr();
        // The update is left to the next forward pass, which applies each layer's part right before the
        // layer reads it (LanguageModel.DeferredUpdate): then the optimizer's 20 MB stream no longer runs between the
        // backward pass and the forward pass, whose data it would push out of the caches. Anything that reads
        // the state before then applies it first (flushUpdate). Same operations, same inputs: same bits.
        pending = u;
        model.deferUpdate(new LanguageModel.DeferredUpdate() {
            @Override
            public void global() {
                pending = null; // from here the forward pass applies it
                if (beforeUpdate != null) beforeUpdate.run();
                adamwPart(u, globalItems, 0, 1);
            }

            @Override
            public void layer(int l, int part, int parts) {
                adamwPart(u, layerItems.get(l), part, parts);
            }
        });
        step++;
        return new StepResult(step, loss, norm, lr);
    }

    /** This step's AdamW coefficients from the gradient norm. */
    private Update update(float norm) {
        float clip = recipe.gradClip() > 0 ? (float) ((double) recipe.gradClip() / ((double) norm + 1e-6)) : 1f;
        float coef = Math.min(clip, 1f);
        int t = step + 1;
        float bc1 = (float) (1.0 - StrictMath.pow(recipe.beta1(), t));
        float bc2 = (float) (1.0 - StrictMath.pow(recipe.beta2(), t));
        return new Update(coef, recipe.learningRate(step), bc1, bc2);
    }

    /**
     * A step on several ranks (ZeRO-1, see {@link OptimizerShard}): this rank's subtree of micro-batches, the
     * gradient reduce-scattered, AdamW on this rank's shard, the parameters all-gathered. Applied at once.
     */
    private StepResult shardedStep() {
        int M = recipe.microBatchCount(), P = ranks.size();
        if (sums == null) sums = new float[34 - Integer.numberOfLeadingZeros(M / P)][];
        int lo = DataParallel.first(ranks.rank(), M, P);
        subtree(lo, lo + M / P, 0);
        OptimizerShard.Reduced r = shard.reduce(sums[0], M);
        if (!Float.isFinite(r.loss())) throw new NonFiniteLossException(step, r.loss());
        if (!Float.isFinite(r.norm())) throw new NonFiniteLossException(step, r.norm());
        Update u = update(r.norm());
        if (beforeUpdate != null) beforeUpdate.run();
        shard.update(u.coef(), u.lr(), u.bc1(), u.bc2(), recipe.beta1(), recipe.beta2(), recipe.eps(), recipe.weightDecay());
        step++;
        return new StepResult(step, r.loss(), r.norm(), u.lr());
    }

    /**
     * The gradient of M micro-batches into model.grads() on one process: the fixed pairwise tree, then divided by M.
     * Returns the loss summed by the same tree, divided by M. Each buffer carries the loss after the gradients.
     */
    private float microBatchGradient() {
        int M = recipe.microBatchCount(), n = model.grads().length;
        if (sums == null) sums = new float[34 - Integer.numberOfLeadingZeros(M)][];
        subtree(0, M, 0);
        float[] acc = sums[0];
        float[] g = model.grads();
        float fm = M;
        model.parallel().forRange(n, 1 << 15, (a, b) -> {
            for (int i = a; i < b; i++) g[i] = acc[i] / fm;
        });
        return acc[n] / fm;
    }

    /** The sum over micro-batches [lo, hi) into sums[depth]: left half there, right half one deeper, then added. */
    private void subtree(int lo, int hi, int depth) {
        int n = model.grads().length;
        if (sums[depth] == null) sums[depth] = new float[n + 1];
        float[] out = sums[depth];
        if (hi - lo == 1) {
            int rows = recipe.batch() / recipe.microBatchCount(), T = recipe.ctx();
            int[] in = java.util.Arrays.copyOfRange(inputs, lo * rows * T, (lo + 1) * rows * T);
            int[] tg = java.util.Arrays.copyOfRange(targets, lo * rows * T, (lo + 1) * rows * T);
            float loss = model.forward(in, tg, rows, T);
            model.backward();
            float[] g = model.grads();
            model.parallel().forRange(n, 1 << 15, (a, b) -> System.arraycopy(g, a, out, a, b - a));
            out[n] = loss;
            return;
        }
        int mid = lo + (hi - lo) / 2;
        subtree(lo, mid, depth);
        subtree(mid, hi, depth + 1);
        add(out, sums[depth + 1], n + 1);
    }

    /** acc[i] += x[i], split by output ownership. */
    private void add(float[] acc, float[] x, int n) {
        model.parallel().forRange(n, 1 << 15, (a, b) -> {
            for (int i = a; i < b; i++) acc[i] += x[i];
        });
    }

    /** Global L2 norm of the gradients: chunk sums of squares by the lane rule, added in chunk order in double. */
    float gradientNorm() {
        float[] g = model.grads();
        int chunks = (g.length + NORM_CHUNK - 1) / NORM_CHUNK;
        float[] partial = new float[chunks];
        model.parallel().forEach(chunks, chunks, (c, w) -> {
            int off = c * NORM_CHUNK;
            partial[c] = model.kernels().dot(g, off, g, off, Math.min(NORM_CHUNK, g.length - off));
        });
        double s = 0;
        for (float x : partial) s += x;
        return (float) Math.sqrt(s);
    }

    /**
     * Mean loss over the whole validation split: every non-overlapping window of ctx tokens, each target
     * predicted once (the peer's --full-val). Per-row losses do not depend on the batching.
     */
    public double validationLoss() {
        flushUpdate();
        int[] val = data.validation();
        int T = recipe.ctx(), B = recipe.batch();
        int windows = (val.length - 1) / T;
        int[] in = new int[B * T], tg = new int[B * T];
        double total = 0;
        for (int w0 = 0; w0 < windows; w0 += B) {
            int nb = Math.min(B, windows - w0);
            for (int i = 0; i < nb; i++) {
                System.arraycopy(val, (w0 + i) * T, in, i * T, T);
                System.arraycopy(val, (w0 + i) * T + 1, tg, i * T, T);
            }
            float mean = model.forward(in, tg, nb, T);
            total += (double) mean * nb * T;
        }
        return total / ((double) windows * T);
    }

    /** Lower-case hex SHA-256 over the canonical state layout (see {@link #writeCanonicalState}). */
    public String stateDigest() {
        flushUpdate();
        return HexFormat.of().formatHex(stateDigestBytes(step));
    }

    /**
     * SHA-256 of the canonical state, the step given (for a digest taken on another thread: the caller has
     * applied any pending update first, see {@link #flushUpdate}).
     */
    byte[] stateDigestBytes(int atStep) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            writeCanonicalState(md, atStep);
            if (shard == null) return md.digest();
            byte[] mine = ranks.rank() == 0 ? md.digest() : new byte[32];
            return ranks.allGather(mine)[0]; // every rank returns rank 0's digest
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The canonical training state: ASCII "cairn-state-v1\n", then little-endian u64 step, u64 seed (the
     * generator's whole key), u64 data cursor (the next step: batches are drawn by step), u64 parameter
     * count, then parameters, first moments and second moments as little-endian float32.
     */
    private void writeCanonicalState(MessageDigest md, long step) {
        md.update("cairn-state-v1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ByteBuffer head = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(step).putLong(recipe.seed()).putLong(step).putLong(model.params().length);
        md.update(head.array());
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer fb = buf.asFloatBuffer(); // bulk little-endian copies: the same bytes, faster
        OptimizerShard.Sink hash = (arr, off, n) -> {
            for (int i = 0; i < n; ) {
                int k = Math.min(n - i, fb.capacity());
                fb.clear();
                fb.put(arr, off + i, k);
                md.update(buf.array(), 0, 4 * k);
                i += k;
            }
        };
        try {
            if (shard == null) { // not through writeState: a digest on the hasher's thread must not flush an update
                for (float[] arr : new float[][] {model.params(), m, v}) hash.accept(arr, 0, arr.length);
            } else {
                shard.stream(hash);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * SHA-256 of the batch the last {@link #trainStep} used: its input ids then its target ids, each as
     * little-endian int32 (B*T of each, row-major). A transcript leaf's batch digest.
     */
    byte[] lastBatchDigest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(4 * inputs.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asIntBuffer().put(inputs);
            md.update(buf.array());
            buf.clear();
            buf.asIntBuffer().put(targets);
            md.update(buf.array());
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** SHA-256 of the parameters as little-endian float32 in the flat buffer's order: the weights' digest. */
    public String weightsDigest() {
        flushUpdate();
        return BaseModels.digest(model.params());
    }

    /** The transcript leaf of the step just taken: step, batch digest, loss bits, state digest. */
    TranscriptLeaf leaf(StepResult r) {
        return new TranscriptLeaf(r.step(), lastBatchDigest(), Float.floatToRawIntBits(r.loss()),
                HexFormat.of().parseHex(stateDigest()));
    }

    /** A loss or gradient norm that is NaN or infinite: the run stops and keeps its last good checkpoint. */
    public static final class NonFiniteLossException extends RuntimeException {
        public final int step;

        NonFiniteLossException(int step, float value) {
            super("training diverged at step " + (step + 1) + ": loss or gradient norm is " + value
                    + "; the last good checkpoint is kept (try a lower --lr or a --grad-clip)");
            this.step = step;
        }
    }
}
