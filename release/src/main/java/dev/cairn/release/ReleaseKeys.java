package dev.cairn.release;

import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Hex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Release keys: ECDSA P-256 key pairs beside a member's Ed25519 identity, because OpenSSF model signing's key mode
 * accepts only ECDSA (P-256/384/521). {@code HOME/keys/NAME.release-key.pem} (PKCS#8, owner-only) and
 * {@code NAME.release-pub.pem} (SubjectPublicKeyInfo), both PEM as OpenSSL and Python's cryptography write them.
 * The key's hint is the SHA-256 of that public PEM, as {@code model_signing} records it.
 */
public final class ReleaseKeys {
    private ReleaseKeys() {}

    public record ReleaseKey(String name, PrivateKey privateKey, String publicPem) {
        public String hint() {
            return ReleaseKeys.hint(publicPem);
        }
    }

    public static Path privatePath(Path home, String name) {
        return home.resolve("keys").resolve(name + ".release-key.pem");
    }

    public static Path publicPath(Path home, String name) {
        return home.resolve("keys").resolve(name + ".release-pub.pem");
    }

    public static boolean exists(Path home, String name) {
        return Files.exists(publicPath(home, name));
    }

    /** Makes a P-256 key pair for {@code name}; refuses to replace one. */
    public static ReleaseKey create(Path home, String name) throws IOException {
        if (Files.exists(privatePath(home, name)) || Files.exists(publicPath(home, name))) {
            throw new IllegalArgumentException("key " + name + " already has a release key (" + publicPath(home, name) + ")");
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            String pub = pem("PUBLIC KEY", kp.getPublic().getEncoded());
            AtomicFiles.write(privatePath(home, name), pem("PRIVATE KEY", kp.getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII), true);
            AtomicFiles.write(publicPath(home, name), pub.getBytes(StandardCharsets.US_ASCII));
            return new ReleaseKey(name, kp.getPrivate(), pub);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a P-256 key: " + e.getMessage(), e);
        }
    }

    public static ReleaseKey load(Path home, String name) throws IOException {
        Path priv = privatePath(home, name);
        if (!Files.exists(priv)) {
            throw new IllegalArgumentException("key " + name + " has no release key (" + priv + "); make one with `cairn key release-key " + name + "`");
        }
        try {
            byte[] der = der(Files.readString(priv, StandardCharsets.US_ASCII), "PRIVATE KEY", priv.toString());
            PrivateKey k = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            return new ReleaseKey(name, k, Files.readString(publicPath(home, name), StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(priv + ": not an EC private key: " + e.getMessage());
        }
    }

    public static String loadPublicPem(Path home, String name) throws IOException {
        Path pub = publicPath(home, name);
        if (!Files.exists(pub)) return null;
        return Files.readString(pub, StandardCharsets.US_ASCII);
    }

    /** Parses a PEM public key, refusing anything but ECDSA on P-256, P-384 or P-521. */
    public static PublicKey parsePublic(String pem, String where) {
        try {
            PublicKey k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY", where)));
            int bits = ((ECPublicKey) k).getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384 && bits != 521) throw new IllegalArgumentException(where + ": EC key on a " + bits + "-bit curve (P-256/384/521 only)");
            return k;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(where + ": not an ECDSA public key (P-256/384/521)");
        }
    }

    /** The hash ECDSA uses with this key's curve, as Sigstore's specs pair them. */
    static String signatureAlgorithm(PublicKey k) {
        int bits = ((ECPublicKey) k).getParams().getCurve().getField().getFieldSize();
        return bits <= 256 ? "SHA256withECDSA" : bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
    }

    /** ECDSA over {@code data} (DER-encoded signature), P-256 with SHA-256. */
    static byte[] sign(PrivateKey k, byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(k);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean verify(PublicKey k, byte[] data, byte[] sig) {
        try {
            Signature s = Signature.getInstance(signatureAlgorithm(k));
            s.initVerify(k);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** SHA-256 (hex) of the public key's PEM bytes: model_signing's public key hint. */
    public static String hint(String publicPem) {
        return Hex.encode(Bundles.sha256().digest(publicPem.getBytes(StandardCharsets.US_ASCII)));
    }

    static String pem(String label, byte[] der) {
        String b64 = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder("-----BEGIN " + label + "-----\n");
        for (int i = 0; i < b64.length(); i += 64) sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        return sb.append("-----END ").append(label).append("-----\n").toString();
    }

    private static byte[] der(String pem, String label, String where) {
        String begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
        int b = pem.indexOf(begin), e = pem.indexOf(end);
        if (b < 0 || e < b) throw new IllegalArgumentException(where + ": not a PEM " + label);
        try {
            return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException(where + ": bad base64 in PEM " + label);
        }
    }
}
