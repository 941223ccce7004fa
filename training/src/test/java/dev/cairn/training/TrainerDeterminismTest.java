package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training state's digest after N steps is the same for every thread count, both kernel sets, and a run
 * stopped at any step and resumed from its checkpoint. Surefire runs this class once per vector width too.
 */
class TrainerDeterminismTest {
    static final int STEPS = 6;
    /**
     * The digest of the tiny recipe after 6 steps: the numerical definition of Cairn's training, version 1.
     * If a change moves it, the change altered results (reduction order, an op, the RNG): that needs a new
     * state-format version, never a silent update.
     */
    static final String GOLDEN = "693872f920af00a2d29a00d85415ec3bd3878f113f297d62ffb3490ec0c546c1";

    static String train(Kernels k, int threads, int steps) {
        try (Parallel par = new Parallel(threads)) {
            Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), k, par);
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
                Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
                t.model().keepActivations(0);
                for (int s = 0; s < STEPS; s++) t.trainStep();
                assertEquals(GOLDEN, t.stateDigest(), "GPT, activations recomputed, " + threads + " threads");
            }
        }
    }

    @Test
    void digestIsIndependentOfThreadsAndKernels() {
        String ref = train(Kernels.scalar(), 1, STEPS);
        for (int threads : new int[] {1, 2, 3, 8}) {
            assertEquals(ref, train(Kernels.vector(), threads, STEPS), "vector kernels, " + threads + " threads");
        }
        for (int threads : new int[] {2, 3, 8}) {
            assertEquals(ref, train(Kernels.scalar(), threads, STEPS), "scalar kernels, " + threads + " threads");
        }
        assertEquals(GOLDEN, ref, "the numerical definition changed");
    }

    @Test
    void theUpdateTheNextForwardPassAppliesEqualsTheUpdateAtTheStepsEnd() {
        // A step's optimizer update waits for the next forward pass, which applies it layer by layer (with
        // 1 and 3 threads the tiny batch of 3 runs in sequence blocks; with 2, layer by layer). Reading the
        // state, or a validation pass, applies it at once instead; either way the state is the same.
        for (int threads : new int[] {1, 2, 3}) {
            String lazy = train(Kernels.vector(), threads, STEPS);
            try (Parallel par = new Parallel(threads)) {
                Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
                for (int s = 0; s < STEPS; s++) {
                    t.trainStep();
                    if (s % 3 == 0) t.stateDigest();
                    else if (s % 3 == 1) t.validationLoss();
                }
                assertEquals(lazy, t.stateDigest(), threads + " threads");
            }
        }
    }

    @Test
    void theModelHandedOutCarriesTheLastUpdate() {
        try (Parallel par = new Parallel(2)) {
            Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
            float[] before = t.model().params().clone();
            t.trainStep();
            assertFalse(java.util.Arrays.equals(before, t.model().params()), "the step's update is visible through model()");
        }
    }

    @Test
    void digestChangesWithTheRecipe() {
        String a = train(Kernels.vector(), 2, 2), b = train(Kernels.vector(), 2, 3);
        assertNotEquals(a, b);
    }

    @Test
    void stopAndResumeAtEveryStepGivesTheSameState(@TempDir Path dir) throws Exception {
        String ref = train(Kernels.vector(), 2, STEPS);
        for (int stop = 0; stop < STEPS; stop++) {
            Path f = dir.resolve("step-" + stop + ".ckpt");
            try (Parallel par = new Parallel(2)) {
                Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.vector(), par);
                for (int s = 0; s < stop; s++) t.trainStep();
                Checkpoint.write(f, "{}", t.step(), t.model().params(), t.moment1(), t.moment2());
            }
            try (Parallel par = new Parallel(3)) {
                Trainer t = new Trainer(TinyCorpus.recipe(STEPS), TinyCorpus.corpus(), Kernels.scalar(), par);
                Checkpoint.Contents c = Checkpoint.read(f);
                t.restore(c.step(), c.params(), c.m(), c.v());
                while (t.step() < STEPS) t.trainStep();
                assertEquals(ref, t.stateDigest(), "resumed at step " + stop);
            }
        }
    }

    @Test
    void repeatedRunsInOneWarmJvmAgree() {
        String first = train(Kernels.vector(), 2, STEPS);
        for (int i = 0; i < 3; i++) assertEquals(first, train(Kernels.vector(), 2, STEPS), "run " + (i + 2));
    }

    @Test
    void lossFallsOnTheTinyCorpus() {
        try (Parallel par = new Parallel(2)) {
            Trainer t = new Trainer(TinyCorpus.recipe(60), TinyCorpus.corpus(), Kernels.vector(), par);
            double before = t.validationLoss();
            for (int s = 0; s < 60; s++) t.trainStep();
            double after = t.validationLoss();
            assertTrue(after < before - 0.5, "validation loss " + before + " -> " + after);
        }
    }
}
