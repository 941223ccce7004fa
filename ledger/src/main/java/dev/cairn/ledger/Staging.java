package dev.cairn.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A private directory where a writer assembles files before renaming them into place:
 * {@code PARENT/.staging-PID-RANDOM}, with {@code .owner} locked for as long as the writer lives, so that a
 * sweep by another process ({@link Leftovers}) never removes it. Closing deletes whatever is still inside;
 * {@link #publish} renames the whole directory into place instead.
 */
public final class Staging implements AutoCloseable {
    private final Path dir;
    private final FileChannel ownerChannel;
    private final FileLock owner;

    private Staging(Path dir, FileChannel ownerChannel, FileLock owner) {
        this.dir = dir;
        this.ownerChannel = ownerChannel;
        this.owner = owner;
    }

    /** Creates a staging directory inside {@code parent} (created if missing). */
    public static Staging create(Path parent) throws IOException {
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, Leftovers.STAGING + ProcessHandle.current().pid() + "-");
        FileChannel ch = FileChannel.open(dir.resolve(Leftovers.OWNER), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            return new Staging(dir, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            Leftovers.delete(dir);
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * Renames the whole directory to {@code target} (which must not exist), without its {@code .owner} file; the
     * caller fsyncs what it wrote first. Until the rename the name still carries this live process's id.
     */
    public void publish(Path target) throws IOException {
        releaseOwner();
        Files.deleteIfExists(dir.resolve(Leftovers.OWNER));
        AtomicFiles.fsyncDir(dir);
        try {
            Files.move(dir, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(dir, target);
        }
    }

    @Override
    public void close() {
        releaseOwner();
        if (Files.exists(dir)) Leftovers.delete(dir);
    }

    private void releaseOwner() {
        try {
            if (owner.isValid()) owner.release();
            ownerChannel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock too
        }
    }
}
