package dev.cairn.cli;

import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.LogMirror;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "mirror", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Follow a node: fetch its new entries through the tlog-tiles read path, check every leaf, the signed checkpoint "
                + "and its consistency with the last one this mirror holds, and keep a log directory any cairn command can read. "
                + "A node that rolls back or rewrites history is refused, with both checkpoints written to an evidence file.",
        footer = {"", "Example:", "  cairn mirror http://127.0.0.1:8440/ --out mirror/log --follow 5"})
final class MirrorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "URL") String url;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The mirror's log directory.") Path out;
    @Option(names = "--follow", paramLabel = "SECONDS", description = "Keep following, syncing every SECONDS.") Integer follow;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        do {
            long t0 = System.nanoTime();
            Checkpoint cp = LogMirror.sync(url, out, null);
            o.printf("%s: size %d, root %s… verified (%.2f s)%n", out, cp.size(), cp.rootHex().substring(0, 16), (System.nanoTime() - t0) / 1e9);
            o.flush();
            if (follow != null) Thread.sleep(follow * 1000L);
        } while (follow != null);
        return 0;
    }
}
