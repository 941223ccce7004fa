package dev.cairn.eval;

import dev.cairn.ledger.Hex;
import dev.cairn.numerics.Philox;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Tasks made from documents, deterministically (a function of the documents, the seed and the limit), so nothing is
 * downloaded and anyone with the same dataset version makes the same items:
 * <ul>
 *   <li>{@code heldout}: cross-entropy over every document ({@code loglikelihood_rolling});</li>
 *   <li>{@code lambada}: a passage's last word given the passage ({@code loglikelihood}: greedy accuracy, perplexity);</li>
 *   <li>{@code hellaswag}: a passage's last line against three last lines of other passages ({@code multiple_choice}).</li>
 * </ul>
 * Passages are blank-line-separated paragraphs. {@code core} is all three.
 */
public final class BuiltinTasks {
    public static final List<String> NAMES = List.of("heldout", "lambada", "hellaswag");
    static final int PURPOSE_EVAL = 17;

    private BuiltinTasks() {}

    public static boolean isBuiltin(String name) {
        return NAMES.contains(name) || name.equals("core");
    }

    public static List<String> expand(String name) {
        return name.equals("core") ? NAMES : List.of(name);
    }

    /** Makes task {@code name} from documents; {@code source} names them (dataset version and root, or file and digest). */
    public static Task make(String name, List<String> documents, String source, long seed, int limit) {
        if (documents.isEmpty()) throw new IllegalArgumentException("no documents to make task " + name + " from (" + source + ")");
        String src = name + " made by cairn from " + source + " (seed " + seed + ", limit " + limit + ")";
        return switch (name) {
            case "heldout" -> task(name, Task.Kind.LOGLIKELIHOOD_ROLLING, documents.stream().map(d -> new Task.Item(d, List.of(), -1, "")).toList(),
                    src, "", List.of("perplexity"));
            case "lambada" -> task(name, Task.Kind.LOGLIKELIHOOD, pick(lastWords(documents), seed, limit, 1), src, " ", List.of("acc", "perplexity"));
            case "hellaswag" -> task(name, Task.Kind.MULTIPLE_CHOICE, endings(documents, seed, limit), src, "", List.of("acc", "acc_norm"));
            default -> throw new IllegalArgumentException("unknown built-in task " + name + " (" + String.join(", ", NAMES) + ", core)");
        };
    }

    private static Task task(String name, Task.Kind kind, List<Task.Item> items, String source, String delim, List<String> metrics) {
        if (items.isEmpty()) throw new IllegalArgumentException("task " + name + ": the documents hold no passage long enough (" + source + ")");
        MessageDigest md = TaskFile.sha256();
        md.update(("cairn-builtin-task-v1\n" + name + "\n" + kind.harnessName + "\n").getBytes(StandardCharsets.UTF_8));
        for (Task.Item it : items) {
            md.update((it.context() + "\u0000" + String.join("\u0001", it.choices()) + "\u0000" + it.targetIndex() + "\u0000" + it.target() + "\u0002")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return new Task(name, kind, items, Hex.encode(md.digest()), source, delim, List.of(), 0, metrics);
    }

    static List<String> passages(List<String> documents) {
        List<String> out = new ArrayList<>();
        for (String d : documents) {
            for (String p : d.split("\\n\\s*\\n")) {
                String s = p.strip();
                if (!s.isEmpty()) out.add(s);
            }
        }
        return out;
    }

    /** Passages of at least 12 words ending in a word of letters: context = all before the word, target = the word. */
    static List<Task.Item> lastWords(List<String> documents) {
        List<Task.Item> out = new ArrayList<>();
        for (String p : passages(documents)) {
            String s = p.replaceAll("[\\p{Punct}\\s]+$", "");
            int cut = s.lastIndexOf(' ');
            int nl = s.lastIndexOf('\n');
            cut = Math.max(cut, nl);
            if (cut <= 0 || s.split("\\s+").length < 12) continue;
            String word = s.substring(cut + 1);
            if (!word.matches("\\p{L}{2,}")) continue;
            out.add(new Task.Item(s.substring(0, cut), List.of(), -1, word));
        }
        return out;
    }

    /** Passages of 3 or more lines: the lines but the last as context, the last line against three from other passages. */
    static List<Task.Item> endings(List<String> documents, long seed, int limit) {
        List<String[]> ps = new ArrayList<>();
        for (String p : passages(documents)) {
            String[] lines = p.split("\\n");
            if (lines.length >= 3 && !lines[lines.length - 1].isBlank()) ps.add(lines);
        }
        if (ps.size() < 4) return List.of();
        List<Integer> order = shuffled(ps.size(), seed, 0);
        Philox rng = new Philox(seed);
        List<Task.Item> out = new ArrayList<>();
        for (int n = 0; n < order.size() && out.size() < limit; n++) {
            int i = order.get(n);
            String[] lines = ps.get(i);
            String truth = lines[lines.length - 1];
            List<String> choices = new ArrayList<>(List.of(truth));
            for (long draw = 0; choices.size() < 4 && draw < 64; draw++) {
                int j = (int) rng.below(ps.size(), PURPOSE_EVAL, 1_000_000L + i, draw);
                String[] o = ps.get(j);
                String cand = o[o.length - 1];
                if (j != i && !choices.contains(cand)) choices.add(cand);
            }
            if (choices.size() < 4) continue;
            List<Integer> perm = shuffled(4, seed, 2_000_000L + i);
            List<String> shuffledChoices = new ArrayList<>();
            for (int k : perm) shuffledChoices.add(choices.get(k));
            String context = String.join("\n", java.util.Arrays.copyOf(lines, lines.length - 1)) + "\n";
            out.add(new Task.Item(context, shuffledChoices, shuffledChoices.indexOf(truth), truth));
        }
        return out;
    }

    /** Up to {@code limit} items in a seeded order (Fisher-Yates with Philox keyed by the seed). */
    static List<Task.Item> pick(List<Task.Item> all, long seed, int limit, long stream) {
        List<Task.Item> out = new ArrayList<>();
        for (int i : shuffled(all.size(), seed, stream)) {
            if (out.size() >= limit) break;
            out.add(all.get(i));
        }
        return out;
    }

    static List<Integer> shuffled(int n, long seed, long stream) {
        Integer[] a = new Integer[n];
        for (int i = 0; i < n; i++) a[i] = i;
        Philox rng = new Philox(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) rng.below(i + 1, PURPOSE_EVAL, stream, i);
            Integer t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return List.of(a);
    }
}
