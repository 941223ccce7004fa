package dev.cairn.eval;

import java.util.List;

/**
 * One evaluation task, its items resolved: what to score and how. Kinds follow lm-evaluation-harness's output types:
 * {@code loglikelihood_rolling} (documents, for cross-entropy), {@code loglikelihood} (one continuation per item:
 * greedy accuracy and perplexity, as LAMBADA), {@code multiple_choice} and {@code generate_until}.
 *
 * @param digest SHA-256 of everything that defines the items (the task file and its data, or a generator and its source)
 * @param source for people and attestations: the file, or the generator and the dataset version with its root
 */
public record Task(String name, Kind kind, List<Item> items, String digest, String source, String targetDelimiter,
                   List<String> until, int maxGenTokens, List<String> metrics) {
    public enum Kind {
        LOGLIKELIHOOD_ROLLING("loglikelihood_rolling"), LOGLIKELIHOOD("loglikelihood"), MULTIPLE_CHOICE("multiple_choice"),
        GENERATE_UNTIL("generate_until");

        public final String harnessName;

        Kind(String harnessName) {
            this.harnessName = harnessName;
        }

        static Kind parse(String s, String where) {
            for (Kind k : values()) if (k.harnessName.equals(s)) return k;
            throw new IllegalArgumentException(where + "output_type \"" + TaskFile.abbrev(s) + "\" is not supported (loglikelihood_rolling, loglikelihood, multiple_choice, generate_until are)");
        }
    }

    /**
     * One item. For rolling log-likelihood, {@code context} is the whole document; for the others, the prompt, with
     * {@code choices} (multiple choice) or the one {@code target} continuation or answer.
     */
    public record Item(String context, List<String> choices, int targetIndex, String target) {}

    public Task {
        if (items.isEmpty()) throw new IllegalArgumentException("task " + name + " has no items");
        items = List.copyOf(items);
        until = List.copyOf(until);
        metrics = List.copyOf(metrics);
    }
}
