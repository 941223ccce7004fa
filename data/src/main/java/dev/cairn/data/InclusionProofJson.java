package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.InclusionProof;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a document's inclusion proof: {@code leaf_index}, {@code tree_size}, {@code root},
 * {@code leaf_hash}, {@code audit_path} (lower-case hex, RFC 6962 / RFC 9162 §2.1.3), plus {@code dataset}
 * and {@code document} saying what it is about.
 */
public final class InclusionProofJson {
    private InclusionProofJson() {}

    /** A parsed proof and what it says it is about (either may be null). */
    public record Parsed(InclusionProof proof, String dataset, String documentId) {}

    public static String write(InclusionProof p, String datasetRef, String documentId) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("dataset", datasetRef);
        o.put("document", documentId);
        o.put("leaf_index", p.leafIndex());
        o.put("tree_size", p.treeSize());
        o.put("root", Hex.encode(p.root()));
        o.put("leaf_hash", Hex.encode(p.leafHash()));
        var path = o.putArray("audit_path");
        for (byte[] h : p.auditPath()) path.add(Hex.encode(h));
        return CanonicalJson.canonicalString(o);
    }

    public static Parsed parse(JsonNode o) {
        for (String f : List.of("leaf_index", "tree_size", "root", "leaf_hash", "audit_path")) {
            if (!o.has(f)) throw new DataException("proof: missing field \"" + f + "\"");
        }
        if (!o.get("leaf_index").canConvertToLong() || !o.get("tree_size").canConvertToLong()) throw new DataException("proof: leaf_index and tree_size must be integers");
        if (!o.get("audit_path").isArray()) throw new DataException("proof: field \"audit_path\" must be an array");
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : o.get("audit_path")) path.add(hash(h.asText(), "audit_path"));
        InclusionProof p = new InclusionProof(o.get("leaf_index").asLong(), o.get("tree_size").asLong(),
                hash(o.get("root").asText(), "root"), hash(o.get("leaf_hash").asText(), "leaf_hash"), path);
        String doc = o.hasNonNull("document") ? o.get("document").asText() : null;
        if (doc != null) hash(doc, "document");
        return new Parsed(p, o.hasNonNull("dataset") ? o.get("dataset").asText() : null, doc);
    }

    private static byte[] hash(String hex, String field) {
        if (!hex.matches("[0-9a-f]{64}")) throw new DataException("proof: field \"" + field + "\" must be 64 lower-case hex digits");
        return Hex.decode(hex);
    }
}
