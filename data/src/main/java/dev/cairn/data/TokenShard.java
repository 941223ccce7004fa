package dev.cairn.data;

import dev.cairn.ledger.Hex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A content-addressed token shard: the file's SHA-256 names it. Little-endian layout:
 * <pre>
 *   0  8 bytes  magic "CAIRNTOK"
 *   8  u32      format version (1)
 *  12  u32      dtype: bytes per token id, 2 (uint16) or 4 (uint32)
 *  16  u64      token count
 *  24  32 bytes tokenizer digest (raw SHA-256 of its tokenizer.json)
 *  56  32 bytes dataset root (raw RFC 6962 root of the dataset version)
 *  88  count × dtype bytes of token ids
 * </pre>
 */
public final class TokenShard {
    private TokenShard() {}

    static final byte[] MAGIC = "CAIRNTOK".getBytes(StandardCharsets.US_ASCII);
    public static final int HEADER_BYTES = 88;

    /** The shard bytes for ids[from, to). */
    public static byte[] encode(int[] ids, int from, int to, int vocabSize, String tokenizerDigest, String datasetRoot) {
        int dtype = vocabSize <= 65536 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + (to - from) * dtype).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(1).putInt(dtype).putLong(to - from).put(Hex.decode(tokenizerDigest)).put(Hex.decode(datasetRoot));
        for (int i = from; i < to; i++) {
            if (dtype == 2) b.putShort((short) ids[i]);
            else b.putInt(ids[i]);
        }
        return b.array();
    }

    /** The ids of a shard, checking its header against the expected tokenizer and dataset. */
    public static int[] decode(byte[] shard, String tokenizerDigest, String datasetRoot, String where) {
        ByteBuffer b = ByteBuffer.wrap(shard).order(ByteOrder.LITTLE_ENDIAN);
        if (shard.length < HEADER_BYTES) throw new DataException(where + ": shorter than the shard header");
        byte[] magic = new byte[8];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new DataException(where + ": not a Cairn token shard (bad magic)");
        int version = b.getInt(), dtype = b.getInt();
        long count = b.getLong();
        if (version != 1 || (dtype != 2 && dtype != 4)) throw new DataException(where + ": unsupported shard version " + version + " or dtype " + dtype);
        byte[] tok = new byte[32], root = new byte[32];
        b.get(tok).get(root);
        if (!Hex.encode(tok).equals(tokenizerDigest)) throw new DataException(where + ": shard is for tokenizer " + Hex.encode(tok) + ", not " + tokenizerDigest);
        if (!Hex.encode(root).equals(datasetRoot)) throw new DataException(where + ": shard is for dataset root " + Hex.encode(root) + ", not " + datasetRoot);
        if (shard.length != HEADER_BYTES + count * dtype) throw new DataException(where + ": " + shard.length + " bytes, header says " + count + " tokens of " + dtype + " bytes");
        int[] ids = new int[(int) count];
        for (int i = 0; i < ids.length; i++) ids[i] = dtype == 2 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        return ids;
    }
}
