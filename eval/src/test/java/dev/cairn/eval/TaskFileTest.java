package dev.cairn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness-shaped task files: what is read, and every bad input refused by file, line and field. */
class TaskFileTest {
    @TempDir Path tmp;

    Path task(String yaml, String jsonl) throws Exception {
        Files.writeString(tmp.resolve("items.jsonl"), jsonl);
        Path f = tmp.resolve("t.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    static final String MC = "task: t\noutput_type: multiple_choice\ndataset_path: items.jsonl\ndoc_to_text: \"{{q}}\"\n"
            + "doc_to_choice: \"{{choices}}\"\ndoc_to_target: \"{{answer}}\"\n";

    String refusal(Path f) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskFile.read(f));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsTheExamplesAndTheirTargets() throws Exception {
        Task t = TaskFile.read(EvalFixture.examples().resolve("shakespeare-speakers.yaml"));
        assertEquals("shakespeare_speakers", t.name());
        assertEquals(Task.Kind.MULTIPLE_CHOICE, t.kind());
        assertEquals(6, t.items().size());
        assertEquals("ORSINO", t.items().get(5).target());
        assertTrue(t.items().get(0).context().endsWith("\n\nSpoken by:"));
        Task g = TaskFile.read(EvalFixture.examples().resolve("capitals.yaml"));
        assertEquals(java.util.List.of("\n"), g.until());
        assertEquals(8, g.maxGenTokens());
        // the target may also name the choice's text
        Task named = TaskFile.read(task(MC, "{\"q\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": \"b\"}\n"));
        assertEquals(1, named.items().getFirst().targetIndex());
    }

    @Test
    void badTaskFilesAreRefusedByName() throws Exception {
        String ok = "{\"q\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": 0}\n";
        assertTrue(refusal(task(MC + "shuffle: true\n", ok)).endsWith("t.yaml: unknown key shuffle"));
        assertTrue(refusal(task(MC + "test_split: test\n", ok)).contains("test_split is a harness feature Cairn does not run"));
        assertTrue(refusal(task(MC.replace("{{q}}", "{{question}}"), ok)).contains("items.jsonl:1: doc_to_text: the item has no field question"));
        assertTrue(refusal(task(MC, "{\"q\": \"x\", \"choices\": [\"a\", \"b\"]}\n")).contains("items.jsonl:1: doc_to_target: the item has no field answer"));
        assertTrue(refusal(task(MC, "{\"q\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": 2}\n")).contains("items.jsonl:1: doc_to_target 2 is out of range (2 choices)"));
        assertTrue(refusal(task(MC, "\n\n")).contains("items.jsonl: the task has no items"));
        assertTrue(refusal(task(MC, ok + "{not json\n")).contains("items.jsonl:2: not valid JSON"));
        assertTrue(refusal(task(MC.replace("{{q}}", "{{q|upper}}"), ok)).contains("filters are not supported"));
        assertTrue(refusal(task(MC + "num_fewshot: 5\n", ok)).contains("num_fewshot 5 is not supported"));
        assertTrue(refusal(task(MC.replace("multiple_choice", "loglikelihood_pairs"), ok)).contains("output_type \"loglikelihood_pairs\" is not supported"));
        assertTrue(refusal(task(MC + "metric_list:\n  - metric: bleu\n", ok)).contains("metric \"bleu\" is not supported"));
        assertTrue(refusal(task("task: [unclosed\n", ok)).contains("not valid YAML"));
    }

    @Test
    void aChoiceTheTokenizerCannotEncodeIsNamed() throws Exception {
        Task t = TaskFile.read(task(MC, "{\"q\": \"Where?\", \"choices\": [\"here\", \"caf\u00e9\"], \"answer\": 0}\n"));
        var m = EvalFixture.model(1);
        try (var par = new dev.cairn.numerics.Parallel(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Evaluator.run(t, new Scorer(m, dev.cairn.numerics.Kernels.named("vector"), par, 2), m.tokenizer(), null));
            assertTrue(e.getMessage().contains("task t (") && e.getMessage().contains("item 0, choice 1: the model's tokenizer cannot encode it"), e.getMessage());
        }
    }
}
