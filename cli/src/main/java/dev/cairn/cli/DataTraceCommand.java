package dev.cairn.cli;

import dev.cairn.data.DatasetStore;
import dev.cairn.data.TraceIndex;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn data trace "span" --dataset NAME@VERSION}: which documents contain the span verbatim, with offsets. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "List the documents of a dataset version that contain a span verbatim, with byte and char offsets (suffix array).")
final class DataTraceCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HomeOption home;
    @Parameters(paramLabel = "TEXT") String span;
    @Option(names = "--dataset", required = true, paramLabel = "NAME[@VERSION]") String dataset;
    @Option(names = "--limit", defaultValue = "20", description = "Print at most this many matches (default 20).") int limit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        TraceIndex index = TraceIndex.open(new DatasetStore(home.dir()), dataset);
        long t1 = System.nanoTime();
        TraceIndex.Result r = index.find(span, limit);
        long t2 = System.nanoTime();
        out.printf(Locale.ROOT, "%s: %d occurrence%s (index ready in %.0f ms, query %.2f ms)%n", index.manifest().ref(), r.count(),
                r.count() == 1 ? "" : "s", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        for (TraceIndex.Match m : r.matches()) {
            out.printf(Locale.ROOT, "%s  byte %d  char %d  %s%n", m.documentId(), m.byteOffset(), m.charOffset(), m.origin());
        }
        if (r.count() > r.matches().size()) out.printf(Locale.ROOT, "... %d more (--limit)%n", r.count() - r.matches().size());
        out.flush();
        return r.count() > 0 ? 0 : 1;
    }
}
