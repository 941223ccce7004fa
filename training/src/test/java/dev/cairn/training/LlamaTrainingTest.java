package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training a Llama-style model keeps every guarantee of the GPT path: the state digest is the same for every
 * thread count and both kernel sets (and, since Surefire runs this class per vector width, every width), and
 * for a run stopped at any step and resumed; a golden digest pins the definition.
 */
class LlamaTrainingTest {
    static final int STEPS = 5;
    /** The tiny Llama recipe's state after 5 steps: changing it means a new state version, never a silent update. */
    static final String GOLDEN = "2a30cd06cfaefaf820647bbe6e2223b315cdf22d5555313270d231aa30db824b";

    /** 2 layers, 4 heads over 2 key/value heads, 32 wide, context 20, batch 3, untied head, MLP rounded to 16. */
    static Recipe recipe(int steps) {
        return new Recipe(2, 4, 32, 20, 3, steps, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 0)
                .withLlama(2, 500000.0, 16, false);
    }

    static String train(Kernels k, int threads, int steps) {
        try (Parallel par = new Parallel(threads)) {
            Trainer t = new Trainer(recipe(STEPS), TinyCorpus.corpus(), k, par);
            for (int s = 0; s < steps; s++) t.trainStep();
            return t.stateDigest();
        }
    }

