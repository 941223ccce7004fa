package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vector kernels must give the scalar reference's bits exactly. Surefire runs this class once per
 * supported vector width (-Dcairn.vector.bits=128, 256, 512), see numerics/pom.xml.
 */
class KernelEquivalenceTest {
    private final Kernels s = Kernels.scalar(), v = Kernels.vector();

    static float[] random(long seed, int n, float scale) {
        Philox p = new Philox(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (p.normal(9, 0, i) * scale);
        return x;
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " differs: scalar " + expected[i] + " vector " + actual[i]);
            }
        }
    }

    @ParameterizedTest(name = "gemm M={0} N={1} K={2} transA={3}")
    @CsvSource({"1,1,1,false", "7,5,3,false", "6,32,17,false", "13,47,29,true", "64,128,64,false",
                "37,200,65,true", "96,96,96,false", "100,33,130,true", "5,16,1,false", "12,65,128,false",
                // row tails of one to five rows beside the six-row groups, with and without packing
                "8,64,300,true", "9,64,3,false", "10,70,9,false", "11,130,5,true", "128,128,20,true", "101,256,7,false",
                // four-row tails of two-vector panels (attention's last 4-row tile at head size 32)
                "4,32,64,false", "64,32,17,true", "10,32,12,false", "4,16,9,true", "5,40,33,false",
                // packed panels (A of 96 rows or more) over split depths and in chunks; masked last columns beside them
                "30,130,300,false", "24,193,257,true", "13,65,128,false", "7,3,40,true", "1,15,8,false",
                "120,117,70,false", "100,1100,300,false", "97,1090,260,true", "96,64,5,true", "95,64,5,true"})
    void gemmMatchesReference(int M, int N, int K, boolean transA) {
        float[] a = random(1, M * K + 3, 1f), b = random(2, K * (N + 2) + 5, 1f), bias = random(3, N + 1, 1f);
        int sm = transA ? 1 : K, sk = transA ? M : 1;
        for (int mode = 0; mode < 3; mode++) {
            float[] c1 = random(4, M * (N + 1) + 2, 1f), c2 = c1.clone();
            float[] bs = mode == 1 ? bias : null;
            boolean acc = mode == 2;
            s.gemm(M, N, K, a, 3, sm, sk, b, 5, N + 2, c1, 2, N + 1, bs, 1, acc);
            v.gemm(M, N, K, a, 3, sm, sk, b, 5, N + 2, c2, 2, N + 1, bs, 1, acc);
            assertBitsEqual(c1, c2, "gemm mode " + mode);
        }
    }

    @ParameterizedTest(name = "gemm split depth M={0} N={1} K={2} at {3}")
    @CsvSource({"24,128,768,384", "24,512,384,100", "7,65,300,299", "13,47,29,1"})
    void gemmContinuesAcrossSplitDepth(int M, int N, int K, int split) {
        // A weight gradient over rows [0, K) equals the one over [0, split) continued over [split, K).
        float[] a = random(11, K * M, 1f), b = random(12, K * N, 1f);
        for (Kernels k : new Kernels[] {s, v}) {
            float[] whole = random(13, M * N, 1f), parts = whole.clone();
            k.gemm(M, N, K, a, 0, 1, M, b, 0, N, whole, 0, N, null, 0, true);
            k.gemm(M, N, split, a, 0, 1, M, b, 0, N, parts, 0, N, null, 0, true);
            k.gemm(M, N, K - split, a, split * M, 1, M, b, split * N, N, parts, 0, N, null, 0, true);
            assertBitsEqual(whole, parts, k.name() + " split depth");
        }
    }

    @Test
    void gemmComputesTheProduct() {
        // A (2x3) times B (3x2), exactly representable.
        float[] a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10, 11, 12}, c = new float[4];
        for (Kernels k : new Kernels[] {s, v}) {
            k.gemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, c, 0, 2, null, 0, false);
            assertArrayEquals(new float[] {58, 64, 139, 154}, c);
        }
    }

    @Test
    void reductionsMatchReference() {
        for (int n : new int[] {1, 3, 15, 16, 17, 31, 64, 65, 100, 128, 1000}) {
            float[] x = random(n, n + 2, 3f), y = random(n + 7, n + 2, 1f);
            assertEquals(Float.floatToRawIntBits(s.sum(x, 1, n)), Float.floatToRawIntBits(v.sum(x, 1, n)), "sum n=" + n);
            assertEquals(Float.floatToRawIntBits(s.dot(x, 1, y, 2, n)), Float.floatToRawIntBits(v.dot(x, 1, y, 2, n)), "dot n=" + n);
        }
    }

    @Test
    void sumFollowsTheSixteenLaneRule() {
        // 1e8 + 1 - 1e8 differs by lane placement: element i goes to lane i % 16.
        float[] x = new float[17];
        x[0] = 1e8f; x[16] = -1e8f; x[1] = 1f;
        assertEquals(1f, s.sum(x, 0, 17)); // lane 0: 1e8 - 1e8 = 0; lane 1: 1
        assertEquals(1f, v.sum(x, 0, 17));
    }

    @ParameterizedTest
    @CsvSource({"16", "33", "128", "384", "7"})
    void layerNormMatchesReference(int C) {
        int rows = 5;
        float[] x = random(1, rows * C, 2f), w = random(2, C, 1f), b = random(3, C, 1f), dout = random(4, rows * C, 1f);
        float[] o1 = new float[rows * C], o2 = new float[rows * C], st1 = new float[2 * rows], st2 = new float[2 * rows];
        for (int r = 0; r < rows; r++) {
            s.layerNormForward(o1, r * C, x, r * C, w, 0, b, 0, C, 1e-5f, st1, 2 * r);
            v.layerNormForward(o2, r * C, x, r * C, w, 0, r % 2 == 0 ? b : null, 0, C, 1e-5f, st2, 2 * r);
            if (r % 2 != 0) s.layerNormForward(o1, r * C, x, r * C, w, 0, null, 0, C, 1e-5f, st1, 2 * r);
        }
        assertBitsEqual(o1, o2, "layernorm forward");
        assertBitsEqual(st1, st2, "layernorm stats");
        // the output rebuilt from the kept stats, by either kernel set, is the forward's output
        float[] a1 = new float[rows * C], a2 = new float[rows * C];
        for (int r = 0; r < rows; r++) {
            float[] br = r % 2 == 0 ? b : null;
            s.layerNormApply(a1, r * C, x, r * C, w, 0, br, 0, C, st1, 2 * r);
            v.layerNormApply(a2, r * C, x, r * C, w, 0, br, 0, C, st2, 2 * r);
        }
        assertBitsEqual(o1, a1, "layernorm apply (scalar)");
        assertBitsEqual(o1, a2, "layernorm apply (vector)");
        float[] dx1 = random(5, rows * C, 1f), dx2 = dx1.clone();
        for (int r = 0; r < rows; r++) {
            s.layerNormBackward(dx1, r * C, dout, r * C, x, r * C, w, 0, C, st1, 2 * r);
            v.layerNormBackward(dx2, r * C, dout, r * C, x, r * C, w, 0, C, st2, 2 * r);
        }
        assertBitsEqual(dx1, dx2, "layernorm backward");
        float[] dw1 = random(6, C, 1f), dw2 = dw1.clone(), db1 = random(7, C, 1f), db2 = db1.clone();
        s.layerNormParamGrads(dw1, 0, db1, 0, dout, x, 0, rows, C, st1, 0, C);
        v.layerNormParamGrads(dw2, 0, db2, 0, dout, x, 0, rows, C, st2, 1, C);
        v.layerNormParamGrads(dw2, 0, db2, 0, dout, x, 0, rows, C, st2, 0, 1);
        assertBitsEqual(dw1, dw2, "layernorm dw");
        assertBitsEqual(db1, db2, "layernorm db");
        float[] cs1 = random(8, C, 1f), cs2 = cs1.clone();
        s.columnSums(cs1, 0, dout, 0, rows, C, 0, C);
        v.columnSums(cs2, 0, dout, 0, rows, C, 0, C);
        assertBitsEqual(cs1, cs2, "column sums");
        // Row sums continue from what is stored, so consecutive row ranges give the bits of one whole range.
        float[] dw3 = random(6, C, 1f), db3 = random(7, C, 1f), cs3 = random(8, C, 1f);
        v.layerNormParamGrads(dw3, 0, db3, 0, dout, x, 0, 2, C, st2, 0, C);
        v.layerNormParamGrads(dw3, 0, db3, 0, dout, x, 2, rows, C, st2, 0, C);
        assertBitsEqual(dw1, dw3, "layernorm dw over split rows");
        assertBitsEqual(db1, db3, "layernorm db over split rows");
        v.columnSums(cs3, 0, dout, 0, 3, C, 0, C);
        v.columnSums(cs3, 0, dout, 3 * C, rows - 3, C, 0, C);
        assertBitsEqual(cs1, cs3, "column sums over split rows");
    }

    @ParameterizedTest(name = "rmsnorm C={0}")
    @CsvSource({"16", "33", "128", "384", "7", "1", "65"})
    void rmsNormMatchesReference(int C) {
        int rows = 5;
        float[] x = random(21, rows * C, 2f), w = random(22, C, 1f), dout = random(23, rows * C, 1f);
        float[] o1 = new float[rows * C], o2 = new float[rows * C], st1 = new float[rows], st2 = new float[rows];
        for (int r = 0; r < rows; r++) {
            s.rmsNormForward(o1, r * C, x, r * C, w, 0, C, 1e-5f, st1, r);
            v.rmsNormForward(o2, r * C, x, r * C, w, 0, C, 1e-5f, st2, r);
        }
        assertBitsEqual(o1, o2, "rmsnorm forward");
        assertBitsEqual(st1, st2, "rmsnorm rstd");
        float[] dx1 = random(24, rows * C, 1f), dx2 = dx1.clone();
        for (int r = 0; r < rows; r++) {
            s.rmsNormBackward(dx1, r * C, dout, r * C, x, r * C, w, 0, C, st1, r);
            v.rmsNormBackward(dx2, r * C, dout, r * C, x, r * C, w, 0, C, st2, r);
        }
        assertBitsEqual(dx1, dx2, "rmsnorm backward");
        float[] dw1 = random(25, C, 1f), dw2 = dw1.clone(), dw3 = dw1.clone();
        s.rmsNormParamGrads(dw1, 0, dout, x, 0, rows, C, st1, 0, C);
        v.rmsNormParamGrads(dw2, 0, dout, x, 0, rows, C, st2, 1, C);
        v.rmsNormParamGrads(dw2, 0, dout, x, 0, rows, C, st2, 0, 1);
        assertBitsEqual(dw1, dw2, "rmsnorm dw");
        v.rmsNormParamGrads(dw3, 0, dout, x, 0, 2, C, st2, 0, C); // consecutive row ranges continue the sums
        v.rmsNormParamGrads(dw3, 0, dout, x, 2, rows, C, st2, 0, C);
        assertBitsEqual(dw1, dw3, "rmsnorm dw over split rows");
    }

    @ParameterizedTest(name = "rope half={0}")
    @CsvSource({"1", "3", "4", "8", "16", "17", "32", "40", "64"})
    void ropeMatchesReference(int half) {
        float[] cos = random(31, half + 2, 1f), sin = random(32, half + 2, 1f);
        for (boolean inverse : new boolean[] {false, true}) {
            float[] x1 = random(33, 2 * half + 5, 2f), x2 = x1.clone();
            s.rope(x1, 3, half, cos, sin, 2, inverse);
            v.rope(x2, 3, half, cos, sin, 2, inverse);
            assertBitsEqual(x1, x2, "rope inverse=" + inverse);
        }
        // the inverse undoes a true rotation (cos^2 + sin^2 = 1) up to rounding
        float[] c = new float[half], sn = new float[half];
        for (int i = 0; i < half; i++) {
            c[i] = (float) StrictMath.cos(0.3 * i + 0.1);
            sn[i] = (float) StrictMath.sin(0.3 * i + 0.1);
        }
        float[] x = random(34, 2 * half, 1f), y = x.clone();
        v.rope(y, 0, half, c, sn, 0, false);
        v.rope(y, 0, half, c, sn, 0, true);
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-5f);
    }

    @Test
    void swigluMatchesReference() {
        for (int n : new int[] {1, 5, 16, 17, 33, 100, 257}) {
            float[] g = random(41, n + 3, 4f), u = random(42, n + 3, 1f), dout = random(43, n + 3, 1f);
            g[0] = 0f;
            if (n > 3) { g[1] = -100f; g[2] = 100f; g[3] = -0f; }
            float[] o1 = new float[n + 3], o2 = new float[n + 3];
            s.swigluForward(o1, 1, g, 0, u, 2, n);
            v.swigluForward(o2, 1, g, 0, u, 2, n);
            assertBitsEqual(o1, o2, "swiglu forward n=" + n);
            float[] dg1 = new float[n + 3], dg2 = new float[n + 3], du1 = new float[n + 3], du2 = new float[n + 3];
            s.swigluBackward(dg1, 1, du1, 2, g, 0, u, 2, dout, 3, n);
            v.swigluBackward(dg2, 1, du2, 2, g, 0, u, 2, dout, 3, n);
            assertBitsEqual(dg1, dg2, "swiglu dgate n=" + n);
            assertBitsEqual(du1, du2, "swiglu dup n=" + n);
            // in place: the gradients may overwrite the gate and up values they read
            float[] gu1 = new float[2 * n], gu2;
            System.arraycopy(g, 0, gu1, 0, n);
            System.arraycopy(u, 2, gu1, n, n);
            gu2 = gu1.clone();
            s.swigluBackward(gu1, 0, gu1, n, gu1, 0, gu1, n, dout, 3, n);
            v.swigluBackward(gu2, 0, gu2, n, gu2, 0, gu2, n, dout, 3, n);
            assertBitsEqual(gu1, gu2, "swiglu in place n=" + n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(dg1[1 + i]), Float.floatToRawIntBits(gu1[i]), "in place dgate");
                assertEquals(Float.floatToRawIntBits(du1[2 + i]), Float.floatToRawIntBits(gu1[n + i]), "in place dup");
            }
        }
    }

    @ParameterizedTest(name = "causal softmax rows={0} from {1}")
    @CsvSource({"1,1", "3,1", "4,1", "7,2", "12,1", "13,5", "64,1", "20,30"})
    void causalSoftmaxMatchesOneRowAtATime(int rows, int n0) {
        int ld = n0 + rows + 3;
        float[] x = random(31, rows * ld + 2, 4f), dout = random(32, rows * ld + 2, 1f);
        // the reference: the one-row kernel of the scalar set, row by row
        float[] ref = x.clone();
        for (int r = 0; r < rows; r++) s.softmaxForward(ref, 1 + r * ld, n0 + r, 0.17f);
        for (Kernels k : new Kernels[] {s, v}) {
            float[] got = x.clone();
            k.softmaxCausal(got, 1, ld, rows, n0, 0.17f);
            assertBitsEqual(ref, got, k.name() + " causal softmax");
        }
        // backward in place (datt and dpre the same rows), as attention runs it
        float[] refB = dout.clone();
        for (int r = 0; r < rows; r++) s.softmaxBackward(refB, 1 + r * ld, ref, 1 + r * ld, refB, 1 + r * ld, n0 + r, 0.17f);
        for (Kernels k : new Kernels[] {s, v}) {
            float[] got = dout.clone();
            k.softmaxCausalBackward(got, 1, ref, 1, got, 1, ld, rows, n0, 0.17f);
            assertBitsEqual(refB, got, k.name() + " causal softmax backward");
        }
    }

    @ParameterizedTest(name = "transpose rows={0} cols={1} ld={2}")
    @CsvSource({"64,32,384", "17,5,9", "5,3,3", "33,32,100", "16,1,16", "48,40,50", "35,77,80", "128,512,512", "8,24,24"})
    void transposeMatchesReference(int rows, int cols, int ld) {
        float[] src = random(9, 7 + rows * ld, 1f);
        float[] d1 = new float[3 + cols * (rows + 2)], d2 = d1.clone();
        s.transpose(src, 7, rows, cols, ld, d1, 3, rows + 2);
        v.transpose(src, 7, rows, cols, ld, d2, 3, rows + 2);
        assertBitsEqual(d1, d2, "transpose");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) assertEquals(src[7 + r * ld + c], d1[3 + c * (rows + 2) + r]);
        }
    }

    @Test
    void elementwiseMatchReference() {
        for (int n : new int[] {1, 5, 16, 37, 512, 1031}) {
            float[] x = random(n, n, 4f), dout = random(n + 1, n, 1f);
            x[0] = n % 2 == 0 ? 30f : -30f; // saturated tanh
            float[] o1 = new float[n], o2 = new float[n];
            s.geluForward(o1, 0, x, 0, n);
            v.geluForward(o2, 0, x, 0, n);
            assertBitsEqual(o1, o2, "gelu forward n=" + n);
            s.geluBackward(o1, 0, x, 0, dout, 0, n);
            v.geluBackward(o2, 0, x, 0, dout, 0, n);
            assertBitsEqual(o1, o2, "gelu backward n=" + n);
            // Keeping the forward pass's tanh gives the same bits in both directions.
            float[] t1 = new float[n], t2 = new float[n], k1 = new float[n], k2 = new float[n];
            s.geluForward(k1, 0, t1, 0, x, 0, n);
            v.geluForward(k2, 0, t2, 0, x, 0, n);
            float[] f1 = new float[n];
            s.geluForward(f1, 0, x, 0, n);
            assertBitsEqual(f1, k1, "gelu forward keeping tanh n=" + n);
            assertBitsEqual(k1, k2, "gelu forward keeping tanh, vector n=" + n);
            assertBitsEqual(t1, t2, "kept tanh n=" + n);
            s.geluBackward(k1, 0, x, 0, t1, 0, dout, 0, n);
            v.geluBackward(k2, 0, x, 0, t2, 0, dout, 0, n);
            assertBitsEqual(o1, k1, "gelu backward from kept tanh n=" + n);
            assertBitsEqual(o1, k2, "gelu backward from kept tanh, vector n=" + n);
            // ... and rebuilding the forward output beside it, in place over dout as the model calls it.
            float[] d1 = dout.clone(), d2 = dout.clone(), y1 = new float[n], y2 = new float[n];
            s.geluBackward(d1, 0, x, 0, t1, 0, d1, 0, y1, 0, n);
            v.geluBackward(d2, 0, x, 0, t2, 0, d2, 0, y2, 0, n);
            assertBitsEqual(o1, java.util.Arrays.copyOf(d1, n), "gelu backward rebuilding y n=" + n);
            assertBitsEqual(o1, java.util.Arrays.copyOf(d2, n), "gelu backward rebuilding y, vector n=" + n);
            assertBitsEqual(f1, y1, "rebuilt gelu output n=" + n);
            assertBitsEqual(f1, y2, "rebuilt gelu output, vector n=" + n);
            float[] sm1 = x.clone(), sm2 = x.clone();
            s.softmaxForward(sm1, 0, n, 0.17f);
            v.softmaxForward(sm2, 0, n, 0.17f);
            assertBitsEqual(sm1, sm2, "softmax n=" + n);
            s.softmaxBackward(o1, 0, sm1, 0, dout, 0, n, 0.17f);
            v.softmaxBackward(o2, 0, sm2, 0, dout, 0, n, 0.17f);
            assertBitsEqual(o1, o2, "softmax backward n=" + n);
            float[] l1 = x.clone(), l2 = x.clone();
            float loss1 = s.crossEntropy(l1, 0, n, n / 2, 0.25f), loss2 = v.crossEntropy(l2, 0, n, n / 2, 0.25f);
            assertEquals(Float.floatToRawIntBits(loss1), Float.floatToRawIntBits(loss2));
            assertBitsEqual(l1, l2, "cross entropy n=" + n);
            s.add(o1, 0, x, 0, dout, 0, n);
            v.add(o2, 0, x, 0, dout, 0, n);
            assertBitsEqual(o1, o2, "add");
            s.scale(o1, 0, n, 0.3f);
            v.scale(o2, 0, n, 0.3f);
            assertBitsEqual(o1, o2, "scale");
            float[] p1 = random(1, n + 3, 1f), p2 = p1.clone(), g = random(2, n + 3, 1f);
            float[] m1 = random(3, n + 3, 0.1f), m2 = m1.clone(), v1 = random(4, n + 3, 0.1f);
            for (int i = 0; i < v1.length; i++) v1[i] = Math.abs(v1[i]);
            float[] v2 = v1.clone();
            s.adamw(p1, g, n % 2 == 0 ? 1f : 0.37f, m1, v1, 2, n, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.1f, 0.3f, 0.05f);
            v.adamw(p2, g, n % 2 == 0 ? 1f : 0.37f, m2, v2, 2, n, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.1f, 0.3f, 0.05f);
            assertBitsEqual(p1, p2, "adamw p");
            assertBitsEqual(m1, m2, "adamw m");
            assertBitsEqual(v1, v2, "adamw v");
        }
    }

    @Test
    void vectorExpMatchesScalarOnEveryKindOfFloat() {
        // One float in every 997 bit patterns (4.3 million: NaNs, infinities, subnormals, both zeros, the clamp
        // bounds and every binade between), plus the edges themselves.
        int W = VectorKernels.W, stride = 997;
        float[] x = new float[(int) ((1L << 32) / stride) + 16 + 2 * W];
        int n = 0;
        for (long b = Integer.MIN_VALUE; b <= Integer.MAX_VALUE; b += stride) x[n++] = Float.intBitsToFloat((int) b);
        for (float e : new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -87f, 88f,
                Math.nextDown(-87f), Math.nextUp(88f), Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE}) {
            x[n++] = e;
        }
        while (n % W != 0) x[n++] = 1f;
        for (int i = 0; i < n; i += W) {
            float[] got = new float[W];
            VectorKernels.exp(jdk.incubator.vector.FloatVector.fromArray(VectorKernels.S, x, i)).intoArray(got, 0);
            for (int l = 0; l < W; l++) {
                float want = DetMath.exp(x[i + l]);
                if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got[l]) && !(Float.isNaN(want) && Float.isNaN(got[l]))) {
                    fail("exp(" + x[i + l] + "): scalar " + want + " vector " + got[l]);
                }
            }
        }
    }

    @Test
    void expIsAccurateAndTotal() {
        for (float x = -80f; x < 80f; x += 0.37f) {
            double want = StrictMath.exp(x), got = DetMath.exp(x);
            assertEquals(want, got, want * 3e-7, "exp(" + x + ")");
        }
        assertTrue(Float.isNaN(DetMath.exp(Float.NaN)));
        assertTrue(DetMath.exp(-1000f) < 1e-37f);
        assertTrue(Float.isFinite(DetMath.exp(1000f)));
        assertEquals(Math.tanh(0.5), DetMath.tanh(0.5f), 1e-6);
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) x[i] = (i - 32) * 2.9f;
        float[] e1 = x.clone(), e2 = x.clone();
        s.softmaxForward(e1, 0, 64, 1f);
        v.softmaxForward(e2, 0, 64, 1f);
        assertBitsEqual(e1, e2, "softmax over a wide range");
    }
}
