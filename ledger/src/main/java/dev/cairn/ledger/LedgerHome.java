package dev.cairn.ledger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * The ledger's part of a Cairn home directory: {@code keys/} (a {@link KeyStore}) and {@code log/} (the
 * {@link TransparencyLog}), whose checkpoints are signed by the unencrypted key {@code keys/cairn-log.key}
 * (the log operator's key, separate from any member's, so running a log grants no vote).
 */
public final class LedgerHome {
    /** Name of the log operator's key in the key store. */
    public static final String LOG_KEY = "cairn-log";

    private final Path home;

    public LedgerHome(Path home) {
        this.home = home;
    }

    public Path home() {
        return home;
    }

    public KeyStore keys() {
        return KeyStore.inHome(home);
    }

    public Path logDir() {
        return home.resolve("log");
    }

    public boolean hasLog() {
        return Files.exists(logDir().resolve("log.json"));
    }

    /** Creates the log (and the log key if missing) with this origin, e.g. {@code cairn.dev/COMMUNITY}. */
    public TransparencyLog createLog(String origin, InstantSource clock) {
        KeyStore ks = keys();
        SigningKey key = ks.exists(LOG_KEY) ? ks.load(LOG_KEY, null) : ks.create(LOG_KEY, null);
        return TransparencyLog.create(logDir(), origin, key, clock);
    }

    /** Opens the log for appending. */
    public TransparencyLog openLog(InstantSource clock) {
        requireLog();
        return TransparencyLog.open(logDir(), keys().load(LOG_KEY, null), clock);
    }

    /** Opens the log read-only; its checkpoint must be signed by the home's log key. */
    public TransparencyLog openLogReadOnly() {
        requireLog();
        return TransparencyLog.openReadOnly(logDir(), keys().loadPublic(LOG_KEY));
    }

    private void requireLog() {
        if (!hasLog()) throw new LedgerException("no log in " + logDir() + " (create a community first)");
    }
}
