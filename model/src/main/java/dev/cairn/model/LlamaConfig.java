package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;

/**
 * The shape of a Llama-style decoder: RMSNorm, rotary position embeddings, SwiGLU MLP, grouped-query
 * attention, no biases. Every size is validated here, naming the field, before any memory is allocated.
 *
 * @param vocabSize  V
 * @param contextLen positions the rotary tables cover
 * @param layers     L
 * @param heads      NH, query heads (must divide embd; the head size must be even for the rotation)
 * @param kvHeads    key/value heads (must divide heads: each serves heads / kvHeads query heads)
 * @param embd       C
 * @param hidden     the MLP's intermediate size (Hugging Face's {@code intermediate_size})
 * @param ropeTheta  the rotary base
 * @param normEps    RMSNorm's epsilon
 * @param tied       whether the output head is the token embedding
 */
public record LlamaConfig(int vocabSize, int contextLen, int layers, int heads, int kvHeads, int embd, int hidden,
                          double ropeTheta, float normEps, boolean tied) implements ModelConfig {
    public static final float DEFAULT_NORM_EPS = 1e-5f;
    public static final double DEFAULT_ROPE_THETA = 10000.0;

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("context", contextLen);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv_heads", kvHeads);
        positive("embd", embd);
        positive("intermediate_size", hidden);
        if (embd % heads != 0) throw new IllegalArgumentException("heads (" + heads + ") must divide embd (" + embd + ")");
        if (heads % kvHeads != 0) throw new IllegalArgumentException("kv_heads (" + kvHeads + ") must divide heads (" + heads + ")");
        if ((embd / heads) % 2 != 0) {
            throw new IllegalArgumentException("head size (embd / heads = " + embd / heads + ") must be even for rotary embeddings");
        }
        if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) throw new IllegalArgumentException("rope_theta must be a finite number above 1, got " + ropeTheta);
        if (!(normEps > 0) || !Float.isFinite(normEps)) throw new IllegalArgumentException("rms_norm_eps must be positive, got " + normEps);
        long perLayer = 2L * embd + (long) embd * (embd + 2L * kvHeads * (embd / heads)) + (long) embd * embd + 3L * embd * hidden;
        if (perLayer * layers + (tied ? 1L : 2L) * vocabSize * embd + embd > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("model too large for one buffer");
        }
    }

    /**
     * Llama's MLP width: 2/3 of 4 x embd, rounded up to a multiple of {@code multipleOf} (Meta's
     * {@code hidden_dim = multiple_of * ceil(int(2 * 4 * dim / 3) / multiple_of)}).
     */
    public static int hiddenFor(int embd, int multipleOf) {
        if (multipleOf <= 0) throw new IllegalArgumentException("multiple_of must be positive, got " + multipleOf);
        long h = 2L * 4 * embd / 3;
        long r = (h + multipleOf - 1) / multipleOf * multipleOf;
        if (r > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("intermediate size too large: " + r);
        return (int) r;
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    @Override
    public String arch() {
        return "llama";
    }

    public int headSize() {
        return embd / heads;
    }

    /** Columns of the fused q, k, v projection: q (heads x hs), then k and v (kvHeads x hs each). */
    public int qkvWidth() {
        return embd + 2 * kvHeads * headSize();
    }

    @Override
    public int parameterCount() {
        return new LlamaLayout(this).size();
    }

    @Override
    public Llama create(Kernels kernels, Parallel parallel) {
        return new Llama(this, kernels, parallel);
    }
}
