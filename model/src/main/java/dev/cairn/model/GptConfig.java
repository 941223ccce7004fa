package dev.cairn.model;

/**
 * The shape of a GPT-2-style decoder. Every size is validated here so that bad input fails before any
 * memory is allocated.
 *
 * @param vocabSize   V, tokens in the vocabulary
 * @param contextLen  T_max, positions the model can attend over
 * @param layers      L, transformer blocks
 * @param heads       NH, attention heads (must divide embd)
 * @param embd        C, the residual width
 * @param bias        whether linear layers and LayerNorms carry biases
 */
public record GptConfig(int vocabSize, int contextLen, int layers, int heads, int embd, boolean bias) implements ModelConfig {
    public GptConfig {
        positive("vocab_size", vocabSize);
        positive("context", contextLen);
        positive("layers", layers);
        positive("heads", heads);
        positive("embd", embd);
        if (embd % heads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must divide the embedding width (" + embd + ")");
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    public int headSize() {
        return embd / heads;
    }

    @Override
    public String arch() {
        return "gpt2";
    }

    @Override
    public int parameterCount() {
        return new ParameterLayout(this).size();
    }

    @Override
    public Gpt create(dev.cairn.numerics.Kernels kernels, dev.cairn.numerics.Parallel parallel) {
        return new Gpt(this, kernels, parallel);
    }
}
