package dev.cairn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The KV-cache decoder's logits are the full forward pass's bits, at any batch, thread count and kernel set. */
class KvDecoderTest {
    static final GptConfig BIAS = new GptConfig(67, 40, 2, 4, 32, true);
    static final GptConfig NO_BIAS = new GptConfig(53, 30, 3, 2, 24, false);

    static Gpt model(GptConfig cfg, Kernels k, Parallel par) {
        Gpt g = new Gpt(cfg, k, par);
        g.initialize(7);
        // Non-zero biases and LayerNorm parameters, so every term of every row is exercised.
        Philox rng = new Philox(11);
        for (ParameterLayout.Tensor t : g.layout.tensors()) {
            if (t.shape().length == 1 || t.name().startsWith("ln") || t.name().endsWith("b")) {
                for (int i = t.offset(); i < t.offset() + t.size(); i++) g.params[i] += (float) rng.normal(Philox.PURPOSE_INIT, 1, i) * 0.1f;
            }
        }
        return g;
    }

    static int[] tokens(int n, int V, long seed) {
        Philox rng = new Philox(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int) (rng.uniform(Philox.PURPOSE_SAMPLE, i, 0) * V);
        return t;
    }

    static float[] full(Gpt g, int[] seq, int n) {
        g.forward(Arrays.copyOf(seq, n), null, 1, n);
        return g.logitsAt(0, n - 1, new float[g.cfg.vocabSize()]);
    }

    @Test
    void everyPrefixMatchesTheFullForwardPass() {
        for (GptConfig cfg : new GptConfig[] {BIAS, NO_BIAS}) {
            int V = cfg.vocabSize(), ctx = cfg.contextLen();
            int[] seq = tokens(ctx, V, 3);
            try (Parallel par = new Parallel(2)) {
                Gpt g = model(cfg, Kernels.vector(), par);
                KvDecoder d = KvDecoder.of(g);
                KvDecoder.Cache c = d.newCache();
                float[] logits = new float[V];
                // A prompt of 5 tokens, then one token at a time to the end of the context.
                d.append(new KvDecoder.Cache[] {c}, new int[][] {Arrays.copyOf(seq, 5)}, logits);
                assertArrayEquals(full(g, seq, 5), logits, "prefix 5 of " + cfg);
                for (int n = 6; n <= ctx; n++) {
                    d.append(new KvDecoder.Cache[] {c}, new int[][] {{seq[n - 1]}}, logits);
                    assertArrayEquals(full(g, seq, n), logits, "prefix " + n + " of " + cfg);
                }
                assertEquals(ctx, c.length());
                assertThrows(IllegalArgumentException.class, () -> d.append(new KvDecoder.Cache[] {c}, new int[][] {{0}}, logits));
            }
        }
    }

