package dev.cairn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.DatasetPolicy;
import dev.cairn.data.DatasetStore;
import dev.cairn.ledger.SigningKey;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed evaluations re-run to the bit; altered scores, another model or changed items are caught and named. */
class AttestationTest {
    @TempDir Path tmp;

    @Test
    void reRunsConfirmAndAlterationsAreNamed() throws Exception {
        Path model = EvalFixture.modelDir(tmp, 4);
        Path data = tmp.resolve("d.txt");
        Files.writeString(data, EvalFixture.shakespeare(100_000, 110_000));
        EvalRun.Spec spec = new EvalRun.Spec(model.toString(), List.of("heldout", "hellaswag"), null, data, null, 13, 1, 20);
        SigningKey evaluator = SigningKey.generate();
        try (Parallel par = new Parallel(2)) {
            EvalRun.Outcome o = EvalRun.run(spec, tmp, Kernels.named("vector"), par, 4);
            Path items = tmp.resolve("items.jsonl");
            StringBuilder sb = new StringBuilder();
            for (Evaluator.TaskResult t : o.tasks()) sb.append(new String(t.itemsJsonl()));
            Files.writeString(items, sb);
            var st = EvalAttestation.sign(o.results(), "tiny", null, evaluator).verify().statement();
            var ok = EvalAttestation.verify(st, tmp, Kernels.named("scalar"), par, 1, items);
            assertTrue(ok.ok(), ok.message());

            ObjectNode altered = o.results().deepCopy();
            ((ObjectNode) altered.path("tasks").path("hellaswag").path("metrics")).put("acc", 0.99);
            var bad = EvalAttestation.verify(EvalAttestation.sign(altered, "tiny", null, evaluator).verify().statement(), tmp, Kernels.named("vector"), par, 4, items);
            assertFalse(bad.ok());
            assertTrue(bad.message().startsWith("task hellaswag: acc is "), bad.message());

            ObjectNode otherItems = o.results().deepCopy();
            ((ObjectNode) otherItems.path("tasks").path("heldout")).put("items_sha256", "0".repeat(64));
            Files.writeString(items, sb.toString().replaceFirst("\"nats\":[0-9.E-]+", "\"nats\":1.5"));
            var diff = EvalAttestation.verify(EvalAttestation.sign(otherItems, "tiny", null, evaluator).verify().statement(), tmp, Kernels.named("vector"), par, 4, items);
            assertTrue(diff.message().startsWith("task heldout: item 0 differs"), diff.message());

            ObjectNode otherModel = o.results().deepCopy();
            ((ObjectNode) otherModel.path("spec")).put("model", EvalFixture.modelDir(tmp, 5).toString());
            var wrong = EvalAttestation.verify(EvalAttestation.sign(otherModel, "tiny", null, evaluator).verify().statement(), tmp, Kernels.named("vector"), par, 4, null);
            assertTrue(wrong.message().contains("now has weights"), wrong.message());
        }
    }

    @Test
    void itemsFoundInTheTrainingDataAreFlaggedAndScoredApart() throws Exception {
        Path docs = Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(docs.resolve("train.txt"), EvalFixture.shakespeare(0, 50_000));
        new DatasetStore(tmp).add(new DatasetStore.AddRequest("train", List.of(docs), "CC0-1.0", "https://example.org", DatasetPolicy.defaults(), false));
        Path data = tmp.resolve("mixed.jsonl");
        String seen = EvalFixture.shakespeare(10_000, 10_600), unseen = "Thou art a quite unprecedented sentence, never written in that play at all; no.";
        Files.writeString(data, "{\"text\": " + Evaluator.JSON.writeValueAsString(seen) + "}\n{\"text\": " + Evaluator.JSON.writeValueAsString(unseen) + "}\n");
        Path model = EvalFixture.modelDir(tmp, 6);
        try (Parallel par = new Parallel(2)) {
            long t0 = System.nanoTime();
            var o = EvalRun.run(new EvalRun.Spec(model.toString(), List.of("heldout"), null, data, "train@1", 13, 1, 10), tmp, Kernels.named("vector"), par, 4);
            var c = o.results().path("tasks").path("heldout").path("contamination");
            assertEquals(1, c.path("contaminated_items").asInt(), c.toString());
            assertEquals(0.5, c.path("contaminated_fraction").asDouble());
            assertEquals(1, c.path("clean_metrics").path("documents").asInt());
            double se = o.results().path("tasks").path("heldout").path("metrics").path("nats_per_token_stderr").asDouble();
            assertTrue(se > 0 && se < 5, "stderr over two documents: " + se);
            assertTrue(c.path("training_data").asText().startsWith("train@1 (root "));
            assertTrue(o.tasks().getFirst().items().get(0).path("contaminated").asBoolean());
            assertFalse(o.tasks().getFirst().items().get(1).path("contaminated").asBoolean());
            assertTrue((System.nanoTime() - t0) / 1e9 < 30);
        }
    }
}
