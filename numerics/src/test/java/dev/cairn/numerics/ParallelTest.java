package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyTaskRunsExactlyOnceWhateverIsPinned() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (Parallel par = new Parallel(threads)) {
                for (int tasks : new int[] {1, 2, 7, 8, 64}) {
                    for (int pinned : new int[] {0, 1, tasks / 2, tasks}) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                        for (int round = 0; round < 20; round++) {
                            par.forEach(tasks, pinned, (i, w) -> {
                                assertTrue(w >= 0 && w < threads, "worker id " + w);
                                runs.incrementAndGet(i);
                            });
                        }
                        for (int i = 0; i < tasks; i++) {
                            assertEquals(20, runs.get(i), "task " + i + " of " + tasks + ", " + pinned + " pinned, " + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void pinnedTasksStayWithTheirWorker() {
        try (Parallel par = new Parallel(2)) {
            int[] owner = new int[8];
            for (int round = 0; round < 50; round++) {
                par.forEach(8, 8, (i, w) -> owner[i] = w);
                for (int i = 0; i < 8; i++) assertEquals(i < 4 ? 0 : 1, owner[i], "task " + i + " in round " + round);
            }
        }
    }

    @Test
    void aFailingTaskFailsTheLoopAndThePoolStaysUsable() {
        try (Parallel par = new Parallel(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            for (int pinned : new int[] {0, 6}) {
                RuntimeException e = assertThrows(RuntimeException.class, () -> par.forEach(12, pinned, (i, w) -> {
                    if (i == 5) throw boom;
                }));
                assertSame(boom, e);
                AtomicIntegerArray runs = new AtomicIntegerArray(12);
                par.forEach(12, pinned, (i, w) -> runs.incrementAndGet(i));
                for (int i = 0; i < 12; i++) assertEquals(1, runs.get(i));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Parallel(2).forEach(4, 5, (i, w) -> {}));
    }
}
