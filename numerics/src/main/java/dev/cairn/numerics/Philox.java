package dev.cairn.numerics;

/**
 * Philox4x32-10 (Salmon et al., SC'11), the counter-based generator behind JAX's and cuRAND's streams.
 * Every random number Cairn draws is a pure function of (seed, purpose, step, index): no hidden state,
 * nothing shared between threads, so any thread count and any resume point draws the same numbers.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /** Purposes keep independent streams apart; the number is part of the counter, so never reuse one. */
    public static final int PURPOSE_INIT = 1, PURPOSE_BATCH = 2, PURPOSE_SAMPLE = 3, PURPOSE_DROPOUT = 4;

    private final int k0, k1;

    public Philox(long seed) {
        this.k0 = (int) seed;
        this.k1 = (int) (seed >>> 32);
    }

    /** The raw block for counter (c0, c1, c2, c3); out receives four 32-bit words. */
    public void block(int c0, int c1, int c2, int c3, int[] out) {
        block(k0, k1, c0, c1, c2, c3, out);
    }

    static void block(int key0, int key1, int c0, int c1, int c2, int c3, int[] out) {
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ key0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ key1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            key0 += W0; key1 += W1;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    /** 64 random bits for (purpose, step, index). */
    public long bits64(int purpose, long step, long index) {
        int[] o = new int[4];
        block((int) index, (int) (index >>> 32), (int) step, purpose ^ ((int) (step >>> 32) << 16), o);
        return ((long) o[0] << 32) | (o[1] & 0xFFFFFFFFL);
    }

    /** Uniform integer in [0, bound): the high 64 bits of a 128-bit product (Lemire), bias below 2^-32. */
    public long below(long bound, int purpose, long step, long index) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        return Math.unsignedMultiplyHigh(bits64(purpose, step, index), bound);
    }

    /** Uniform double in [0, 1) with 53 random bits. */
    public double uniform(int purpose, long step, long index) {
        return (bits64(purpose, step, index) >>> 11) * 0x1.0p-53;
    }

    /** Standard normal by Box-Muller on StrictMath (bit-reproducible on every platform). */
    public double normal(int purpose, long step, long index) {
        long b = bits64(purpose, step, index);
        double u1 = ((b >>> 40) + 1) * 0x1.0p-24;          // (0, 1]
        double u2 = ((b >>> 16) & 0xFFFFFF) * 0x1.0p-24;  // [0, 1)
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }
}
