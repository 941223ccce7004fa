package dev.cairn.ledger;

import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A member's public identity: an Ed25519 public key. Its key id is the lower-case hex SHA-256 of the raw
 * 32-byte public key (not of an encoding such as SPKI), so anyone holding the bare key can recompute it.
 *
 * <p>Uses BouncyCastle's Ed25519 with the decoded point cached, which verifies several times faster than the
 * JDK provider; instances are immutable and safe to share between verifying threads.
 */
public final class Identity {
    /** Bytes in a raw Ed25519 public key. */
    public static final int KEY_SIZE = 32;
    /** Bytes in an Ed25519 signature. */
    public static final int SIGNATURE_SIZE = 64;
    // DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING }
    private static final byte[] SPKI_PREFIX = Hex.decode("302a300506032b6570032100");

    private final byte[] raw;
    private final Ed25519PublicKeyParameters params;
    private final String keyId;

    private Identity(byte[] raw) {
        this.raw = raw.clone();
        try {
            this.params = new Ed25519PublicKeyParameters(this.raw, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid Ed25519 public key: " + Hex.encode(raw));
        }
        this.keyId = Hex.encode(MerkleTree.sha256(this.raw));
    }

    /** The identity of a raw 32-byte Ed25519 public key; rejects keys that are not points on the curve. */
    public static Identity of(byte[] rawPublicKey) {
        if (rawPublicKey.length != KEY_SIZE) {
            throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + rawPublicKey.length);
        }
        return new Identity(rawPublicKey);
    }

    /** Parses a lower-case hex raw public key. */
    public static Identity ofHex(String hex) {
        return of(Hex.decode(hex));
    }

    /** The raw 32-byte public key. */
    public byte[] publicKey() {
        return raw.clone();
    }

    /** The raw public key in lower-case hex. */
    public String publicKeyHex() {
        return Hex.encode(raw);
    }

    /** Lower-case hex SHA-256 of the raw public key. */
    public String keyId() {
        return keyId;
    }

    /** True when {@code signature} is a valid Ed25519 signature of {@code message} by this key. */
    public boolean verify(byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_SIZE) return false;
        return params.verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, signature, 0);
    }

    Ed25519PublicKeyParameters params() {
        return params;
    }

    /** The key as a PEM SubjectPublicKeyInfo (RFC 8410), readable by OpenSSL and the JDK. */
    public String toPem() {
        byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + KEY_SIZE);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, KEY_SIZE);
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
    }

    /** Parses {@link #toPem()}'s format. */
    public static Identity fromPem(String pem) {
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        if (!pem.contains("-----BEGIN PUBLIC KEY-----")) throw new IllegalArgumentException("no PEM PUBLIC KEY block");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PEM PUBLIC KEY body is not base64");
        }
        if (der.length != SPKI_PREFIX.length + KEY_SIZE
                || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new IllegalArgumentException("PEM PUBLIC KEY is not an Ed25519 SubjectPublicKeyInfo");
        }
        return of(Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Identity other && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "Identity[" + keyId + "]";
    }
}
