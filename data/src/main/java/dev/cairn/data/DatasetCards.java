package dev.cairn.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The Hugging Face dataset card ({@code README.md} with YAML front matter) and Croissant 1.1 JSON-LD of a version. */
final class DatasetCards {
    private DatasetCards() {}

    static String sizeCategory(int n) {
        if (n < 1_000) return "n<1K";
        if (n < 10_000) return "1K<n<10K";
        if (n < 100_000) return "10K<n<100K";
        if (n < 1_000_000) return "100K<n<1M";
        if (n < 10_000_000) return "1M<n<10M";
        if (n < 100_000_000) return "10M<n<100M";
        return "100M<n<1B";
    }

    private static TreeMap<String, Integer> licenses(DatasetManifest m) {
        TreeMap<String, Integer> out = new TreeMap<>();
        for (DocumentEntry d : m.documents()) out.merge(d.license(), 1, Integer::sum);
        return out;
    }

    private static String yaml(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String card(DatasetManifest m) {
        TreeMap<String, Integer> lic = licenses(m);
        TreeSet<String> sources = new TreeSet<>();
        long bytes = 0;
        for (DocumentEntry d : m.documents()) {
            sources.add(d.source());
            bytes += d.bytes();
        }
        StringBuilder sb = new StringBuilder("---\n");
        if (lic.size() == 1 && lic.firstKey().matches("[A-Za-z0-9.\\-]+") && !lic.firstKey().startsWith("LicenseRef-")
                && !lic.firstKey().equals("NOASSERTION")) {
            sb.append("license: ").append(lic.firstKey().toLowerCase(Locale.ROOT)).append('\n');
        } else {
            sb.append("license: other\nlicense_name: ").append(yaml(String.join(" AND ", lic.keySet().stream().map(l -> l.contains(" ") ? "(" + l + ")" : l).toList()))).append('\n');
        }
        sb.append("pretty_name: ").append(yaml(m.name() + " v" + m.version())).append('\n');
        sb.append("size_categories:\n- ").append(sizeCategory(m.documents().size())).append('\n');
        sb.append("source_datasets:\n");
        for (String s : sources) sb.append("- ").append(yaml(s)).append('\n');
        sb.append("tags:\n- cairn\n- provenance\n---\n\n");
        sb.append("# ").append(m.name()).append(" (version ").append(m.version()).append(")\n\n");
        sb.append("A Cairn dataset version: an immutable manifest of its documents with an RFC 6962 Merkle root over their ids.\n\n");
        sb.append("| | |\n|---|---|\n");
        sb.append("| reference | `").append(m.ref()).append("` |\n");
        sb.append("| Merkle root | `").append(m.root()).append("` |\n");
        sb.append("| documents | ").append(m.documents().size()).append(" |\n");
        sb.append("| bytes (UTF-8, normalised) | ").append(bytes).append(" |\n");
        sb.append("| created | ").append(m.created()).append(" |\n");
        if (m.parentVersion() > 0) sb.append("| parent | `").append(m.name()).append('@').append(m.parentVersion()).append("` (root `").append(m.parentRoot()).append("`) |\n");
        sb.append("\n## Licences\n\n| SPDX expression | documents |\n|---|---|\n");
        lic.forEach((k, v) -> sb.append("| `").append(k).append("` | ").append(v).append(" |\n"));
        sb.append("\n## How this version was made\n\n```json\n").append(m.change().toPrettyString()).append("\n```\n\n");
        sb.append("Leaves: ").append(DatasetManifest.LEAF_RULE).append(". Check a document with `cairn data prove ID --dataset ")
                .append(m.ref()).append("` and `cairn data check-proof FILE`.\n");
        return sb.toString();
    }

    static byte[] croissant(DatasetManifest m) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        ObjectNode ctx = o.putObject("@context");
        for (Map.Entry<String, String> e : Map.ofEntries(
                Map.entry("@language", "en"), Map.entry("@vocab", "https://schema.org/"), Map.entry("sc", "https://schema.org/"),
                Map.entry("cr", "http://mlcommons.org/croissant/"), Map.entry("rai", "http://mlcommons.org/croissant/RAI/"),
                Map.entry("dct", "http://purl.org/dc/terms/"), Map.entry("prov", "http://www.w3.org/ns/prov#"),
                Map.entry("conformsTo", "dct:conformsTo"), Map.entry("citeAs", "cr:citeAs"), Map.entry("column", "cr:column"),
                Map.entry("extract", "cr:extract"), Map.entry("field", "cr:field"), Map.entry("fileProperty", "cr:fileProperty"),
                Map.entry("fileObject", "cr:fileObject"), Map.entry("fileSet", "cr:fileSet"), Map.entry("format", "cr:format"),
                Map.entry("includes", "cr:includes"), Map.entry("isLiveDataset", "cr:isLiveDataset"), Map.entry("jsonPath", "cr:jsonPath"),
                Map.entry("key", "cr:key"), Map.entry("md5", "cr:md5"), Map.entry("path", "cr:path"), Map.entry("recordSet", "cr:recordSet"),
                Map.entry("references", "cr:references"), Map.entry("regex", "cr:regex"), Map.entry("repeated", "cr:repeated"),
                Map.entry("replace", "cr:replace"), Map.entry("separator", "cr:separator"), Map.entry("source", "cr:source"),
                Map.entry("subField", "cr:subField"), Map.entry("transform", "cr:transform")).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            ctx.put(e.getKey(), e.getValue());
        }
        ctx.putObject("data").put("@id", "cr:data").put("@type", "@json");
        ctx.putObject("dataType").put("@id", "cr:dataType").put("@type", "@vocab");
        o.put("@type", "sc:Dataset");
        o.put("conformsTo", "http://mlcommons.org/croissant/1.1");
        o.put("name", m.name());
        o.put("description", "Cairn dataset " + m.ref() + ": " + m.documents().size() + " documents, Merkle root " + m.root());
        o.put("version", m.version() + ".0.0");
        o.put("datePublished", m.created());
        o.put("url", "cairn:dataset/" + m.ref());
        o.putObject("creator").put("@type", "sc:Organization").put("name", "maintainers of the Cairn dataset " + m.name());
        ArrayNode license = o.putArray("license");
        for (String l : licenses(m).keySet()) {
            license.add(l.matches("[A-Za-z0-9.\\-]+") && !l.startsWith("LicenseRef-") && !l.equals("NOASSERTION") ? "https://spdx.org/licenses/" + l + ".html" : l);
        }
        ArrayNode derived = o.putArray("prov:wasDerivedFrom");
        new TreeSet<>(m.documents().stream().map(DocumentEntry::source).toList()).forEach(s -> derived.addObject().put("@id", s));
        o.putObject("prov:wasGeneratedBy").put("@type", "prov:Activity").put("name", "cairn data " + m.change().path("kind").asText())
                .put("description", m.change().toString());
        ArrayNode dist = o.putArray("distribution");
        ArrayNode ids = f.arrayNode();
        for (DocumentEntry d : m.documents()) {
            ObjectNode fo = dist.addObject();
            fo.put("@type", "cr:FileObject");
            fo.put("@id", "doc-" + d.id());
            fo.put("name", d.id() + ".txt");
            fo.put("contentUrl", "../../objects/" + d.id().substring(0, 2) + "/" + d.id() + ".txt");
            fo.put("encodingFormat", "text/plain");
            fo.put("contentSize", d.bytes() + " B");
            fo.put("sha256", d.id());
            fo.put("license", d.license());
            ids.addObject().put("@id", "doc-" + d.id());
        }
        ObjectNode fs = dist.addObject();
        fs.put("@type", "cr:FileSet");
        fs.put("@id", "documents");
        fs.put("name", "documents");
        fs.put("encodingFormat", "text/plain");
        fs.put("includes", "../../objects/*/*.txt");
        ObjectNode rs = o.putArray("recordSet").addObject();
        rs.put("@type", "cr:RecordSet");
        rs.put("@id", "documents");
        rs.put("name", "documents");
        ArrayNode fields = rs.putArray("field");
        ObjectNode id = fields.addObject();
        id.put("@type", "cr:Field").put("@id", "documents/id").put("name", "id").put("dataType", "sc:Text")
                .put("description", "SHA-256 of the normalised text");
        id.putObject("source").set("fileSet", f.objectNode().put("@id", "documents"));
        ((ObjectNode) id.get("source")).putObject("extract").put("fileProperty", "filename");
        ((ObjectNode) id.get("source")).putObject("transform").put("regex", "^([0-9a-f]{64})\\.txt$");
        ObjectNode text = fields.addObject();
        text.put("@type", "cr:Field").put("@id", "documents/text").put("name", "text").put("dataType", "sc:Text");
        text.putObject("source").set("fileSet", f.objectNode().put("@id", "documents"));
        ((ObjectNode) text.get("source")).putObject("extract").put("fileProperty", "content");
        try {
            return (new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
