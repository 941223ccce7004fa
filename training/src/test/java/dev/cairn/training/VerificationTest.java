package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs verify against their commitments by re-execution; every kind of tampering names its step or artifact. */
class VerificationTest {
    static final int T = 12, K = 3;
    static final byte[] BEACON = "test beacon".getBytes(StandardCharsets.US_ASCII);
    @TempDir static Path shared;
    static Path corpus, honest;

    static Recipe recipe() {
        return TrainingRunTest.recipe(T, K);
    }

    @BeforeAll
    static void trainHonestRun() throws Exception {
        corpus = TrainingRunTest.corpusFile(shared);
        honest = shared.resolve("honest");
        try (Parallel par = new Parallel(2)) { // trained with 2 threads and vector kernels...
            TrainingRun.create(honest, recipe(), corpus, CharCorpus.read(corpus, 20), Kernels.vector(), par).train(new TrainingRun.Listener() {});
        }
    }

    /** ...verified with 1 thread and the scalar reference. */
    static RunVerifier.Verdict verify(Path run, String mode) throws Exception {
        try (Parallel par = new Parallel(1)) {
            RunVerifier v = RunVerifier.open(run, RunVerifier.localCommitment(run), Kernels.scalar(), par);
            return switch (mode) {
                case "full" -> v.full(new RunVerifier.Listener() {});
                case "spot" -> v.spotCheck(BEACON, 100, K, new RunVerifier.Listener() {});
                default -> throw new AssertionError(mode);
            };
        }
    }

    static Path copyOfHonest(Path to) throws Exception {
        Files.createDirectories(to.resolve("checkpoints"));
        try (var s = Files.walk(honest)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.copy(p, to.resolve(honest.relativize(p).toString()));
        }
        return to;
    }

    @Test
    void anHonestRunVerifiesWithOtherThreadsAndKernelsInEveryMode() throws Exception {
        RunVerifier.Verdict full = verify(honest, "full");
        assertTrue(full.ok(), full.message());
        assertEquals(T, full.checkedSteps());
        assertNull(full.firstBadStep());
        RunVerifier.Verdict spot = verify(honest, "spot");
        assertTrue(spot.ok(), spot.message());
        assertEquals(List.of(0, 3, 6, 9), spot.segments());
        assertEquals(T, spot.checkedSteps());
    }

