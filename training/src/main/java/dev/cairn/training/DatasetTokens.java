package dev.cairn.training;

import dev.cairn.data.DataOrder;
import dev.cairn.data.TokenizedDataset;
import java.nio.charset.StandardCharsets;

/**
 * A registered dataset version tokenised by a stored tokenizer (the data room's {@link TokenizedDataset}).
 * Batches come from the data room's {@link DataOrder}, a function of (seed, dataset root, tokenizer digest)
 * only, so anyone holding the dataset and tokenizer can recompute every batch of a run.
 */
public final class DatasetTokens implements TrainingData {
    private final TokenizedDataset ds;
    private final String digest;
    private final int[] train, validation;
    private DataOrder order;
    private long orderSeed;

    public DatasetTokens(TokenizedDataset ds) {
        this.ds = ds;
        this.train = ds.train();
        this.validation = ds.validation();
        this.digest = CharCorpus.sha256(("cairn-dataset-tokens-v1\n" + ds.datasetRoot() + "\n" + ds.tokenizerDigest())
                .getBytes(StandardCharsets.UTF_8));
    }

    public TokenizedDataset dataset() { return ds; }
    @Override public int[] train() { return train; }
    @Override public int[] validation() { return validation; }
    @Override public int vocabSize() { return ds.vocabSize(); }
    @Override public String digest() { return digest; }
    @Override public String description() { return ds.datasetRef() + " (root " + ds.datasetRoot().substring(0, 12) + ", tokenizer " + ds.tokenizerDigest().substring(0, 12) + ")"; }
    @Override public String decode(int[] ids, int from, int to) { return ds.decode(java.util.Arrays.copyOfRange(ids, from, to)); }
    @Override public int[] encode(String text) { return ds.encode(text); }

    @Override
    public synchronized int windowStart(long seed, int step, int row, int limit) {
        if (order == null || orderSeed != seed) {
            order = ds.order(seed);
            orderSeed = seed;
        }
        return order.windowStart(step, row, limit);
    }
}
