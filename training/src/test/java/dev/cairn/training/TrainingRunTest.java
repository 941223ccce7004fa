package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.*;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
    static Path corpusFile(Path dir) throws Exception {
        Path f = dir.resolve("tiny.txt");
        Files.writeString(f, TinyCorpus.text(3000));
        return f;
    }

    static Recipe recipe(int steps, int ckptEvery) {
        Recipe r = TinyCorpus.recipe(steps);
        return new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), r.batch(), steps, r.lr(), r.minLr(), r.warmup(),
                r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), r.bias(), 4, ckptEvery);
    }

    @Test
    void runWritesCheckpointsMetricsPlotAndResumesToTheSameState(@TempDir Path dir) throws Exception {
        Path data = corpusFile(dir);
        String full;
        try (Parallel par = new Parallel(2)) {
            TrainingRun run = TrainingRun.create(dir.resolve("a"), recipe(8, 3), data, CharCorpus.read(data, 20), Kernels.vector(), par);
            TrainingRun.Summary s = run.train(new TrainingRun.Listener() {});
            full = s.stateSha256();
            assertEquals(8, s.steps());
            assertTrue(Files.readString(dir.resolve("a/loss.svg")).startsWith("<svg"));
            assertEquals(8, Files.readAllLines(dir.resolve("a/metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count());
            try (Stream<Path> ck = Files.list(dir.resolve("a/checkpoints"))) {
                assertEquals(java.util.List.of("step-00000000.ckpt", "step-00000003.ckpt", "step-00000006.ckpt", "step-00000008.ckpt"),
                        ck.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
        // A run interrupted after step 6 (its later checkpoint gone) resumes to the same final state.
        try (Parallel par = new Parallel(1)) {
            TrainingRun run = TrainingRun.create(dir.resolve("b"), recipe(8, 3), data, CharCorpus.read(data, 20), Kernels.scalar(), par);
            run.train(new TrainingRun.Listener() {});
        }
        Files.delete(dir.resolve("b/checkpoints/step-00000008.ckpt"));
        try (Parallel par = new Parallel(3)) {
            TrainingRun run = TrainingRun.resume(dir.resolve("b"), Kernels.vector(), par);
            assertEquals(6, run.trainer().step());
            assertEquals(full, run.train(new TrainingRun.Listener() {}).stateSha256());
        }
        assertEquals(8, Files.readAllLines(dir.resolve("b/metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count(),
                "metrics after the resume point are replaced, not duplicated");
    }

    @Test
    void corruptOrTruncatedCheckpointsAreRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.ckpt");
        float[] p = {1, 2, 3}, m = {4, 5, 6}, v = {7, 8, 9};
        Checkpoint.write(f, "{\"a\":1}", 5, p, m, v);
        Checkpoint.Contents c = Checkpoint.read(f);
        assertArrayEquals(p, c.params());
        assertEquals(5, c.step());
        byte[] bytes = Files.readAllBytes(f);
        bytes[40] ^= 1;
        Files.write(f, bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
        Files.write(f, java.util.Arrays.copyOf(bytes, 30));
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary files left behind");
        }
    }

    @Test
    void divergenceStopsAtTheStepAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path data = corpusFile(dir);
        Recipe r = recipe(20, 1);
        Recipe wild = new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), r.batch(), 20, 1e30f, 0f, 0, 0f, r.beta1(),
                r.beta2(), r.eps(), 0f, r.seed(), r.bias(), 0, 1);
        try (Parallel par = new Parallel(2)) {
            TrainingRun run = TrainingRun.create(dir.resolve("w"), wild, data, CharCorpus.read(data, 20), Kernels.vector(), par);
            Trainer.NonFiniteLossException e = assertThrows(Trainer.NonFiniteLossException.class, () -> run.train(new TrainingRun.Listener() {}));
            assertTrue(e.getMessage().contains("step " + (e.step + 1)), e.getMessage());
            Path last = TrainingRun.latestCheckpoint(dir.resolve("w"));
            Checkpoint.Contents c = Checkpoint.read(last);
            assertEquals(e.step, c.step(), "the newest checkpoint is the state before the bad step");
            for (float x : c.params()) assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void badRecipesAndDataAreRefusedWithTheirReason(@TempDir Path dir) throws Exception {
        Path data = corpusFile(dir);
        Recipe r = TinyCorpus.recipe(5);
        assertThrows(IllegalArgumentException.class, () -> new Recipe(2, 3, 32, 20, 3, 5, 1e-3f, 1e-4f, 0, 0f, 0.9f, 0.99f, 1e-8f, 1f, 1, false, 0, 0).validate(),
                "heads must divide embd");
        assertThrows(IllegalArgumentException.class, () -> new Recipe(0, 2, 32, 20, 3, 5, 1e-3f, 1e-4f, 0, 0f, 0.9f, 0.99f, 1e-8f, 1f, 1, false, 0, 0).validate());
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CharCorpus.read(empty, 20)).getMessage().contains("empty"));
        Path shortFile = Files.writeString(dir.resolve("short.txt"), "to be or not to be");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CharCorpus.read(shortFile, 20)).getMessage().contains("too short"));
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'a', (byte) 0xC3, (byte) 0x28});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CharCorpus.read(bad, 2)).getMessage().contains("UTF-8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CharCorpus.read(dir.resolve("nope.txt"), 2)).getMessage().contains("not found"));
        Recipe longCtx = new Recipe(r.layers(), r.heads(), r.embd(), 5000, r.batch(), 5, r.lr(), r.minLr(), r.warmup(),
                r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), r.bias(), 0, 0);
        try (Parallel par = new Parallel(1)) {
            CharCorpus c = new CharCorpus(TinyCorpus.text(3000), "tiny", 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(longCtx, c, Kernels.vector(), par));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
        }
    }
}
