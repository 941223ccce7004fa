package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --arch llama through the command line: train, stop and resume to the same state, verify by replay, export to
 * Hugging Face and GGUF, import, generate; and every bad input refused in one line, with nothing on disk changed.
 */
class LlamaCliTest {
    @TempDir static Path dir;
    static Path data;
    static final String[] TINY = {"--arch", "llama", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--embd", "32", "--ctx", "16",
            "--batch", "2", "--steps", "4", "--eval-every", "0", "--checkpoint-every", "2", "--warmup", "1", "--multiple-of", "16",
            "--rope-theta", "500000"};

    @BeforeAll
    static void corpus() throws Exception {
        data = dir.resolve("shakespeare.txt");
        try (var in = LlamaCliTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, java.util.Arrays.copyOf(in.readAllBytes(), 20_000));
        }
    }

    static String[] train(String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", dir.resolve(out).toString()));
        a.addAll(List.of(TINY));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** Every file under d with its bytes' SHA-256: what "nothing on disk changed" compares. */
    static Map<String, String> snapshot(Path d) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(d.relativize(p).toString(), dev.cairn.ledger.Hex.encode(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return m;
    }

    @Test
    void trainResumeVerifyExportImportGenerate() throws Exception {
        var a = cairn(train("a", "--threads", "1", "--kernels", "scalar", "--json"));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("model: llama, 2 layers, 4 heads (2 key/value)"), a.err());
        var b = cairn(train("b", "--threads", "2", "--json"));
        assertEquals(0, b.code(), b.err());
        String state = a.json().get("state_sha256").asText();
        assertEquals(state, b.json().get("state_sha256").asText(), "threads and kernels change nothing");
        // stop after step 2: drop the later checkpoint and resume
        Files.delete(dir.resolve("b/checkpoints/step-00000004.ckpt"));
        var r = cairn("train", "--resume", dir.resolve("b").toString(), "--threads", "3", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(state, r.json().get("state_sha256").asText(), "resumed at step 2");
        var v = cairn("verify", "--full", dir.resolve("a").toString(), "--threads", "2");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().contains("VERIFIED"), v.out());
        Path hf = dir.resolve("hf");
        var e = cairn("export", "hf", "--run", dir.resolve("a").toString(), "--out", hf.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("LlamaForCausalLM.from_pretrained"), e.out());
        var g = cairn("export", "gguf", "--run", dir.resolve("a").toString(), "--out", dir.resolve("m.gguf").toString());
        assertEquals(0, g.code(), g.err());
        Path home = dir.resolve("home");
        var i = cairn("import", "hf", hf.toString(), "--name", "tiny-llama", "--home", home.toString());
        assertEquals(0, i.code(), i.err());
        var fromRun = cairn("generate", "--run", dir.resolve("a").toString(), "--prompt", "ROMEO:", "--tokens", "12", "--greedy");
        var fromImport = cairn("generate", "--model", "tiny-llama", "--home", home.toString(), "--prompt", "ROMEO:", "--tokens", "12", "--greedy");
        assertEquals(0, fromRun.code(), fromRun.err());
        assertEquals(0, fromImport.code(), fromImport.err());
        assertEquals(fromRun.out(), fromImport.out(), "the imported export generates what the run does");
        // continued training from the imported Llama: the shape comes from the base, the recipe pins its weights
        var cont = cairn("train", "--data", data.toString(), "--init", "tiny-llama", "--home", home.toString(), "--out",
                dir.resolve("cont").toString(), "--steps", "2", "--batch", "2", "--eval-every", "0", "--checkpoint-every", "0", "--json");
        assertEquals(0, cont.code(), cont.err());
        var recipe = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("cont/run.json").toFile()).path("recipe");
        assertEquals("llama", recipe.path("arch").asText());
        assertEquals(2, recipe.path("kv_heads").asInt());
        assertEquals(500000.0, recipe.path("rope_theta").asDouble());
        assertEquals(64, recipe.path("init").asText().length());
        var wider = cairn("train", "--data", data.toString(), "--init", "tiny-llama", "--home", home.toString(), "--out",
                dir.resolve("wider").toString(), "--ctx", "32");
        assertEquals(2, wider.code());
        assertEquals("cairn train: error: --ctx 32 does not match the base model (16)", wider.err().strip());
        var other = cairn("train", "--data", data.toString(), "--init", "tiny-llama", "--home", home.toString(), "--out",
                dir.resolve("other").toString(), "--arch", "gpt2");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("--arch gpt2 does not match the base model tiny-llama (llama)"), other.err());
        assertFalse(Files.exists(dir.resolve("wider")) || Files.exists(dir.resolve("other")));
        // an exported directory whose config.json disagrees with its tensors: refused by name, nothing imported
        Path bad = dir.resolve("bad-hf");
        Files.createDirectories(bad);
        try (Stream<Path> files = Files.list(hf)) {
            for (Path f : files.toList()) Files.copy(f, bad.resolve(f.getFileName()));
        }
        Path cf = bad.resolve("config.json");
        Files.writeString(cf, Files.readString(cf).replaceFirst("\"num_key_value_heads\" : 2", "\"num_key_value_heads\" : 4"));
        Map<String, String> homeBefore = snapshot(home);
        var refused = cairn("import", "hf", bad.toString(), "--name", "bad", "--home", home.toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().strip().lines().count() == 1 && refused.err().contains(
                "tensor model.layers.0.self_attn.k_proj.weight has shape [16, 32] but config.json implies [32, 32]"), refused.err());
        assertEquals(homeBefore, snapshot(home), "nothing imported");
    }

    @Test
    void badInputIsRefusedInOneLineAndChangesNothing() throws Exception {
        var a = cairn(train("c"));
        assertEquals(0, a.code(), a.err());
        Map<String, String> before = snapshot(dir.resolve("c"));
        String[][] cases = {
                {"--arch mamba", "recipe: unknown arch 'mamba' (expected gpt2 or llama)"},
                {"--kv-heads 3", "kv_heads (3) must divide heads (4)"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of(train("x")));
            String[] kv = c[0].split(" ");
            int at = args.indexOf(kv[0]);
            args.set(at + 1, kv[1]);
            var r = cairn(args.toArray(String[]::new));
            assertEquals(2, r.code(), c[0]);
            assertTrue(r.err().strip().startsWith("cairn train: error: ") && r.err().contains(c[1]) && r.err().strip().lines().count() == 1, c[0] + ": " + r.err());
            assertFalse(Files.exists(dir.resolve("x")), c[0] + ": no run directory is left");
        }
        var preset = cairn("train", "--data", data.toString(), "--out", dir.resolve("x").toString(), "--preset", "gpt5");
        assertEquals(2, preset.code());
        assertEquals("cairn train: error: unknown preset 'gpt5' (expected gpt2-124m or llama-100m)", preset.err().strip());
        assertFalse(Files.exists(dir.resolve("x")));
        var odd = cairn("train", "--data", data.toString(), "--out", dir.resolve("x").toString(), "--arch", "llama", "--heads", "4", "--embd", "20");
        assertEquals(2, odd.code());
        assertTrue(odd.err().contains("head size (embd / heads = 5) must be even for rotary embeddings"), odd.err());
        var gptFlag = cairn("train", "--data", data.toString(), "--out", dir.resolve("x").toString(), "--rope-theta", "10000");
        assertEquals(2, gptFlag.code());
        assertTrue(gptFlag.err().contains("rope_theta applies only to arch llama"), gptFlag.err());
        var resume = cairn("train", "--resume", dir.resolve("c").toString(), "--arch", "gpt2");
        assertEquals(2, resume.code());
        assertTrue(resume.err().contains("--arch gpt2: the run in " + dir.resolve("c") + " trains a llama model; a checkpoint resumes only as its own architecture"),
                resume.err());
        // a GPT-2 run's checkpoint copied into the Llama run: refused by name at resume, the run left as it was
        var gpt = cairn("train", "--data", data.toString(), "--out", dir.resolve("gpt").toString(), "--layers", "1", "--heads", "2", "--embd", "16",
                "--ctx", "16", "--batch", "2", "--steps", "2", "--eval-every", "0", "--checkpoint-every", "2");
        assertEquals(0, gpt.code(), gpt.err());
        Path foreign = dir.resolve("c/checkpoints/step-00000009.ckpt");
        Files.copy(dir.resolve("gpt/checkpoints/step-00000002.ckpt"), foreign);
        var mixed = cairn("train", "--resume", dir.resolve("c").toString());
        assertNotEquals(0, mixed.code());
        assertTrue(mixed.err().contains(foreign + ": the checkpoint holds a gpt2 model but the run's recipe is arch llama"), mixed.err());
        Files.delete(foreign);
        var ctx = cairn("generate", "--run", dir.resolve("c").toString(), "--prompt", "x".repeat(3), "--tokens", "2", "--greedy");
        assertEquals(0, ctx.code(), ctx.err()); // the context window slides: generation never exceeds the positions
        assertEquals(before, snapshot(dir.resolve("c")), "nothing in the run directory changed");
    }
}
