package dev.cairn.training;

import dev.cairn.data.BpeTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Token ids of one text under a BPE tokenizer, split as the PyTorch peer splits a {@code --tokens} file: the first
 * 90 % (rounded down) train, the rest validate. For benchmarks that must feed Cairn and the peer the same ids.
 */
public final class TokenIds implements TrainingData {
    private final BpeTokenizer tokenizer;
    private final int[] ids, train, validation;
    private final String digest, description;

    public TokenIds(int[] ids, BpeTokenizer tokenizer, String description) {
        this.ids = ids.clone();
        this.tokenizer = tokenizer;
        int n = (int) (0.9 * ids.length);
        this.train = Arrays.copyOfRange(ids, 0, n);
        this.validation = Arrays.copyOfRange(ids, n, ids.length);
        ByteBuffer b = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) b.putInt(id);
        this.digest = CharCorpus.sha256(("cairn-token-ids-v1\n" + tokenizer.digest() + "\n" + CharCorpus.sha256(b.array()))
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
