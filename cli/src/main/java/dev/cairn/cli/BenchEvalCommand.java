package dev.cairn.cli;

import dev.cairn.data.BpeTokenizer;
import dev.cairn.data.DatasetPolicy;
import dev.cairn.data.DatasetStore;
import dev.cairn.eval.BuiltinTasks;
import dev.cairn.eval.Contamination;
import dev.cairn.eval.Scorer;
import dev.cairn.eval.Task;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelTokenizer;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.Recipe;
import dev.cairn.training.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
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

/** cairn bench eval: scoring throughput against training throughput of the same model, and the contamination check's time. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluation figures: tokens scored per second by the rolling log-likelihood task (forward only, batched) beside",
                "the training throughput of the same model in the same invocation (goal >= 3x), timed in alternating rounds of equal",
                "length (medians over 7 rounds; the ratio is the median of the rounds' ratios), for the default recipe and the",
                "10.8M config; and the time to check a 1,000-item task for 13-token spans against the Shakespeare dataset (goal <= 5 s)."})
final class BenchEvalCommand implements Callable<Integer> {
    private static final int ROUNDS = 7;
    private static final long WARM_NS = 3_000_000_000L;

    @Spec CommandSpec spec;
    @Option(names = "--only", paramLabel = "N", description = "Only config N (1 = default recipe, 2 = 10.8M).") Integer only;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Sequences per scoring pass (default 32; results are the same bits for any).") int batch;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        String text = Files.readString(DemoCommand.sampleCorpus());
        o.printf(Locale.ROOT, "%-52s %14s %14s %8s%n", "config", "scored tok/s", "trained tok/s", "ratio");
        try (Parallel par = exec.parallel()) {
            for (int i = 0; i < BenchCommand.TRAIN_CONFIGS.size(); i++) {
                if (only != null && only != i + 1) continue;
                BenchCommand.Config c = BenchCommand.TRAIN_CONFIGS.get(i);
                Recipe d = Recipe.defaults();
                Recipe r = new Recipe(c.layers(), c.heads(), c.embd(), c.ctx(), c.batch(), 100_000, d.lr(), d.minLr(), d.warmup(), d.weightDecay(),
                        d.beta1(), d.beta2(), d.eps(), d.gradClip(), d.seed(), d.bias(), 0, 0);
                CharCorpus corpus = new CharCorpus(text, "tinyshakespeare.txt", 10 * (c.ctx() + 1) + 1);
                Trainer t = new Trainer(r, corpus, exec.kernels(), par);
                int warm = Math.max(3, c.warmSteps() / 10), timed = Math.max(10, c.steps() / 3);
                for (int s = 0; s < warm; s++) t.trainStep();
                LoadedModel m = new LoadedModel(t.model().config(), t.model().params().clone(), ModelTokenizer.characters(corpus.codePoints()));
                Scorer scorer = new Scorer(m, exec.kernels(), par, batch);
                int[] ids = corpus.validation();
                List<Scorer.Request> windows = new ArrayList<>();
                for (int start = 1; start + c.ctx() <= ids.length && windows.size() < 480 * 12 / c.batch(); start += c.ctx()) {
                    windows.add(new Scorer.Request(java.util.Arrays.copyOfRange(ids, start - 1, start + c.ctx()), 1));
                }
                // Warm-up: both paths run until the JIT has settled (C2 compiles the no-target forward pass apart from training's).
                for (long w0 = System.nanoTime(); System.nanoTime() - w0 < WARM_NS; ) {
                    t.trainStep();
                    scorer.score(windows.subList(0, Math.min(windows.size(), batch)));
                }
                // Rounds of training steps, then scoring batches for as long as the steps took, so both run with the same
                // compiled code behind them and under the same spell of the machine's noise; each round gives a ratio,
                // and the figures are the medians over the rounds.
                int steps = Math.max(1, timed / ROUNDS);
                double[] trained = new double[ROUNDS], scored = new double[ROUNDS], ratio = new double[ROUNDS];
                int next = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) t.trainStep();
                    long trainNs = System.nanoTime() - t0;
                    trained[round] = (double) steps * c.batch() * c.ctx() / (trainNs / 1e9);
                    long tokens = 0;
                    t0 = System.nanoTime();
                    do {
                        List<Scorer.Request> group = windows.subList(next, Math.min(windows.size(), next + batch));
                        scorer.score(group);
                        tokens += (long) group.size() * c.ctx();
                        next = next + batch >= windows.size() ? 0 : next + batch;
                    } while (System.nanoTime() - t0 < trainNs);
                    scored[round] = tokens / ((System.nanoTime() - t0) / 1e9);
                    ratio[round] = scored[round] / trained[round];
                }
                o.printf(Locale.ROOT, "%-52s %,14.0f %,14.0f %7.2fx%n", c.name(), median(scored), median(trained), median(ratio));
                StringBuilder rounds = new StringBuilder("  rounds:");
                for (double x : ratio) rounds.append(String.format(Locale.ROOT, " %.2fx", x));
                o.println(rounds);
                o.flush();
            }
        }
        Path home = Files.createTempDirectory("cairn-bench-eval");
        try {
            Path docs = Files.createDirectories(home.resolve("docs"));
            Files.writeString(docs.resolve("tinyshakespeare.txt"), text);
            new DatasetStore(home).add(new DatasetStore.AddRequest("shakespeare", List.of(docs), "LicenseRef-PublicDomain", "https://example.org",
                    DatasetPolicy.defaults(), false));
            ModelTokenizer tok = ModelTokenizer.bpe(BpeTokenizer.train(List.of(text), 4096));
            Task lambada = BuiltinTasks.make("lambada", List.of(text), "bench", 1, 1000);
            long t0 = System.nanoTime();
            Contamination c = Contamination.against(home, "shakespeare@1", Contamination.DEFAULT_NGRAM);
            double index = (System.nanoTime() - t0) / 1e9;
            int dirty = 0;
            for (Task.Item it : lambada.items()) if (c.contaminated(tok, it.context() + " " + it.target())) dirty++;
            double total = (System.nanoTime() - t0) / 1e9;
            o.printf(Locale.ROOT, "contamination: %d items against shakespeare@1 (BPE 4096, 13-token spans): %.2f s (trace index %.2f s), %d contaminated%n",
                    lambada.items().size(), total, index, dirty);
        } finally {
            dev.cairn.ledger.Leftovers.delete(home);
        }
        return 0;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
