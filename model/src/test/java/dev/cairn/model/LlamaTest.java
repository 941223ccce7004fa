package dev.cairn.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Llama decoder: gradients against finite differences of an independent double-precision forward pass,
 * the same bits for every thread count and both kernel sets, and the shape rules.
 */
class LlamaTest {
    static Llama perturbed(LlamaConfig cfg, Kernels k, Parallel par) {
        Llama m = new Llama(cfg, k, par);
        m.initialize(5);
        // Larger weights than the 0.02 init so every path carries signal; random norm weights.
        Philox rng = new Philox(77);
        for (int i = 0; i < m.params.length; i++) m.params[i] += (float) (0.3 * rng.normal(9, 0, i));
        return m;
    }

    static int[][] batch(int V, int n) {
        Philox rng = new Philox(78);
        int[] in = new int[n], tg = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = (int) rng.below(V, 8, 0, i);
            tg[i] = (int) rng.below(V, 8, 1, i);
        }
        return new int[][] {in, tg};
    }

    @ParameterizedTest(name = "kv_heads={0} tied={1}")
    @CsvSource({"2,true", "1,false", "4,true"})
    void gradientsMatchFiniteDifferencesOfTheDoubleReference(int kvHeads, boolean tied) {
        LlamaConfig cfg = new LlamaConfig(11, 20, 2, 4, kvHeads, 16, LlamaConfig.hiddenFor(16, 8), 10000.0, 1e-5f, tied);
        int B = 2, T = 13;
        try (Parallel par = new Parallel(2)) {
            Llama g = perturbed(cfg, Kernels.vector(), par);
            int[][] d = batch(11, B * T);
            float loss = g.forward(d[0], d[1], B, T);
            g.backward();
            double[] p = new double[g.params.length];
            for (int i = 0; i < p.length; i++) p[i] = g.params[i];
            double ref = ReferenceLlama.loss(cfg, g.layout, p, d[0], d[1], B, T);
            assertEquals(ref, loss, 1e-4 * Math.max(1, Math.abs(ref)), "forward loss vs double reference");
            double h = 1e-4;
            int checked = 0;
            for (ParameterLayout.Tensor t : g.layout.tensors()) {
                for (int j = 0; j < Math.min(t.size(), 8); j++) {
                    int i = t.offset() + (int) ((long) j * 7919 % t.size());
                    double save = p[i];
                    p[i] = save + h;
                    double up = ReferenceLlama.loss(cfg, g.layout, p, d[0], d[1], B, T);
                    p[i] = save - h;
                    double down = ReferenceLlama.loss(cfg, g.layout, p, d[0], d[1], B, T);
                    p[i] = save;
                    double fd = (up - down) / (2 * h);
                    double an = g.grads[i];
                    assertEquals(fd, an, 2e-3 * Math.max(Math.abs(fd), 1e-2),
                            "d loss / d " + t.name() + "[" + (i - t.offset()) + "]: finite difference " + fd + ", backward " + an);
                    checked++;
                }
            }
            assertTrue(checked >= 8 * 8);
        }
    }

    /** SHA-256 of the loss bits, logits-free gradients and parameters after two plain SGD steps. */
    static String run(Kernels k, int threads, int B, int T) throws Exception {
        LlamaConfig cfg = new LlamaConfig(37, 24, 2, 4, 2, 32, LlamaConfig.hiddenFor(32, 16), 500000.0, 1e-5f, false);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Parallel par = new Parallel(threads)) {
            Llama m = perturbed(cfg, k, par);
            for (int step = 0; step < 2; step++) {
                int[][] d = batch(37, B * T);
                float loss = m.forward(d[0], d[1], B, T);
                m.backward();
                md.update(Integer.toString(Float.floatToRawIntBits(loss)).getBytes());
                for (float g : m.grads) md.update(Integer.toString(Float.floatToRawIntBits(g)).getBytes());
                for (int i = 0; i < m.params.length; i++) m.params[i] -= 0.05f * m.grads[i];
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void sameBitsForEveryThreadCountAndKernelSet() throws Exception {
        for (int[] shape : new int[][] {{3, 23}, {8, 17}, {1, 24}}) {
            String want = run(Kernels.scalar(), 1, shape[0], shape[1]);
            for (int threads : new int[] {1, 2, 3, 8}) {
                assertEquals(want, run(Kernels.vector(), threads, shape[0], shape[1]), "vector kernels, " + threads + " threads, B=" + shape[0]);
            }
            assertEquals(want, run(Kernels.scalar(), 3, shape[0], shape[1]), "scalar kernels, 3 threads");
        }
    }

    @Test
    void aSequenceGivesTheSameLogitsAloneOrInABatch() {
        LlamaConfig cfg = new LlamaConfig(19, 16, 1, 2, 1, 16, 32, 10000.0, 1e-5f, true);
        try (Parallel par = new Parallel(2)) {
            Llama m = perturbed(cfg, Kernels.vector(), par);
            int[][] d = batch(19, 3 * 16);
            m.forward(d[0], null, 3, 16);
            float[] batched = m.logitsAt(1, 9, new float[19]);
            m.forward(java.util.Arrays.copyOfRange(d[0], 16, 26), null, 1, 10); // sequence 1's first ten tokens
            assertArrayEquals(batched, m.logitsAt(0, 9, new float[19]), "causal: later tokens and other rows change nothing");
        }
    }

    @Test
    void shapeRulesNameTheField() {
        assertEquals("kv_heads (3) must divide heads (4)",
                assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(10, 8, 1, 4, 3, 32, 64, 1e4, 1e-5f, true)).getMessage());
        assertEquals("head size (embd / heads = 5) must be even for rotary embeddings",
                assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(10, 8, 1, 4, 2, 20, 64, 1e4, 1e-5f, true)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(10, 8, 1, 4, 2, 32, 64, 0.5, 1e-5f, true))
                .getMessage().startsWith("rope_theta"));
        try (Parallel par = new Parallel(1)) {
            Llama m = new Llama(new LlamaConfig(10, 8, 1, 2, 2, 8, 16, 1e4, 1e-5f, true), Kernels.scalar(), par);
            assertEquals("sequence length 9 exceeds context 8",
                    assertThrows(IllegalArgumentException.class, () -> m.forward(new int[9], null, 1, 9)).getMessage());
        }
        // Llama's MLP width: 2/3 of 4C rounded up to the multiple (Llama 2 7B: 4096 -> 11008 with 256)
        assertEquals(11008, LlamaConfig.hiddenFor(4096, 256));
        assertEquals(1536, LlamaConfig.hiddenFor(576, 256));
    }
}
