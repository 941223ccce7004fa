package dev.cairn.training;

import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.RemoteNode;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * Where a governed run reads its community and signs its statements: the home's own log, or a node over HTTP
 * (statements signed here, submitted, and their inclusion proofs checked against a verified mirror). The beacon
 * of a run is the first checkpoint this side sees that includes the run-finished statement; through a node whose
 * charter names witnesses, that checkpoint carries the witnesses' cosignatures, whose Ed25519 signatures the log
 * operator cannot predict, so a trainer who also runs the log cannot choose it.
 */
public interface GovernedLedger extends AutoCloseable {
    /** The community as the log holds it now. */
    CommunityState state();

    /** Appends (or submits) a signed statement; returns the entry once it is durable and proven. */
    LogEntry append(Envelope envelope);

    /** The beacon: the first signed (and, through a witnessed node, cosigned) checkpoint that includes the entry. */
    String beacon(LogEntry finished);

    /** The home whose log verifiers read: this home, or the verified mirror of the node's log. */
    Path ledgerHome();

    @Override
    void close();

    /**
     * The ledger a command in {@code home} writes to: the node named by {@code remoteFlag} (a URL, or "local" for this
     * home's log), else by {@code HOME/config.toml}'s {@code [node] url}, else the home's own log.
     */
    static GovernedLedger open(Path home, String remoteFlag) {
        String url = NodeConfig.remote(home, remoteFlag);
        return url == null ? local(home) : remoteFor(home, url);
    }

    /** Where {@code home} keeps its verified mirror of the node at {@code url}: HOME/remotes/HOST_PORT_PATH. */
    static Path mirrorHome(Path home, String url) {
        return home.resolve("remotes").resolve(url.replaceAll("^https?://", "").replaceAll("[^A-Za-z0-9.-]", "_"));
    }

    /** The node at {@code url} through {@code home}'s mirror of it, synced and checked now (its log key pinned there). */
    static GovernedLedger remoteFor(Path home, String url) {
        Path mirror = mirrorHome(home, url);
        Community.syncWitnessed(url, mirror.resolve("log"));
        pinLogKey(mirror);
        return remote(url, mirror);
    }

    /** The mirror's log key as the mirror home's cairn-log.pub, so commands reading it as a home check its checkpoints. */
    static void pinLogKey(Path mirrorHome) {
        try (TransparencyLog log = TransparencyLog.openReadOnly(mirrorHome.resolve("log"))) {
            Path pub = mirrorHome.resolve("keys").resolve(LedgerHome.LOG_KEY + ".pub");
            if (!java.nio.file.Files.exists(pub)) dev.cairn.ledger.AtomicFiles.write(pub, log.logKey().toPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The node at {@code url} read by rank {@code rank} of a data-parallel job through its own mirror (ranks sharing a
     * home must not write one mirror at once); appending is refused, as only rank 0 signs.
     */
    static GovernedLedger remoteReader(Path home, String url, int rank) {
        Path mirror = mirrorHome(home, url);
        GovernedLedger r = remoteFor(home.resolve("remotes").resolve(mirror.getFileName() + ".rank-" + rank), url);
        return new GovernedLedger() {
            @Override
            public CommunityState state() {
                return r.state();
            }

            @Override
            public LogEntry append(Envelope envelope) {
                throw new IllegalStateException("only rank 0 signs into the ledger");
            }

            @Override
            public String beacon(LogEntry finished) {
                throw new IllegalStateException("only rank 0 signs into the ledger");
            }

            @Override
            public Path ledgerHome() {
                return r.ledgerHome();
            }

            @Override
            public void close() {}
        };
    }

    /** The log in {@code home}, read only (a data-parallel job's ranks other than 0): appending is refused. */
    static GovernedLedger localReadOnly(Path home) {
        return new GovernedLedger() {
            @Override
            public CommunityState state() {
                try (TransparencyLog log = new LedgerHome(home).openLogReadOnly()) {
                    return Community.replay(log, log.size());
                }
            }

            @Override
            public LogEntry append(Envelope envelope) {
                throw new IllegalStateException("only rank 0 signs into the ledger");
            }

            @Override
            public String beacon(LogEntry finished) {
                throw new IllegalStateException("only rank 0 signs into the ledger");
            }

            @Override
            public Path ledgerHome() {
                return home;
            }

            @Override
            public void close() {}
        };
    }

    /** The log in {@code home}, opened for writing until closed. */
    static GovernedLedger local(Path home) {
        TransparencyLog log = new LedgerHome(home).openLog(InstantSource.system());
        return new GovernedLedger() {
            @Override
            public CommunityState state() {
                return Community.replay(log, log.size());
            }

            @Override
            public LogEntry append(Envelope envelope) {
                return log.append(envelope);
            }

            @Override
            public String beacon(LogEntry finished) {
                String note = log.checkpoint();
                if (Checkpoint.parseText(note.substring(0, note.indexOf("\n\n") + 1)).size() != finished.index() + 1) {
                    throw new IllegalStateException("the log grew past the run-finished statement before its checkpoint was taken");
                }
                return note;
            }

            @Override
            public Path ledgerHome() {
                return home;
            }

            @Override
            public void close() {
                log.close();
            }
        };
    }

    /**
     * The node at {@code url}, read through the verified mirror home {@code mirrorHome} (its log in
     * {@code mirrorHome/log}); every read demands the charter's witness quorum on the node's checkpoint.
     */
    static GovernedLedger remote(String url, Path mirrorHome) {
        Path mirror = mirrorHome.resolve("log");
        return new GovernedLedger() {
            @Override
            public CommunityState state() {
                return Community.syncWitnessed(url, mirror);
            }

            @Override
            public LogEntry append(Envelope envelope) {
                return RemoteNode.submit(url, envelope, mirror);
            }

            @Override
            public String beacon(LogEntry finished) {
                for (int attempt = 0; attempt < 100; attempt++) {
                    Community.syncWitnessed(url, mirror); // the checkpoint it leaves carries the charter's quorum
                    try (TransparencyLog log = TransparencyLog.openReadOnly(mirror)) {
                        String note = log.checkpoint();
                        if (Checkpoint.parseText(note.substring(0, note.indexOf("\n\n") + 1)).size() > finished.index()) return note;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                throw new LedgerException("the node at " + url + " published no witnessed checkpoint including entry " + finished.index());
            }

            @Override
            public Path ledgerHome() {
                return mirrorHome;
            }

            @Override
            public void close() {}
        };
    }
}
