package dev.cairn.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a run against what it committed to ({@link RunCommitment}), by re-executing it: the whole run
 * ({@link #full}), Q segments chosen by a public beacon ({@link #spotCheck}), or the dispute game against
 * another transcript ({@link #dispute}). Equality is exact: every leaf's batch digest, loss bits and state
 * digest. Execution settings (threads, kernels, vector width) are the verifier's own; results do not depend
 * on them.
 *
 * <p>Before any re-execution the artifacts are checked against the commitment: the recipe (run.json), the
 * training data's digest, the transcript's Merkle root and length, each checkpoint used by the SHA-256 of its
 * file, and the final checkpoint's weights and state.
 */
public final class RunVerifier {
    /** The outcome. {@code firstBadStep} is null when no step is to blame (ok, or a bad artifact). */
    public record Verdict(boolean ok, String mode, int checkedSteps, Integer firstBadStep, String artifact,
                          String message, double seconds, List<Integer> segments, int rounds, int reexecutedSteps) {
        public ObjectNode toJson() {
            ObjectNode n = TrainingRun.JSON.createObjectNode();
            n.put("ok", ok).put("mode", mode).put("checked_steps", checkedSteps);
            if (firstBadStep == null) n.putNull("first_bad_step");
            else n.put("first_bad_step", firstBadStep);
            if (artifact == null) n.putNull("bad_artifact");
            else n.put("bad_artifact", artifact);
            n.put("message", message);
            n.put("seconds", Math.round(seconds * 1000) / 1000.0);
            if (!segments.isEmpty()) {
                var a = n.putArray("segments");
                segments.forEach(a::add);
            }
            if (mode.equals("dispute")) n.put("rounds", rounds).put("reexecuted_steps", reexecutedSteps);
            return n;
        }
    }

    /** Progress; every method has a no-op default. */
    public interface Listener {
        default void info(String line) {}
        default void progress(int done, int total) {}
    }

    private final Path dir;
    private final RunCommitment committed;
    private final Recipe recipe;
    private final TrainingData data;
    private final Kernels kernels;
    private final Parallel parallel;
    /** The processes re-executing together (data-parallel, as the trainer), or one. */
    private final Ranks ranks;
    private final long t0 = System.nanoTime();
    private Transcript transcript;

    private RunVerifier(Path dir, RunCommitment committed, Recipe recipe, TrainingData data, Kernels k, Parallel par, Ranks ranks) {
        this.ranks = ranks;
        this.dir = dir;
        this.committed = committed;
        this.recipe = recipe;
        this.data = data;
        this.kernels = k;
        this.parallel = par;
    }

    /** The commitment a run directory holds ({@code run-finished.json}): unsigned, so only as good as its source. */
    public static RunCommitment localCommitment(Path runDir) throws IOException {
        Path f = runDir.resolve(RunCommitment.FILE);
        if (!Files.exists(f)) throw new IllegalArgumentException("run " + runDir + " has no " + RunCommitment.FILE + " (did it finish, with its transcript?)");
        return RunCommitment.fromJson(TrainingRun.readJson(f), f.toString());
    }

    /** Opens a run for verification against {@code committed}. Missing files are errors; mismatches are verdicts. */
    public static RunVerifier open(Path runDir, RunCommitment committed, Kernels k, Parallel par) throws IOException {
        return open(runDir, committed, k, par, Ranks.single());
    }

    /**
     * As above, re-executing on several processes (an MPI job): every rank runs the same verification, each step
     * data-parallel as in training, and gets the same verdict; the caller lets rank 0 speak.
     */
    public static RunVerifier open(Path runDir, RunCommitment committed, Kernels k, Parallel par, Ranks ranks) throws IOException {
        Path runFile = runDir.resolve("run.json");
        if (!Files.exists(runFile)) throw new IllegalArgumentException("no run in " + runDir + " (run.json missing)");
        JsonNode run = TrainingRun.readJson(runFile);
        Recipe recipe = Recipe.fromJson(run.get("recipe"), runFile.toString());
        TrainingData data = TrainingRun.openData(run.path("data"), recipe);
        return new RunVerifier(runDir, committed, recipe, data, k, par, ranks);
    }

    public Recipe recipe() { return recipe; }
    public RunCommitment commitment() { return committed; }

    private double seconds() { return (System.nanoTime() - t0) / 1e9; }

    private Verdict bad(String mode, String artifact, Integer step, String message, int checked, List<Integer> segs) {
        return new Verdict(false, mode, checked, step, artifact, message, seconds(), segs, 0, 0);
    }

    /** Checks recipe, data, transcript and final checkpoint against the commitment; a failing verdict or null. */
    private Verdict checkArtifacts(String mode, Listener l) throws IOException {
        String rd = RunCommitment.recipeDigest(recipe);
        if (!rd.equals(committed.recipeSha256())) {
            return bad(mode, "recipe", null, "run.json's recipe has SHA-256 " + rd + ", the run committed to " + committed.recipeSha256(), 0, List.of());
        }
        if (!data.digest().equals(committed.dataSha256())) {
            return bad(mode, "data", null, "the training data (" + data.description() + ") has digest " + data.digest()
                    + ", the run committed to " + committed.dataSha256() + ": it changed after the run", 0, List.of());
        }
        Path tf = dir.resolve(Transcript.FILE);
        try {
            transcript = Transcript.read(tf);
        } catch (IllegalArgumentException e) {
            return bad(mode, "transcript", null, e.getMessage(), 0, List.of());
        }
        if (transcript.size() != committed.steps()) {
            return bad(mode, "transcript", null, tf + " holds " + transcript.size() + " steps, the run committed to " + committed.steps(), 0, List.of());
        }
        if (committed.steps() != recipe.steps()) {
            return bad(mode, "recipe", null, "the recipe has " + recipe.steps() + " steps, the run committed to " + committed.steps(), 0, List.of());
        }
        if (!transcript.rootHex().equals(committed.transcriptRoot())) {
            return bad(mode, "transcript", null, tf + " has Merkle root " + transcript.rootHex() + ", the run committed to "
                    + committed.transcriptRoot(), 0, List.of());
        }
        if (!transcript.leaf(committed.steps()).stateHex().equals(committed.finalStateSha256())) {
            return bad(mode, "transcript", committed.steps(), "the last leaf's state differs from the committed final state", 0, List.of());
        }
        l.info("artifacts: recipe, data, transcript (" + transcript.size() + " steps, root " + committed.transcriptRoot().substring(0, 16) + "…) match the commitment");
        // The final weights: the last checkpoint must be the committed file, holding the committed weights and state.
        Trainer t = new Trainer(recipe, data, kernels, parallel, ranks);
        Verdict v = loadCheckpoint(mode, t, committed.steps());
        if (v != null) return v;
        if (!t.weightsDigest().equals(committed.finalWeightsSha256())) {
            return bad(mode, "final weights", null, "the final checkpoint's weights have SHA-256 " + t.weightsDigest()
                    + ", the run committed to " + committed.finalWeightsSha256(), 0, List.of());
        }
        l.info("final checkpoint: weights " + committed.finalWeightsSha256().substring(0, 16) + "… and state match the commitment");
        return null;
    }

    /** Loads the committed checkpoint of {@code step} into {@code t}, checking its file digest and its state. */
    private Verdict loadCheckpoint(String mode, Trainer t, int step) throws IOException {
        RunCommitment.CheckpointRef ref = committed.checkpoint(step);
        String name = String.format(java.util.Locale.ROOT, "checkpoint step-%08d.ckpt", step);
        if (ref == null) return bad(mode, name, null, "the run committed no checkpoint at step " + step, 0, List.of());
        Path f = dir.resolve("checkpoints").resolve(String.format(java.util.Locale.ROOT, "step-%08d.ckpt", step));
        if (!Files.exists(f)) return bad(mode, name, null, f + " is missing", 0, List.of());
        String got = Checkpoint.fileDigest(f);
        if (!got.equals(ref.sha256())) {
            return bad(mode, name, null, f + " has SHA-256 " + got + ", the run committed to " + ref.sha256(), 0, List.of());
        }
        Checkpoint.Contents c = Checkpoint.read(f);
        if (c.step() != step) return bad(mode, name, null, f + " holds step " + c.step(), 0, List.of());
        String want = step == 0 ? new Trainer(recipe, data, kernels, parallel, ranks).stateDigest() : transcript.leaf(step).stateHex();
        t.restore(c.step(), c.params(), c.m(), c.v());
        if (!t.stateDigest().equals(want)) {
            return bad(mode, name, step == 0 ? null : step, f + " does not hold the state the transcript records for step " + step, 0, List.of());
        }
        return null;
    }

    /** Full replay: every step from the initial state, every leaf compared; every committed checkpoint file checked. */
    public Verdict full(Listener l) throws IOException {
        Verdict v = checkArtifacts("full", l);
        if (v != null) return v;
        Trainer t = new Trainer(recipe, data, kernels, parallel, ranks);
        for (RunCommitment.CheckpointRef ref : committed.checkpoints()) {
            v = loadCheckpoint("full", t, ref.step());
            if (v != null) return v;
        }
        l.info("checkpoints: all " + committed.checkpoints().size() + " files match their committed SHA-256 and transcript states");
        t = new Trainer(recipe, data, kernels, parallel, ranks);
        int[] n = {0};
        Integer badStep = replayComparing(t, committed.steps(), l, n, committed.steps());
        if (badStep != null) return bad("full", null, badStep, explain(badStep), n[0], List.of());
        return new Verdict(true, "full", n[0], null, null, "all " + n[0] + " steps re-executed; every leaf matches the committed transcript",
                seconds(), List.of(), 0, 0);
    }

    private final List<TranscriptLeaf> lastMismatch = new ArrayList<>();

    private Integer replayComparing(Trainer t, int to, Listener l, int[] counter, int total) {
        try (StepRecorder rec = new StepRecorder(t, ranks.size() == 1, committed.stateDigestEvery())) { // digests are collectives on several ranks
            while (t.step() < to) {
                TranscriptLeaf done = rec.record(t.trainStep());
                counter[0]++;
                if (mismatch(done)) return done.step();
                l.progress(counter[0], total);
            }
            TranscriptLeaf last = rec.flush();
            if (mismatch(last)) return last.step();
        }
        return null;
    }

    private boolean mismatch(TranscriptLeaf recomputed) {
        if (recomputed == null) return false;
        TranscriptLeaf claimed = transcript.leaf(recomputed.step());
        if (recomputed.equals(claimed)) return false;
        lastMismatch.clear();
        lastMismatch.add(recomputed);
        lastMismatch.add(claimed);
        return true;
    }

    private String explain(int step) {
        TranscriptLeaf re = lastMismatch.get(0), cl = lastMismatch.get(1);
        return "step " + step + ": " + re.differences(cl) + " differ" + (re.differences(cl).contains(",") ? "" : "s")
                + " (recomputed " + re + ", transcript " + cl + ")";
    }

    /** The checkpoints a spot check may start from: committed ones before the last step. */
    public List<Integer> segmentStarts() {
        List<Integer> s = new ArrayList<>();
        for (RunCommitment.CheckpointRef c : committed.checkpoints()) if (c.step() < committed.steps()) s.add(c.step());
        return s.stream().sorted().distinct().toList();
    }

    /**
     * Picks {@code q} distinct starts from {@code candidates}, driven by the beacon only: a Fisher–Yates draw
     * where draw i uses SHA-256("cairn-spot-check-v1" || beacon || u32be i). Sorted.
     */
    public static List<Integer> chooseSegments(byte[] beacon, List<Integer> candidates, int q) {
        List<Integer> pool = new ArrayList<>(candidates);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < q && !pool.isEmpty(); i++) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update("cairn-spot-check-v1".getBytes(StandardCharsets.US_ASCII));
                md.update(beacon);
                md.update(ByteBuffer.allocate(4).putInt(i).array());
                long r = ByteBuffer.wrap(md.digest()).getLong() >>> 1;
                out.add(pool.remove((int) (r % pool.size())));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }
        out.sort(null);
        return out;
    }

    /** Spot check: {@code q} segments of {@code segment} steps, each from a committed checkpoint the beacon picks. */
    public Verdict spotCheck(byte[] beacon, int q, int segment, Listener l) throws IOException {
        if (q < 1) throw new IllegalArgumentException("--spot-check needs at least 1 segment, got " + q);
        if (segment < 1) throw new IllegalArgumentException("--segment must be at least 1 step, got " + segment);
        Verdict v = checkArtifacts("spot-check", l);
        if (v != null) return v;
        List<Integer> starts = chooseSegments(beacon, segmentStarts(), q);
        l.info("beacon " + HexFormat.of().formatHex(beacon).substring(0, 16) + "… picks " + starts.size() + " of "
                + segmentStarts().size() + " checkpoints: " + starts);
        Trainer t = new Trainer(recipe, data, kernels, parallel, ranks);
        int total = 0;
        for (int s : starts) total += Math.min(segment, committed.steps() - s);
        int[] n = {0};
        for (int s : starts) {
            v = loadCheckpoint("spot-check", t, s);
            if (v != null) return new Verdict(false, v.mode(), n[0], v.firstBadStep(), v.artifact(), v.message(), seconds(), starts, 0, 0);
            int end = Math.min(s + segment, committed.steps());
            Integer badStep = replayComparing(t, end, l, n, total);
            if (badStep != null) return bad("spot-check", null, badStep, explain(badStep), n[0], starts);
            l.info("segment " + (s + 1) + ".." + end + ": every leaf matches");
        }
        return new Verdict(true, "spot-check", n[0], null, null, starts.size() + " segments, " + n[0]
                + " steps re-executed; every leaf matches the committed transcript", seconds(), starts, 0, 0);
    }

    /** One side of a dispute: a transcript and the root it committed to. */
    public record Side(String name, Transcript transcript, byte[] committedRoot) {}

    /**
     * The dispute game against {@code other}: bisect both committed transcripts, each revealed leaf checked by
     * an RFC 6962 inclusion proof against its side's committed root, to the first step where they differ (at most
     * ⌈log₂ T⌉ rounds), then re-execute that step from the last checkpoint both agree on and say which side
     * computed it. The verdict is ok when this run's side is the correct one.
     */
    public Verdict dispute(Side other, Listener l) throws IOException {
        Verdict v = checkArtifacts("dispute", l);
        if (v != null) return v;
        Side mine = new Side("this run", transcript, HexFormat.of().parseHex(committed.transcriptRoot()));
        int T = committed.steps();
        if (other.transcript().size() != T) {
            throw new IllegalArgumentException(other.name() + " holds " + other.transcript().size() + " steps, this run " + T + ": not the same run");
        }
        if (Arrays.equals(other.committedRoot(), mine.committedRoot())) {
            return new Verdict(true, "dispute", 0, null, null, "no dispute: both sides committed to the same transcript root", seconds(), List.of(), 0, 0);
        }
        // Invariant: every leaf up to lo is agreed (lo = 0: the initial state, fixed by the recipe); some leaf in (lo, hi] differs.
        int lo = 0, hi = T, rounds = 0;
        boolean hiRevealed = false;
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            rounds++;
            boolean same = reveal(mine, mid).equals(reveal(other, mid));
            l.info("round " + rounds + ": step " + mid + (same ? " agreed" : " differs") + " (both leaves proven against their roots)");
            if (same) lo = mid;
            else {
                hi = mid;
                hiRevealed = true;
            }
        }
        if (!hiRevealed) {
            rounds++;
            if (reveal(mine, hi).equals(reveal(other, hi))) {
                return bad("dispute", "transcript", null, "the roots differ but no step differs on the bisection path", 0, List.of());
            }
        }
        int step = hi;
        l.info("first differing step: " + step + " after " + rounds + " rounds (⌈log₂ " + T + "⌉ = " + ceilLog2(T) + ")");
        // Settle: re-execute from the last checkpoint at or before step - 1; both sides agree on its leaf.
        int from = 0;
        for (RunCommitment.CheckpointRef c : committed.checkpoints()) if (c.step() <= step - 1 && c.step() > from) from = c.step();
        if (from > 0 && !reveal(mine, from).equals(reveal(other, from))) {
            return bad("dispute", "transcript", from, "the sides disagree at checkpoint step " + from + " before the bisected step", 0, List.of());
        }
        Trainer t = new Trainer(recipe, data, kernels, parallel, ranks);
        v = loadCheckpoint("dispute", t, from);
        if (v != null) return v;
        TranscriptLeaf recomputed = null;
        try (StepRecorder rec = new StepRecorder(t, false, committed.stateDigestEvery())) {
            while (t.step() < step) recomputed = rec.record(t.trainStep());
        }
        int re = step - from;
        TranscriptLeaf a = reveal(mine, step), b = reveal(other, step);
        boolean mineRight = recomputed.equals(a), otherRight = recomputed.equals(b);
        String who = mineRight ? "this run computed step " + step + " correctly; " + other.name() + " did not (" + recomputed.differences(b) + ")"
                : otherRight ? other.name() + " computed step " + step + " correctly; this run did not (" + recomputed.differences(a) + ")"
                : "neither side computed step " + step + " correctly";
        l.info("re-executed steps " + (from + 1) + ".." + step + " from checkpoint " + from + ": " + who);
        return new Verdict(mineRight, "dispute", re, mineRight ? null : step, null, who, seconds(), List.of(), rounds, re);
    }

    /** A side reveals its leaf for {@code step} with an inclusion proof, checked against its committed root. */
    private static TranscriptLeaf reveal(Side side, int step) {
        TranscriptLeaf leaf = side.transcript().leaf(step);
        List<byte[]> proof = side.transcript().inclusionProof(step);
        if (!MerkleTree.verifyInclusion(leaf.leafHash(), step - 1, side.transcript().size(), proof, side.committedRoot())) {
            throw new IllegalArgumentException(side.name() + ": the leaf of step " + step + " is not in its committed transcript (inclusion proof fails)");
        }
        return leaf;
    }

    public static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
