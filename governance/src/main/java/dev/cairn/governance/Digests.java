package dev.cairn.governance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in lower-case hex, the one spelling of digests in Cairn. */
final class Digests {
    private Digests() {}

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(String utf8) {
        return sha256Hex(utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of a JSON tree's RFC 8785 canonical form. */
    static String canonicalDigest(com.fasterxml.jackson.databind.JsonNode n) {
        return sha256Hex(dev.cairn.ledger.CanonicalJson.canonicalize(n));
    }

    static boolean isDigest(String s) {
        return s != null && s.matches("[0-9a-f]{64}");
    }
}
