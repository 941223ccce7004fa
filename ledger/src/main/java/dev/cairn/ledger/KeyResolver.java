package dev.cairn.ledger;

import java.util.concurrent.ConcurrentHashMap;

/** Finds the public key for a DSSE keyid while verifying an envelope; null when unknown. */
@FunctionalInterface
public interface KeyResolver {
    Identity resolve(String keyid, Statement statement);

    /**
     * The key named in the statement's {@code predicate.signer}, when its key id matches. Decoded keys are
     * cached (decoding an Ed25519 point costs about a fifth of a verification, and a log has few signers).
     */
    KeyResolver SELF_DESCRIBED = new KeyResolver() {
        private final ConcurrentHashMap<String, Identity> cache = new ConcurrentHashMap<>();

        @Override
        public Identity resolve(String keyid, Statement st) {
            String hex = st.signerHex();
            if (hex == null) return null;
            Identity id = cache.get(hex);
            if (id == null) {
                id = Identity.ofHex(hex);
                if (cache.size() > 100_000) cache.clear();
                cache.put(hex, id);
            }
            return id.keyId().equals(keyid) ? id : null;
        }
    };
}
