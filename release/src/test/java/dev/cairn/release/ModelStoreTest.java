package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    @TempDir Path tmp;

    /** A sharded BF16 directory, as large models are published: two shards and model.safetensors.index.json. */
    @Test
    void importsAShardedBf16DirectoryByContentDigest() throws Exception {
        LoadedModel m = TinyModels.character(true, 9);
        Path src = tmp.resolve("src");
        HfDirectory.write(src, m, Dtype.BF16, Map.of());
        Files.delete(src.resolve(HfDirectory.WEIGHTS));
        List<Gpt2Names.Slot> slots = Gpt2Names.slots((dev.cairn.model.GptConfig) m.config());
        List<Safetensors.Entry> a = new ArrayList<>(), b = new ArrayList<>();
        ObjectNode index = Safetensors.JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < slots.size(); i++) {
            Gpt2Names.Slot s = slots.get(i);
            String bare = Gpt2Names.bare(s.name()); // files written by GPT2Model carry no "transformer." prefix
            (i < slots.size() / 2 ? a : b).add(new Safetensors.Entry(bare, s.shape(), m.params(), s.offset()));
            map.put(bare, i < slots.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Safetensors.write(src.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"), Dtype.BF16);
        Safetensors.write(src.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"), Dtype.BF16);
        Files.write(src.resolve(HfDirectory.INDEX), Safetensors.JSON.writeValueAsBytes(index));
        ModelStore store = new ModelStore(tmp.resolve("home"));
        ModelStore.Stored s = store.importHf(src, "tiny-bf16", "https://example.org/tiny", "Apache-2.0");
        assertEquals(ModelSigning.rootDigest(ModelStore.fileDigests(src)), s.digest());
        assertEquals(s.dir(), store.find("tiny-bf16").dir());
        assertEquals(s.dir(), store.find(s.digest().substring(0, 10)).dir());
        LoadedModel back = Models.open("tiny-bf16", tmp.resolve("home")).model();
        for (int i = 0; i < m.params().length; i++) assertEquals(Dtype.BF16.roundTrip(m.params()[i]), back.params()[i]);
        assertArrayEquals(back.params(), store.weightsByDigest(back.weightsDigest()));
        store.check(s);
        // the same name for other weights is refused, and nothing is added
        Path other = tmp.resolve("other");
        HfDirectory.write(other, TinyModels.character(true, 10), Dtype.F32, Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> store.importHf(other, "tiny-bf16", null, null));
        assertTrue(e.getMessage().contains("a different model is already imported as tiny-bf16"), e.getMessage());
        try (var list = Files.list(tmp.resolve("home/models"))) {
            assertEquals(1, list.filter(p -> !p.getFileName().toString().startsWith(".")).count());
        }
    }

    @Test
    void aBrokenDirectoryIsRefusedAndLeavesNothing() throws Exception {
        Path src = tmp.resolve("src");
        HfDirectory.write(src, TinyModels.character(false, 1), Dtype.F32, Map.of());
        Files.writeString(src.resolve("config.json"), "{\"model_type\":\"gpt2\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> new ModelStore(tmp.resolve("home")).importHf(src, "x", null, null));
        assertTrue(e.getMessage().contains("vocab_size is missing"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("home/models")));
    }
}
