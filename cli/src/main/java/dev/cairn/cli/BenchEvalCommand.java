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
                "the training throughput of the same model in the same invocation (goal >= 3x), for the default recipe and the",
                "10.8M config; and the time to check a 1,000-item task for 13-token spans against the Shakespeare dataset (goal <= 5 s)."})
final class BenchEvalCommand implements Callable<Integer> {
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
                scorer.score(windows); // warm-up, as the training steps before
                // Three rounds, each timing a third of the training steps and then one scoring pass, so both run with the
                // same compiled code and caches behind them; the best round of each (the machine's noise only slows).
                double trained = 0, scored = 0;
                for (int round = 0; round < 3; round++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < timed / 3; s++) t.trainStep();
                    trained = Math.max(trained, (double) (timed / 3) * c.batch() * c.ctx() / ((System.nanoTime() - t0) / 1e9));
                    t0 = System.nanoTime();
                    scorer.score(windows);
                    scored = Math.max(scored, (double) windows.size() * c.ctx() / ((System.nanoTime() - t0) / 1e9));
                }
                o.printf(Locale.ROOT, "%-52s %,14.0f %,14.0f %7.2fx%n", c.name(), scored, trained, scored / trained);
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
}