    @Test
    void recomputedActivationsGiveTheGoldenDigest() {
        // The trainer keeps every layer's activations when the heap has room; here the backward pass recomputes
        // all but the last layer's (0 kept) with the update fused into the next forward pass, staged and by layer.
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel par = new Parallel(threads)) {
                Trainer t = new Trainer(recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
                t.model().keepActivations(0);
                for (int s = 0; s < STEPS; s++) t.trainStep();
                assertEquals(GOLDEN, t.stateDigest(), "Llama, activations recomputed, " + threads + " threads");
            }
        }
    }

    @Test
    void digestIsIndependentOfThreadsAndKernels() {
        String ref = train(Kernels.scalar(), 1, STEPS);
        for (int threads : new int[] {1, 2, 3, 8}) {
            assertEquals(ref, train(Kernels.vector(), threads, STEPS), "vector kernels, " + threads + " threads");
        }
        assertEquals(ref, train(Kernels.scalar(), 3, STEPS), "scalar kernels, 3 threads");
        assertEquals(GOLDEN, ref, "the numerical definition of Llama training changed");
    }

    @Test
    void stopAndResumeAtEveryStepGivesTheSameState(@TempDir Path dir) throws Exception {
        String ref = train(Kernels.vector(), 2, STEPS);
        for (int stop = 0; stop < STEPS; stop++) {
            Path f = dir.resolve("step-" + stop + ".ckpt");
            try (Parallel par = new Parallel(2)) {
                Trainer t = new Trainer(recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
                for (int s = 0; s < stop; s++) t.trainStep();
                Checkpoint.write(f, "{\"recipe\":{\"arch\":\"llama\"}}", t.step(), t.model().params(), t.moment1(), t.moment2());
            }
            try (Parallel par = new Parallel(3)) {
                Trainer t = new Trainer(recipe(STEPS), TinyCorpus.corpus(), Kernels.scalar(), par);
                Checkpoint.Contents c = Checkpoint.read(f);
                TrainingRun.checkArchitecture(f, c, t.recipe());
                t.restore(c.step(), c.params(), c.m(), c.v());
                while (t.step() < STEPS) t.trainStep();
                assertEquals(ref, t.stateDigest(), "resumed at step " + stop);
            }
        }
    }

    @Test
    void lossFalls() {
        try (Parallel par = new Parallel(2)) {
            Trainer t = new Trainer(recipe(60), TinyCorpus.corpus(), Kernels.vector(), par);
            double before = t.validationLoss();
            for (int s = 0; s < 60; s++) t.trainStep();
            double after = t.validationLoss();
            assertTrue(after < before - 0.5, "validation loss " + before + " -> " + after);
        }
    }

    @Test
    void aGptRecipeKeepsItsDigestAndALlamaRecipeStatesEveryField() throws Exception {
        Recipe gpt = TinyCorpus.recipe(STEPS);
        String json = TrainingRun.JSON.writeValueAsString(gpt);
        for (String k : new String[] {"arch", "kv_heads", "rope_theta", "multiple_of", "tie_embeddings"}) {
            assertFalse(json.contains("\"" + k + "\""), k + " is not written for gpt2");
        }
        Recipe explicit = TrainingRun.JSON.readValue(json.replace("{", "{\"arch\":\"gpt2\","), Recipe.class);
        assertEquals(RunCommitment.recipeDigest(gpt), RunCommitment.recipeDigest(explicit), "arch gpt2 is the original recipe");
        Recipe defaults = new Recipe(2, 4, 32, 20, 3, 5, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 0)
                .withLlama(null, null, null, null);
        assertEquals(4, defaults.kvHeads());
        assertEquals(10000.0, defaults.ropeTheta());
        assertEquals(256, defaults.multipleOf());
        assertEquals(Boolean.TRUE, defaults.tieEmbeddings());
    }

    @Test
    void badLlamaRecipesNameTheField() {
        Recipe base = new Recipe(2, 4, 32, 20, 3, 5, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 0);
        assertEquals("kv_heads (3) must divide heads (4)",
                assertThrows(IllegalArgumentException.class, () -> base.withLlama(3, null, null, null).validate()).getMessage());
        Recipe odd = new Recipe(2, 4, 20, 20, 3, 5, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 0);
        assertEquals("head size (embd / heads = 5) must be even for rotary embeddings",
                assertThrows(IllegalArgumentException.class, () -> odd.withLlama(null, null, null, null).validate()).getMessage());
        assertEquals("bias: arch llama has no biases",
                assertThrows(IllegalArgumentException.class, () -> TinyCorpus.recipe(5).withLlama(null, null, null, null).validate()).getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> Recipe.fromJson(TrainingRun.JSON.readTree(
                TrainingRun.JSON.writeValueAsString(base).replace("{", "{\"arch\":\"mamba\",")), "run.json"));
        assertEquals("run.json: recipe: unknown arch 'mamba' (expected gpt2 or llama)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Recipe.fromJson(TrainingRun.JSON.readTree(
                TrainingRun.JSON.writeValueAsString(base).replace("{", "{\"kv_heads\":2,")), "run.json"));
        assertEquals("run.json: recipe: kv_heads applies only to arch llama (this recipe is gpt2)", e.getMessage());
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("step-00000000.ckpt");
        try (Parallel par = new Parallel(1)) {
            Trainer gpt = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
            Checkpoint.write(f, "{\"recipe\":{\"layers\":2}}", 0, gpt.model().params(), gpt.moment1(), gpt.moment2());
        }
        Checkpoint.Contents c = Checkpoint.read(f);
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.checkArchitecture(f, c, recipe(STEPS)));
        assertEquals(f + ": the checkpoint holds a gpt2 model but the run's recipe is arch llama; a checkpoint resumes only as its own architecture",
                e.getMessage());
    }

    @Test
    void presetsHaveTheirPublishedSizes() {
        assertEquals(124_439_808, Recipe.preset("gpt2-124m").validate().modelConfig(50257).parameterCount(), "GPT-2 small, as Hugging Face counts it");
        Recipe llama = Recipe.preset("llama-100m").validate();
        assertEquals("llama", llama.architecture());
        assertEquals(2048, ((dev.cairn.model.LlamaConfig) llama.modelConfig(32000)).hidden());
        assertEquals(100_092_672, llama.modelConfig(32000).parameterCount());
        assertEquals(8, llama.batch());
        assertEquals("unknown preset 'gpt5' (expected gpt2-124m or llama-100m)",
                assertThrows(IllegalArgumentException.class, () -> Recipe.preset("gpt5")).getMessage());
    }

    @Test
    void microBatchesGiveTheSameBitsOnOneOrTwoRanks() throws Exception {
        Recipe r = new Recipe(2, 4, 32, 20, 4, 3, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, false, 0, 0)
                .withLlama(2, 10000.0, 16, true).withMicroBatches(2);
        String one = MicroBatchTest.train(r, Kernels.scalar(), 1);
        assertEquals(one, MicroBatchTest.train(r, Kernels.vector(), 3), "threads and kernels");
        assertEquals(List.of(one, one), MicroBatchTest.trainRanks(r, 2, 1), "two data-parallel ranks");
    }
}
