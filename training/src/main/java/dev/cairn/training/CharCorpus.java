package dev.cairn.training;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * Character-level data as nanoGPT's shakespeare_char prepares it: the vocabulary is the sorted set of
 * characters (code points) of the text, the first 90% of the characters train and the last 10% validate.
 */
public final class CharCorpus implements TrainingData {
    private final int[] vocab;     // id -> code point, sorted
    private final int[] train, val;
    private final String digest, description;

    public CharCorpus(String text, String description, int minLength) {
        int[] cps = text.codePoints().toArray();
        if (cps.length < minLength) {
            throw new IllegalArgumentException(description + " is too short: " + cps.length
                    + " characters, need at least " + minLength + " (context + 1 in each split)");
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (int c : cps) set.add(c);
        vocab = set.stream().mapToInt(Integer::intValue).toArray();
        int[] ids = new int[cps.length];
        for (int i = 0; i < cps.length; i++) ids[i] = java.util.Arrays.binarySearch(vocab, cps[i]);
        int n = (int) (0.9 * ids.length);
        train = java.util.Arrays.copyOfRange(ids, 0, n);
        val = java.util.Arrays.copyOfRange(ids, n, ids.length);
        this.description = description;
        this.digest = sha256(("cairn-char-corpus-v1\n" + text).getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a UTF-8 text file; the error names the file and what is wrong. */
    public static CharCorpus read(Path file, int ctx) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("data file not found: " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read data file " + file + ": " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("data file " + file + " is not valid UTF-8");
        }
        if (text.isEmpty()) throw new IllegalArgumentException("data file " + file + " is empty");
        // Both splits must hold at least one full window plus its target.
        return new CharCorpus(text, file.getFileName().toString(), 10 * (ctx + 1) + 1);
    }

    /** Rebuilds a corpus's vocabulary from its stored code points (for generation without the data). */
    public static CharCorpus vocabularyOnly(int[] codePoints) {
        return new CharCorpus(codePoints);
    }

    private CharCorpus(int[] codePoints) {
        vocab = codePoints.clone();
        train = new int[0];
        val = new int[0];
        digest = "";
        description = "vocabulary";
    }

    public int[] codePoints() {
        return vocab.clone();
    }

    @Override public int[] train() { return train; }
    @Override public int[] validation() { return val; }
    @Override public int vocabSize() { return vocab.length; }
    @Override public String digest() { return digest; }
    @Override public String description() { return description; }

    @Override
    public String decode(int[] ids, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) sb.appendCodePoint(vocab[ids[i]]);
        return sb.toString();
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(c -> {
            int id = java.util.Arrays.binarySearch(vocab, c);
            if (id < 0) {
                throw new IllegalArgumentException("the prompt has a character the model's vocabulary lacks: '"
                        + new String(Character.toChars(c)) + "' (U+" + Integer.toHexString(c).toUpperCase() + ")");
            }
            return id;
        }).toArray();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
