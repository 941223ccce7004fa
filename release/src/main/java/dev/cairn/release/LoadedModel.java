package dev.cairn.release;

import dev.cairn.model.LanguageModel;
import dev.cairn.model.ModelConfig;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;

/**
 * A model in Cairn's flat layout with its tokenizer, wherever it came from: a run's checkpoint, an exported or
 * released directory, or an imported one.
 */
public record LoadedModel(ModelConfig config, float[] params, ModelTokenizer tokenizer) {
    public LoadedModel {
        int want = config.parameterCount();
        if (params.length != want) throw new IllegalArgumentException("the weights hold " + params.length + " values, the config needs " + want);
    }

    /** A model ready for forward passes (its own copy of the weights; its layers share one set of activation buffers). */
    public LanguageModel model(Kernels k, Parallel par) {
        LanguageModel g = config.create(k, par);
        System.arraycopy(params, 0, g.params(), 0, params.length);
        g.keepActivations(0); // inference: no backward pass reads them, so the layers share one set of buffers
        return g;
    }

    /**
     * The canonical weights digest: SHA-256 of the flat parameters as little-endian float32, the same definition
     * as a run's {@code weights_sha256} ({@code Trainer.weightsDigest}).
     */
    public String weightsDigest() {
        return dev.cairn.training.BaseModels.digest(params);
    }
}
