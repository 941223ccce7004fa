package dev.cairn.governance;

import dev.cairn.ledger.Identity;

/**
 * One verified governance statement as the log delivered it: the log time at which the log integrated it
 * (milliseconds since the Unix epoch; voting windows are judged by it, so replay is deterministic), the public
 * key that signed it (raw Ed25519, hex), and the statement with its digest.
 *
 * @param index position in the log (for reasons and rejections), or -1 when not yet appended
 */
public record Event(long index, long logTime, String signer, String digest, GovernanceStatement statement) {
    public Event {
        if (signer == null || !signer.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("signer must be a raw Ed25519 public key in hex");
        if (!Digests.isDigest(digest)) throw new IllegalArgumentException("digest must be a SHA-256 in lower-case hex");
    }

    /** An event whose digest is that of the ledger statement {@code signer} makes of {@code statement}. */
    public static Event of(long index, long logTime, Identity signer, GovernanceStatement statement) {
        return new Event(index, logTime, signer.publicKeyHex(), statement.digest(signer), statement);
    }
}
