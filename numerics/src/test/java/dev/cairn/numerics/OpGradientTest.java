package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Each op's backward kernel against central finite differences of a double-precision forward. */
class OpGradientTest {
    private static final double H = 1e-5;
    private final Kernels k = Kernels.vector();

    /** d f / d x[i] by central differences in double. */
    static double fd(double[] x, int i, ToDoubleFunction<double[]> f) {
        double save = x[i];
        x[i] = save + H;
        double up = f.applyAsDouble(x);
        x[i] = save - H;
        double down = f.applyAsDouble(x);
        x[i] = save;
        return (up - down) / (2 * H);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static void close(double want, double got, String what) {
        assertEquals(want, got, 1e-3 * Math.max(1, Math.abs(want)), what);
    }

    @Test
    void layerNorm() {
        int C = 37;
        float[] x = KernelEquivalenceTest.random(1, C, 2f), w = KernelEquivalenceTest.random(2, C, 1f),
                b = KernelEquivalenceTest.random(3, C, 1f), dout = KernelEquivalenceTest.random(4, C, 1f);
        float[] out = new float[C], stats = new float[2], dx = new float[C], dw = new float[C], db = new float[C];
        k.layerNormForward(out, 0, x, 0, w, 0, b, 0, C, 1e-5f, stats, 0);
        k.layerNormBackward(dx, 0, dout, 0, x, 0, w, 0, C, stats, 0);
        k.layerNormParamGrads(dw, 0, db, 0, dout, x, 0, 1, C, stats, 0, C);
        double[] xd = toDouble(x), wd = toDouble(w), bd = toDouble(b), dd = toDouble(dout);
        // L = sum(dout * layernorm(x)); its gradient is what backward computes.
        ToDoubleFunction<double[]> lossX = xs -> dotLn(xs, wd, bd, dd);
        for (int i = 0; i < C; i++) {
            close(fd(xd, i, lossX), dx[i], "dx[" + i + "]");
            close(fd(wd, i, ws -> dotLn(xd, ws, bd, dd)), dw[i], "dw[" + i + "]");
            close(fd(bd, i, bs -> dotLn(xd, wd, bs, dd)), db[i], "db[" + i + "]");
        }
    }

    static double dotLn(double[] x, double[] w, double[] b, double[] dout) {
        int C = x.length;
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= C;
        for (double v : x) var += (v - mean) * (v - mean);
        double rstd = 1 / Math.sqrt(var / C + 1e-5);
        double s = 0;
        for (int i = 0; i < C; i++) s += dout[i] * ((x[i] - mean) * rstd * w[i] + b[i]);
        return s;
    }

    @Test
    void gelu() {
        int n = 41;
        float[] x = KernelEquivalenceTest.random(5, n, 3f), dout = KernelEquivalenceTest.random(6, n, 1f), dx = new float[n];
        k.geluBackward(dx, 0, x, 0, dout, 0, n);
        double[] xd = toDouble(x);
        for (int i = 0; i < n; i++) {
            int j = i;
            double g = fd(xd, i, xs -> dout[j] * 0.5 * xs[j] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (xs[j] + 0.044715 * Math.pow(xs[j], 3)))));
            close(g, dx[i], "gelu'(" + x[i] + ")");
        }
        float[] y = new float[n];
        k.geluForward(y, 0, x, 0, n);
        for (int i = 0; i < n; i++) {
            double want = 0.5 * x[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * Math.pow(x[i], 3))));
            assertEquals(want, y[i], 1e-5 * Math.max(1, Math.abs(want)));
        }
    }

    @Test
    void softmax() {
        int n = 23;
        float scale = 0.3f;
        float[] s = KernelEquivalenceTest.random(7, n, 3f), dout = KernelEquivalenceTest.random(8, n, 1f);
        float[] att = s.clone(), dpre = new float[n];
        k.softmaxForward(att, 0, n, scale);
        k.softmaxBackward(dpre, 0, att, 0, dout, 0, n, scale);
        double[] sd = toDouble(s);
        ToDoubleFunction<double[]> f = xs -> {
            double max = Double.NEGATIVE_INFINITY, z = 0, r = 0;
            for (double v : xs) max = Math.max(max, v * scale);
            for (double v : xs) z += Math.exp(v * scale - max);
            for (int i = 0; i < n; i++) r += dout[i] * Math.exp(xs[i] * scale - max) / z;
            return r;
        };
        for (int i = 0; i < n; i++) close(fd(sd, i, f), dpre[i], "dpre[" + i + "]");
    }

    @Test
    void crossEntropy() {
        int V = 29, target = 11;
        float[] logits = KernelEquivalenceTest.random(9, V, 2f), g = logits.clone();
        float loss = k.crossEntropy(g, 0, V, target, 1f);
        double[] ld = toDouble(logits);
        ToDoubleFunction<double[]> f = xs -> {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (double v : xs) max = Math.max(max, v);
            for (double v : xs) z += Math.exp(v - max);
            return Math.log(z) + max - xs[target];
        };
        assertEquals(f.applyAsDouble(ld), loss, 1e-5);
        for (int i = 0; i < V; i++) close(fd(ld, i, f), g[i], "dlogits[" + i + "]");
    }

    @Test
    void gemmGradientsAreProducts() {
        // For y = x W, dL/dW = x^T dy and dL/dx = dy W^T: both are gemm calls in the model; check their arithmetic.
        int M = 7, K = 5, N = 9;
        float[] x = KernelEquivalenceTest.random(10, M * K, 1f), w = KernelEquivalenceTest.random(11, K * N, 1f),
                dy = KernelEquivalenceTest.random(12, M * N, 1f), dw = new float[K * N];
        k.gemm(K, N, M, x, 0, 1, K, dy, 0, N, dw, 0, N, null, 0, false);
        double[] wd = toDouble(w);
        ToDoubleFunction<double[]> f = ws -> {
            double s = 0;
            for (int m = 0; m < M; m++) for (int n = 0; n < N; n++) {
                double y = 0;
                for (int kk = 0; kk < K; kk++) y += x[m * K + kk] * ws[kk * N + n];
                s += dy[m * N + n] * y;
            }
            return s;
        };
        for (int i = 0; i < K * N; i++) close(fd(wd, i, f), dw[i], "dW[" + i + "]");
    }

    @Test
    void rmsNorm() {
        int C = 37;
        float[] x = KernelEquivalenceTest.random(51, C, 2f), w = KernelEquivalenceTest.random(52, C, 1f),
                dout = KernelEquivalenceTest.random(53, C, 1f);
        float[] out = new float[C], stats = new float[1], dx = new float[C], dw = new float[C];
        k.rmsNormForward(out, 0, x, 0, w, 0, C, 1e-5f, stats, 0);
        k.rmsNormBackward(dx, 0, dout, 0, x, 0, w, 0, C, stats, 0);
        k.rmsNormParamGrads(dw, 0, dout, x, 0, 1, C, stats, 0, C);
        double[] xd = toDouble(x), wd = toDouble(w), dd = toDouble(dout);
        for (int i = 0; i < C; i++) {
            close(rms(xd, wd)[i], out[i], "rmsnorm[" + i + "]");
            close(fd(xd, i, xs -> dotRms(xs, wd, dd)), dx[i], "dx[" + i + "]");
            close(fd(wd, i, ws -> dotRms(xd, ws, dd)), dw[i], "dw[" + i + "]");
        }
    }

    static double[] rms(double[] x, double[] w) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double r = 1 / Math.sqrt(ms / x.length + 1e-5);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * w[i];
        return y;
    }

    static double dotRms(double[] x, double[] w, double[] dout) {
        double[] y = rms(x, w);
        double s = 0;
        for (int i = 0; i < y.length; i++) s += dout[i] * y[i];
        return s;
    }

    @Test
    void rope() {
        int half = 9;
        float[] cos = new float[half], sin = new float[half];
        for (int i = 0; i < half; i++) {
            cos[i] = (float) StrictMath.cos(0.7 * i + 0.2);
            sin[i] = (float) StrictMath.sin(0.7 * i + 0.2);
        }
        float[] x = KernelEquivalenceTest.random(54, 2 * half, 1f), dout = KernelEquivalenceTest.random(55, 2 * half, 1f);
        float[] y = x.clone(), dx = dout.clone();
        k.rope(y, 0, half, cos, sin, 0, false);
        k.rope(dx, 0, half, cos, sin, 0, true); // the backward pass: the rotation's transpose applied to dout
        double[] xd = toDouble(x);
        ToDoubleFunction<double[]> f = xs -> {
            double s = 0;
            for (int i = 0; i < half; i++) {
                double a = xs[i], b = xs[half + i];
                s += dout[i] * (a * cos[i] - b * sin[i]) + dout[half + i] * (b * cos[i] + a * sin[i]);
            }
            return s;
        };
        for (int i = 0; i < half; i++) {
            close(x[i] * (double) cos[i] - x[half + i] * (double) sin[i], y[i], "rope[" + i + "]");
            close(x[half + i] * (double) cos[i] + x[i] * (double) sin[i], y[half + i], "rope[" + (half + i) + "]");
        }
        for (int i = 0; i < 2 * half; i++) close(fd(xd, i, f), dx[i], "drope[" + i + "]");
    }

    @Test
    void swiglu() {
        int n = 41;
        float[] g = KernelEquivalenceTest.random(56, n, 3f), u = KernelEquivalenceTest.random(57, n, 1f),
                dout = KernelEquivalenceTest.random(58, n, 1f), y = new float[n], dg = new float[n], du = new float[n];
        k.swigluForward(y, 0, g, 0, u, 0, n);
        k.swigluBackward(dg, 0, du, 0, g, 0, u, 0, dout, 0, n);
        double[] gd = toDouble(g), ud = toDouble(u);
        for (int i = 0; i < n; i++) {
            int j = i;
            close(g[i] / (1 + Math.exp(-g[i])) * u[i], y[i], "swiglu[" + i + "]");
            close(fd(gd, i, gs -> dout[j] * gs[j] / (1 + Math.exp(-gs[j])) * ud[j]), dg[i], "dgate[" + i + "]");
            close(fd(ud, i, us -> dout[j] * gd[j] / (1 + Math.exp(-gd[j])) * us[j]), du[i], "dup[" + i + "]");
        }
    }
}
