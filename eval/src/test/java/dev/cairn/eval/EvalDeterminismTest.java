package dev.cairn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A score is a fact: the same bits for any batch size, thread count and kernel set. */
class EvalDeterminismTest {
    @TempDir Path tmp;

    @Test
    void sameBitsForAnyBatchThreadsAndKernels() throws Exception {
        Path model = EvalFixture.modelDir(tmp, 3);
        Path data = tmp.resolve("heldout.txt");
        Files.writeString(data, EvalFixture.shakespeare(200_000, 215_000));
        Path ex = EvalFixture.examples();
        EvalRun.Spec spec = new EvalRun.Spec(model.toString(), List.of("core", ex.resolve("suite.txt").toString()), null, data, null, 13, 7, 40);
        String first = null, items = null;
        for (Object[] how : new Object[][] {{1, 1, "scalar"}, {5, 2, "vector"}, {8, 3, "vector"}, {3, 2, "scalar"}}) {
            try (Parallel par = new Parallel((int) how[1])) {
                EvalRun.Outcome o = EvalRun.run(spec, tmp, Kernels.named((String) how[2]), par, (int) how[0]);
                StringBuilder all = new StringBuilder();
                for (Evaluator.TaskResult t : o.tasks()) all.append(new String(t.itemsJsonl()));
                if (first == null) {
                    first = o.results().toString();
                    items = all.toString();
                    assertEquals(5, o.results().path("tasks").size(), first);
                } else {
                    assertEquals(first, o.results().toString(), "batch " + how[0] + ", threads " + how[1] + ", " + how[2]);
                    assertEquals(items, all.toString());
                }
            }
        }
        assertTrue(first.contains("\"heldout\"") && first.contains("\"bits_per_byte\"") && first.contains("\"acc_norm\"") && first.contains("\"exact_match\""), first);
    }

    @Test
    void rollingWindowsPredictEveryTokenOnce() throws Exception {
        var m = EvalFixture.model(5);
        String doc = EvalFixture.shakespeare(0, 1000);
        Task t = new Task("t", Task.Kind.LOGLIKELIHOOD_ROLLING, List.of(new Task.Item(doc, List.of(), -1, "")), "d".repeat(64), "test", "", List.of(), 0, List.of());
        try (Parallel par = new Parallel(1)) {
            var r = Evaluator.run(t, new Scorer(m, Kernels.named("vector"), par, 4), m.tokenizer(), null);
            assertEquals(999, r.metrics().path("tokens").asLong()); // no <|endoftext|> in a character vocabulary: the first is context
            assertEquals(1000, r.metrics().path("bytes").asLong());
            double npt = r.metrics().path("nats_per_token").asDouble();
            assertEquals(StrictMath.exp(npt), r.metrics().path("perplexity").asDouble());
            assertEquals(npt * 999 / StrictMath.log(2) / 1000, r.metrics().path("bits_per_byte").asDouble(), 1e-12);
            assertEquals(0.0, r.metrics().path("nats_per_token_stderr").asDouble()); // one document: no spread to measure
        }
    }

