package dev.cairn.governance;

/**
 * A member of a community: an Ed25519 public key (raw 32 bytes as lower-case hex, the ledger's identity), a
 * display name, and a voting weight.
 */
public record Member(String publicKey, String name, long weight) {
    public Member {
        if (publicKey == null || !publicKey.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("public key must be 64 lower-case hex digits (a raw Ed25519 key)");
        }
        try {
            dev.cairn.ledger.Identity.ofHex(publicKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key " + publicKey.substring(0, 12) + "… is not a point on the Ed25519 curve");
        }
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be empty");
        if (weight < 1) throw new IllegalArgumentException("weight must be ≥ 1, got " + weight);
    }

    /** The key id: lower-case hex SHA-256 of the raw public key, as the ledger computes it. */
    public String keyId() {
        return dev.cairn.ledger.Identity.ofHex(publicKey).keyId();
    }
}
