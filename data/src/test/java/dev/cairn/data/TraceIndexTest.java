package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceIndexTest {
    @TempDir Path home;
    @TempDir Path in;

    @Property(tries = 300)
    void suffixArrayIsSorted(@ForAll @Size(max = 200) byte[] s) {
        byte[] t = s.clone();
        for (int i = 0; i < t.length; i++) t[i] = (byte) (t[i] & 0x83); // few distinct bytes: long repeats
        Integer[] naive = IntStream.range(0, t.length).boxed().toArray(Integer[]::new);
        Arrays.sort(naive, Comparator.comparing(i -> Arrays.copyOfRange(t, i, t.length), Arrays::compareUnsigned));
        assertArrayEquals(Arrays.stream(naive).mapToInt(Integer::intValue).toArray(), TraceIndex.suffixArray(t));
    }

    @Test
    void findsSpansWithOffsets() throws Exception {
        Path f = in.resolve("d.jsonl");
        Files.writeString(f, "{\"text\":\"The café by the river opens early; the river is calm.\"}\n"
                + "{\"text\":\"Another text about mountains, with no water in it at all, only rocks.\"}\n");
        DatasetStore store = new DatasetStore(home);
        store.add(new DatasetStore.AddRequest("t", List.of(f), "CC0-1.0", "https://example.org", DatasetPolicy.defaults(), false));
        TraceIndex idx = TraceIndex.open(store, "t@1");
        TraceIndex.Result r = idx.find("the river", 10);
        assertEquals(2, r.count());
        String id = r.matches().getFirst().documentId();
        String text = store.text("t", id);
        assertEquals(text.indexOf("the river"), r.matches().getFirst().charOffset());
        assertEquals(text.substring(0, text.indexOf("the river")).getBytes(StandardCharsets.UTF_8).length, r.matches().getFirst().byteOffset());
        assertEquals(text.lastIndexOf("the river"), r.matches().get(1).charOffset());
        assertEquals(0, idx.find("calm.\uFFFFAnother", 10).count());
        assertEquals(1, TraceIndex.open(store, "t").find("rocks.", 10).count(), "reads the stored index");
        assertTrue(Files.exists(home.resolve("datasets/t/trace").resolve(store.manifest("t").root() + ".sa")));
    }
}
