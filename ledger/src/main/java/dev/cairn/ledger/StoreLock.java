package dev.cairn.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * One writer at a time per store: an OS file lock on a lock file, held for the whole write, with the holder's
 * process id written into the file so a waiting writer can name it. A second writer polls for
 * {@link #waitTime()} and then fails with one line naming the store and the holder. Readers never take it.
 * The lock file is never deleted: a writer that opened a deleted file would lock a different inode.
 */
public final class StoreLock implements AutoCloseable {
    private static final long POLL_MS = 25;

    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * How long a writer waits for a busy store: system property {@code cairn.lock.wait} or environment
     * variable {@code CAIRN_LOCK_WAIT}, in seconds (decimals allowed); 10 s by default.
     */
    public static Duration waitTime() {
        String s = System.getProperty("cairn.lock.wait", System.getenv("CAIRN_LOCK_WAIT"));
        if (s == null || s.isBlank()) return Duration.ofSeconds(10);
        try {
            double secs = Double.parseDouble(s.trim());
            if (!(secs >= 0 && secs <= 86_400)) throw new NumberFormatException();
            return Duration.ofMillis((long) (secs * 1000));
        } catch (NumberFormatException e) {
            throw new LedgerException("cairn.lock.wait / CAIRN_LOCK_WAIT must be seconds between 0 and 86400, got \"" + s + "\"");
        }
    }

    /** Takes the lock, waiting up to {@link #waitTime()}; {@code store} names it in the error (e.g. "dataset 'x'"). */
    public static StoreLock acquire(Path lockFile, String store) {
        return acquire(lockFile, store, lockFile.toAbsolutePath().getParent());
    }

    /** As {@link #acquire(Path, String)}, the error naming {@code storeDir} as where the holder writes. */
    public static StoreLock acquire(Path lockFile, String store, Path storeDir) {
        long deadline = System.nanoTime() + waitTime().toNanos();
        while (true) {
            Optional<StoreLock> l = tryAcquire(lockFile, store);
            if (l.isPresent()) return l.get();
            if (System.nanoTime() >= deadline) {
                throw new LedgerException(store + " is locked by process " + holder(lockFile) + " (another cairn writing to "
                        + storeDir.toAbsolutePath() + "); try again when it finishes");
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LedgerException("interrupted while waiting for the lock on " + store);
            }
        }
    }

    /** Takes the lock if it is free right now. */
    public static Optional<StoreLock> tryAcquire(Path lockFile, String store) {
        FileChannel ch = null;
        try {
            Files.createDirectories(lockFile.toAbsolutePath().getParent());
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // another thread of this process holds it
            }
            if (lock == null) {
                ch.close();
                return Optional.empty();
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return Optional.of(new StoreLock(ch, lock));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new LedgerException("cannot lock " + store + " (" + lockFile + "): " + e.getMessage(), e);
        }
    }

    /** The process id recorded in a lock file, or "unknown" when it holds none yet. */
    static String holder(Path lockFile) {
        try {
            String s = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return s.matches("[0-9]{1,19}") ? s : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }
}
