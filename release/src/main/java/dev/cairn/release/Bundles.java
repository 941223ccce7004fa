package dev.cairn.release;

import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** File helpers the release room shares: atomic streamed writes and content digests. */
final class Bundles {
    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private Bundles() {}

    interface ChannelWriter {
        void write(FileChannel ch) throws IOException;
    }

    /** Writes through a temporary file in the same directory, fsyncs it, renames it over the target, fsyncs the directory. */
    static void writeAtomically(Path file, ChannelWriter body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, dev.cairn.ledger.Leftovers.tempPrefix(file), ".tmp"); // names its process: sweeps spare it
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            if (POSIX) Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--")); // released files are public
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            AtomicFiles.fsyncDir(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
