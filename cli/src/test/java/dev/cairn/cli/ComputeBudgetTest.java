package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.data.TokenizedDataset;
import dev.cairn.model.ParameterLayout;
import dev.cairn.training.Checkpoint;
import dev.cairn.training.ComputeRecord;
import dev.cairn.training.DatasetTokens;
import dev.cairn.training.GovernedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start-run proposal's compute budget: a run that would pass it stops at a checkpoint, signs budget-exhausted
 * and exits non-zero; a budget that cannot pay one step is refused before anything is written; a run within it
 * shows budget against spend, as does {@code proposal show}.
 */
class ComputeBudgetTest {
    @TempDir static Path dir;
    static Governed g;

    @BeforeAll
    static void community() throws Exception {
        g = new Governed(dir.resolve("home"));
    }

    /**
     * A community (alice, bob, carol; start_run by Schulze), a tiny dataset with a BPE tokenizer, and a run recipe
     * (1 layer, 16 wide, 12 steps, checkpoints every 4, plus the given flags) whose start-run proposals {@link #approve}
     * makes.
     */
    static final class Governed {
        final GovernanceCliFixture h;
        final String root, tokenizer, recipe;
        final Path recipeFile;
        final double flopsPerStep;

        Governed(Path home, String... recipeFlags) throws Exception {
            h = new GovernanceCliFixture(home).founded();
            StringBuilder sb = new StringBuilder();
            String[] w = {"the", "king", "and", "queen", "of", "a", "fair", "night", "my", "lord", "speak", "no", "more"};
            for (int i = 0; i < 3000; i++) sb.append(w[(i * 7 + i / 13) % w.length]).append(i % 11 == 0 ? ".\n" : " ");
            Path corpus = h.write("tiny.txt", sb.toString());
            root = find(h.ok("data", "add", corpus.toString(), "--dataset", "tiny", "--license", "CC0-1.0", "--source", "https://example.org/tiny").out(),
                    "root ([0-9a-f]{64})");
            tokenizer = find(h.ok("tokenizer", "train", "--dataset", "tiny@1", "--vocab", "300").out(), "tokenizer ([0-9a-f]{64})");
            recipeFile = h.home.resolve("recipe.json");
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("run", "recipe", "--dataset", "tiny@1", "--tokenizer", tokenizer,
                    "--out", recipeFile.toString(), "--layers", "1", "--heads", "2", "--embd", "16", "--ctx", "16", "--batch", "4", "--steps", "12",
                    "--checkpoint-every", "4", "--eval-every", "0", "--warmup", "2"));
            a.addAll(java.util.List.of(recipeFlags));
            recipe = find(h.ok(a.toArray(String[]::new)).out(), "(?m)^([0-9a-f]{64})");
            var rr = GovernedRun.RunRecipe.read(recipeFile);
            DatasetTokens data = new DatasetTokens(TokenizedDataset.load(h.home, "tiny@1", tokenizer));
            flopsPerStep = ComputeRecord.flopsPerStep(rr.recipe(), rr.recipe().modelConfig(data.vocabSize()).parameterCount());
        }

