package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The vector exp is StrictMath.exp to the bit: random arguments over every range fdlibm treats apart, and its edges. */
class StrictExpTest {
    static void same(double[] x) {
        double[] out = new double[x.length];
        StrictExp.exp(x, out, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Double.doubleToRawLongBits(StrictMath.exp(x[i])), Double.doubleToRawLongBits(out[i]),
                    "exp(" + x[i] + ") = " + out[i] + ", StrictMath " + StrictMath.exp(x[i]));
        }
    }

    @Test
    void randomArgumentsInEveryRange() {
        Philox rng = new Philox(17);
        double[][] ranges = {{-750, 750}, {-40, 1}, {-2, 2}, {-1e-7, 1e-7}, {-1e-9, 1e-9}};
        for (int r = 0; r < ranges.length; r++) {
            double[] x = new double[200_003]; // not a whole number of vectors
            for (int i = 0; i < x.length; i++) x[i] = ranges[r][0] + (ranges[r][1] - ranges[r][0]) * rng.uniform(Philox.PURPOSE_SAMPLE, r, i);
            same(x);
        }
        double[] bits = new double[100_000]; // any double at all, NaNs and infinities included
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Double.longBitsToDouble(((long) (rng.uniform(Philox.PURPOSE_SAMPLE, 9, i) * (1L << 32)) << 32)
                    ^ (long) (rng.uniform(Philox.PURPOSE_SAMPLE, 10, i) * (1L << 32)));
        }
        same(bits);
    }

    @Test
    void theEdgesOfFdlibmsCases() {
        List<Double> xs = new ArrayList<>();
        double ln2 = 0x1.62e42fefa39efp-1;
        for (double e : new double[] {0, 0x1p-28, 0.5 * ln2, 1.5 * ln2, 704, 707.9, 708.4, 709.78, 745.13, 1, 2, 0x1p-1022, Double.MIN_VALUE}) {
            for (double s : new double[] {1, -1}) {
                double v = s * e;
                for (int i = 0; i < 40; i++) {
                    xs.add(v);
                    xs.add(Math.nextUp(v));
                    xs.add(Math.nextDown(v));
                    v = Math.nextUp(Math.nextUp(v));
                }
            }
        }
        for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE}) xs.add(v);
        for (int k = -1100; k <= 1100; k++) { // every reduction step k, on both sides of k ln2 +- ln2/2
            xs.add(k * ln2);
            xs.add((k + 0.5) * ln2);
            xs.add(Math.nextUp((k + 0.5) * ln2));
            xs.add(Math.nextDown((k + 0.5) * ln2));
        }
        same(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
