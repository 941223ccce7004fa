package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed safetensors file or model directory gets one clear message naming the file and the tensor or field. */
class BadModelFilesTest {
    @TempDir Path tmp;

    private Path safetensors(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private String refusal(Path f) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.open(f).close());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void headerLengthPastTheFile() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Files.write(f, b.array());
        assertTrue(refusal(f).contains("runs past the end"));
    }

    @Test
    void headerOverTheLimit() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200L * 1024 * 1024).putLong(0).array());
        assertTrue(refusal(f).contains("limit"));
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path f = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        String m = refusal(f);
        assertTrue(m.contains("tensor b") && m.contains("overlaps"), m);
    }

    @Test
    void gapBetweenTensors() throws IOException {
        Path f = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
        assertTrue(refusal(f).contains("gap"));
    }

    @Test
    void offsetsOutOfOrder() throws IOException {
        Path f = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8);
        assertTrue(refusal(f).contains("out of order"));
    }

    @Test
    void shapeDoesNotMatchByteRange() throws IOException {
        Path f = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        String m = refusal(f);
        assertTrue(m.contains("tensor w") && m.contains("needs 12 bytes"), m);
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = safetensors("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        assertTrue(refusal(f).contains("unknown dtype \"Q4\""));
        Path g = safetensors("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        assertTrue(refusal(g).contains("I64 is not supported"));
    }

    @Test
    void duplicateTensorNames() throws IOException {
        Path f = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertTrue(refusal(f).contains("Duplicate field 'w'"));
    }

    @Test
    void trailingBytesAfterTheLastTensor() throws IOException {
        Path f = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 9);
        assertTrue(refusal(f).contains("cover 4 bytes of data but the file holds 9"));
    }

    @Test
    void configThatDisagreesWithTheTensors() throws IOException {
        HfDirectory.write(tmp, TinyModels.character(true, 1), Dtype.F32, Map.of());
        Path cf = tmp.resolve("config.json");
        ObjectNode c = (ObjectNode) Safetensors.JSON.readTree(cf.toFile());
        c.put("n_embd", 128);
        Files.write(cf, Safetensors.JSON.writeValueAsBytes(c));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().contains("transformer.wte.weight has shape [65, 64] but config.json implies [65, 128]"), e.getMessage());
        c.put("n_embd", 64).put("model_type", "mistral");
        Files.write(cf, Safetensors.JSON.writeValueAsBytes(c));
        e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().endsWith("model_type \"mistral\" is not supported (gpt2 and llama are)"), e.getMessage());
        c.put("model_type", "llama"); // a GPT-2 config read as Llama: the first Llama field it lacks is named
        Files.write(cf, Safetensors.JSON.writeValueAsBytes(c));
        e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().endsWith("config.json: hidden_size is missing"), e.getMessage());
    }

    @Test
    void missingOrForeignTokenizer() throws IOException {
        HfDirectory.write(tmp, TinyModels.character(true, 1), Dtype.F32, Map.of());
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().contains("tokenizer.json: not a tokenizer Cairn can run"), e.getMessage());
        Files.delete(tmp.resolve("tokenizer.json"));
        e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().contains("tokenizer.json: missing"), e.getMessage());
    }

    @Test
    void unknownOrMissingTensorIsNamed() throws IOException {
        LoadedModel m = TinyModels.character(true, 1);
        HfDirectory.write(tmp, m, Dtype.F32, Map.of());
        Path st = tmp.resolve(HfDirectory.WEIGHTS);
        var entries = new java.util.ArrayList<Safetensors.Entry>();
        for (Gpt2Names.Slot s : Gpt2Names.slots((dev.cairn.model.GptConfig) m.config())) {
            if (s.name().equals("transformer.h.1.mlp.c_fc.bias")) continue;
            entries.add(new Safetensors.Entry(s.name(), s.shape(), m.params(), s.offset()));
        }
        Safetensors.write(st, entries, Map.of(), Dtype.F32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertEquals(tmp + ": tensor transformer.h.1.mlp.c_fc.bias is missing", e.getMessage());
        entries.add(new Safetensors.Entry("transformer.h.1.mlp.c_fc.bias", new long[] {256}, m.params(), 0));
        entries.add(new Safetensors.Entry("transformer.h.0.mlp.gate.weight", new long[] {4}, m.params(), 0));
        Safetensors.write(st, entries, Map.of(), Dtype.F32);
        e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.read(tmp));
        assertTrue(e.getMessage().contains("unknown tensor transformer.h.0.mlp.gate.weight"), e.getMessage());
    }
}
