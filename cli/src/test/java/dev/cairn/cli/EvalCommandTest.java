package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cairn eval on a run and on its export: the same scores (the same weights), a comparison table and chart, bad input by name. */
class EvalCommandTest {
    @TempDir Path dir;

    @Test
    void aRunAndItsExportScoreTheSameAndAreCompared() throws Exception {
        Path data = dir.resolve("shakespeare.txt");
        try (var in = EvalCommandTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, in.readAllBytes());
        }
        Path run = dir.resolve("run"), hf = dir.resolve("hf");
        assertEquals(0, cairn("train", "--data", data.toString(), "--out", run.toString(), "--layers", "1", "--heads", "2", "--embd", "32",
                "--ctx", "128", "--batch", "2", "--steps", "3", "--eval-every", "0").code());
        assertEquals(0, cairn("export", "hf", "--run", run.toString(), "--out", hf.toString()).code());
        Path suite = Path.of("..", "examples", "tasks", "suite.txt");
        var r = cairn("eval", "--model", run.toString(), "--model", hf.toString(), "--task", suite.toString(), "--task", "lambada",
                "--data", data.toString(), "--limit", "20", "--out", dir.resolve("eval").toString(), "--json", "--home", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(2, j.path("models").size());
        JsonNode a = j.path("models").get(0).path("tasks"), b = j.path("models").get(1).path("tasks");
        assertEquals(3, a.size());
        assertEquals(a, b, "the same weights score the same, from a run or from its export");
        assertEquals(6, a.path("shakespeare_speakers").path("items").asInt());
        assertTrue(a.path("shakespeare_speakers").path("metrics").has("acc_norm_stderr"));
        assertTrue(Files.readString(dir.resolve("eval/comparison.md")).contains("| shakespeare_speakers (acc_norm) |") || Files.readString(dir.resolve("eval/comparison.md")).contains("shakespeare_speakers (acc_norm)"));
        assertTrue(Files.readString(dir.resolve("eval/comparison.svg")).startsWith("<svg"));
        assertTrue(Files.exists(dir.resolve("eval/run/items.jsonl")) && Files.exists(dir.resolve("eval/hf/results.json")));

        var bad = cairn("eval", "--model", run.toString(), "--task", "nope", "--home", dir.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--task nope: neither a built-in task"), bad.err());
        bad = cairn("eval", "--model", run.toString(), "--task", "heldout", "--dataset", "missing@3", "--home", dir.toString());
        assertTrue(bad.code() != 0 && bad.err().contains("missing"), bad.err());
        bad = cairn("eval", "--model", run.toString(), "--task", "heldout", "--home", dir.toString());
        assertTrue(bad.err().contains("built-in task heldout needs documents"), bad.err());
    }
}
