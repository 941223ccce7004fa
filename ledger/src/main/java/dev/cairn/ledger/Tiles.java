package dev.cairn.ledger;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The C2SP tlog-tiles read path over an RFC 6962 tree: tile {@code (L, N)} holds the hashes of the full subtrees of
 * 256^L leaves numbered 256N.. (up to 256 of them; the rightmost tile of a level may be partial, {@code .p/W}); an
 * entry bundle {@code N} holds entries 256N.. as big-endian uint16 length-prefixed leaf inputs. Index paths are written
 * in groups of three digits, all but the last prefixed with {@code x} ({@code x001/x234/067}).
 */
public final class Tiles {
    public static final int WIDTH = 256;
    /** Entries longer than this cannot be carried in an entry bundle. */
    public static final int MAX_BUNDLED_ENTRY = 0xFFFF;
    private final LongFunction<byte[]> leafHash;
    private final Map<Long, byte[]> subtrees = new ConcurrentHashMap<>();

    /** Over a tree whose leaf hashes {@code leafHash} gives (full subtrees are immutable, so their hashes are cached). */
    public Tiles(LongFunction<byte[]> leafHash) {
        this.leafHash = leafHash;
    }

    /** The tile's bytes (width × 32); the caller has checked it exists in the tree of {@code size}. */
    public byte[] tile(int level, long index, int width) {
        byte[] out = new byte[width * MerkleTree.HASH_SIZE];
        for (int k = 0; k < width; k++) System.arraycopy(subtree(level, index * WIDTH + k), 0, out, k * MerkleTree.HASH_SIZE, MerkleTree.HASH_SIZE);
        return out;
    }

    /** The hash of full subtree {@code k} of height 8L (leaves k·256^L up to (k+1)·256^L). */
    byte[] subtree(int level, long k) {
        if (level == 0) return leafHash.apply(k);
        long key = ((long) level << 56) | k;
        byte[] cached = subtrees.get(key);
        if (cached != null) return cached;
        List<byte[]> row = new ArrayList<>(WIDTH);
        for (int j = 0; j < WIDTH; j++) row.add(subtree(level - 1, k * WIDTH + j));
        while (row.size() > 1) { // a perfect tree: pair neighbours level by level
            List<byte[]> up = new ArrayList<>(row.size() / 2);
            for (int j = 0; j < row.size(); j += 2) up.add(MerkleTree.nodeHash(row.get(j), row.get(j + 1)));
            row = up;
        }
        subtrees.put(key, row.getFirst());
        return row.getFirst();
    }

    /** How many hashes tile {@code (level, index)} has in a tree of {@code size} leaves (0 when it does not exist yet). */
    public static int width(long size, int level, long index) {
        long span = 1;
        for (int i = 0; i < level; i++) {
            if (span > Long.MAX_VALUE / WIDTH) return 0;
            span *= WIDTH;
        }
        long full = size / span; // full subtrees at this level
        long first = index * WIDTH;
        if (index < 0 || first >= full) return 0;
        return (int) Math.min(WIDTH, full - first);
    }

    /** Entry-bundle width of bundle {@code index} in a tree of {@code size} leaves. */
    public static int bundleWidth(long size, long index) {
        return width(size, 0, index);
    }

    public static byte[] bundle(List<byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : entries) {
            if (e.length > MAX_BUNDLED_ENTRY) throw new LedgerException("an entry of " + e.length + " bytes does not fit an entry bundle (65535 at most)");
            out.write(e.length >>> 8);
            out.write(e.length & 0xFF);
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    public static List<byte[]> parseBundle(byte[] b, int expected, String where) {
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (at < b.length) {
            if (at + 2 > b.length) throw new LedgerException(where + ": truncated entry length");
            int n = ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
            at += 2;
            if (at + n > b.length) throw new LedgerException(where + ": entry " + out.size() + " runs past the bundle");
            out.add(java.util.Arrays.copyOfRange(b, at, at + n));
            at += n;
        }
        if (out.size() != expected) throw new LedgerException(where + ": " + out.size() + " entries, expected " + expected);
        return out;
    }

    /** {@code 1234067} as {@code x001/x234/067}. */
    public static String encodeIndex(long n) {
        if (n < 0) throw new IllegalArgumentException("negative tile index");
        String s = Long.toString(n);
        while (s.length() % 3 != 0) s = "0" + s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i += 3) {
            if (i > 0) sb.append('/');
            if (i + 3 < s.length()) sb.append('x');
            sb.append(s, i, i + 3);
        }
        return sb.toString();
    }

    /** Parses an index path strictly; null for anything else ("..", wrong groups, more than 2^53). */
    public static Long parseIndex(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length == 0 || parts.length > 6) return null;
        long n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean last = i == parts.length - 1;
            if (!last && !p.matches("x\\d{3}")) return null;
            if (last && !p.matches("\\d{3}")) return null;
            n = n * 1000 + Integer.parseInt(last ? p : p.substring(1));
        }
        return n > (1L << 53) ? null : n;
    }
}
