package dev.cairn.training;

import dev.cairn.model.LanguageModel;
import dev.cairn.model.ParameterLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * ZeRO-1 for a data-parallel step on P ranks: the gradient is reduce-scattered so that each rank owns one
 * contiguous shard of it, each rank runs AdamW on its shard only (it holds the moments m, v of its shard and no
 * others), and the updated parameters are all-gathered.
 *
 * <p>The reduce-scatter is recursive halving over partners rank xor 1, 2, 4, ...: at level k the pair adds the
 * sums of sibling nodes of the micro-batch tree (see {@link DataParallel}), exactly the pairs recursive doubling
 * adds, on half the elements; so every element gets the bits of one process. Shards are cut at multiples of the
 * gradient norm's chunk ({@link Trainer#NORM_CHUNK}): each rank computes its chunks' sums of squares, and every
 * rank adds all of them in chunk order, as one process does. Each element is updated by its one owner with the
 * same AdamW, so the shard count does not change the bits. Rank r owns shard bit-reverse(r).
 */
final class OptimizerShard {
    /** Receives a run of floats of the canonical state (parameters, then first moments, then second moments). */
    @FunctionalInterface
    interface Sink {
        void accept(float[] a, int off, int n) throws IOException;
    }

    /** A step's loss and gradient norm, both combined over every rank. */
    record Reduced(float loss, float norm) {}

    private static final int PIECE = 1 << 20;

    private final Ranks ranks;
    private final LanguageModel model;
    private final int n, size, rank, shard, lo, hi;
    private final int[] bounds, ownerOfShard;
    private final int[][] levels; // per level: {bit, keep from, keep to, give from, give to} in elements
    final float[] m, v;
    private final float[] g, p;          // this shard's gradient and parameters, indexed like m and v
    private final List<int[]> items = new ArrayList<>(); // {shard offset, length, decay?1:0}
    private float[] received;
    long bytesSent, exchangeNanos;
    /** Time in this class outside the exchanges: adding received sums, dividing, the norm's chunks, AdamW, copies. */
    long localNanos;

    OptimizerShard(LanguageModel model, Ranks ranks) {
        this.model = model;
        this.ranks = ranks;
        this.n = model.params().length;
        this.size = ranks.size();
        this.rank = ranks.rank();
        this.bounds = bounds(n, size);
        this.ownerOfShard = new int[size];
        for (int r = 0; r < size; r++) ownerOfShard[shardOf(r, size)] = r;
        this.shard = shardOf(rank, size);
        this.lo = bounds[shard];
        this.hi = bounds[shard + 1];
        List<int[]> lv = new ArrayList<>();
        int s0 = 0, s1 = size;
        for (int bit = 1; bit < size; bit <<= 1) {
            int mid = (s0 + s1) / 2;
            boolean low = (rank & bit) == 0;
            int k0 = low ? s0 : mid, k1 = low ? mid : s1, g0 = low ? mid : s0, g1 = low ? s1 : mid;
            lv.add(new int[] {bit, bounds[k0], bounds[k1], bounds[g0], bounds[g1]});
            s0 = k0;
            s1 = k1;
        }
        this.levels = lv.toArray(int[][]::new);
        int len = hi - lo;
        this.m = new float[len];
        this.v = new float[len];
        this.g = new float[len];
        this.p = new float[len];
        for (ParameterLayout.Tensor t : model.tensors()) {
            int a = Math.max(lo, t.offset()), b = Math.min(hi, t.offset() + t.size());
            for (int at = a; at < b; at += 16384) items.add(new int[] {at - lo, Math.min(16384, b - at), t.decay() ? 1 : 0});
        }
    }

    /** Shard boundaries: shard s is [bounds[s], bounds[s+1]), cut at whole norm chunks. */
    static int[] bounds(int n, int shards) {
        long chunks = (n + (long) Trainer.NORM_CHUNK - 1) / Trainer.NORM_CHUNK;
        int[] b = new int[shards + 1];
        for (int s = 0; s <= shards; s++) b[s] = (int) Math.min(n, (long) Trainer.NORM_CHUNK * (s * chunks / shards));
        return b;
    }

    /** The shard rank r ends up owning after recursive halving (the lower half goes to the rank whose bit is 0). */
    static int shardOf(int r, int size) {
        int s0 = 0, s1 = size;
        for (int bit = 1; bit < size; bit <<= 1) {
            int mid = (s0 + s1) / 2;
            if ((r & bit) == 0) s1 = mid; else s0 = mid;
        }
        return s0;
    }

    int from() { return lo; }
    int to() { return hi; }

    /** Bytes of optimizer state this rank holds (its shard of m and v). */
    long optimizerBytes() { return 8L * (hi - lo); }

    /**
     * Reduce-scatters this rank's subtree sum {@code acc} (n gradient elements, then the loss at index n) so that
     * {@code acc[lo, hi)} holds the whole tree's sum, divides its shard by M into the shard's gradient, and
     * combines the loss and the gradient norm over every rank.
     */
    Reduced reduce(float[] acc, int microBatches) {
        long start = System.nanoTime(), exchange0 = exchangeNanos;
        try {
            return reduceTimed(acc, microBatches);
        } finally {
            localNanos += System.nanoTime() - start - (exchangeNanos - exchange0);
        }
    }

