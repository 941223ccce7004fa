package dev.cairn.cli;

import dev.cairn.ledger.Leftovers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cairn bench doctor}: {@code cairn doctor} on a home holding N abandoned staging areas (target <= 5 s for 1,000). */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Time `cairn doctor` on a scratch home with N abandoned staging areas of a killed `data add` (target <= 5 s at 1,000).")
final class BenchDoctorCommand implements Callable<Integer> {
    static final double TARGET_SECONDS = 5.0;
    @Spec CommandSpec spec;
    @Option(names = "--areas", defaultValue = "1000", description = "Abandoned staging areas to make (default 1000).") int areas;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path home = Files.createTempDirectory("cairn-bench-doctor-");
        try {
            long dead = deadPid();
            Path dataset = home.resolve("datasets").resolve("crashy");
            for (int i = 0; i < areas; i++) { // what a killed ingest leaves: an owner file and a few staged texts
                Path d = Files.createDirectories(dataset.resolve(".staging-" + dead + "-" + (1_000_000_000L + i)));
                Files.createFile(d.resolve(".owner"));
                for (int j = 0; j < 3; j++) Files.writeString(d.resolve(i + "-" + j + ".txt"), "document " + i + "/" + j + "\n", StandardCharsets.UTF_8);
            }
            StringWriter sink = new StringWriter();
            long t0 = System.nanoTime();
            int rc = Cairn.run(new PrintWriter(sink), new PrintWriter(sink), "doctor", "--home", home.toString());
            double secs = (System.nanoTime() - t0) / 1e9;
            long left = Leftovers.scan(home).size();
            out.printf(Locale.ROOT, "cairn doctor, %d abandoned staging areas (%d files): %.2f s (target <= %.0f s) %s; exit %d, %d left%n",
                    areas, areas * 4, secs, TARGET_SECONDS, secs <= TARGET_SECONDS ? "met" : "MISSED", rc, left);
            return rc == 0 && left == 0 ? 0 : 1;
        } finally {
            Leftovers.delete(home);
        }
    }

    /** The id of a process that has exited (started and waited for here). */
    static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return p.pid();
    }
}
