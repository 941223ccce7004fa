package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelineTest {
    @Test
    void everyItemPassesTheStagesInOrder() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (Parallel par = new Parallel(threads)) {
                for (int stages = 1; stages <= threads; stages++) {
                    Pipeline pipe = new Pipeline(stages);
                    int items = 200;
                    // Each item's chain: stage s appends s; a stage that ran early would break the order.
                    long[] chain = new long[items];
                    Set<Long> workers = Collections.synchronizedSet(new HashSet<>());
                    for (int round = 0; round < 5; round++) {
                        java.util.Arrays.fill(chain, 0);
                        int S = stages;
                        par.forEachStage(pipe, s -> {
                            workers.add(Thread.currentThread().threadId());
                            for (int i = 0; i < items; i++) {
                                if (s > 0) pipe.await(s - 1, i + 1);
                                chain[i] = chain[i] * 10 + (s + 1);
                                if (i % 7 == s) Thread.onSpinWait();
                                pipe.finished(s, i + 1);
                            }
                        });
                        long expected = 0;
                        for (int s = 0; s < S; s++) expected = expected * 10 + (s + 1);
                        for (int i = 0; i < items; i++) assertEquals(expected, chain[i], "item " + i + ", " + S + " stages, " + threads + " threads");
                    }
                    assertTrue(workers.size() >= stages, stages + " stages ran on " + workers.size() + " threads");
                    workers.clear();
                }
            }
        }
    }

    @Test
    void aFailingStageStopsTheOthersAndThePoolStaysUsable() {
        try (Parallel par = new Parallel(3)) {
            Pipeline pipe = new Pipeline(3);
            IllegalStateException boom = new IllegalStateException("boom");
            RuntimeException e = assertThrows(RuntimeException.class, () -> par.forEachStage(pipe, s -> {
                for (int i = 0; i < 100; i++) {
                    if (s > 0) pipe.await(s - 1, i + 1);
                    if (s == 1 && i == 3) throw boom; // stage 2 now waits for an item that never comes
                    pipe.finished(s, i + 1);
                }
            }));
            assertSame(boom, e);
            int[] count = new int[3];
            par.forEachStage(pipe, s -> {
                for (int i = 0; i < 10; i++) {
                    if (s > 0) pipe.await(s - 1, i + 1);
                    count[s]++;
                    pipe.finished(s, i + 1);
                }
            });
            assertArrayEquals(new int[] {10, 10, 10}, count, "every stage runs every item after a failed round");
        }
        try (Parallel par = new Parallel(2)) {
            assertThrows(IllegalArgumentException.class, () -> par.forEachStage(new Pipeline(3), s -> {}));
        }
    }
}
