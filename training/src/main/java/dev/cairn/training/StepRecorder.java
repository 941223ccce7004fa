package dev.cairn.training;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns trainer steps into transcript leaves. The state digest (SHA-256 over parameters and both moments,
 * ~10 MB on the default recipe) is taken on a second thread while the next step's forward and backward
 * passes run: those only read the parameters and never touch the moments, and the trainer waits for the digest
 * ({@link Trainer#beforeUpdate}) before its optimizer writes them. So a step's leaf is complete one step later,
 * or at {@link #flush}.
 */
final class StepRecorder implements AutoCloseable {
    private record Pending(int step, byte[] batch, int lossBits, Future<byte[]> state) {}

    private static final byte[] NO_STATE = new byte[32];

    private final Trainer trainer;
    private final ExecutorService hasher;
    private final int stateEvery;
    private Pending pending;

    /** With {@code overlap} false the digest is taken at once on the caller's thread (same bytes, slower). */
    StepRecorder(Trainer trainer, boolean overlap) {
        this(trainer, overlap, 1);
    }

    /**
     * Leaves carry the state digest every {@code stateEvery} steps, at every checkpoint step and at the last
     * step; other leaves carry 32 zero bytes there (their batch digest and loss bits still pin the step).
     */
    StepRecorder(Trainer trainer, boolean overlap, int stateEvery) {
        if (stateEvery < 1) throw new IllegalArgumentException("state digest interval must be at least 1, got " + stateEvery);
        this.stateEvery = stateEvery;
        this.trainer = trainer;
        this.hasher = overlap ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-state-digest");
            t.setDaemon(true);
            return t;
        }) : null;
        trainer.beforeUpdate = this::awaitPending;
    }

    /** Records the step just taken; returns the previous step's leaf when it completes now, else null. */
    TranscriptLeaf record(Trainer.StepResult r) {
        TranscriptLeaf done = pending == null ? null : complete(pending);
        byte[] batch = trainer.lastBatchDigest();
        int loss = Float.floatToRawIntBits(r.loss());
        int step = trainer.step();
        if (!hasState(trainer.recipe(), step, stateEvery)) {
            pending = null;
            if (done != null) {
                // Keep leaves in step order: the previous step's leaf first, this one on the next call.
                pending = new Pending(step, batch, loss, java.util.concurrent.CompletableFuture.completedFuture(NO_STATE));
                return done;
            }
            return new TranscriptLeaf(step, batch, loss, NO_STATE);
        }
        trainer.flushUpdate(); // the digest reads the state after this step's update
        if (hasher == null) {
            pending = null;
            TranscriptLeaf now = new TranscriptLeaf(step, batch, loss, trainer.stateDigestBytes(step));
            if (done != null) throw new AssertionError("a leaf was pending without overlap");
            return now;
        }
        pending = new Pending(step, batch, loss, hasher.submit(() -> trainer.stateDigestBytes(step)));
        return done;
    }

    /** Whether the leaf of {@code step} carries the state digest. */
    static boolean hasState(Recipe r, int step, int every) {
        return every <= 1 || step % every == 0 || step == r.steps() || (r.checkpointEvery() > 0 && step % r.checkpointEvery() == 0);
    }

    /** Completes the leaf in flight, if any (waiting for its digest). */
    TranscriptLeaf flush() {
        if (pending == null) return null;
        TranscriptLeaf l = complete(pending);
        pending = null;
        return l;
    }

    private void awaitPending() {
        if (pending != null) get(pending.state());
    }

    private static TranscriptLeaf complete(Pending p) {
        return new TranscriptLeaf(p.step(), p.batch(), p.lossBits(), get(p.state()));
    }

    private static byte[] get(Future<byte[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing the training state", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("hashing the training state failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (pending != null) {
            pending.state().cancel(false);
            pending = null;
        }
        trainer.beforeUpdate = null;
        if (hasher != null) hasher.shutdownNow();
    }
}
