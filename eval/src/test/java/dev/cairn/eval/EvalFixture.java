package dev.cairn.eval;

import dev.cairn.model.Gpt;
import dev.cairn.model.GptConfig;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.Dtype;
import dev.cairn.release.HfDirectory;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A small character-level model written as a Hugging Face directory, and Shakespeare text to evaluate it on. */
final class EvalFixture {
    static final int[] CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".codePoints().toArray();

    private EvalFixture() {}

    static LoadedModel model(long seed) {
        GptConfig cfg = new GptConfig(CHARS.length, 128, 2, 4, 32, true);
        try (Parallel par = new Parallel(1)) {
            Gpt g = new Gpt(cfg, Kernels.named("scalar"), par);
            g.initialize(seed);
            return new LoadedModel(cfg, g.params.clone(), ModelTokenizer.characters(CHARS));
        }
    }

    static LoadedModel llama(long seed) {
        dev.cairn.model.LlamaConfig cfg = new dev.cairn.model.LlamaConfig(CHARS.length, 48, 2, 4, 2, 32, 64,
                dev.cairn.model.LlamaConfig.DEFAULT_ROPE_THETA, dev.cairn.model.LlamaConfig.DEFAULT_NORM_EPS, false);
        try (Parallel par = new Parallel(1)) {
            dev.cairn.model.Llama m = new dev.cairn.model.Llama(cfg, Kernels.named("scalar"), par);
            m.initialize(seed);
            return new LoadedModel(cfg, m.params().clone(), ModelTokenizer.characters(CHARS));
        }
    }

    static Path modelDir(Path tmp, long seed) throws IOException {
        Path d = tmp.resolve("model-" + seed);
        if (!Files.exists(d.resolve("config.json"))) HfDirectory.write(d, model(seed), Dtype.F32, Map.of());
        return d;
    }

    static String shakespeare(int from, int to) throws IOException {
        try (InputStream in = EvalFixture.class.getResourceAsStream("/dev/cairn/data/tinyshakespeare.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(from, to);
        }
    }

    static Path examples() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples/tasks"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("examples/tasks not found above " + Path.of("").toAbsolutePath());
        return p.resolve("examples/tasks");
    }
}
