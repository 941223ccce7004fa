package dev.cairn.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole model's analytic gradients against central finite differences of a double-precision reference. */
class GptGradientTest {
    @ParameterizedTest(name = "bias={0}")
    @ValueSource(booleans = {false, true})
    void gradientsMatchFiniteDifferencesOfTheDoubleReference(boolean bias) {
        GptConfig cfg = new GptConfig(11, 20, 2, 2, 16, bias);
        int B = 2, T = 19; // T spans two attention tiles, the second one ragged
        try (Parallel par = new Parallel(2)) {
            Gpt g = new Gpt(cfg, Kernels.vector(), par);
            g.initialize(5);
            // Larger weights than the 0.02 init so every path carries signal; random biases and LN weights.
            Philox rng = new Philox(77);
            for (int i = 0; i < g.params.length; i++) g.params[i] += (float) (0.3 * rng.normal(9, 0, i));
            int[] in = new int[B * T], tg = new int[B * T];
            for (int i = 0; i < in.length; i++) {
                in[i] = (int) rng.below(11, 8, 0, i);
                tg[i] = (int) rng.below(11, 8, 1, i);
            }
            float loss = g.forward(in, tg, B, T);
            g.backward();
            double[] p = new double[g.params.length];
            for (int i = 0; i < p.length; i++) p[i] = g.params[i];
            double ref = ReferenceGpt.loss(cfg, g.layout, p, in, tg, B, T);
            assertEquals(ref, loss, 1e-4 * Math.max(1, Math.abs(ref)), "forward loss vs double reference");
            // Check a spread of coordinates in every tensor.
            double h = 1e-4;
            int checked = 0;
            for (ParameterLayout.Tensor t : g.layout.tensors()) {
                for (int j = 0; j < Math.min(t.size(), 6); j++) {
                    int i = t.offset() + (int) ((long) j * 7919 % t.size());
                    double save = p[i];
                    p[i] = save + h;
                    double up = ReferenceGpt.loss(cfg, g.layout, p, in, tg, B, T);
                    p[i] = save - h;
                    double down = ReferenceGpt.loss(cfg, g.layout, p, in, tg, B, T);
                    p[i] = save;
                    double fd = (up - down) / (2 * h);
                    double an = g.grads[i];
                    assertEquals(fd, an, 2e-3 * Math.max(Math.abs(fd), 1e-2),
                            "d loss / d " + t.name() + "[" + (i - t.offset()) + "]: finite difference " + fd + ", backward " + an);
                    checked++;
                }
            }
            assertTrue(checked > 40);
        }
    }
}
