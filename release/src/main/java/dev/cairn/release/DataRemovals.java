package dev.cairn.release;

import dev.cairn.data.DataException;
import dev.cairn.data.DatasetManifest;
import dev.cairn.data.DatasetStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Documents of a dataset version that later versions removed, with the reasons: what a release trained on but should no longer carry. */
final class DataRemovals {
    private DataRemovals() {}

    /** "id… (reason)" for each document of {@code ref} (NAME@VERSION) removed by a later version; empty if the dataset is not here. */
    static List<String> removedSince(Path home, String ref) {
        DatasetStore store = new DatasetStore(home);
        DatasetManifest trained;
        List<DatasetManifest> history;
        try {
            trained = store.manifest(ref);
            history = store.history(trained.name());
        } catch (DataException | IllegalArgumentException e) {
            return List.of();
        }
        Set<String> had = new HashSet<>(trained.documentIds());
        List<String> out = new ArrayList<>();
        for (DatasetManifest m : history) {
            if (m.version() <= trained.version() || !"remove".equals(m.change().path("kind").asText())) continue;
            String doc = m.change().path("document").asText();
            if (had.contains(doc)) out.add(doc.substring(0, Math.min(12, doc.length())) + "… removed in " + m.ref() + " (" + m.change().path("reason").asText() + ")");
        }
        return out;
    }
}
