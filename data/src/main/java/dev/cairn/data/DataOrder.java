package dev.cairn.data;

import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Which training windows a run reads, as a function of (seed, dataset root, tokenizer digest) only — never of
 * thread or worker count — so anyone can recompute a run's batches. The key is the first 8 bytes (little-endian)
 * of SHA-256("cairn.data-order/v1" ‖ seed as 8 bytes LE ‖ raw dataset root ‖ raw tokenizer digest); the start of
 * row {@code row} of step {@code step} is {@code mulhi32(mix64(key ^ mix64(step · 2^32 + row)), limit)}, where
 * mix64 is SplitMix64's finaliser and mulhi32(x, n) = ((x mod 2^32) · n) >> 32.
 */
public final class DataOrder {
    private final long key;

    public DataOrder(long seed, String datasetRoot, String tokenizerDigest) {
        ByteBuffer b = ByteBuffer.allocate(19 + 8 + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("cairn.data-order/v1".getBytes(StandardCharsets.US_ASCII)).putLong(seed).put(Hex.decode(datasetRoot)).put(Hex.decode(tokenizerDigest));
        key = ByteBuffer.wrap(MerkleTree.sha256(b.array())).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The order's key (for transcripts). */
    public long key() {
        return key;
    }

    /** A start offset in [0, limit) for row {@code row} of step {@code step}. */
    public int windowStart(long step, int row, int limit) {
        if (limit <= 0) throw new IllegalArgumentException("limit must be positive, got " + limit);
        long x = MinHashLsh.mix64(key ^ MinHashLsh.mix64((step << 32) + (row & 0xFFFFFFFFL)));
        return (int) (((x & 0xFFFFFFFFL) * limit) >>> 32);
    }
}
