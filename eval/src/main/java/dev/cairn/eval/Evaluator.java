package dev.cairn.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Hex;
import dev.cairn.release.ModelTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a task on a model: every item scored (see {@link Scorer}), one result line per item, and the task's metrics
 * over all items and over the items that share no span with the training data. Aggregates run in item order in
 * double, so a task's figures are the same bits wherever it runs.
 *
 * <p>Rolling log-likelihood: each document is {@code <|endoftext|>} (where the vocabulary has it) and its tokens,
 * cut into disjoint windows of the model's context; every token but the first of a vocabulary without
 * {@code <|endoftext|>} is predicted once, from the tokens before it in its window. Bits per byte divide by the
 * document's UTF-8 bytes, so models with different vocabularies compare.
 */
public final class Evaluator {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A task's outcome: metrics (and *_stderr), per-item lines, and contamination. */
    public record TaskResult(Task task, ObjectNode metrics, List<ObjectNode> items, Contamination.Summary contamination) {
        public byte[] itemsJsonl() {
            StringBuilder sb = new StringBuilder();
            for (ObjectNode n : items) sb.append(n).append('\n');
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }

        public String itemsSha256() {
            return Hex.encode(TaskFile.sha256().digest(itemsJsonl()));
        }
    }

    private Evaluator() {}

    public static TaskResult run(Task t, Scorer s, ModelTokenizer tok, Contamination contamination) {
        try {
            return runTask(t, s, tok, contamination);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task " + t.name() + " (" + t.source() + "): " + e.getMessage(), e);
        }
    }

