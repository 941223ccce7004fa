package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Hex;
import dev.cairn.model.LanguageModel;
import dev.cairn.model.LlamaConfig;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Llama models in Hugging Face's LlamaForCausalLM layout and in GGUF for llama.cpp: read back bit for bit, run by an
 * independent PyTorch forward pass to the same logits, parsed by @huggingface/gguf, and refused by name when the
 * config and the tensors disagree.
 */
class LlamaExportTest {
    @TempDir Path tmp;

    @ParameterizedTest(name = "tied={0}")
    @ValueSource(booleans = {true, false})
    void exportReadsBackBitForBit(boolean tied) throws Exception {
        LoadedModel m = TinyModels.llama(tied, 7);
        HfDirectory.write(tmp, m, Dtype.F32, Map.of());
        LoadedModel back = HfDirectory.read(tmp);
        assertEquals(m.config(), back.config());
        assertArrayEquals(m.params(), back.params());
        assertEquals(m.weightsDigest(), back.weightsDigest());
        JsonNode c = Safetensors.JSON.readTree(tmp.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", c.path("architectures").get(0).asText());
        assertEquals("llama", c.path("model_type").asText());
        assertEquals(2, c.path("num_key_value_heads").asInt());
        assertEquals(192, c.path("intermediate_size").asInt()); // 2/3 of 4 x 64 = 170, rounded up to a multiple of 32
        assertEquals(10000.0, c.path("rope_theta").asDouble());
        assertEquals(1e-5, c.path("rms_norm_eps").asDouble(), 1e-12);
        assertEquals(tied, c.path("tie_word_embeddings").asBoolean());
        try (Safetensors.Reader r = Safetensors.open(tmp.resolve(HfDirectory.WEIGHTS))) {
            assertEquals(tied ? 1 + 9 * 2 + 1 : 1 + 9 * 2 + 2, r.tensors().size());
            assertArrayEquals(new long[] {32, 64}, r.tensors().get("model.layers.1.self_attn.k_proj.weight").shape(), "nn.Linear is (out, in)");
            assertArrayEquals(new long[] {64, 192}, r.tensors().get("model.layers.0.mlp.down_proj.weight").shape());
            assertEquals(!tied, r.tensors().containsKey("lm_head.weight"));
        }
    }

    @Test
    void pyTorchReadingOfTheExportGivesTheSameLogits() throws Exception {
        var peer = Peers.torchHfLlama();
        for (boolean tied : new boolean[] {true, false}) {
            LoadedModel m = TinyModels.llama(tied, 11);
            Path dir = tmp.resolve("tied-" + tied);
            HfDirectory.write(dir, m, Dtype.F32, Map.of());
            int[] ids = m.tokenizer().encode("ROMEO:\nWhat light through yonder");
            Peers.Result r = Peers.run(Peers.concat(peer, "logits", dir.toString(), "--ids",
                    String.join(",", Arrays.stream(ids).mapToObj(String::valueOf).toList())), 300);
            assertEquals(0, r.exitCode(), r.err());
            JsonNode theirs = Safetensors.JSON.readTree(r.out()).path("logits_last");
            float[] ours = lastLogits(m, ids);
            assertEquals(ours.length, theirs.size());
            double maxDiff = 0, scale = 0;
            for (int i = 0; i < ours.length; i++) {
                double t = theirs.get(i).asDouble();
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - t));
                scale = Math.max(scale, Math.abs(t));
            }
            double worst = maxDiff / scale;
            System.out.printf("PyTorch Llama peer vs Cairn logits, tied=%s: max |difference| / max |logit| = %.3g (max |logit| %.3g)%n", tied, worst, scale);
            assertTrue(scale > 0.1, "the logits carry signal");
            assertTrue(worst <= 1e-5, "tied=" + tied + ": logits differ by " + worst + " relative");
        }
    }

    static float[] lastLogits(LoadedModel m, int[] ids) {
        try (Parallel par = new Parallel(1)) {
            LanguageModel g = m.model(Kernels.named("scalar"), par);
            g.forward(ids, null, 1, ids.length);
            return g.logitsAt(0, ids.length - 1, new float[m.config().vocabSize()]);
        }
    }

    @ParameterizedTest(name = "gguf {0}")
    @ValueSource(strings = {"f32", "f16"})
    void huggingFaceGgufParserReadsEveryTensor(String dtype) throws Exception {
        Path node = Peers.nodeScripts();
        Dtype d = Dtype.fromOption(dtype);
        LoadedModel m = TinyModels.llama(false, 5);
        Path f = tmp.resolve("m.gguf"), hf = tmp.resolve("hf");
        Gguf.write(f, m, d, "tiny-llama");
        HfDirectory.write(hf, m, Dtype.F32, Map.of());
        Peers.Result r = Peers.run(List.of("node", node.resolve("read-gguf.mjs").toString(), f.toString()), 120);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode g = Safetensors.JSON.readTree(r.out());
        JsonNode meta = g.path("metadata");
        assertEquals("llama", meta.path("general.architecture").asText());
        assertEquals(64, meta.path("llama.embedding_length").asInt());
        assertEquals(192, meta.path("llama.feed_forward_length").asInt());
        assertEquals(2, meta.path("llama.block_count").asInt());
        assertEquals(4, meta.path("llama.attention.head_count").asInt());
        assertEquals(2, meta.path("llama.attention.head_count_kv").asInt());
        assertEquals(16, meta.path("llama.rope.dimension_count").asInt());
        assertEquals(10000.0, meta.path("llama.rope.freq_base").asDouble());
        assertEquals(1e-5, meta.path("llama.attention.layer_norm_rms_epsilon").asDouble(), 1e-9);
        assertEquals(32, meta.path("llama.context_length").asInt());
        // What llama.cpp's converter would write, from the Hugging Face tensors: q and k rows permuted per head
        // (reshape (heads, 2, hs/2, in), swap the middle axes), everything else as stored.
        List<String[]> want = new ArrayList<>(); // {gguf name, hf name, heads to permute or 0}
        want.add(new String[] {"token_embd.weight", "model.embed_tokens.weight", "0"});
        want.add(new String[] {"output_norm.weight", "model.norm.weight", "0"});
        want.add(new String[] {"output.weight", "lm_head.weight", "0"});
        for (int l = 0; l < 2; l++) {
            String h = "model.layers." + l + ".", b = "blk." + l + ".";
            want.add(new String[] {b + "attn_norm.weight", h + "input_layernorm.weight", "0"});
            want.add(new String[] {b + "attn_q.weight", h + "self_attn.q_proj.weight", "4"});
            want.add(new String[] {b + "attn_k.weight", h + "self_attn.k_proj.weight", "2"});
            want.add(new String[] {b + "attn_v.weight", h + "self_attn.v_proj.weight", "0"});
            want.add(new String[] {b + "attn_output.weight", h + "self_attn.o_proj.weight", "0"});
            want.add(new String[] {b + "ffn_norm.weight", h + "post_attention_layernorm.weight", "0"});
            want.add(new String[] {b + "ffn_gate.weight", h + "mlp.gate_proj.weight", "0"});
            want.add(new String[] {b + "ffn_up.weight", h + "mlp.up_proj.weight", "0"});
            want.add(new String[] {b + "ffn_down.weight", h + "mlp.down_proj.weight", "0"});
        }
        assertEquals(want.size(), g.path("tensors").size());
        try (Safetensors.Reader st = Safetensors.open(hf.resolve(HfDirectory.WEIGHTS))) {
            for (int i = 0; i < want.size(); i++) {
                String[] w = want.get(i);
                JsonNode got = g.path("tensors").get(i);
                assertEquals(w[0], got.path("name").asText());
                long[] shape = st.tensors().get(w[1]).shape();
                boolean vector = shape.length == 1;
                assertEquals(vector ? "[" + shape[0] + "]" : "[" + shape[1] + "," + shape[0] + "]", got.path("dims").toString(), w[0]);
                float[] x = st.floats(w[1]);
                int heads = Integer.parseInt(w[2]);
                if (heads > 0) x = permuteLikeConverter(x, heads, (int) shape[0], (int) shape[1]);
                Dtype td = vector ? Dtype.F32 : d;
                assertEquals(digest(x, td), got.path("sha256").asText(), w[0] + " bytes");
            }
        }
    }

    /** (rows, cols) viewed as (heads, 2, rows/heads/2, cols), axes 1 and 2 swapped, viewed back as (rows, cols). */
    static float[] permuteLikeConverter(float[] w, int heads, int rows, int cols) {
        int half = rows / heads / 2;
        float[] out = new float[w.length];
        int o = 0;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) { // new axis 1 runs over the old axis 2
                for (int j = 0; j < 2; j++) {
                    int src = ((h * 2 + j) * half + i) * cols;
                    for (int c = 0; c < cols; c++) out[o++] = w[src + c];
                }
            }
        }
        return out;
    }

    static String digest(float[] x, Dtype d) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(x.length * d.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            if (d == Dtype.F16) b.putShort(Float.floatToFloat16(v));
            else b.putFloat(v);
        }
        return Hex.encode(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    /** The exported directory with config.json edited; the refusal names config.json or the tensor and says why. */
    private String refusal(boolean tied, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path dir = tmp.resolve("bad-" + System.nanoTime());
        HfDirectory.write(dir, TinyModels.llama(tied, 3), Dtype.F32, Map.of());
        ObjectNode c = (ObjectNode) Safetensors.JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(c);
        Files.write(dir.resolve("config.json"), Safetensors.JSON.writeValueAsBytes(c));
        byte[] weights = Files.readAllBytes(dir.resolve(HfDirectory.WEIGHTS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(dir));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve(HfDirectory.WEIGHTS)), "reading changes nothing");
        return e.getMessage();
    }

    @Test
    void aDirectoryWhoseConfigAndTensorsDisagreeIsRefusedByName() throws Exception {
        assertTrue(refusal(true, c -> c.put("num_key_value_heads", 4)).matches(
                ".*model\\.safetensors: tensor model\\.layers\\.0\\.self_attn\\.k_proj\\.weight has shape \\[32, 64\\] but config\\.json implies \\[64, 64\\]"));
        assertTrue(refusal(true, c -> c.put("intermediate_size", 256)).contains(
                "tensor model.layers.0.mlp.gate_proj.weight has shape [192, 64] but config.json implies [256, 64]"));
        assertTrue(refusal(true, c -> c.put("tie_word_embeddings", false)).endsWith(
                "tensor lm_head.weight is missing (config.json says tie_word_embeddings false)"));
        assertTrue(refusal(false, c -> c.put("tie_word_embeddings", true)).endsWith(
                "tensor lm_head.weight differs from model.embed_tokens.weight but config.json says tie_word_embeddings true"));
        assertTrue(refusal(true, c -> c.put("num_hidden_layers", 1)).endsWith("unknown tensor model.layers.1.self_attn.q_proj.weight for a Llama model")
                || refusal(true, c -> c.put("num_hidden_layers", 1)).contains("unknown tensor model.layers.1."));
        assertTrue(refusal(true, c -> c.put("num_key_value_heads", 3)).endsWith(
                "config.json: num_key_value_heads (3) must divide num_attention_heads (4)"));
        assertTrue(refusal(true, c -> c.put("hidden_size", 20)).endsWith(
                "config.json: head_dim 16 is not hidden_size / num_attention_heads (20 / 4)"));
        assertTrue(refusal(true, c -> { c.remove("head_dim"); c.put("hidden_size", 20); }).endsWith(
                "config.json: head size (hidden_size / num_attention_heads = 5) must be even for rotary embeddings"));
        assertTrue(refusal(true, c -> c.putObject("rope_scaling").put("rope_type", "llama3")).contains("config.json: rope_scaling"));
        assertTrue(refusal(true, c -> c.put("hidden_act", "gelu")).endsWith("config.json: hidden_act \"gelu\" is not supported (silu is)"));
        assertTrue(refusal(true, c -> c.put("rope_theta", -1)).endsWith("config.json: rope_theta is -1, not a positive number"));
    }

    @Test
    void aLongerSequenceThanThePositionsIsRefused() {
        LoadedModel m = TinyModels.llama(true, 1);
        try (Parallel par = new Parallel(1)) {
            LanguageModel g = m.model(Kernels.named("vector"), par);
            assertEquals("sequence length 33 exceeds context 32",
                    assertThrows(IllegalArgumentException.class, () -> g.forward(new int[33], null, 1, 33)).getMessage());
        }
        assertInstanceOf(LlamaConfig.class, m.config());
    }

    /** Shards with an index, BF16, and a tied head stored beside the embedding (as many published Llamas are). */
    @Test
    void importsAShardedBf16LlamaWithAStoredTiedHead() throws Exception {
        LoadedModel m = TinyModels.llama(true, 9);
        LlamaConfig cfg = (LlamaConfig) m.config();
        Path src = tmp.resolve("src");
        HfDirectory.write(src, m, Dtype.BF16, Map.of());
        Files.delete(src.resolve(HfDirectory.WEIGHTS));
        List<LlamaNames.Slot> slots = LlamaNames.slots(cfg);
        List<Safetensors.Entry> a = new ArrayList<>(), b = new ArrayList<>();
        ObjectNode map = Safetensors.JSON.createObjectNode();
        for (int i = 0; i < slots.size(); i++) {
            LlamaNames.Slot s = slots.get(i);
            (i < slots.size() / 2 ? a : b).add(new Safetensors.Entry(s.name(), s.shape(), LlamaNames.extract(s, m.params()), 0));
            map.put(s.name(), i < slots.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        b.add(new Safetensors.Entry("lm_head.weight", slots.get(0).shape(), LlamaNames.extract(slots.get(0), m.params()), 0));
        map.put("lm_head.weight", "model-00002-of-00002.safetensors");
        Safetensors.write(src.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"), Dtype.BF16);
        Safetensors.write(src.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"), Dtype.BF16);
        ObjectNode index = Safetensors.JSON.createObjectNode();
        index.set("weight_map", map);
        Files.write(src.resolve(HfDirectory.INDEX), Safetensors.JSON.writeValueAsBytes(index));
        ModelStore store = new ModelStore(tmp.resolve("home"));
        ModelStore.Stored s = store.importHf(src, "tiny-llama", null, "Apache-2.0");
        assertEquals("llama", s.record().path("architecture").asText());
        LoadedModel back = Models.open("tiny-llama", tmp.resolve("home")).model();
        assertEquals(cfg, back.config());
        for (int i = 0; i < m.params().length; i++) assertEquals(Dtype.BF16.roundTrip(m.params()[i]), back.params()[i], "element " + i);
    }
}
