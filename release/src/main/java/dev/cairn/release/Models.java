package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.data.TokenizerStore;
import dev.cairn.model.ModelConfig;
import dev.cairn.training.Checkpoint;
import dev.cairn.training.Recipe;
import dev.cairn.training.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model wherever it lives: a run directory (its newest checkpoint), a Hugging Face directory (exported,
 * released or downloaded), or a model imported into a Cairn home by name or digest.
 */
public final class Models {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Models() {}

    /** A model, the file or directory it came from, and how it was found ("run", "hf", "imported"). */
    public record Opened(LoadedModel model, Path source, String kind) {}

    /** Resolves {@code ref}: a path to a run or model directory, else a model imported into {@code home}. */
    public static Opened open(String ref, Path home) throws IOException {
        Path p = Path.of(ref);
        if (Files.isRegularFile(p.resolve("run.json"))) return new Opened(fromRun(p), p, "run");
        if (Files.isRegularFile(p.resolve("config.json"))) return new Opened(HfDirectory.read(p), p, "hf");
        if (home != null) {
            ModelStore.Stored s = new ModelStore(home).find(ref);
            if (s != null) return new Opened(HfDirectory.read(s.dir()), s.dir(), "imported");
        }
        if (Files.isDirectory(p)) throw new IllegalArgumentException(p + ": neither a run directory (run.json) nor a model directory (config.json)");
        throw new IllegalArgumentException("no model " + ref + ": not a run or model directory" + (home == null ? "" : ", nor a model imported into " + home));
    }

    /** The weights at a run's newest checkpoint, with the run's tokenizer. */
    public static LoadedModel fromRun(Path runDir) throws IOException {
        Path rf = runDir.resolve("run.json");
        if (!Files.exists(rf)) throw new IllegalArgumentException(runDir + ": no run here (run.json missing)");
        JsonNode run;
        try {
            run = JSON.readTree(rf.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(rf + ": not valid JSON: " + e.getOriginalMessage());
        }
        Recipe recipe = JSON.treeToValue(run.get("recipe"), Recipe.class).validate();
        ModelTokenizer tok = runTokenizer(run.path("data"), rf);
        Path ckpt = TrainingRun.latestCheckpoint(runDir);
        if (ckpt == null) throw new IllegalArgumentException(runDir + ": the run has no checkpoint yet");
        Checkpoint.Contents c = Checkpoint.read(ckpt);
        TrainingRun.checkArchitecture(ckpt, c, recipe);
        ModelConfig cfg = recipe.modelConfig(tok.vocabSize());
        return new LoadedModel(cfg, c.params(), tok);
    }

    static ModelTokenizer runTokenizer(JsonNode data, Path rf) {
        return switch (data.path("kind").asText()) {
            case "char" -> {
                JsonNode v = data.path("vocab");
                int[] cps = new int[v.size()];
                for (int i = 0; i < cps.length; i++) cps[i] = v.get(i).asInt();
                yield ModelTokenizer.characters(cps);
            }
            case "dataset" -> ModelTokenizer.bpe(new TokenizerStore(Path.of(data.path("home").asText()))
                    .load(data.path("tokenizer").asText()).tokenizer());
            default -> throw new IllegalArgumentException(rf + ": unknown data kind \"" + data.path("kind").asText() + "\"");
        };
    }
}
