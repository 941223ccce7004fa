package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.governance.Artifact;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.LineageRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Models in a community's lineage: its releases (published, with the release statement's root and base model, or
 * decided and not yet published), and the releases its ancestors carried into it through forks.
 */
public final class ModelLineage {
    private ModelLineage() {}

    /**
     * A released model. {@code root} is the signed bundle's root digest ("" until published); {@code base*} name
     * the model it was trained from ("" for a run from scratch); {@code inherited}: carried in by a fork.
     */
    public record Release(String model, String weights, String community, String root, long index, String baseName,
                          String baseWeights, String baseSource, String parentReleaseRoot, boolean inherited) {}

    public static List<Release> releases(Path home) {
        LedgerView ledger = LedgerView.read(home);
        CommunityState s = ledger.state;
        List<Release> out = new ArrayList<>();
        List<Artifact> inherited = s.origin().map(o -> o.artifacts()).orElse(List.of());
        for (Artifact a : inherited) {
            if (a.kind().equals("release")) out.add(new Release(a.name(), a.digest(), s.origin().get().parentCommunity(), "", -1, "", "", "", "", true));
        }
        for (Artifact a : s.artifacts().subList(inherited.size(), s.artifacts().size())) {
            if (!a.kind().equals("release")) continue;
            var st = ledger.first(ReleaseStatements.RELEASE, e -> e.predicate().path("model").asText().equals(a.name())
                    && e.predicate().path("weights_sha256").asText().equals(a.digest()));
            if (st.isEmpty()) {
                out.add(new Release(a.name(), a.digest(), s.communityId(), "", -1, "", "", "", "", false));
                continue;
            }
            JsonNode b = st.get().predicate().path("base_model");
            out.add(new Release(a.name(), a.digest(), s.communityId(), st.get().subjects().getFirst().digest().get("sha256"), st.get().index(),
                    b.path("name").asText(""), b.path("weights_sha256").asText(""), b.path("source").asText(""), b.path("parent_release_root").asText(""), false));
        }
        return out;
    }

    /** The lineage as one picture: communities down the left, their releases beside them, base models beside those. */
    public static String svg(List<LineageRecord> communities, List<Release> releases) {
        int rowH = 56, w = 980;
        List<String> rows = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        int y = 40;
        java.util.Map<String, Integer> communityY = new java.util.HashMap<>();
        for (int i = 0; i < communities.size(); i++) {
            LineageRecord c = communities.get(i);
            communityY.put(c.community(), y);
            box(body, 20, y, 280, c.name(), "community " + c.community().substring(0, 12) + "…", "#e8f0fe");
            if (i > 0) body.append(String.format(java.util.Locale.ROOT, "<line x1='160' y1='%d' x2='160' y2='%d' class='e'/>%n", y - rowH + 40, y));
            y += rowH;
        }
        int ry = 40;
        for (Release r : releases) {
            int cy = communityY.getOrDefault(r.community(), 40);
            box(body, 360, ry, 300, r.model() + (r.inherited() ? " (inherited)" : r.root().isEmpty() ? " (not yet published)" : ""),
                    "weights " + r.weights().substring(0, 12) + "…" + (r.root().isEmpty() ? "" : "  bundle " + r.root().substring(0, 12) + "…"), "#e6f4ea");
            body.append(String.format(java.util.Locale.ROOT, "<line x1='300' y1='%d' x2='360' y2='%d' class='e'/>%n", cy + 20, ry + 20));
            if (!r.baseWeights().isEmpty()) {
                box(body, 720, ry, 240, r.baseName().isEmpty() ? "base model" : r.baseName(), "weights " + r.baseWeights().substring(0, 12) + "…", "#fef7e0");
                body.append(String.format(java.util.Locale.ROOT, "<line x1='720' y1='%d' x2='660' y2='%d' class='e'/>%n", ry + 20, ry + 20));
            }
            ry += rowH;
        }
        int h = Math.max(y, ry) + 10;
        rows.add("<svg xmlns='http://www.w3.org/2000/svg' width='" + w + "' height='" + h + "' font-family='sans-serif' font-size='12'>");
        rows.add("<style>.e{stroke:#5f6368;stroke-width:1.5} rect{stroke:#5f6368}</style>");
        rows.add("<text x='20' y='24' font-size='14' font-weight='bold'>communities</text><text x='360' y='24' font-size='14' font-weight='bold'>released models</text>"
                + "<text x='720' y='24' font-size='14' font-weight='bold'>trained from</text>");
        rows.add(body.toString());
        rows.add("</svg>");
        return String.join("\n", rows) + "\n";
    }

    private static void box(StringBuilder sb, int x, int y, int w, String title, String sub, String fill) {
        sb.append(String.format(java.util.Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='40' rx='6' fill='%s'/>"
                + "<text x='%d' y='%d' font-weight='bold'>%s</text><text x='%d' y='%d' fill='#5f6368'>%s</text>%n",
                x, y, w, fill, x + 8, y + 16, esc(title), x + 8, y + 32, esc(sub)));
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
