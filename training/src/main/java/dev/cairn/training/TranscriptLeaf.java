package dev.cairn.training;

import dev.cairn.ledger.MerkleTree;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One step of a run as the transcript records it. Canonical bytes (the RFC 6962 leaf input), 84 bytes:
 * <pre>
 *   "CAIRNLF1"                       8 bytes, the format
 *   u64 LE step                      the step just taken (1..T): the state below is the state after it
 *   batch_sha256                     32 bytes: SHA-256 of the batch's input ids then target ids (LE int32)
 *   u32 LE loss bits                 the float32 training loss of the step, bit for bit
 *   state_sha256                     32 bytes: {@link Trainer#stateDigest()} after the step
 * </pre>
 */
public record TranscriptLeaf(int step, byte[] batchSha256, int lossBits, byte[] stateSha256) {
    static final byte[] MAGIC = "CAIRNLF1".getBytes(StandardCharsets.US_ASCII);
    public static final int SIZE = 8 + 8 + 32 + 4 + 32;

    public TranscriptLeaf {
        if (step < 1) throw new IllegalArgumentException("transcript leaf: step must be >= 1, got " + step);
        if (batchSha256.length != 32 || stateSha256.length != 32) throw new IllegalArgumentException("transcript leaf: digests must be 32 bytes");
        batchSha256 = batchSha256.clone();
        stateSha256 = stateSha256.clone();
    }

    @Override public byte[] batchSha256() { return batchSha256.clone(); }
    @Override public byte[] stateSha256() { return stateSha256.clone(); }

    public float loss() { return Float.intBitsToFloat(lossBits); }

    public String stateHex() { return HexFormat.of().formatHex(stateSha256); }

    /** The canonical bytes (the Merkle leaf input). */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putLong(step).put(batchSha256).putInt(lossBits).put(stateSha256);
        return b.array();
    }

    /** Parses canonical bytes; the error names {@code where}. */
    public static TranscriptLeaf fromBytes(byte[] bytes, int off, String where) {
        if (bytes.length - off < SIZE) throw new IllegalArgumentException(where + ": a leaf needs " + SIZE + " bytes");
        if (!Arrays.equals(bytes, off, off + 8, MAGIC, 0, 8)) throw new IllegalArgumentException(where + ": not a Cairn transcript leaf (bad magic)");
        ByteBuffer b = ByteBuffer.wrap(bytes, off + 8, SIZE - 8).order(ByteOrder.LITTLE_ENDIAN);
        long step = b.getLong();
        if (step < 1 || step > Integer.MAX_VALUE) throw new IllegalArgumentException(where + ": step " + step + " is out of range");
        byte[] batch = new byte[32], state = new byte[32];
        b.get(batch);
        int loss = b.getInt();
        b.get(state);
        return new TranscriptLeaf((int) step, batch, loss, state);
    }

    /** RFC 6962 leaf hash: SHA-256(0x00 || canonical bytes). */
    public byte[] leafHash() {
        return MerkleTree.leafHash(toBytes());
    }

    /** What differs from {@code other} ("" when nothing does): "step", "batch", "loss", "state", comma-separated. */
    public String differences(TranscriptLeaf other) {
        StringBuilder sb = new StringBuilder();
        if (step != other.step) sb.append("step");
        if (!Arrays.equals(batchSha256, other.batchSha256)) sb.append(sb.isEmpty() ? "" : ", ").append("batch");
        if (lossBits != other.lossBits) sb.append(sb.isEmpty() ? "" : ", ").append("loss");
        if (!Arrays.equals(stateSha256, other.stateSha256)) sb.append(sb.isEmpty() ? "" : ", ").append("state");
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TranscriptLeaf l && l.step == step && l.lossBits == lossBits
                && Arrays.equals(l.batchSha256, batchSha256) && Arrays.equals(l.stateSha256, stateSha256);
    }

    @Override
    public int hashCode() {
        return step * 31 + Arrays.hashCode(stateSha256);
    }

    @Override
    public String toString() {
        return "step " + step + " (batch " + HexFormat.of().formatHex(batchSha256, 0, 6) + "…, loss " + loss()
                + ", state " + HexFormat.of().formatHex(stateSha256, 0, 6) + "…)";
    }
}
