package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One document of a dataset version, as the manifest records it.
 *
 * @param id lower-case hex SHA-256 of the normalised UTF-8 text (the RFC 6962 leaf input is its 32 raw bytes)
 * @param source the source URI given when it was added
 * @param license canonical SPDX expression, or {@code NOASSERTION}
 * @param licenseFlags flagged licence terms: non-commercial, no-derivatives, share-alike
 * @param added when it was added (ISO-8601 UTC)
 * @param bytes length of the normalised text in UTF-8 bytes
 * @param origin file and line it came from
 * @param attributes the taggers' attributes (Dolma style, {@code tagger__attribute}) and the Dolma fields it came with
 */
public record DocumentEntry(String id, String source, String license, List<String> licenseFlags, String added,
                            long bytes, String origin, ObjectNode attributes) {
    public DocumentEntry {
        licenseFlags = List.copyOf(licenseFlags);
        attributes = attributes.deepCopy();
    }

    @Override
    public ObjectNode attributes() {
        return attributes.deepCopy();
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("source", source);
        o.put("license", license);
        o.putArray("license_flags").addAll(licenseFlags.stream().map(JsonNodeFactory.instance::textNode).toList());
        o.put("added", added);
        o.put("bytes", bytes);
        o.put("origin", origin);
        o.set("attributes", attributes.deepCopy());
        return o;
    }

    static DocumentEntry fromJson(JsonNode o) {
        List<String> flags = new ArrayList<>();
        o.path("license_flags").forEach(n -> flags.add(n.asText()));
        return new DocumentEntry(o.path("id").asText(), o.path("source").asText(), o.path("license").asText(), flags,
                o.path("added").asText(), o.path("bytes").asLong(), o.path("origin").asText(),
                o.path("attributes").isObject() ? (ObjectNode) o.path("attributes") : JsonNodeFactory.instance.objectNode());
    }
}