    @Test
    void transcriptIsIdenticalWithoutOverlapAndAfterAResume(@TempDir Path dir) throws Exception {
        try (Parallel par = new Parallel(1)) {
            TrainingRun.create(dir.resolve("a"), recipe(), corpus, CharCorpus.read(corpus, 20), Kernels.scalar(), par)
                    .overlapDigest(false).train(new TrainingRun.Listener() {});
        }
        assertArrayEquals(Files.readAllBytes(honest.resolve(Transcript.FILE)), Files.readAllBytes(dir.resolve("a").resolve(Transcript.FILE)));
        // Stopped after step 9 (a torn record left behind), resumed: the same transcript and commitment.
        Path b = copyOfHonest(dir.resolve("b"));
        Files.delete(b.resolve("checkpoints/step-00000012.ckpt"));
        Files.delete(b.resolve(RunCommitment.FILE));
        Files.write(b.resolve(Transcript.FILE), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        IllegalArgumentException torn = assertThrows(IllegalArgumentException.class, () -> Transcript.read(b.resolve(Transcript.FILE)));
        assertTrue(torn.getMessage().contains("torn: step 13"), torn.getMessage());
        try (Parallel par = new Parallel(2)) {
            TrainingRun r = TrainingRun.resume(b, Kernels.vector(), par);
            assertEquals(9, r.trainer().step());
            r.train(new TrainingRun.Listener() {});
            assertEquals(RunVerifier.localCommitment(honest).transcriptRoot(), r.commitment().transcriptRoot());
        }
        assertArrayEquals(Files.readAllBytes(honest.resolve(Transcript.FILE)), Files.readAllBytes(b.resolve(Transcript.FILE)));
    }

    @Test
    void aBitFlippedInACheckpointIsNamed(@TempDir Path dir) throws Exception {
        Path run = copyOfHonest(dir.resolve("r"));
        Path ck = run.resolve("checkpoints/step-00000006.ckpt");
        byte[] b = Files.readAllBytes(ck);
        b[b.length / 2] ^= 0x10;
        Files.write(ck, b);
        for (String mode : List.of("full", "spot")) {
            RunVerifier.Verdict v = verify(run, mode);
            assertFalse(v.ok());
            assertEquals("checkpoint step-00000006.ckpt", v.artifact(), v.message());
        }
    }

    @Test
    void aTrainingDocumentChangedAfterTheRunIsNamed(@TempDir Path dir) throws Exception {
        Path run = copyOfHonest(dir.resolve("r"));
        String text = Files.readString(corpus);
        Path moved = dir.resolve("tiny.txt");
        Files.writeString(moved, "Thy" + text.substring(3));
        ObjectNode runJson = (ObjectNode) TrainingRun.readJson(run.resolve("run.json"));
        ((ObjectNode) runJson.get("data")).put("file", moved.toString());
        Files.writeString(run.resolve("run.json"), runJson.toPrettyString());
        RunVerifier.Verdict v = verify(run, "full");
        assertFalse(v.ok());
        assertEquals("data", v.artifact());
        assertTrue(v.message().contains("changed after the run"), v.message());
    }

    @Test
    void sparseStateDigestsVerifyAndStillPinEveryStep(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("sparse");
        try (Parallel par = new Parallel(2)) {
            TrainingRun.create(run, recipe(), corpus, CharCorpus.read(corpus, 20), Kernels.vector(), par)
                    .stateDigestEvery(5).train(new TrainingRun.Listener() {});
        }
        RunCommitment c = RunVerifier.localCommitment(run);
        assertEquals(5, c.stateDigestEvery());
        Transcript tr = Transcript.read(run.resolve(Transcript.FILE));
        assertEquals("0".repeat(64), tr.leaf(1).stateHex(), "step 1: no state digest");
        assertNotEquals("0".repeat(64), tr.leaf(3).stateHex(), "step 3 is a checkpoint");
        assertNotEquals("0".repeat(64), tr.leaf(5).stateHex(), "step 5 is on the interval");
        assertNotEquals("0".repeat(64), tr.leaf(T).stateHex(), "the last step");
        assertTrue(verify(run, "full").ok());
        assertTrue(verify(run, "spot").ok());
        // A loss altered at a step without a state digest is still caught at that step.
        List<TranscriptLeaf> leaves = new java.util.ArrayList<>(tr.leaves());
        TranscriptLeaf l7 = leaves.get(6);
        leaves.set(6, new TranscriptLeaf(7, l7.batchSha256(), l7.lossBits() ^ 1, l7.stateSha256()));
        Files.delete(run.resolve(Transcript.FILE));
        try (Transcript w = Transcript.openForAppend(run.resolve(Transcript.FILE), 0)) {
            for (TranscriptLeaf x : leaves) w.append(x);
        }
        RunCommitment resigned = new RunCommitment(c.recipeSha256(), c.dataSha256(), c.steps(), Transcript.of(leaves).rootHex(),
                c.checkpoints(), c.finalStateSha256(), c.finalWeightsSha256(), c.trainLoss(), c.valLoss(), 5);
        Files.writeString(run.resolve(RunCommitment.FILE), resigned.toJson().toPrettyString());
        RunVerifier.Verdict v = verify(run, "full");
        assertFalse(v.ok());
        assertEquals(7, v.firstBadStep(), v.message());
    }

    @Test
    void aSkippedStepIsNamed(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("r");
        ForgedRun.forge(run, recipe(), corpus, (t, step, leaves) -> {
            if (step != 5) return ForgedRun.HONEST.take(t, step, leaves);
            // Claim step 5 without computing it: advance the counter, keep the state, reuse the last loss.
            t.restore(5, t.model().params().clone(), t.moment1().clone(), t.moment2().clone());
            TranscriptLeaf prev = leaves.getLast();
            leaves.add(new TranscriptLeaf(5, prev.batchSha256(), prev.lossBits(), HexFormat.of().parseHex(t.stateDigest())));
            return t;
        });
        assertBadStep(run, 5);
    }

    @Test
    void aDifferentLearningRateFromSomeStepOnIsNamed(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("r");
        ForgedRun.forge(run, recipe(), corpus, lrFrom(8));
        assertBadStep(run, 8);
    }

    static ForgedRun.Step lrFrom(int from) {
        return (t, step, leaves) -> {
            if (step == from) {
                Recipe r = t.recipe();
                Recipe hot = new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), r.batch(), r.steps(), r.lr() * 2, r.minLr(),
                        r.warmup(), r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), r.bias(), r.evalEvery(), r.checkpointEvery());
                Trainer t2 = new Trainer(hot, t.data(), t.model().kernels(), t.model().parallel());
                t2.restore(t.step(), t.model().params(), t.moment1(), t.moment2());
                t = t2;
            }
            return ForgedRun.HONEST.take(t, step, leaves);
        };
    }

    @Test
    void twoSwappedBatchesAreNamed(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("r");
        CharCorpus real = CharCorpus.read(corpus, 20);
        TrainingData swapped = new TrainingData() { // the batches of steps 7 and 8 (step counters 6 and 7) swapped
            public int[] train() { return real.train(); }
            public int[] validation() { return real.validation(); }
            public int vocabSize() { return real.vocabSize(); }
            public String digest() { return real.digest(); }
            public String description() { return real.description(); }
            public String decode(int[] ids, int from, int to) { return real.decode(ids, from, to); }
            public int[] encode(String text) { return real.encode(text); }
            public int windowStart(long seed, int step, int row, int limit) {
                return real.windowStart(seed, step == 6 ? 7 : step == 7 ? 6 : step, row, limit);
            }
        };
        ObjectNode identity = (ObjectNode) TrainingRun.readJson(honest.resolve("run.json")).get("data");
        try (Parallel par = new Parallel(2)) {
            TrainingRun.create(run, recipe(), swapped, identity, Kernels.vector(), par).train(new TrainingRun.Listener() {});
        }
        RunVerifier.Verdict v = assertBadStep(run, 7);
        assertTrue(v.message().startsWith("step 7: batch, loss, state differ"), v.message());
    }

    @Test
    void anAlteredLeafUnderAReSignedRootIsNamed(@TempDir Path dir) throws Exception {
        Path run = copyOfHonest(dir.resolve("r"));
        Transcript t = Transcript.read(run.resolve(Transcript.FILE));
        List<TranscriptLeaf> leaves = new java.util.ArrayList<>(t.leaves());
        TranscriptLeaf l = leaves.get(9); // step 10: a prettier loss
        leaves.set(9, new TranscriptLeaf(10, l.batchSha256(), Float.floatToRawIntBits(l.loss() * 0.5f), l.stateSha256()));
        Files.delete(run.resolve(Transcript.FILE));
        try (Transcript w = Transcript.openForAppend(run.resolve(Transcript.FILE), 0)) {
            for (TranscriptLeaf x : leaves) w.append(x);
        }
        RunCommitment c = RunVerifier.localCommitment(run);
        RunCommitment resigned = new RunCommitment(c.recipeSha256(), c.dataSha256(), c.steps(), Transcript.of(leaves).rootHex(),
                c.checkpoints(), c.finalStateSha256(), c.finalWeightsSha256(), c.trainLoss(), c.valLoss());
        Files.writeString(run.resolve(RunCommitment.FILE), resigned.toJson().toPrettyString());
        RunVerifier.Verdict v = assertBadStep(run, 10);
        assertTrue(v.message().startsWith("step 10: loss differs"), v.message());
        // Under the original commitment the same transcript fails on its root.
        try (Parallel par = new Parallel(1)) {
            RunVerifier.Verdict w = RunVerifier.open(run, c, Kernels.scalar(), par).full(new RunVerifier.Listener() {});
            assertEquals("transcript", w.artifact(), w.message());
        }
    }

    @Test
    void replacedFinalWeightsAreNamed(@TempDir Path dir) throws Exception {
        Path run = copyOfHonest(dir.resolve("r"));
        Path last = run.resolve("checkpoints/step-00000012.ckpt");
        Checkpoint.Contents c = Checkpoint.read(last);
        float[] p = c.params().clone();
        p[0] += 1f;
        Checkpoint.write(last, c.metaJson(), c.step(), p, c.m(), c.v());
        RunVerifier.Verdict v = verify(run, "spot");
        assertFalse(v.ok());
        assertEquals("checkpoint step-00000012.ckpt", v.artifact(), v.message());
        // A forger who also re-commits the new file's digest is caught by the state and the weights digests.
        RunCommitment old = RunVerifier.localCommitment(run);
        List<RunCommitment.CheckpointRef> refs = old.checkpoints().stream()
                .map(r -> r.step() == T ? new RunCommitment.CheckpointRef(T, sha(last)) : r).toList();
        RunCommitment forged = new RunCommitment(old.recipeSha256(), old.dataSha256(), T, old.transcriptRoot(), refs,
                old.finalStateSha256(), old.finalWeightsSha256(), 0, 0);
        try (Parallel par = new Parallel(1)) {
            RunVerifier.Verdict w = RunVerifier.open(run, forged, Kernels.scalar(), par).full(new RunVerifier.Listener() {});
            assertFalse(w.ok());
            assertTrue(w.message().contains("does not hold the state the transcript records for step 12"), w.message());
        }
    }

    @Test
    void aRecipeOtherThanTheCommittedOneIsNamed(@TempDir Path dir) throws Exception {
        Path run = copyOfHonest(dir.resolve("r"));
        ObjectNode runJson = (ObjectNode) TrainingRun.readJson(run.resolve("run.json"));
        ((ObjectNode) runJson.get("recipe")).put("seed", 43);
        Files.writeString(run.resolve("run.json"), runJson.toPrettyString());
        RunVerifier.Verdict v = verify(run, "full");
        assertFalse(v.ok());
        assertEquals("recipe", v.artifact(), v.message());
    }

    @Test
    void aGovernedRunRefusesARecipeWithAnotherSeedThanTheApprovedOne(@TempDir Path dir) throws Exception {
        String root = "ab".repeat(32), tok = "cd".repeat(32);
        GovernedRun.RunRecipe approved = new GovernedRun.RunRecipe(recipe(), "tiny@1", root, tok, GovernedRun.CAIRN_VERSION, "unknown");
        Recipe r = recipe();
        Recipe reseeded = new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), r.batch(), r.steps(), r.lr(), r.minLr(), r.warmup(),
                r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), 43, r.bias(), r.evalEvery(), r.checkpointEvery());
        GovernedRun.Approval ap = new GovernedRun.Approval("ef".repeat(32), "01".repeat(32), 2,
                new dev.cairn.governance.Action.StartRun("tiny-run", approved.digest(), root, tok, ""));
        GovernedRun.RunRecipe other = new GovernedRun.RunRecipe(reseeded, "tiny@1", root, tok, GovernedRun.CAIRN_VERSION, "unknown");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GovernedRun.checkInputs(ap, other, dir.resolve("r.json"), dir));
        assertTrue(e.getMessage().startsWith("recipe: ") && e.getMessage().contains(approved.digest()), e.getMessage());
        GovernedRun.RunRecipe otherRoot = new GovernedRun.RunRecipe(recipe(), "tiny@1", root, tok, "0.0.9", "unknown");
        GovernedRun.Approval ap2 = new GovernedRun.Approval(ap.communityId(), ap.proposal(), 2,
                new dev.cairn.governance.Action.StartRun("tiny-run", otherRoot.digest(), "99".repeat(32), tok, ""));
        e = assertThrows(IllegalArgumentException.class, () -> GovernedRun.checkInputs(ap2, otherRoot, dir.resolve("r.json"), dir));
        assertTrue(e.getMessage().startsWith("dataset_root: "), e.getMessage());
    }

    @Test
    void theDisputeGameFindsTheFirstDifferingStepAndTheHonestSide(@TempDir Path dir) throws Exception {
        Path forged = dir.resolve("forged");
        ForgedRun.forge(forged, recipe(), corpus, lrFrom(8));
        try (Parallel par = new Parallel(1)) {
            RunVerifier.Side other = side(forged);
            RunVerifier.Verdict v = RunVerifier.open(honest, RunVerifier.localCommitment(honest), Kernels.scalar(), par)
                    .dispute(other, new RunVerifier.Listener() {});
            assertTrue(v.ok(), v.message());
            assertTrue(v.message().startsWith("this run computed step 8 correctly"), v.message());
            assertTrue(v.rounds() <= RunVerifier.ceilLog2(T), "rounds " + v.rounds());
            assertTrue(v.reexecutedSteps() <= K, "re-executed " + v.reexecutedSteps());
            RunVerifier.Verdict w = RunVerifier.open(forged, RunVerifier.localCommitment(forged), Kernels.scalar(), par)
                    .dispute(side(honest), new RunVerifier.Listener() {});
            assertFalse(w.ok());
            assertEquals(8, w.firstBadStep());
            // A side that reveals a leaf outside its committed root loses.
            RunVerifier.Side lying = new RunVerifier.Side("liar", other.transcript(), new byte[32]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    RunVerifier.open(honest, RunVerifier.localCommitment(honest), Kernels.scalar(), par).dispute(lying, new RunVerifier.Listener() {}));
            assertTrue(e.getMessage().contains("inclusion proof fails"), e.getMessage());
        }
    }

    static RunVerifier.Side side(Path run) throws Exception {
        return new RunVerifier.Side(run.getFileName().toString(), Transcript.read(run.resolve(Transcript.FILE)),
                HexFormat.of().parseHex(RunVerifier.localCommitment(run).transcriptRoot()));
    }

    @Test
    void segmentsDependOnlyOnTheBeacon() {
        List<Integer> c = List.of(0, 50, 100, 150, 200, 250, 300);
        List<Integer> a = RunVerifier.chooseSegments(BEACON, c, 3);
        assertEquals(a, RunVerifier.chooseSegments(BEACON, c, 3));
        assertEquals(3, a.stream().distinct().count());
        assertNotEquals(a, RunVerifier.chooseSegments("other".getBytes(StandardCharsets.US_ASCII), c, 3));
        assertEquals(c, RunVerifier.chooseSegments(BEACON, c, 10));
    }

    static RunVerifier.Verdict assertBadStep(Path run, int step) throws Exception {
        RunVerifier.Verdict v = verify(run, "full");
        assertFalse(v.ok(), v.message());
        assertEquals(step, v.firstBadStep(), v.message());
        RunVerifier.Verdict s = verify(run, "spot");
        assertFalse(s.ok(), s.message());
        assertEquals(step, s.firstBadStep(), s.message());
        return v;
    }

    static String sha(Path f) {
        try {
            return Checkpoint.fileDigest(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
