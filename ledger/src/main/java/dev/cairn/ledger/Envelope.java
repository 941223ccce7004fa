package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

/**
 * A DSSE envelope: {@code payloadType}, base64 {@code payload}, {@code signatures[{keyid, sig}]}, where each
 * signature is Ed25519 over {@code PAE = "DSSEv1" SP len(type) SP type SP len(body) SP body} and keyid is the
 * signer's {@link Identity#keyId()}. Cairn's payloads are in-toto statements, so {@link #PAYLOAD_TYPE} is the
 * only type accepted.
 *
 * <p>{@link #toJson()} is RFC 8785 canonical, so an envelope has exactly one byte form: the log's leaf input.
 */
public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {
    /** The DSSE payload type of an in-toto statement. */
    public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";

    /** One DSSE signature. */
    public record Signature(String keyid, byte[] sig) {
        public Signature {
            sig = sig.clone();
        }

        @Override
        public byte[] sig() {
            return sig.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && keyid.equals(s.keyid) && java.util.Arrays.equals(sig, s.sig);
        }

        @Override
        public int hashCode() {
            return keyid.hashCode() * 31 + java.util.Arrays.hashCode(sig);
        }
    }

    public Envelope {
        payload = payload.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && payloadType.equals(e.payloadType)
                && java.util.Arrays.equals(payload, e.payload) && signatures.equals(e.signatures);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(payload) * 31 + signatures.hashCode();
    }

    /** Signs a statement with each key (normally one: the author named in its predicate). */
    public static Envelope sign(Statement statement, SigningKey... keys) {
        return sign(PAYLOAD_TYPE, statement.canonicalBytes(), keys);
    }

    /** Signs any payload; {@link #verify} will still refuse a payload type other than {@link #PAYLOAD_TYPE}. */
    public static Envelope sign(String payloadType, byte[] payload, SigningKey... keys) {
        byte[] pae = pae(payloadType, payload);
        List<Signature> sigs = new ArrayList<>();
        for (SigningKey k : keys) sigs.add(new Signature(k.identity().keyId(), k.sign(pae)));
        return new Envelope(payloadType, payload, sigs);
    }

    /** DSSE v1 pre-authentication encoding; lengths are ASCII decimal byte counts. */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ")
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + payload.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(payload, 0, out, head.length, payload.length);
        return out;
    }

    /** Canonical (RFC 8785) JSON bytes of the envelope; written directly since its shape is fixed. */
    public byte[] toJson() {
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder sb = new StringBuilder(64 + payload.length * 4 / 3 + signatures.size() * 200);
        sb.append("{\"payload\":\"").append(b64.encodeToString(payload)).append("\",\"payloadType\":");
        CanonicalJson.writeString(payloadType, sb);
        sb.append(",\"signatures\":[");
        for (int i = 0; i < signatures.size(); i++) {
            Signature s = signatures.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"keyid\":");
            CanonicalJson.writeString(s.keyid(), sb);
            sb.append(",\"sig\":\"").append(b64.encodeToString(s.sig)).append("\"}");
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** More signers than any community's quorum needs: each one costs a verification, so the count is bounded. */
    static final int MAX_SIGNATURES = 256;

    /** Parses an envelope's JSON; malformed fields are named. Does not verify. */
    public static Envelope parse(byte[] json) {
        JsonNode n = CanonicalJson.parse(json);
        if (!n.isObject()) throw new LedgerException("envelope is not a JSON object");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("payloadType", "payload", "signatures").contains(f)) {
                throw new LedgerException("envelope has unknown field \"" + Hex.abbreviate(f) + "\"");
            }
        }
        String type = requireText(n, "payloadType", "envelope");
        byte[] payload = base64(requireText(n, "payload", "envelope"), "envelope payload");
        JsonNode sigs = n.get("signatures");
        if (sigs == null || !sigs.isArray()) throw new LedgerException("envelope signatures is not an array");
        if (sigs.size() > MAX_SIGNATURES) throw new LedgerException("envelope has " + sigs.size() + " signatures, over the limit of " + MAX_SIGNATURES);
        List<Signature> out = new ArrayList<>();
        for (int i = 0; i < sigs.size(); i++) {
            JsonNode s = sigs.get(i);
            String where = "envelope signatures[" + i + "]";
            if (!s.isObject()) throw new LedgerException(where + " is not an object");
            out.add(new Signature(requireText(s, "keyid", where), base64(requireText(s, "sig", where), where + ".sig")));
        }
        return new Envelope(type, payload, out);
    }

    /**
     * An envelope whose signatures all verified, with its statement and signers (in signature order). Only
     * {@link #verify} makes one, so holding one proves the check was done (the log then need not redo it).
     */
    public static final class Verified {
        private final Envelope envelope;
        private final Statement statement;
        private final List<Identity> signers;

        private Verified(Envelope envelope, Statement statement, List<Identity> signers) {
            this.envelope = envelope;
            this.statement = statement;
            this.signers = List.copyOf(signers);
        }

        public Envelope envelope() {
            return envelope;
        }

        public Statement statement() {
            return statement;
        }

        public List<Identity> signers() {
            return signers;
        }
    }

    /** Verifies with the signer keys named in each statement's predicate ({@link KeyResolver#SELF_DESCRIBED}). */
    public Verified verify() {
        return verify(KeyResolver.SELF_DESCRIBED);
    }

    /**
     * Checks the payload type, parses the statement (refusing an unknown {@code _type}), and verifies every
     * signature: at least one, each well-formed, each by a key the resolver knows. Any failure throws a
     * {@link LedgerException} saying which check failed.
     */
    public Verified verify(KeyResolver keys) {
        if (!PAYLOAD_TYPE.equals(payloadType)) {
            throw new LedgerException("unknown payloadType \"" + Hex.abbreviate(payloadType) + "\" (want "
                    + PAYLOAD_TYPE + ")");
        }
        // One statement, one byte form: its digest (a community id, a proposal id) must not depend on spelling.
        Statement st = Statement.parse(payload, true);
        if (signatures.isEmpty()) throw new LedgerException("envelope has no signatures");
        byte[] pae = pae(payloadType, payload);
        List<Identity> signers = new ArrayList<>(signatures.size());
        for (int i = 0; i < signatures.size(); i++) {
            Signature s = signatures.get(i);
            if (s.sig.length != Identity.SIGNATURE_SIZE) {
                throw new LedgerException("malformed signature " + i + ": " + s.sig.length + " bytes, want "
                        + Identity.SIGNATURE_SIZE);
            }
            Identity id = keys.resolve(s.keyid(), st);
            if (id == null) throw new LedgerException("signature " + i + ": unknown keyid " + Hex.abbreviate(s.keyid()));
            if (!id.keyId().equals(s.keyid())) {
                throw new LedgerException("signature " + i + ": keyid " + Hex.abbreviate(s.keyid())
                        + " does not match key " + id.keyId());
            }
            if (!id.verify(pae, s.sig)) {
                throw new LedgerException("signature " + i + " by " + id.keyId() + " does not verify (forged or altered)");
            }
            signers.add(id);
        }
        return new Verified(this, st, List.copyOf(signers));
    }

    /** The statement in the payload, parsed but not verified. */
    public Statement statement() {
        return Statement.parse(payload);
    }

    private static String requireText(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new LedgerException(where + " field " + field + " is missing or not a string");
        return v.asText();
    }

    private static byte[] base64(String s, String where) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new LedgerException(where + " is not valid base64");
        }
    }
}
