package dev.cairn.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels, bit-identical to {@link ScalarKernels}. The width is fixed per JVM (a static final
 * species keeps C2's intrinsics constant-folded): -Dcairn.vector.bits=128|256|512, default the CPU's
 * preferred width. Ragged edges fall back to the scalar reference code, which computes the same thing.
 */
final class VectorKernels extends ScalarKernels {
    static final VectorSpecies<Float> S = pickSpecies();
    static final int W = S.length();
    static final VectorKernels INSTANCE = new VectorKernels();

    /** Rows of A per cache block; a multiple of the 6-row micro-kernel. */
    private static final int MC = 96;
    /** Whether the six-by-four micro-kernel fits the register file (32 registers at 512 bits). */
    private static final boolean WIDE = W >= 16 && !Boolean.getBoolean("cairn.gemm.narrow");
    /** Depth of one K block (any value gives the same bits). */
    private static final int KC = Integer.getInteger("cairn.gemm.kc", 256);

    /** The most floats of B one gemm block copies at a time (1 MiB). */
    private static final int PACK_FLOATS = 1 << 18;
    /** Whether gemm copies B's panels before the micro-kernels read them (-Dcairn.gemm.nopack=true to compare; same bits). */
    private static final boolean PACK_B = !Boolean.getBoolean("cairn.gemm.nopack");
    /** The fewest rows of A for which gemm copies B's panels (any value gives the same bits). */
    private static final int PACK_ROWS = Integer.getInteger("cairn.gemm.packrows", 96);
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][]);

    private static float[] packBuffer(int n) {
        float[][] h = PACKED.get();
        if (h[0] == null || h[0].length < n) h[0] = new float[n];
        return h[0];
    }

    private static VectorSpecies<Float> pickSpecies() {
        String bits = System.getProperty("cairn.vector.bits", "");
        return switch (bits) {
            case "" -> FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128 ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_128;
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("cairn.vector.bits must be 128, 256 or 512, got " + bits);
        };
    }

    private VectorKernels() {}

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    // ---------------------------------------------------------------- matrix product

    @Override
    public void gemm(int M, int N, int K, float[] a, int aOff, int sm, int sk,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                     float[] bias, int biasOff, boolean acc) {
        if (!acc && (bias != null || W < 16)) {
            // Each chain starts from the bias or zero either way (a copy is exact). Starting it in C keeps cases out
            // of the micro-kernels' set-up: C2 compiled them several times slower once it had seen a bias beside the
            // other cases, and the narrower ones (W < 16) 20-25% slower once they had seen zero beside C. The 512-bit
            // ones start from zero in registers: zeroing C first cost them 3-20% (its lines come back from memory).
            for (int m = 0; m < M; m++) {
                if (bias != null) System.arraycopy(bias, biasOff, c, cOff + m * ldc, N);
                else java.util.Arrays.fill(c, cOff + m * ldc, cOff + m * ldc + N, 0f);
            }
            acc = true;
        }
        // K is cut into blocks so the operands of one block stay in cache; C carries each element's fma
        // chain from one block to the next (a float store and reload is exact), so the order is unchanged.
        int k0 = 0;
        do {
            int kc = Math.min(KC, K - k0);
            gemmBlock(M, N, kc, a, aOff + k0 * sk, sm, sk, b, bOff + k0 * ldb, ldb, c, cOff, ldc, acc || k0 > 0);
            k0 += KC;
        } while (k0 < K);
    }

    /** One K block of {@link #gemm}; every chain starts from C (acc) or zero, the bias having been copied into C. */
    private void gemmBlock(int M, int N, int K, float[] a, int aOff, int sm, int sk,
                           float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        final int nr = 2 * W;
        final int nPanels = N - N % nr;
        final int last = N - N % W;                  // past it, fewer than W columns
        // The last columns: one masked vector per row where six rows or more share the copy they read; else scalar.
        final boolean masked = last < N && M >= 6;
        // 512-bit machines have 32 vector registers: six rows by four vectors per k; narrower ones, two vectors.
        // B's panels of that width are copied once per block, each panel's K rows contiguous: read in place, rows
        // ldb apart map to few L1 sets and the panel streams from L2 (11-20% slower at the models' shapes on AMD
        // EPYC). The last columns are copied zero-padded to W. A is read in place, six rows per group (packing A
        // measured 3-6% slower: its rows stream from L1 and L2 well as they are).
        final int pw = WIDE ? 4 * W : nr, panels = N - N % pw;
        // The copy costs about 1/M of the block's work: from 96 rows of A on, packing paid at every shape measured
        // (in-JVM A/B, AMD EPYC: 10.8M training 4,392 -> 4,624 tokens/s); 48-row weight-gradient items lost (4,239).
        boolean pack = PACK_B && panels > 0 && M >= PACK_ROWS;
        // Panels are packed a chunk of columns at a time, so the copy stays at most PACK_FLOATS (a vocabulary-wide
        // head would otherwise copy all of B per thread); each chunk then sweeps every row of A.
        int chunk = pack ? Math.max(pw, Math.min(panels, PACK_FLOATS / K / pw * pw)) : Math.max(panels, pw);
        int tailAt = pack ? chunk * K : 0;
        float[] pb = pack || masked ? packBuffer(tailAt + (masked ? K * W : 0)) : null;
        if (masked) {
            int cols = N - last;
            for (int k = 0; k < K; k++) {
                System.arraycopy(b, bOff + k * ldb + last, pb, tailAt + k * W, cols);
                java.util.Arrays.fill(pb, tailAt + k * W + cols, tailAt + (k + 1) * W, 0f);
            }
        }
        VectorMask<Float> mask = masked ? S.indexInRange(last, N) : null;
        for (int j0 = 0; j0 < panels; j0 += chunk) {
            int j1 = Math.min(panels, j0 + chunk);
            if (pack) {
                for (int n = j0; n < j1; n += pw) {
                    for (int k = 0; k < K; k++) System.arraycopy(b, bOff + k * ldb + n, pb, (n - j0) * K + k * pw, pw);
                }
            }
            for (int m0 = 0; m0 < M; m0 += MC) {
                int m1 = Math.min(M, m0 + MC);
                int groups = (m1 - m0) / 6;
                int mTail = m0 + 6 * groups;
                for (int n = j0; n < j1; n += pw) {
                    float[] bb = pack ? pb : b;
                    int bo = pack ? (n - j0) * K - n : bOff, lb = pack ? pw : ldb; // the kernels read bb[bo + n + k*lb]
                    if (WIDE) {
                        for (int g = 0; g < groups; g++) micro6x4(m0 + 6 * g, n, K, a, aOff, sm, sk, bb, bo, lb, c, cOff, ldc, acc);
                        if (mTail < m1) rowTail4(mTail, m1, n, K, a, aOff, sm, sk, bb, bo, lb, c, cOff, ldc, acc);
                    } else {
                        for (int g = 0; g < groups; g++) micro6x2(m0 + 6 * g, n, K, a, aOff, sm, sk, bb, bo, lb, c, cOff, ldc, acc);
                        if (mTail < m1) rowTail2(mTail, m1, n, K, a, aOff, sm, sk, bb, bo, lb, c, cOff, ldc, acc);
                    }
                }
            }
        }
        for (int m0 = 0; m0 < M; m0 += MC) {
            int m1 = Math.min(M, m0 + MC);
            int groups = (m1 - m0) / 6;
            int mTail = m0 + 6 * groups;
            for (int n = panels; n < nPanels; n += nr) { // a two-vector panel beside the four-vector ones
                for (int g = 0; g < groups; g++) micro6x2(m0 + 6 * g, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
                if (mTail < m1) rowTail2(mTail, m1, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            }
            if (nPanels < last) {
                int n = nPanels;
                for (int g = 0; g < groups; g++) micro6x1(m0 + 6 * g, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
                for (int m = mTail; m < m1; m++) micro1x1(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            }
            if (last < N && !masked) {
                for (int m = m0; m < m1; m++) gemmRowTail(m, last, N, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, null, 0, acc);
            } else if (masked) {
                // Each lane is still one fma chain in k (a scalar row tail is one latency-bound chain per element).
                for (int g = 0; g < groups; g++) micro6xMasked(m0 + 6 * g, last, K, a, aOff, sm, sk, pb, tailAt, c, cOff, ldc, acc, mask);
                for (int m = mTail; m < m1; m++) micro1xMasked(m, last, K, a, aOff, sm, sk, pb, tailAt, c, cOff, ldc, acc, mask);
            }
        }
    }

    private static FloatVector init(float[] c, int ci, boolean acc) {
        if (acc) return FloatVector.fromArray(S, c, ci);
        return FloatVector.zero(S);
    }

    /** Six rows by four vectors (24 accumulators); row r of A at step k is a[aOff + (m + r)*sm + k*sk], as in every kernel here. */
    private static void micro6x4(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        int r1 = c0 + ldc, r2 = c0 + 2 * ldc, r3 = c0 + 3 * ldc, r4 = c0 + 4 * ldc, r5 = c0 + 5 * ldc;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc), c02 = init(c, c0 + 2 * W, acc), c03 = init(c, c0 + 3 * W, acc);
        FloatVector c10 = init(c, r1, acc), c11 = init(c, r1 + W, acc), c12 = init(c, r1 + 2 * W, acc), c13 = init(c, r1 + 3 * W, acc);
        FloatVector c20 = init(c, r2, acc), c21 = init(c, r2 + W, acc), c22 = init(c, r2 + 2 * W, acc), c23 = init(c, r2 + 3 * W, acc);
        FloatVector c30 = init(c, r3, acc), c31 = init(c, r3 + W, acc), c32 = init(c, r3 + 2 * W, acc), c33 = init(c, r3 + 3 * W, acc);
        FloatVector c40 = init(c, r4, acc), c41 = init(c, r4 + W, acc), c42 = init(c, r4 + 2 * W, acc), c43 = init(c, r4 + 3 * W, acc);
        FloatVector c50 = init(c, r5, acc), c51 = init(c, r5 + W, acc), c52 = init(c, r5 + 2 * W, acc), c53 = init(c, r5 + 3 * W, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + W);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * W), b3 = FloatVector.fromArray(S, b, bp + 3 * W);
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02); c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a[ap + sm]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12); c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(S, a[ap + 2 * sm]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22); c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(S, a[ap + 3 * sm]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32); c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(S, a[ap + 4 * sm]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42); c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(S, a[ap + 5 * sm]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52); c53 = av.fma(b3, c53);
            bp += ldb;
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + W); c02.intoArray(c, c0 + 2 * W); c03.intoArray(c, c0 + 3 * W);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + W); c12.intoArray(c, r1 + 2 * W); c13.intoArray(c, r1 + 3 * W);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + W); c22.intoArray(c, r2 + 2 * W); c23.intoArray(c, r2 + 3 * W);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + W); c32.intoArray(c, r3 + 2 * W); c33.intoArray(c, r3 + 3 * W);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + W); c42.intoArray(c, r4 + 2 * W); c43.intoArray(c, r4 + 3 * W);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + W); c52.intoArray(c, r5 + 2 * W); c53.intoArray(c, r5 + 3 * W);
    }

    /** One to five leftover rows beside the six-row groups, four vectors wide: four-, two- and one-row kernels. */
    private static void rowTail4(int m, int m1, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        if (m1 - m >= 4) {
            micro4x4(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            m += 4;
        }
        if (m1 - m >= 2) {
            micro2x4(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            m += 2;
        }
        if (m < m1) {
            micro1x2(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            micro1x2(m, n + 2 * W, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
        }
    }

    /**
     * One to five leftover rows beside the six-row groups, two vectors wide: a four-row kernel keeps eight fma
     * chains in flight where one row alone has two (latency-bound).
     */
    private static void rowTail2(int m, int m1, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        if (m1 - m >= 4) {
            micro4x2(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
            m += 4;
        }
        for (; m < m1; m++) micro1x2(m, n, K, a, aOff, sm, sk, b, bOff, ldb, c, cOff, ldc, acc);
    }

    /** Four rows by two vectors, A read in place (row-tail kernel). */
    private static void micro4x2(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        int r1 = c0 + ldc, r2 = c0 + 2 * ldc, r3 = c0 + 3 * ldc;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc);
        FloatVector c10 = init(c, r1, acc), c11 = init(c, r1 + W, acc);
        FloatVector c20 = init(c, r2, acc), c21 = init(c, r2 + W, acc);
        FloatVector c30 = init(c, r3, acc), c31 = init(c, r3 + W, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + W);
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[ap + sm]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[ap + 2 * sm]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[ap + 3 * sm]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            bp += ldb;
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + W);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + W);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + W);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + W);
    }

    /** Four rows by four vectors, A read in place (row-tail kernel of the wide path). */
    private static void micro4x4(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        int r1 = c0 + ldc, r2 = c0 + 2 * ldc, r3 = c0 + 3 * ldc;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc), c02 = init(c, c0 + 2 * W, acc), c03 = init(c, c0 + 3 * W, acc);
        FloatVector c10 = init(c, r1, acc), c11 = init(c, r1 + W, acc), c12 = init(c, r1 + 2 * W, acc), c13 = init(c, r1 + 3 * W, acc);
        FloatVector c20 = init(c, r2, acc), c21 = init(c, r2 + W, acc), c22 = init(c, r2 + 2 * W, acc), c23 = init(c, r2 + 3 * W, acc);
        FloatVector c30 = init(c, r3, acc), c31 = init(c, r3 + W, acc), c32 = init(c, r3 + 2 * W, acc), c33 = init(c, r3 + 3 * W, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + W);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * W), b3 = FloatVector.fromArray(S, b, bp + 3 * W);
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02); c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a[ap + sm]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12); c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(S, a[ap + 2 * sm]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22); c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(S, a[ap + 3 * sm]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32); c33 = av.fma(b3, c33);
            bp += ldb;
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + W); c02.intoArray(c, c0 + 2 * W); c03.intoArray(c, c0 + 3 * W);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + W); c12.intoArray(c, r1 + 2 * W); c13.intoArray(c, r1 + 3 * W);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + W); c22.intoArray(c, r2 + 2 * W); c23.intoArray(c, r2 + 3 * W);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + W); c32.intoArray(c, r3 + 2 * W); c33.intoArray(c, r3 + 3 * W);
    }

    /** Two rows by four vectors, A read in place (row-tail kernel of the wide path). */
    private static void micro2x4(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n, r1 = c0 + ldc;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc), c02 = init(c, c0 + 2 * W, acc), c03 = init(c, c0 + 3 * W, acc);
        FloatVector c10 = init(c, r1, acc), c11 = init(c, r1 + W, acc), c12 = init(c, r1 + 2 * W, acc), c13 = init(c, r1 + 3 * W, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + W);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * W), b3 = FloatVector.fromArray(S, b, bp + 3 * W);
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02); c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a[ap + sm]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12); c13 = av.fma(b3, c13);
            bp += ldb;
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + W); c02.intoArray(c, c0 + 2 * W); c03.intoArray(c, c0 + 3 * W);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + W); c12.intoArray(c, r1 + 2 * W); c13.intoArray(c, r1 + 3 * W);
    }

    /** Six rows by two vectors. */
    private static void micro6x2(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc);
        FloatVector c10 = init(c, c0 + ldc, acc), c11 = init(c, c0 + ldc + W, acc);
        FloatVector c20 = init(c, c0 + 2 * ldc, acc), c21 = init(c, c0 + 2 * ldc + W, acc);
        FloatVector c30 = init(c, c0 + 3 * ldc, acc), c31 = init(c, c0 + 3 * ldc + W, acc);
        FloatVector c40 = init(c, c0 + 4 * ldc, acc), c41 = init(c, c0 + 4 * ldc + W, acc);
        FloatVector c50 = init(c, c0 + 5 * ldc, acc), c51 = init(c, c0 + 5 * ldc + W, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + W);
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[ap + sm]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[ap + 2 * sm]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[ap + 3 * sm]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[ap + 4 * sm]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[ap + 5 * sm]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            bp += ldb;
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + W);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + W);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + W);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + W);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + W);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + W);
    }

    private static void micro1x2(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = init(c, c0, acc), c01 = init(c, c0 + W, acc);
        int ap = aOff + m * sm, bp = bOff + n;
        for (int k = 0; k < K; k++) {
            FloatVector av = FloatVector.broadcast(S, a[ap]);
            c00 = av.fma(FloatVector.fromArray(S, b, bp), c00);
            c01 = av.fma(FloatVector.fromArray(S, b, bp + W), c01);
            ap += sk;
            bp += ldb;
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + W);
    }

    private static void micro6x1(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = init(c, c0, acc), c10 = init(c, c0 + ldc, acc);
        FloatVector c20 = init(c, c0 + 2 * ldc, acc), c30 = init(c, c0 + 3 * ldc, acc);
        FloatVector c40 = init(c, c0 + 4 * ldc, acc), c50 = init(c, c0 + 5 * ldc, acc);
        int bp = bOff + n, ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            c00 = FloatVector.broadcast(S, a[ap]).fma(b0, c00);
            c10 = FloatVector.broadcast(S, a[ap + sm]).fma(b0, c10);
            c20 = FloatVector.broadcast(S, a[ap + 2 * sm]).fma(b0, c20);
            c30 = FloatVector.broadcast(S, a[ap + 3 * sm]).fma(b0, c30);
            c40 = FloatVector.broadcast(S, a[ap + 4 * sm]).fma(b0, c40);
            c50 = FloatVector.broadcast(S, a[ap + 5 * sm]).fma(b0, c50);
            bp += ldb;
        }
        c00.intoArray(c, c0);
        c10.intoArray(c, c0 + ldc);
        c20.intoArray(c, c0 + 2 * ldc);
        c30.intoArray(c, c0 + 3 * ldc);
        c40.intoArray(c, c0 + 4 * ldc);
        c50.intoArray(c, c0 + 5 * ldc);
    }

    private static FloatVector initMasked(float[] c, int ci, boolean acc, VectorMask<Float> mask) {
        if (acc) return FloatVector.fromArray(S, c, ci, mask);
        return FloatVector.zero(S);
    }

    /** Six rows of the last columns n .. N (the mask's lanes, from 0), from pt[ptOff ..] (K rows of W floats, zero past N). */
    private static void micro6xMasked(int m, int n, int K, float[] a, int aOff, int sm, int sk, float[] pt, int ptOff,
                                      float[] c, int cOff, int ldc, boolean acc, VectorMask<Float> mask) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = initMasked(c, c0, acc, mask), c10 = initMasked(c, c0 + ldc, acc, mask);
        FloatVector c20 = initMasked(c, c0 + 2 * ldc, acc, mask), c30 = initMasked(c, c0 + 3 * ldc, acc, mask);
        FloatVector c40 = initMasked(c, c0 + 4 * ldc, acc, mask), c50 = initMasked(c, c0 + 5 * ldc, acc, mask);
        int ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) {
            FloatVector b0 = FloatVector.fromArray(S, pt, ptOff + k * W);
            c00 = FloatVector.broadcast(S, a[ap]).fma(b0, c00);
            c10 = FloatVector.broadcast(S, a[ap + sm]).fma(b0, c10);
            c20 = FloatVector.broadcast(S, a[ap + 2 * sm]).fma(b0, c20);
            c30 = FloatVector.broadcast(S, a[ap + 3 * sm]).fma(b0, c30);
            c40 = FloatVector.broadcast(S, a[ap + 4 * sm]).fma(b0, c40);
            c50 = FloatVector.broadcast(S, a[ap + 5 * sm]).fma(b0, c50);
        }
        c00.intoArray(c, c0, mask);
        c10.intoArray(c, c0 + ldc, mask);
        c20.intoArray(c, c0 + 2 * ldc, mask);
        c30.intoArray(c, c0 + 3 * ldc, mask);
        c40.intoArray(c, c0 + 4 * ldc, mask);
        c50.intoArray(c, c0 + 5 * ldc, mask);
    }

    /** {@link #micro6xMasked} for one row. */
    private static void micro1xMasked(int m, int n, int K, float[] a, int aOff, int sm, int sk, float[] pt, int ptOff,
                                      float[] c, int cOff, int ldc, boolean acc, VectorMask<Float> mask) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = initMasked(c, c0, acc, mask);
        int ap = aOff + m * sm;
        for (int k = 0; k < K; k++, ap += sk) c00 = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, pt, ptOff + k * W), c00);
        c00.intoArray(c, c0, mask);
    }

    private static void micro1x1(int m, int n, int K, float[] a, int aOff, int sm, int sk,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        int c0 = cOff + m * ldc + n;
        FloatVector c00 = init(c, c0, acc);
        int ap = aOff + m * sm, bp = bOff + n;
        for (int k = 0; k < K; k++) {
            c00 = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, b, bp), c00);
            ap += sk;
            bp += ldb;
        }
        c00.intoArray(c, c0);
    }

    // ---------------------------------------------------------------- lane reductions

    // The 16 logical lanes live in one accumulator at 512 bits, two at 256 and four at 128 (l0 holds lanes
    // 0..W-1, l1 the next W, ...). A ragged tail of r < 16 elements goes to logical lanes 0..r-1 under a mask
    // that leaves the other lanes untouched, and combine() runs the reference's pairwise tree in registers,
    // so reductions allocate nothing and match ScalarKernels bit for bit.

    private static final VectorShuffle<Float> SHIFT1 = VectorShuffle.iota(S, 1, 1, true);
    private static final VectorShuffle<Float> SHIFT2 = VectorShuffle.iota(S, 2, 1, true);
    private static final VectorShuffle<Float> SHIFT4 = VectorShuffle.iota(S, 4, 1, true);
    private static final VectorShuffle<Float> SHIFT8 = VectorShuffle.iota(S, W > 8 ? 8 : 0, 1, true);

    /** Lanes of accumulator {@code part} that a tail of {@code rem} elements reaches. */
    private static VectorMask<Float> tailMask(int part, int rem) {
        return S.indexInRange(part * W, rem);
    }

    /** ScalarKernels.combineLanes: lane j += lane j + w for w = 8, 4, 2, 1; returns lane 0. */
    private static float combine(FloatVector l0, FloatVector l1, FloatVector l2, FloatVector l3) {
        FloatVector v;
        if (W == 16) {
            v = l0.add(l0.rearrange(SHIFT8));
        } else if (W == 8) {
            v = l0.add(l1);
        } else {
            v = l0.add(l2).add(l1.add(l3)); // w = 8 gives (l0 + l2, l1 + l3); w = 4 adds those two
        }
        if (W >= 8) v = v.add(v.rearrange(SHIFT4));
        v = v.add(v.rearrange(SHIFT2));
        v = v.add(v.rearrange(SHIFT1));
        return v.lane(0);
    }

    @Override
    public float sum(float[] x, int off, int n) {
        FloatVector l0 = FloatVector.zero(S), l1 = l0, l2 = l0, l3 = l0;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            l0 = l0.add(FloatVector.fromArray(S, x, off + i));
            if (W <= 8) l1 = l1.add(FloatVector.fromArray(S, x, off + i + W));
            if (W == 4) {
                l2 = l2.add(FloatVector.fromArray(S, x, off + i + 2 * W));
                l3 = l3.add(FloatVector.fromArray(S, x, off + i + 3 * W));
            }
        }
        if (i < n) {
            int rem = n - i;
            l0 = sumTail(l0, x, off + i, 0, rem);
            if (W <= 8) l1 = sumTail(l1, x, off + i, 1, rem);
            if (W == 4) {
                l2 = sumTail(l2, x, off + i, 2, rem);
                l3 = sumTail(l3, x, off + i, 3, rem);
            }
        }
        return combine(l0, l1, l2, l3);
    }

    private static FloatVector sumTail(FloatVector l, float[] x, int at, int part, int rem) {
        VectorMask<Float> m = tailMask(part, rem);
        return l.add(FloatVector.fromArray(S, x, at + part * W, m), m);
    }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector l0 = FloatVector.zero(S), l1 = l0, l2 = l0, l3 = l0;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            l0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), l0);
            if (W <= 8) l1 = FloatVector.fromArray(S, x, xOff + i + W).fma(FloatVector.fromArray(S, y, yOff + i + W), l1);
            if (W == 4) {
                l2 = FloatVector.fromArray(S, x, xOff + i + 2 * W).fma(FloatVector.fromArray(S, y, yOff + i + 2 * W), l2);
                l3 = FloatVector.fromArray(S, x, xOff + i + 3 * W).fma(FloatVector.fromArray(S, y, yOff + i + 3 * W), l3);
            }
        }
        if (i < n) {
            int rem = n - i;
            l0 = dotTail(l0, x, xOff + i, y, yOff + i, 0, rem);
            if (W <= 8) l1 = dotTail(l1, x, xOff + i, y, yOff + i, 1, rem);
            if (W == 4) {
                l2 = dotTail(l2, x, xOff + i, y, yOff + i, 2, rem);
                l3 = dotTail(l3, x, xOff + i, y, yOff + i, 3, rem);
            }
        }
        return combine(l0, l1, l2, l3);
    }

    private static FloatVector dotTail(FloatVector l, float[] x, int xAt, float[] y, int yAt, int part, int rem) {
        VectorMask<Float> m = tailMask(part, rem);
        FloatVector xv = FloatVector.fromArray(S, x, xAt + part * W, m), yv = FloatVector.fromArray(S, y, yAt + part * W, m);
        return l.blend(xv.fma(yv, l), m);
    }

    private static FloatVector sqDev(float[] x, int at, float mean, FloatVector l) {
        FloatVector d = FloatVector.fromArray(S, x, at).sub(mean);
        return d.fma(d, l);
    }

    private static FloatVector sqDevTail(FloatVector l, float[] x, int at, float mean, int part, int rem) {
        VectorMask<Float> m = tailMask(part, rem);
        FloatVector d = FloatVector.fromArray(S, x, at + part * W, m).sub(mean);
        return l.blend(d.fma(d, l), m);
    }

    @Override
    float sumSquaredDeviation(float[] x, int off, int n, float mean) {
        FloatVector l0 = FloatVector.zero(S), l1 = l0, l2 = l0, l3 = l0;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            l0 = sqDev(x, off + i, mean, l0);
            if (W <= 8) l1 = sqDev(x, off + i + W, mean, l1);
            if (W == 4) {
                l2 = sqDev(x, off + i + 2 * W, mean, l2);
                l3 = sqDev(x, off + i + 3 * W, mean, l3);
            }
        }
        if (i < n) {
            int rem = n - i;
            l0 = sqDevTail(l0, x, off + i, mean, 0, rem);
            if (W <= 8) l1 = sqDevTail(l1, x, off + i, mean, 1, rem);
            if (W == 4) {
                l2 = sqDevTail(l2, x, off + i, mean, 2, rem);
                l3 = sqDevTail(l3, x, off + i, mean, 3, rem);
            }
        }
        return combine(l0, l1, l2, l3);
    }

    // ---------------------------------------------------------------- LayerNorm

    // layerNormForward is the reference's, which calls the vector sum, sumSquaredDeviation and layerNormApply.

    @Override
    public void layerNormApply(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff,
                               float[] b, int bOff, int C, float[] stats, int statsOff) {
        float mean = stats[statsOff], rstd = stats[statsOff + 1];
        int i = 0;
        for (; i + W <= C; i += W) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector bv = b == null ? FloatVector.zero(S) : FloatVector.fromArray(S, b, bOff + i);
            norm.fma(FloatVector.fromArray(S, w, wOff + i), bv).intoArray(out, outOff + i);
        }
        for (; i < C; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            out[outOff + i] = Math.fma(norm, w[wOff + i], b == null ? 0f : b[bOff + i]);
        }
    }

    @Override
    public void layerNormBackward(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff,
                                  float[] w, int wOff, int C, float[] stats, int statsOff) {
        float mean = stats[statsOff], rstd = stats[statsOff + 1];
        // The two row sums, sum(dout*w) and sum(dout*w*norm), over the 16 logical lanes (see combine()).
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int j = 0;
        for (; j + LANES <= C; j += LANES) {
            for (int part = 0; part < LANES / W; part++) {
                int at = j + part * W;
                FloatVector norm = FloatVector.fromArray(S, x, xOff + at).sub(mean).mul(rstd);
                FloatVector dnorm = FloatVector.fromArray(S, dout, doutOff + at).mul(FloatVector.fromArray(S, w, wOff + at));
                switch (part) {
                    case 0 -> { a0 = a0.add(dnorm); b0 = dnorm.fma(norm, b0); }
                    case 1 -> { a1 = a1.add(dnorm); b1 = dnorm.fma(norm, b1); }
                    case 2 -> { a2 = a2.add(dnorm); b2 = dnorm.fma(norm, b2); }
                    default -> { a3 = a3.add(dnorm); b3 = dnorm.fma(norm, b3); }
                }
            }
        }
        if (j < C) {
            int rem = C - j;
            a0 = lnTail(a0, false, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 0, rem);
            b0 = lnTail(b0, true, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 0, rem);
            if (W <= 8) {
                a1 = lnTail(a1, false, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 1, rem);
                b1 = lnTail(b1, true, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 1, rem);
            }
            if (W == 4) {
                a2 = lnTail(a2, false, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 2, rem);
                b2 = lnTail(b2, true, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 2, rem);
                a3 = lnTail(a3, false, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 3, rem);
                b3 = lnTail(b3, true, dout, doutOff + j, x, xOff + j, w, wOff + j, mean, rstd, 3, rem);
            }
        }
        float s0 = combine(a0, a1, a2, a3), s1 = combine(b0, b1, b2, b3);
        float dnormMean = s0 / C, dnormNormMean = s1 / C;
        int i = 0;
        for (; i + W <= C; i += W) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector dnorm = FloatVector.fromArray(S, dout, doutOff + i).mul(FloatVector.fromArray(S, w, wOff + i));
            FloatVector dval = dnorm.sub(dnormMean).sub(norm.mul(dnormNormMean)).mul(rstd);
            FloatVector.fromArray(S, dx, dxOff + i).add(dval).intoArray(dx, dxOff + i);
        }
        for (; i < C; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = dout[doutOff + i] * w[wOff + i];
            float dval = ((dnorm - dnormMean) - norm * dnormNormMean) * rstd;
            dx[dxOff + i] += dval;
        }
    }

    /** One accumulator's share of a ragged tail: acc + dnorm, or (withNorm) fma(dnorm, norm, acc), masked. */
    private static FloatVector lnTail(FloatVector acc, boolean withNorm, float[] dout, int dAt, float[] x, int xAt,
                                      float[] w, int wAt, float mean, float rstd, int part, int rem) {
        VectorMask<Float> m = tailMask(part, rem);
        int o = part * W;
        FloatVector dnorm = FloatVector.fromArray(S, dout, dAt + o, m).mul(FloatVector.fromArray(S, w, wAt + o, m));
        if (!withNorm) return acc.add(dnorm, m);
        FloatVector norm = FloatVector.fromArray(S, x, xAt + o, m).sub(mean).mul(rstd);
        return acc.blend(dnorm.fma(norm, acc), m);
    }

    @Override
    public void layerNormParamGrads(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, float[] x,
                                    int r0, int r1, int C, float[] stats, int c0, int c1) {
        int c = c0;
        for (; c + W <= c1; c += W) {
            FloatVector gw = FloatVector.fromArray(S, dw, dwOff + c);
            FloatVector gb = db == null ? null : FloatVector.fromArray(S, db, dbOff + c);
            for (int r = r0; r < r1; r++) {
                float mean = stats[2 * r], rstd = stats[2 * r + 1];
                int row = r * C + c;
                FloatVector norm = FloatVector.fromArray(S, x, row).sub(mean).mul(rstd);
                FloatVector d = FloatVector.fromArray(S, dout, row);
                gw = d.fma(norm, gw);
                if (gb != null) gb = gb.add(d);
            }
            gw.intoArray(dw, dwOff + c);
            if (gb != null) gb.intoArray(db, dbOff + c);
        }
        if (c < c1) super.layerNormParamGrads(dw, dwOff, db, dbOff, dout, x, r0, r1, C, stats, c, c1);
    }

    // ---------------------------------------------------------------- RMSNorm, RoPE, SwiGLU (Llama)

    // rmsNormForward and rmsNormBackward are the reference's, which call the vector dot and the overrides below.

    @Override
    void rmsNormApply(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int C, float rstd) {
        int i = 0;
        for (; i + W <= C; i += W) {
            FloatVector.fromArray(S, x, xOff + i).mul(rstd).mul(FloatVector.fromArray(S, w, wOff + i)).intoArray(out, outOff + i);
        }
        if (i < C) super.rmsNormApply(out, outOff + i, x, xOff + i, w, wOff + i, C - i, rstd);
    }

    private static FloatVector gx(float[] dout, int dAt, float[] w, int wAt, float[] x, int xAt, FloatVector l) {
        FloatVector g = FloatVector.fromArray(S, dout, dAt).mul(FloatVector.fromArray(S, w, wAt));
        return g.fma(FloatVector.fromArray(S, x, xAt), l);
    }

    private static FloatVector gxTail(FloatVector l, float[] dout, int dAt, float[] w, int wAt, float[] x, int xAt, int part, int rem) {
        VectorMask<Float> m = tailMask(part, rem);
        int o = part * W;
        FloatVector g = FloatVector.fromArray(S, dout, dAt + o, m).mul(FloatVector.fromArray(S, w, wAt + o, m));
        return l.blend(g.fma(FloatVector.fromArray(S, x, xAt + o, m), l), m);
    }

    @Override
    float rmsNormBackwardSum(float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff, int C) {
        FloatVector l0 = FloatVector.zero(S), l1 = l0, l2 = l0, l3 = l0;
        int i = 0;
        for (; i + LANES <= C; i += LANES) {
            l0 = gx(dout, doutOff + i, w, wOff + i, x, xOff + i, l0);
            if (W <= 8) l1 = gx(dout, doutOff + i + W, w, wOff + i + W, x, xOff + i + W, l1);
            if (W == 4) {
                l2 = gx(dout, doutOff + i + 2 * W, w, wOff + i + 2 * W, x, xOff + i + 2 * W, l2);
                l3 = gx(dout, doutOff + i + 3 * W, w, wOff + i + 3 * W, x, xOff + i + 3 * W, l3);
            }
        }
        if (i < C) {
            int rem = C - i;
            l0 = gxTail(l0, dout, doutOff + i, w, wOff + i, x, xOff + i, 0, rem);
            if (W <= 8) l1 = gxTail(l1, dout, doutOff + i, w, wOff + i, x, xOff + i, 1, rem);
            if (W == 4) {
                l2 = gxTail(l2, dout, doutOff + i, w, wOff + i, x, xOff + i, 2, rem);
                l3 = gxTail(l3, dout, doutOff + i, w, wOff + i, x, xOff + i, 3, rem);
            }
        }
        return combine(l0, l1, l2, l3);
    }

    @Override
    void rmsNormBackwardApply(float[] dx, int dxOff, float[] dout, int doutOff, float[] x, int xOff, float[] w, int wOff,
                              int C, float rstd, float k) {
        int i = 0;
        for (; i + W <= C; i += W) {
            FloatVector g = FloatVector.fromArray(S, dout, doutOff + i).mul(FloatVector.fromArray(S, w, wOff + i));
            FloatVector d = g.mul(rstd).sub(FloatVector.fromArray(S, x, xOff + i).mul(k));
            FloatVector.fromArray(S, dx, dxOff + i).add(d).intoArray(dx, dxOff + i);
        }
        if (i < C) super.rmsNormBackwardApply(dx, dxOff + i, dout, doutOff + i, x, xOff + i, w, wOff + i, C - i, rstd, k);
    }

    @Override
    public void rmsNormParamGrads(float[] dw, int dwOff, float[] dout, float[] x, int r0, int r1, int C, float[] stats,
                                  int c0, int c1) {
        int c = c0;
        for (; c + W <= c1; c += W) {
            FloatVector gw = FloatVector.fromArray(S, dw, dwOff + c);
            for (int r = r0; r < r1; r++) {
                int row = r * C + c;
                FloatVector norm = FloatVector.fromArray(S, x, row).mul(stats[r]);
                gw = FloatVector.fromArray(S, dout, row).fma(norm, gw);
            }
            gw.intoArray(dw, dwOff + c);
        }
        if (c < c1) super.rmsNormParamGrads(dw, dwOff, dout, x, r0, r1, C, stats, c, c1);
    }

    @Override
    public void rope(float[] x, int off, int half, float[] cos, float[] sin, int csOff, boolean inverse) {
        int i = 0;
        for (; i + W <= half; i += W) {
            FloatVector a = FloatVector.fromArray(S, x, off + i), b = FloatVector.fromArray(S, x, off + half + i);
            FloatVector c = FloatVector.fromArray(S, cos, csOff + i), s = FloatVector.fromArray(S, sin, csOff + i);
            if (inverse) {
                a.mul(c).add(b.mul(s)).intoArray(x, off + i);
                b.mul(c).sub(a.mul(s)).intoArray(x, off + half + i);
            } else {
                a.mul(c).sub(b.mul(s)).intoArray(x, off + i);
                b.mul(c).add(a.mul(s)).intoArray(x, off + half + i);
            }
        }
        for (; i < half; i++) { // the reference's operations (its pairs are half apart, so no shifted call)
            float a = x[off + i], b = x[off + half + i], c = cos[csOff + i], s = sin[csOff + i];
            x[off + i] = inverse ? a * c + b * s : a * c - b * s;
            x[off + half + i] = inverse ? b * c - a * s : b * c + a * s;
        }
    }

    @Override
    public void swigluForward(float[] out, int outOff, float[] g, int gOff, float[] u, int uOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector gv = FloatVector.fromArray(S, g, gOff + i);
            FloatVector e1 = exp(gv.neg()).add(1f);
            gv.div(e1).mul(FloatVector.fromArray(S, u, uOff + i)).intoArray(out, outOff + i);
        }
        if (i < n) super.swigluForward(out, outOff + i, g, gOff + i, u, uOff + i, n - i);
    }

    @Override
    public void swigluBackward(float[] dg, int dgOff, float[] du, int duOff, float[] g, int gOff, float[] u, int uOff,
                               float[] dout, int doutOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector gv = FloatVector.fromArray(S, g, gOff + i), uv = FloatVector.fromArray(S, u, uOff + i);
            FloatVector d = FloatVector.fromArray(S, dout, doutOff + i);
            FloatVector e1 = exp(gv.neg()).add(1f);
            FloatVector sig = FloatVector.broadcast(S, 1f).div(e1), silu = gv.div(e1);
            d.mul(silu).intoArray(du, duOff + i);
            FloatVector oneMinus = FloatVector.broadcast(S, 1f).sub(sig);
            d.mul(uv).mul(sig).mul(gv.mul(oneMinus).add(1f)).intoArray(dg, dgOff + i);
        }
        if (i < n) super.swigluBackward(dg, dgOff + i, du, duOff + i, g, gOff + i, u, uOff + i, dout, doutOff + i, n - i);
    }

    @Override
    public void columnSums(float[] dst, int dstOff, float[] src, int srcOff, int rows, int ld, int j0, int j1) {
        int j = j0;
        for (; j + W <= j1; j += W) {
            FloatVector s = FloatVector.fromArray(S, dst, dstOff + j);
            for (int r = 0; r < rows; r++) s = s.add(FloatVector.fromArray(S, src, srcOff + r * ld + j));
            s.intoArray(dst, dstOff + j);
        }
        if (j < j1) super.columnSums(dst, dstOff, src, srcOff, rows, ld, j, j1);
    }

    // ---------------------------------------------------------------- elementwise

    /**
     * DetMath.exp, lane by lane. Two steps are written for speed with the same results: the clamp is a compare
     * and blend (Math.max/min's NaN and signed-zero rules cost several instructions per vector, and neither
     * case differs against these non-zero bounds: NaN stays NaN), and the integer n is read from the bits of
     * x * log2e + 1.5 * 2^23 (an integer in [2^23, 2^24), one apart per unit) instead of a float-to-int
     * conversion with Java's saturation fix-ups.
     */
    static FloatVector exp(FloatVector x) {
        x = x.blend(DetMath.EXP_MIN, x.compare(VectorOperators.LT, DetMath.EXP_MIN));
        x = x.blend(DetMath.EXP_MAX, x.compare(VectorOperators.GT, DetMath.EXP_MAX));
        FloatVector big = x.mul(DetMath.LOG2E).add(DetMath.ROUND_MAGIC);
        FloatVector n = big.sub(DetMath.ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(S, -DetMath.LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -DetMath.LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, DetMath.P0);
        p = p.fma(r, FloatVector.broadcast(S, DetMath.P1));
        p = p.fma(r, FloatVector.broadcast(S, DetMath.P2));
        p = p.fma(r, FloatVector.broadcast(S, DetMath.P3));
        p = p.fma(r, FloatVector.broadcast(S, DetMath.P4));
        p = p.fma(r, FloatVector.broadcast(S, DetMath.P5));
        p = p.fma(r.mul(r), r.add(1f));
        IntVector e = big.reinterpretAsInts().sub(Float.floatToRawIntBits(DetMath.ROUND_MAGIC) - 127); // (int) n + 127
        return p.mul(e.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    static FloatVector tanh(FloatVector x) {
        return FloatVector.broadcast(S, 2f).div(exp(x.mul(2f)).add(1f)).neg().add(1f);
    }

    @Override
    public void geluForward(float[] out, int outOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector u = v.add(v.mul(DetMath.GELU_CUBIC).mul(v).mul(v)).mul(DetMath.GELU_SCALE);
            v.mul(0.5f).mul(tanh(u).add(1f)).intoArray(out, outOff + i);
        }
        if (i < n) super.geluForward(out, outOff + i, x, xOff + i, n - i);
    }

    /** gelu'(v) given th = tanh of the inner argument: {@link ScalarKernels#geluLocal}'s operations, lane by lane. */
    static FloatVector geluLocal(FloatVector v, FloatVector th) {
        FloatVector sech2 = FloatVector.broadcast(S, 1f).sub(th.mul(th));
        FloatVector poly = v.mul(3f * DetMath.GELU_CUBIC).mul(v).add(1f);
        return th.add(1f).mul(0.5f).add(v.mul(0.5f).mul(sech2).mul(DetMath.GELU_SCALE).mul(poly));
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] dout, int doutOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector u = v.add(v.mul(DetMath.GELU_CUBIC).mul(v).mul(v)).mul(DetMath.GELU_SCALE);
            FloatVector t = tanh(u);
            geluLocal(v, t).mul(FloatVector.fromArray(S, dout, doutOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < n) super.geluBackward(dx, dxOff + i, x, xOff + i, dout, doutOff + i, n - i);
    }

    @Override
    public void geluForward(float[] out, int outOff, float[] t, int tOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector u = v.add(v.mul(DetMath.GELU_CUBIC).mul(v).mul(v)).mul(DetMath.GELU_SCALE);
            FloatVector th = tanh(u);
            th.intoArray(t, tOff + i);
            v.mul(0.5f).mul(th.add(1f)).intoArray(out, outOff + i);
        }
        if (i < n) super.geluForward(out, outOff + i, t, tOff + i, x, xOff + i, n - i);
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector th = FloatVector.fromArray(S, t, tOff + i);
            geluLocal(v, th).mul(FloatVector.fromArray(S, dout, doutOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < n) super.geluBackward(dx, dxOff + i, x, xOff + i, t, tOff + i, dout, doutOff + i, n - i);
    }

    @Override
    public void geluBackward(float[] dx, int dxOff, float[] x, int xOff, float[] t, int tOff, float[] dout, int doutOff,
                             float[] y, int yOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector th = FloatVector.fromArray(S, t, tOff + i);
            geluLocal(v, th).mul(FloatVector.fromArray(S, dout, doutOff + i)).intoArray(dx, dxOff + i);
            v.mul(0.5f).mul(th.add(1f)).intoArray(y, yOff + i);
        }
        if (i < n) super.geluBackward(dx, dxOff + i, x, xOff + i, t, tOff + i, dout, doutOff + i, y, yOff + i, n - i);
    }

    // Elementwise passes finish a ragged tail with one masked vector step; each element gets the same
    // operations as in the reference, so the bits are the same.

    private float scaleAndMax(float[] x, int off, int n, float scale) {
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector s = FloatVector.fromArray(S, x, off + i).mul(scale);
            s.intoArray(x, off + i);
            mv = mv.max(s);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector s = FloatVector.fromArray(S, x, off + i, m).mul(scale);
            s.intoArray(x, off + i, m);
            mv = mv.blend(mv.max(s), m);
        }
        return mv.reduceLanes(VectorOperators.MAX); // max is exact in any order
    }

    private void expMinus(float[] x, int off, int n, float max) {
        int i = 0;
        for (; i + W <= n; i += W) exp(FloatVector.fromArray(S, x, off + i).sub(max)).intoArray(x, off + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            exp(FloatVector.fromArray(S, x, off + i, m).sub(max)).intoArray(x, off + i, m);
        }
    }

    /**
     * Whole W-by-W blocks (W = 16 or 8) are loaded as W row vectors, transposed in registers by log2(W)
     * rounds of two-source permutes, and stored as W row vectors: about twice as fast as gathers here.
     * Leftover columns gather W rows of one source column per step, a strip of W rows at a time, so the
     * strip's W source lines stay in L1 while their columns are read (column by column over all rows, a
     * power-of-two ld maps every row to the same few cache sets and the lines thrash).
     */
    @Override
    public void transpose(float[] src, int srcOff, int rows, int cols, int ld, float[] dst, int dstOff, int ldd) {
        if (rows < W) {
            super.transpose(src, srcOff, rows, cols, ld, dst, dstOff, ldd);
            return;
        }
        int[] idx = new int[W];
        for (int j = 0; j < W; j++) idx[j] = j * ld;
        int rEnd = rows - rows % W;
        int cEnd = W >= 8 ? cols - cols % W : 0;
        for (int r = 0; r < rEnd; r += W) {
            int s = srcOff + r * ld, d = dstOff + r;
            for (int c = 0; c < cEnd; c += W) {
                if (W == 16) transpose16(src, s + c, ld, dst, d + c * ldd, ldd);
                else transpose8(src, s + c, ld, dst, d + c * ldd, ldd);
            }
            for (int c = cEnd; c < cols; c++) FloatVector.fromArray(S, src, s + c, idx, 0).intoArray(dst, d + c * ldd);
        }
        if (rEnd < rows) super.transpose(src, srcOff + rEnd * ld, rows - rEnd, cols, ld, dst, dstOff + rEnd, ldd);
    }

    /**
     * Index vectors of one transpose round with block size b: lanes of the pair (row i, row i + b) are
     * exchanged so that lane j of the low result is row i's lane j, or row i+b's lane j-b where j has bit
     * b set; the high result takes the other halves. Indices of W and above select from the second row.
     */
    private static FloatVector roundIndex(int b, boolean high) {
        float[] x = new float[W];
        for (int j = 0; j < W; j++) x[j] = (j & b) == 0 ? (high ? j + b : j) : (high ? W + j : W + j - b);
        return FloatVector.fromArray(S, x, 0);
    }

    private static final FloatVector L8 = W >= 16 ? roundIndex(8, false) : null, H8 = W >= 16 ? roundIndex(8, true) : null;
    private static final FloatVector L4 = W >= 8 ? roundIndex(4, false) : null, H4 = W >= 8 ? roundIndex(4, true) : null;
    private static final FloatVector L2 = roundIndex(2, false), H2 = roundIndex(2, true);
    private static final FloatVector L1 = roundIndex(1, false), H1 = roundIndex(1, true);

    /** One 16x16 block: rows at a[s + i*ld], transposed rows to d[o + j*ldd]. */
    private static void transpose16(float[] a, int s, int ld, float[] d, int o, int ldd) {
        FloatVector v0 = FloatVector.fromArray(S, a, s), v1 = FloatVector.fromArray(S, a, s + ld);
        FloatVector v2 = FloatVector.fromArray(S, a, s + 2 * ld), v3 = FloatVector.fromArray(S, a, s + 3 * ld);
        FloatVector v4 = FloatVector.fromArray(S, a, s + 4 * ld), v5 = FloatVector.fromArray(S, a, s + 5 * ld);
        FloatVector v6 = FloatVector.fromArray(S, a, s + 6 * ld), v7 = FloatVector.fromArray(S, a, s + 7 * ld);
        FloatVector v8 = FloatVector.fromArray(S, a, s + 8 * ld), v9 = FloatVector.fromArray(S, a, s + 9 * ld);
        FloatVector va = FloatVector.fromArray(S, a, s + 10 * ld), vb = FloatVector.fromArray(S, a, s + 11 * ld);
        FloatVector vc = FloatVector.fromArray(S, a, s + 12 * ld), vd = FloatVector.fromArray(S, a, s + 13 * ld);
        FloatVector ve = FloatVector.fromArray(S, a, s + 14 * ld), vf = FloatVector.fromArray(S, a, s + 15 * ld);
        FloatVector t0 = L8.selectFrom(v0, v8), t8 = H8.selectFrom(v0, v8), t1 = L8.selectFrom(v1, v9), t9 = H8.selectFrom(v1, v9);
        FloatVector t2 = L8.selectFrom(v2, va), ta = H8.selectFrom(v2, va), t3 = L8.selectFrom(v3, vb), tb = H8.selectFrom(v3, vb);
        FloatVector t4 = L8.selectFrom(v4, vc), tc = H8.selectFrom(v4, vc), t5 = L8.selectFrom(v5, vd), td = H8.selectFrom(v5, vd);
        FloatVector t6 = L8.selectFrom(v6, ve), te = H8.selectFrom(v6, ve), t7 = L8.selectFrom(v7, vf), tf = H8.selectFrom(v7, vf);
        v0 = L4.selectFrom(t0, t4); v4 = H4.selectFrom(t0, t4); v1 = L4.selectFrom(t1, t5); v5 = H4.selectFrom(t1, t5);
        v2 = L4.selectFrom(t2, t6); v6 = H4.selectFrom(t2, t6); v3 = L4.selectFrom(t3, t7); v7 = H4.selectFrom(t3, t7);
        v8 = L4.selectFrom(t8, tc); vc = H4.selectFrom(t8, tc); v9 = L4.selectFrom(t9, td); vd = H4.selectFrom(t9, td);
        va = L4.selectFrom(ta, te); ve = H4.selectFrom(ta, te); vb = L4.selectFrom(tb, tf); vf = H4.selectFrom(tb, tf);
        t0 = L2.selectFrom(v0, v2); t2 = H2.selectFrom(v0, v2); t1 = L2.selectFrom(v1, v3); t3 = H2.selectFrom(v1, v3);
        t4 = L2.selectFrom(v4, v6); t6 = H2.selectFrom(v4, v6); t5 = L2.selectFrom(v5, v7); t7 = H2.selectFrom(v5, v7);
        t8 = L2.selectFrom(v8, va); ta = H2.selectFrom(v8, va); t9 = L2.selectFrom(v9, vb); tb = H2.selectFrom(v9, vb);
        tc = L2.selectFrom(vc, ve); te = H2.selectFrom(vc, ve); td = L2.selectFrom(vd, vf); tf = H2.selectFrom(vd, vf);
        L1.selectFrom(t0, t1).intoArray(d, o); H1.selectFrom(t0, t1).intoArray(d, o + ldd);
        L1.selectFrom(t2, t3).intoArray(d, o + 2 * ldd); H1.selectFrom(t2, t3).intoArray(d, o + 3 * ldd);
        L1.selectFrom(t4, t5).intoArray(d, o + 4 * ldd); H1.selectFrom(t4, t5).intoArray(d, o + 5 * ldd);
        L1.selectFrom(t6, t7).intoArray(d, o + 6 * ldd); H1.selectFrom(t6, t7).intoArray(d, o + 7 * ldd);
        L1.selectFrom(t8, t9).intoArray(d, o + 8 * ldd); H1.selectFrom(t8, t9).intoArray(d, o + 9 * ldd);
        L1.selectFrom(ta, tb).intoArray(d, o + 10 * ldd); H1.selectFrom(ta, tb).intoArray(d, o + 11 * ldd);
        L1.selectFrom(tc, td).intoArray(d, o + 12 * ldd); H1.selectFrom(tc, td).intoArray(d, o + 13 * ldd);
        L1.selectFrom(te, tf).intoArray(d, o + 14 * ldd); H1.selectFrom(te, tf).intoArray(d, o + 15 * ldd);
    }

    /** One 8x8 block (256-bit vectors), as {@link #transpose16}. */
    private static void transpose8(float[] a, int s, int ld, float[] d, int o, int ldd) {
        FloatVector v0 = FloatVector.fromArray(S, a, s), v1 = FloatVector.fromArray(S, a, s + ld);
        FloatVector v2 = FloatVector.fromArray(S, a, s + 2 * ld), v3 = FloatVector.fromArray(S, a, s + 3 * ld);
        FloatVector v4 = FloatVector.fromArray(S, a, s + 4 * ld), v5 = FloatVector.fromArray(S, a, s + 5 * ld);
        FloatVector v6 = FloatVector.fromArray(S, a, s + 6 * ld), v7 = FloatVector.fromArray(S, a, s + 7 * ld);
        FloatVector t0 = L4.selectFrom(v0, v4), t4 = H4.selectFrom(v0, v4), t1 = L4.selectFrom(v1, v5), t5 = H4.selectFrom(v1, v5);
        FloatVector t2 = L4.selectFrom(v2, v6), t6 = H4.selectFrom(v2, v6), t3 = L4.selectFrom(v3, v7), t7 = H4.selectFrom(v3, v7);
        v0 = L2.selectFrom(t0, t2); v2 = H2.selectFrom(t0, t2); v1 = L2.selectFrom(t1, t3); v3 = H2.selectFrom(t1, t3);
        v4 = L2.selectFrom(t4, t6); v6 = H2.selectFrom(t4, t6); v5 = L2.selectFrom(t5, t7); v7 = H2.selectFrom(t5, t7);
        L1.selectFrom(v0, v1).intoArray(d, o); H1.selectFrom(v0, v1).intoArray(d, o + ldd);
        L1.selectFrom(v2, v3).intoArray(d, o + 2 * ldd); H1.selectFrom(v2, v3).intoArray(d, o + 3 * ldd);
        L1.selectFrom(v4, v5).intoArray(d, o + 4 * ldd); H1.selectFrom(v4, v5).intoArray(d, o + 5 * ldd);
        L1.selectFrom(v6, v7).intoArray(d, o + 6 * ldd); H1.selectFrom(v6, v7).intoArray(d, o + 7 * ldd);
    }

    @Override
    public void softmaxForward(float[] x, int off, int n, float scale) {
        float max = scaleAndMax(x, off, n, scale);
        expMinus(x, off, n, max);
        float inv = 1f / sum(x, off, n);
        scale(x, off, n, inv);
    }

    /**
     * Four rows at a time, each step for all four before the next: a short row is a chain of dependent steps
     * (max, exp, sum, divide, scale), and four independent chains keep the core busy. Same bits per row.
     */
    @Override
    public void softmaxCausal(float[] x, int off, int ld, int rows, int n0, float scale) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int o0 = off + r * ld, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld, n = n0 + r;
            float m0 = scaleAndMax(x, o0, n, scale), m1 = scaleAndMax(x, o1, n + 1, scale);
            float m2 = scaleAndMax(x, o2, n + 2, scale), m3 = scaleAndMax(x, o3, n + 3, scale);
            expMinus(x, o0, n, m0);
            expMinus(x, o1, n + 1, m1);
            expMinus(x, o2, n + 2, m2);
            expMinus(x, o3, n + 3, m3);
            float i0 = 1f / sum(x, o0, n), i1 = 1f / sum(x, o1, n + 1), i2 = 1f / sum(x, o2, n + 2), i3 = 1f / sum(x, o3, n + 3);
            scale(x, o0, n, i0);
            scale(x, o1, n + 1, i1);
            scale(x, o2, n + 2, i2);
            scale(x, o3, n + 3, i3);
        }
        for (; r < rows; r++) softmaxForward(x, off + r * ld, n0 + r, scale);
    }

    @Override
    public void softmaxCausalBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                                      int ld, int rows, int n0, float scale) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int a = attOff + r * ld, d = dattOff + r * ld, p = dpreOff + r * ld, n = n0 + r;
            // the four dots first (independent chains), then the four elementwise passes
            float d0 = dot(att, a, datt, d, n), d1 = dot(att, a + ld, datt, d + ld, n + 1);
            float d2 = dot(att, a + 2 * ld, datt, d + 2 * ld, n + 2), d3 = dot(att, a + 3 * ld, datt, d + 3 * ld, n + 3);
            softmaxBackwardRow(dpre, p, att, a, datt, d, n, scale, d0);
            softmaxBackwardRow(dpre, p + ld, att, a + ld, datt, d + ld, n + 1, scale, d1);
            softmaxBackwardRow(dpre, p + 2 * ld, att, a + 2 * ld, datt, d + 2 * ld, n + 2, scale, d2);
            softmaxBackwardRow(dpre, p + 3 * ld, att, a + 3 * ld, datt, d + 3 * ld, n + 3, scale, d3);
        }
        for (; r < rows; r++) softmaxBackward(dpre, dpreOff + r * ld, att, attOff + r * ld, datt, dattOff + r * ld, n0 + r, scale);
    }

    @Override
    public void softmaxBackward(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                                int n, float scale) {
        softmaxBackwardRow(dpre, dpreOff, att, attOff, datt, dattOff, n, scale, dot(att, attOff, datt, dattOff, n));
    }

    /** dpre = att * (datt - d) * scale, with d = dot(att, datt) of the row. */
    private void softmaxBackwardRow(float[] dpre, int dpreOff, float[] att, int attOff, float[] datt, int dattOff,
                                    int n, float scale, float d) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector a = FloatVector.fromArray(S, att, attOff + i);
            a.mul(FloatVector.fromArray(S, datt, dattOff + i).sub(d)).mul(scale).intoArray(dpre, dpreOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector a = FloatVector.fromArray(S, att, attOff + i, m);
            a.mul(FloatVector.fromArray(S, datt, dattOff + i, m).sub(d)).mul(scale).intoArray(dpre, dpreOff + i, m);
        }
    }

    @Override
    public float crossEntropy(float[] logits, int off, int V, int target, float gradScale) {
        float max = scaleAndMax(logits, off, V, 1f); // x * 1f == x exactly
        float lt = logits[off + target] - max;
        expMinus(logits, off, V, max);
        float sum = sum(logits, off, V);
        float inv = 1f / sum;
        int i = 0;
        for (; i + W <= V; i += W) FloatVector.fromArray(S, logits, off + i).mul(inv).mul(gradScale).intoArray(logits, off + i);
        if (i < V) {
            VectorMask<Float> m = S.indexInRange(i, V);
            FloatVector.fromArray(S, logits, off + i, m).mul(inv).mul(gradScale).intoArray(logits, off + i, m);
        }
        logits[off + target] -= gradScale;
        return (float) (StrictMath.log(sum) - lt);
    }

    @Override
    public void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (; i + W <= n; i += W) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i + W <= n; i += W) FloatVector.fromArray(S, x, off + i).mul(s).intoArray(x, off + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, off + i, m).mul(s).intoArray(x, off + i, m);
        }
    }

    @Override
    public void adamw(float[] p, float[] g, float gscale, float[] m, float[] v, int off, int n, float lr, float beta1,
                      float beta2, float eps, float wd, float bc1, float bc2) {
        float omb1 = 1f - beta1, omb2 = 1f - beta2;
        FloatVector b1 = FloatVector.broadcast(S, beta1), b2 = FloatVector.broadcast(S, beta2);
        int i = off, end = off + n;
        for (; i + W <= end; i += W) {
            FloatVector gi = FloatVector.fromArray(S, g, i).mul(gscale);
            FloatVector mi = b1.fma(FloatVector.fromArray(S, m, i), gi.mul(omb1));
            FloatVector vi = b2.fma(FloatVector.fromArray(S, v, i), gi.mul(omb2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector pi = FloatVector.fromArray(S, p, i);
            FloatVector update = mi.div(bc1).div(vi.div(bc2).sqrt().add(eps)).add(pi.mul(wd));
            pi.sub(update.mul(lr)).intoArray(p, i);
        }
        if (i < end) super.adamw(p, g, gscale, m, v, i, end - i, lr, beta1, beta2, eps, wd, bc1, bc2);
    }
}
