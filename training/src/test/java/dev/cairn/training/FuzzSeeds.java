package dev.cairn.training;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the valid inputs the training room's fuzz targets start from (Jazzer reads
 * {@code src/test/resources/dev/cairn/training/<Target>Inputs/<method>/}); run by {@code bin/fuzz --seeds}.
 * The first byte of checkpoint and transcript seeds is 1: the target recomputes their checksums.
 */
public final class FuzzSeeds {
    private FuzzSeeds() {}

    public static void main(String[] args) throws Exception {
        Path res = Path.of(args.length > 0 ? args[0] : "src/test/resources/dev/cairn/training");
        Path tmp = Files.createTempDirectory("cairn-seeds");
        Path ckpt = tmp.resolve("c.ckpt");
        float[] p = {0.5f, -1f, 2f, 0f}, m = {0f, 0.1f, 0f, 0f}, v = {0f, 0.01f, 0f, 1e-8f};
        Checkpoint.write(ckpt, "{\"format\":\"cairn-run-v1\"}", 3, p, m, v);
        byte[] c = Files.readAllBytes(ckpt);
        write(res, "CheckpointFuzzTest", "checkpoint", "seed-small", prefixed(java.util.Arrays.copyOf(c, c.length - 32)));
        // a real run, one layer 8 wide, 4 steps: its transcript, commitment and recipe
        Recipe r = new Recipe(1, 1, 8, 8, 1, 4, 3e-3f, 3e-4f, 1, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 2);
        Path corpus = Files.writeString(tmp.resolve("tiny.txt"), TinyCorpus.text(400));
        try (Parallel par = new Parallel(1)) {
            TrainingRun.create(tmp.resolve("run"), r, corpus, CharCorpus.read(corpus, r.ctx()), Kernels.scalar(), par)
                    .train(new TrainingRun.Listener() {});
        }
        write(res, "TranscriptFuzzTest", "transcript", "seed-four-steps", prefixed(Files.readAllBytes(tmp.resolve("run").resolve(Transcript.FILE))));
        write(res, "RunCommitmentFuzzTest", "commitment", "seed-run-finished", Files.readAllBytes(tmp.resolve("run").resolve(RunCommitment.FILE)));
        GovernedRun.RunRecipe rr = new GovernedRun.RunRecipe(r, "shakespeare@1", "ab".repeat(32), "cd".repeat(32), "0.1.0", "unknown");
        write(res, "RecipeFuzzTest", "recipe", "seed-run-recipe", TrainingRun.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rr.toJson()));
        Recipe llama = new Recipe(1, 2, 8, 8, 1, 4, 3e-3f, 3e-4f, 1, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 2).withLlama(1, 10000.0, 8, false);
        GovernedRun.RunRecipe lr = new GovernedRun.RunRecipe(llama, "shakespeare@1", "ab".repeat(32), "cd".repeat(32), "0.1.0", "unknown");
        write(res, "RecipeFuzzTest", "recipe", "seed-llama-recipe", TrainingRun.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(lr.toJson()));
        dev.cairn.ledger.Leftovers.delete(tmp);
    }

    static byte[] prefixed(byte[] b) {
        byte[] out = new byte[b.length + 1];
        out[0] = 1;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    static void write(Path res, String target, String method, String name, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(res.resolve(target + "Inputs").resolve(method));
        Files.write(d.resolve(name), bytes);
    }
}