        /** Proposes, votes and executes a start-run with this budget line; returns the proposal number. */
        int approve(String run, String budget) throws Exception {
            String opt = "recipe = \"" + recipe + "\"\ndataset_root = \"" + root + "\"\ntokenizer = \"" + tokenizer + "\"\n" + budget + "\n";
            int n = h.ok("propose", "start-run", "--file", h.write(run + ".toml", "title = \"Run " + run + "\"\n[[options]]\nid = \"a\"\nrun = \"" + run
                    + "\"\n" + opt + "[[options]]\nid = \"b\"\nrun = \"" + run + "-b\"\n" + opt).toString(), "--key", "alice", "--json").json().get("number").asInt();
            for (String k : new String[] {"alice", "bob", "carol"}) h.ok("vote", String.valueOf(n), "--rank", "a,b", "--key", k);
            h.ok("execute", String.valueOf(n), "--key", "bob");
            return n;
        }
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return m.group(1);
    }

    static GovernanceCliFixture.Result start(int proposal, Path out) {
        return g.h.run("run", "start", String.valueOf(proposal), "--key", "alice", "--recipe", g.recipeFile.toString(),
                "--out", out.toString(), "--threads", "1");
    }

    @Test
    void aRunThatWouldPassItsBudgetStopsAtACheckpointAndSignsWhatItSpent() throws Exception {
        int p = g.approve("capped", String.format(Locale.ROOT, "max_flops = %.6e", 6.5 * g.flopsPerStep));
        Path out = dir.resolve("capped");
        var r = start(p, out);
        assertEquals(4, r.code(), r.out() + r.err());
        String line = r.err().lines().filter(l -> l.contains("error:")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(line.startsWith("cairn run start: error: compute budget exhausted: stopped at step 4 of 12 (checkpoint "), line);
        assertTrue(line.contains("a continuation to step 12 needs " + String.format(Locale.ROOT, "%.3g", 8 * g.flopsPerStep) + " more model FLOPs"), line);
        assertTrue(r.err().contains("budget: "), "the projection is printed: " + r.err());
        assertEquals(4, Checkpoint.read(out.resolve("checkpoints/step-00000004.ckpt")).step(), "stopped at a whole checkpoint");
        assertFalse(Files.exists(out.resolve("checkpoints/step-00000008.ckpt")));
        assertFalse(Files.exists(out.resolve("run-finished.json")));
        String show = g.h.ok("proposal", "show", String.valueOf(p)).out();
        assertTrue(show.contains("budget: " + String.format(Locale.ROOT, "%.3g of %.3g model FLOPs", 4 * g.flopsPerStep, 6.5 * g.flopsPerStep)) 
                && show.contains("(budget-exhausted at step 4)"), show);
        JsonNode j = g.h.ok("proposal", "show", String.valueOf(p), "--json").json();
        assertEquals(4 * g.flopsPerStep, j.path("spent").path("flops").asDouble(), 1e-6 * g.flopsPerStep, j.toString());
    }

    @Test
    void aCpuHourBudgetStopsTheRunAtTheFirstCheckpointItCannotPassBeyond() throws Exception {
        int p = g.approve("cpu-capped", "max_cpu_hours = 1e-9"); // any measurable CPU time passes it
        Path out = dir.resolve("cpu-capped");
        var r = start(p, out);
        assertEquals(4, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("compute budget exhausted: stopped at step 4 of 12") && r.err().contains(" CPU-hours ("), r.err());
        assertEquals(4, Checkpoint.read(out.resolve("checkpoints/step-00000004.ckpt")).step());
        JsonNode j = g.h.ok("proposal", "show", String.valueOf(p), "--json").json();
        assertTrue(j.path("spent").path("cpu_hours").asDouble() > 1e-9, j.toString());
    }

    @Test
    void aBudgetThatCannotPayOneStepIsRefusedBeforeAnythingIsWritten() throws Exception {
        int p = g.approve("tiny-budget", String.format(Locale.ROOT, "max_flops = %.6e", 0.5 * g.flopsPerStep));
        Path out = dir.resolve("tiny-budget");
        String err = g.h.fails(2, "run", "start", String.valueOf(p), "--key", "alice", "--recipe", g.recipeFile.toString(),
                "--out", out.toString());
        assertTrue(err.startsWith("cairn run start: error: the compute budget is already exceeded at start: budget: 0.00 of "), err);
        assertFalse(Files.exists(out), "nothing written");
        String bad = g.h.fails(2, "propose", "start-run", "--file", g.h.write("neg.toml", "title = \"x\"\n[[options]]\nid = \"a\"\nrun = \"n\"\nrecipe = \""
                + g.recipe + "\"\ndataset_root = \"" + g.root + "\"\ntokenizer = \"" + g.tokenizer + "\"\nmax_cpu_hours = -1\n").toString(), "--key", "alice");
        assertTrue(bad.contains("max_cpu_hours: must be a positive number"), bad);
    }

    @Test
    void aRunWithinItsBudgetShowsBudgetAgainstSpend() throws Exception {
        int p = g.approve("ample", "max_flops = 1e15\nmax_cpu_hours = 1");
        Path out = dir.resolve("ample");
        var r = start(p, out);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("budget: " + String.format(Locale.ROOT, "%.3g of 1.00e+15 model FLOPs", 12 * g.flopsPerStep)), r.out());
        assertTrue(r.out().contains(" CPU-hours ("), r.out());
        JsonNode b = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("budget");
        assertEquals(1e15, b.get("max_flops").asDouble());
        assertEquals(12 * g.flopsPerStep, b.get("spent_flops").asDouble(), 1e-6 * g.flopsPerStep);
        String show = g.h.ok("proposal", "show", String.valueOf(p)).out();
        assertTrue(show.contains("option a budget: ") && show.contains("(run-finished)"), show);
    }
}
