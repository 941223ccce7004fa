package dev.cairn.cli;

import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelStore;
import dev.cairn.release.ModelTokenizer;
import dev.cairn.release.Models;
import dev.cairn.training.BaseModels;
import dev.cairn.training.Recipe;
import java.io.IOException;
import java.nio.file.Path;

/** Runs that start from an existing model: resolving {@code --init} and finding base weights by digest in a home. */
final class BaseModelOptions {
    private BaseModelOptions() {}

    /** Lets trainers, resumes and verifiers in this process find base models imported into {@code home}. */
    static void registerHome(Path home) {
        BaseModels.register(digest -> new ModelStore(home).weightsByDigest(digest));
    }

    /**
     * The recipe starting from {@code ref}'s weights: the model's shape comes from the base (an explicit flag that
     * disagrees is refused), its tokenizer must be the data's, and the recipe pins the weights' digest.
     */
    static Recipe init(String ref, Path home, Recipe r, RecipeOptions given, ModelTokenizer dataTokenizer) throws IOException {
        LoadedModel m = Models.open(ref, home).model();
        var c = m.config();
        check("--layers", given.layers, c.layers());
        check("--heads", given.heads, c.heads());
        check("--embd", given.embd, c.embd());
        check("--ctx", given.ctx, c.contextLen());
        boolean bias = c instanceof dev.cairn.model.GptConfig g && g.bias();
        if (given.bias != null && given.bias != bias) throw new IllegalArgumentException("--bias " + given.bias + " does not match the base model " + ref + " (" + bias + ")");
        if (given.arch != null && !given.arch.equals(c.arch())) {
            throw new IllegalArgumentException("--arch " + given.arch + " does not match the base model " + ref + " (" + c.arch() + ")");
        }
        if (!m.tokenizer().digest().equals(dataTokenizer.digest())) {
            throw new IllegalArgumentException("the base model " + ref + "'s tokenizer (" + m.tokenizer().kind() + ", " + m.tokenizer().vocabSize()
                    + " tokens, " + m.tokenizer().digest().substring(0, 12) + ") is not the data's (" + dataTokenizer.kind() + ", "
                    + dataTokenizer.vocabSize() + " tokens, " + dataTokenizer.digest().substring(0, 12) + ")");
        }
        String digest = m.weightsDigest();
        BaseModels.offer(digest, m.params());
        Recipe out = new Recipe(c.layers(), c.heads(), c.embd(), c.contextLen(), r.batch(), r.steps(), r.lr(), r.minLr(), r.warmup(),
                r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), bias, r.evalEvery(), r.checkpointEvery(), digest)
                .withMicroBatches(r.microBatchCount());
        if (c instanceof dev.cairn.model.LlamaConfig l) {
            check("--kv-heads", given.kvHeads, l.kvHeads());
            if (given.ropeTheta != null && given.ropeTheta != l.ropeTheta()) {
                throw new IllegalArgumentException("--rope-theta " + given.ropeTheta + " does not match the base model (" + l.ropeTheta() + ")");
            }
            // Llama's MLP width is 2/3 of 4C rounded up to multiple_of: the base's width itself is such a multiple
            if (dev.cairn.model.LlamaConfig.hiddenFor(l.embd(), l.hidden()) != l.hidden() || l.normEps() != dev.cairn.model.LlamaConfig.DEFAULT_NORM_EPS) {
                throw new IllegalArgumentException("the base model " + ref + " (intermediate_size " + l.hidden() + ", rms_norm_eps " + l.normEps()
                        + ") cannot be continued here: Cairn's Llama recipes take 2/3 x 4 x hidden_size rounded up to multiple_of, and rms_norm_eps 1e-05");
            }
            out = out.withLlama(l.kvHeads(), l.ropeTheta(), l.hidden(), l.tied());
        }
        return out.validate();
    }

    private static void check(String flag, Integer given, int base) {
        if (given != null && given != base) throw new IllegalArgumentException(flag + " " + given + " does not match the base model (" + base + ")");
    }
}
