package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HfExportTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void exportReadsBackBitForBit(boolean bias) throws Exception {
        LoadedModel m = TinyModels.character(bias, 7);
        HfDirectory.write(tmp, m, Dtype.F32, Map.of());
        LoadedModel back = HfDirectory.read(tmp);
        assertEquals(m.config(), back.config());
        assertArrayEquals(m.params(), back.params());
        assertEquals(m.weightsDigest(), back.weightsDigest());
        assertArrayEquals(m.tokenizer().encode("ROMEO: hi!\n"), back.tokenizer().encode("ROMEO: hi!\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16"})
    void halfPrecisionRoundsToNearestEven(String dtype) throws Exception {
        Dtype d = Dtype.fromOption(dtype);
        LoadedModel m = TinyModels.character(true, 3);
        HfDirectory.write(tmp, m, d, Map.of());
        LoadedModel back = HfDirectory.read(tmp);
        for (int i = 0; i < m.params().length; i++) assertEquals(d.roundTrip(m.params()[i]), back.params()[i], "element " + i);
        assertEquals(d.torchName(), Safetensors.JSON.readTree(tmp.resolve("config.json").toFile()).path("torch_dtype").asText());
    }

    @Test
    void bf16RoundingTiesGoToEven() {
        // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7: ties to the even one, 1.
        assertEquals(1.0f, Dtype.BF16.roundTrip(1.0f + 0x1p-8f));
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertEquals(1.0f + 0x1p-6f, Dtype.BF16.roundTrip(1.0f + 3 * 0x1p-8f));
        assertEquals(1.0f + 0x1p-7f, Dtype.BF16.roundTrip(1.0f + 0x1p-7f + 0x1p-10f));
        assertTrue(Float.isNaN(Dtype.BF16.roundTrip(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Dtype.BF16.roundTrip(Float.MAX_VALUE));
    }

    @Test
    void safetensorsLayoutIsExact() throws Exception {
        LoadedModel m = TinyModels.character(false, 1);
        HfDirectory.write(tmp, m, Dtype.F32, Map.of());
        byte[] all = Files.readAllBytes(tmp.resolve(HfDirectory.WEIGHTS));
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data starts at a multiple of 8");
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals(header.strip(), header.replaceAll(" +$", ""), "padding is trailing spaces");
        JsonNode h = Safetensors.JSON.readTree(header);
        assertEquals("pt", h.path("__metadata__").path("format").asText());
        long expect = 0;
        int tensors = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            tensors++;
            assertEquals(expect, e.getValue().path("data_offsets").get(0).asLong(), e.getKey() + " starts where the one before ends");
            expect = e.getValue().path("data_offsets").get(1).asLong();
            assertTrue(!e.getKey().startsWith("lm_head"), "the head is tied, not stored");
        }
        assertEquals(all.length - 8 - n, expect, "no bytes after the last tensor");
        assertEquals(2 + 12 * 2 + 2, tensors); // wte, wpe, 12 per layer, ln_f weight and bias (biases written as zeros)
        JsonNode c = Safetensors.JSON.readTree(tmp.resolve("config.json").toFile());
        assertEquals("gpt2", c.path("model_type").asText());
        assertEquals("GPT2LMHeadModel", c.path("architectures").get(0).asText());
        assertEquals("gelu_new", c.path("activation_function").asText());
        assertEquals(32, c.path("n_positions").asInt());
        assertEquals(32, c.path("n_ctx").asInt());
        assertTrue(c.path("tie_word_embeddings").asBoolean());
    }

    @Test
    void huggingFaceTokenizersGiveCairnsIdsForACharacterVocabulary() throws Exception {
        System.setProperty("OPT_OUT_TRACKING", "true");
        LoadedModel m = TinyModels.character(false, 1);
        HfDirectory.write(tmp, m, Dtype.F32, Map.of());
        String text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak!  $3 & more?";
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(Files.readAllBytes(tmp.resolve("tokenizer.json"))),
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"))) {
            long[] ids = hf.encode(text, false, false).getIds();
            assertArrayEquals(m.tokenizer().encode(text), Arrays.stream(ids).mapToInt(Math::toIntExact).toArray());
            assertEquals(text, hf.decode(ids, false));
        }
    }

    @Test
    void pyTorchReadingOfTheExportGivesTheSameLogits() throws Exception {
        var peer = Peers.torchHfGpt2();
        for (boolean bias : new boolean[] {true, false}) {
            LoadedModel m = TinyModels.character(bias, 11);
            Path dir = tmp.resolve("bias-" + bias);
            HfDirectory.write(dir, m, Dtype.F32, Map.of());
            int[] ids = m.tokenizer().encode("ROMEO:\nWhat light through yonder");
            Peers.Result r = Peers.run(Peers.concat(peer, "logits", dir.toString(), "--ids",
                    String.join(",", Arrays.stream(ids).mapToObj(String::valueOf).toList())), 300);
            assertEquals(0, r.exitCode(), r.err());
            JsonNode theirs = Safetensors.JSON.readTree(r.out()).path("logits_last");
            float[] ours = lastLogits(m, ids);
            assertEquals(ours.length, theirs.size());
            // relative difference as max |ours - theirs| / max |theirs| (per-element ratios blow up for logits near zero)
            double maxDiff = 0, scale = 0, maxRel = 0;
            for (int i = 0; i < ours.length; i++) {
                double t = theirs.get(i).asDouble();
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - t));
                scale = Math.max(scale, Math.abs(t));
                maxRel = Math.max(maxRel, Math.abs(ours[i] - t) / Math.max(1e-6, Math.abs(t)));
            }
            double worst = maxDiff / scale;
            System.out.printf("PyTorch peer vs Cairn logits, bias=%s: max |difference| / max |logit| = %.3g (largest per-element ratio %.3g)%n", bias, worst, maxRel);
            assertTrue(worst <= 1e-5, "bias=" + bias + ": logits differ by " + worst + " relative (max per-element " + maxRel + ")");
        }
    }

    static float[] lastLogits(LoadedModel m, int[] ids) {
        try (Parallel par = new Parallel(1)) {
            dev.cairn.model.LanguageModel g = m.model(Kernels.named("scalar"), par);
            g.forward(ids, null, 1, ids.length);
            return g.logitsAt(0, ids.length - 1, new float[m.config().vocabSize()]);
        }
    }
}
