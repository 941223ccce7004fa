package dev.cairn.cli;

import dev.cairn.data.BpeTokenizer;
import dev.cairn.data.DatasetManifest;
import dev.cairn.data.DatasetPolicy;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.TokenizerStore;
import dev.cairn.numerics.FmaPeak;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.ComputeRecord;
import dev.cairn.training.Recipe;
import dev.cairn.training.TokenIds;
import dev.cairn.training.Trainer;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * {@code cairn bench presets}: the named model sizes at batch 8 on a multi-source corpus that went through the data
 * room (State of the Union + the Shakespeare sample, each with its provenance, a held-out set of whole documents),
 * with a BPE tokenizer trained there: a few timed steps each, tokens/s, MFU against the FMA peak measured in the same
 * invocation, and the heap used.
 */
@Command(name = "presets", mixinStandardHelpOptions = true,
        description = {"The presets gpt2-124m and llama-100m at batch 8 on State of the Union + Shakespeare (ingested with provenance,",
                "10 %% of the documents held out, BPE tokenizer trained on the rest): tokens/s, MFU against the FMA peak measured",
                "in the same invocation, and the heap used (goal <= 6 GB)."})
final class BenchPresetsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--sotu", paramLabel = "FILE", defaultValue = "../shared/data/sotu.jsonl.gz", description = "State of the Union, Dolma-shaped (default ../shared/data/sotu.jsonl.gz).") Path sotu;
    @Option(names = "--vocab", paramLabel = "N", defaultValue = "32000", description = "BPE vocabulary size (default 32000).") int vocab;
    @Option(names = "--preset", paramLabel = "NAME", description = "Only this preset (default: both).") String only;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "2", description = "Timed steps per preset (default 2).") int steps;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Sequences per step (default 8, the presets' batch).") int batch;
    @Option(names = "--warm", paramLabel = "N", defaultValue = "1", description = "Untimed steps first (default 1).") int warm;
    @Option(names = "--home", paramLabel = "DIR", description = "Where the data room keeps the dataset and tokenizer (default: a temporary directory).") Path home;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 1 || warm < 0 || batch < 1) throw new IllegalArgumentException("--steps and --batch must be at least 1, --warm at least 0");
        if (only != null) Recipe.preset(only); // an unknown name fails here, naming the choices
        if (!Files.isRegularFile(sotu)) throw new IllegalArgumentException("--sotu: file not found: " + sotu);
        Path dir = home != null ? home : Files.createTempDirectory("cairn-bench-presets-");
        out.println("cairn bench presets: CPU " + BenchCommand.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + exec.threadCount() + " threads, heap max " + gb(Runtime.getRuntime().maxMemory()) + "; data room in " + dir);
        long t0 = System.nanoTime();
        DatasetStore store = new DatasetStore(dir);
        DatasetStore.AddResult a = store.add(new DatasetStore.AddRequest("sotu-shakespeare", List.of(sotu), null, "file:" + sotu.getFileName(), DatasetPolicy.defaults(), false));
        DatasetStore.AddResult b = store.add(new DatasetStore.AddRequest("sotu-shakespeare", List.of(DemoCommand.sampleCorpus()), "LicenseRef-PublicDomain",
                "https://github.com/karpathy/char-rnn/tree/master/data/tinyshakespeare", DatasetPolicy.defaults(), true));
        DatasetManifest m = b.manifest();
        out.println(String.format(Locale.ROOT, "  ingested: %s %d of %d documents kept (removed by the default policy: %s); Shakespeare sample %d of %d",
                sotu.getFileName(), a.kept(), a.read(), a.removedByFilter(), b.kept(), b.read()));
        // The held-out set: whole documents, those whose id's SHA-256 starts with a byte below 26 (about 10 %); the
        // tokenizer is trained on the others only.
        List<String> trainDocs = new ArrayList<>(), heldOut = new ArrayList<>();
        for (String id : m.documentIds()) (heldOut(id) ? heldOut : trainDocs).add(store.text(m.name(), id));
        if (heldOut.isEmpty()) throw new IllegalArgumentException(m.ref() + ": no document falls in the held-out set; add documents");
        TokenizerStore.Stored tok = new TokenizerStore(dir).train(store, m.ref(), vocab, id -> !heldOut(id),
                "documents whose id's SHA-256 starts with a byte of 26 or more (the held-out set stays out)");
        BpeTokenizer bpe = tok.tokenizer();
        TokenIds data = new TokenIds(bpe.encodeDocuments(trainDocs), bpe.encodeDocuments(heldOut), bpe, m.ref() + " under " + tok.digest().substring(0, 12));
        out.println(String.format(Locale.ROOT, "  data: %s, %d documents (%d held out), root %s; BPE %,d ids; %,d train tokens, %,d held-out tokens (%.1f s)",
                m.ref(), m.documentIds().size(), heldOut.size(), m.root().substring(0, 12), bpe.vocabSize(), data.train().length, data.validation().length,
                (System.nanoTime() - t0) / 1e9));
        FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 0.5);
        out.println("  peak: " + peak + "; kernels " + exec.kernels().name());
        BenchCommand.noteNarrowVectors(out, exec.kernels(), exec);
        out.flush();
        for (String name : Recipe.PRESETS) {
            if (only != null && !only.equals(name)) continue;
            Recipe p = Recipe.preset(name);
            Recipe r = new Recipe(p.layers(), p.heads(), p.embd(), p.ctx(), batch, warm + steps, p.lr(), p.minLr(), p.warmup(), p.weightDecay(),
                    p.beta1(), p.beta2(), p.eps(), p.gradClip(), p.seed(), p.bias(), 0, 0, null, null, p.arch(), p.kvHeads(), p.ropeTheta(),
                    p.multipleOf(), p.tieEmbeddings());
            System.gc();
            resetPeaks();
            try (Parallel par = exec.parallel()) {
                Trainer t = new Trainer(r, data, exec.kernels(), par);
                var model = t.model();
                int kept = model.keptLayers();
                out.println(String.format(Locale.ROOT, "  %-10s activations: %d of %d layers kept for the backward pass, the rest recomputed from their inputs "
                        + "(%s of buffers; all layers kept would take %s)", name, kept, r.layers(), gb(model.activationBytes(r.batch(), r.ctx(), kept)),
                        gb(model.activationBytes(r.batch(), r.ctx(), r.layers()))));
                out.flush();
                for (int s = 0; s < warm; s++) t.trainStep();
                long s0 = System.nanoTime();
                float loss = 0;
                for (int s = 0; s < steps; s++) loss = t.trainStep().loss();
                double sec = (System.nanoTime() - s0) / 1e9;
                long params = t.model().params().length;
                double tps = (double) steps * r.batch() * r.ctx() / sec;
                double fpt = ComputeRecord.flopsPerToken(params, r.layers(), r.embd(), r.ctx());
                long peakBytes = heapPeak();
                System.gc(); // what the trainer holds between steps: parameters, gradients, moments, activations
                long live = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                peak = BenchCommand.remeasurePeak(out, peak);
                out.println(String.format(Locale.ROOT, "  %-10s %,d params, batch %d x ctx %d: %.1f s per step, %,.0f tokens/s, MFU %.1f %% (%.3g FLOPs per token), loss %.3f after %d steps",
                        name, params, r.batch(), r.ctx(), sec / steps, tps, 100 * tps * fpt / peak.flopsPerSecond(), fpt, loss, warm + steps));
                out.println(String.format(Locale.ROOT, "  %-10s heap: %s live after a full collection, %s the pools' peaks summed (an upper bound); goal <= 6 GB",
                        name, gb(live), gb(peakBytes)));
            } catch (OutOfMemoryError | RuntimeException e) {
                Throwable c = e;
                while (c != null && !(c instanceof OutOfMemoryError)) c = c.getCause();
                if (c == null) throw e;
                out.println(String.format(Locale.ROOT, "  %-10s does not fit the heap (max %s; peak seen %s): %s", name, gb(Runtime.getRuntime().maxMemory()),
                        gb(heapPeak()), c.getMessage()));
            }
            out.flush();
        }
        return 0;
    }

    private static boolean heldOut(String id) {
        try {
            return Byte.toUnsignedInt(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8))[0]) < 26;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) if (b.getType() == MemoryType.HEAP) b.resetPeakUsage();
    }

    /** The sum of the heap pools' peaks since the last reset (an upper bound on the heap in use at any one time). */
    private static long heapPeak() {
        long s = 0;
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) if (b.getType() == MemoryType.HEAP) s += b.getPeakUsage().getUsed();
        return s;
    }
}
