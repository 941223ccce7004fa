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
}
