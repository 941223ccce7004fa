package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.training.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Option;

/** Every recipe value as a flag. Precedence: flag, then --recipe FILE, then the built-in defaults. */
final class RecipeOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--preset", paramLabel = "NAME", description = "A named model size as the base of the recipe: gpt2-124m "
            + "(12 layers, 12 heads, 768 wide, context 1024) or llama-100m (the same shape as a Llama with 4 key/value heads); "
            + "flags and --recipe override it.") String preset;
    @Option(names = "--recipe", paramLabel = "FILE", description = "JSON file with recipe values (keys as in run.json's \"recipe\").")
    Path recipeFile;
    @Option(names = "--layers", description = "Transformer blocks (default 4).") Integer layers;
    @Option(names = "--heads", description = "Attention heads (default 4).") Integer heads;
    @Option(names = "--embd", description = "Embedding width (default 128).") Integer embd;
    @Option(names = "--ctx", description = "Context length (default 64).") Integer ctx;
    @Option(names = "--batch", description = "Sequences per step (default 12).") Integer batch;
    @Option(names = "--steps", description = "Optimisation steps (default 2000).") Integer steps;
    @Option(names = "--lr", description = "Peak learning rate (default 1e-3).") Float lr;
    @Option(names = "--min-lr", description = "Final learning rate of the cosine decay (default 1e-4).") Float minLr;
    @Option(names = "--warmup", description = "Linear warm-up steps (default 100).") Integer warmup;
    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay on 2-D weights (default 0.1).") Float weightDecay;
    @Option(names = "--beta1", description = "AdamW beta1 (default 0.9).") Float beta1;
    @Option(names = "--beta2", description = "AdamW beta2 (default 0.99).") Float beta2;
    @Option(names = "--eps", description = "AdamW epsilon (default 1e-8).") Float eps;
    @Option(names = "--grad-clip", description = "Global gradient-norm clip, 0 disables (default 1.0).") Float gradClip;
    @Option(names = "--seed", description = "Seed of initialisation and data order (default 1337).") Long seed;
    @Option(names = "--bias", arity = "0..1", description = "Biases in linear layers and LayerNorms (default false).") Boolean bias;
    @Option(names = "--eval-every", description = "Validate every N steps, 0 only at the end (default 250).") Integer evalEvery;
    @Option(names = "--checkpoint-every", description = "Checkpoint every N steps; the last step always (default 250).") Integer checkpointEvery;
    @Option(names = "--micro-batches", paramLabel = "M", description = "Micro-batches per step, gradients summed in a fixed tree; "
            + "data-parallel processes own ranges of them (default 1).") Integer microBatches;
    @Option(names = "--arch", paramLabel = "ARCH", description = "Architecture: gpt2 (default) or llama (RMSNorm, rotary embeddings, "
            + "SwiGLU, grouped-query attention, no biases).") String arch;
    @Option(names = "--kv-heads", paramLabel = "N", description = "llama: key/value heads, dividing --heads (default: --heads).") Integer kvHeads;
    @Option(names = "--rope-theta", paramLabel = "X", description = "llama: rotary embedding base (default 10000).") Double ropeTheta;
    @Option(names = "--multiple-of", paramLabel = "N", description = "llama: the MLP width, 2/3 of 4 x --embd, is rounded up to a multiple of N (default 256).") Integer multipleOf;
    @Option(names = "--tie-embeddings", arity = "0..1", paramLabel = "BOOL", description = "llama: the output head is the token embedding (default true).") Boolean tieEmbeddings;

    /** Recipe keys that are absent from the defaults (written only when set). */
    private static final java.util.Set<String> OPTIONAL_KEYS = java.util.Set.of("init", "micro_batches", "arch", "kv_heads", "rope_theta",
            "multiple_of", "tie_embeddings");

    Recipe resolve() throws IOException {
        ObjectNode node = JSON.valueToTree(preset != null ? Recipe.preset(preset) : Recipe.defaults());
        if (recipeFile != null) {
            if (!Files.isRegularFile(recipeFile)) throw new IllegalArgumentException("recipe file not found: " + recipeFile);
            JsonNode file;
            try {
                file = JSON.readTree(recipeFile.toFile());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("recipe file " + recipeFile + " is not valid JSON: " + e.getOriginalMessage());
            }
            if (file == null || !file.isObject()) throw new IllegalArgumentException("recipe file " + recipeFile + " must hold a JSON object");
            for (Iterator<Map.Entry<String, JsonNode>> it = file.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!node.has(e.getKey()) && !OPTIONAL_KEYS.contains(e.getKey())) throw new IllegalArgumentException("recipe file " + recipeFile + ": unknown key \"" + e.getKey() + "\"");
                node.set(e.getKey(), e.getValue());
            }
        }
        put(node, "layers", layers);
        put(node, "heads", heads);
        put(node, "embd", embd);
        put(node, "ctx", ctx);
        put(node, "batch", batch);
        put(node, "steps", steps);
        put(node, "lr", lr);
        put(node, "min_lr", minLr);
        put(node, "warmup", warmup);
        put(node, "weight_decay", weightDecay);
        put(node, "beta1", beta1);
        put(node, "beta2", beta2);
        put(node, "eps", eps);
        put(node, "grad_clip", gradClip);
        put(node, "seed", seed);
        put(node, "bias", bias);
        put(node, "eval_every", evalEvery);
        put(node, "checkpoint_every", checkpointEvery);
        put(node, "micro_batches", microBatches);
        put(node, "arch", arch);
        put(node, "kv_heads", kvHeads);
        put(node, "rope_theta", ropeTheta);
        put(node, "multiple_of", multipleOf);
        put(node, "tie_embeddings", tieEmbeddings);
        try {
            return JSON.treeToValue(node, Recipe.class).validate();
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) throw new IllegalArgumentException("recipe: " + iae.getMessage());
            throw new IllegalArgumentException("recipe: " + e.getOriginalMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("recipe: " + e.getOriginalMessage());
        }
    }

    boolean anyGiven() {
        return preset != null || recipeFile != null || layers != null || heads != null || embd != null || ctx != null || batch != null
                || steps != null || lr != null || minLr != null || warmup != null || weightDecay != null || beta1 != null
                || beta2 != null || eps != null || gradClip != null || seed != null || bias != null || evalEvery != null
                || checkpointEvery != null || microBatches != null || arch != null || kvHeads != null || ropeTheta != null
                || multipleOf != null || tieEmbeddings != null;
    }

    private static void put(ObjectNode n, String key, Object v) {
        if (v != null) n.set(key, JSON.valueToTree(v));
    }
}
