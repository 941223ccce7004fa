package dev.cairn.release;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import java.time.InstantSource;

/** The release room's signed statements (in-toto Statement v1 in DSSE, appended to the community's ledger). */
public final class ReleaseStatements {
    public static final String PREFIX = "https://cairn.dev/release/";
    /** A model brought in from elsewhere: its files' digests, source and licence. */
    public static final String MODEL_IMPORT = PREFIX + "model-import/v1";

    private ReleaseStatements() {}

    /** The import statement for a stored model, signed by {@code key}. */
    public static Envelope importStatement(ModelStore.Stored s, String communityId, SigningKey key) {
        ObjectNode p = s.record().deepCopy();
        p.remove("format");
        Statement st = Statement.of(MODEL_IMPORT, p, communityId, key.identity(), Subject.sha256(s.name(), s.digest()));
        return Envelope.sign(st, key);
    }

    /** Appends a signed envelope to the ledger of {@code home}. */
    public static LogEntry append(java.nio.file.Path home, Envelope e) {
        try (TransparencyLog log = new LedgerHome(home).openLog(InstantSource.system())) {
            return log.append(e);
        }
    }
}
