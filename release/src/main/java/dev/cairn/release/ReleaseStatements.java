package dev.cairn.release;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;

/** The release room's signed statements (in-toto Statement v1 in DSSE, appended to the community's ledger). */
public final class ReleaseStatements {
    public static final String PREFIX = "https://cairn.dev/release/";
    /** A model brought in from elsewhere: its files' digests, source and licence. */
    public static final String MODEL_IMPORT = PREFIX + "model-import/v1";
    /** A member's ECDSA release key, bound to their Ed25519 identity (the signer). */
    public static final String RELEASE_KEY = PREFIX + "release-key/v1";
    /** A published release: the bundle's files and digests, bound to the executed proposal. */
    public static final String RELEASE = PREFIX + "release/v1";

    private ReleaseStatements() {}

    /** The import statement for a stored model, signed by {@code key}. */
    public static Envelope importStatement(ModelStore.Stored s, String communityId, SigningKey key) {
        ObjectNode p = s.record().deepCopy();
        p.remove("format");
        Statement st = Statement.of(MODEL_IMPORT, p, communityId, key.identity(), Subject.sha256(s.name(), s.digest()));
        return Envelope.sign(st, key);
    }

    /** Binds {@code key}'s release key to its Ed25519 identity. */
    public static Envelope releaseKeyStatement(ReleaseKeys.ReleaseKey rk, String communityId, dev.cairn.ledger.SigningKey member) {
        ObjectNode p = Safetensors.JSON.createObjectNode();
        p.put("release_public_key_pem", rk.publicPem());
        p.put("algorithm", "ecdsa-p256-sha256");
        Statement st = Statement.of(RELEASE_KEY, p, communityId, member.identity(), Subject.sha256("release-key", rk.hint()));
        return Envelope.sign(st, member);
    }

    /**
     * Appends a signed envelope to the ledger of {@code home}: its own log, or the node its {@code config.toml} names
     * (submitted over HTTP and proven against the verified mirror).
     */
    public static LogEntry append(java.nio.file.Path home, Envelope e) {
        try (dev.cairn.training.GovernedLedger ledger = dev.cairn.training.GovernedLedger.open(home, null)) {
            return ledger.append(e);
        }
    }
}