    @Test
    void batchThreadsAndKernelsNeverChangeASequencesLogits() {
        GptConfig cfg = BIAS;
        int V = cfg.vocabSize();
        int[] a = tokens(30, V, 5), b = tokens(30, V, 6), c = tokens(30, V, 8);
        float[] ref = null;
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector()}) {
            for (int threads : new int[] {1, 2, 3, -2}) { // -2: two threads sharing each product's columns
                try (Parallel par = new Parallel(Math.abs(threads))) {
                    Gpt g = model(cfg, k, par);
                    KvDecoder d = KvDecoder.of(g);
                    if (threads < 0) d.sequenceSplitWeights = 0; // else a model this small gives each thread whole sequences
                    KvDecoder.Cache ca = d.newCache(), cb = d.newCache(), cc = d.newCache();
                    float[] out = new float[3 * V];
                    // a and b start together, c joins later with its whole prompt beside their single tokens.
                    d.append(new KvDecoder.Cache[] {ca, cb}, new int[][] {Arrays.copyOf(a, 9), Arrays.copyOf(b, 2)}, out);
                    for (int i = 0; i < 4; i++) {
                        d.append(new KvDecoder.Cache[] {ca, cb}, new int[][] {{a[9 + i]}, {b[2 + i]}}, out);
                    }
                    d.append(new KvDecoder.Cache[] {cb, cc, ca}, new int[][] {{b[6]}, Arrays.copyOf(c, 17), {a[13]}}, out);
                    float[] got = out.clone();
                    assertArrayEquals(full(g, b, 7), Arrays.copyOfRange(got, 0, V), k.name() + " x" + threads);
                    assertArrayEquals(full(g, c, 17), Arrays.copyOfRange(got, V, 2 * V), k.name() + " x" + threads);
                    assertArrayEquals(full(g, a, 14), Arrays.copyOfRange(got, 2 * V, 3 * V), k.name() + " x" + threads);
                    if (ref == null) ref = got;
                    else assertArrayEquals(ref, got, k.name() + " x" + threads);
                }
            }
        }
    }

    @Test
    void generateIsUnchangedByTheCache() {
        GptConfig cfg = NO_BIAS;
        try (Parallel par = new Parallel(2)) {
            Gpt g = model(cfg, Kernels.vector(), par);
            int[] prompt = tokens(4, cfg.vocabSize(), 9);
            for (boolean greedy : new boolean[] {true, false}) {
                // 40 tokens run past the 30-token context: the window then slides, as the full pass does.
                int[] got = Sampler.generate(g, prompt, 40, 0.9f, 10, 42, greedy);
                int[] want = fullGenerate(g, prompt, 40, 0.9f, 10, 42, greedy);
                assertArrayEquals(want, got, "greedy=" + greedy);
            }
        }
    }

    /** Generation by a full forward pass over the last context-length tokens at every step. */
    static int[] fullGenerate(Gpt g, int[] prompt, int tokens, float temperature, int topK, long seed, boolean greedy) {
        int ctx = g.cfg.contextLen();
        int[] seq = Arrays.copyOf(prompt, prompt.length + tokens);
        int len = prompt.length;
        Philox rng = new Philox(seed);
        float[] logits = new float[g.cfg.vocabSize()];
        for (int i = 0; i < tokens; i++) {
            int from = Math.max(0, len - ctx);
            g.forward(Arrays.copyOfRange(seq, from, len), null, 1, len - from);
            g.logitsAt(0, len - from - 1, logits);
            seq[len++] = greedy ? Sampler.argmax(logits) : Sampler.draw(logits, temperature, topK, rng.uniform(Philox.PURPOSE_SAMPLE, i, 0));
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }

    @Test
    void badCallsAreRefusedBeforeAnythingIsAppended() {
        try (Parallel par = new Parallel(1)) {
            KvDecoder d = KvDecoder.of(model(BIAS, Kernels.scalar(), par));
            KvDecoder.Cache c = d.newCache();
            float[] out = new float[2 * BIAS.vocabSize()];
            assertThrows(IllegalArgumentException.class, () -> d.append(new KvDecoder.Cache[] {c}, new int[][] {{1, 99}}, out));
            assertThrows(IllegalArgumentException.class, () -> d.append(new KvDecoder.Cache[] {c, c}, new int[][] {{1}, {2}}, out));
            assertThrows(IllegalArgumentException.class, () -> d.append(new KvDecoder.Cache[] {c}, new int[][] {new int[41]}, out));
            assertEquals(0, c.length());
        }
    }

    @Test
    void llamaEveryPrefixBatchAndThreadCountMatchesTheFullPass() {
        // grouped-query (4 heads over 2 kv heads) untied, and multi-query tied; RoPE at every position
        for (LlamaConfig cfg : new LlamaConfig[] {new LlamaConfig(37, 24, 2, 4, 2, 32, LlamaConfig.hiddenFor(32, 16), 500000.0, 1e-5f, false),
                new LlamaConfig(19, 16, 2, 4, 1, 16, 48, 10000.0, 1e-5f, true)}) {
            int V = cfg.vocabSize(), ctx = cfg.contextLen();
            int[] a = tokens(ctx, V, 21), b = tokens(ctx, V, 22);
            float[] ref = null;
            for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector()}) {
                for (int threads : new int[] {1, 3}) {
                    try (Parallel par = new Parallel(threads)) {
                        Llama m = LlamaTest.perturbed(cfg, k, par);
                        KvDecoder d = KvDecoder.of(m);
                        KvDecoder.Cache ca = d.newCache(), cb = d.newCache();
                        float[] out = new float[2 * V], got = new float[0];
                        d.append(new KvDecoder.Cache[] {ca}, new int[][] {Arrays.copyOf(a, 3)}, out);
                        float[] lm = new float[V];
                        for (int n = 4; n <= ctx; n++) {
                            // b joins at a's sixth token with its whole prompt, then both go on together
                            if (n < 6) d.append(new KvDecoder.Cache[] {ca}, new int[][] {{a[n - 1]}}, out);
                            else if (n == 6) d.append(new KvDecoder.Cache[] {ca, cb}, new int[][] {{a[n - 1]}, Arrays.copyOf(b, 5)}, out);
                            else d.append(new KvDecoder.Cache[] {ca, cb}, new int[][] {{a[n - 1]}, {b[n - 2]}}, out);
                            m.forward(Arrays.copyOf(a, n), null, 1, n);
                            assertArrayEquals(m.logitsAt(0, n - 1, lm), Arrays.copyOf(out, V), "a, prefix " + n);
                            if (n >= 6) {
                                m.forward(Arrays.copyOf(b, n - 1), null, 1, n - 1);
                                assertArrayEquals(m.logitsAt(0, n - 2, lm), Arrays.copyOfRange(out, V, 2 * V), "b, prefix " + (n - 1));
                            }
                            got = concat(got, out);
                        }
                        if (ref == null) ref = got;
                        else assertArrayEquals(ref, got, k.name() + " x" + threads);
                    }
                }
            }
        }
    }

    static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
