package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A character vocabulary (id to code point), as character-level runs use. Its tokenizer.json is a BPE model with
 * one token per character, no merges, no pre-tokenizer and a Fuse decoder: Hugging Face's {@code tokenizers} then
 * splits text into characters and looks each up, exactly as Cairn does.
 */
final class CharTokenizer implements ModelTokenizer {
    private final int[] codePoints;
    private final Map<Integer, Integer> ids = new HashMap<>();

    CharTokenizer(int[] codePointById) {
        codePoints = codePointById.clone();
        for (int i = 0; i < codePoints.length; i++) {
            if (ids.put(codePoints[i], i) != null) throw new IllegalArgumentException("character U+" + Integer.toHexString(codePoints[i]) + " appears twice");
        }
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(cp -> {
            Integer id = ids.get(cp);
            if (id == null) throw new IllegalArgumentException("the character " + new String(Character.toChars(cp))
                    + " (U+" + Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT) + ") is not in the model's vocabulary");
            return id;
        }).toArray();
    }

    @Override
    public String decode(int[] idsIn) {
        StringBuilder sb = new StringBuilder();
        for (int id : idsIn) {
            if (id < 0 || id >= codePoints.length) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
            sb.appendCodePoint(codePoints[id]);
        }
        return sb.toString();
    }

    @Override public int vocabSize() { return codePoints.length; }
    @Override public int endOfTextId() { return -1; }
    @Override public String kind() { return "char"; }

    int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public byte[] toHuggingFaceJson() {
        ObjectNode root = Safetensors.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < codePoints.length; i++) vocab.put(new String(Character.toChars(codePoints[i])), i);
        model.putArray("merges");
        try {
            return Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A BPE model without merges, pre-tokenizer or normaliser whose every token is one character. */
    static boolean isCharacterVocabulary(JsonNode root) {
        JsonNode m = root.path("model");
        if (!"BPE".equals(m.path("type").asText()) || !m.path("merges").isArray() || !m.path("merges").isEmpty()) return false;
        if (!root.path("pre_tokenizer").isNull() && !root.path("pre_tokenizer").isMissingNode()) return false;
        if (!m.path("vocab").isObject()) return false;
        for (Iterator<String> it = m.path("vocab").fieldNames(); it.hasNext(); ) {
            String s = it.next();
            if (s.codePointCount(0, s.length()) != 1) return false;
        }
        return true;
    }

    static CharTokenizer fromJson(JsonNode root, String where) {
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            throw new IllegalArgumentException(where + ": a character vocabulary with a normalizer is not supported");
        }
        JsonNode vocab = root.path("model").path("vocab");
        int n = vocab.size();
        int[] cps = new int[n];
        boolean[] seen = new boolean[n];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String ch = e.getKey();
            if (ch.codePointCount(0, ch.length()) != 1) throw new IllegalArgumentException(where + ": model.vocab entry \"" + ch + "\" is not one character");
            int id = e.getValue().asInt(-1);
            if (!e.getValue().isInt() || id < 0 || id >= n || seen[id]) {
                throw new IllegalArgumentException(where + ": model.vocab[\"" + ch + "\"] = " + e.getValue() + " is not a unique id in [0, " + n + ")");
            }
            seen[id] = true;
            cps[id] = ch.codePointAt(0);
        }
        return new CharTokenizer(cps);
    }
}
