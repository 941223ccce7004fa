package dev.cairn.numerics;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code StrictMath.exp} over an array, lane by lane in vectors: fdlibm's e_exp.c (the algorithm StrictMath
 * specifies) step for step, each step one IEEE double operation (no fma, which fdlibm does not use), so every
 * result is StrictMath.exp's bits (tested against it). Lanes fdlibm treats specially at the ends of the range
 * (|x| of 704 or more, infinities, NaN) send their vector to StrictMath itself. Where a definition (evaluation
 * scores) is written in StrictMath.exp, this computes it several times faster.
 */
public final class StrictExp {
    private StrictExp() {}

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    // fdlibm's constants (e_exp.c), as java.lang.FdLibm.Exp spells them.
    private static final double LN2_HI = 0x1.62e42feep-1, LN2_LO = 0x1.a39ef35793c76p-33, INV_LN2 = 0x1.71547652b82fep0;
    private static final double P1 = 0x1.555555555553ep-3, P2 = -0x1.6c16c16bebd93p-9, P3 = 0x1.1566aaf25de2cp-14,
            P4 = -0x1.bbd41c5d26bf1p-20, P5 = 0x1.6376972bea4d0p-25;
    /** High words of |x| that bound fdlibm's cases: 2^-28, 0.5 ln2, 1.5 ln2, and 704 (past it, StrictMath). */
    private static final long TINY = 0x3e300000L, HALF_LN2 = 0x3fd62e42L, THREE_HALVES_LN2 = 0x3FF0A2B2L, FAR = 0x40860000L;

    /** out[i] = StrictMath.exp(x[i]) for i in [0, n). */
    public static void exp(double[] x, double[] out, int n) {
        int i = 0;
        for (; i + D.length() <= n; i += D.length()) {
            DoubleVector v = DoubleVector.fromArray(D, x, i);
            LongVector hx = v.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).and(0x7fffffffL); // high word of |x|
            if (hx.compare(VectorOperators.GE, FAR).anyTrue()) {
                for (int j = i; j < i + D.length(); j++) out[j] = StrictMath.exp(x[j]);
                continue;
            }
            lanes(x, out, i);
        }
        for (; i < n; i++) out[i] = StrictMath.exp(x[i]);
    }

    /**
     * fdlibm's exp of the vector at src[at ..], every |x| below 704, into dst[at ..]. It loads and stores its vectors
     * itself: a helper that took or returned one would box it wherever C2 declined to inline the helper.
     */
    private static void lanes(double[] src, double[] dst, int at) {
        DoubleVector x = DoubleVector.fromArray(D, src, at);
        LongVector hx = x.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).and(0x7fffffffL);
        VectorMask<Double> tiny = hx.compare(VectorOperators.LT, TINY).cast(D);
        VectorMask<Double> reduce = hx.compare(VectorOperators.GT, HALF_LN2).cast(D);
        VectorMask<Double> near = hx.compare(VectorOperators.LT, THREE_HALVES_LN2).cast(D).and(reduce);
        VectorMask<Double> negative = x.compare(VectorOperators.LT, 0.0);
        // k: +-1 near (0.5 ln2, 1.5 ln2), else (int) (x / ln2 +- 0.5) truncated; 0 where no reduction.
        DoubleVector half = DoubleVector.broadcast(D, 0.5).blend(-0.5, negative);
        DoubleVector kd = x.mul(INV_LN2).add(half).convert(VectorOperators.D2L, 0).convert(VectorOperators.L2D, 0).reinterpretAsDoubles();
        kd = kd.blend(DoubleVector.broadcast(D, 1.0).blend(-1.0, negative), near).blend(0.0, reduce.not());
        // hi = x - k ln2_hi (exact), lo = k ln2_lo; the reduced argument r = hi - lo (x itself where k = 0)
        DoubleVector hi = x.sub(kd.mul(LN2_HI)), lo = kd.mul(LN2_LO);
        DoubleVector r = hi.sub(lo).blend(x, reduce.not());
        DoubleVector t = r.mul(r);
        DoubleVector c = r.sub(t.mul(t.mul(t.mul(t.mul(t.mul(P5).add(P4)).add(P3)).add(P2)).add(P1)));
        DoubleVector rc = r.mul(c);
        // k = 0: 1 - ((r c)/(c - 2) - r); else 1 - ((lo - (r c)/(2 - c)) - hi), its exponent raised by k
        DoubleVector plain = DoubleVector.broadcast(D, 1.0).sub(rc.div(c.sub(2.0)).sub(r));
        DoubleVector y = DoubleVector.broadcast(D, 1.0).sub(lo.sub(rc.div(DoubleVector.broadcast(D, 2.0).sub(c))).sub(hi));
        LongVector k = kd.convert(VectorOperators.D2L, 0).reinterpretAsLongs();
        DoubleVector scaled = y.reinterpretAsLongs().add(k.lanewise(VectorOperators.LSHL, 52)).reinterpretAsDoubles();
        plain.blend(scaled, reduce).blend(x.add(1.0), tiny).intoArray(dst, at);
    }
}