    private Reduced reduceTimed(float[] acc, int microBatches) {
        if (received == null) received = new float[levels.length == 0 ? 0 : levels[0][2] - levels[0][1]];
        for (int[] l : levels) {
            int keepN = l[2] - l[1], giveN = l[4] - l[3];
            long t0 = System.nanoTime();
            ranks.exchange(rank ^ l[0], acc, l[3], giveN, received, 0, keepN);
            exchangeNanos += System.nanoTime() - t0;
            bytesSent += 4L * giveN;
            float[] x = received;
            int base = l[1];
            model.parallel().forRange(keepN, 1 << 15, (a, b) -> {
                for (int i = a; i < b; i++) acc[base + i] += x[i];
            });
        }
        float fm = microBatches;
        model.parallel().forRange(hi - lo, 1 << 15, (a, b) -> {
            for (int i = a; i < b; i++) g[i] = acc[lo + i] / fm;
        });
        // one all-gather: each rank's subtree loss, then its chunks' sums of squares
        int maxChunks = 0;
        for (int s = 0; s < size; s++) maxChunks = Math.max(maxChunks, chunks(s));
        int mine = chunks(shard);
        float[] partial = new float[mine];
        model.parallel().forEach(mine, mine, (c, w) -> {
            int off = c * Trainer.NORM_CHUNK;
            partial[c] = model.kernels().dot(g, off, g, off, Math.min(Trainer.NORM_CHUNK, g.length - off));
        });
        ByteBuffer rec = ByteBuffer.allocate(4 + 4 * maxChunks).order(ByteOrder.LITTLE_ENDIAN);
        rec.putFloat(acc[n]);
        for (float x : partial) rec.putFloat(x);
        long t0 = System.nanoTime();
        byte[][] all = ranks.allGather(rec.array());
        exchangeNanos += System.nanoTime() - t0;
        bytesSent += rec.capacity();
        float[] losses = new float[size];
        for (int r = 0; r < size; r++) losses[r] = ByteBuffer.wrap(all[r]).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
        for (int bit = 1; bit < size; bit <<= 1) { // the tree's pairs, as recursive doubling adds them
            float[] next = new float[size];
            for (int r = 0; r < size; r++) next[r] = losses[r] + losses[r ^ bit];
            losses = next;
        }
        double sum = 0;
        for (int s = 0; s < size; s++) { // chunk order = shard order, then chunk order inside the shard
            ByteBuffer b = ByteBuffer.wrap(all[ownerOfShard[s]]).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < chunks(s); c++) sum += b.getFloat(4 + 4 * c);
        }
        return new Reduced(losses[0] / fm, (float) Math.sqrt(sum));
    }

    private int chunks(int s) {
        return (bounds[s + 1] - bounds[s] + Trainer.NORM_CHUNK - 1) / Trainer.NORM_CHUNK;
    }

    /** AdamW on this rank's shard, then every rank's updated shard to every rank (recursive doubling, reversed). */
    void update(float coef, float lr, float bc1, float bc2, float beta1, float beta2, float eps, float weightDecay) {
        long start = System.nanoTime(), exchange0 = exchangeNanos;
        float[] params = model.params();
        model.parallel().forRange(hi - lo, 1 << 15, (a, b) -> System.arraycopy(params, lo + a, p, a, b - a));
        model.parallel().forEach(items.size(), items.size(), (i, w) -> {
            int[] it = items.get(i);
            model.kernels().adamw(p, g, coef, m, v, it[0], it[1], lr, beta1, beta2, eps, it[2] == 1 ? weightDecay : 0f, bc1, bc2);
        });
        model.parallel().forRange(hi - lo, 1 << 15, (a, b) -> System.arraycopy(p, a, params, lo + a, b - a));
        for (int k = levels.length - 1; k >= 0; k--) {
            int[] l = levels[k];
            long t0 = System.nanoTime();
            ranks.exchange(rank ^ l[0], params, l[1], l[2] - l[1], params, l[3], l[4] - l[3]);
            exchangeNanos += System.nanoTime() - t0;
            bytesSent += 4L * (l[2] - l[1]);
        }
        localNanos += System.nanoTime() - start - (exchangeNanos - exchange0);
    }

    /** Takes this rank's shard of whole moment arrays (from a checkpoint). */
    void restore(float[] m1, float[] m2) {
        System.arraycopy(m1, lo, m, 0, hi - lo);
        System.arraycopy(m2, lo, v, 0, hi - lo);
    }

    /**
     * The canonical state, parameters then m then v, into rank 0's sink: the other ranks send their moment shards
     * to rank 0 in order (a collective: every rank calls it; their own sinks receive nothing).
     */
    void stream(Sink sink) throws IOException {
        if (rank == 0) sink.accept(model.params(), 0, n);
        float[] buf = rank == 0 && size > 1 ? new float[Math.min(PIECE, Math.max(1, n))] : null;
        for (float[] mine : new float[][] {m, v}) {
            for (int s = 0; s < size; s++) {
                int owner = ownerOfShard[s], len = bounds[s + 1] - bounds[s];
                if (owner == rank && rank == 0) {
                    sink.accept(mine, 0, len);
                } else if (rank == 0) {
                    for (int at = 0; at < len; at += PIECE) {
                        int k = Math.min(PIECE, len - at);
                        ranks.receive(owner, buf, 0, k);
                        sink.accept(buf, 0, k);
                    }
                } else if (owner == rank) {
                    for (int at = 0; at < len; at += PIECE) {
                        ranks.send(0, mine, at, Math.min(PIECE, len - at));
                    }
                }
            }
        }
    }
}
