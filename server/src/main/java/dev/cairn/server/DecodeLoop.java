package dev.cairn.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.model.KvDecoder;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import dev.cairn.release.ChatTemplate;
import dev.cairn.release.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A model's batching decode loop: one thread appends every sequence in flight (every choice of every request; a new
 * request's prompt beside the others' last tokens) in one {@link KvDecoder} call per step, in groups of
 * {@value #MAX_BATCH}, and samples each sequence's next token from its own counter-based stream (seed, step, choice),
 * so a request's output never depends on the others'. At most a heap share of caches is in flight; the rest wait.
 */
final class DecodeLoop {
    static final int MAX_BATCH = 16;

    /** One sequence being generated: a request's choice. */
    static final class Seq {
        final int[] prompt;
        final List<Integer> out = new ArrayList<>();
        final List<Double> logprobs = new ArrayList<>();
        final List<ObjectNode> top = new ArrayList<>();
        final Params p;
        final int choice;
        final Consumer<Seq> onToken;
        final CompletableFuture<Seq> done = new CompletableFuture<>();
        KvDecoder.Cache cache;
        String finish;

        Seq(int[] prompt, Params p, int choice, Consumer<Seq> onToken) {
            this.prompt = prompt;
            this.p = p;
            this.choice = choice;
            this.onToken = onToken;
        }
    }

    record Params(int maxTokens, double temperature, double topP, int topK, long seed, List<String> stop, int logprobs) {}

    final LoadedModel model;
    private final KvDecoder decoder;
    private final List<KvDecoder.Cache> spare = new ArrayList<>();
    private final LinkedBlockingQueue<Seq> incoming = new LinkedBlockingQueue<>();
    final Thread thread;
    private final int maxActive;

    final ChatTemplate template;

    DecodeLoop(LoadedModel model, ChatTemplate template, Kernels kernels, Parallel parallel) {
        this.model = model;
        this.template = template;
        this.decoder = KvDecoder.of(model.model(kernels, parallel));
        // Sequences in flight hold a cache each; a quarter of the heap bounds them all.
        var c = model.config();
        long cacheBytes = 8L * c.layers() * c.contextLen() * c.embd();
        maxActive = (int) Math.max(1, Math.min(4 * MAX_BATCH, Runtime.getRuntime().maxMemory() / 4 / cacheBytes));
        thread = Thread.ofPlatform().daemon().name("cairn-decode").start(this::run);
    }

    CompletableFuture<Seq> submit(int[] prompt, Params p, int choice, Consumer<Seq> onToken) {
        Seq s = new Seq(prompt, p, choice, onToken);
        incoming.add(s);
        return s.done;
    }

    private void run() {
        List<Seq> active = new ArrayList<>();
        float[] logits = new float[MAX_BATCH * model.config().vocabSize()];
        while (true) {
            try {
                if (active.isEmpty()) active.add(incoming.take());
                incoming.drainTo(active, maxActive - active.size()); // the others wait their turn
            } catch (InterruptedException e) {
                return;
            }
            List<Seq> finished = new ArrayList<>();
            // At most MAX_BATCH sequences per call bounds the work between two tokens of any stream.
            for (int from = 0; from < active.size(); from += MAX_BATCH) {
                List<Seq> group = active.subList(from, Math.min(active.size(), from + MAX_BATCH));
                try {
                    step(group, logits, finished);
                } catch (RuntimeException e) {
                    for (Seq s : group) {
                        s.done.completeExceptionally(e);
                        finished.add(s);
                    }
                }
            }
            for (Seq s : finished) {
                active.remove(s);
                if (s.cache != null && spare.size() < MAX_BATCH) spare.add(s.cache); // the buffers serve the next request
                s.cache = null;
                s.done.complete(s); // no effect on a future already completed exceptionally
            }
        }
    }

    /** One decoding step for a group: one decoder call, then each sequence's next token. */
    private void step(List<Seq> group, float[] logits, List<Seq> finished) {
        int B = group.size(), V = model.config().vocabSize();
        KvDecoder.Cache[] caches = new KvDecoder.Cache[B];
        int[][] tokens = new int[B][];
        for (int b = 0; b < B; b++) {
            Seq s = group.get(b);
            if (s.cache == null) {
                s.cache = spare.isEmpty() ? decoder.newCache() : spare.remove(spare.size() - 1);
                s.cache.reset();
                tokens[b] = s.prompt;
            } else {
                tokens[b] = new int[] {s.out.get(s.out.size() - 1)};
            }
            caches[b] = s.cache;
        }
        decoder.append(caches, tokens, logits);
        float[] row = new float[V];
        for (int b = 0; b < B; b++) {
            Seq s = group.get(b);
            System.arraycopy(logits, b * V, row, 0, V);
            int tok = sample(row, s);
            s.out.add(tok);
            if (s.p.logprobs() >= 0) record(row, tok, s);
            String text = model.tokenizer().decode(s.out.stream().mapToInt(Integer::intValue).toArray());
            if (s.p.stop().stream().anyMatch(text::contains)) s.finish = "stop";
            else if (s.out.size() >= s.p.maxTokens()) s.finish = "length";
            try {
                s.onToken.accept(s);
            } catch (RuntimeException ignored) {
                if (s.finish == null) s.finish = "stop"; // the client went away
            }
            if (s.finish != null) finished.add(s);
        }
    }

    /** Greedy at temperature 0; otherwise top-k, then top-p (nucleus), then a draw from the stream (seed, step, choice). */
    private int sample(float[] logits, Seq s) {
        int V = logits.length;
        if (s.p.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        Integer[] order = new Integer[V];
        for (int i = 0; i < V; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = s.p.topK() > 0 ? Math.min(s.p.topK(), V) : V;
        double max = logits[order[0]] / s.p.temperature(), sum = 0;
        double[] w = new double[keep];
        for (int j = 0; j < keep; j++) sum += (w[j] = StrictMath.exp(logits[order[j]] / s.p.temperature() - max));
        if (s.p.topP() < 1) {
            double acc = 0;
            int n = 0;
            while (n < keep && acc < s.p.topP() * sum) acc += w[n++];
            keep = Math.max(1, n);
            sum = acc;
        }
        double u = new Philox(s.p.seed()).uniform(Philox.PURPOSE_SAMPLE, s.out.size(), s.choice) * sum, acc = 0;
        for (int j = 0; j < keep; j++) {
            acc += w[j];
            if (u < acc) return order[j];
        }
        return order[keep - 1];
    }

    private void record(float[] logits, int tok, Seq s) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        for (float l : logits) sum += StrictMath.exp(l - max);
        double lse = max + StrictMath.log(sum);
        s.logprobs.add(logits[tok] - lse);
        ObjectNode top = LogNode.JSON.createObjectNode();
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        for (int j = 0; j < s.p.logprobs(); j++) top.put(model.tokenizer().decode(new int[] {order[j]}), logits[order[j]] - lse);
        s.top.add(top);
    }
}
