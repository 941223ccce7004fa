package dev.cairn.numerics;

/**
 * Deterministic transcendental functions built from +, *, fma and exact conversions only, so that the
 * scalar and vector paths (and every JVM and CPU) give the same bits. Accuracy is about 2 ulp, ample for
 * softmax and GELU; the constants are Cephes' expf.
 */
public final class DetMath {
    private DetMath() {}

    static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    static final float ROUND_MAGIC = 12582912f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float EXP_MIN = -87.0f;
    static final float EXP_MAX = 88.0f;
    static final float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f,
            P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;
    /** sqrt(2/pi) for GELU's tanh form. */
    static final float GELU_SCALE = 0.7978845608028654f;
    static final float GELU_CUBIC = 0.044715f;

    /** e^x for x clamped to [-87, 88]; NaN stays NaN. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = P0;
        p = Math.fma(p, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, r * r, r + 1f);
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /** tanh(x) = 1 - 2 / (e^(2x) + 1). */
    public static float tanh(float x) {
        return 1f - 2f / (exp(2f * x) + 1f);
    }
}
