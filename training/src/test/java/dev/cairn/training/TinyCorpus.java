package dev.cairn.training;

import dev.cairn.numerics.Philox;

/** A small deterministic text for tests: seeded words with punctuation and newlines. */
final class TinyCorpus {
    private static final String[] WORDS = {"the", "king", "and", "queen", "of", "a", "fair", "night", "my", "lord",
            "what", "is", "love", "to", "thee", "speak", "no", "more", "come", "hither"};

    static String text(int words) {
        Philox p = new Philox(2024);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(WORDS[(int) p.below(WORDS.length, 7, 0, i)]);
            long r = p.below(10, 7, 1, i);
            sb.append(r == 0 ? ".\n" : r == 1 ? ", " : " ");
        }
        return sb.toString();
    }

    static CharCorpus corpus() {
        return new CharCorpus(text(3000), "tiny", 100);
    }

    /** 2 layers, 2 heads, 32 wide, context 20 (two attention tiles, the second ragged), batch 3, biases on. */
    static Recipe recipe(int steps) {
        return new Recipe(2, 2, 32, 20, 3, steps, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.99f, 1e-8f, 1.0f, 42, true, 0, 0);
    }
}
