package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export a run, then generate from the export: the same greedy ids as from the run directory. */
class ExportCommandTest {
    @TempDir static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        Path data = dir.resolve("shakespeare.txt");
        try (var in = ExportCommandTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, java.util.Arrays.copyOf(in.readAllBytes(), 20_000));
        }
        run = dir.resolve("run");
        var r = cairn(TrainCommandTest.args("train", "--data", data.toString(), "--out", run.toString()));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void greedyIdsFromTheExportEqualThoseFromTheRun() throws Exception {
        Path hf = dir.resolve("hf");
        var e = cairn("export", "hf", "--run", run.toString(), "--out", hf.toString());
        assertEquals(0, e.code(), e.err());
        for (String f : new String[] {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json"}) assertTrue(Files.exists(hf.resolve(f)), f);
        var a = cairn("generate", "--run", run.toString(), "--prompt", "ROMEO:", "--greedy", "--tokens", "12", "--json");
        var b = cairn("generate", "--model", hf.toString(), "--prompt", "ROMEO:", "--greedy", "--tokens", "12", "--json");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        JsonNode ja = a.json(), jb = b.json();
        assertEquals(12, ja.path("ids").size());
        assertEquals(ja.path("prompt_ids"), jb.path("prompt_ids"));
        assertEquals(ja.path("ids"), jb.path("ids"));
        var c = cairn("generate", "--model", hf.toString(), "--prompt-ids", ja.path("prompt_ids").toString().replaceAll("[\\[\\]]", ""),
                "--greedy", "--tokens", "12", "--json");
        assertEquals(ja.path("ids"), c.json().path("ids"));
        var g = cairn("export", "gguf", "--model", hf.toString(), "--out", dir.resolve("m.gguf").toString());
        assertEquals(0, g.code(), g.err());
        assertTrue(Files.size(dir.resolve("m.gguf")) > Files.size(hf.resolve("model.safetensors")));
    }

    @Test
    void badInputIsOneLineAndNonZero() throws Exception {
        var r = cairn("export", "hf", "--run", dir.resolve("nope").toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("run.json missing"), r.err());
        assertFalse(Files.exists(dir.resolve("x")));
        r = cairn("export", "hf", "--run", run.toString(), "--out", dir.resolve("y").toString(), "--dtype", "f8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--dtype must be f32, f16 or bf16"), r.err());
        r = cairn("generate", "--run", run.toString(), "--prompt-ids", "1,99999", "--json");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("id 99999 is outside the vocabulary"), r.err());
    }

    @Test
    void importedModelTrainsOnAndTheRunVerifiesByTheBaseDigest() throws Exception {
        Path hf = dir.resolve("hf-base"), home = dir.resolve("home");
        assertEquals(0, cairn("export", "hf", "--run", run.toString(), "--out", hf.toString()).code());
        var imp = cairn("import", "hf", hf.toString(), "--name", "base", "--license", "Apache-2.0", "--home", home.toString());
        assertEquals(0, imp.code(), imp.err());
        Path data = dir.resolve("shakespeare.txt");
        Path cont = dir.resolve("continued");
        var t = cairn(TrainCommandTest.args("train", "--data", data.toString(), "--out", cont.toString(), "--init", "base",
                "--home", home.toString(), "--json"));
        assertEquals(0, t.code(), t.err());
        JsonNode runJson = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cont.resolve("run.json").toFile());
        assertEquals(64, runJson.path("recipe").path("init").asText().length());
        var v = cairn("verify", cont.toString(), "--full", "--home", home.toString());
        assertEquals(0, v.code(), v.out() + v.err());
        var bad = cairn("train", "--data", data.toString(), "--out", dir.resolve("c2").toString(), "--init", "base",
                "--home", home.toString(), "--embd", "64", "--steps", "2");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--embd 64 does not match the base model (32)"), bad.err());
        var other = dir.resolve("other.txt");
        Files.writeString(other, "0123456789 ".repeat(400));
        bad = cairn(TrainCommandTest.args("train", "--data", other.toString(), "--out", dir.resolve("c3").toString(), "--init", "base",
                "--home", home.toString()));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("tokenizer") && bad.err().contains("is not the data's"), bad.err());
    }
}
