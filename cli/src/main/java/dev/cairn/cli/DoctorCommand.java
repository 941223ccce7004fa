package dev.cairn.cli;

import dev.cairn.ledger.Leftovers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cairn doctor}: finds what killed writers left (staging directories, temporary files) under the home
 * and any run directories named, reports each with its size, and removes it. A live process's staging is
 * never touched (see {@link Leftovers}); every store also sweeps its own on its next write.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Report and remove abandoned staging areas and temporary files under the home (and the run",
                "directories given), naming each path and its size. A live writer's staging is left alone."})
final class DoctorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HomeOption home;
    @Option(names = "--dry-run", description = "Only report; remove nothing.") boolean dryRun;
    @Parameters(paramLabel = "DIR", arity = "0..*", description = "Further directories to check, e.g. run directories outside the home.")
    List<Path> extra = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> roots = new ArrayList<>();
        roots.add(home.dir());
        roots.addAll(extra);
        int n = 0;
        long bytes = 0;
        for (Path root : roots) {
            for (Leftovers.Found f : Leftovers.scan(root)) {
                if (!dryRun) Leftovers.delete(f.path());
                out.println((dryRun ? "abandoned " : "removed   ") + f.path() + "  (" + human(f.bytes()) + ")");
                n++;
                bytes += f.bytes();
            }
        }
        out.println(n == 0 ? "nothing left behind under " + roots
                : (dryRun ? "found " : "removed ") + n + " abandoned staging area" + (n == 1 ? "" : "s") + " or temporary file" + (n == 1 ? "" : "s") + ", " + human(bytes) + (dryRun ? " (--dry-run: nothing removed)" : ""));
        return 0;
    }

    static String human(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }
}
