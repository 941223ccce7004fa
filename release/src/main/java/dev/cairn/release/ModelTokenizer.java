package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.data.BpeTokenizer;

/**
 * A model's tokenizer as a release carries it: Cairn's byte-level BPE, or a character vocabulary (character-level
 * runs). Both are written as a Hugging Face {@code tokenizer.json} that the {@code tokenizers} library loads and that
 * gives the same ids as Cairn.
 */
public interface ModelTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    int vocabSize();

    /** The id of {@code <|endoftext|>}, or -1 where the vocabulary has none (character vocabularies). */
    int endOfTextId();

    /** "bpe" or "char". */
    String kind();

    byte[] toHuggingFaceJson();

    /** SHA-256 of the tokenizer.json (for BPE, the digest Cairn's tokenizer store addresses it by). */
    default String digest() {
        return dev.cairn.ledger.Hex.encode(Bundles.sha256().digest(toHuggingFaceJson()));
    }

    static ModelTokenizer bpe(BpeTokenizer t) {
        return new Bpe(t);
    }

    static ModelTokenizer characters(int[] codePointById) {
        return new CharTokenizer(codePointById);
    }

    /** Reads a tokenizer.json Cairn can run: byte-level BPE, or a character vocabulary; the message names the file. */
    static ModelTokenizer fromHuggingFaceJson(byte[] json, String where) {
        JsonNode root;
        try {
            root = Safetensors.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(where + " is not a JSON object");
        if (CharTokenizer.isCharacterVocabulary(root)) return CharTokenizer.fromJson(root, where);
        try {
            return new Bpe(BpeTokenizer.fromHuggingFaceJson(json));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": not a tokenizer Cairn can run (" + e.getMessage() + ")");
        }
    }

    /** Cairn's byte-level BPE. */
    record Bpe(BpeTokenizer tokenizer) implements ModelTokenizer {
        @Override public int[] encode(String text) { return tokenizer.encode(text); }
        @Override public String decode(int[] ids) { return tokenizer.decode(ids); }
        @Override public int vocabSize() { return tokenizer.vocabSize(); }
        @Override public int endOfTextId() { return tokenizer.endOfTextId(); }
        @Override public String kind() { return "bpe"; }
        @Override public byte[] toHuggingFaceJson() { return tokenizer.toHuggingFaceJson(); }
    }
}
