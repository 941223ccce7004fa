package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.MerkleTree;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One immutable dataset version: its documents in canonical order (ascending id) and the RFC 6962 Merkle root
 * over them, where leaf i's input is the 32 raw bytes of document i's id. Stored as RFC 8785 canonical JSON.
 *
 * @param parentVersion the version this one was made from, or 0 for the first
 * @param change what made this version: {@code {"kind":"add",...}} or {@code {"kind":"remove","document":...,"reason":...}}
 */
public record DatasetManifest(String name, int version, String created, int parentVersion, String parentRoot,
                              ObjectNode change, DatasetPolicy policy, List<DocumentEntry> documents, String root) {
    static final String LEAF_RULE = "RFC 6962 leaf input = the 32 raw bytes of the document id (SHA-256 of the "
            + "normalised UTF-8 text); leaves in ascending id order";

    public DatasetManifest {
        documents = List.copyOf(documents);
        change = change.deepCopy();
        for (int i = 1; i < documents.size(); i++) {
            if (documents.get(i - 1).id().compareTo(documents.get(i).id()) >= 0) throw new IllegalArgumentException("documents must be in ascending id order without repeats");
        }
    }

    /** Builds a manifest, computing the root. */
    static DatasetManifest create(String name, int version, String created, int parentVersion, String parentRoot,
                                  ObjectNode change, DatasetPolicy policy, List<DocumentEntry> documents) {
        List<DocumentEntry> sorted = new ArrayList<>(documents);
        sorted.sort((a, b) -> a.id().compareTo(b.id()));
        return new DatasetManifest(name, version, created, parentVersion, parentRoot, change, policy, sorted,
                Hex.encode(MerkleTree.rootFromLeafHashes(leafHashes(sorted))));
    }

    static List<byte[]> leafHashes(List<DocumentEntry> docs) {
        List<byte[]> out = new ArrayList<>(docs.size());
        for (DocumentEntry d : docs) out.add(MerkleTree.leafHash(Hex.decode(d.id())));
        return out;
    }

    /** {@code NAME@VERSION}. */
    public String ref() {
        return name + "@" + version;
    }

    @Override
    public ObjectNode change() {
        return change.deepCopy();
    }

    /** Position of a document in canonical order, or -1. */
    public int indexOf(String documentId) {
        int lo = 0, hi = documents.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = documents.get(mid).id().compareTo(documentId);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /** The RFC 6962 inclusion proof of a document in this version. */
    public InclusionProof prove(String documentId) {
        int i = indexOf(documentId);
        if (i < 0) throw new DataException("document " + documentId + " is not in " + ref());
        List<byte[]> leaves = leafHashes(documents);
        return new InclusionProof(i, documents.size(), Hex.decode(root), leaves.get(i), MerkleTree.inclusionProof(leaves, i));
    }

    /** Canonical JSON bytes. */
    public byte[] toCanonicalJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("format", "cairn.dataset-manifest/v1");
        o.put("name", name);
        o.put("version", version);
        o.put("created", created);
        if (parentVersion > 0) o.putObject("parent").put("version", parentVersion).put("root", parentRoot);
        else o.putNull("parent");
        o.set("change", change);
        o.set("policy", policy.toJson());
        o.put("leaf", LEAF_RULE);
        o.put("tree_size", documents.size());
        o.put("root", root);
        var arr = o.putArray("documents");
        for (DocumentEntry d : documents) arr.add(d.toJson());
        return CanonicalJson.canonicalize(o);
    }

    /** Parses and checks a manifest: the root must match the documents. */
    public static DatasetManifest parse(byte[] json, String where) {
        JsonNode o;
        try {
            o = CanonicalJson.parse(json);
        } catch (RuntimeException e) {
            throw new DataException(where + ": " + e.getMessage());
        }
        if (!o.isObject()) throw new DataException(where + ": not a JSON object");
        if (!o.path("change").isObject()) throw new DataException(where + ": field \"change\" is not an object");
        if (!o.path("documents").isArray()) throw new DataException(where + ": field \"documents\" is not an array");
        List<DocumentEntry> docs = new ArrayList<>();
        for (JsonNode d : o.path("documents")) {
            if (!d.isObject() || !d.path("id").asText().matches("[0-9a-f]{64}")) {
                throw new DataException(where + ": documents[" + docs.size() + "]: \"id\" is not 64 lower-case hex digits");
            }
            docs.add(DocumentEntry.fromJson(d));
        }
        JsonNode parent = o.path("parent");
        DatasetManifest m;
        try {
            m = new DatasetManifest(o.path("name").asText(), o.path("version").asInt(), o.path("created").asText(),
                    parent.isObject() ? parent.path("version").asInt() : 0, parent.isObject() ? parent.path("root").asText() : null,
                    (ObjectNode) o.path("change"), DatasetPolicy.fromJson(o.path("policy")), docs, o.path("root").asText());
        } catch (IllegalArgumentException e) {
            throw new DataException(where + ": " + e.getMessage());
        }
        String computed = Hex.encode(MerkleTree.rootFromLeafHashes(leafHashes(docs)));
        if (!computed.equals(m.root)) throw new DataException(where + ": manifest root " + m.root + " does not match its documents (" + computed + ")");
        return m;
    }

    /** Ids in canonical order. */
    public List<String> documentIds() {
        List<String> ids = new ArrayList<>(documents.size());
        for (DocumentEntry d : documents) ids.add(d.id());
        return Collections.unmodifiableList(ids);
    }
}
