package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.data.DatasetPolicy;
import dev.cairn.data.DatasetStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataRemovalsTest {
    @TempDir Path home;

    @Test
    void aDocumentRemovedAfterTrainingIsNamedWithItsReason() throws Exception {
        Path docs = Files.createDirectories(home.resolve("docs"));
        Files.writeString(docs.resolve("a.txt"), "The first document, long enough to be kept by the quality rules of the ingest.");
        Files.writeString(docs.resolve("b.txt"), "A second document with other words entirely, also long enough to be kept here.");
        DatasetStore store = new DatasetStore(home);
        var v1 = store.add(new DatasetStore.AddRequest("corpus", List.of(docs), "CC-BY-4.0", "https://example.org/c", DatasetPolicy.defaults(), false)).manifest();
        assertEquals(2, v1.documents().size());
        assertEquals(List.of(), DataRemovals.removedSince(home, "corpus@1"));
        String gone = v1.documents().getFirst().id();
        store.remove("corpus", gone, "takedown request");
        List<String> r = DataRemovals.removedSince(home, "corpus@1");
        assertEquals(1, r.size());
        assertTrue(r.getFirst().startsWith(gone.substring(0, 12)) && r.getFirst().endsWith("removed in corpus@2 (takedown request)"), r.getFirst());
        assertEquals(List.of(), DataRemovals.removedSince(home, "corpus@2"));
        assertEquals(List.of(), DataRemovals.removedSince(home, "elsewhere@1"));
    }
}
