package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.numerics.FmaPeak;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.ComputeRecord;
import dev.cairn.training.Ranks;
import dev.cairn.training.Recipe;
import dev.cairn.training.Trainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cairn bench scale}: data-parallel training on the 10.8M config, 2 processes x 1 thread (mpirun, ZeRO-1)
 * against 1 process x 2 threads, in the same invocation, with the exchange's bytes and share of the step, memory per
 * rank, and model FLOP utilisation against the FMA peak measured here too.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = {"Data-parallel throughput on the 10.8M config: 2 processes x 1 thread (mpirun) against 1 process x 2 threads,",
                "bytes exchanged per step and rank, share of the step exchanging, memory per rank, and model FLOP utilisation",
                "against the single-precision FMA peak measured in the same invocation."})
final class BenchScaleCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--data", paramLabel = "FILE", description = "Text to train on (default: the bundled Shakespeare sample).") Path data;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "12", description = "Timed steps per measurement (default 12).") int steps;
    @Option(names = "--warm", paramLabel = "N", defaultValue = "4", description = "Untimed warm-up steps (default 4).") int warm;
    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "Rounds, one of each setting per round (default 2); medians.") int rounds;
    @Option(names = "--micro-batches", paramLabel = "M", defaultValue = "2", description = "M of the recipe both settings train (default 2).") int microBatches;
    @Option(names = "--mpirun", paramLabel = "ARGS", defaultValue = "", description = "Extra mpirun arguments, e.g. \"--bind-to none\".") String mpirunArgs;
    @Option(names = "--worker", hidden = true, description = "One rank of the measured job (started by this command under mpirun).") boolean worker;

    static final BenchCommand.Config CONFIG = BenchCommand.TRAIN_CONFIGS.get(1);

    Recipe recipe() {
        BenchCommand.Config c = CONFIG;
        return new Recipe(c.layers(), c.heads(), c.embd(), c.ctx(), c.batch(), warm + steps, 1e-3f, 1e-4f, 100, 0.1f, 0.9f, 0.99f, 1e-8f, 1f,
                1337, false, 0, 0).withMicroBatches(microBatches);
    }

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warm < 0 || rounds < 1) throw new IllegalArgumentException("--steps and --rounds must be at least 1, --warm at least 0");
        Path file = data != null ? data : DemoCommand.sampleCorpus();
        if (worker) return work(file);
        PrintWriter out = spec.commandLine().getOut();
        Recipe r = recipe();
        out.println("cairn bench scale: " + CONFIG.name() + ", M = " + microBatches + ", " + steps + " timed steps after " + warm + "; CPU " + BenchCommand.cpuModel()
                + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
        out.println("  peak: " + peak);
        out.flush();
        double[] one = new double[rounds], two = new double[rounds], share = new double[rounds];
        JsonNode last = null;
        CharCorpus corpus = CharCorpus.read(file, r.ctx());
        for (int round = 0; round < rounds; round++) {
            try (Parallel par = new Parallel(2)) {
                Trainer t = new Trainer(r, corpus, Kernels.vector(), par);
                for (int s = 0; s < warm; s++) t.trainStep();
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) t.trainStep();
                one[round] = (double) steps * r.batch() * r.ctx() / ((System.nanoTime() - t0) / 1e9);
            }
            last = job(file);
            two[round] = last.get("tokens_per_s").asDouble();
            StringBuilder byRank = new StringBuilder();
            for (JsonNode x : last.get("exchange_share")) {
                share[round] = Math.max(share[round], x.asDouble());
                byRank.append(byRank.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f %%", 100 * x.asDouble()));
            }
            out.println(String.format(Locale.ROOT, "  round %d: 1 process x 2 threads %,7.0f tokens/s   2 processes x 1 thread %,7.0f tokens/s   ratio %.2fx   exchanging (rank 0, 1) %s of the step",
                    round + 1, one[round], two[round], two[round] / one[round], byRank));
            out.flush();
        }
        long params = last.get("parameters").asLong();
        double fpt = ComputeRecord.flopsPerToken(params, r.layers(), r.embd(), r.ctx());
        double a = BenchCommand.Train.median(one), b = BenchCommand.Train.median(two);
        out.println(String.format(Locale.ROOT, "  median: 1x2 %,.0f tokens/s, 2x1 %,.0f tokens/s: 2 processes / 1 process = %.2fx (goal >= 0.9x)", a, b, b / a));
        out.println(String.format(Locale.ROOT, "  model FLOP utilisation (%.3g FLOPs per token, 6N + 12LCT): 1x2 %.1f %%, 2x1 %.1f %% of %.1f GFLOP/s",
                fpt, 100 * a * fpt / peak.flopsPerSecond(), 100 * b * fpt / peak.flopsPerSecond(), peak.gflops()));
        out.println(String.format(Locale.ROOT, "  exchange: %,d bytes sent per step and rank (reduce-scatter + all-gather, float32); share of the step exchanging (waits included; the rank that exchanged most, median of the rounds) %.1f %% (goal <= 10 %%)",
                last.get("bytes_per_step").asLong(), 100 * BenchCommand.Train.median(share)));
        out.println(String.format(Locale.ROOT, "    the transfer alone (after a barrier, best of 5): %.1f ms per step, %.1f %% of a %.2f s step; the rest of the exchange time is waiting",
                1e3 * last.get("transfer_seconds").asDouble(), 100 * last.get("transfer_seconds").asDouble() / last.get("step_seconds").asDouble(),
                last.get("step_seconds").asDouble()));
        JsonNode sec = last.get("seconds"), ex = last.get("exchange_seconds"), sh = last.get("shard_seconds");
        for (int i = 0; i < sec.size(); i++) {
            double s = sec.get(i).asDouble();
            out.println(String.format(Locale.ROOT, "    rank %d (last round): %.2f s: forward+backward and tree %.1f %%, exchange (waits included) %.1f %%, shard work (adds, norm, AdamW, copies) %.1f %%",
                    i, s, 100 * (s - ex.get(i).asDouble() - sh.get(i).asDouble()) / s, 100 * ex.get(i).asDouble() / s, 100 * sh.get(i).asDouble() / s));
        }
        long pb = 4 * params, opt = last.get("optimizer_bytes").asLong();
        out.println(String.format(Locale.ROOT, "  memory per rank: parameters %.1f MB + optimizer shard %.1f MB (of %.1f MB in all: 1/%d)",
                pb / 1e6, opt / 1e6, 2 * pb / 1e6, sec.size()));
        out.flush();
        return 0;
    }

    /** Starts the measured job: mpirun -np 2 of this very JVM command, as workers; returns rank 0's result. */
    private JsonNode job(Path file) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "-np", "2"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        if (!mpirunArgs.isBlank()) cmd.addAll(List.of(mpirunArgs.strip().split("\\s+")));
        ProcessHandle.Info me = ProcessHandle.current().info();
        cmd.add(me.command().orElseThrow(() -> new IllegalStateException("cannot tell this JVM's command")));
        for (String a : me.arguments().orElseThrow(() -> new IllegalStateException("cannot tell this JVM's arguments"))) {
            if (a.equals(Main.class.getName())) break;
            cmd.add(a);
        }
        cmd.addAll(List.of(Main.class.getName(), "bench", "scale", "--worker", "--threads", "1", "--steps", "" + steps, "--warm", "" + warm,
                "--micro-batches", "" + microBatches, "--data", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder all = new StringBuilder();
        JsonNode result = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("SCALE-RESULT ")) result = new ObjectMapper().readTree(line.substring(13));
                else all.append(line).append('\n');
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null) {
            throw new IllegalStateException("the 2-process job failed (exit " + rc + "): " + all.toString().strip().lines().reduce((a, b) -> b).orElse("")
                    + " (needs mpirun: apt-get install -y openmpi-bin libopenmpi-dev)");
        }
        return result;
    }

    @Option(names = "--threads", hidden = true, defaultValue = "1") int threads;

    /** One rank: warm up, time the steps, gather every rank's figures, rank 0 prints them. */
    private int work(Path file) throws Exception {
        Ranks ranks = Cluster.ranks();
        Recipe r = recipe();
        try (Parallel par = new Parallel(threads)) {
            Trainer t = new Trainer(r, CharCorpus.read(file, r.ctx()), Kernels.vector(), par, ranks);
            for (int s = 0; s < warm; s++) t.trainStep();
            long b0 = t.bytesExchanged(), e0 = t.exchangeNanos(), w0 = t.shardWorkNanos(), t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) t.trainStep();
            double sec = (System.nanoTime() - t0) / 1e9;
            ByteBuffer mine = ByteBuffer.allocate(24).putDouble(sec).putDouble((t.exchangeNanos() - e0) / 1e9).putDouble((t.shardWorkNanos() - w0) / 1e9);
            byte[][] all = ranks.allGather(mine.array());
            // The transfer alone: after a barrier (so no rank waits for a slower one), a step's exchanges of n / 2
            // floats each way (reduce-scatter, then all-gather, on 2 ranks), best of 5.
            int n = t.model().params().length, half = (n + 1) / 2;
            float[] xa = new float[half], xb = new float[half];
            double transfer = Double.MAX_VALUE;
            for (int rep = 0; rep < 5 && ranks.size() == 2; rep++) {
                ranks.allGather(new byte[1]);
                long x0 = System.nanoTime();
                ranks.exchange(ranks.rank() ^ 1, xa, 0, half, xb, 0, half);
                ranks.exchange(ranks.rank() ^ 1, xb, 0, half, xa, 0, half);
                transfer = Math.min(transfer, (System.nanoTime() - x0) / 1e9);
            }
            if (ranks.rank() != 0) return 0;
            var o = new ObjectMapper().createObjectNode();
            double slowest = 0;
            var secs = o.putArray("seconds");
            var exs = o.putArray("exchange_seconds");
            var shs = o.putArray("shard_seconds");
            var share = o.putArray("exchange_share");
            for (byte[] b : all) {
                ByteBuffer bb = ByteBuffer.wrap(b);
                double s = bb.getDouble(), e = bb.getDouble(), w = bb.getDouble();
                slowest = Math.max(slowest, s);
                secs.add(s);
                exs.add(e);
                shs.add(w);
                share.add(e / s);
            }
            o.put("tokens_per_s", (double) steps * r.batch() * r.ctx() / slowest);
            o.put("step_seconds", slowest / steps);
            o.put("transfer_seconds", transfer);
            o.put("bytes_per_step", (t.bytesExchanged() - b0) / steps);
            o.put("parameters", t.model().params().length);
            o.put("optimizer_bytes", t.optimizerStateBytes());
            PrintWriter out = spec.commandLine().getOut();
            out.println("SCALE-RESULT " + new ObjectMapper().writeValueAsString(o));
            out.flush();
        }
        return 0;
    }
}
