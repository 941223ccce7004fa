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
}
