package dev.cairn.governance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchulzeTest {
    /** Ballots written as "count ORDER" with one letter per option, e.g. "5 ACBED". */
    private static List<Schulze.WeightedRanking> ballots(String options, String... groups) {
        List<Schulze.WeightedRanking> out = new ArrayList<>();
        for (String g : groups) {
            String[] parts = g.split(" ");
            int[] order = parts[1].chars().map(options::indexOf).toArray();
            out.add(new Schulze.WeightedRanking(order, Long.parseLong(parts[0])));
        }
        return out;
    }

    private static List<String> letters(String s) {
        return s.chars().mapToObj(c -> String.valueOf((char) c)).toList();
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    @Test
    void wikipediaFortyFiveVoters() {
        // https://en.wikipedia.org/wiki/Schulze_method, "Example" (also Schulze 2011, §3.1)
        var b = ballots("ABCDE", "5 ACBED", "5 ADECB", "8 BEDAC", "3 CABED", "7 CAEBD", "2 CBADE", "7 DCEBA", "8 EBADC");
        Schulze.Result r = Schulze.count(letters("ABCDE"), b, identity(5));
        long[][] d = {
                {0, 20, 26, 30, 22},
                {25, 0, 16, 33, 18},
                {19, 29, 0, 17, 24},
                {15, 12, 28, 0, 14},
                {23, 27, 21, 31, 0}};
        long[][] p = {
                {0, 28, 28, 30, 24},
                {25, 0, 28, 33, 24},
                {25, 29, 0, 29, 24},
                {25, 28, 28, 0, 24},
                {25, 28, 28, 31, 0}};
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(d[i], r.pairwise()[i], "d row " + i);
            assertArrayEquals(p[i], r.strongest()[i], "p row " + i);
        }
        assertEquals(List.of("E"), r.potentialWinners());
        assertEquals(letters("EACBD"), r.ranking());
    }

    @Test
    void schulzePaperThirtyVoters() {
        // Schulze 2011, §3.2 (example 2): D wins although A is the plurality favourite
        var b = ballots("ABCD", "5 ACBD", "2 ACDB", "3 ADCB", "4 BACD", "3 CBDA", "3 CDBA", "1 DACB", "5 DBAC", "4 DCBA");
        Schulze.Result r = Schulze.count(letters("ABCD"), b, identity(4));
        assertArrayEquals(new long[] {0, 11, 20, 14}, r.pairwise()[0]);
        assertArrayEquals(new long[] {18, 18, 18, 0}, r.strongest()[3]);
        assertEquals(List.of("D"), r.potentialWinners());
        assertEquals(letters("DACB"), r.ranking());
    }

    @Test
    void tiesFollowTheStatedOrder() {
        // a perfect three-way cycle: every option is a potential winner
        var b = ballots("XYZ", "1 XYZ", "1 YZX", "1 ZXY");
        assertEquals(letters("XYZ"), Schulze.count(letters("XYZ"), b, new int[] {0, 1, 2}).potentialWinners());
        assertEquals("Z", Schulze.count(letters("XYZ"), b, new int[] {2, 0, 1}).winner());
        assertEquals(letters("YZX"), Schulze.count(letters("XYZ"), b, new int[] {1, 2, 0}).ranking());
    }

    @Test
    void unrankedOptionsTieBelowRankedOnes() {
        var b = ballots("ABC", "3 A", "2 BC");
        long[][] d = Schulze.pairwise(3, b);
        assertArrayEquals(new long[] {0, 3, 3}, d[0]); // A over B and C on the 3 ballots naming only A
        assertArrayEquals(new long[] {2, 0, 2}, d[1]);
        assertArrayEquals(new long[] {2, 0, 0}, d[2]); // B and C unranked on the A ballots: no preference
    }
}
