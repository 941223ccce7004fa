package dev.cairn.numerics;

/**
 * The float kernels of the model, each defined by its scalar reference in {@link ScalarKernels}. The
 * vector implementation ({@link VectorKernels}) must produce the same bits for every input: each output
 * element is computed by the same sequence of IEEE-754 operations, in the same order, in both.
 *
 * <p>Two reduction shapes appear, both fixed:
 * <ul>
 *   <li>Matrix products are vectorised over the <em>output</em> column, and every output element is one
 *       fused-multiply-add chain over k = 0, 1, ..., K-1 started from the bias, the old value or zero.
 *       The vector width therefore cannot change a result.</li>
 *   <li>Row reductions (sums, dot products) accumulate into {@value #LANES} logical lanes, element i into
 *       lane i mod {@value #LANES}, then combine the lanes by a fixed pairwise tree (lane j += lane j+8,
 *       then j+4, j+2, j+1). A 512-bit machine holds the lanes in one register, a 256-bit one in two.</li>
 * </ul>
 */
public interface Kernels {
    /** Logical lanes of every row reduction; fixed, part of the numerical definition. */
    int LANES = 16;

    /** Short name for logs and run metadata: "scalar" or "vector-256" etc. */
    String name();

    /**
     * C[m][n] = init + sum over k of A(m,k) * B[k][n], as one fma chain in increasing k, for m in [0,M),
     * n in [0,N). A(m,k) = a[aOff + m*aRowStride + k*aColStride] (so A may be read transposed);
     * B[k][n] = b[bOff + k*ldb + n]; C[m][n] = c[cOff + m*ldc + n]. init is C's old value when
     * {@code accumulate}, else bias[biasOff + n] when bias is not null, else 0.
     */
    void gemm(int M, int N, int K,
              float[] a, int aOff, int aRowStride, int aColStride,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc,
              float[] bias, int biasOff, boolean accumulate);

    /** Sum of x[off .. off+n) by the {@value #LANES}-lane rule. */
    float sum(float[] x, int off, int n);

