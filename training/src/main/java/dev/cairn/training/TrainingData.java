package dev.cairn.training;

/** Token streams a run trains and validates on, with what identifies them. */
public interface TrainingData {
    int[] train();

    int[] validation();

    int vocabSize();

    /** Lower-case hex SHA-256 identifying the data and its tokenisation, recorded with the run. */
    String digest();

    /** What the data is, for people. */
    String description();

    String decode(int[] ids, int from, int to);

    /** Token ids of a prompt; throws with a clear message for text the vocabulary cannot encode. */
    int[] encode(String text);

    /**
     * Where row {@code row} of step {@code step}'s batch starts, in [0, limit). The default draws from the
     * counter-based generator keyed by (seed, PURPOSE_BATCH, step, row).
     */
    default int windowStart(long seed, int step, int row, int limit) {
        return (int) new dev.cairn.numerics.Philox(seed).below(limit, dev.cairn.numerics.Philox.PURPOSE_BATCH, step, row);
    }
}
