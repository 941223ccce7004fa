package dev.cairn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.ChatTemplate;
import dev.cairn.release.HfDirectory;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI-compatible completions over a home's released and imported models: the request and response shapes, the
 * checks (errors in OpenAI's shape), chat templates and streaming. Every model has one {@link DecodeLoop} that
 * batches the sequences of all requests in flight, so throughput grows with load and a request's output never
 * depends on the others'.
 */
final class Completions implements AutoCloseable {
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



    private final Path home;
    private final Kernels kernels;
    private final Parallel parallel;
    private final Map<String, DecodeLoop> loops = new ConcurrentHashMap<>();

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

    DecodeLoop loop(String model) throws IOException {
        DecodeLoop l = loops.get(model);
        if (l != null) return l;
        Path dir = models().get(model);
        if (dir == null) throw new ApiError(404, "The model `" + model + "` does not exist", "invalid_request_error", "model", "model_not_found");
        synchronized (loops) {
            return loops.computeIfAbsent(model, m -> {
                try {
                    return new DecodeLoop(HfDirectory.read(dir), ChatTemplate.of(dir).orElse(null), kernels, parallel);
                } catch (IOException e) {
                    throw new ApiError(500, "cannot load " + m + ": " + e.getMessage(), "server_error", "model", null);
                }
            });
        }
    }

    /** Parses and checks a completions request; the message names the field, as OpenAI's do. */
    static DecodeLoop.Params params(JsonNode r, int promptLen, int ctx, int defaultMax) {
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
        return new DecodeLoop.Params(max, t, p, k, r.path("seed").asLong(0), stop, lp);
    }

    static int intField(JsonNode r, String k) {
        JsonNode v = r.get(k);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw invalid(k + " must be an integer", k);
        return v.asInt();
    }


    /** The choice's text, cut before the first stop string. */
    static String text(LoadedModel m, DecodeLoop.Seq s) {
        String t = m.tokenizer().decode(s.out.stream().mapToInt(Integer::intValue).toArray());
        int cut = -1;
        for (String stop : s.p.stop()) {
            int at = stop.isEmpty() ? -1 : t.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        return cut < 0 ? t : t.substring(0, cut);
    }

    static ObjectNode logprobsJson(LoadedModel m, DecodeLoop.Seq s) {
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
        DecodeLoop loop = loop(model);
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
        DecodeLoop.Params p = params(r, prompt.length, ctx, chat ? ctx : 16);
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
        List<CompletableFuture<DecodeLoop.Seq>> futures = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            futures.add(loop.submit(prompt, p, c, !stream ? s -> { } : s -> {
                String visible = text(loop.model, s);
                // A byte-level token can end inside a character: hold its replacement mark back until the next
                // tokens complete it, so the streamed deltas join to the same text as the whole answer.
                if (s.finish == null) {
                    int end = visible.length();
                    while (end > 0 && visible.charAt(end - 1) == '\uFFFD') end--;
                    visible = visible.substring(0, end);
                }
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
        List<DecodeLoop.Seq> done = new ArrayList<>();
        try {
            for (CompletableFuture<DecodeLoop.Seq> f : futures) done.add(f.get(300, java.util.concurrent.TimeUnit.SECONDS));
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
        for (DecodeLoop.Seq s : done) {
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
    static ObjectNode chatLogprobsJson(LoadedModel m, DecodeLoop.Seq s) {
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
        for (DecodeLoop l : loops.values()) l.thread.interrupt();
    }
}
