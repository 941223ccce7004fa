package dev.cairn.ledger;

import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 private key and its {@link Identity}. Thread-safe: signing keeps no state. */
public final class SigningKey {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Ed25519PrivateKeyParameters params;
    private final Identity identity;

    private SigningKey(Ed25519PrivateKeyParameters params) {
        this.params = params;
        this.identity = Identity.of(params.generatePublicKey().getEncoded());
    }

    /** A fresh key from the system's secure random source. */
    public static SigningKey generate() {
        return new SigningKey(new Ed25519PrivateKeyParameters(RANDOM));
    }

    /** The key with this 32-byte RFC 8032 private seed. */
    public static SigningKey fromSeed(byte[] seed) {
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("Ed25519 private key seed must be 32 bytes, got " + seed.length);
        }
        return new SigningKey(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /** The 32-byte private seed; handle with care. */
    public byte[] seed() {
        return params.getEncoded();
    }

    public Identity identity() {
        return identity;
    }

    /** The 64-byte Ed25519 signature of {@code message}. */
    public byte[] sign(byte[] message) {
        byte[] sig = new byte[Identity.SIGNATURE_SIZE];
        params.sign(Ed25519.Algorithm.Ed25519, identity.params(), null, message, 0, message.length, sig, 0);
        return sig;
    }

    @Override
    public String toString() {
        return "SigningKey[" + identity.keyId() + "]";
    }
}
