package dev.cairn.release;

import dev.cairn.ledger.Hex;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;

/** The OpenSSF model-signing v1.0 manifest digest, as its {@code model_signing} library computes it. */
public final class ModelSigning {
    private ModelSigning() {}

    /** SHA-256 over the files' raw SHA-256 digests concatenated in sorted path order (the statement's subject digest). */
    public static String rootDigest(Map<String, String> fileDigests) {
        MessageDigest md = Bundles.sha256();
        for (String hex : new TreeMap<>(fileDigests).values()) md.update(Hex.decode(hex));
        return Hex.encode(md.digest());
    }
}
