package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            String[] lines = out.strip().split("\n");
            return new ObjectMapper().readTree(lines[lines.length - 1]);
        }
    }

    static Result cairn(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Cairn.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new Result(code, o.toString(), e.toString());
    }

    @TempDir static Path dir;
    static Path data;
    static final String[] TINY = {"--layers", "2", "--heads", "2", "--embd", "32", "--ctx", "16", "--batch", "2",
            "--steps", "4", "--eval-every", "0", "--checkpoint-every", "2", "--warmup", "1"};

    @BeforeAll
    static void corpus() throws Exception {
        data = dir.resolve("shakespeare.txt");
        try (var in = TrainCommandTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, java.util.Arrays.copyOf(in.readAllBytes(), 20_000));
        }
    }

    static String[] args(String... extra) {
        String[] a = new String[TINY.length + extra.length];
        System.arraycopy(extra, 0, a, 0, extra.length);
        System.arraycopy(TINY, 0, a, extra.length, TINY.length);
        return a;
    }

    @Test
    void sameDigestForAnyThreadsAndKernelsThenResumeAndGenerate() throws Exception {
        Result a = cairn(args("train", "--data", data.toString(), "--out", dir.resolve("a").toString(), "--threads", "1", "--kernels", "scalar", "--json"));
        assertEquals(0, a.code(), a.err());
        Result b = cairn(args("train", "--data", data.toString(), "--out", dir.resolve("b").toString(), "--threads", "2", "--kernels", "vector", "--json"));
        assertEquals(0, b.code(), b.err());
        JsonNode ja = a.json(), jb = b.json();
        assertEquals(ja.get("state_sha256").asText(), jb.get("state_sha256").asText());
        for (String key : new String[] {"val_loss", "train_loss", "steps", "tokens_per_s", "seconds"}) assertTrue(ja.has(key), key);
        assertEquals(4, ja.get("steps").asInt());
        assertTrue(Files.exists(dir.resolve("a/loss.svg")));
        assertTrue(Files.exists(dir.resolve("a/metrics.jsonl")));

        // Resuming a finished run changes nothing; a run cut back to step 2 resumes to the same digest.
        try (Stream<Path> s = Files.list(dir.resolve("b/checkpoints"))) {
            for (Path p : s.toList()) if (p.getFileName().toString().compareTo("step-00000002.ckpt") > 0) Files.delete(p);
        }
        Result r = cairn("train", "--resume", dir.resolve("b").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(ja.get("state_sha256").asText(), r.json().get("state_sha256").asText());

        Result g1 = cairn("generate", "--run", dir.resolve("a").toString(), "--prompt", "ROMEO:", "--tokens", "40", "--seed", "3");
        Result g2 = cairn("generate", "--run", dir.resolve("b").toString(), "--prompt", "ROMEO:", "--tokens", "40", "--seed", "3", "--threads", "1");
        assertEquals(0, g1.code(), g1.err());
        assertEquals(g1.out(), g2.out());
        assertTrue(g1.out().startsWith("ROMEO:"));
        assertEquals(6 + 40, g1.out().strip().codePointCount(0, g1.out().strip().length()), g1.out());
        Result greedy = cairn("generate", "--run", dir.resolve("a").toString(), "--prompt", "ROMEO:", "--tokens", "10", "--greedy");
        assertEquals(0, greedy.code(), greedy.err());
    }

    @Test
    void trainsOnARegisteredDatasetWithAStoredTokenizer() throws Exception {
        String home = dir.resolve("home").toString();
        Result add = cairn("data", "add", data.toString(), "--dataset", "bard", "--license", "LicenseRef-PublicDomain",
                "--source", "https://example.org/shakespeare", "--home", home);
        assertEquals(0, add.code(), add.err());
        Result tok = cairn("tokenizer", "train", "--dataset", "bard@1", "--vocab", "300", "--home", home);
        assertEquals(0, tok.code(), tok.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tokenizer ([0-9a-f]{64})").matcher(tok.out());
        assertTrue(m.find(), tok.out());
        String tid = m.group(1).substring(0, 12);
        Result a = cairn(args("train", "--dataset", "bard@1", "--tokenizer", tid, "--home", home, "--out", dir.resolve("ds-a").toString(),
                "--threads", "1", "--kernels", "scalar", "--json"));
        assertEquals(0, a.code(), a.err());
        Result b = cairn(args("train", "--dataset", "bard@1", "--tokenizer", tid, "--home", home, "--out", dir.resolve("ds-b").toString(),
                "--threads", "2", "--json"));
        assertEquals(0, b.code(), b.err());
        assertEquals(a.json().get("state_sha256").asText(), b.json().get("state_sha256").asText());
        JsonNode run = new ObjectMapper().readTree(dir.resolve("ds-a/run.json").toFile());
        assertEquals("bard@1", run.at("/data/dataset").asText());
        assertEquals(64, run.at("/data/dataset_root").asText().length());
        Result g = cairn("generate", "--run", dir.resolve("ds-a").toString(), "--prompt", "KING", "--tokens", "5");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().startsWith("KING"));
        expectError(cairn(args("train", "--dataset", "bard@1", "--home", home, "--out", dir.resolve("ds-c").toString())), "--tokenizer");
        expectError(cairn(args("train", "--dataset", "nosuch@1", "--tokenizer", tid, "--home", home, "--out", dir.resolve("ds-c").toString())), "nosuch");
    }

    @Test
    void recipeFileAndFlagsCombine() throws Exception {
        Path recipe = Files.writeString(dir.resolve("recipe.json"), "{\"layers\": 1, \"heads\": 2, \"embd\": 16, \"ctx\": 8, \"batch\": 2, \"steps\": 2}");
        Result a = cairn("train", "--data", data.toString(), "--out", dir.resolve("rf").toString(), "--recipe", recipe.toString(),
                "--steps", "3", "--json");
        assertEquals(0, a.code(), a.err());
        assertEquals(3, a.json().get("steps").asInt());
        JsonNode run = new ObjectMapper().readTree(dir.resolve("rf/run.json").toFile());
        assertEquals(1, run.at("/recipe/layers").asInt());
        Path badKey = Files.writeString(dir.resolve("bad-recipe.json"), "{\"layerz\": 1}");
        Result bad = cairn("train", "--data", data.toString(), "--out", dir.resolve("rf2").toString(), "--recipe", badKey.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown key \"layerz\""), bad.err());
    }

    @Test
    void badInputGetsOneLineAndNonZeroExit() throws Exception {
        String out = dir.resolve("never").toString();
        expectError(cairn(args("train", "--data", dir.resolve("missing.txt").toString(), "--out", out)), "not found");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        expectError(cairn(args("train", "--data", empty.toString(), "--out", out)), "empty");
        Path tiny = Files.writeString(dir.resolve("short.txt"), "First Citizen: speak.");
        expectError(cairn(args("train", "--data", tiny.toString(), "--out", out)), "too short");
        expectError(cairn("train", "--data", data.toString(), "--out", out, "--ctx", "100000"), "context");
        expectError(cairn("train", "--data", data.toString(), "--out", out, "--heads", "3", "--embd", "32"), "divide");
        expectError(cairn("train", "--data", data.toString(), "--out", out, "--layers", "0"), "layers must be positive");
        expectError(cairn("train", "--data", data.toString(), "--out", out, "--batch", "-2"), "batch must be positive");
        Result unknown = cairn("train", "--data", data.toString(), "--out", out, "--layres", "2");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("--layres"), unknown.err());
        assertFalse(Files.exists(dir.resolve("never")), "no run directory is left behind by refused input");
    }

    @Test
    void corruptCheckpointOnResumeIsNamedAndLeftAlone() throws Exception {
        Result a = cairn(args("train", "--data", data.toString(), "--out", dir.resolve("c").toString()));
        assertEquals(0, a.code(), a.err());
        Path last = dir.resolve("c/checkpoints/step-00000004.ckpt");
        byte[] bytes = Files.readAllBytes(last);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        Files.write(last, cut);
        Result r = cairn("train", "--resume", dir.resolve("c").toString());
        expectError(r, "step-00000004.ckpt is corrupt or truncated");
        assertArrayEquals(cut, Files.readAllBytes(last), "the checkpoint is left as it was");
    }

    @Test
    void divergenceNamesTheStepAndExitsNonZero() throws Exception {
        Result r = cairn(args("train", "--data", data.toString(), "--out", dir.resolve("nan").toString(), "--lr", "1e30",
                "--grad-clip", "0", "--min-lr", "0"));
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.err().matches("(?s).*diverged at step \\d+.*"), r.err());
        assertTrue(Files.exists(dir.resolve("nan/checkpoints/step-00000000.ckpt")));
    }

    static void expectError(Result r, String fragment) {
        assertNotEquals(0, r.code(), "expected failure: " + r.out());
        assertTrue(r.err().contains(fragment), "stderr should mention '" + fragment + "': " + r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> l.contains("error")).count(), r.err());
    }

    @Test
    void aHeapTooSmallForEveryLayerSaysWhatIsRecomputedAndWhatHeapKeepsThemAll() {
        dev.cairn.training.Recipe r = new dev.cairn.training.Recipe(2, 2, 32, 16, 2, 4, 1e-3f, 1e-4f, 1, 0.1f, 0.9f, 0.99f, 1e-8f, 1f,
                1337, false, 0, 0);
        try (dev.cairn.numerics.Parallel par = new dev.cairn.numerics.Parallel(1)) {
            dev.cairn.training.Trainer t = new dev.cairn.training.Trainer(r, dev.cairn.training.CharCorpus.read(data, 16),
                    dev.cairn.numerics.Kernels.vector(), par);
            assertNull(TrainCommand.ConsoleListener.recomputeNote(t, 1L << 32), "every layer fits: nothing to say");
            t.model().keepActivations(1);
            assertNull(TrainCommand.ConsoleListener.recomputeNote(t, 1L << 32), "one layer of two kept: the other's set is intact");
            t.model().keepActivations(0);
            long more = t.model().activationBytes(2, 16, 1) - t.model().activationBytes(2, 16, 0);
            assertTrue(more > 0);
            String note = TrainCommand.ConsoleListener.recomputeNote(t, 6L << 30);
            assertTrue(note.startsWith("activations: the backward pass recomputes 1 of 2 layers, whose activations do not fit this 6.4 GB heap"), note);
            assertTrue(note.endsWith("CAIRN_JAVA_OPTS=-Xmx7g"), note);
        }
    }
}
