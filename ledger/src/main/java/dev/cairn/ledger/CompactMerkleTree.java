package dev.cairn.ledger;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An append-only RFC 6962 tree that keeps the hash of every complete subtree, so roots, inclusion proofs and
 * consistency proofs for any past size cost O(log² n) hashes and never rehash leaves.
 *
 * <p>Level {@code l} holds the hash of each complete, aligned subtree of {@code 2^l} leaves, in order; an
 * append adds one leaf hash and completes at most log n parents. Memory is about 2 × 32 bytes per leaf
 * (64 MB for a million entries); it is rebuilt from the log on open rather than stored, which keeps the log's
 * disk footprint near its envelope bytes. Not thread-safe: the log serialises access.
 */
public final class CompactMerkleTree {
    private static final int H = MerkleTree.HASH_SIZE;

    private final List<byte[]> levels = new ArrayList<>(); // levels.get(l): count(l) hashes of 2^l leaves
    private final List<Long> counts = new ArrayList<>();
    private final MessageDigest md = MerkleTree.sha256();
    private long size;

    /** Number of leaves. */
    public long size() {
        return size;
    }

    /** Appends one leaf hash (not leaf input). */
    public void append(byte[] leafHash) {
        if (leafHash.length != H) throw new IllegalArgumentException("leaf hash must be 32 bytes");
        put(0, leafHash);
        int level = 0;
        while ((count(level) & 1) == 0) {
            long c = count(level);
            byte[] left = get(level, c - 2);
            byte[] right = get(level, c - 1);
            put(level + 1, MerkleTree.nodeHash(md, left, right));
            level++;
        }
        size++;
    }

    /** The leaf hash at index. */
    public byte[] leafHash(long index) {
        checkIndex(index, size);
        return get(0, index);
    }

    /** The root of the current tree. */
    public byte[] root() {
        return root(size);
    }

    /** The root of the tree made of the first {@code treeSize} leaves. */
    public byte[] root(long treeSize) {
        if (treeSize < 0 || treeSize > size) {
            throw new IllegalArgumentException("tree size " + treeSize + " is outside 0.." + size);
        }
        if (treeSize == 0) return MerkleTree.emptyRoot();
        return mth(0, treeSize);
    }

    /** The audit path for leaf {@code index} in the tree of the first {@code treeSize} leaves. */
    public List<byte[]> inclusionProof(long index, long treeSize) {
        if (treeSize < 1 || treeSize > size) {
            throw new IllegalArgumentException("tree size " + treeSize + " is outside 1.." + size);
        }
        checkIndex(index, treeSize);
        List<byte[]> proof = new ArrayList<>();
        path(index, 0, treeSize, proof);
        return proof;
    }

    /** The consistency proof between the trees of the first {@code oldSize} and {@code newSize} leaves. */
    public List<byte[]> consistencyProof(long oldSize, long newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("new size " + newSize + " is outside 0.." + size);
        }
        if (oldSize < 0 || oldSize > newSize) {
            throw new IllegalArgumentException("old size " + oldSize + " is outside 0.." + newSize);
        }
        List<byte[]> proof = new ArrayList<>();
        if (oldSize == 0 || oldSize == newSize) return proof;
        subproof(oldSize, 0, newSize, true, proof);
        return proof;
    }

    /** MTH over leaves [from, to); the left halves of the RFC recursion are stored complete subtrees. */
    private byte[] mth(long from, long to) {
        long n = to - from;
        if (Long.bitCount(n) == 1 && from % n == 0) {
            int level = Long.numberOfTrailingZeros(n);
            return get(level, from >>> level);
        }
        long k = MerkleTree.largestPowerOfTwoBelow(n);
        return MerkleTree.nodeHash(md, mth(from, from + k), mth(from + k, to));
    }

    private void path(long m, long from, long to, List<byte[]> out) {
        long n = to - from;
        if (n == 1) return;
        long k = MerkleTree.largestPowerOfTwoBelow(n);
        if (m < k) {
            path(m, from, from + k, out);
            out.add(mth(from + k, to));
        } else {
            path(m - k, from + k, to, out);
            out.add(mth(from, from + k));
        }
    }

    private void subproof(long m, long from, long to, boolean b, List<byte[]> out) {
        long n = to - from;
        if (m == n) {
            if (!b) out.add(mth(from, to));
            return;
        }
        long k = MerkleTree.largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, from, from + k, b, out);
            out.add(mth(from + k, to));
        } else {
            subproof(m - k, from + k, to, false, out);
            out.add(mth(from, from + k));
        }
    }

    private long count(int level) {
        return level < counts.size() ? counts.get(level) : 0;
    }

    private byte[] get(int level, long i) {
        byte[] arr = levels.get(level);
        int off = Math.toIntExact(i * H);
        return Arrays.copyOfRange(arr, off, off + H);
    }

    private void put(int level, byte[] hash) {
        while (levels.size() <= level) {
            levels.add(new byte[H * 16]);
            counts.add(0L);
        }
        long c = counts.get(level);
        byte[] arr = levels.get(level);
        long need = (c + 1) * H;
        if (need > arr.length) {
            long grown = Math.max(need, (long) arr.length * 2);
            if (grown > Integer.MAX_VALUE - 64) grown = need; // the last doubling may not fit in one array
            arr = Arrays.copyOf(arr, Math.toIntExact(grown));
            levels.set(level, arr);
        }
        System.arraycopy(hash, 0, arr, (int) (c * H), H);
        counts.set(level, c + 1);
    }

    private static void checkIndex(long index, long n) {
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("leaf index " + index + " is outside a tree of size " + n);
        }
    }
}