    private static TaskResult runTask(Task t, Scorer s, ModelTokenizer tok, Contamination contamination) {
        List<ObjectNode> lines = new ArrayList<>();
        boolean[] dirty = new boolean[t.items().size()];
        for (int i = 0; i < dirty.length; i++) dirty[i] = contamination != null && contamination.contaminated(tok, text(t.items().get(i)));
        ObjectNode all, clean;
        switch (t.kind()) {
            case LOGLIKELIHOOD_ROLLING -> {
                double[][] per = rolling(t, s, tok, lines);
                all = rollingMetrics(per, null);
                clean = rollingMetrics(per, dirty);
            }
            case LOGLIKELIHOOD -> {
                double[][] per = continuation(t, s, tok, lines);
                all = meanMetrics(per, null, List.of("acc", "perplexity"));
                clean = meanMetrics(per, dirty, List.of("acc", "perplexity"));
            }
            case MULTIPLE_CHOICE -> {
                double[][] per = choices(t, s, tok, lines);
                all = meanMetrics(per, null, List.of("acc", "acc_norm"));
                clean = meanMetrics(per, dirty, List.of("acc", "acc_norm"));
            }
            case GENERATE_UNTIL -> {
                double[][] per = generate(t, s, tok, lines);
                all = meanMetrics(per, null, List.of("exact_match"));
                clean = meanMetrics(per, dirty, List.of("exact_match"));
            }
            default -> throw new IllegalStateException();
        }
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode line = lines.get(i);
            line.put("task", t.name()).put("index", i).put("item_sha256", itemDigest(t.items().get(i)));
            if (contamination != null) line.put("contaminated", dirty[i]);
            if (dirty[i]) n++;
        }
        Contamination.Summary sum = contamination == null ? null : new Contamination.Summary(contamination.source(), contamination.ngram(), n, dirty.length, clean);
        return new TaskResult(t, all, lines, sum);
    }

    static String text(Task.Item it) {
        return it.context() + (it.target().isEmpty() ? "" : " " + it.target());
    }

    static String itemDigest(Task.Item it) {
        return Hex.encode(TaskFile.sha256().digest((it.context() + "\u0000" + String.join("\u0001", it.choices()) + "\u0000" + it.target())
                .getBytes(StandardCharsets.UTF_8)));
    }

    /** Per document: {nats, tokens, bytes}, with every window of every document in one batched pass. */
    private static double[][] rolling(Task t, Scorer s, ModelTokenizer tok, List<ObjectNode> lines) {
        int ctx = s.context();
        List<Scorer.Request> reqs = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        double[][] per = new double[t.items().size()][3];
        for (int i = 0; i < t.items().size(); i++) {
            String doc = t.items().get(i).context();
            int[] ids = encode(tok, doc, i);
            int eot = tok.endOfTextId();
            int[] seq = eot >= 0 ? prepend(eot, ids) : ids;
            for (int start = 1; start < seq.length; start += ctx) {
                int end = Math.min(seq.length, start + ctx);
                reqs.add(new Scorer.Request(java.util.Arrays.copyOfRange(seq, start - 1, end), 1));
                owner.add(i);
            }
            per[i][2] = doc.getBytes(StandardCharsets.UTF_8).length;
        }
        List<Scorer.Score> scores = s.score(reqs);
        for (int k = 0; k < scores.size(); k++) {
            per[owner.get(k)][0] -= scores.get(k).logLikelihood();
            per[owner.get(k)][1] += scores.get(k).perToken().length;
        }
        for (double[] p : per) lines.add(JSON.createObjectNode().put("nats", p[0]).put("tokens", (long) p[1]).put("bytes", (long) p[2]));
        return per;
    }

    private static ObjectNode rollingMetrics(double[][] per, boolean[] skip) {
        double nats = 0, tokens = 0, bytes = 0;
        int docs = 0;
        for (int i = 0; i < per.length; i++) {
            if (skip != null && skip[i]) continue;
            nats += per[i][0];
            tokens += per[i][1];
            bytes += per[i][2];
            docs++;
        }
        ObjectNode m = JSON.createObjectNode();
        if (tokens == 0) return m.put("documents", docs);
        double npt = nats / tokens, bpb = nats / StrictMath.log(2) / bytes;
        // Standard errors of the two ratios over documents (the delta method for a ratio of sums), in document order.
        double st = 0, sb = 0;
        for (int i = 0; i < per.length; i++) {
            if (skip != null && skip[i]) continue;
            st += (per[i][0] - npt * per[i][1]) * (per[i][0] - npt * per[i][1]);
            double bits = per[i][0] / StrictMath.log(2);
            sb += (bits - bpb * per[i][2]) * (bits - bpb * per[i][2]);
        }
        double f = docs > 1 ? (double) docs / (docs - 1) : 0;
        m.put("nats_per_token", npt).put("nats_per_token_stderr", Math.sqrt(f * st) / tokens)
                .put("bits_per_byte", bpb).put("bits_per_byte_stderr", Math.sqrt(f * sb) / bytes).put("perplexity", StrictMath.exp(npt))
                .put("tokens", (long) tokens).put("bytes", (long) bytes).put("documents", docs);
        return m;
    }

    /** Per item: {greedy hit 0/1, log-likelihood, tokens}. */
    private static double[][] continuation(Task t, Scorer s, ModelTokenizer tok, List<ObjectNode> lines) {
        List<Scorer.Request> reqs = new ArrayList<>();
        for (int i = 0; i < t.items().size(); i++) {
            Task.Item it = t.items().get(i);
            reqs.add(request(tok, it.context(), t.targetDelimiter() + it.target(), s.context(), i, "target"));
        }
        List<Scorer.Score> scores = s.score(reqs);
        double[][] per = new double[scores.size()][];
        for (int i = 0; i < per.length; i++) {
            Scorer.Score sc = scores.get(i);
            per[i] = new double[] {sc.greedy() ? 1 : 0, sc.logLikelihood(), sc.perToken().length};
            lines.add(JSON.createObjectNode().put("loglikelihood", sc.logLikelihood()).put("greedy", sc.greedy()).put("tokens", sc.perToken().length)
                    .put("target", t.items().get(i).target()));
        }
        return per;
    }

    /** Per item: {acc, acc_norm}. acc_norm divides each choice's log-likelihood by its byte length, as the harness does. */
    private static double[][] choices(Task t, Scorer s, ModelTokenizer tok, List<ObjectNode> lines) {
        List<Scorer.Request> reqs = new ArrayList<>();
        for (int i = 0; i < t.items().size(); i++) {
            Task.Item it = t.items().get(i);
            for (int c = 0; c < it.choices().size(); c++) reqs.add(request(tok, it.context(), t.targetDelimiter() + it.choices().get(c), s.context(), i, "choice " + c));
        }
        List<Scorer.Score> scores = s.score(reqs);
        double[][] per = new double[t.items().size()][];
        int k = 0;
        for (int i = 0; i < per.length; i++) {
            Task.Item it = t.items().get(i);
            var lls = JSON.createArrayNode();
            int best = 0, bestNorm = 0;
            double[] ll = new double[it.choices().size()], norm = new double[ll.length];
            for (int c = 0; c < ll.length; c++) {
                ll[c] = scores.get(k++).logLikelihood();
                norm[c] = ll[c] / (t.targetDelimiter() + it.choices().get(c)).getBytes(StandardCharsets.UTF_8).length;
                lls.add(ll[c]);
                if (ll[c] > ll[best]) best = c;
                if (norm[c] > norm[bestNorm]) bestNorm = c;
            }
            per[i] = new double[] {best == it.targetIndex() ? 1 : 0, bestNorm == it.targetIndex() ? 1 : 0};
            ObjectNode line = JSON.createObjectNode();
            line.set("loglikelihoods", lls);
            lines.add(line.put("prediction", best).put("prediction_norm", bestNorm).put("target", it.targetIndex()));
        }
        return per;
    }

    /** Per item: {exact_match}: greedy decoding until a stop string or max_gen_toks, compared after trimming. */
    private static double[][] generate(Task t, Scorer s, ModelTokenizer tok, List<ObjectNode> lines) {
        double[][] per = new double[t.items().size()][];
        for (int i = 0; i < per.length; i++) {
            Task.Item it = t.items().get(i);
            int[] prompt = encode(tok, it.context(), i);
            if (prompt.length == 0 && tok.endOfTextId() >= 0) prompt = new int[] {tok.endOfTextId()};
            if (prompt.length == 0) throw new IllegalArgumentException("item " + i + ": empty prompt and no <|endoftext|> to start from");
            int[] gen = s.greedy(prompt, t.maxGenTokens(), so -> cut(tok.decode(so), t.until()) != null);
            String full = tok.decode(gen), cut = cut(full, t.until());
            String out = cut == null ? full : cut;
            boolean ok = out.strip().equals(it.target().strip());
            per[i] = new double[] {ok ? 1 : 0};
            lines.add(JSON.createObjectNode().put("prediction", out).put("target", it.target()).put("correct", ok));
        }
        return per;
    }

    /** The text before the earliest stop string, or null when none occurs yet. */
    static String cut(String text, List<String> until) {
        int best = -1;
        for (String u : until) {
            int at = u.isEmpty() ? -1 : text.indexOf(u);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best < 0 ? null : text.substring(0, best);
    }

    private static ObjectNode meanMetrics(double[][] per, boolean[] skip, List<String> names) {
        ObjectNode m = JSON.createObjectNode();
        for (int col = 0; col < names.size(); col++) {
            String name = names.get(col);
            double sum = 0;
            int n = 0;
            for (int i = 0; i < per.length; i++) {
                if (skip != null && skip[i]) continue;
                sum += name.equals("perplexity") ? -per[i][1] : per[i][col];
                n += name.equals("perplexity") ? (int) per[i][2] : 1;
            }
            if (n == 0) continue;
            if (name.equals("perplexity")) {
                m.put("perplexity", StrictMath.exp(sum / n));
                continue;
            }
            double mean = sum / n, ss = 0;
            for (int i = 0; i < per.length; i++) {
                if (skip != null && skip[i]) continue;
                ss += (per[i][col] - mean) * (per[i][col] - mean);
            }
            m.put(name, mean).put(name + "_stderr", n > 1 ? Math.sqrt(ss / (n - 1)) / Math.sqrt(n) : 0.0);
        }
        int count = 0;
        for (int i = 0; i < per.length; i++) if (skip == null || !skip[i]) count++;
        return m.put("items", count);
    }

    /** Context and continuation as the harness tokenizes them: the continuation is what encoding both adds to the context alone. */
    static Scorer.Request request(ModelTokenizer tok, String context, String continuation, int ctx, int item, String what) {
        int[] c = encode(tok, context, item);
        int[] whole;
        try {
            whole = tok.encode(context + continuation);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("item " + item + ", " + what + ": the model's tokenizer cannot encode it: " + e.getMessage());
        }
        int[] cont;
        if (whole.length > c.length && java.util.Arrays.equals(whole, 0, c.length, c, 0, c.length)) {
            cont = java.util.Arrays.copyOfRange(whole, c.length, whole.length);
        } else {
            cont = encode(tok, continuation, item);
        }
        if (cont.length == 0) throw new IllegalArgumentException("item " + item + ", " + what + ": encodes to no tokens");
        if (c.length == 0) {
            if (tok.endOfTextId() < 0) throw new IllegalArgumentException("item " + item + ": empty context and no <|endoftext|> to condition on");
            c = new int[] {tok.endOfTextId()};
        }
        int[] all = new int[c.length + cont.length];
        System.arraycopy(c, 0, all, 0, c.length);
        System.arraycopy(cont, 0, all, c.length, cont.length);
        if (cont.length > ctx) throw new IllegalArgumentException("item " + item + ", " + what + ": the continuation is longer than the context (" + ctx + " tokens)");
        int keep = Math.min(all.length, ctx + 1); // the context is cut from the left to fit
        int[] tokens = java.util.Arrays.copyOfRange(all, all.length - keep, all.length);
        return new Scorer.Request(tokens, keep - cont.length);
    }

    static int[] encode(ModelTokenizer tok, String s, int item) {
        try {
            return tok.encode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("item " + item + ": the model's tokenizer cannot encode it: " + e.getMessage());
        }
    }

    private static int[] prepend(int x, int[] a) {
        int[] out = new int[a.length + 1];
        out[0] = x;
        System.arraycopy(a, 0, out, 1, a.length);
        return out;
    }
}