    @Test
    void theVectorLogSoftmaxIsTheScalarDefinitionsBits() {
        // The score's definition: max, the sum of StrictMath.exp(l - max) in index order, minus StrictMath.log of it.
        dev.cairn.numerics.Philox rng = new dev.cairn.numerics.Philox(5);
        for (int V : new int[] {1, 7, 65, 300, 50257}) {
            for (int trial = 0; trial < 20; trial++) {
                float[] logits = new float[V];
                double spread = trial < 10 ? 8 : 400; // the second half reaches past 704 nats below the max
                for (int i = 0; i < V; i++) logits[i] = (float) ((rng.uniform(dev.cairn.numerics.Philox.PURPOSE_SAMPLE, V * 100L + trial, i) - 0.5) * spread);
                int target = (int) (rng.uniform(dev.cairn.numerics.Philox.PURPOSE_SAMPLE, 7, V * 100L + trial) * V);
                double max = Double.NEGATIVE_INFINITY;
                for (float l : logits) max = Math.max(max, l);
                double sum = 0;
                for (float l : logits) sum += StrictMath.exp(l - max);
                double want = logits[target] - max - StrictMath.log(sum);
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(Scorer.logSoftmaxAt(logits, target)), "V=" + V + " trial " + trial);
            }
        }
    }

    @Test
    void theVectorArgmaxIsTheFirstOfTheLargest() {
        dev.cairn.numerics.Philox rng = new dev.cairn.numerics.Philox(9);
        for (int V : new int[] {1, 2, 15, 16, 17, 65, 300}) {
            for (int trial = 0; trial < 40; trial++) {
                float[] logits = new float[V];
                // few distinct values, so ties (and -0.0 beside 0.0) are common; now and then a NaN
                for (int i = 0; i < V; i++) {
                    double u = rng.uniform(dev.cairn.numerics.Philox.PURPOSE_SAMPLE, V * 1000L + trial, i);
                    logits[i] = u < 0.1 ? -0.0f : u < 0.2 ? 0.0f : (float) Math.floor(u * 4) - 2;
                }
                if (trial % 10 == 9) logits[trial % V] = Float.NaN;
                int best = 0;
                for (int i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
                double max = Double.NEGATIVE_INFINITY;
                for (float l : logits) max = Math.max(max, l);
                assertEquals(best, Scorer.argmax(logits), "V=" + V + " trial " + trial);
                assertEquals(Double.doubleToRawLongBits(max), Double.doubleToRawLongBits(Scorer.max(logits)), "V=" + V + " trial " + trial);
            }
        }
    }

    @Test
    void scoresAreTheBitsOfTheForwardPassesLogitsForBothArchitectures() {
        // The scorer reads each sequence's logits as the pass finishes it, on the worker that computed them (whole
        // sequences per worker) or after the pass (by layer): either way the bits of the logits a full pass leaves.
        for (var m : List.of(EvalFixture.model(11), EvalFixture.llama(12))) {
            int ctx = m.config().contextLen();
            List<Scorer.Request> reqs = new java.util.ArrayList<>();
            for (int i = 0; i < 9; i++) {
                int n = 2 + (i * 7) % ctx;
                int[] t = new int[n + 1];
                for (int j = 0; j <= n; j++) t[j] = (i * 31 + j * 17) % m.config().vocabSize();
                reqs.add(new Scorer.Request(t, 1 + i % Math.min(3, n)));
            }
            // the definition: one sequence alone, one full pass, then log-softmax at each scored position
            List<double[]> want = new java.util.ArrayList<>();
            try (Parallel par = new Parallel(1)) {
                var model = m.model(Kernels.named("scalar"), par);
                for (Scorer.Request r : reqs) {
                    int T = r.tokens().length - 1;
                    model.forward(java.util.Arrays.copyOf(r.tokens(), T), null, 1, T);
                    float[] logits = new float[m.config().vocabSize()];
                    double[] per = new double[r.tokens().length - r.from()];
                    for (int i = 0; i < per.length; i++) {
                        model.logitsAt(0, r.from() - 1 + i, logits);
                        per[i] = Scorer.logSoftmaxAt(logits, r.tokens()[r.from() + i]);
                    }
                    want.add(per);
                }
            }
            for (int[] how : new int[][] {{1, 1}, {3, 2}, {4, 2}, {8, 2}, {9, 3}}) {
                try (Parallel par = new Parallel(how[1])) {
                    List<Scorer.Score> got = new Scorer(m, Kernels.named("vector"), par, how[0]).score(reqs);
                    for (int i = 0; i < reqs.size(); i++) {
                        double[] g = got.get(i).perToken(), w = want.get(i);
                        assertEquals(w.length, g.length);
                        for (int j = 0; j < w.length; j++) {
                            assertEquals(Double.doubleToRawLongBits(w[j]), Double.doubleToRawLongBits(g[j]),
                                    m.config().getClass().getSimpleName() + " batch " + how[0] + " threads " + how[1] + " request " + i + " token " + j);
                        }
                    }
                }
            }
        }
    }
}
