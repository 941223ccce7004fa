package dev.cairn.training;

import dev.cairn.model.Gpt;
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
    private final Gpt model;
    private final float[] m, v;
    private final int[] inputs, targets;
    private final List<int[]> adamItems = new ArrayList<>(); // {offset, length, decay?1:0}
    private int step;
    /** Runs before the optimizer changes parameters and moments (a state digest in flight waits here). */
    Runnable beforeUpdate;

    public Trainer(Recipe recipe, TrainingData data, Kernels kernels, Parallel parallel) {
        this(recipe, data, kernels, parallel, true);
    }

    /** A trainer holding only a model to load weights into (generation needs no data). */
    static Trainer forInference(Recipe recipe, TrainingData vocabulary, Kernels kernels, Parallel parallel) {
        return new Trainer(recipe, vocabulary, kernels, parallel, false);
    }

    private Trainer(Recipe recipe, TrainingData data, Kernels kernels, Parallel parallel, boolean checkData) {
        this.recipe = recipe.validate();
        this.data = data;
        if (checkData && (data.train().length <= recipe.ctx() + 1 || data.validation().length <= recipe.ctx() + 1)) {
            throw new IllegalArgumentException("context (" + recipe.ctx() + ") is longer than the data allows: "
                    + data.train().length + " training and " + data.validation().length + " validation tokens");
        }
        this.model = new Gpt(recipe.modelConfig(data.vocabSize()), kernels, parallel);
        model.initialize(recipe.seed());
        int n = model.params.length;
        this.m = new float[n];
        this.v = new float[n];
        this.inputs = new int[recipe.batch() * recipe.ctx()];
        this.targets = new int[recipe.batch() * recipe.ctx()];
        for (ParameterLayout.Tensor t : model.layout.tensors()) {
            for (int off = 0; off < t.size(); off += ADAM_CHUNK) {
                adamItems.add(new int[] {t.offset() + off, Math.min(ADAM_CHUNK, t.size() - off), t.decay() ? 1 : 0});
            }
        }
    }

    public Recipe recipe() { return recipe; }
    public TrainingData data() { return data; }
    public Gpt model() { return model; }
    public int step() { return step; }
    float[] moment1() { return m; }
    float[] moment2() { return v; }

    /** Restores a state read from a checkpoint. */
    void restore(int step, float[] params, float[] m1, float[] m2) {
        int n = model.params.length;
        if (params.length != n || m1.length != n || m2.length != n) {
            throw new IllegalArgumentException("checkpoint holds " + params.length + " parameters, the recipe needs " + n);
        }
        System.arraycopy(params, 0, model.params, 0, n);
        System.arraycopy(m1, 0, m, 0, n);
        System.arraycopy(m2, 0, v, 0, n);
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
        float loss = model.forward(inputs, targets, B, T);
        if (!Float.isFinite(loss)) throw new NonFiniteLossException(step, loss);
        model.backward();
        float norm = gradientNorm();
        if (!Float.isFinite(norm)) throw new NonFiniteLossException(step, norm);
        // PyTorch's clip_grad_norm_: scale by max_norm / (norm + 1e-6), clamped to 1; applied inside AdamW
        // (g * coef, the same float product as scaling g first; coef 1 leaves g exact).
        float clip = recipe.gradClip() > 0 ? (float) ((double) recipe.gradClip() / ((double) norm + 1e-6)) : 1f;
        float coef = Math.min(clip, 1f);
        float lr = recipe.learningRate(step);
        int t = step + 1;
        float bc1 = (float) (1.0 - StrictMath.pow(recipe.beta1(), t));
        float bc2 = (float) (1.0 - StrictMath.pow(recipe.beta2(), t));
        float[] p = model.params, g = model.grads;
        if (beforeUpdate != null) beforeUpdate.run();
        // Pinned, like the gradient norm's chunks (both in flat-buffer order): each core updates the same
        // half of the parameters every step, so its moments never leave its cache.
        model.parallel().forEach(adamItems.size(), adamItems.size(), (i, w) -> {
            int[] it = adamItems.get(i);
            model.kernels().adamw(p, g, coef, m, v, it[0], it[1], lr, recipe.beta1(), recipe.beta2(), recipe.eps(),
                    it[2] == 1 ? recipe.weightDecay() : 0f, bc1, bc2);
        });
        step++;
        return new StepResult(step, loss, norm, lr);
    }

    /** Global L2 norm of the gradients: chunk sums of squares by the lane rule, added in chunk order in double. */
    float gradientNorm() {
        float[] g = model.grads;
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
        return HexFormat.of().formatHex(stateDigestBytes(step));
    }

    /** SHA-256 of the canonical state, the step given (for a digest taken on another thread). */
    byte[] stateDigestBytes(int atStep) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            writeCanonicalState(md, atStep);
            return md.digest();
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
        head.putLong(step).putLong(recipe.seed()).putLong(step).putLong(model.params.length);
        md.update(head.array());
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer fb = buf.asFloatBuffer(); // bulk little-endian copies: the same bytes, faster
        for (float[] arr : new float[][] {model.params, m, v}) {
            for (int i = 0; i < arr.length; ) {
                int k = Math.min(arr.length - i, fb.capacity());
                fb.clear();
                fb.put(arr, i, k);
                md.update(buf.array(), 0, 4 * k);
                i += k;
            }
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
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            java.nio.FloatBuffer fb = buf.asFloatBuffer();
            float[] p = model.params;
            for (int i = 0; i < p.length; ) {
                int k = Math.min(p.length - i, fb.capacity());
                fb.clear();
                fb.put(p, i, k);
                md.update(buf.array(), 0, 4 * k);
                i += k;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
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
