package dev.cairn.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer in the GPT-2 family: GPT-2 pre-tokenisation ({@link GptPreTokenizer}), BPE over
 * UTF-8 bytes, and {@value #END_OF_TEXT} between documents. Encoding then decoding returns every valid string
 * exactly. Immutable and thread-safe (each thread gets its own encoder cache).
 *
 * <p>Interchange format: Hugging Face {@code tokenizer.json} (model BPE, ByteLevel pre-tokenizer and decoder).
 * {@link #digest()} is the SHA-256 of the canonical {@code tokenizer.json} bytes this class writes; it names
 * the tokenizer everywhere in Cairn.
 *
 * <p>{@link #encode(String)} treats its argument as ordinary text: a document that contains the characters
 * {@code <|endoftext|>} gets the ids of those characters, never the special id, so no document can forge a
 * document boundary. {@link #encodeDocuments} puts the special id after each document.
 */
public final class BpeTokenizer {
    /** The document separator. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    final int[] byteToId;
    final LongIntMap mergeRanks;
    final int[] mergeResult;
    private final int[] mergeLeft;
    private final int[] mergeRight;
    private final byte[][] tokenBytes;
    private final Map<String, Integer> specialTokens;
    private final boolean addPrefixSpace;
    private final int endOfTextId;
    private final byte[] json;
    private final String digest;
    private final ThreadLocal<BpeEncoder> encoders;

    private BpeTokenizer(byte[][] tokenBytes, int[] mergeLeft, int[] mergeRight, Map<String, Integer> specialTokens,
                         boolean addPrefixSpace) {
        this.tokenBytes = tokenBytes;
        this.mergeLeft = mergeLeft;
        this.mergeRight = mergeRight;
        this.specialTokens = Map.copyOf(specialTokens);
        this.addPrefixSpace = addPrefixSpace;
        Map<String, Integer> idOf = new HashMap<>();
        byteToId = new int[256];
        Arrays.fill(byteToId, -1);
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id] == null || specialTokens.containsValue(id)) continue;
            Integer prev = idOf.putIfAbsent(ByteLevel.encode(tokenBytes[id]), id);
            if (prev != null) throw new IllegalArgumentException("tokens " + prev + " and " + id + " have the same bytes");
            if (tokenBytes[id].length == 1) byteToId[tokenBytes[id][0] & 0xFF] = id;
        }
        mergeRanks = new LongIntMap(mergeLeft.length);
        mergeResult = new int[mergeLeft.length];
        for (int r = 0; r < mergeLeft.length; r++) {
            byte[] a = bytesOf(mergeLeft[r]), b = bytesOf(mergeRight[r]);
            byte[] ab = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, ab, a.length, b.length);
            Integer z = idOf.get(ByteLevel.encode(ab));
            if (z == null) throw new IllegalArgumentException("merge " + r + " (" + ByteLevel.quote(ByteLevel.encode(a)) + " + "
                    + ByteLevel.quote(ByteLevel.encode(b)) + ") makes a token that is not in the vocabulary");
            long key = LongIntMap.pair(mergeLeft[r], mergeRight[r]);
            if (mergeRanks.get(key) < 0) mergeRanks.put(key, r); // a repeated merge keeps its first rank, as HF
            mergeResult[r] = z;
        }
        Integer eot = specialTokens.get(END_OF_TEXT);
        endOfTextId = eot == null ? -1 : eot;
        json = writeHuggingFaceJson();
        digest = sha256Hex(json);
        encoders = ThreadLocal.withInitial(() -> new BpeEncoder(this));
    }

    private byte[] bytesOf(int id) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) throw new IllegalArgumentException("no token with id " + id);
        return tokenBytes[id];
    }

    /**
     * Trains a tokenizer of {@code vocabSize} ids (256 bytes, merges, and {@value #END_OF_TEXT} last) on the
     * documents; deterministic, see {@link BpeTrainer} for the tie-break rule. May stop short of vocabSize when
     * no pair occurs twice.
     */
    public static BpeTokenizer train(Iterable<? extends CharSequence> documents, int vocabSize) {
        BpeTrainer.Result r = BpeTrainer.train(documents, vocabSize);
        byte[][] tokens = new byte[r.tokens().size() + 1][];
        for (int i = 0; i < r.tokens().size(); i++) tokens[i] = r.tokens().get(i);
        int eot = tokens.length - 1;
        tokens[eot] = END_OF_TEXT.getBytes(StandardCharsets.UTF_8);
        return new BpeTokenizer(tokens, r.mergeLeft(), r.mergeRight(), Map.of(END_OF_TEXT, eot), false);
    }

    /** Number of ids (the largest id + 1). */
    public int vocabSize() {
        return tokenBytes.length;
    }

    /** The id of {@value #END_OF_TEXT}, or -1 when the tokenizer has none. */
    public int endOfTextId() {
        return endOfTextId;
    }

    /** Number of merges. */
    public int mergeCount() {
        return mergeLeft.length;
    }

    /** Lower-case hex SHA-256 of {@link #toHuggingFaceJson()}. */
    public String digest() {
        return digest;
    }

    /** The ids of ordinary text. */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 16);
        encodeInto(text, out);
        return out.toArray();
    }

    void encodeInto(CharSequence text, IntList out) {
        if (addPrefixSpace && !text.isEmpty() && text.charAt(0) != ' ') text = " " + text;
        encoders.get().encode(text, 0, text.length(), out);
    }

    /** The ids of the documents, each followed by {@value #END_OF_TEXT}. */
    public int[] encodeDocuments(Iterable<String> documents) {
        if (endOfTextId < 0) throw new IllegalStateException("this tokenizer has no " + END_OF_TEXT + " token");
        IntList out = new IntList(1024);
        for (String d : documents) {
            encodeInto(d, out);
            out.add(endOfTextId);
        }
        return out.toArray();
    }

    /** The bytes the ids stand for (a special token stands for its text). */
    public byte[] decodeBytes(int[] ids) {
        int n = 0;
        for (int id : ids) n += bytesOf(id).length;
        byte[] out = new byte[n];
        int p = 0;
        for (int id : ids) {
            byte[] b = tokenBytes[id];
            System.arraycopy(b, 0, out, p, b.length);
            p += b.length;
        }
        return out;
    }

    /** The text the ids stand for; byte sequences that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** The canonical Hugging Face {@code tokenizer.json} (UTF-8). */
    public byte[] toHuggingFaceJson() {
        return json.clone();
    }

    private byte[] writeHuggingFaceJson() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
            g.setPrettyPrinter(pp);
            g.writeStartObject();
            g.writeStringField("version", "1.0");
            g.writeNullField("truncation");
            g.writeNullField("padding");
            g.writeArrayFieldStart("added_tokens");
            List<Map.Entry<String, Integer>> specials = new ArrayList<>(specialTokens.entrySet());
            specials.sort(Map.Entry.comparingByValue());
            for (Map.Entry<String, Integer> e : specials) {
                g.writeStartObject();
                g.writeNumberField("id", e.getValue());
                g.writeStringField("content", e.getKey());
                g.writeBooleanField("single_word", false);
                g.writeBooleanField("lstrip", false);
                g.writeBooleanField("rstrip", false);
                g.writeBooleanField("normalized", false);
                g.writeBooleanField("special", true);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNullField("normalizer");
            g.writeObjectFieldStart("pre_tokenizer");
            writeByteLevel(g);
            g.writeEndObject();
            g.writeNullField("post_processor");
            g.writeObjectFieldStart("decoder");
            writeByteLevel(g);
            g.writeEndObject();
            g.writeObjectFieldStart("model");
            g.writeStringField("type", "BPE");
            g.writeNullField("dropout");
            g.writeNullField("unk_token");
            g.writeNullField("continuing_subword_prefix");
            g.writeNullField("end_of_word_suffix");
            g.writeBooleanField("fuse_unk", false);
            g.writeBooleanField("byte_fallback", false);
            g.writeBooleanField("ignore_merges", false);
            g.writeObjectFieldStart("vocab");
            for (int id = 0; id < tokenBytes.length; id++) {
                if (tokenBytes[id] == null) continue;
                String name = specialTokens.containsValue(id) ? new String(tokenBytes[id], StandardCharsets.UTF_8)
                        : ByteLevel.encode(tokenBytes[id]);
                g.writeNumberField(name, id);
            }
            g.writeEndObject();
            g.writeArrayFieldStart("merges");
            for (int r = 0; r < mergeLeft.length; r++) {
                g.writeString(ByteLevel.encode(tokenBytes[mergeLeft[r]]) + " " + ByteLevel.encode(tokenBytes[mergeRight[r]]));
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private void writeByteLevel(JsonGenerator g) throws IOException {
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", addPrefixSpace);
        g.writeBooleanField("trim_offsets", true);
        g.writeBooleanField("use_regex", true);
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json} with a BPE model over the ByteLevel alphabet, a ByteLevel
     * pre-tokenizer using the GPT-2 regex, and no normaliser. Merges may be written {@code "a b"} or
     * {@code ["a", "b"]}. Anything this encoder would not reproduce exactly is refused with a message naming
     * the field.
     */
    public static BpeTokenizer fromHuggingFaceJson(byte[] tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer.json is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("tokenizer.json: not a JSON object");
        JsonNode model = root.path("model");
        require(model.path("type").asText("").equals("BPE"), "model.type must be \"BPE\", got " + model.path("type"));
        require(isNullish(root.path("normalizer")), "normalizer must be null (got " + root.path("normalizer").path("type") + ")");
        JsonNode pre = root.path("pre_tokenizer");
        require(pre.path("type").asText("").equals("ByteLevel"), "pre_tokenizer.type must be \"ByteLevel\", got " + pre.path("type"));
        require(pre.path("use_regex").asBoolean(true), "pre_tokenizer.use_regex must be true");
        boolean prefixSpace = pre.path("add_prefix_space").asBoolean(false);
        require(isNullish(model.path("dropout")), "model.dropout must be null");
        require(isNullish(model.path("continuing_subword_prefix")) || model.path("continuing_subword_prefix").asText().isEmpty(),
                "model.continuing_subword_prefix must be null");
        require(isNullish(model.path("end_of_word_suffix")) || model.path("end_of_word_suffix").asText().isEmpty(),
                "model.end_of_word_suffix must be null");
        require(!model.path("byte_fallback").asBoolean(false), "model.byte_fallback must be false");
        require(!model.path("ignore_merges").asBoolean(false), "model.ignore_merges must be false");
        JsonNode vocab = model.path("vocab");
        require(vocab.isObject(), "model.vocab must be an object");
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            require(t.path("id").canConvertToInt() && t.path("id").asInt() >= 0 && t.path("content").isTextual(),
                    "added_tokens entries need a non-negative id and content");
            specials.put(t.path("content").asText(), t.path("id").asInt());
        }
        Map<String, Integer> ids = new HashMap<>();
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            require(e.getValue().canConvertToInt() && e.getValue().asInt() >= 0, "model.vocab[" + ByteLevel.quote(e.getKey()) + "] must be a non-negative integer");
            ids.put(e.getKey(), e.getValue().asInt());
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        for (int id : specials.values()) maxId = Math.max(maxId, id);
        // ids are dense, so the largest is below the count: checked before it sizes an array
        require(maxId < ids.size() + specials.size(), "token ids must run from 0 without gaps (largest id " + maxId + " for "
                + (ids.size() + specials.size()) + " tokens)");
        byte[][] tokens = new byte[maxId + 1][];
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            if (specials.containsKey(e.getKey())) continue;
            require(tokens[e.getValue()] == null, "model.vocab: id " + e.getValue() + " is used twice");
            tokens[e.getValue()] = ByteLevel.decode(e.getKey());
        }
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            require(tokens[e.getValue()] == null, "added_tokens: id " + e.getValue() + " is also an ordinary token");
            tokens[e.getValue()] = e.getKey().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode merges = model.path("merges");
        require(merges.isArray(), "model.merges must be an array");
        int[] left = new int[merges.size()], right = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            JsonNode m = merges.get(r);
            String a, b;
            if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ');
                require(sp > 0 && sp == s.lastIndexOf(' '), "model.merges[" + r + "] must be \"left right\"");
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            } else {
                require(m.isArray() && m.size() == 2, "model.merges[" + r + "] must be a pair");
                a = m.get(0).asText();
                b = m.get(1).asText();
            }
            Integer ia = ids.get(a), ib = ids.get(b);
            require(ia != null && ib != null, "model.merges[" + r + "] uses a token missing from model.vocab");
            left[r] = ia;
            right[r] = ib;
        }
        return new BpeTokenizer(tokens, left, right, specials, prefixSpace);
    }

    private static boolean isNullish(JsonNode n) {
        return n.isMissingNode() || n.isNull();
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("tokenizer.json: " + message);
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
