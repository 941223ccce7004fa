package dev.cairn.governance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Schulze method (M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and
 * Condorcet-consistent single-winner election method", Social Choice and Welfare 36, 2011) with the "winning
 * votes" measure of a defeat: {@code d[x][y]} is the weight of ballots ranking x above y; a link x→y has
 * strength {@code d[x][y]} when {@code d[x][y] > d[y][x]}, else 0; {@code p[x][y]} is the strength of the
 * strongest (widest) path from x to y, found Floyd–Warshall style. x beats y when {@code p[x][y] > p[y][x]};
 * the potential winners are those no option beats.
 *
 * <p>Ties are broken deterministically by a stated order of preference ({@code tieBreak}): among options that no
 * remaining option beats, the one earliest in that order is placed next. Ballots rank options strictly; options a
 * ballot leaves out rank equal to each other and below every option it names.
 */
public final class Schulze {
    private Schulze() {}

    /** A ranking with its weight: option indexes, most preferred first. */
    public record WeightedRanking(int[] order, long weight) {}

    /**
     * @param options    option names, in index order
     * @param pairwise   {@code d[x][y]}: weight preferring x to y
     * @param strongest  {@code p[x][y]}: strength of the strongest path from x to y
     * @param potentialWinners options no other option beats, in index order
     * @param ranking    all options, best first: the Schulze order with ties broken by the tie-break order
     */
    public record Result(List<String> options, long[][] pairwise, long[][] strongest,
                         List<String> potentialWinners, List<String> ranking) {
        public String winner() {
            return ranking.getFirst();
        }
    }

    /** Pairwise preferences {@code d[x][y]} of weighted rankings over {@code n} options. */
    public static long[][] pairwise(int n, List<WeightedRanking> ballots) {
        long[][] d = new long[n][n];
        int[] rank = new int[n];
        for (WeightedRanking b : ballots) {
            Arrays.fill(rank, Integer.MAX_VALUE); // unranked: equal, below all ranked
            for (int pos = 0; pos < b.order().length; pos++) rank[b.order()[pos]] = pos;
            for (int x = 0; x < n; x++) {
                for (int y = 0; y < n; y++) {
                    if (rank[x] < rank[y]) d[x][y] += b.weight();
                }
            }
        }
        return d;
    }

    /** Strongest path strengths from pairwise preferences (winning votes). */
    public static long[][] strongestPaths(long[][] d) {
        int n = d.length;
        long[][] p = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) p[i][j] = d[i][j] > d[j][i] ? d[i][j] : 0;
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) continue;
                for (int k = 0; k < n; k++) {
                    if (i != k && j != k) p[j][k] = Math.max(p[j][k], Math.min(p[j][i], p[i][k]));
                }
            }
        }
        return p;
    }

    /**
     * Counts ballots.
     *
     * @param tieBreak option indexes from most to least preferred when breaking ties (a permutation of 0..n-1)
     */
    public static Result count(List<String> options, List<WeightedRanking> ballots, int[] tieBreak) {
        int n = options.size();
        if (n == 0) throw new IllegalArgumentException("no options");
        int[] sortedTieBreak = tieBreak.clone();
        Arrays.sort(sortedTieBreak);
        for (int i = 0; i < n; i++) {
            if (sortedTieBreak.length != n || sortedTieBreak[i] != i) throw new IllegalArgumentException("tie-break order is not a permutation");
        }
        long[][] d = pairwise(n, ballots);
        long[][] p = strongestPaths(d);
        List<String> potential = new ArrayList<>();
        for (int x = 0; x < n; x++) if (unbeaten(x, p, allOf(n))) potential.add(options.get(x));
        boolean[] remaining = allOf(n);
        List<String> ranking = new ArrayList<>(n);
        for (int placed = 0; placed < n; placed++) {
            int next = -1;
            for (int x : tieBreak) {
                if (remaining[x] && unbeaten(x, p, remaining)) {
                    next = x;
                    break;
                }
            }
            // the beat relation is a strict partial order (Schulze 2011, §4.1), so some option is unbeaten
            if (next < 0) throw new IllegalStateException("Schulze beat relation has a cycle");
            ranking.add(options.get(next));
            remaining[next] = false;
        }
        return new Result(List.copyOf(options), d, p, List.copyOf(potential), List.copyOf(ranking));
    }

    private static boolean[] allOf(int n) {
        boolean[] b = new boolean[n];
        Arrays.fill(b, true);
        return b;
    }

    private static boolean unbeaten(int x, long[][] p, boolean[] among) {
        for (int y = 0; y < p.length; y++) {
            if (y != x && among[y] && p[y][x] > p[x][y]) return false;
        }
        return true;
    }
}
