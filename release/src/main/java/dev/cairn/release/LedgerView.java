package dev.cairn.release;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One read of a community's ledger for the release room: every statement (signature checked) with its index, log
 * time and signer, the replayed community state, the signed checkpoint, and inclusion proofs against it.
 */
final class LedgerView {
    record Entry(long index, Instant time, String digest, String signer, String type, ObjectNode predicate, List<dev.cairn.ledger.Subject> subjects) {}

    final CommunityState state;
    final List<Entry> entries = new ArrayList<>();
    final Checkpoint checkpoint;
    private final Path home;

    private LedgerView(Path home, CommunityState state, Checkpoint checkpoint) {
        this.home = home;
        this.state = state;
        this.checkpoint = checkpoint;
    }

    static LedgerView read(Path home) {
        LedgerHome lh = new LedgerHome(home);
        if (!lh.hasLog()) throw new IllegalArgumentException(home + ": no community ledger here (HOME/log); pass the community's --home");
        try (TransparencyLog log = lh.openLogReadOnly()) {
            long size = log.size();
            Checkpoint cp = log.latestCheckpoint();
            LedgerView v = new LedgerView(home, Community.replay(log, size), cp);
            log.replay(0, size, (e, verified) -> {
                var st = verified.statement();
                v.entries.add(new Entry(e.index(), e.logTime(), st.digest(), verified.signers().getFirst().publicKeyHex(), st.predicateType(),
                        st.predicate(), st.subject()));
            });
            return v;
        }
    }

    Optional<Entry> first(String type, Predicate<Entry> p) {
        return entries.stream().filter(e -> e.type().equals(type) && p.test(e)).findFirst();
    }

    List<Entry> all(String type, Predicate<Entry> p) {
        return entries.stream().filter(e -> e.type().equals(type) && p.test(e)).toList();
    }

    /** An inclusion proof of entry {@code index} against the signed checkpoint, checked. */
    InclusionProof prove(long index) {
        try (TransparencyLog log = new LedgerHome(home).openLogReadOnly()) {
            InclusionProof p = log.proveInclusion(index, checkpoint.size());
            if (!p.verify() || !java.util.Arrays.equals(p.root(), checkpoint.root())) {
                throw new IllegalArgumentException("entry " + index + ": the inclusion proof does not verify against the signed checkpoint");
            }
            return p;
        }
    }
}
