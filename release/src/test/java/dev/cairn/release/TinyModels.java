package dev.cairn.release;

import dev.cairn.model.Gpt;
import dev.cairn.model.GptConfig;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.util.SplittableRandom;

/** Small models with every tensor non-trivial (biases and LayerNorm weights perturbed), for format tests. */
final class TinyModels {
    private TinyModels() {}

    static final int[] SHAKESPEARE_CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".codePoints().toArray();

    static LoadedModel character(boolean bias, long seed) {
        GptConfig cfg = new GptConfig(SHAKESPEARE_CHARS.length, 32, 2, 4, 64, bias);
        return new LoadedModel(cfg, weights(cfg, seed), ModelTokenizer.characters(SHAKESPEARE_CHARS));
    }

    static float[] weights(GptConfig cfg, long seed) {
        try (Parallel par = new Parallel(1)) {
            Gpt g = new Gpt(cfg, Kernels.named("scalar"), par);
            g.initialize(seed);
            SplittableRandom r = new SplittableRandom(seed);
            var P = g.layout;
            for (var t : new dev.cairn.model.ParameterLayout.Tensor[] {P.ln1w, P.ln1b, P.qkvb, P.attprojb, P.ln2w, P.ln2b, P.fcb, P.fcprojb, P.lnfw, P.lnfb}) {
                for (int i = 0; i < t.size(); i++) g.params[t.offset() + i] += (float) (0.1 * r.nextGaussian());
            }
            return g.params.clone();
        }
    }

    /** A Llama with 4 query heads over 2 key/value heads (head size 16), every tensor non-trivial. */
    static LoadedModel llama(boolean tied, long seed) {
        dev.cairn.model.LlamaConfig cfg = new dev.cairn.model.LlamaConfig(SHAKESPEARE_CHARS.length, 32, 2, 4, 2, 64,
                dev.cairn.model.LlamaConfig.hiddenFor(64, 32), 10000.0, 1e-5f, tied);
        try (Parallel par = new Parallel(1)) {
            dev.cairn.model.Llama g = new dev.cairn.model.Llama(cfg, Kernels.named("scalar"), par);
            g.initialize(seed);
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < g.params.length; i++) g.params[i] += (float) (0.05 * r.nextGaussian()); // signal through every path
            return new LoadedModel(cfg, g.params.clone(), ModelTokenizer.characters(SHAKESPEARE_CHARS));
        }
    }
}