    /** Dot product of x and y over n elements by the {@value #LANES}-lane rule (fma per element). */
    float dot(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * LayerNorm of one row of C values: out = ((x - mean) * rstd) fma w + b. Stores the row's mean and rstd
     * at stats[statsOff] and stats[statsOff + 1]. b may be null (no bias).
     */
    void layerNormForward(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff,
                          float[] b, int bOff, int C, float eps, float[] stats, int statsOff);

    /**
     * The output of {@link #layerNormForward} again from the row's kept mean and rstd at stats[statsOff]:
     * the same bits, without the two reductions. The backward pass rebuilds LayerNorm outputs with it
     * instead of keeping them.
     */
    void layerNormApply(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff,
                        float[] b, int bOff, int C, float[] stats, int statsOff);

    /** Adds the input gradient of one LayerNorm row to dx (llm.c's formula). */
    void layerNormBackward(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff,
                           float[] w, int wOff, int C, float[] stats, int statsOff);

    /**
     * LayerNorm parameter gradients for channels [c0, c1), summed over rows in increasing order:
     * dw[c] = fma(dout, norm, dw[c]); db[c] += dout (db may be null), over rows [r0, r1). Row r lives at
     * offset r*C. The sums continue from dw and db, so rows split into consecutive ranges give the same bits.
     */
    void layerNormParamGrads(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, float[] x,
                             int r0, int r1, int C, float[] stats, int c0, int c1);

    /** dst[dstOff + j] += sum over rows r of src[srcOff + r*ld + j], rows in increasing order, j in [j0,j1). */
    void columnSums(float[] dst, int dstOff, float[] src, int srcOff, int rows, int ld, int j0, int j1);

    /** out = gelu(x) (tanh form) over n elements. */
    void geluForward(float[] out, int outOff, float[] x, int xOff, int n);

    /** dx = gelu'(x) * dout over n elements (overwrites dx). */
    void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] dout, int doutOff, int n);

    /** {@link #geluForward} that also keeps the tanh of each element in t, for {@link #geluBackward(float[], int, float[], int, float[], int, float[], int, int)}. */
    void geluForward(float[] out, int outOff, float[] t, int tOff, float[] x, int xOff, int n);

    /** {@link #geluBackward(float[], int, float[], int, float[], int, int)} reading the tanh kept by the forward pass (same bits). */
    void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff, int n);

    /**
     * The kept-tanh {@code geluBackward} that also writes y = gelu(x) again from t, the bits of {@link
     * #geluForward}: the backward pass rebuilds the GELU's output where it needs it instead of keeping it.
     * dx may be dout; y must not overlap either.
     */
    void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff,
                      float[] y, int yOff, int n);

    /** In place: x[i] = softmax(x * scale)[i] over n elements. */
    void softmaxForward(float[] x, int off, int n, float scale);

    /**
     * Causal attention rows: for r in [0, rows), {@link #softmaxForward} over the first n0 + r elements of the
     * row at off + r*ld (the same bits as one call per row; rows run interleaved for speed).
     */
    void softmaxCausal(float[] x, int off, int ld, int rows, int n0, float scale);

    /** {@link #softmaxBackward} over the same causal rows: row r of each array at its offset + r*ld, n0 + r elements. */
    void softmaxCausalBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                               int ld, int rows, int n0, float scale);

    /** dpre[i] = (att[i] * (datt[i] - dot(att, datt))) * scale over n elements. */
    void softmaxBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                         int n, float scale);

    /**
     * Softmax cross-entropy of one row of V logits against target: replaces the logits by
     * (p - onehot(target)) * gradScale and returns the loss log(sum exp(l - max)) - (l[target] - max).
     */
    float crossEntropy(float[] logits, int off, int V, int target, float gradScale);

    /** out = a + b over n elements. */
    void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n);

    /** x *= s over n elements. */
    void scale(float[] x, int off, int n, float s);

    /**
     * AdamW over n parameters with the gradient g*gscale (gradient clipping; gscale 1 leaves g exact):
     * m = fma(beta1, m, (1-beta1)*g); v = fma(beta2, v, ((1-beta2)*g)*g);
     * p -= lr * ((m/bc1) / (sqrt(v/bc2) + eps) + wd * p). g itself is not written.
     */
    void adamw(float[] p, float[] g, float gscale, float[] m, float[] v, int off, int n, float lr, float beta1,
               float beta2, float eps, float wd, float bc1, float bc2);

    /**
     * RMSNorm of one row of C values (Llama): ms = {@link #dot}(x, x) / C, rstd = 1 / sqrt(ms + eps),
     * out = (x * rstd) * w. Stores rstd at stats[statsOff].
     */
    void rmsNormForward(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int C, float eps,
                        float[] stats, int statsOff);

    /**
     * Adds the input gradient of one RMSNorm row to dx: with g = dout * w, s = the lane-rule sum of fma(g, x),
     * k = (s / C) * ((rstd * rstd) * rstd): dx += g * rstd - x * k.
     */
    void rmsNormBackward(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff,
                         int C, float[] stats, int statsOff);

    /**
     * RMSNorm weight gradient for channels [c0, c1): dw[c] = fma(dout, x * rstd, dw[c]) over rows [r0, r1) in
     * increasing order (row r at offset r*C, its rstd at stats[r]); continues from dw like {@link #layerNormParamGrads}.
     */
    void rmsNormParamGrads(float[] dw, int dwOff, float[] dout, float[] x, int r0, int r1, int C, float[] stats,
                           int c0, int c1);

    /**
     * Rotary position embedding of one head vector in Hugging Face's rotate-half convention, in place: for i in
     * [0, half), a = x[i], b = x[i + half], c = cos[csOff + i], s = sin[csOff + i]: forward x[i] = a*c - b*s,
     * x[i + half] = b*c + a*s; inverse (the backward pass: the rotation's transpose) x[i] = a*c + b*s,
     * x[i + half] = b*c - a*s. No fma.
     */
    void rope(float[] x, int off, int half, float[] cos, float[] sin, int csOff, boolean inverse);

    /** SwiGLU: out = (g / (1 + exp(-g))) * u over n elements (silu of the gate times the up projection). */
    void swigluForward(float[] out, int outOff, float[] g, int gOff, float[] u, int uOff, int n);

    /**
     * SwiGLU backward over n elements, with e = exp(-g), sig = 1 / (1 + e), silu = g / (1 + e):
     * du = dout * silu; dg = ((dout * u) * sig) * (1 + g * (1 - sig)). dg and du may be g and u (read first).
     */
    void swigluBackward(float[] dg, int dgOff, float[] du, int duOff, float[] g, int gOff, float[] u, int uOff,
                        float[] dout, int doutOff, int n);

    /** dst[dstOff + c*ldd + r] = src[srcOff + r*ld + c] for r in [0, rows), c in [0, cols): a transposed copy. */
    void transpose(float[] src, int srcOff, int rows, int cols, int ld, float[] dst, int dstOff, int ldd);

    static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** The Vector API kernels at the width chosen by -Dcairn.vector.bits (128, 256, 512) or the CPU's. */
    static Kernels vector() {
        return VectorKernels.INSTANCE;
    }

    /** "scalar" or "vector". */
    static Kernels named(String name) {
        return switch (name) {
            case "scalar" -> scalar();
            case "vector" -> vector();
            default -> throw new IllegalArgumentException("unknown kernels '" + name + "' (expected scalar or vector)");
        };
    }
}
