package dev.cairn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Activation recomputation changes where the backward pass gets a layer's activations, never their bits: the
 * gradients and the parameters after a few steps are the same whatever number of layers keeps its activations,
 * on the staged and the by-layer paths, for both architectures.
 */
class ActivationRecomputeTest {
    static final GptConfig GPT = new GptConfig(13, 24, 4, 2, 16, true);
    static final LlamaConfig LLAMA = new LlamaConfig(17, 24, 4, 4, 2, 16, 32, 10000.0, 1e-5f, false);

    /** Digest of every gradient of three SGD steps, the model keeping {@code kept} layers' activations. */
    static String run(ModelConfig cfg, int threads, int B, int kept) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Parallel par = new Parallel(threads)) {
            LanguageModel m = cfg.create(Kernels.vector(), par);
            m.initialize(5);
            m.keepActivations(kept);
            float[] p = m.params(), g = m.grads();
            Philox rng = new Philox(8);
            int V = cfg.vocabSize(), T = cfg.contextLen() - 3;
            for (int step = 0; step < 3; step++) {
                int[] in = new int[B * T], tg = new int[B * T];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (int) rng.below(V, step, 0, i);
                    tg[i] = (int) rng.below(V, step, 1, i);
                }
                float loss = m.forward(in, tg, B, T);
                md.update(Integer.toString(Float.floatToRawIntBits(loss)).getBytes());
                m.backward();
                for (float x : g) md.update(Integer.toString(Float.floatToRawIntBits(x)).getBytes());
                for (int i = 0; i < p.length; i++) p[i] -= 0.1f * g[i];
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void gptGradientsDoNotDependOnTheLayersKept() throws Exception {
        sameForEveryKept(GPT);
    }

    @Test
    void llamaGradientsDoNotDependOnTheLayersKept() throws Exception {
        sameForEveryKept(LLAMA);
    }

    private static void sameForEveryKept(ModelConfig cfg) throws Exception {
        for (int B : new int[] {3, 4}) { // with 2 threads, B=3 runs by layer and B=4 staged
            String want = run(cfg, 1, B, Integer.MAX_VALUE);
            for (int kept : new int[] {0, 1, 2, 3}) {
                for (int threads : new int[] {1, 2}) {
                    assertEquals(want, run(cfg, threads, B, kept), cfg.arch() + ": " + kept + " layers kept, batch " + B + ", " + threads + " threads");
                }
            }
        }
    }

    @Test
    void recomputingSavesTheLayersItDoesNotKeep() {
        try (Parallel par = new Parallel(2)) {
            for (ModelConfig cfg : new ModelConfig[] {GPT, LLAMA}) {
                LanguageModel m = cfg.create(Kernels.vector(), par);
                long all = m.activationBytes(8, 24, 4), none = m.activationBytes(8, 24, 0), one = m.activationBytes(8, 24, 1);
                assertTrue(none < one && one < all, cfg.arch() + ": " + none + " < " + one + " < " + all);
                assertEquals(all, m.activationBytes(8, 24, 99), "more kept layers than the model has: all of them");
                assertEquals(4, m.layersToKeep(8, 24, all));
                assertEquals(0, m.layersToKeep(8, 24, one - 1));
                assertThrows(IllegalArgumentException.class, () -> m.keepActivations(-1));
            }
        }
    }
}
