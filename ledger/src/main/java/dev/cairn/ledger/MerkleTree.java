package dev.cairn.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256: leaf hash {@code SHA-256(0x00 || input)}, node hash
 * {@code SHA-256(0x01 || left || right)}, the empty tree's root {@code SHA-256("")}.
 *
 * <p>The static methods here work on a list of leaf hashes and follow the RFC's recursive definitions
 * (MTH, PATH, PROOF) literally, so they double as the reference for {@link CompactMerkleTree}, which the
 * log uses. The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 (as transparency-dev/merkle implements
 * them), so proofs made here verify anywhere and foreign proofs verify here.
 */
public final class MerkleTree {
    /** Bytes in every hash. */
    public static final int HASH_SIZE = 32;

    private MerkleTree() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** SHA-256 of bytes. */
    public static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    /** SHA-256(0x00 || leafInput). */
    public static byte[] leafHash(byte[] leafInput) {
        MessageDigest md = sha256();
        md.update((byte) 0x00);
        md.update(leafInput);
        return md.digest();
    }

    /** SHA-256(0x01 || left || right). */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        return nodeHash(sha256(), left, right);
    }

    static byte[] nodeHash(MessageDigest md, byte[] left, byte[] right) {
        md.reset();
        md.update((byte) 0x01);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** The root of the empty tree: SHA-256 of the empty string. */
    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    /** MTH(D[n]) for the given leaf hashes. */
    public static byte[] rootFromLeafHashes(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) return emptyRoot();
        return mth(sha256(), leafHashes, 0, leafHashes.size());
    }

    private static byte[] mth(MessageDigest md, List<byte[]> leaves, int from, int to) {
        int n = to - from;
        if (n == 1) return leaves.get(from).clone();
        int k = largestPowerOfTwoBelow(n);
        byte[] left = mth(md, leaves, from, from + k);
        byte[] right = mth(md, leaves, from + k, to);
        return nodeHash(md, left, right);
    }

    /** The largest power of two strictly less than n (n ≥ 2). */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    private static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }

    /** PATH(m, D[n]): the audit path of leaf {@code index}, leaf-side first. */
    public static List<byte[]> inclusionProof(List<byte[]> leafHashes, long index) {
        int n = leafHashes.size();
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("leaf index " + index + " is outside a tree of size " + n);
        }
        List<byte[]> proof = new ArrayList<>();
        path(sha256(), leafHashes, (int) index, 0, n, proof);
        return proof;
    }

    private static void path(MessageDigest md, List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
        int n = to - from;
        if (n == 1) return;
        int k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(md, leaves, m, from, from + k, out);
            out.add(mth(md, leaves, from + k, to));
        } else {
            path(md, leaves, m - k, from + k, to, out);
            out.add(mth(md, leaves, from, from + k));
        }
    }

    /** PROOF(m, D[n]): proves that the first {@code oldSize} leaves are a prefix of all of them. */
    public static List<byte[]> consistencyProof(List<byte[]> leafHashes, long oldSize) {
        int n = leafHashes.size();
        if (oldSize < 0 || oldSize > n) {
            throw new IllegalArgumentException("old size " + oldSize + " is outside 0.." + n);
        }
        List<byte[]> proof = new ArrayList<>();
        if (oldSize == 0 || oldSize == n) return proof;
        subproof(sha256(), leafHashes, (int) oldSize, 0, n, true, proof);
        return proof;
    }

    private static void subproof(MessageDigest md, List<byte[]> leaves, int m, int from, int to, boolean b,
                                 List<byte[]> out) {
        int n = to - from;
        if (m == n) {
            if (!b) out.add(mth(md, leaves, from, to));
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(md, leaves, m, from, from + k, b, out);
            out.add(mth(md, leaves, from + k, to));
        } else {
            subproof(md, leaves, m - k, from + k, to, false, out);
            out.add(mth(md, leaves, from, from + k));
        }
    }

    /** True when {@code proof} shows that {@code leafHash} sits at {@code index} in the tree with {@code root}. */
    public static boolean verifyInclusion(byte[] leafHash, long index, long treeSize, List<byte[]> proof,
                                          byte[] root) {
        try {
            checkInclusion(leafHash, index, treeSize, proof, root);
            return true;
        } catch (ProofException e) {
            return false;
        }
    }

    /** As {@link #verifyInclusion} but says why a proof fails. */
    public static void checkInclusion(byte[] leafHash, long index, long treeSize, List<byte[]> proof, byte[] root)
            throws ProofException {
        byte[] computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
        matches(computed, root, "root");
    }

    /** The root implied by an inclusion proof (RFC 9162 §2.1.3.2). */
    public static byte[] rootFromInclusionProof(byte[] leafHash, long index, long treeSize, List<byte[]> proof)
            throws ProofException {
        if (index < 0 || treeSize < 0) throw new ProofException("negative index or tree size");
        if (index >= treeSize) {
            throw new ProofException("leaf index " + index + " is not below tree size " + treeSize);
        }
        checkHash(leafHash, "leaf hash");
        checkHashes(proof);
        int inner = innerProofSize(index, treeSize);
        int border = Long.bitCount(index >>> inner);
        if (proof.size() != inner + border) {
            throw new ProofException("inclusion proof has " + proof.size() + " hashes, want " + (inner + border));
        }
        MessageDigest md = sha256();
        byte[] r = chainInner(md, leafHash, proof.subList(0, inner), index);
        return chainBorderRight(md, r, proof.subList(inner, proof.size()));
    }

    /** True when {@code proof} shows that the tree of {@code oldSize} is a prefix of the tree of {@code newSize}. */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
                                            List<byte[]> proof) {
        try {
            checkConsistency(oldSize, newSize, oldRoot, newRoot, proof);
            return true;
        } catch (ProofException e) {
            return false;
        }
    }

    /** As {@link #verifyConsistency} but says why a proof fails (RFC 9162 §2.1.4.2). */
    public static void checkConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
                                        List<byte[]> proof) throws ProofException {
        if (oldSize < 0) throw new ProofException("negative old size");
        if (newSize < oldSize) throw new ProofException("new size " + newSize + " < old size " + oldSize);
        // As the transparency-dev conformance vectors require: a proof from the empty tree proves nothing
        // (PROOF(m, D[n]) is defined for 0 < m ≤ n), so it is refused rather than vacuously accepted.
        if (oldSize == 0) throw new ProofException("old size is 0: consistency with the empty tree proves nothing");
        checkHashes(proof);
        if (oldSize == newSize) {
            if (!proof.isEmpty()) throw new ProofException("old size = new size, but the proof is not empty");
            matches(oldRoot, newRoot, "old root and new root");
            return;
        }
        if (proof.isEmpty()) throw new ProofException("empty consistency proof");
        checkHash(oldRoot, "old root");
        checkHash(newRoot, "new root");
        int inner = innerProofSize(oldSize - 1, newSize);
        int border = Long.bitCount((oldSize - 1) >>> inner);
        int shift = Long.numberOfTrailingZeros(oldSize);
        inner -= shift;
        // The proof starts with the root of the subtree of size 2^shift, unless the old tree is exactly that.
        byte[] seed = proof.get(0);
        int start = 1;
        if (oldSize == 1L << shift) {
            seed = oldRoot;
            start = 0;
        }
        if (proof.size() != start + inner + border) {
            throw new ProofException("consistency proof has " + proof.size() + " hashes, want "
                    + (start + inner + border));
        }
        List<byte[]> rest = proof.subList(start, proof.size());
        long mask = (oldSize - 1) >>> shift;
        MessageDigest md = sha256();
        byte[] h1 = chainInnerRight(md, seed, rest.subList(0, inner), mask);
        h1 = chainBorderRight(md, h1, rest.subList(inner, rest.size()));
        matches(h1, oldRoot, "old root");
        byte[] h2 = chainInner(md, seed, rest.subList(0, inner), mask);
        h2 = chainBorderRight(md, h2, rest.subList(inner, rest.size()));
        matches(h2, newRoot, "new root");
    }

    private static int innerProofSize(long index, long size) {
        return 64 - Long.numberOfLeadingZeros(index ^ (size - 1));
    }

    private static byte[] chainInner(MessageDigest md, byte[] seed, List<byte[]> proof, long index) {
        for (int i = 0; i < proof.size(); i++) {
            seed = ((index >>> i) & 1) == 0 ? nodeHash(md, seed, proof.get(i)) : nodeHash(md, proof.get(i), seed);
        }
        return seed;
    }

    private static byte[] chainInnerRight(MessageDigest md, byte[] seed, List<byte[]> proof, long index) {
        for (int i = 0; i < proof.size(); i++) {
            if (((index >>> i) & 1) == 1) seed = nodeHash(md, proof.get(i), seed);
        }
        return seed;
    }

    private static byte[] chainBorderRight(MessageDigest md, byte[] seed, List<byte[]> proof) {
        for (byte[] h : proof) seed = nodeHash(md, h, seed);
        return seed;
    }

    private static void checkHash(byte[] h, String what) throws ProofException {
        if (h == null || h.length != HASH_SIZE) {
            throw new ProofException(what + " is " + (h == null ? "missing" : h.length + " bytes")
                    + ", want " + HASH_SIZE);
        }
    }

    private static void checkHashes(List<byte[]> proof) throws ProofException {
        for (int i = 0; i < proof.size(); i++) checkHash(proof.get(i), "proof hash " + i);
    }

    private static void matches(byte[] computed, byte[] expected, String what) throws ProofException {
        if (expected == null || !MessageDigest.isEqual(computed, expected)) {
            throw new ProofException(what + " mismatch: computed " + Hex.encode(computed) + ", given "
                    + (expected == null ? "none" : Hex.encode(expected)));
        }
    }

    /** A proof that does not verify, with the reason. */
    public static final class ProofException extends Exception {
        public ProofException(String message) {
            super(message);
        }
    }

    static boolean equal(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
