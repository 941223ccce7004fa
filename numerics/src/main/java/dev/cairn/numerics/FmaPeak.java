package dev.cairn.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's single-precision FMA peak as the JVM reaches it: each thread runs 12 independent chains of vector
 * FMAs (enough to cover the FMA latency on current cores) at the preferred vector width, all threads at once.
 * 1 FMA = 2 FLOPs per lane. A measurement for model-FLOP-utilisation figures, never part of a numeric path.
 *
 * <pre>
 *   FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
 *   double mfu = modelFlopsPerSecond / peak.flopsPerSecond();
 * </pre>
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12, INNER = 1 << 12;
    private static volatile float sink;

    private FmaPeak() {}

    /** What was measured: threads, vector lanes, FLOP/s over all threads (the best of the repeats). */
    public record Result(int threads, int lanes, double flopsPerSecond) {
        public double gflops() { return flopsPerSecond / 1e9; }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.1f GFLOP/s single-precision FMA peak (%d threads x %d-lane vectors, %d independent chains)",
                    gflops(), threads, lanes, CHAINS);
        }
    }

    /** Measures for about {@code seconds} (after a warm-up of the same length), on {@code threads} threads at once. */
    public static Result measure(int threads, double seconds) {
        if (threads < 1) throw new IllegalArgumentException("threads must be positive, got " + threads);
        long iterations = calibrate(seconds / 5);
        run(threads, iterations); // warm-up: compiled, clocks up
        double best = 0;
        for (int rep = 0; rep < 4; rep++) best = Math.max(best, run(threads, iterations));
        return new Result(threads, S.length(), best);
    }

    /**
     * Outer iterations one thread does in about {@code seconds}: calls one round until the JIT has compiled it and
     * its time is steady (20 calls within 10 % of the fastest; at most 5 s), then scales the fastest call.
     */
    private static long calibrate(double seconds) {
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        int steady = 0;
        while (System.nanoTime() - start < 5e9 && steady < 20) {
            long t0 = System.nanoTime();
            chains(1);
            double s = (System.nanoTime() - t0) / 1e9;
            if (s < best * 0.9) {
                best = s;
                steady = 0;
            } else if (s < best * 1.1) {
                steady++;
            }
            best = Math.min(best, s);
        }
        return Math.max(1, (long) (seconds / best));
    }

    /** FLOP/s of {@code threads} threads each doing {@code iterations} rounds, started together. */
    private static double run(int threads, long iterations) {
        Thread[] ts = new Thread[threads];
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                chains(iterations);
            }, "cairn-fma-peak-" + i);
            ts[i].start();
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while measuring the FMA peak", e);
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        return 2.0 * S.length() * CHAINS * INNER * (double) iterations * threads / s;
    }

    /** {@code iterations} x INNER rounds of CHAINS independent FMAs. */
    private static void chains(long iterations) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long it = 0; it < iterations; it++) {
            for (int i = 0; i < INNER; i++) {
                c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
                c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
                c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
            }
        }
        // keep the chains alive: one lane of each, in a fixed order
        sink = c0.lane(0) + c1.lane(0) + c2.lane(0) + c3.lane(0) + c4.lane(0) + c5.lane(0) + c6.lane(0) + c7.lane(0)
                + c8.lane(0) + c9.lane(0) + c10.lane(0) + c11.lane(0);
    }
}
