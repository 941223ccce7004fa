package dev.cairn.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Whole-file writes that readers see either entirely or not at all: temp file, fsync, rename, fsync dir.
 * Every room's state files (manifests, run files, keys) go through here, and, streamed, checkpoints and released files.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** Writes bytes to {@code target} atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, bytes, false);
    }

    /** Writes bytes to {@code target}; {@code ownerOnly} makes the file mode 600 from the moment it exists. */
    public static void write(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
        FileAttribute<?>[] attrs = ownerOnly && POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))}
                : new FileAttribute<?>[0];
        write(target, attrs, null, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    /** Streams a file's content into the channel of its temporary file. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes what {@code body} streams to {@code target} atomically, for files too large to hold as one array
     * (checkpoints, weights). {@code mode} (such as "rw-r--r--", for published files) is set before the rename where
     * the file system has POSIX modes; null leaves the temporary file's owner-only mode.
     */
    public static void write(Path target, String mode, ChannelWriter body) throws IOException {
        write(target, new FileAttribute<?>[0], mode, body);
    }

    private static void write(Path target, FileAttribute<?>[] attrs, String mode, ChannelWriter body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, Leftovers.tempPrefix(target), ".tmp", attrs); // owner pid in the name: see Leftovers
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            if (mode != null && POSIX) Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            fsyncDir(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Makes a rename or create in {@code dir} durable (a no-op where directories cannot be opened). */
    public static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; the rename is still atomic there.
        }
    }
}
