package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the trainer reads: a dataset version tokenised by a stored tokenizer. The token stream is the documents
 * in manifest order (ascending id), each followed by {@code <|endoftext|>}. <b>Split rule</b>: the first
 * ⌊0.9·N⌋ tokens of the stream are training data, the remaining tokens validation.
 *
 * <p>The stream is cached as content-addressed shards ({@link TokenShard}) under
 * {@code HOME/datasets/NAME/tokens/}, with an index {@code ROOT-TOKENIZERDIGEST.json}; a second load reads
 * and checks the shards instead of tokenising again.
 */
public final class TokenizedDataset {
    static final int SHARD_TOKENS = 1 << 26;

    private final DatasetManifest manifest;
    private final BpeTokenizer tokenizer;
    private final int[] stream;
    private final int split;

    private TokenizedDataset(DatasetManifest manifest, BpeTokenizer tokenizer, int[] stream) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.stream = stream;
        this.split = (int) (stream.length * 9L / 10);
    }

    /** Loads (tokenising and caching shards on first use) {@code NAME[@VERSION]} with tokenizer {@code DIGEST-or-prefix}. */
    public static TokenizedDataset load(Path home, String datasetRef, String tokenizerRef) {
        DatasetStore store = new DatasetStore(home);
        DatasetManifest m = store.manifest(datasetRef);
        BpeTokenizer t = new TokenizerStore(home).load(tokenizerRef).tokenizer();
        if (t.endOfTextId() < 0) throw new DataException("tokenizer " + t.digest() + " has no <|endoftext|> token to separate documents");
        Path dir = store.dir(m.name()).resolve("tokens");
        Path index = dir.resolve(m.root() + "-" + t.digest() + ".json");
        try {
            if (Files.exists(index)) return new TokenizedDataset(m, t, readShards(dir, index, m, t));
            IntList out = new IntList(1 << 16);
            for (String id : m.documentIds()) {
                t.encodeInto(store.text(m.name(), id), out);
                out.add(t.endOfTextId());
            }
            int[] ids = out.toArray();
            ObjectNode idx = JsonNodeFactory.instance.objectNode();
            idx.put("format", "cairn.token-shards/v1");
            idx.put("dataset", m.ref());
            idx.put("dataset_root", m.root());
            idx.put("tokenizer", t.digest());
            idx.put("tokens", ids.length);
            idx.put("stream", "documents in manifest order, each followed by <|endoftext|>");
            idx.put("split", "train = first floor(0.9 * tokens), validation = the rest");
            var shards = idx.putArray("shards");
            for (int from = 0; from < ids.length || from == 0; from += SHARD_TOKENS) {
                int to = Math.min(ids.length, from + SHARD_TOKENS);
                byte[] bytes = TokenShard.encode(ids, from, to, t.vocabSize(), t.digest(), m.root());
                String sha = Hex.encode(MerkleTree.sha256(bytes));
                Path f = dir.resolve(sha + ".bin");
                if (!Files.exists(f)) AtomicWrite.write(f, bytes);
                shards.addObject().put("sha256", sha).put("tokens", to - from);
                if (to == ids.length) break;
            }
            AtomicWrite.write(index, CanonicalJson.canonicalize(idx));
            return new TokenizedDataset(m, t, ids);
        } catch (IOException e) {
            throw new DataException(dir + ": " + e.getMessage(), e);
        }
    }

    private static int[] readShards(Path dir, Path index, DatasetManifest m, BpeTokenizer t) throws IOException {
        JsonNode idx = CanonicalJson.parse(Files.readAllBytes(index));
        int[] ids = new int[idx.path("tokens").asInt()];
        int at = 0;
        for (JsonNode s : idx.path("shards")) {
            Path f = dir.resolve(s.path("sha256").asText() + ".bin");
            byte[] bytes = Files.readAllBytes(f);
            if (!Hex.encode(MerkleTree.sha256(bytes)).equals(s.path("sha256").asText())) throw new DataException(f + ": content does not hash to its name");
            int[] part = TokenShard.decode(bytes, t.digest(), m.root(), f.toString());
            System.arraycopy(part, 0, ids, at, part.length);
            at += part.length;
        }
        if (at != ids.length) throw new DataException(index + ": shards hold " + at + " tokens, index says " + ids.length);
        return ids;
    }

    /** Training tokens: the first ⌊0.9·N⌋ of the stream (a copy). */
    public int[] train() {
        return java.util.Arrays.copyOfRange(stream, 0, split);
    }

    /** Validation tokens: the rest of the stream (a copy). */
    public int[] validation() {
        return java.util.Arrays.copyOfRange(stream, split, stream.length);
    }

    public int vocabSize() {
        return tokenizer.vocabSize();
    }

    public BpeTokenizer tokenizer() {
        return tokenizer;
    }

    public int endOfTextId() {
        return tokenizer.endOfTextId();
    }

    /** {@code NAME@VERSION}. */
    public String datasetRef() {
        return manifest.ref();
    }

    /** Lower-case hex RFC 6962 root of the dataset version. */
    public String datasetRoot() {
        return manifest.root();
    }

    /** Lower-case hex SHA-256 of the tokenizer.json. */
    public String tokenizerDigest() {
        return tokenizer.digest();
    }

    /** The text of ids. */
    public String decode(int[] ids) {
        return tokenizer.decode(ids);
    }

    /** The ids of a text (for prompts). */
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    /** The data order for a seed: a function of (seed, dataset root, tokenizer digest) only. */
    public DataOrder order(long seed) {
        return new DataOrder(seed, datasetRoot(), tokenizerDigest());
    }
}
