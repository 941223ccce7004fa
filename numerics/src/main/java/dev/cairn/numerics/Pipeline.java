package dev.cairn.numerics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Progress counters for stages that run at the same time, one per worker, and pass work along in a fixed
 * order: stage s starts item i only once stage s-1 has finished item i.
 *
 * <p>This is how a sum over rows keeps its row order while each core works on its own rows: stage s owns a
 * consecutive row range, and for each output chunk it continues the partial sums stage s-1 stored. The
 * bits are those of one pass over all rows (DESIGN.md, fixed reduction order); only the partial sums
 * cross cores, never the rows.
 */
public final class Pipeline {
    /** Thrown in a waiting stage when another stage failed; the failing stage reports the cause. */
    public static final class Aborted extends RuntimeException {
        private Aborted() {
            super("another pipeline stage failed", null, false, false);
        }
    }

    private static final int PAD = 16; // ints per counter: each on its own 64-byte line
    private static final int SPIN = 1 << 12;
    private static final VarHandle DONE = MethodHandles.arrayElementVarHandle(int[].class);

    private final int stages;
    private final int[] done;
    private volatile boolean aborted;

    public Pipeline(int stages) {
        if (stages < 1) throw new IllegalArgumentException("stages must be at least 1, got " + stages);
        this.stages = stages;
        this.done = new int[(stages + 1) * PAD];
    }

    public int stages() {
        return stages;
    }

    /** Sets every stage back to no items finished; call before the stages start. */
    public void reset() {
        for (int s = 0; s < stages; s++) DONE.setVolatile(done, (s + 1) * PAD, 0);
        aborted = false;
    }

    /** Records that stage has finished its first items items (its writes become visible to waiters). */
    public void finished(int stage, int items) {
        DONE.setRelease(done, (stage + 1) * PAD, items);
    }

    /** Waits until stage has finished at least items items; throws {@link Aborted} if a stage failed. */
    public void await(int stage, int items) {
        int spins = 0;
        while ((int) DONE.getAcquire(done, (stage + 1) * PAD) < items) {
            if (aborted) throw new Aborted();
            if (++spins < SPIN) Thread.onSpinWait();
            else if (spins < 2 * SPIN) Thread.yield(); // more threads than cores: let the stage ahead run
            else LockSupport.parkNanos(this, 10_000);
        }
    }

    /** Marks the pipeline failed, so stages waiting on it stop. */
    public void abort() {
        aborted = true;
    }
}
