package dev.cairn.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a killed writer leaves behind, and how it is recognised and removed. Every store stages under names
 * that carry the owner's process id: directories {@code .staging-PID-RANDOM} (holding {@code .owner}, locked
 * while the owner lives) and files {@code .NAME.PID-RANDOM.tmp} (see {@link AtomicFiles}). A leftover is
 * abandoned when its process is gone and, for a directory, its owner lock is free; a live owner's staging is
 * never touched. Names from before this scheme ({@code .staging-DIGITS}, {@code .tmp-N-DIGITS},
 * {@code .NAME.DIGITS.tmp}) carry no owner and count as abandoned.
 */
public final class Leftovers {
    private Leftovers() {}

    static final String STAGING = ".staging-";
    static final String OWNER = ".owner";
    private static final Pattern STAGING_DIR = Pattern.compile("\\.staging-(?:([0-9]{1,19})-)?[0-9]+");
    private static final Pattern OLD_VERSION_DIR = Pattern.compile("\\.tmp-[0-9]+-[0-9]+");
    private static final Pattern TEMP_FILE = Pattern.compile("\\..+?(?:\\.([0-9]{1,19})-[0-9]+|[0-9]+)\\.tmp");

    /** One abandoned staging area or temporary file and the bytes it holds. */
    public record Found(Path path, long bytes) {}

    /** The prefix for a temporary file beside {@code target} (for {@code Files.createTempFile(dir, prefix, ".tmp")}). */
    public static String tempPrefix(Path target) {
        return "." + target.getFileName() + "." + ProcessHandle.current().pid() + "-";
    }

    /** Whether a child named {@code name} of some store directory looks like staging or a temporary file. */
    static boolean looksLikeLeftover(String name, boolean directory) {
        if (directory) return STAGING_DIR.matcher(name).matches() || OLD_VERSION_DIR.matcher(name).matches();
        return TEMP_FILE.matcher(name).matches();
    }

    /** Whether a leftover-looking path is abandoned (its owner is gone). */
    static boolean abandoned(Path p, boolean directory) {
        String name = p.getFileName().toString();
        Matcher m = (directory ? STAGING_DIR : TEMP_FILE).matcher(name);
        String pid = m.matches() ? m.group(1) : null;
        if (pid != null && alive(pid)) return false;
        return !directory || !ownerLockHeld(p.resolve(OWNER));
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean ownerLockHeld(Path owner) {
        if (!Files.exists(owner)) return false;
        try (FileChannel ch = FileChannel.open(owner, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this process holds it
        } catch (IOException e) {
            return true; // cannot tell: leave it
        }
    }

    /** The abandoned leftovers directly inside {@code dir} (none if it does not exist). */
    public static List<Found> find(Path dir) {
        List<Found> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(q -> q.getFileName().toString().startsWith(".")).sorted().toList()) {
                boolean d = Files.isDirectory(p);
                if (looksLikeLeftover(p.getFileName().toString(), d) && abandoned(p, d)) out.add(new Found(p, size(p)));
            }
        } catch (IOException e) {
            throw new LedgerException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Removes the abandoned leftovers directly inside {@code dir}; returns what it removed. */
    public static List<Found> sweep(Path dir) {
        List<Found> found = find(dir);
        for (Found f : found) delete(f.path());
        return found;
    }

    /**
     * Every abandoned leftover anywhere under {@code root} (not descending into leftovers themselves, nor into
     * the content-addressed {@code objects} trees, which are only ever filled by rename).
     */
    public static List<Found> scan(Path root) {
        List<Found> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    if (!d.equals(root) && d.getFileName().toString().equals("objects")) return FileVisitResult.SKIP_SUBTREE;
                    if (!d.equals(root) && looksLikeLeftover(d.getFileName().toString(), true)) {
                        if (abandoned(d, true)) out.add(new Found(d, size(d)));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    String n = f.getFileName().toString();
                    if (n.startsWith(".") && looksLikeLeftover(n, false) && abandoned(f, false)) out.add(new Found(f, a.size()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // vanished while we walked: someone else cleaned it
                }
            });
        } catch (IOException e) {
            throw new LedgerException("cannot scan " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Bytes under a path (0 for what vanished meanwhile). */
    static long size(Path p) {
        if (!Files.isDirectory(p)) {
            try {
                return Files.size(p);
            } catch (IOException e) {
                return 0;
            }
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(q -> {
                try {
                    return Files.size(q);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /** Deletes a file or a whole tree, best effort (what is left is found again next time). */
    public static void delete(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // left for the next sweep
                }
            }
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // left for the next sweep
        }
    }
}
