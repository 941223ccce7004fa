package dev.cairn.training;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A dishonest trainer for tests: it writes a run directory exactly as {@link TrainingRun} does (honest run.json,
 * transcript, checkpoints, a self-consistent run-finished.json, as if signed), but each step is whatever
 * {@link Step} does. Verification must find the first step where that differs from the recipe.
 */
final class ForgedRun {
    /** Takes step {@code step} (1-based) on {@code t} and returns its leaf; may return another trainer to continue with. */
    interface Step {
        Trainer take(Trainer t, int step, List<TranscriptLeaf> leaves) throws Exception;
    }

    static final Step HONEST = (t, step, leaves) -> {
        leaves.add(t.leaf(t.trainStep()));
        return t;
    };

    static RunCommitment forge(Path dir, Recipe recipe, Path corpus, Step step) throws Exception {
        try (Parallel par = new Parallel(2)) {
            TrainingRun run = TrainingRun.create(dir, recipe, corpus, CharCorpus.read(corpus, recipe.ctx()), Kernels.vector(), par);
            Trainer t = run.trainer();
            String meta = Files.readString(dir.resolve("run.json"));
            List<TranscriptLeaf> leaves = new ArrayList<>();
            List<RunCommitment.CheckpointRef> refs = new ArrayList<>();
            refs.add(checkpoint(run, t, meta));
            while (leaves.size() < recipe.steps()) {
                t = step.take(t, leaves.size() + 1, leaves);
                if (leaves.size() % recipe.checkpointEvery() == 0 || leaves.size() == recipe.steps()) refs.add(checkpoint(run, t, meta));
            }
            Transcript tx = Transcript.openForAppend(dir.resolve(Transcript.FILE), 0);
            for (TranscriptLeaf l : leaves) tx.append(l);
            tx.sync();
            tx.close();
            RunCommitment c = new RunCommitment(RunCommitment.recipeDigest(recipe), t.data().digest(), recipe.steps(),
                    tx.rootHex(), refs, t.stateDigest(), t.weightsDigest(), 0, 0);
            TrainingRun.writeAtomically(dir.resolve(RunCommitment.FILE), c.toJson().toPrettyString());
            return c;
        }
    }

    private static RunCommitment.CheckpointRef checkpoint(TrainingRun run, Trainer t, String meta) throws Exception {
        Path f = run.checkpointPath(t.step());
        Checkpoint.write(f, meta, t.step(), t.model().params(), t.moment1(), t.moment2());
        return new RunCommitment.CheckpointRef(t.step(), Checkpoint.fileDigest(f));
    }
}
