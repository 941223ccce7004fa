package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.data.TokenizedDataset;
import dev.cairn.release.ModelTokenizer;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.DatasetTokens;
import dev.cairn.training.Recipe;
import dev.cairn.training.Trainer;
import dev.cairn.training.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a GPT-2 or Llama-style model (--arch) bit-exactly: the same recipe and data give the same state digest on any thread count, "
                + "kernel set, vector width or resume point.",
                "Defaults are nanoGPT's character-level Shakespeare recipe on a CPU."},
        footer = {"", "Examples:",
                "  cairn train --data shakespeare.txt --out runs/shakespeare",
                "  cairn train --data shakespeare.txt --out runs/quick --steps 200 --json",
                "  cairn train --dataset shakespeare@1 --tokenizer 3f9a1c2e --out runs/bpe",
                "  cairn train --data shakespeare.txt --out runs/llama --arch llama --heads 4 --kv-heads 2 --rope-theta 10000",
                "  cairn train --resume runs/shakespeare"})
final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data", paramLabel = "FILE", description = "UTF-8 text to train on (character-level).")
    Path data;
    @Option(names = "--dataset", paramLabel = "NAME@VERSION", description = "A registered dataset version (see cairn data) instead of --data.")
    String dataset;
    @Option(names = "--tokenizer", paramLabel = "ID", description = "Tokenizer digest (or unique prefix) for --dataset (see cairn tokenizer).")
    String tokenizer;
    @Mixin HomeOption home;
    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run directory to create.")
    Path out;
    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue a run from its newest checkpoint.")
    Path resume;
    @Option(names = "--init", paramLabel = "MODEL", description = "Start from this model's weights (an imported model, a release or "
            + "model directory, or a run): continued pre-training or fine-tuning. The recipe pins the weights' digest.")
    String init;
    @Option(names = "--json", description = "Print one JSON object with the results as the last line.")
    boolean json;
    @Option(names = "--state-digest-every", paramLabel = "N", defaultValue = "25",
            description = "Transcript leaves carry the full state digest every N steps (and at checkpoints and the last step); 1 = every step (default 25).")
    int stateDigestEvery;
    @Mixin RecipeOptions recipe;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Kernels k = exec.kernels();
        if (resume != null && recipe.arch != null) {
            String held = TrainingRun.architecture(resume);
            if (!held.equals(recipe.arch)) {
                throw new IllegalArgumentException("--arch " + recipe.arch + ": the run in " + resume + " trains a " + held
                        + " model; a checkpoint resumes only as its own architecture");
            }
        }
        if (resume != null && (data != null || dataset != null || this.out != null || recipe.anyGiven())) {
            throw new IllegalArgumentException("--resume takes the recipe and data from the run; drop --data, --dataset, --out and recipe flags");
        }
        if (resume == null && ((data == null) == (dataset == null) || this.out == null)) {
            throw new IllegalArgumentException("give --out RUN_DIR and either --data FILE or --dataset NAME@VERSION --tokenizer ID (or --resume RUN_DIR)");
        }
        if (dataset != null && tokenizer == null) throw new IllegalArgumentException("--dataset needs --tokenizer ID (see: cairn tokenizer train)");
        if (resume != null && init != null) throw new IllegalArgumentException("--resume continues the run's own recipe; drop --init");
        BaseModelOptions.registerHome(home.dir());
        try (Parallel par = exec.parallel()) {
            TrainingRun run;
            if (resume != null) {
                run = TrainingRun.resume(resume, k, par, Cluster.ranks());
            } else if (dataset != null) {
                Recipe r = recipe.resolve();
                TokenizedDataset ds = TokenizedDataset.load(home.dir(), dataset, tokenizer);
                if (init != null) r = BaseModelOptions.init(init, home.dir(), r, recipe, ModelTokenizer.bpe(ds.tokenizer()));
                DatasetTokens tokens = new DatasetTokens(ds);
                run = TrainingRun.create(this.out, r, home.dir(), tokens, k, par, Cluster.ranks()).stateDigestEvery(stateDigestEvery);
            } else {
                Recipe r = recipe.resolve();
                CharCorpus corpus = CharCorpus.read(data, r.ctx());
                if (init != null) r = BaseModelOptions.init(init, home.dir(), r, recipe, ModelTokenizer.characters(corpus.codePoints()));
                run = TrainingRun.create(this.out, r, data, corpus, k, par, Cluster.ranks()).stateDigestEvery(stateDigestEvery);
            }
            try (run) { // the run directory's lock, should anything fail before train returns
                TrainingRun.Summary s = run.train(Cluster.rank() == 0 ? new ConsoleListener(err, k, par) : new TrainingRun.Listener() {});
                if (Cluster.rank() == 0) report(out, s, json);
                return 0;
            }
        }
    }

    static void report(PrintWriter out, TrainingRun.Summary s, boolean json) throws Exception {
        out.println(String.format(Locale.ROOT, "trained %d steps in %.1f s (%,.0f tokens/s), %,d parameters", s.steps(), s.seconds(),
                s.tokensPerSecond(), s.parameters()));
        out.println(String.format(Locale.ROOT, "train loss %.4f   validation loss (whole split) %.4f", s.trainLoss(), s.valLoss()));
        out.println("state sha256 " + s.stateSha256());
        com.fasterxml.jackson.databind.JsonNode c = computeOf(s);
        if (c != null) {
            out.println(String.format(Locale.ROOT, "compute: %.3g model FLOPs (%.3g per step, 6N + 12LCT per token), %.1f s wall, "
                    + "%.1f CPU-s over %d process(es) x %d thread(s), %.3g FLOP/s", c.path("flops_total").asDouble(),
                    c.path("flops_per_step").asDouble(), c.path("wall_seconds").asDouble(), c.path("cpu_seconds").asDouble(),
                    c.path("processes").asInt(), c.path("threads").asInt(), c.path("flops_per_second").asDouble()));
        }
        out.println("run directory " + s.runDir());
        out.println("  checkpoint  " + s.checkpoint());
        out.println("  metrics     " + s.runDir().resolve("metrics.jsonl"));
        out.println("  loss curve  " + s.plot() + "  (open it in a browser)");
        out.println("next: ./cairn generate --run " + s.runDir() + " --prompt \"ROMEO:\" --tokens 300");
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("state_sha256", s.stateSha256());
            o.put("val_loss", s.valLoss());
            o.put("train_loss", s.trainLoss());
            o.put("steps", s.steps());
            o.put("tokens_per_s", s.tokensPerSecond());
            o.put("seconds", s.seconds());
            o.put("parameters", s.parameters());
            o.put("run_dir", s.runDir().toString());
            o.put("checkpoint", String.valueOf(s.checkpoint()));
            if (c != null) o.set("compute", c);
            out.println(new ObjectMapper().writeValueAsString(o));
        }
        out.flush();
    }

    /** The compute record summary.json holds, or null. */
    static com.fasterxml.jackson.databind.JsonNode computeOf(TrainingRun.Summary s) throws java.io.IOException {
        java.nio.file.Path f = s.runDir().resolve("summary.json");
        if (!java.nio.file.Files.exists(f)) return null;
        com.fasterxml.jackson.databind.JsonNode c = new ObjectMapper().readTree(f.toFile()).get("compute");
        return c == null || c.isNull() ? null : c;
    }

    /** Prints the run's set-up and a progress bar on stderr. */
    static final class ConsoleListener implements TrainingRun.Listener {
        private final PrintWriter err;
        private final Kernels k;
        private final Parallel par;
        private Progress progress;
        private int from;

        ConsoleListener(PrintWriter err, Kernels k, Parallel par) {
            this.err = err;
            this.k = k;
            this.par = par;
        }

        @Override
        public void started(Trainer t, int fromStep) {
            Recipe r = t.recipe();
            from = fromStep;
            err.println(String.format(Locale.ROOT, "model: %s, %d layers, %d heads%s, %d wide, context %d, vocabulary %d: %,d parameters",
                    r.architecture(), r.layers(), r.heads(), r.kvHeads() == null ? "" : " (" + r.kvHeads() + " key/value)", r.embd(), r.ctx(),
                    t.data().vocabSize(), t.model().params().length));
            err.println(String.format(Locale.ROOT, "data: %s (%,d training, %,d validation tokens)", t.data().description(),
                    t.data().train().length, t.data().validation().length));
            err.println(String.format(Locale.ROOT, "recipe: %d steps, batch %d%s, lr %.2g -> %.2g (warm-up %d), seed %d; kernels %s, %s%d threads%s",
                    r.steps(), r.batch(), r.microBatchCount() > 1 ? " in " + r.microBatchCount() + " micro-batches" : "", r.lr(), r.minLr(),
                    r.warmup(), r.seed(), k.name(), t.ranks().size() > 1 ? t.ranks().size() + " processes x " : "", par.threads(),
                    fromStep > 0 ? "; resuming at step " + fromStep : ""));
            long params = 4L * t.model().params().length, opt = t.optimizerStateBytes(), P = t.ranks().size();
            err.println(String.format(Locale.ROOT, "memory per rank: parameters %.1f MB + optimizer state %.1f MB%s", params / 1e6, opt / 1e6,
                    P > 1 ? String.format(Locale.ROOT, " (its 1/%d shard of %.1f MB, ZeRO-1)", P, 2.0 * params / 1e6) : ""));
            String recompute = recomputeNote(t, Runtime.getRuntime().maxMemory());
            if (recompute != null) err.println(recompute);
            err.flush();
            progress = new Progress(err, r.steps());
        }

        /**
         * Where some layers' activations did not fit the heap: how many the backward pass recomputes, and the heap
         * that would keep them (the same bits either way; only the step's time differs). Null when none is recomputed.
         * With all but one layer kept nothing is recomputed (the last shared set is still intact); the attention
         * probabilities, then taken again in the backward pass, cost nothing measurable.
         */
        static String recomputeNote(Trainer t, long maxHeap) {
            Recipe r = t.recipe();
            int kept = t.model().keptLayers(), L = r.layers(), rows = r.batch() / r.microBatchCount();
            int recomputed = Math.max(0, L - kept - 1);
            if (recomputed == 0) return null;
            long more = t.model().activationBytes(rows, r.ctx(), L - 1) - t.model().activationBytes(rows, r.ctx(), kept);
            long gb = (maxHeap + more * 10 / 9 + (1L << 30) - 1) >> 30; // the trainer leaves a tenth of the heap for the rest
            return String.format(Locale.ROOT, "activations: the backward pass recomputes %d of %d layers, whose activations do not fit this "
                    + "%.1f GB heap (the same bits, a slower step); %.1f GB more keeps them: CAIRN_JAVA_OPTS=-Xmx%dg", recomputed, L,
                    maxHeap / 1e9, more / 1e9, gb);
        }

        @Override
        public void step(Trainer.StepResult r, double tps, double elapsed) {
            progress.update(r.step(), from, String.format(Locale.ROOT, "loss %.4f | %,.0f tok/s", r.loss(), tps));
        }

        @Override
        public void evaluated(int step, double valLoss) {
            if (System.console() != null && System.getenv("CI") == null) err.print("\r");
            err.println(String.format(Locale.ROOT, "step %d: validation loss %.4f", step, valLoss));
            err.flush();
        }
    }
}
