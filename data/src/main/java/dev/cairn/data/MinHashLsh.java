package dev.cairn.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Near-duplicate detection: MinHash signatures over lower-cased word 5-gram shingles (documents shorter than
 * five words are one shingle), 128 hash functions {@code mix64(fnv1a64(shingle) ^ seed_i)} with seeds drawn
 * from SplitMix64 started at the fixed seed {@code 0x434149524E4D4831} ("CAIRNMH1"), and LSH banding with the
 * band count that minimises false positives plus false negatives at the threshold (datasketch's rule).
 * Candidates that share a band are confirmed when the fraction of equal signature entries reaches the threshold.
 */
final class MinHashLsh {
    static final int PERMUTATIONS = 128;
    static final int SHINGLE_WORDS = 5;
    private static final long[] SEEDS = new long[PERMUTATIONS];

    static {
        long s = 0x434149524E4D4831L;
        for (int i = 0; i < PERMUTATIONS; i++) {
            s += 0x9E3779B97F4A7C15L;
            SEEDS[i] = mix64(s);
        }
    }

    private final double threshold;
    private final int bands;
    private final int rows;
    private final Map<Long, List<String>> buckets = new HashMap<>();
    private final Map<String, long[]> signatures = new HashMap<>();

    MinHashLsh(double threshold) {
        this.threshold = threshold;
        this.bands = bandsFor(threshold);
        this.rows = PERMUTATIONS / bands;
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long[] signature(String text) {
        String[] words = text.toLowerCase(Locale.ROOT).trim().split("\\s+");
        long[] sig = new long[PERMUTATIONS];
        java.util.Arrays.fill(sig, Long.MAX_VALUE);
        int shingles = Math.max(1, words.length - SHINGLE_WORDS + 1);
        for (int s = 0; s < shingles; s++) {
            long h = 0xCBF29CE484222325L;
            for (int w = s; w < Math.min(words.length, s + SHINGLE_WORDS); w++) {
                for (byte b : words[w].getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xFF)) * 0x100000001B3L;
                h = (h ^ ' ') * 0x100000001B3L;
            }
            for (int i = 0; i < PERMUTATIONS; i++) {
                long v = mix64(h ^ SEEDS[i]);
                if (Long.compareUnsigned(v, sig[i]) < 0) sig[i] = v;
            }
        }
        return sig;
    }

    /** The number of bands (a divisor of 128) minimising false positive + false negative probability mass. */
    static int bandsFor(double t) {
        int best = 1;
        double bestErr = Double.MAX_VALUE;
        for (int b = 1; b <= PERMUTATIONS; b++) {
            if (PERMUTATIONS % b != 0) continue;
            final int r = PERMUTATIONS / b, bb = b;
            double fp = integrate(s -> 1 - StrictMath.pow(1 - StrictMath.pow(s, r), bb), 0, t);
            double fn = integrate(s -> StrictMath.pow(1 - StrictMath.pow(s, r), bb), t, 1);
            if (fp + fn < bestErr) {
                bestErr = fp + fn;
                best = b;
            }
        }
        return best;
    }

    private static double integrate(java.util.function.DoubleUnaryOperator f, double a, double b) {
        int n = 1000;
        double h = (b - a) / n, sum = 0;
        for (int i = 0; i < n; i++) sum += f.applyAsDouble(a + (i + 0.5) * h) * h;
        return sum;
    }

    static double similarity(long[] a, long[] b) {
        int same = 0;
        for (int i = 0; i < PERMUTATIONS; i++) if (a[i] == b[i]) same++;
        return same / (double) PERMUTATIONS;
    }

    /** Indexed documents whose estimated similarity to sig is at least the threshold, in id order. */
    List<String> nearDuplicates(long[] sig) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        for (int b = 0; b < bands; b++) {
            List<String> ids = buckets.get(bandKey(sig, b));
            if (ids == null) continue;
            for (String id : ids) {
                if (!out.contains(id) && similarity(sig, signatures.get(id)) >= threshold) out.add(id);
            }
        }
        return new ArrayList<>(out);
    }

    private long bandKey(long[] sig, int band) {
        long h = mix64(band + 1L);
        for (int r = band * rows; r < (band + 1) * rows; r++) h = mix64(h ^ sig[r]);
        return h;
    }

    void add(String id, long[] sig) {
        signatures.put(id, sig);
        for (int b = 0; b < bands; b++) buckets.computeIfAbsent(bandKey(sig, b), k -> new ArrayList<>()).add(id);
    }

    void remove(String id) {
        long[] sig = signatures.remove(id);
        if (sig == null) return;
        for (int b = 0; b < bands; b++) {
            List<String> l = buckets.get(bandKey(sig, b));
            if (l != null) l.remove(id);
        }
    }
}
