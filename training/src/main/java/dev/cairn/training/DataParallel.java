package dev.cairn.training;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * How a step's M micro-batches are shared among P ranks. The micro-batch gradients are summed in a fixed pairwise
 * tree over micro-batch index (a node [lo, hi) adds the sums of [lo, mid) and [mid, hi), mid = lo + (hi - lo) / 2);
 * rank r owns micro-batches [r M/P, (r+1) M/P). For P a power of two dividing M those ranges are nodes of the tree,
 * and rank pairs r, r xor 2^k at level k are sibling nodes, so combining sums level by level with those partners
 * (recursive halving, {@link OptimizerShard}) adds exactly the tree's pairs: the result does not depend on P (float
 * addition is commutative, so both partners get the same bits).
 */
public final class DataParallel {
    private DataParallel() {}

    /** Refuses a process count the tree cannot be split over; the message says what would work. */
    public static void checkLayout(int microBatches, int processes) {
        if (processes < 1) throw new IllegalArgumentException("process count must be positive, got " + processes);
        if (microBatches % processes != 0) {
            throw new IllegalArgumentException("the process count (" + processes + ") must divide the micro-batch count M ("
                    + microBatches + "); use --micro-batches a multiple of " + processes + " or another process count");
        }
        if (Integer.bitCount(processes) != 1) {
            throw new IllegalArgumentException("the process count (" + processes + ") must be a power of two, so that every "
                    + "rank's micro-batches are one node of the fixed summation tree");
        }
    }

    /** First micro-batch rank r owns. */
    static int first(int rank, int microBatches, int processes) {
        return rank * (microBatches / processes);
    }

    /**
     * Every rank states its fields (name to value, in a fixed order); any rank whose value differs from rank 0's
     * fails the run on every rank, naming the rank and the field. Each record is padded to a fixed size.
     */
    public static void agree(Ranks ranks, Map<String, String> fields) {
        if (ranks.size() == 1) return;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : fields.entrySet()) sb.append(e.getKey()).append('\u0000').append(e.getValue()).append('\u0000');
        byte[] mine = sb.toString().getBytes(StandardCharsets.UTF_8);
        int size = 16384;
        if (mine.length + 4 > size) throw new IllegalArgumentException("run identity too long to exchange (" + mine.length + " bytes)");
        byte[] rec = Arrays.copyOf(new byte[4], size);
        rec[0] = (byte) (mine.length >>> 24); rec[1] = (byte) (mine.length >>> 16); rec[2] = (byte) (mine.length >>> 8); rec[3] = (byte) mine.length;
        System.arraycopy(mine, 0, rec, 4, mine.length);
        byte[][] all = ranks.allGather(rec);
        String[] ref = decode(all[0]);
        for (int r = 1; r < all.length; r++) {
            String[] other = decode(all[r]);
            for (int i = 0; i < Math.max(ref.length, other.length); i += 2) {
                String key = i < ref.length ? ref[i] : other[i];
                String a = i + 1 < ref.length ? ref[i + 1] : "(none)", b = i + 1 < other.length ? other[i + 1] : "(none)";
                if (i >= ref.length || i >= other.length || !ref[i].equals(other[i]) || !a.equals(b)) {
                    throw new IllegalArgumentException("rank " + r + " was started with a different " + key + " than rank 0 ("
                            + abbreviate(b) + " vs " + abbreviate(a) + "); every rank must get the same flags and data");
                }
            }
        }
    }

    private static String[] decode(byte[] rec) {
        int n = ((rec[0] & 0xff) << 24) | ((rec[1] & 0xff) << 16) | ((rec[2] & 0xff) << 8) | (rec[3] & 0xff);
        String s = new String(rec, 4, n, StandardCharsets.UTF_8);
        return s.isEmpty() ? new String[0] : s.substring(0, s.length() - 1).split("\u0000", -1);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
