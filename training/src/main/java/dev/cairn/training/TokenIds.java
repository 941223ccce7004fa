package dev.cairn.training;

import dev.cairn.data.BpeTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Token ids under a BPE tokenizer, for benchmarks: one stream split as the PyTorch peer splits a {@code --tokens}
 * file (the first 90 %, rounded down, train; the rest validate), or splits given apart (held-out documents).
 */
public final class TokenIds implements TrainingData {
    private final BpeTokenizer tokenizer;
    private final int[] ids, train, validation;
    private final String digest, description;

    public TokenIds(int[] ids, BpeTokenizer tokenizer, String description) {
        this(Arrays.copyOfRange(ids, 0, (int) (0.9 * ids.length)), Arrays.copyOfRange(ids, (int) (0.9 * ids.length), ids.length), tokenizer, description);
    }

    /** Given splits (a held-out set of whole documents, for instance). */
    public TokenIds(int[] train, int[] validation, BpeTokenizer tokenizer, String description) {
        this.tokenizer = tokenizer;
        this.train = train.clone();
        this.validation = validation.clone();
        this.ids = Arrays.copyOf(train, train.length + validation.length);
        System.arraycopy(validation, 0, ids, train.length, validation.length);
        ByteBuffer b = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) b.putInt(id);
        this.digest = CharCorpus.sha256(("cairn-token-ids-v1\n" + tokenizer.digest() + "\n" + train.length + "\n" + CharCorpus.sha256(b.array()))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        this.description = description;
    }

    /** Every id, train then validation. */
    public int[] ids() { return ids.clone(); }
    @Override public int[] train() { return train; }
    @Override public int[] validation() { return validation; }
    @Override public int vocabSize() { return tokenizer.vocabSize(); }
    @Override public String digest() { return digest; }
    @Override public String description() { return description; }
    @Override public String decode(int[] ids, int from, int to) { return tokenizer.decode(Arrays.copyOfRange(ids, from, to)); }
    @Override public int[] encode(String text) { return tokenizer.encode(text); }
}
