package dev.cairn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The staged backward (one pipeline stage per worker) and the backward by layer must give the same gradient
 * bits for any thread count, and a backward must leave nothing of the one before it in the gradients.
 */
class BackwardPathsTest {
    static final GptConfig CFG_BIAS = new GptConfig(13, 24, 2, 2, 16, true);
    static final GptConfig CFG_PLAIN = new GptConfig(13, 24, 2, 2, 16, false);

    /** Gradients after two backward passes (a full-context batch, then one of T) on a model with fixed weights. */
    static float[] grads(GptConfig cfg, Kernels k, int threads, int B, int T) {
        return grads(cfg, k, threads, B, T, false);
    }

    /** As above; tiled, the staged backward's weight gradients come in tiles as they do once dy outgrows the caches. */
    static float[] grads(GptConfig cfg, Kernels k, int threads, int B, int T, boolean tiled) {
        try (Parallel par = new Parallel(threads)) {
            Gpt g = new Gpt(cfg, k, par);
            if (tiled) g.tileItemsAbove = 0;
            g.initialize(3);
            Philox rng = new Philox(21);
            for (int i = 0; i < g.params.length; i++) g.params[i] += (float) (0.2 * rng.normal(4, 0, i));
            for (int pass = 0; pass < 2; pass++) {
                int t = pass == 0 ? cfg.contextLen() : T; // the first pass writes every wpe row
                int[] in = new int[B * t], tg = new int[B * t];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (int) rng.below(13, 5 + pass, 0, i);
                    tg[i] = (int) rng.below(13, 5 + pass, 1, i);
                }
                g.forward(in, tg, B, t);
                g.backward();
            }
            return g.grads.clone();
        }
    }

    @ParameterizedTest(name = "bias={0}")
    @ValueSource(booleans = {false, true})
    void everyPathGivesTheSameBits(boolean bias) {
        GptConfig cfg = bias ? CFG_BIAS : CFG_PLAIN;
        // T below the context: rows of wpe past T must come out exactly zero on every path.
        for (int B : new int[] {3, 4, 6}) {
            float[] ref = grads(cfg, Kernels.scalar(), 1, B, 17);
            for (int threads : new int[] {1, 2, 3, 4}) {
                // B=3 with 2 or 4 threads runs by layer; the rest run staged with min(threads, B) stages.
                for (boolean tiled : new boolean[] {false, true}) {
                    float[] got = grads(cfg, Kernels.vector(), threads, B, 17, tiled);
                    for (int i = 0; i < ref.length; i++) {
                        assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(got[i]),
                                "gradient " + i + ", batch " + B + ", " + threads + " threads" + (tiled ? ", tiled items" : ""));
                    }
                }
            }
        }
    }

    /** The forward pass readies the transposed weights for the backward pass: weights changed since must reach it. */
    @Test
    void weightsWrittenBetweenStepsReachTheNextBackward() {
        int B = 4, T = CFG_BIAS.contextLen();
        int[] in = new int[B * T], tg = new int[B * T];
        Philox rng = new Philox(5);
        for (int i = 0; i < in.length; i++) {
            in[i] = (int) rng.below(13, 1, 0, i);
            tg[i] = (int) rng.below(13, 1, 1, i);
        }
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel par = new Parallel(threads)) {
                Gpt g = new Gpt(CFG_BIAS, Kernels.vector(), par);
                g.initialize(3);
                g.forward(in, tg, B, T);
                g.backward();
                for (int i = 0; i < g.params.length; i++) g.params[i] = g.params[i] * 1.5f + 0.01f; // as a restore would
                g.forward(in, tg, B, T);
                g.backward();
                Gpt fresh = new Gpt(CFG_BIAS, Kernels.vector(), par);
                System.arraycopy(g.params, 0, fresh.params, 0, g.params.length);
                fresh.forward(in, tg, B, T);
                fresh.backward();
                for (int i = 0; i < g.grads.length; i++) {
                    assertEquals(Float.floatToRawIntBits(fresh.grads[i]), Float.floatToRawIntBits(g.grads[i]),
                            "gradient " + i + ", " + threads + " threads");
                }
            }
        }
    }
}
