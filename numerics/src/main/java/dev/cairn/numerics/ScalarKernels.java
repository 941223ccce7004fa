package dev.cairn.numerics;

/** The reference definition of every kernel: plain loops, one operation at a time, in the documented order. */
public class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    protected ScalarKernels() {}

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(int M, int N, int K, float[] a, int aOff, int aRowStride, int aColStride,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                     float[] bias, int biasOff, boolean accumulate) {
        for (int m = 0; m < M; m++) {
            gemmRowTail(m, 0, N, K, a, aOff, aRowStride, aColStride, b, bOff, ldb, c, cOff, ldc, bias, biasOff, accumulate);
        }
    }

    /** Columns [n0, n1) of row m, scalar; shared with the vector path for its ragged edges. */
    static void gemmRowTail(int m, int n0, int n1, int K, float[] a, int aOff, int aRowStride, int aColStride,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                            float[] bias, int biasOff, boolean accumulate) {
        int aRow = aOff + m * aRowStride;
        for (int n = n0; n < n1; n++) {
            int ci = cOff + m * ldc + n;
            float acc = accumulate ? c[ci] : bias != null ? bias[biasOff + n] : 0f;
            int ai = aRow, bi = bOff + n;
            for (int k = 0; k < K; k++) {
                acc = Math.fma(a[ai], b[bi], acc);
                ai += aColStride;
                bi += ldb;
            }
            c[ci] = acc;
        }
    }

    /** Combines the logical lanes by the fixed pairwise tree. */
    static float combineLanes(float[] lanes) {
        for (int w = LANES / 2; w >= 1; w >>= 1) {
            for (int j = 0; j < w; j++) lanes[j] = lanes[j] + lanes[j + w];
        }
        return lanes[0];
    }

    @Override
    public float sum(float[] x, int off, int n) {
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) lanes[i % LANES] += x[off + i];
        return combineLanes(lanes);
    }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) lanes[i % LANES] = Math.fma(x[xOff + i], y[yOff + i], lanes[i % LANES]);
        return combineLanes(lanes);
    }

    /** Sum of (x - mean)^2 by the lane rule, fma per element. */
    float sumSquaredDeviation(float[] x, int off, int n, float mean) {
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - mean;
            lanes[i % LANES] = Math.fma(d, d, lanes[i % LANES]);
        }
        return combineLanes(lanes);
    }

    @Override
    public void layerNormForward(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff,
                                 float[] b, int bOff, int C, float eps, float[] stats, int statsOff) {
        float mean = sum(x, xOff, C) / C;
        float var = sumSquaredDeviation(x, xOff, C, mean) / C;
        float rstd = 1f / (float) Math.sqrt(var + eps);
        stats[statsOff] = mean;
        stats[statsOff + 1] = rstd;
        layerNormApply(out, outOff, x, xOff, w, wOff, b, bOff, C, stats, statsOff);
    }

    @Override
    public void layerNormApply(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff,
                               float[] b, int bOff, int C, float[] stats, int statsOff) {
        float mean = stats[statsOff], rstd = stats[statsOff + 1];
        for (int i = 0; i < C; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            out[outOff + i] = Math.fma(norm, w[wOff + i], b == null ? 0f : b[bOff + i]);
        }
    }

    /** The two row sums of the LayerNorm backward pass: sum(dout*w) and sum(dout*w*norm). */
    void layerNormBackwardSums(float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff, int C,
                               float mean, float rstd, float[] out2) {
        float[] l1 = new float[LANES], l2 = new float[LANES];
        for (int i = 0; i < C; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = dout[doutOff + i] * w[wOff + i];
            l1[i % LANES] += dnorm;
            l2[i % LANES] = Math.fma(dnorm, norm, l2[i % LANES]);
        }
        out2[0] = combineLanes(l1);
        out2[1] = combineLanes(l2);
    }

    @Override
    public void layerNormBackward(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff,
                                  float[] w, int wOff, int C, float[] stats, int statsOff) {
        float mean = stats[statsOff], rstd = stats[statsOff + 1];
        float[] s = new float[2];
        layerNormBackwardSums(dout, doutOff, x, xOff, w, wOff, C, mean, rstd, s);
        float dnormMean = s[0] / C, dnormNormMean = s[1] / C;
        for (int i = 0; i < C; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = dout[doutOff + i] * w[wOff + i];
            float dval = ((dnorm - dnormMean) - norm * dnormNormMean) * rstd;
            dx[dxOff + i] += dval;
        }
    }

    @Override
    public void layerNormParamGrads(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, float[] x,
                                    int r0, int r1, int C, float[] stats, int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            float mean = stats[2 * r], rstd = stats[2 * r + 1];
            int row = r * C;
            for (int c = c0; c < c1; c++) {
                float norm = (x[row + c] - mean) * rstd;
                float d = dout[row + c];
                dw[dwOff + c] = Math.fma(d, norm, dw[dwOff + c]);
                if (db != null) db[dbOff + c] += d;
            }
        }
    }

    @Override
    public void rmsNormForward(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int C, float eps,
                               float[] stats, int statsOff) {
        float ms = dot(x, xOff, x, xOff, C) / C;
        float rstd = 1f / (float) Math.sqrt(ms + eps);
        stats[statsOff] = rstd;
        rmsNormApply(out, outOff, x, xOff, w, wOff, C, rstd);
    }

    /** out = (x * rstd) * w over one row. */
    void rmsNormApply(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int C, float rstd) {
        for (int i = 0; i < C; i++) out[outOff + i] = (x[xOff + i] * rstd) * w[wOff + i];
    }

    /** The row sum of the RMSNorm backward pass: the lane-rule sum of fma(dout * w, x). */
    float rmsNormBackwardSum(float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff, int C) {
        float[] lanes = new float[LANES];
        for (int i = 0; i < C; i++) {
            lanes[i % LANES] = Math.fma(dout[doutOff + i] * w[wOff + i], x[xOff + i], lanes[i % LANES]);
        }
        return combineLanes(lanes);
    }

    @Override
    public void rmsNormBackward(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff,
                                int C, float[] stats, int statsOff) {
        float rstd = stats[statsOff];
        float s = rmsNormBackwardSum(dout, doutOff, x, xOff, w, wOff, C);
        float k = (s / C) * ((rstd * rstd) * rstd);
        rmsNormBackwardApply(dx, dxOff, dout, doutOff, x, xOff, w, wOff, C, rstd, k);
    }

    /** dx += (dout * w) * rstd - x * k over one row. */
    void rmsNormBackwardApply(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff,
                              int C, float rstd, float k) {
        for (int i = 0; i < C; i++) {
            dx[dxOff + i] += (dout[doutOff + i] * w[wOff + i]) * rstd - x[xOff + i] * k;
        }
    }

    @Override
    public void rmsNormParamGrads(float[] dw, int dwOff, float[] dout, float[] x, int r0, int r1, int C, float[] stats,
                                  int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            float rstd = stats[r];
            int row = r * C;
            for (int c = c0; c < c1; c++) dw[dwOff + c] = Math.fma(dout[row + c], x[row + c] * rstd, dw[dwOff + c]);
        }
    }

    @Override
    public void rope(float[] x, int off, int half, float[] cos, float[] sin, int csOff, boolean inverse) {
        for (int i = 0; i < half; i++) {
            float a = x[off + i], b = x[off + half + i], c = cos[csOff + i], s = sin[csOff + i];
            if (inverse) {
                x[off + i] = a * c + b * s;
                x[off + half + i] = b * c - a * s;
            } else {
                x[off + i] = a * c - b * s;
                x[off + half + i] = b * c + a * s;
            }
        }
    }

    @Override
    public void swigluForward(float[] out, int outOff, float[] g, int gOff, float[] u, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            float gi = g[gOff + i];
            out[outOff + i] = (gi / (1f + DetMath.exp(-gi))) * u[uOff + i];
        }
    }

    @Override
    public void swigluBackward(float[] dg, int dgOff, float[] du, int duOff, float[] g, int gOff, float[] u, int uOff,
                               float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            float gi = g[gOff + i], ui = u[uOff + i], d = dout[doutOff + i];
            float e1 = 1f + DetMath.exp(-gi);
            float sig = 1f / e1, silu = gi / e1;
            du[duOff + i] = d * silu;
            dg[dgOff + i] = ((d * ui) * sig) * (1f + gi * (1f - sig));
        }
    }

    @Override
    public void columnSums(float[] dst, int dstOff, float[] src, int srcOff, int rows, int ld, int j0, int j1) {
        for (int r = 0; r < rows; r++) {
            int row = srcOff + r * ld;
            for (int j = j0; j < j1; j++) dst[dstOff + j] += src[row + j];
        }
    }

    @Override
    public void geluForward(float[] out, int outOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float u = DetMath.GELU_SCALE * (v + DetMath.GELU_CUBIC * v * v * v);
            out[outOff + i] = 0.5f * v * (1f + DetMath.tanh(u));
        }
    }

    /** gelu'(v) given th = tanh of the GELU's inner argument. */
    static float geluLocal(float v, float th) {
        float sech2 = 1f - th * th;
        return 0.5f * (1f + th) + v * 0.5f * sech2 * DetMath.GELU_SCALE * (1f + 3f * DetMath.GELU_CUBIC * v * v);
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float u = DetMath.GELU_SCALE * (v + DetMath.GELU_CUBIC * v * v * v);
            float t = DetMath.tanh(u);
            dx[dxOff + i] = geluLocal(v, t) * dout[doutOff + i];
        }
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff,
                             float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float th = t[tOff + i];
            dx[dxOff + i] = geluLocal(v, th) * dout[doutOff + i];
            y[yOff + i] = 0.5f * v * (1f + th);
        }
    }

    @Override
    public void geluForward(float[] out, int outOff, float[] t, int tOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float u = DetMath.GELU_SCALE * (v + DetMath.GELU_CUBIC * v * v * v);
            float th = DetMath.tanh(u);
            t[tOff + i] = th;
            out[outOff + i] = 0.5f * v * (1f + th);
        }
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float th = t[tOff + i];
            dx[dxOff + i] = geluLocal(v, th) * dout[doutOff + i];
        }
    }

    @Override
    public void transpose(float[] src, int srcOff, int rows, int cols, int ld, float[] dst, int dstOff, int ldd) {
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) dst[dstOff + c * ldd + r] = src[srcOff + r * ld + c];
        }
    }

    @Override
    public void softmaxForward(float[] x, int off, int n, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float s = x[off + i] * scale;
            x[off + i] = s;
            max = Math.max(max, s);
        }
        for (int i = 0; i < n; i++) x[off + i] = DetMath.exp(x[off + i] - max);
        float inv = 1f / sum(x, off, n);
        for (int i = 0; i < n; i++) x[off + i] = x[off + i] * inv;
    }

    @Override
    public void softmaxCausal(float[] x, int off, int ld, int rows, int n0, float scale) {
        for (int r = 0; r < rows; r++) softmaxForward(x, off + r * ld, n0 + r, scale);
    }

    @Override
    public void softmaxCausalBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                                      int ld, int rows, int n0, float scale) {
        for (int r = 0; r < rows; r++) softmaxBackward(dpre, dpreOff + r * ld, att, attOff + r * ld, datt, dattOff + r * ld, n0 + r, scale);
    }

    @Override
    public void softmaxBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                                int n, float scale) {
        float d = dot(att, attOff, datt, dattOff, n);
        for (int i = 0; i < n; i++) dpre[dpreOff + i] = (att[attOff + i] * (datt[dattOff + i] - d)) * scale;
    }

    @Override
    public float crossEntropy(float[] logits, int off, int V, int target, float gradScale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
        float lt = logits[off + target] - max;
        for (int i = 0; i < V; i++) logits[off + i] = DetMath.exp(logits[off + i] - max);
        float sum = sum(logits, off, V);
        float inv = 1f / sum;
        for (int i = 0; i < V; i++) logits[off + i] = (logits[off + i] * inv) * gradScale;
        logits[off + target] -= gradScale;
        return (float) (StrictMath.log(sum) - lt);
    }

    @Override
    public void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void adamw(float[] p, float[] g, float gscale, float[] m, float[] v, int off, int n, float lr, float beta1,
                      float beta2, float eps, float wd, float bc1, float bc2) {
        float omb1 = 1f - beta1, omb2 = 1f - beta2;
        for (int i = off; i < off + n; i++) {
            float gi = g[i] * gscale;
            float mi = Math.fma(beta1, m[i], omb1 * gi);
            float vi = Math.fma(beta2, v[i], (omb2 * gi) * gi);
            m[i] = mi;
            v[i] = vi;
            float update = (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps) + wd * p[i];
            p[i] = p[i] - lr * update;
        }
    }
}
