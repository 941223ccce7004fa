package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO-1 on P ranks (threads of this JVM): shards are whole norm chunks covering the parameters once; each rank
 * holds the moments of its shard only; a checkpoint gathered from the shards is the very file one process writes,
 * and it resumes on another rank count with the same bits.
 */
class OptimizerShardTest {
    interface RankJob {
        String run(int rank, Trainer t) throws Exception;
    }

    static List<String> onRanks(Recipe r, int processes, RankJob job) throws Exception {
        LocalRanks group = new LocalRanks(processes);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            List<Future<String>> f = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                Ranks ranks = group.rank(p);
                int rank = p;
                f.add(pool.submit(() -> {
                    try (Parallel par = new Parallel(1)) {
                        return job.run(rank, new Trainer(r, TinyCorpus.corpus(), Kernels.vector(), par, ranks));
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
    void shardsAreWholeNormChunksCoveringEveryParameterOnce() {
        for (int n : new int[] {1, 8191, 8192, 27_000, 1_000_003}) {
            for (int p : new int[] {1, 2, 4, 8}) {
                int[] b = OptimizerShard.bounds(n, p);
                assertEquals(0, b[0]);
                assertEquals(n, b[p]);
                for (int s = 1; s <= p; s++) {
                    assertTrue(b[s] >= b[s - 1], "ordered");
                    if (s < p) assertTrue(b[s] % Trainer.NORM_CHUNK == 0 || b[s] == n, "cut at a chunk: " + b[s]);
                }
                boolean[] seen = new boolean[p];
                for (int r = 0; r < p; r++) seen[OptimizerShard.shardOf(r, p)] = true;
                for (boolean x : seen) assertTrue(x, "every shard has one owner");
            }
        }
        int[] four = new int[4];
        for (int r = 0; r < 4; r++) four[r] = OptimizerShard.shardOf(r, 4);
        assertArrayEquals(new int[] {0, 2, 1, 3}, four, "rank r owns shard bit-reverse(r)");
    }

    @Test
    void eachRankHoldsOnlyItsShardOfTheMoments() throws Exception {
        Recipe r = MicroBatchTest.recipe(4);
        long whole;
        try (Parallel par = new Parallel(1)) {
            whole = new Trainer(r, TinyCorpus.corpus(), Kernels.vector(), par).optimizerStateBytes();
        }
        for (int p : new int[] {2, 4}) {
            List<String> bytes = onRanks(r, p, (rank, t) -> {
                t.trainStep();
                return Long.toString(t.optimizerStateBytes());
            });
            long sum = 0;
            for (String b : bytes) {
                sum += Long.parseLong(b);
                assertTrue(Long.parseLong(b) <= whole / p + 8L * Trainer.NORM_CHUNK, p + " ranks: " + b + " of " + whole);
            }
            assertEquals(whole, sum, p + " ranks hold the moments once between them");
        }
    }

    @Test
    void aCheckpointGatheredFromShardsIsTheFileOneProcessWritesAndResumesOnAnotherCount(@TempDir Path tmp) throws Exception {
        Recipe r = MicroBatchTest.recipe(4).withMicroBatches(4);
        Path one = tmp.resolve("one.ckpt");
        String end;
        try (Parallel par = new Parallel(2)) {
            Trainer t = new Trainer(r, TinyCorpus.corpus(), Kernels.vector(), par);
            t.trainStep();
            t.trainStep();
            Checkpoint.write(one, "{}", t.step(), t.model().params(), t.moment1(), t.moment2());
            t.trainStep();
            t.trainStep();
            end = t.stateDigest();
        }
        Path two = tmp.resolve("two.ckpt");
        onRanks(r, 2, (rank, t) -> {
            t.trainStep();
            t.trainStep();
            if (rank == 0) Checkpoint.write(two, "{}", t.step(), t.model().params().length, t::writeState);
            else t.writeState((a, off, n) -> fail("only rank 0 receives the state"));
            return "";
        });
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two), "the same checkpoint bytes from 2 ranks");
        Checkpoint.Contents c = Checkpoint.read(two);
        List<String> resumed = onRanks(r, 4, (rank, t) -> {
            t.restore(c.step(), c.params().clone(), c.m(), c.v());
            t.trainStep();
            t.trainStep();
            return t.stateDigest();
        });
        for (String d : resumed) assertEquals(end, d, "resumed on 4 ranks from a 2-rank checkpoint: " + resumed);
        assertFalse(Arrays.equals(new byte[32], java.util.HexFormat.of().parseHex(end)));
    }
}
