package dev.cairn.release;

import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** File helpers the release room shares: atomic streamed writes and content digests. */
final class Bundles {
    private Bundles() {}

    /** Published files are readable by everyone. */
    private static final String PUBLIC = "rw-r--r--";

    /** Writes what body streams through {@link AtomicFiles}, readable by everyone (what a release publishes). */
    static void writeAtomically(Path file, AtomicFiles.ChannelWriter body) throws IOException {
        AtomicFiles.write(file, PUBLIC, body);
    }

    /** Writes bytes atomically, readable by everyone (what a release publishes). */
    static Path writeBytes(Path file, byte[] bytes) throws IOException {
        writeAtomically(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
        return file;
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    static byte[] sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
        }
        return md.digest();
    }

    static String sha256Hex(Path file) throws IOException {
        return Hex.encode(sha256(file));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
