package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Named key pairs in a directory ({@code HOME/keys}): {@code NAME.key} holds the private key (mode 600) and
 * {@code NAME.pub} the public key as PEM SubjectPublicKeyInfo, so other tools can read it.
 *
 * <p>The private key file is JSON ({@code format: cairn-ed25519-key/v1}): the public key, the key id, and
 * either the raw 32-byte seed in hex or, with a passphrase, the seed sealed by AES-256-GCM under a key derived
 * by scrypt (N=2^15, r=8, p=1, 16-byte salt). The public key is the AEAD's associated data, so a key file
 * cannot be spliced onto another public key.
 */
public final class KeyStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String FORMAT = "cairn-ed25519-key/v1";
    private static final int SCRYPT_N = 1 << 15, SCRYPT_R = 8, SCRYPT_P = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    public KeyStore(Path dir) {
        this.dir = dir;
    }

    /** The key store of a Cairn home directory: {@code HOME/keys}. */
    public static KeyStore inHome(Path home) {
        return new KeyStore(home.resolve("keys"));
    }

    public Path dir() {
        return dir;
    }

    public Path privateKeyPath(String name) {
        return dir.resolve(checkName(name) + ".key");
    }

    public Path publicKeyPath(String name) {
        return dir.resolve(checkName(name) + ".pub");
    }

    public boolean exists(String name) {
        return Files.exists(privateKeyPath(name)) || Files.exists(publicKeyPath(name));
    }

    /** Names of the stored keys, sorted. */
    public List<String> names() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pub"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        } catch (IOException e) {
            throw new LedgerException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes a new key pair called {@code name}; refuses to overwrite one. A non-empty passphrase encrypts the
     * private key; null or empty leaves it in the clear (still readable by the owner only).
     */
    public SigningKey create(String name, char[] passphrase) {
        SigningKey key = SigningKey.generate();
        store(name, key, passphrase);
        return key;
    }

    /** Stores an existing key under {@code name}; refuses to overwrite one. */
    public void store(String name, SigningKey key, char[] passphrase) {
        try (StoreLock lock = StoreLock.acquire(dir.resolve(".lock"), "key store " + dir)) {
            Leftovers.sweep(dir); // a killed writer's temporary key files (they may hold a private key)
            if (exists(name)) throw new LedgerException("key " + name + " already exists in " + dir);
            write(name, key, passphrase);
        }
    }

    private void write(String name, SigningKey key, char[] passphrase) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("public_key", key.identity().publicKeyHex());
        n.put("key_id", key.identity().keyId());
        byte[] seed = key.seed();
        try {
            if (passphrase == null || passphrase.length == 0) {
                n.putNull("encryption");
                n.put("private_key", Hex.encode(seed));
            } else {
                byte[] salt = new byte[16], nonce = new byte[12];
                RANDOM.nextBytes(salt);
                RANDOM.nextBytes(nonce);
                ObjectNode enc = n.putObject("encryption");
                enc.put("kdf", "scrypt");
                enc.put("n", SCRYPT_N);
                enc.put("r", SCRYPT_R);
                enc.put("p", SCRYPT_P);
                enc.put("salt", Base64.getEncoder().encodeToString(salt));
                enc.put("cipher", "aes-256-gcm");
                enc.put("nonce", Base64.getEncoder().encodeToString(nonce));
                byte[] kek = SCrypt.generate(utf8(passphrase), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32);
                byte[] sealed = gcm(Cipher.ENCRYPT_MODE, kek, nonce, key.identity().publicKey(), seed);
                Arrays.fill(kek, (byte) 0);
                n.put("private_key", Base64.getEncoder().encodeToString(sealed));
            }
            AtomicFiles.write(privateKeyPath(name), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), true);
            AtomicFiles.write(publicKeyPath(name), key.identity().toPem().getBytes(StandardCharsets.US_ASCII), false);
        } catch (IOException e) {
            throw new LedgerException("cannot write key " + name + " in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new LedgerException("cannot encrypt key " + name + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** True when the private key of {@code name} is passphrase-encrypted. */
    public boolean isEncrypted(String name) {
        JsonNode enc = readPrivate(name).get("encryption");
        return enc != null && !enc.isNull();
    }

    /** Loads the private key; {@code passphrase} is needed only for an encrypted key. */
    public SigningKey load(String name, char[] passphrase) {
        Path file = privateKeyPath(name);
        JsonNode n = readPrivate(name);
        Identity stored;
        try {
            stored = Identity.ofHex(text(n, "public_key", file));
        } catch (IllegalArgumentException e) {
            throw new LedgerException(file + ": field public_key: " + e.getMessage());
        }
        JsonNode enc = n.get("encryption");
        byte[] seed;
        try {
            if (enc == null || enc.isNull()) {
                seed = Hex.decode(text(n, "private_key", file));
            } else {
                if (passphrase == null || passphrase.length == 0) {
                    throw new LedgerException("key " + name + " is passphrase-encrypted; give its passphrase"
                            + " (--passphrase-file)");
                }
                if (!"scrypt".equals(enc.path("kdf").asText()) || !"aes-256-gcm".equals(enc.path("cipher").asText())) {
                    throw new LedgerException(file + ": field encryption: unsupported kdf or cipher");
                }
                int kn = enc.path("n").asInt(), kr = enc.path("r").asInt(), kp = enc.path("p").asInt();
                if (kn < 2 || Integer.bitCount(kn) != 1 || kn > 1 << 22 || kr < 1 || kr > 32 || kp < 1 || kp > 16) {
                    throw new LedgerException(file + ": field encryption: scrypt parameters out of range");
                }
                byte[] salt = Base64.getDecoder().decode(text(enc, "salt", file));
                byte[] nonce = Base64.getDecoder().decode(text(enc, "nonce", file));
                byte[] sealed = Base64.getDecoder().decode(text(n, "private_key", file));
                byte[] kek = SCrypt.generate(utf8(passphrase), salt, kn, kr, kp, 32);
                try {
                    seed = gcm(Cipher.DECRYPT_MODE, kek, nonce, stored.publicKey(), sealed);
                } catch (AEADBadTagException e) {
                    throw new LedgerException("wrong passphrase for key " + name + " (or " + file + " was altered)");
                } finally {
                    Arrays.fill(kek, (byte) 0);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new LedgerException(file + ": malformed key file: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new LedgerException(file + ": cannot decrypt: " + e.getMessage(), e);
        }
        SigningKey key;
        try {
            key = SigningKey.fromSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new LedgerException(file + ": field private_key: " + e.getMessage());
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
        if (!key.identity().equals(stored)) {
            throw new LedgerException(file + ": private key does not match its public_key field");
        }
        return key;
    }

    /** Loads the public identity from {@code NAME.pub}. */
    public Identity loadPublic(String name) {
        Path file = publicKeyPath(name);
        try {
            return Identity.fromPem(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new LedgerException("no key named " + name + " (" + file + " does not exist)");
        } catch (IOException e) {
            throw new LedgerException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new LedgerException(file + ": " + e.getMessage());
        }
    }

    private JsonNode readPrivate(String name) {
        Path file = privateKeyPath(name);
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(file));
            if (n == null || !FORMAT.equals(n.path("format").asText())) {
                throw new LedgerException(file + ": not a Cairn key file (format is not " + FORMAT + ")");
            }
            return n;
        } catch (NoSuchFileException e) {
            throw new LedgerException("no private key named " + name + " (" + file + " does not exist)");
        } catch (IOException e) {
            throw new LedgerException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field, Path file) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new LedgerException(file + ": field " + field + " is missing");
        return v.asText();
    }

    private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] input)
            throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(aad);
        return c.doFinal(input);
    }

    private static byte[] utf8(char[] chars) {
        var bb = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        return out;
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new LedgerException("bad key name \"" + name + "\": use 1-64 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        return name;
    }

    /** Reads a passphrase file: its first line, without the line break. */
    public static char[] readPassphraseFile(Path file) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            String first = lines.isEmpty() ? "" : lines.getFirst();
            if (first.isEmpty()) throw new LedgerException("passphrase file " + file + " is empty");
            return first.toCharArray();
        } catch (NoSuchFileException e) {
            throw new LedgerException("passphrase file " + file + " does not exist");
        } catch (IOException e) {
            throw new LedgerException("cannot read passphrase file " + file + ": " + e.getMessage(), e);
        }
    }
}
