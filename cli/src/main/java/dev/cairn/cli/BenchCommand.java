package dev.cairn.cli;

import dev.cairn.numerics.FmaPeak;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.ComputeRecord;
import dev.cairn.training.Recipe;
import dev.cairn.training.Trainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Speed figures, measured, with the peer's figures measured in the same invocation where a peer exists. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure Cairn's speed (tests check behaviour; benchmarks check speed).",
        subcommands = {BenchCommand.Train.class, BenchCommand.KernelsBench.class, BenchLedgerCommand.class, BenchTokenizerCommand.class, BenchVerifyCommand.class, BenchReleaseCommand.class, BenchEvalCommand.class, BenchServeCommand.class, BenchServeModelCommand.class, BenchDashboardCommand.class, BenchDoctorCommand.class, BenchScaleCommand.class, BenchAnchorCommand.class, BenchPresetsCommand.class})
final class BenchCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The CPU's model name from /proc/cpuinfo ("unknown" elsewhere): figures compare only on one CPU. */
    static String cpuModel() {
        return cpuinfo("model name").orElse("unknown");
    }

    /** The first value of a /proc/cpuinfo field, where there is one. */
    private static java.util.Optional<String> cpuinfo(String field) {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith(field)).map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * A line for the figures' reader when the CPU offers AVX-512 but the kernels run narrower without being asked to
     * (the JVM started without the launcher's -XX:UseAVX=3, or refused it): the figures are then the narrow kernels'.
     */
    static void noteNarrowVectors(PrintWriter out, Kernels k, ExecutionOptions exec) {
        if (exec.vectorBits != null || !k.name().startsWith("vector-") || k.name().equals("vector-512")) return;
        if (cpuinfo("flags").map(f -> (" " + f + " ").contains(" avx512f ")).orElse(false)) {
            out.println("  note: this CPU has AVX-512 but the JVM offers " + k.name().substring(7) + "-bit vectors, so these are the narrow"
                    + " kernels' figures; ./cairn passes -XX:UseAVX=3 unless CAIRN_JAVA_OPTS sets UseAVX");
        }
    }

    /**
     * The peak measured again after a configuration's rounds. Others' work on a shared machine only ever lowers a
     * reading, so the higher one is the truer peak, and using it keeps MFU from being overstated; a line says so.
     */
    static FmaPeak.Result remeasurePeak(PrintWriter out, FmaPeak.Result peak) {
        FmaPeak.Result again = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
        if (again.flopsPerSecond() <= peak.flopsPerSecond()) return peak;
        out.println("  peak measured again, higher: " + again + "; MFU from here on uses it");
        return again;
    }

    /** A training configuration benchmarked against the PyTorch peer. */
    record Config(String name, int layers, int heads, int embd, int ctx, int batch, int warmSteps, int steps) {}

    static final List<Config> TRAIN_CONFIGS = List.of(
            new Config("default recipe (4L 4H 128 wide, ctx 64, batch 12)", 4, 4, 128, 64, 12, 300, 300),
            new Config("10.8M config (6L 6H 384 wide, ctx 256, batch 8)", 6, 6, 384, 256, 8, 3, 20));

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Training throughput (tokens/s) on the default recipe and the 10.8M-parameter config, and model FLOP",
                    "utilisation (MFU) against the single-precision FMA peak measured in the same invocation.",
                    "With --peer, also runs the PyTorch peer on the same configs (OPENBLAS_NUM_THREADS=2, --threads 1),",
                    "alternating with Cairn round by round, and prints each round and the median ratio."})
    static final class Train implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--data", paramLabel = "FILE", description = "Text to train on (default: the bundled Shakespeare sample).") Path data;
        @Option(names = "--peer", paramLabel = "SCRIPT", description = "The PyTorch peer, e.g. ../shared/peers/torch_gpt.py.") Path peer;
        @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3", description = "Python with torch (default /usr/bin/python3).") String python;
        @Option(names = "--only", paramLabel = "N", description = "Run only config N (1 = default recipe, 2 = 10.8M).") Integer only;
        @Option(names = "--steps", paramLabel = "N", description = "Timed steps per config (default 300 and 20).") Integer steps;
        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
                description = "Rounds per config, Cairn then the peer in each (default 3); the figures are the medians.") int rounds;
        @Mixin ExecutionOptions exec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (rounds < 1) throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
            if (steps != null && steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            if (peer != null && !Files.isRegularFile(peer)) throw new IllegalArgumentException("peer script not found: " + peer);
            Path file = data != null ? data : DemoCommand.sampleCorpus();
            Kernels k = exec.kernels();
            out.println(String.format(Locale.ROOT, "cairn bench train: kernels %s, %d threads, data %s, %d round%s%s", k.name(),
                    exec.threadCount(), file, rounds, rounds == 1 ? "" : "s", peer != null ? " (Cairn, then the peer, in each)" : ""));
            FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
            out.println("  CPU " + cpuModel() + "; peak: " + peak);
            noteNarrowVectors(out, k, exec);
            out.flush();
            for (int i = 0; i < TRAIN_CONFIGS.size(); i++) {
                if (only != null && only != i + 1) continue;
                Config c = TRAIN_CONFIGS.get(i);
                int timed = steps != null ? steps : c.steps();
                Recipe r = new Recipe(c.layers(), c.heads(), c.embd(), c.ctx(), c.batch(), c.warmSteps() + timed,
                        1e-3f, 1e-4f, 100, 0.1f, 0.9f, 0.99f, 1e-8f, 1f, 1337, false, 0, 0);
                CharCorpus corpus = CharCorpus.read(file, r.ctx());
                out.println(c.name());
                double[] mine = new double[rounds], theirs = new double[rounds], ratio = new double[rounds];
                boolean peerOk = peer != null;
                int params = 0;
                for (int round = 0; round < rounds; round++) {
                    try (Parallel par = exec.parallel()) {
                        Trainer t = new Trainer(r, corpus, k, par);
                        // The first round warms the JIT up fully; later rounds only warm the new trainer's caches.
                        int warm = round == 0 ? c.warmSteps() : Math.min(c.warmSteps(), 20);
                        for (int s = 0; s < warm; s++) t.trainStep();
                        long t0 = System.nanoTime();
                        for (int s = 0; s < timed; s++) t.trainStep();
                        double sec = (System.nanoTime() - t0) / 1e9;
                        mine[round] = (double) timed * r.batch() * r.ctx() / sec;
                        params = t.model().params().length;
                    }
                    String line = String.format(Locale.ROOT, "  round %d: cairn %,8.0f tokens/s", round + 1, mine[round]);
                    if (peerOk) {
                        out.print(line);
                        out.flush();
                        theirs[round] = runPeer(out, file, c, timed);
                        peerOk = theirs[round] > 0;
                        if (peerOk) {
                            ratio[round] = mine[round] / theirs[round];
                            out.println(String.format(Locale.ROOT, "   peer %,8.0f tokens/s   cairn/peer %.2fx", theirs[round], ratio[round]));
                        }
                    } else {
                        out.println(line + String.format(Locale.ROOT, "   (%d steps, %,d params)", timed, params));
                    }
                    out.flush();
                }
                peak = remeasurePeak(out, peak);
                // model FLOPs per token as the compute record counts them (6 N + 12 L C T), over the measured peak
                double fpt = ComputeRecord.flopsPerToken(params, r.layers(), r.embd(), r.ctx());
                String summary = String.format(Locale.ROOT, "  median:  cairn %,8.0f tokens/s (MFU %.1f %%)", median(mine),
                        100 * median(mine) * fpt / peak.flopsPerSecond());
                if (peerOk) {
                    summary += String.format(Locale.ROOT, "   peer %,8.0f tokens/s (MFU %.1f %%)   cairn/peer = %.2fx (median of the rounds' ratios)",
                            median(theirs), 100 * median(theirs) * fpt / peak.flopsPerSecond(), median(ratio));
                }
                out.println(summary);
                out.println(String.format(Locale.ROOT, "  MFU: model FLOPs per token %.4g (6 N + 12 L C T, N = %,d) x tokens/s / %.1f GFLOP/s peak",
                        fpt, params, peak.gflops()));
                out.flush();
            }
            return 0;
        }

        static double median(double[] x) {
            double[] s = x.clone();
            java.util.Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        private double runPeer(PrintWriter out, Path file, Config c, int steps) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(python, peer.toString(), file.toString(), "--threads", "1",
                    "--layers", "" + c.layers(), "--heads", "" + c.heads(), "--embd", "" + c.embd(), "--ctx", "" + c.ctx(),
                    "--batch", "" + c.batch(), "--steps", "" + steps, "--eval-batches", "1"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("OPENBLAS_NUM_THREADS", "2");
            Process p = pb.start();
            StringBuilder all = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) all.append(line).append('\n');
            }
            int rc = p.waitFor();
            Matcher m = Pattern.compile("tokens_per_s=(\\d+)").matcher(all);
            if (rc != 0 || !m.find()) {
                out.println("\n  peer failed (exit " + rc + "): " + all.toString().strip().lines().reduce((a, b) -> b).orElse("")
                        + "\n  (install it with: apt-get install -y python3-torch libopenblas0-pthread)");
                return -1;
            }
            return Double.parseDouble(m.group(1));
        }
    }

    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = {"Matrix-product GFLOP/s (forward, input gradient, weight gradient) at the shapes the two benchmark configs and the",
                    "presets (gpt2-124m, llama-100m) use, and n = 512, each also as a share of the FMA peak measured in the same run.",
                    "With a Python that has numpy, numpy's sgemm (OpenBLAS) is measured on the same shapes in the same run."})
    static final class KernelsBench implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--python", paramLabel = "EXE", defaultValue = "python3", description = "Python with numpy for the reference (default python3; 'none' skips it).") String python;
        @Option(names = "--seconds", defaultValue = "0.5", description = "Seconds per measurement (default 0.5).") double seconds;
        @Mixin ExecutionOptions exec;

        /**
         * {label, M, N, K, transA}: out(M,N) = A(M,K) B(K,N); transA reads A as (K,M). The presets' shapes take one
         * 1024-token sequence as the rows (a batch of 8 runs the same product on 8x the rows, at the same speed per FLOP).
         */
        static final Object[][] SHAPES = {
                {"default fc forward      ", 768, 512, 128, false},
                {"default fc input grad   ", 768, 128, 512, false},
                {"default fc weight grad  ", 128, 512, 768, true},
                {"default qkv forward     ", 768, 384, 128, false},
                {"10.8M fc forward        ", 2048, 1536, 384, false},
                {"10.8M fc input grad     ", 2048, 384, 1536, false},
                {"10.8M fc weight grad    ", 384, 1536, 2048, true},
                {"10.8M qkv forward       ", 2048, 1152, 384, false},
                {"square n=512            ", 512, 512, 512, false},
                {"gpt2-124m qkv forward   ", 1024, 2304, 768, false},
                {"gpt2-124m fc forward    ", 1024, 3072, 768, false},
                {"gpt2-124m fc input grad ", 1024, 768, 3072, false},
                {"gpt2-124m fc weight grad", 768, 3072, 1024, true},
                {"gpt2-124m head forward  ", 1024, 50257, 768, false},
                {"llama-100m qkv forward  ", 1024, 1280, 768, false},
                {"llama-100m gate+up fwd  ", 1024, 4096, 768, false},
                {"llama-100m down forward ", 1024, 768, 2048, false},
                {"llama-100m down wt grad ", 2048, 768, 1024, true},
                {"llama-100m head forward ", 1024, 32000, 768, false},
        };

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Kernels k = exec.kernels();
            // numpy is measured shape by shape just before Cairn, so a change in the machine's load hits both alike
            boolean numpyOk = !"none".equals(python) && numpyFigure(out, -1) >= 0;
            out.println(String.format(Locale.ROOT, "cairn bench kernels: %s, %d threads (numpy: %s); CPU %s", k.name(), exec.threadCount(),
                    numpyOk ? "OpenBLAS via " + python + ", measured just before Cairn at each shape" : "not measured", cpuModel()));
            FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
            out.println("  peak: " + peak + "; each figure below also as a share of it");
            noteNarrowVectors(out, k, exec);
            out.flush();
            try (Parallel par = exec.parallel()) {
                for (int i = 0; i < SHAPES.length; i++) {
                    Object[] s = SHAPES[i];
                    int M = (int) s[1], N = (int) s[2], K = (int) s[3];
                    boolean trans = (boolean) s[4];
                    double np = numpyOk ? numpyFigure(out, i) : -1;
                    float[] a = new float[M * K], b = new float[K * N], c = new float[M * N];
                    for (int j = 0; j < a.length; j++) a[j] = (j % 13) * 0.01f;
                    for (int j = 0; j < b.length; j++) b[j] = (j % 7) * 0.01f;
                    Runnable run = () -> par.forRange(M, 6, (m0, m1) -> k.gemm(m1 - m0, N, K, a, trans ? m0 : m0 * K,
                            trans ? 1 : K, trans ? M : 1, b, 0, N, c, m0 * N, N, null, 0, false));
                    long w0 = System.nanoTime();
                    for (int w = 0; w < 5 && (w < 2 || System.nanoTime() - w0 < seconds * 0.5e9); w++) run.run();
                    long t0 = System.nanoTime();
                    int it = 0;
                    while (System.nanoTime() - t0 < seconds * 1e9) {
                        run.run();
                        it++;
                    }
                    double gf = 2.0 * M * N * K * it / ((System.nanoTime() - t0) / 1e9) / 1e9;
                    double pk = peak.gflops();
                    String ref = np < 0 ? "" : String.format(Locale.ROOT, "   numpy %6.1f GFLOP/s (%3.0f%% of peak)   cairn/numpy %3.0f%%",
                            np, 100 * np / pk, 100 * gf / np);
                    out.println(String.format(Locale.ROOT, "%s M=%4d N=%5d K=%4d  cairn %6.1f GFLOP/s (%3.0f%% of peak)%s", s[0], M, N, K, gf, 100 * gf / pk, ref));
                    out.flush();
                }
            }
            return 0;
        }

        /** numpy's GFLOP/s at shape i (i = -1: a tiny product, to check that numpy runs), or -1 with a line saying why not. */
        private double numpyFigure(PrintWriter out, int i) {
            int M = 8, N = 8, K = 8;
            boolean trans = false;
            if (i >= 0) {
                Object[] s = SHAPES[i];
                M = (int) s[1]; N = (int) s[2]; K = (int) s[3]; trans = (boolean) s[4];
            }
            String script = String.format(Locale.ROOT,
                    "import numpy as np, time\n"
                    + "a=np.random.rand(%d,%d).astype(np.float32); b=np.random.rand(%d,%d).astype(np.float32)\n"
                    + "f=(lambda: a.T@b) if %s else (lambda: a@b)\n"
                    + "w=time.perf_counter(); [f() for i in range(5) if i < 2 or time.perf_counter()-w < %f*0.5]\nt=time.perf_counter(); n=0\n"
                    + "while time.perf_counter()-t<%f: f(); n+=1\n"
                    + "print('%%.3f' %% (2.0*%d*%d*%d*n/(time.perf_counter()-t)/1e9))\n",
                    trans ? K : M, trans ? M : K, K, N, trans ? "True" : "False", seconds, i < 0 ? 0.01 : seconds, M, N, K);
            try {
                ProcessBuilder pb = new ProcessBuilder(python, "-c", script).redirectErrorStream(true);
                pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(exec.threadCount()));
                Process p = pb.start();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor() != 0) {
                    out.println("numpy reference unavailable (" + python + "): " + text.lines().reduce((x, y) -> y).orElse(""));
                    return -1;
                }
                return Double.parseDouble(text.lines().reduce((x, y) -> y).orElse("-1"));
            } catch (Exception e) {
                out.println("numpy reference unavailable (" + python + "): " + e.getMessage());
                return -1;
            }
        }
    }
}
