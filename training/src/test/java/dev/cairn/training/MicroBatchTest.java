package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Micro-batches: M = 1 is the original definition (golden digest and recipe digest unchanged); for each M the
 * state is the same bits for every thread count, kernel set, and number of data-parallel ranks.
 */
class MicroBatchTest {
    static final int STEPS = 4;

    /** The tiny recipe with batch 4, so that M = 1, 2, 4 all divide it. */
    static Recipe recipe(int m) {
        Recipe r = TinyCorpus.recipe(STEPS);
        return new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), 4, STEPS, r.lr(), r.minLr(), r.warmup(), r.weightDecay(),
                r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), r.bias(), 0, 0).withMicroBatches(m);
    }

    static String train(Recipe r, Kernels k, int threads) {
        try (Parallel par = new Parallel(threads)) {
            Trainer t = new Trainer(r, TinyCorpus.corpus(), k, par);
            while (t.step() < r.steps()) t.trainStep();
            return t.stateDigest();
        }
    }

    /** P ranks in threads of this JVM, each its own trainer; returns every rank's final state digest. */
    static List<String> trainRanks(Recipe r, int processes, int threads) throws Exception {
        LocalRanks group = new LocalRanks(processes);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            List<Future<String>> f = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                Ranks ranks = group.rank(p);
                f.add(pool.submit(() -> {
                    try (Parallel par = new Parallel(threads)) {
                        Trainer t = new Trainer(r, TinyCorpus.corpus(), Kernels.vector(), par, ranks);
                        while (t.step() < r.steps()) t.trainStep();
                        return t.stateDigest();
                    }
                }));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> x : f) out.add(x.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneMicroBatchIsTheOriginalDefinition() throws Exception {
        Recipe r = TinyCorpus.recipe(TrainerDeterminismTest.STEPS);
        Recipe m1 = r.withMicroBatches(1);
        assertEquals(r, m1);
        assertNull(m1.microBatches(), "M = 1 is stored as absent");
        assertEquals(RunCommitment.recipeDigest(r), RunCommitment.recipeDigest(m1), "recipe digest unchanged");
        assertFalse(TrainingRun.JSON.writeValueAsString(m1).contains("micro_batches"));
        assertEquals(TrainerDeterminismTest.GOLDEN, train(m1, Kernels.vector(), 2));
        assertNotEquals(RunCommitment.recipeDigest(r), RunCommitment.recipeDigest(recipe(2)), "the digest covers M");
    }

    @Test
    void eachMicroBatchCountGivesTheSameBitsOnAnyThreadCountAndKernels() {
        String m1 = train(recipe(1), Kernels.vector(), 1);
        for (int m : new int[] {2, 4}) {
            String ref = train(recipe(m), Kernels.scalar(), 1);
            for (int threads : new int[] {1, 2, 3}) {
                assertEquals(ref, train(recipe(m), Kernels.vector(), threads), "M " + m + ", " + threads + " threads");
            }
            assertNotEquals(m1, ref, "M " + m + " is a different summation than M 1");
        }
    }

    @Test
    void ranksGiveTheBitsOfOneProcess() throws Exception {
        for (int m : new int[] {2, 4}) {
            String single = train(recipe(m), Kernels.vector(), 2);
            for (int p = 2; p <= m; p *= 2) {
                for (int threads : new int[] {1, 2}) {
                    for (String d : trainRanks(recipe(m), p, threads)) assertEquals(single, d, "M " + m + ", " + p + " ranks x " + threads + " threads");
                }
            }
        }
    }

    @Test
    void badLayoutsAreRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> DataParallel.checkLayout(4, 3));
        assertTrue(e.getMessage().contains("process count (3) must divide the micro-batch count M (4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataParallel.checkLayout(6, 3));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> recipe(3).validate());
        assertTrue(e.getMessage().contains("micro_batches (3) must divide batch (4)"), e.getMessage());
    }

    @Test
    void ranksStartedDifferentlyAreNamed() throws Exception {
        LocalRanks group = new LocalRanks(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> f = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                Ranks ranks = group.rank(p);
                Map<String, String> fields = new LinkedHashMap<>();
                fields.put("recipe", "abc");
                fields.put("data", p == 0 ? "d0" : "d1");
                f.add(pool.submit(() -> {
                    try {
                        DataParallel.agree(ranks, fields);
                        return "agreed";
                    } catch (IllegalArgumentException e) {
                        return e.getMessage();
                    }
                }));
            }
            for (Future<String> x : f) assertTrue(x.get().startsWith("rank 1 was started with a different data than rank 0 (d1 vs d0)"), x.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
