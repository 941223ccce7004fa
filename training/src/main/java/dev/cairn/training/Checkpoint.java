package dev.cairn.training;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A training checkpoint file:
 * <pre>
 *   "CAIRNCKP"  u32 version=1  u32 metaLen  meta (UTF-8 JSON: recipe and data identity)
 *   u64 step  u64 n  params[n]  m[n]  v[n]   (float32, little-endian)
 *   sha256 of every byte above (32 bytes)
 * </pre>
 * Written atomically (temporary file, fsync, rename, fsync of the directory), so a crash never leaves a
 * half-written checkpoint under the final name; read back only if the trailing digest matches.
 */
public final class Checkpoint {
    private static final byte[] MAGIC = "CAIRNCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** The contents of a checkpoint. */
    public record Contents(String metaJson, int step, float[] params, float[] m, float[] v) {}

    private Checkpoint() {}

    public static void write(Path file, String metaJson, int step, float[] params, float[] m, float[] v) throws IOException {
        if (m.length != params.length || v.length != params.length) throw new IllegalArgumentException("moments and parameters differ in length");
        write(file, metaJson, step, params.length, sink -> {
            sink.accept(params, 0, params.length);
            sink.accept(m, 0, m.length);
            sink.accept(v, 0, v.length);
        });
    }

    /** The 3n floats of a state (parameters, first moments, second moments), handed over in runs. */
    @FunctionalInterface
    interface State {
        void writeTo(OptimizerShard.Sink sink) throws IOException;
    }

    /** As above, the state streamed (from the ranks that hold its shards); the file is the same bytes. */
    static void write(Path file, String metaJson, int step, int n, State state) throws IOException {
        byte[] meta = metaJson.getBytes(StandardCharsets.UTF_8);
        dev.cairn.ledger.AtomicFiles.write(file, null, ch -> {
            MessageDigest md = sha256();
            ByteBuffer head = ByteBuffer.allocate(16 + meta.length + 16).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(VERSION).putInt(meta.length).put(meta).putLong(step).putLong(n).flip();
            writeHashed(ch, md, head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long[] written = {0};
            state.writeTo((arr, off, len) -> {
                for (int i = 0; i < len; ) {
                    int k = Math.min(len - i, buf.capacity() / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(arr, off + i, k);
                    buf.limit(4 * k);
                    writeHashed(ch, md, buf);
                    i += k;
                }
                written[0] += len;
            });
            if (written[0] != 3L * n) throw new IllegalStateException("checkpoint state has " + written[0] + " floats, expected " + 3L * n);
            ByteBuffer tail = ByteBuffer.wrap(md.digest());
            while (tail.hasRemaining()) ch.write(tail);
        });
    }

    private static void writeHashed(FileChannel ch, MessageDigest md, ByteBuffer b) throws IOException {
        md.update(b.duplicate());
        while (b.hasRemaining()) ch.write(b);
    }

    /** Reads and verifies a checkpoint; the error says which file and what is wrong. */
    public static Contents read(Path file) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("checkpoint not found: " + file);
        }
        String bad = "checkpoint " + file + " is corrupt or truncated: ";
        if (all.length < 16 + 16 + 32) throw new IllegalArgumentException(bad + "only " + all.length + " bytes");
        if (!Arrays.equals(all, 0, 8, MAGIC, 0, 8)) throw new IllegalArgumentException(bad + "not a Cairn checkpoint (bad magic)");
        byte[] want = sha256().digest(Arrays.copyOf(all, all.length - 32));
        if (!Arrays.equals(want, 0, 32, all, all.length - 32, all.length)) {
            throw new IllegalArgumentException(bad + "its SHA-256 trailer does not match its contents");
        }
        ByteBuffer b = ByteBuffer.wrap(all, 0, all.length - 32).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        int version = b.getInt();
        if (version != VERSION) throw new IllegalArgumentException(bad + "unsupported version " + version);
        int metaLen = b.getInt();
        if (metaLen < 0 || metaLen > b.remaining() - 16) throw new IllegalArgumentException(bad + "bad metadata length");
        byte[] meta = new byte[metaLen];
        b.get(meta);
        long step = b.getLong(), n = b.getLong();
        // bounded before multiplying: a forged count must not overflow into a plausible size
        if (step < 0 || step > Integer.MAX_VALUE || n < 0 || n > Integer.MAX_VALUE || n * 12 != b.remaining()) {
            throw new IllegalArgumentException(bad + "sizes do not add up");
        }
        float[] p = new float[(int) n], m = new float[(int) n], v = new float[(int) n];
        b.asFloatBuffer().get(p);
        b.position(b.position() + (int) n * 4);
        b.asFloatBuffer().get(m);
        b.position(b.position() + (int) n * 4);
        b.asFloatBuffer().get(v);
        return new Contents(new String(meta, StandardCharsets.UTF_8), (int) step, p, m, v);
    }

    /** Lower-case hex SHA-256 of a file's bytes (content address). */
    public static String fileDigest(Path file) throws IOException {
        MessageDigest md = sha256();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) md.update(buf, 0, r);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
