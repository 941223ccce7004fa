package dev.cairn.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cairn.ledger.Hex;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a task file in the shape of EleutherAI lm-evaluation-harness's YAML, the subset Cairn runs:
 * <pre>
 *   task: NAME                      output_type: multiple_choice | loglikelihood | generate_until | loglikelihood_rolling
 *   dataset_path: items.jsonl       (local JSONL beside the file; one JSON object per line)
 *   doc_to_text: "{{question}}"     doc_to_target: "{{answer}}" (an index, or the text of a choice)
 *   doc_to_choice: "{{choices}}"    (a field holding a list, or a YAML list of templates)
 *   target_delimiter: " "           metric_list: [{metric: acc}, {metric: acc_norm}]   (exact_match, perplexity)
 *   generation_kwargs: {until: ["\n"], max_gen_toks: 32, do_sample: false}
 *   num_fewshot: 0                  description, metadata, tag: accepted and recorded
 * </pre>
 * Templates are {@code {{field}}} or {@code {{field.sub}}} substitutions in literal text. Anything else the harness
 * knows (splits of hub datasets, few-shot sampling, filters, {@code !function}) is refused by name.
 */
public final class TaskFile {
    static final Set<String> KNOWN = Set.of("task", "output_type", "dataset_path", "doc_to_text", "doc_to_choice", "doc_to_target",
            "target_delimiter", "metric_list", "generation_kwargs", "num_fewshot", "description", "metadata", "tag");
    static final Set<String> HARNESS_UNSUPPORTED = Set.of("dataset_name", "dataset_kwargs", "training_split", "validation_split", "test_split",
            "fewshot_split", "fewshot_config", "fewshot_delimiter", "process_docs", "process_results", "filter_list", "should_decontaminate",
            "doc_to_decontamination_query", "use_prompt", "repeats", "group", "include", "doc_to_image", "doc_to_audio", "gen_prefix");
    static final int MAX_ITEMS = 1_000_000, MAX_LINE = 1 << 20;
    private static final Pattern FIELD = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_]+)*)\\s*\\}\\}");

    private TaskFile() {}

    public static Task read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such task file");
        byte[] yamlBytes = Files.readAllBytes(file);
        JsonNode y;
        try {
            y = new ObjectMapper(new YAMLFactory()).readTree(yamlBytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String at = file + ": ";
        if (y == null || !y.isObject()) throw new IllegalArgumentException(at + "must be a YAML mapping");
        for (Iterator<String> it = y.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (HARNESS_UNSUPPORTED.contains(k)) throw new IllegalArgumentException(at + k + " is a harness feature Cairn does not run (local JSONL items only, zero-shot)");
            if (!KNOWN.contains(k)) throw new IllegalArgumentException(at + "unknown key " + abbrev(k));
        }
        String name = text(y, "task", at);
        if (!name.matches("[A-Za-z0-9_.-]{1,100}")) throw new IllegalArgumentException(at + "task name \"" + abbrev(name) + "\" must be 1-100 letters, digits, '_', '.' or '-'");
        Task.Kind kind = Task.Kind.parse(y.path("output_type").asText("multiple_choice"), at);
        if (y.path("num_fewshot").asInt(0) != 0) throw new IllegalArgumentException(at + "num_fewshot " + abbrev(y.get("num_fewshot").toString()) + " is not supported (0 only)");
        Path data = file.toAbsolutePath().getParent().resolve(text(y, "dataset_path", at));
        if (!Files.isRegularFile(data)) throw new IllegalArgumentException(at + "dataset_path " + abbrev(data.toString()) + " is not a file (a local JSONL file is required)");
        String delim = y.has("target_delimiter") ? y.get("target_delimiter").asText() : " ";
        List<String> metrics = new ArrayList<>();
        for (JsonNode m : y.path("metric_list")) {
            String metric = m.path("metric").asText(m.asText(""));
            if (!Set.of("acc", "acc_norm", "exact_match", "perplexity").contains(metric)) throw new IllegalArgumentException(at + "metric_list: metric \"" + abbrev(metric) + "\" is not supported (acc, acc_norm, exact_match, perplexity)");
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("metric", "aggregation", "higher_is_better").contains(k)) throw new IllegalArgumentException(at + "metric_list: unknown key " + abbrev(k));
            }
            metrics.add(metric);
        }
        JsonNode gen = y.path("generation_kwargs");
        List<String> until = new ArrayList<>();
        int maxGen = 32;
        if (gen.isObject()) {
            for (Iterator<String> it = gen.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("until", "max_gen_toks", "do_sample", "temperature").contains(k)) throw new IllegalArgumentException(at + "generation_kwargs: unknown key " + abbrev(k));
            }
            if (gen.path("do_sample").asBoolean(false)) throw new IllegalArgumentException(at + "generation_kwargs: do_sample true is not supported (greedy only)");
            for (JsonNode u : gen.path("until").isArray() ? gen.path("until") : asList(gen.path("until"))) until.add(u.asText());
            maxGen = gen.path("max_gen_toks").asInt(32);
            if (maxGen < 1 || maxGen > 4096) throw new IllegalArgumentException(at + "generation_kwargs: max_gen_toks must be 1..4096");
        }
        if (metrics.isEmpty()) metrics.addAll(switch (kind) {
            case MULTIPLE_CHOICE -> List.of("acc", "acc_norm");
            case GENERATE_UNTIL -> List.of("exact_match");
            case LOGLIKELIHOOD -> List.of("acc", "perplexity");
            case LOGLIKELIHOOD_ROLLING -> List.of("perplexity");
        });
        List<Task.Item> items = new ArrayList<>();
        MessageDigest md = sha256();
        md.update(yamlBytes);
        md.update((byte) 0);
        try (BufferedReader r = Files.newBufferedReader(data, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            ObjectMapper json = new ObjectMapper();
            while ((line = r.readLine()) != null) {
                n++;
                if (line.length() > MAX_LINE) throw new IllegalArgumentException(data + ":" + n + ": line longer than " + MAX_LINE + " characters");
                md.update(line.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
                if (line.isBlank()) continue;
                if (items.size() >= MAX_ITEMS) throw new IllegalArgumentException(data + ": more than " + MAX_ITEMS + " items");
                JsonNode doc;
                try {
                    doc = json.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(data + ":" + n + ": not valid JSON");
                }
                if (doc == null || !doc.isObject()) throw new IllegalArgumentException(data + ":" + n + ": not a JSON object");
                items.add(item(y, kind, doc, delim, data + ":" + n + ": "));
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(data + ": not valid UTF-8");
        }
        if (items.isEmpty()) throw new IllegalArgumentException(data + ": the task has no items");
        return new Task(name, kind, items, Hex.encode(md.digest()), file.toString(), delim, until, maxGen, metrics);
    }

    private static Task.Item item(JsonNode y, Task.Kind kind, JsonNode doc, String delim, String at) {
        String context = render(text(y, "doc_to_text", at), doc, at + "doc_to_text: ");
        if (kind == Task.Kind.LOGLIKELIHOOD_ROLLING) return new Task.Item(context, List.of(), -1, "");
        JsonNode t = y.get("doc_to_target");
        if (t == null) throw new IllegalArgumentException(at + "doc_to_target is missing");
        String target = t.isInt() ? t.asText() : render(t.asText(), doc, at + "doc_to_target: ");
        if (kind != Task.Kind.MULTIPLE_CHOICE) {
            if (target.isEmpty()) throw new IllegalArgumentException(at + "the item's target is empty");
            return new Task.Item(context, List.of(), -1, target);
        }
        List<String> choices = choices(y.get("doc_to_choice"), doc, at);
        if (choices.size() < 2) throw new IllegalArgumentException(at + "doc_to_choice gives " + choices.size() + " choice(s); at least 2 are needed");
        int idx;
        if (target.matches("-?\\d+")) {
            idx = Integer.parseInt(target);
        } else {
            idx = choices.indexOf(target);
            if (idx < 0) throw new IllegalArgumentException(at + "doc_to_target \"" + abbrev(target) + "\" is neither an index nor one of the choices");
        }
        if (idx < 0 || idx >= choices.size()) throw new IllegalArgumentException(at + "doc_to_target " + idx + " is out of range (" + choices.size() + " choices)");
        return new Task.Item(context, choices, idx, choices.get(idx));
    }

    private static List<String> choices(JsonNode c, JsonNode doc, String at) {
        if (c == null) throw new IllegalArgumentException(at + "doc_to_choice is missing for a multiple_choice task");
        List<String> out = new ArrayList<>();
        if (c.isArray()) {
            for (JsonNode x : c) out.add(render(x.asText(), doc, at + "doc_to_choice: "));
            return out;
        }
        Matcher m = FIELD.matcher(c.asText().strip());
        if (!m.matches()) throw new IllegalArgumentException(at + "doc_to_choice must be {{field}} naming a list, or a list of templates");
        JsonNode list = lookup(doc, m.group(1), at + "doc_to_choice: ");
        if (!list.isArray()) throw new IllegalArgumentException(at + "doc_to_choice: field " + m.group(1) + " is not a list");
        for (JsonNode x : list) out.add(x.asText());
        return out;
    }

    /** Substitutes every {{field}}; a field the item lacks is an error naming it. */
    static String render(String template, JsonNode doc, String at) {
        if (template.contains("{%") || Pattern.compile("\\{\\{[^}]*\\|").matcher(template).find()) {
            throw new IllegalArgumentException(at + "Jinja statements and filters are not supported, only {{field}}");
        }
        Matcher m = FIELD.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(lookup(doc, m.group(1), at).asText()));
        m.appendTail(sb);
        String s = sb.toString();
        if (s.contains("{{")) throw new IllegalArgumentException(at + "template \"" + abbrev(template) + "\" has an expression Cairn does not support (only {{field}})");
        return s;
    }

    private static JsonNode lookup(JsonNode doc, String path, String at) {
        JsonNode n = doc;
        for (String p : path.split("\\.")) {
            n = n.isArray() && p.matches("\\d+") ? n.get(Integer.parseInt(p)) : n.get(p);
            if (n == null || n.isNull()) throw new IllegalArgumentException(at + "the item has no field " + abbrev(path));
        }
        return n;
    }

    private static String text(JsonNode y, String k, String at) {
        JsonNode n = y.get(k);
        if (n == null || n.isNull() || n.asText().isEmpty()) throw new IllegalArgumentException(at + k + " is missing");
        return n.asText();
    }

    /** Input quoted in a message: control characters escaped (one line), at most 40 characters. */
    static String abbrev(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c == '\n') sb.append("\\n");
            else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || c == 0x85) sb.append(String.format("\\u%04x", c));
            else sb.appendCodePoint(c);
        });
        String e = sb.toString();
        return e.length() <= 40 ? e : e.substring(0, 37) + "...";
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A node as a one-element list (generation_kwargs.until may be one string). */
    private static List<JsonNode> asList(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? List.of() : List.of(n);
    }
}
