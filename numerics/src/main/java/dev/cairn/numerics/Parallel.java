package dev.cairn.numerics;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool for data-parallel loops. Work is split by <em>output ownership</em>: every task writes
 * outputs no other task touches, and the value of each output never depends on which thread computed it, so
 * results are identical for any thread count (DESIGN.md, determinism rules). Tasks are claimed dynamically;
 * that is safe precisely because of output ownership.
 *
 * <p>Workers spin briefly before parking: a training step opens a few hundred short parallel regions, and
 * a park/unpark round trip per region would cost more than the region itself.
 */
public final class Parallel implements AutoCloseable {
    /** A task over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** A task that also learns which worker (0..threads-1) runs it, for per-worker scratch buffers. */
    @FunctionalInterface
    public interface WorkerTask {
        void run(int task, int worker);
    }

    private static final int SPIN = 1 << 14;

    private final int threads;
    private final Thread[] workers;
    private volatile WorkerTask job;
    private volatile int jobTasks, jobPinned;
    private final AtomicInteger nextTask = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int w = 1; w < threads; w++) {
            int id = w;
            Thread t = new Thread(() -> workerLoop(id), "cairn-worker-" + w);
            t.setDaemon(true);
            workers[w - 1] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs task(i, worker) for every i in [0, tasks); returns when all are done. */
    public void forEach(int tasks, WorkerTask task) {
        forEach(tasks, 0, task);
    }

    /**
     * Like {@link #forEach(int, WorkerTask)}, but tasks [0, pinned) are split into one contiguous block per
     * worker (worker w runs [pinned*w/threads, pinned*(w+1)/threads)), so a row range lands on the same core
     * region after region and its data stays in that core's cache. Each worker then claims from the
     * remaining tasks [pinned, tasks). Which worker runs a task never changes a result (output ownership).
     */
    public void forEach(int tasks, int pinned, WorkerTask task) {
        if (tasks <= 0) return;
        if (pinned < 0 || pinned > tasks) throw new IllegalArgumentException("pinned " + pinned + " outside [0, " + tasks + "]");
        if (threads == 1 || tasks == 1) {
            for (int i = 0; i < tasks; i++) task.run(i, 0);
            return;
        }
        caller = Thread.currentThread();
        job = task;
        jobTasks = tasks;
        jobPinned = pinned;
        nextTask.set(pinned);
        pending.set(threads - 1);
        generation = generation + 1; // publish (volatile write after the fields above)
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            drain(task, tasks, pinned, 0);
        } catch (RuntimeException | Error e) {
            failure = e;
            nextTask.set(tasks); // the others stop claiming work
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins > SPIN) LockSupport.parkNanos(this, 20_000);
            else Thread.onSpinWait();
        }
        job = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            throw new IllegalStateException(f);
        }
    }

    /**
     * Runs task(s) for every stage s of pipe at the same time, each on a worker of its own (so pipe may have
     * at most {@link #threads()} stages), for work that passes items from stage to stage through pipe. If a
     * stage fails, pipe is aborted so the stages waiting on it stop, and the failure is thrown here.
     */
    public void forEachStage(Pipeline pipe, java.util.function.IntConsumer task) {
        int stages = pipe.stages();
        if (stages > threads) throw new IllegalArgumentException(stages + " pipeline stages need as many workers, have " + threads);
        pipe.reset();
        // With stages <= threads, every pinned block holds at most one stage: each stage gets its own worker.
        forEach(stages, stages, (s, w) -> {
            try {
                task.accept(s);
            } catch (Pipeline.Aborted stopped) {
                // another stage failed and reports why
            } catch (RuntimeException | Error e) {
                pipe.abort();
                throw e;
            }
        });
    }

    /** Splits [0, n) into at most threads contiguous chunks (each at least minChunk long) and runs them. */
    public void forRange(int n, int minChunk, RangeTask task) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(threads, n / Math.max(1, minChunk)));
        if (chunks == 1) {
            task.run(0, n);
            return;
        }
        forEach(chunks, (c, w) -> task.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    private void drain(WorkerTask task, int tasks, int pinned, int worker) {
        int end = (int) ((long) pinned * (worker + 1) / threads);
        for (int i = (int) ((long) pinned * worker / threads); i < end && failure == null; i++) task.run(i, worker);
        int i;
        while ((i = nextTask.getAndIncrement()) < tasks) task.run(i, worker);
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                int spins = 0;
                while (generation == seen && !closed) {
                    if (++spins > SPIN) LockSupport.park(this);
                    else Thread.onSpinWait();
                }
                continue;
            }
            seen = g;
            WorkerTask task = job;
            try {
                if (task != null) drain(task, jobTasks, jobPinned, id);
            } catch (Throwable t) {
                failure = t;
                nextTask.set(Integer.MAX_VALUE / 2);
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
