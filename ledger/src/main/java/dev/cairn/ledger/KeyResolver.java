package dev.cairn.ledger;

/** Finds the public key for a DSSE keyid while verifying an envelope; null when unknown. */
@FunctionalInterface
public interface KeyResolver {
    Identity resolve(String keyid, Statement statement);

    /** The key named in the statement's {@code predicate.signer}, when its key id matches. */
    KeyResolver SELF_DESCRIBED = (keyid, st) ->
            st.signer().filter(id -> id.keyId().equals(keyid)).orElse(null);
}
