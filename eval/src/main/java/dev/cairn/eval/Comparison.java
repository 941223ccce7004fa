package dev.cairn.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Several models' results side by side: a Markdown table and a grouped bar chart (SVG) of each task's headline metric. */
public final class Comparison {
    private Comparison() {}

    /** The metric a task is judged by: accuracy where there is one, else bits per byte. */
    static String headline(JsonNode task) {
        JsonNode m = task.path("metrics");
        for (String k : List.of("acc_norm", "acc", "exact_match", "bits_per_byte")) if (m.has(k)) return k;
        return m.fieldNames().hasNext() ? m.fieldNames().next() : "";
    }

    public static String table(List<ObjectNode> results) {
        Set<String> tasks = tasks(results);
        StringBuilder sb = new StringBuilder("| model | weights |");
        for (String t : tasks) sb.append(' ').append(t).append(" (").append(headline(results.getFirst().path("tasks").path(t))).append(") |");
        sb.append("\n|---|---|").append("---|".repeat(tasks.size())).append('\n');
        for (ObjectNode r : results) {
            sb.append("| ").append(r.path("model").path("ref").asText()).append(" | `").append(r.path("model").path("weights_sha256").asText(), 0, 12).append("…` |");
            for (String t : tasks) {
                JsonNode task = r.path("tasks").path(t);
                String h = headline(task);
                sb.append(String.format(Locale.ROOT, " %.4f%s |", task.path("metrics").path(h).asDouble(),
                        task.path("contamination").path("contaminated_items").asInt(0) > 0 ? " ⚠ contaminated " + task.path("contamination").path("contaminated_items").asInt() : ""));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static String svg(List<ObjectNode> results) {
        List<String> tasks = new ArrayList<>(tasks(results));
        String[] colors = {"#1a73e8", "#e37400", "#188038", "#d93025", "#9334e6", "#12b5cb"};
        int groupW = 40 + 28 * results.size(), w = 80 + groupW * tasks.size() + 220, h = 300, base = 240;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(w).append("' height='").append(h).append("' font-family='sans-serif' font-size='12'>\n");
        sb.append("<text x='20' y='20' font-size='14' font-weight='bold'>Evaluation: each task's headline metric (bits per byte: lower is better)</text>\n");
        sb.append(String.format(Locale.ROOT, "<line x1='60' y1='%d' x2='%d' y2='%d' stroke='#5f6368'/>%n", base, w - 220, base));
        for (int ti = 0; ti < tasks.size(); ti++) {
            String t = tasks.get(ti);
            double max = 0;
            for (ObjectNode r : results) max = Math.max(max, r.path("tasks").path(t).path("metrics").path(headline(r.path("tasks").path(t))).asDouble());
            int x0 = 70 + ti * groupW;
            for (int mi = 0; mi < results.size(); mi++) {
                JsonNode task = results.get(mi).path("tasks").path(t);
                double v = task.path("metrics").path(headline(task)).asDouble();
                int bh = max <= 0 ? 0 : (int) Math.round(180 * v / max);
                sb.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='24' height='%d' fill='%s'/><text x='%d' y='%d' font-size='10'>%.3f</text>%n",
                        x0 + mi * 28, base - bh, bh, colors[mi % colors.length], x0 + mi * 28, base - bh - 4, v));
            }
            sb.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>%s</text>%n", x0, base + 18, esc(t + " (" + headline(results.getFirst().path("tasks").path(t)) + ")")));
        }
        for (int mi = 0; mi < results.size(); mi++) {
            sb.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/><text x='%d' y='%d'>%s</text>%n",
                    w - 200, 40 + mi * 20, colors[mi % colors.length], w - 182, 50 + mi * 20, esc(results.get(mi).path("model").path("ref").asText())));
        }
        return sb.append("</svg>\n").toString();
    }

    private static Set<String> tasks(List<ObjectNode> results) {
        Set<String> out = new LinkedHashSet<>();
        for (ObjectNode r : results) r.path("tasks").fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}
