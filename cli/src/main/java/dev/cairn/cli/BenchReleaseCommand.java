package dev.cairn.cli;

import dev.cairn.model.Gpt;
import dev.cairn.model.GptConfig;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.Dtype;
import dev.cairn.release.Gguf;
import dev.cairn.release.HfDirectory;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelSigning;
import dev.cairn.release.ModelStore;
import dev.cairn.release.ModelTokenizer;
import dev.cairn.release.ReleaseKeys;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** cairn bench release: export, signing, verification and import times at the 10.8M config and GPT-2 124M's shapes. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Release figures for the 10.8M-parameter config and a GPT-2 124M-shaped model (12 layers, 768 wide, 1024",
                "positions, vocabulary 50257, biases; weights from Cairn's initialisation): export to a Hugging Face directory",
                "(f32), GGUF export, model.sig signing, verification (every file's SHA-256 against model.sig with the ECDSA",
                "signature, then the weights read back and their canonical digest taken, as release verify does; the ledger",
                "checks add milliseconds), and import into a home (load, check, copy, digests)."})
final class BenchReleaseCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default: a temporary directory, removed after).") Path out;
    @Option(names = "--only", paramLabel = "N", description = "Only model N (1 = 10.8M, 2 = GPT-2 124M shapes).") Integer only;

    record Shape(String name, GptConfig cfg) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        List<Shape> shapes = List.of(new Shape("10.8M config (6L 6H 384 wide, ctx 256, vocab 65)", new GptConfig(65, 256, 6, 6, 384, false)),
                new Shape("GPT-2 124M shapes (12L 12H 768 wide, ctx 1024, vocab 50257, biases)", new GptConfig(50257, 1024, 12, 12, 768, true)));
        Path dir = out != null ? out : Files.createTempDirectory("cairn-bench-release");
        o.printf(Locale.ROOT, "%-66s %10s %8s %8s %8s %8s %8s%n", "model", "params", "export", "gguf", "sign", "verify", "import");
        for (int i = 0; i < shapes.size(); i++) {
            if (only != null && only != i + 1) continue;
            Shape s = shapes.get(i);
            LoadedModel m = model(s.cfg());
            Path hf = dir.resolve("m" + i), home = dir.resolve("home" + i);
            double export = time(() -> HfDirectory.write(hf, m, Dtype.F32, Map.of()));
            double gguf = time(() -> Gguf.write(hf.resolve("model.gguf"), m, Dtype.F32, "bench"));
            ReleaseKeys.ReleaseKey key = ReleaseKeys.create(home, "bench");
            double sign = time(() -> ModelSigning.sign(hf, "bench", key));
            double verify = time(() -> {
                ModelSigning.verify(hf, key.publicPem());
                String d = HfDirectory.read(hf).weightsDigest();
                if (!d.equals(m.weightsDigest())) throw new IllegalStateException("weights digest differs after export");
            });
            Files.delete(hf.resolve("model.gguf"));
            Files.delete(hf.resolve(ModelSigning.SIGNATURE_FILE));
            double imp = time(() -> new ModelStore(home).importHf(hf, "bench", null, "MIT"));
            o.printf(Locale.ROOT, "%-66s %,10d %7.2fs %7.2fs %7.2fs %7.2fs %7.2fs%n", s.name(), m.params().length, export, gguf, sign, verify, imp);
            o.flush();
        }
        o.println("targets: 10.8M export and verify <= 2 s each; 124M export <= 10 s, verify <= 5 s, import <= 10 s");
        if (out == null) dev.cairn.ledger.Leftovers.delete(dir);
        return 0;
    }

    interface Work {
        void run() throws Exception;
    }

    static double time(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static LoadedModel model(GptConfig cfg) {
        try (Parallel par = new Parallel(Runtime.getRuntime().availableProcessors())) {
            Gpt g = new Gpt(cfg, Kernels.named("vector"), par);
            g.initialize(1337);
            int[] cps = new int[cfg.vocabSize()];
            for (int i = 0; i < cps.length; i++) cps[i] = 0x10000 + i; // a character vocabulary of the model's size (valid scalar values)
            return new LoadedModel(cfg, g.params, ModelTokenizer.characters(cps));
        }
    }
}
