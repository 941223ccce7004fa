package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An in-toto Statement v1: {@code _type}, {@code subject[]}, {@code predicateType}, {@code predicate}.
 *
 * <p>Cairn's predicates carry two fields the ledger understands: {@code community_id}, the lower-case hex
 * SHA-256 of the community's genesis statement (absent only in a genesis statement), so a statement can never
 * count in another community; and {@code signer}, the author's raw Ed25519 public key in hex, so an envelope
 * verifies on its own and a log can check every signature in parallel, before any state is known.
 */
public record Statement(List<Subject> subject, String predicateType, ObjectNode predicate) {
    /** The in-toto statement type this ledger accepts. */
    public static final String TYPE = "https://in-toto.io/Statement/v1";
    /** Predicate field naming the community. */
    public static final String COMMUNITY_ID = "community_id";
    /** Predicate field holding the author's public key (hex). */
    public static final String SIGNER = "signer";
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public Statement {
        subject = List.copyOf(subject);
        if (subject.isEmpty()) throw new LedgerException("statement has no subject");
        if (predicateType == null || predicateType.isBlank()) throw new LedgerException("statement has no predicateType");
        if (predicate == null) throw new LedgerException("statement has no predicate");
        predicate = predicate.deepCopy();
        JsonNode c = predicate.get(COMMUNITY_ID);
        if (c != null && !(c.isTextual() && HEX64.matcher(c.asText()).matches())) {
            throw new LedgerException("predicate.community_id must be 64 lower-case hex digits");
        }
        JsonNode s = predicate.get(SIGNER);
        if (s != null && !(s.isTextual() && HEX64.matcher(s.asText()).matches())) {
            throw new LedgerException("predicate.signer must be a 32-byte public key in lower-case hex");
        }
    }

    /**
     * A statement by {@code signer} in community {@code communityId} (null only for a genesis statement):
     * both are written into a copy of {@code predicate}.
     */
    public static Statement of(String predicateType, ObjectNode predicate, String communityId, Identity signer,
                               Subject... subjects) {
        ObjectNode p = predicate.deepCopy();
        if (communityId != null) p.put(COMMUNITY_ID, communityId);
        else p.remove(COMMUNITY_ID);
        p.put(SIGNER, signer.publicKeyHex());
        return new Statement(List.of(subjects), predicateType, p);
    }

    /** The predicate's community id, absent in a genesis statement. */
    public Optional<String> communityId() {
        JsonNode c = predicate.get(COMMUNITY_ID);
        return c == null ? Optional.empty() : Optional.of(c.asText());
    }

    /** The author named in the predicate, if any. */
    public Optional<Identity> signer() {
        JsonNode s = predicate.get(SIGNER);
        return s == null ? Optional.empty() : Optional.of(Identity.ofHex(s.asText()));
    }

    /** The predicate's signer field (hex), or null. */
    String signerHex() {
        JsonNode s = predicate.get(SIGNER);
        return s == null ? null : s.asText();
    }

    /** Throws unless this statement names {@code communityId}; stops replays across communities. */
    public void requireCommunity(String communityId) {
        String mine = communityId().orElse(null);
        if (!communityId.equals(mine)) {
            throw new LedgerException("statement belongs to community " + (mine == null ? "(none: a genesis)" : mine)
                    + ", not " + communityId);
        }
    }

    /** The statement as a JSON tree. */
    public ObjectNode toJsonNode() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("_type", TYPE);
        ArrayNode subs = n.putArray("subject");
        for (Subject s : subject) {
            ObjectNode o = subs.addObject();
            o.put("name", s.name());
            ObjectNode d = o.putObject("digest");
            s.digest().forEach(d::put);
        }
        n.put("predicateType", predicateType);
        n.set("predicate", predicate.deepCopy());
        return n;
    }

    /** RFC 8785 canonical bytes: the DSSE payload. */
    public byte[] canonicalBytes() {
        return CanonicalJson.canonicalize(toJsonNode());
    }

    /** Lower-case hex SHA-256 of the canonical bytes; a genesis statement's digest is its community id. */
    public String digest() {
        return Hex.encode(MerkleTree.sha256(canonicalBytes()));
    }

    /** Parses a statement, refusing any {@code _type} but in-toto Statement v1 and any malformed field. */
    public static Statement parse(byte[] json) {
        return parse(json, false);
    }

    /** As {@link #parse(byte[])}; with {@code requireCanonical}, also refuses bytes that are not RFC 8785 canonical. */
    public static Statement parse(byte[] json, boolean requireCanonical) {
        JsonNode n = CanonicalJson.parse(json);
        if (!n.isObject()) throw new LedgerException("statement is not a JSON object");
        JsonNode type = n.get("_type");
        if (type == null || !type.isTextual()) throw new LedgerException("statement has no _type");
        if (!TYPE.equals(type.asText())) {
            throw new LedgerException("unknown statement _type \"" + Hex.abbreviate(type.asText()) + "\" (want " + TYPE + ")");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("_type", "subject", "predicateType", "predicate").contains(f)) {
                throw new LedgerException("statement has unknown field \"" + Hex.abbreviate(f) + "\"");
            }
        }
        JsonNode subs = n.get("subject");
        if (subs == null || !subs.isArray()) throw new LedgerException("statement subject is not an array");
        List<Subject> subjects = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
            JsonNode s = subs.get(i);
            JsonNode name = s.get("name"), digest = s.get("digest");
            if (name == null || !name.isTextual() || digest == null || !digest.isObject()) {
                throw new LedgerException("statement subject[" + i + "] needs a string name and a digest object");
            }
            Map<String, String> d = new LinkedHashMap<>();
            for (var e : digest.properties()) {
                if (!e.getValue().isTextual()) throw new LedgerException("statement subject[" + i + "].digest." + e.getKey() + " is not a string");
                d.put(e.getKey(), e.getValue().asText());
            }
            subjects.add(new Subject(name.asText(), d));
        }
        JsonNode pt = n.get("predicateType");
        if (pt == null || !pt.isTextual()) throw new LedgerException("statement predicateType is not a string");
        JsonNode p = n.get("predicate");
        if (p == null || !p.isObject()) throw new LedgerException("statement predicate is not an object");
        if (requireCanonical && !java.util.Arrays.equals(CanonicalJson.canonicalize(n), json)) {
            throw new LedgerException("statement payload is not in RFC 8785 canonical form");
        }
        return new Statement(subjects, pt.asText(), (ObjectNode) p);
    }
}
