package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's chat template: the Jinja text in {@code tokenizer_config.json}'s {@code chat_template}, as Hugging Face
 * models carry it, rendered with {@code messages}, {@code add_generation_prompt}, {@code bos_token} and
 * {@code eos_token} the way transformers' {@code apply_chat_template} passes them.
 */
public final class ChatTemplate {
    public record Message(String role, String content) {}

    private static final Jinjava JINJA = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).build());

    private final String source;
    private final String bos, eos;

    public ChatTemplate(String source, String bos, String eos) {
        this.source = source;
        this.bos = bos == null ? "" : bos;
        this.eos = eos == null ? "" : eos;
        RenderResult probe = JINJA.renderForResult(source, context(List.of(new Message("user", "hi")), true));
        List<TemplateError> fatal = probe.getErrors().stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) throw new IllegalArgumentException("chat_template does not render: " + fatal.get(0).getMessage());
    }

    public String source() {
        return source;
    }

    /** The template of the model directory DIR, if its tokenizer_config.json carries one. */
    public static Optional<ChatTemplate> of(Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        if (!Files.exists(f)) return Optional.empty();
        JsonNode tc = Safetensors.JSON.readTree(f.toFile());
        JsonNode t = tc.get("chat_template");
        if (t == null || t.isNull()) return Optional.empty();
        if (!t.isTextual()) throw new IOException(f + ": chat_template must be a string (named templates are not supported)");
        try {
            return Optional.of(new ChatTemplate(t.asText(), token(tc, "bos_token"), token(tc, "eos_token")));
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage());
        }
    }

    private static String token(JsonNode tc, String k) {
        JsonNode v = tc.get(k);
        if (v == null || v.isNull()) return null;
        return v.isTextual() ? v.asText() : v.path("content").asText(null);
    }

    /** Writes the template into DIR's tokenizer_config.json (atomically), so the directory carries it. */
    public static void attach(Path dir, String template) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        ObjectNode tc = (ObjectNode) Safetensors.JSON.readTree(f.toFile());
        new ChatTemplate(template, token(tc, "bos_token"), token(tc, "eos_token")); // refuse one that does not render
        tc.put("chat_template", template);
        Bundles.writeBytes(f, Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tc));
    }

    /** The prompt text for a conversation; with addGenerationPrompt, ready for the assistant's turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        RenderResult r = JINJA.renderForResult(source, context(messages, addGenerationPrompt));
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) throw new IllegalArgumentException("the chat template failed: " + e.getMessage());
        }
        return r.getOutput();
    }

    private Map<String, Object> context(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> ms = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("role", m.role());
            x.put("content", m.content());
            ms.add(x);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("messages", ms);
        c.put("add_generation_prompt", addGenerationPrompt);
        c.put("bos_token", bos);
        c.put("eos_token", eos);
        return c;
    }
}
