package dev.cairn.data;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Leftovers;
import dev.cairn.ledger.StoreLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.AbstractList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Tokenizers under {@code HOME/tokenizers/DIGEST/}: {@code tokenizer.json} (whose SHA-256 is DIGEST) and
 * {@code provenance.json} (the dataset version and vocabulary size it was trained with). A reference is the
 * full digest or a unique prefix of at least 8 hex digits. Storing holds the store's {@link StoreLock}
 * ({@code tokenizers/.lock}); training, which only reads a dataset, does not.
 */
public final class TokenizerStore {
    private final Path root;

    public TokenizerStore(Path home) {
        this.root = home.resolve("tokenizers");
    }

    /** A stored tokenizer. */
    public record Stored(String digest, Path file, BpeTokenizer tokenizer) {}

    /** Trains on the documents of a dataset version (canonical order) and stores the result. */
    public Stored train(DatasetStore datasets, String datasetRef, int vocabSize) {
        return train(datasets, datasetRef, vocabSize, null, null);
    }

    /**
     * As {@link #train(DatasetStore, String, int)} on the documents whose ids {@code keep} accepts (a held-out set
     * stays out of the tokenizer too); {@code rule} says which, for the provenance.
     */
    public Stored train(DatasetStore datasets, String datasetRef, int vocabSize, java.util.function.Predicate<String> keep, String rule) {
        DatasetManifest m = datasets.manifest(datasetRef);
        List<String> ids = keep == null ? m.documentIds() : m.documentIds().stream().filter(keep).toList();
        if (ids.isEmpty()) throw new DataException(m.ref() + ": no documents to train a tokenizer on");
        List<String> texts = new AbstractList<>() { // read lazily: one document in memory at a time
            @Override public String get(int i) { return datasets.text(m.name(), ids.get(i)); }
            @Override public int size() { return ids.size(); }
        };
        BpeTokenizer t;
        try {
            t = BpeTokenizer.train(texts, vocabSize);
        } catch (IllegalArgumentException e) {
            throw new DataException("--vocab: " + e.getMessage());
        }
        ObjectNode prov = JsonNodeFactory.instance.objectNode();
        prov.put("digest", t.digest());
        prov.put("dataset", m.ref());
        prov.put("dataset_root", m.root());
        if (keep != null) {
            prov.put("documents", ids.size());
            prov.put("documents_rule", rule);
        }
        prov.put("vocab_size_requested", vocabSize);
        prov.put("vocab_size", t.vocabSize());
        prov.put("merges", t.mergeCount());
        prov.put("trained", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        prov.put("algorithm", "byte-level BPE, GPT-2 pre-tokenisation; ties: smallest left id, then right id");
        return store(t, prov);
    }

    /** Stores a tokenizer (idempotent: the digest names it). */
    public Stored store(BpeTokenizer t, ObjectNode provenance) {
        Path dir = root.resolve(t.digest());
        Path file = dir.resolve("tokenizer.json");
        try (StoreLock lock = StoreLock.acquire(root.resolve(".lock"), "tokenizer store " + root)) {
            Leftovers.sweep(dir); // a killed writer's temporary files
            if (!Files.exists(file)) AtomicWrite.write(file, t.toHuggingFaceJson());
            Path p = dir.resolve("provenance.json");
            if (!Files.exists(p)) AtomicWrite.write(p, CanonicalJson.canonicalize(provenance));
        } catch (IOException e) {
            throw new DataException(dir + ": " + e.getMessage(), e);
        }
        return new Stored(t.digest(), file, t);
    }

    /** Loads by digest or unique prefix, checking the file's digest. */
    public Stored load(String ref) {
        if (ref == null || !ref.matches("[0-9a-f]{8,64}")) throw new DataException("tokenizer reference " + ByteLevel.quote(String.valueOf(ref)) + " must be 8 to 64 lower-case hex digits of its digest");
        List<Path> matches;
        try (Stream<Path> s = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            matches = s.filter(p -> p.getFileName().toString().startsWith(ref)).toList();
        } catch (IOException e) {
            throw new DataException(root + ": " + e.getMessage(), e);
        }
        if (matches.isEmpty()) throw new DataException("no tokenizer " + ref + " under " + root);
        if (matches.size() > 1) throw new DataException("tokenizer reference " + ref + " is ambiguous (" + matches.size() + " match)");
        Path file = matches.getFirst().resolve("tokenizer.json");
        try {
            byte[] json = Files.readAllBytes(file);
            String digest = BpeTokenizer.sha256Hex(json);
            if (!digest.equals(matches.getFirst().getFileName().toString())) throw new DataException(file + ": content digest " + digest + " does not match its directory");
            BpeTokenizer t = BpeTokenizer.fromHuggingFaceJson(json);
            return new Stored(t.digest(), file, t);
        } catch (IOException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
    }
}
