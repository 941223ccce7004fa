package dev.cairn.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.model.GptConfig;
import dev.cairn.model.LlamaConfig;
import dev.cairn.model.ModelConfig;

/**
 * Everything that determines a training run's numbers. Execution settings that cannot change a result
 * (thread count, kernel set, vector width) are deliberately not part of it. Defaults are nanoGPT's
 * character-level Shakespeare recipe on a CPU.
 */
public record Recipe(
        @JsonProperty("layers") int layers,
        @JsonProperty("heads") int heads,
        @JsonProperty("embd") int embd,
        @JsonProperty("ctx") int ctx,
        @JsonProperty("batch") int batch,
        @JsonProperty("steps") int steps,
        @JsonProperty("lr") float lr,
        @JsonProperty("min_lr") float minLr,
        @JsonProperty("warmup") int warmup,
        @JsonProperty("weight_decay") float weightDecay,
        @JsonProperty("beta1") float beta1,
        @JsonProperty("beta2") float beta2,
        @JsonProperty("eps") float eps,
        @JsonProperty("grad_clip") float gradClip,
        @JsonProperty("seed") long seed,
        @JsonProperty("bias") boolean bias,
        @JsonProperty("eval_every") int evalEvery,
        @JsonProperty("checkpoint_every") int checkpointEvery,
        @JsonProperty("init") @JsonInclude(JsonInclude.Include.NON_NULL) String init,
        @JsonProperty("micro_batches") @JsonInclude(JsonInclude.Include.NON_NULL) Integer microBatches,
        @JsonProperty("arch") @JsonInclude(JsonInclude.Include.NON_NULL) String arch,
        @JsonProperty("kv_heads") @JsonInclude(JsonInclude.Include.NON_NULL) Integer kvHeads,
        @JsonProperty("rope_theta") @JsonInclude(JsonInclude.Include.NON_NULL) Double ropeTheta,
        @JsonProperty("multiple_of") @JsonInclude(JsonInclude.Include.NON_NULL) Integer multipleOf,
        @JsonProperty("tie_embeddings") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean tieEmbeddings) {

    /**
     * {@code init}: null to start from the seed's random initialisation (every recipe before base models, whose
     * digest does not change), or the canonical SHA-256 of the base model's weights the run starts from.
     * {@code microBatches}: null (= 1, every recipe before data-parallel training) or M >= 2, the number of
     * micro-batches whose gradients are summed in a fixed pairwise tree (see {@link #microBatchCount}).
     * {@code arch}: null (= gpt2, every recipe before Llama, whose digest does not change) or "llama", which
     * takes {@code kv_heads} (default heads), {@code rope_theta} (10000), {@code multiple_of} (256, the MLP width
     * rounding) and {@code tie_embeddings} (true); those are filled in, so a Llama recipe states all of them,
     * and refused for gpt2.
     */
    @JsonCreator
    public Recipe {
        if (microBatches != null && microBatches == 1) microBatches = null; // M = 1 is the original definition, digest unchanged
        if (arch != null && arch.equals("gpt2")) arch = null; // the original architecture, digest unchanged
        if (arch != null && !arch.equals("llama")) throw new IllegalArgumentException("unknown arch '" + arch + "' (expected gpt2 or llama)");
        if (arch == null) {
            String given = kvHeads != null ? "kv_heads" : ropeTheta != null ? "rope_theta" : multipleOf != null ? "multiple_of"
                    : tieEmbeddings != null ? "tie_embeddings" : null;
            if (given != null) throw new IllegalArgumentException(given + " applies only to arch llama (this recipe is gpt2)");
        } else {
            if (kvHeads == null) kvHeads = heads;
            if (ropeTheta == null) ropeTheta = LlamaConfig.DEFAULT_ROPE_THETA;
            if (multipleOf == null) multipleOf = 256;
            if (tieEmbeddings == null) tieEmbeddings = true;
        }
        if (init != null && !init.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("init must be a base model's weights SHA-256 (64 hex digits), got " + init);
    }

    /** A recipe that starts from the seed's random initialisation. */
    public Recipe(int layers, int heads, int embd, int ctx, int batch, int steps, float lr, float minLr, int warmup, float weightDecay,
                  float beta1, float beta2, float eps, float gradClip, long seed, boolean bias, int evalEvery, int checkpointEvery) {
        this(layers, heads, embd, ctx, batch, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip, seed, bias,
                evalEvery, checkpointEvery, null, null, null, null, null, null, null);
    }

    /** A recipe with one micro-batch (the form before data-parallel training). */
    public Recipe(int layers, int heads, int embd, int ctx, int batch, int steps, float lr, float minLr, int warmup, float weightDecay,
                  float beta1, float beta2, float eps, float gradClip, long seed, boolean bias, int evalEvery, int checkpointEvery,
                  String init) {
        this(layers, heads, embd, ctx, batch, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip, seed, bias,
                evalEvery, checkpointEvery, init, null, null, null, null, null, null);
    }

    /**
     * M: the batch is cut into M micro-batches of batch/M consecutive rows; each one's gradient (of its own mean
     * loss) is computed alone, the M are summed in a fixed pairwise tree over micro-batch index and divided by M.
     * Data-parallel ranks own tree-aligned ranges of micro-batches, so the process count never changes the bits.
     */
    public int microBatchCount() {
        return microBatches == null ? 1 : microBatches;
    }

    /** This recipe with M micro-batches. */
    public Recipe withMicroBatches(int m) {
        return new Recipe(layers, heads, embd, ctx, batch, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip,
                seed, bias, evalEvery, checkpointEvery, init, m, arch, kvHeads, ropeTheta, multipleOf, tieEmbeddings);
    }

    /** This recipe starting from the base weights with canonical digest {@code weightsSha256}. */
    public Recipe withInit(String weightsSha256) {
        return new Recipe(layers, heads, embd, ctx, batch, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip,
                seed, bias, evalEvery, checkpointEvery, weightsSha256, microBatches, arch, kvHeads, ropeTheta, multipleOf, tieEmbeddings);
    }

    /** This recipe as a Llama model (nulls take the defaults: kv_heads = heads, rope_theta 10000, multiple_of 256, tied). */
    public Recipe withLlama(Integer kvHeads, Double ropeTheta, Integer multipleOf, Boolean tieEmbeddings) {
        return new Recipe(layers, heads, embd, ctx, batch, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip,
                seed, bias, evalEvery, checkpointEvery, init, microBatches, "llama", kvHeads, ropeTheta, multipleOf, tieEmbeddings);
    }

    /** The architecture: "gpt2" or "llama". */
    public String architecture() {
        return arch == null ? "gpt2" : arch;
    }

    public static Recipe defaults() {
        return new Recipe(4, 4, 128, 64, 12, 2000, 1e-3f, 1e-4f, 100, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f,
                1337, false, 250, 250);
    }

    /** The named presets, for {@link #preset}. */
    public static final java.util.List<String> PRESETS = java.util.List.of("gpt2-124m", "llama-100m");

    /**
     * A named model size on the default recipe, batch 8: {@code gpt2-124m} is GPT-2 small (12 layers, 12 heads,
     * 768 wide, context 1024, biases; 124,439,808 parameters with GPT-2's 50,257 tokens); {@code llama-100m} is a
     * Llama of the same depth and width with 4 key/value heads and an MLP of 2048 (about 100M parameters with a
     * 32,000-token vocabulary, tied head).
     */
    public static Recipe preset(String name) {
        Recipe d = defaults();
        Recipe shape = new Recipe(12, 12, 768, 1024, 8, d.steps, d.lr, d.minLr, d.warmup, d.weightDecay, d.beta1, d.beta2, d.eps,
                d.gradClip, d.seed, true, d.evalEvery, d.checkpointEvery);
        return switch (name) {
            case "gpt2-124m" -> shape;
            case "llama-100m" -> new Recipe(12, 12, 768, 1024, 8, d.steps, d.lr, d.minLr, d.warmup, d.weightDecay, d.beta1, d.beta2,
                    d.eps, d.gradClip, d.seed, false, d.evalEvery, d.checkpointEvery).withLlama(4, LlamaConfig.DEFAULT_ROPE_THETA, 256, true);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (expected " + String.join(" or ", PRESETS) + ")");
        };
    }

    /** Reads and validates a recipe object (run.json's, a recipe file's); errors name {@code where} and the field. */
    public static Recipe fromJson(com.fasterxml.jackson.databind.JsonNode n, String where) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": recipe is not a JSON object");
        try {
            return TrainingRun.JSON.treeToValue(n, Recipe.class).validate();
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            String m = e.getCause() instanceof IllegalArgumentException iae ? iae.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException(where + ": recipe: " + dev.cairn.ledger.Hex.oneLine(String.valueOf(m)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": recipe: " + dev.cairn.ledger.Hex.oneLine(e.getOriginalMessage()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": recipe: " + dev.cairn.ledger.Hex.oneLine(String.valueOf(e.getMessage())));
        }
    }

    /** The most floats one array may hold, and so the bound on parameters and on one activation buffer. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Checks every value; the message names the field. Sizes are bounded so that no buffer overflows an array. */
    public Recipe validate() {
        positive("layers", layers);
        positive("heads", heads);
        positive("embd", embd);
        positive("ctx", ctx);
        positive("batch", batch);
        positive("steps", steps);
        if (embd % heads != 0) throw new IllegalArgumentException("heads (" + heads + ") must divide embd (" + embd + ")");
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException("lr must be a positive number, got " + lr);
        if (!(minLr >= 0) || minLr > lr) throw new IllegalArgumentException("min_lr must be in [0, lr], got " + minLr);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be positive, got " + eps);
        if (!(gradClip >= 0)) throw new IllegalArgumentException("grad_clip must be >= 0 (0 disables), got " + gradClip);
        if (evalEvery < 0) throw new IllegalArgumentException("eval_every must be >= 0, got " + evalEvery);
        if (microBatchCount() < 1) throw new IllegalArgumentException("micro_batches must be positive, got " + microBatches);
        if (batch % microBatchCount() != 0) {
            throw new IllegalArgumentException("micro_batches (" + microBatchCount() + ") must divide batch (" + batch + ")");
        }
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint_every must be >= 0, got " + checkpointEvery);
        if (arch != null) {
            if (bias) throw new IllegalArgumentException("bias: arch llama has no biases");
            modelConfig(1); // the shape rules (kv_heads, head size, rope_theta), naming the field
        }
        // a stranger's recipe decides every allocation: refuse sizes no array can hold before anything is allocated
        long perLayer = 12L * embd * embd + 13L * embd;
        if (layers > 4096 || embd > 1 << 16 || ctx > 1 << 20 || batch > 1 << 20 || perLayer * layers + (long) ctx * embd > MAX_ELEMENTS) {
            throw new IllegalArgumentException("recipe too large: " + layers + " layers x " + embd + " wide, context " + ctx
                    + " (parameters must fit " + MAX_ELEMENTS + " floats)");
        }
        long rows = (long) batch * ctx;
        if (rows * 4 * embd > MAX_ELEMENTS || rows * heads * ctx > MAX_ELEMENTS) {
            throw new IllegalArgumentException("recipe too large: batch " + batch + " x context " + ctx + " x " + embd
                    + " wide needs activation buffers over " + MAX_ELEMENTS + " floats");
        }
        if (arch != null && rows * 2 * LlamaConfig.hiddenFor(embd, multipleOf) > MAX_ELEMENTS) {
            throw new IllegalArgumentException("recipe too large: batch " + batch + " x context " + ctx + " x MLP width "
                    + LlamaConfig.hiddenFor(embd, multipleOf) + " needs activation buffers over " + MAX_ELEMENTS + " floats");
        }
        return this;
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    /** The model this recipe trains, for a vocabulary of the given size. */
    public ModelConfig modelConfig(int vocabSize) {
        if (arch == null) return new GptConfig(vocabSize, ctx, layers, heads, embd, bias);
        return new LlamaConfig(vocabSize, ctx, layers, heads, kvHeads, embd, LlamaConfig.hiddenFor(embd, multipleOf), ropeTheta,
                LlamaConfig.DEFAULT_NORM_EPS, tieEmbeddings);
    }

    /** Linear warm-up to lr over warmup steps, then cosine decay to min_lr at the last step (nanoGPT's rule). */
    public float learningRate(int step) {
        if (step < warmup) return (float) ((double) lr * (step + 1) / (warmup + 1));
        double r = (double) (step - warmup) / Math.max(1, steps - warmup);
        double coeff = 0.5 * (1.0 + StrictMath.cos(StrictMath.PI * Math.min(1.0, r)));
        return (float) (minLr + coeff * ((double) lr - minLr));
    }
}
