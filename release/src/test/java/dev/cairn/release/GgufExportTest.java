package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.ledger.Hex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our GGUF read back by Hugging Face's independent parser (@huggingface/gguf): metadata and every tensor's bytes. */
class GgufExportTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16"})
    void huggingFaceParserReadsEveryTensor(String dtype) throws Exception {
        Path node = Peers.nodeScripts();
        Dtype d = Dtype.fromOption(dtype);
        LoadedModel m = TinyModels.character(true, 5);
        Path f = tmp.resolve("m.gguf");
        Gguf.write(f, m, d, "tiny");
        Peers.Result r = Peers.run(List.of("node", node.resolve("read-gguf.mjs").toString(), f.toString()), 120);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode g = Safetensors.JSON.readTree(r.out());
        assertEquals(3, g.path("version").asInt());
        JsonNode meta = g.path("metadata");
        assertEquals("gpt2", meta.path("general.architecture").asText());
        assertEquals(64, meta.path("gpt2.embedding_length").asInt());
        assertEquals(256, meta.path("gpt2.feed_forward_length").asInt());
        assertEquals(2, meta.path("gpt2.block_count").asInt());
        assertEquals(4, meta.path("gpt2.attention.head_count").asInt());
        assertEquals(32, meta.path("gpt2.context_length").asInt());
        assertEquals(m.config().vocabSize(), meta.path("tokenizer.ggml.tokens").path("length").asInt());
        assertEquals(0, g.path("tensor_data_offset").asLong() % 32);
        List<Gguf.Tensor> want = Gguf.tensors((dev.cairn.model.GptConfig) m.config());
        assertEquals(want.size(), g.path("tensors").size());
        for (int i = 0; i < want.size(); i++) {
            Gguf.Tensor t = want.get(i);
            JsonNode got = g.path("tensors").get(i);
            assertEquals(t.name(), got.path("name").asText());
            assertEquals(0, got.path("offset").asLong() % 32, t.name() + " aligned");
            assertEquals(t.vector() ? "[" + t.cols() + "]" : "[" + t.cols() + "," + t.rows() + "]", got.path("dims").toString(), t.name());
            Dtype td = t.vector() ? Dtype.F32 : d;
            assertEquals(td == Dtype.F16 ? 1 : 0, got.path("dtype").asInt(), t.name());
            assertEquals(expectedDigest(m, t, td), got.path("sha256").asText(), t.name() + " bytes");
        }
    }

    /** The tensor as llama.cpp wants it (row r = output r), encoded independently of the writer's loop. */
    static String expectedDigest(LoadedModel m, Gguf.Tensor t, Dtype d) throws Exception {
        ByteBuffer b = ByteBuffer.allocate((int) t.count() * d.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.cols(); c++) {
                float v = t.offset() < 0 ? 0f : m.params()[t.transpose() ? t.offset() + c * t.rows() + r : t.offset() + r * t.cols() + c];
                if (d == Dtype.F16) b.putShort(Float.floatToFloat16(v));
                else b.putFloat(v);
            }
        }
        return Hex.encode(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }
}
