package dev.cairn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.model.KvDecoder;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.numerics.Philox;
import dev.cairn.release.ChatTemplate;
import dev.cairn.release.HfDirectory;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * OpenAI-compatible completions over a home's released and imported models. Every model has one decode loop that
 * batches the sequences of all requests in flight: each step appends to every sequence's KV cache in one
 * {@link KvDecoder} call (a new request's whole prompt beside the others' last tokens; sequences never meet, so each
 * one's logits are the same bits at any batch) and samples each sequence's next token from its own counter-based
 * stream (seed, step, choice). So throughput grows with load and a request's output never depends on the others'.
 */
final class Completions implements AutoCloseable {
    static final int MAX_BATCH = 16;

    /** An OpenAI-shaped refusal: HTTP status, error type, parameter and code. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String type, param, code;

        ApiError(int status, String message, String type, String param, String code) {
            super(message);
            this.status = status;
            this.type = type;
            this.param = param;
            this.code = code;
        }

        ObjectNode toJson() {
            ObjectNode e = LogNode.JSON.createObjectNode();
            ObjectNode o = e.putObject("error").put("message", getMessage()).put("type", type);
            if (param == null) o.putNull("param"); else o.put("param", param);
            if (code == null) o.putNull("code"); else o.put("code", code);
            return e;
        }
    }

    static ApiError invalid(String message, String param) {
        return new ApiError(400, message, "invalid_request_error", param, null);
    }

    /** One sequence being generated: a request's choice. */
    private static final class Seq {
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

    private final Path home;
    private final Kernels kernels;
    private final Parallel parallel;
    private final Map<String, Loop> loops = new ConcurrentHashMap<>();

    Completions(Path home, Kernels kernels, Parallel parallel) {
        this.home = home;
        this.kernels = kernels;
        this.parallel = parallel;
    }

    /** The models this home serves: releases (HOME/releases/NAME) and imported models, by name. */
    Map<String, Path> models() throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path rel = home.resolve("releases");
        if (Files.isDirectory(rel)) {
            try (var s = Files.list(rel)) {
                for (Path d : s.sorted().toList()) if (Files.exists(d.resolve("config.json"))) out.put(d.getFileName().toString(), d);
            }
        }
        Path models = home.resolve("models");
        if (Files.isDirectory(models)) {
            try (var s = Files.list(models)) {
                for (Path d : s.sorted().toList()) {
                    Path r = d.resolve(ModelStore.RECORD);
                    if (Files.exists(r)) out.putIfAbsent(LogNode.JSON.readTree(r.toFile()).path("name").asText(), d);
                }
            }
        }
        return out;
    }

    Loop loop(String model) throws IOException {
        Loop l = loops.get(model);
        if (l != null) return l;
        Path dir = models().get(model);
        if (dir == null) throw new ApiError(404, "The model `" + model + "` does not exist", "invalid_request_error", "model", "model_not_found");
        synchronized (loops) {
            return loops.computeIfAbsent(model, m -> {
                try {
                    return new Loop(HfDirectory.read(dir), ChatTemplate.of(dir).orElse(null));
                } catch (IOException e) {
                    throw new ApiError(500, "cannot load " + m + ": " + e.getMessage(), "server_error", "model", null);
                }
            });
        }
    }

    /** Parses and checks a completions request; the message names the field, as OpenAI's do. */
    static Params params(JsonNode r, int promptLen, int ctx, int defaultMax) {
        String maxField = r.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int max = r.hasNonNull(maxField) ? intField(r, maxField) : Math.max(1, Math.min(defaultMax, ctx - promptLen));
        if (max <= 0) throw invalid(maxField + " must be at least 1, got " + max, maxField);
        if (promptLen >= ctx) throw new ApiError(400, "The prompt is " + promptLen + " tokens; this model's context is " + ctx + " tokens", "invalid_request_error", "prompt", "context_length_exceeded");
        if (promptLen + max > ctx) {
            throw new ApiError(400, maxField + " " + max + " plus the prompt's " + promptLen + " tokens exceed this model's context of " + ctx + " tokens",
                    "invalid_request_error", maxField, "context_length_exceeded");
        }
        double t = r.path("temperature").asDouble(1.0), p = r.path("top_p").asDouble(1.0);
        if (!(t >= 0 && t <= 2)) throw invalid("temperature must be between 0 and 2", "temperature");
        if (!(p > 0 && p <= 1)) throw invalid("top_p must be in (0, 1]", "top_p");
        int k = r.has("top_k") ? intField(r, "top_k") : 0;
        if (k < 0) throw invalid("top_k must be >= 0", "top_k");
        List<String> stop = new ArrayList<>();
        JsonNode s = r.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isTextual()) stop.add(s.asText());
            else if (s.isArray() && s.size() <= 4) s.forEach(x -> stop.add(x.asText()));
            else throw invalid("stop must be a string or up to 4 strings", "stop");
        }
        int lp;
        if (r.path("logprobs").isBoolean()) { // chat: logprobs true, top_logprobs N
            lp = !r.get("logprobs").asBoolean() ? -1 : r.hasNonNull("top_logprobs") ? intField(r, "top_logprobs") : 0;
        } else {
            lp = r.has("logprobs") && !r.get("logprobs").isNull() ? intField(r, "logprobs") : -1;
        }
        if (lp > 5) throw invalid("logprobs must be at most 5", "logprobs");
        return new Params(max, t, p, k, r.path("seed").asLong(0), stop, lp);
    }

    static int intField(JsonNode r, String k) {
        JsonNode v = r.get(k);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw invalid(k + " must be an integer", k);
        return v.asInt();
    }

    /** A model's batching decode loop. */
    final class Loop {
        final LoadedModel model;
        private final KvDecoder decoder;
        private final List<KvDecoder.Cache> spare = new ArrayList<>();
        private final LinkedBlockingQueue<Seq> incoming = new LinkedBlockingQueue<>();
        private final Thread thread;
        private final int maxActive;

        final ChatTemplate template;

        Loop(LoadedModel model, ChatTemplate template) {
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

    /** The choice's text, cut before the first stop string. */
    static String text(LoadedModel m, Seq s) {
        String t = m.tokenizer().decode(s.out.stream().mapToInt(Integer::intValue).toArray());
        int cut = -1;
        for (String stop : s.p.stop()) {
            int at = stop.isEmpty() ? -1 : t.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        return cut < 0 ? t : t.substring(0, cut);
    }

    static ObjectNode logprobsJson(LoadedModel m, Seq s) {
        ObjectNode lp = LogNode.JSON.createObjectNode();
        ArrayNode toks = lp.putArray("tokens"), lps = lp.putArray("token_logprobs"), tops = lp.putArray("top_logprobs"), offs = lp.putArray("text_offset");
        int off = 0;
        for (int i = 0; i < s.out.size(); i++) {
            String t = m.tokenizer().decode(new int[] {s.out.get(i)});
            toks.add(t);
            lps.add(s.logprobs.get(i));
            tops.add(s.top.get(i));
            offs.add(off);
            off += t.length();
        }
        return lp;
    }

    int[] promptIds(LoadedModel m, JsonNode prompt) {
        if (prompt == null || prompt.isNull()) throw invalid("prompt is required", "prompt");
        if (prompt.isTextual()) {
            try {
                int[] ids = m.tokenizer().encode(prompt.asText());
                if (ids.length == 0 && m.tokenizer().endOfTextId() >= 0) ids = new int[] {m.tokenizer().endOfTextId()};
                if (ids.length == 0) throw invalid("the prompt is empty", "prompt");
                return ids;
            } catch (IllegalArgumentException e) {
                throw invalid("the prompt cannot be encoded by this model's tokenizer: " + e.getMessage(), "prompt");
            }
        }
        if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = prompt.get(i).asInt(-1);
                if (ids[i] < 0 || ids[i] >= m.config().vocabSize()) throw invalid("prompt token " + ids[i] + " is outside the vocabulary", "prompt");
            }
            return ids;
        }
        throw invalid("prompt must be a string or an array of token ids (one prompt per request)", "prompt");
    }

    // ---------------------------------------------------------------- HTTP (OpenAI's shapes)

    /** Serves GET /v1/models, POST /v1/completions and POST /v1/chat/completions; errors in OpenAI's error shape. */
    void handle(com.sun.net.httpserver.HttpExchange x, byte[] body) throws IOException {
        String path = x.getRequestURI().getPath();
        try {
            switch (path) {
                case "/v1/models" -> {
                    ObjectNode out = LogNode.JSON.createObjectNode().put("object", "list");
                    ArrayNode data = out.putArray("data");
                    for (String id : models().keySet()) data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "cairn");
                    send(x, 200, out);
                }
                case "/v1/completions" -> completion(x, request(x, body), false);
                case "/v1/chat/completions" -> completion(x, request(x, body), true);
                default -> throw new ApiError(404, "Unknown endpoint " + path, "invalid_request_error", null, "unknown_url");
            }
        } catch (ApiError e) {
            send(x, e.status, e.toJson());
        }
    }

    private static JsonNode request(com.sun.net.httpserver.HttpExchange x, byte[] body) {
        if (!x.getRequestMethod().equals("POST")) throw new ApiError(405, "Use POST", "invalid_request_error", null, null);
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiError(415, "Send the request body as application/json", "invalid_request_error", null, null);
        }
        try {
            JsonNode r = LogNode.JSON.readTree(body);
            if (r == null || !r.isObject()) throw invalid("The request body must be a JSON object", null);
            return r;
        } catch (IOException e) {
            throw invalid("The request body is not valid JSON", null);
        }
    }

    /** The conversation of a chat request, checked field by field. */
    static List<ChatTemplate.Message> messages(JsonNode r) {
        JsonNode ms = r.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) throw invalid("messages must be a non-empty array", "messages");
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String role = m.path("role").asText("");
            if (!List.of("system", "developer", "user", "assistant").contains(role)) {
                throw invalid("messages[" + i + "].role must be system, developer, user or assistant", "messages[" + i + "].role");
            }
            JsonNode c = m.get("content");
            StringBuilder text = new StringBuilder();
            if (c != null && c.isTextual()) text.append(c.asText());
            else if (c != null && c.isArray()) {
                for (JsonNode part : c) {
                    if (!"text".equals(part.path("type").asText())) throw invalid("messages[" + i + "].content: only text parts are supported", "messages[" + i + "].content");
                    text.append(part.path("text").asText());
                }
            } else throw invalid("messages[" + i + "].content must be a string or an array of text parts", "messages[" + i + "].content");
            out.add(new ChatTemplate.Message(role, text.toString()));
        }
        return out;
    }

    private void completion(com.sun.net.httpserver.HttpExchange x, JsonNode r, boolean chat) throws IOException {
        if (!r.hasNonNull("model")) throw invalid("model is required", "model");
        String model = r.get("model").asText();
        Loop loop = loop(model);
        int[] prompt;
        if (chat) {
            if (loop.template == null) {
                throw new ApiError(400, "The model `" + model + "` carries no chat template; use /v1/completions", "invalid_request_error", "model", "no_chat_template");
            }
            String text;
            try {
                text = loop.template.render(messages(r), true);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage(), "messages");
            }
            prompt = promptIds(loop.model, LogNode.JSON.getNodeFactory().textNode(text));
        } else {
            prompt = promptIds(loop.model, r.get("prompt"));
        }
        int ctx = loop.model.config().contextLen();
        Params p = params(r, prompt.length, ctx, chat ? ctx : 16);
        int n = r.has("n") ? intField(r, "n") : 1;
        if (n < 1 || n > 8) throw invalid("n must be between 1 and 8", "n");
        String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime());
        String object = chat ? "chat.completion" : "text_completion";
        long created = System.currentTimeMillis() / 1000;
        boolean stream = r.path("stream").asBoolean(false);
        if (stream) {
            x.getResponseHeaders().set("Content-Type", "text/event-stream");
            x.getResponseHeaders().set("Cache-Control", "no-cache");
            x.sendResponseHeaders(200, 0);
        }
        java.io.OutputStream os = x.getResponseBody();
        Map<Integer, Integer> emitted = new ConcurrentHashMap<>();
        List<CompletableFuture<Seq>> futures = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            futures.add(loop.submit(prompt, p, c, !stream ? s -> { } : s -> {
                String visible = text(loop.model, s);
                int from = emitted.getOrDefault(s.choice, -1);
                if (visible.length() < Math.max(0, from) && s.finish == null) return;
                String delta = visible.length() > from && from >= 0 ? visible.substring(from) : from < 0 ? visible : "";
                emitted.put(s.choice, Math.max(from, visible.length()));
                ObjectNode chunk = LogNode.JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
                        .put("created", created).put("model", model);
                ObjectNode ch = chunk.putArray("choices").addObject().put("index", s.choice);
                if (chat) {
                    ObjectNode d = ch.putObject("delta");
                    if (from < 0) d.put("role", "assistant"); // the first chunk of a choice names the speaker
                    d.put("content", delta);
                } else {
                    ch.put("text", delta);
                }
                ch.putNull("logprobs");
                if (s.finish == null) ch.putNull("finish_reason"); else ch.put("finish_reason", s.finish);
                try {
                    synchronized (os) {
                        os.write(("data: " + chunk + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        os.flush();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        List<Seq> done = new ArrayList<>();
        try {
            for (CompletableFuture<Seq> f : futures) done.add(f.get(300, java.util.concurrent.TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new ApiError(500, "generation failed: " + e, "server_error", null, null);
        }
        if (stream) {
            os.write("data: [DONE]\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            os.flush();
            return;
        }
        ObjectNode out = LogNode.JSON.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
        ArrayNode choices = out.putArray("choices");
        int completionTokens = 0;
        for (Seq s : done) {
            ObjectNode c = choices.addObject().put("index", s.choice);
            if (chat) c.putObject("message").put("role", "assistant").put("content", text(loop.model, s)).putNull("refusal");
            else c.put("text", text(loop.model, s));
            if (p.logprobs() < 0) c.putNull("logprobs");
            else c.set("logprobs", chat ? chatLogprobsJson(loop.model, s) : logprobsJson(loop.model, s));
            c.put("finish_reason", s.finish);
            completionTokens += s.out.size();
        }
        out.putObject("usage").put("prompt_tokens", prompt.length).put("completion_tokens", completionTokens).put("total_tokens", prompt.length + completionTokens);
        send(x, 200, out);
    }

    /** Chat's logprobs shape: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}. */
    static ObjectNode chatLogprobsJson(LoadedModel m, Seq s) {
        ObjectNode lp = LogNode.JSON.createObjectNode();
        ArrayNode content = lp.putArray("content");
        for (int i = 0; i < s.out.size(); i++) {
            String t = m.tokenizer().decode(new int[] {s.out.get(i)});
            ObjectNode e = content.addObject().put("token", t).put("logprob", s.logprobs.get(i));
            bytes(e, t);
            ArrayNode top = e.putArray("top_logprobs");
            s.top.get(i).fields().forEachRemaining(f -> bytes(top.addObject().put("token", f.getKey()).put("logprob", f.getValue().asDouble()), f.getKey()));
        }
        lp.putNull("refusal");
        return lp;
    }

    private static void bytes(ObjectNode e, String token) {
        ArrayNode b = e.putArray("bytes");
        for (byte x : token.getBytes(java.nio.charset.StandardCharsets.UTF_8)) b.add(x & 0xff);
    }

    private static void send(com.sun.net.httpserver.HttpExchange x, int status, ObjectNode body) throws IOException {
        byte[] b = LogNode.JSON.writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    @Override
    public void close() {
        for (Loop l : loops.values()) l.thread.interrupt();
    }
}
