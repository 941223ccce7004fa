package dev.cairn.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.Tiles;
import dev.cairn.ledger.TransparencyLog;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A community's log, served: one integrator thread takes submitted envelopes in batches (every few milliseconds or
 * up to {@code maxBatch}), validates each exactly as a local append does, appends the accepted ones as one durable
 * batch (one fsync, one signed checkpoint), and only then answers each submitter with its index and an inclusion
 * proof. The same envelope submitted twice gets the same index. Readers share a lock the integrator takes to write.
 */
public final class LogNode implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Why a submission was refused, with the HTTP status to answer. */
    public static final class Refused extends RuntimeException {
        public final int status;

        public Refused(int status, String reason) {
            super(reason);
            this.status = status;
        }
    }

    public record Options(int maxBatch, int batchMillis, double perKeyPerSecond, int queueLimit) {
        public static Options defaults() {
            return new Options(512, 5, 200, 10_000);
        }
    }

    private record Pending(Envelope.Verified envelope, String digest, CompletableFuture<ObjectNode> done) {}

    private final Community community;      // null for a mirror
    private volatile TransparencyLog log;   // a mirror's is re-opened as it grows
    private volatile CommunityState mirrorState;
    private final Path mirrorDir;
    private final Tiles tiles;
    private final Options options;
    private final Map<String, Long> byDigest = new ConcurrentHashMap<>();
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>(); // key -> {tokens, last refill (s)}
    private final LinkedBlockingQueue<Pending> queue;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Thread integrator;
    private volatile Witnessing witnessing;
    private volatile boolean closed;

    public LogNode(Path home, Options options) {
        this.options = options;
        this.mirrorDir = null;
        this.community = Community.open(new LedgerHome(home), InstantSource.system());
        this.log = community.log();
        this.tiles = new Tiles(i -> this.log.leafHash(i));
        this.queue = new LinkedBlockingQueue<>(options.queueLimit());
        for (long i = 0; i < log.size(); i++) byDigest.put(digest(log.leafInput(i), 8), i);
        integrator = Thread.ofPlatform().name("cairn-integrator").daemon().start(this::integrate);
    }

    /**
     * A read-only node over a mirror's log directory (kept by {@code cairn mirror --follow}): the same read path and
     * API, re-read as the mirror grows; submissions are refused with the reason. The mirror checked every leaf, the
     * checkpoint's signature and its consistency before writing, so what this serves is what the node served.
     */
    public static LogNode mirror(Path logDir) {
        return new LogNode(logDir);
    }

    private LogNode(Path logDir) {
        this.options = Options.defaults();
        this.mirrorDir = logDir;
        this.community = null;
        this.log = TransparencyLog.openReadOnly(logDir);
        this.mirrorState = Community.replay(log, log.size());
        this.tiles = new Tiles(i -> this.log.leafHash(i));
        this.queue = new LinkedBlockingQueue<>(1);
        for (long i = 0; i < log.size(); i++) byDigest.put(digest(log.leafInput(i), 8), i);
        integrator = Thread.ofPlatform().name("cairn-mirror-reader").daemon().start(this::followMirror);
    }

    /** Re-opens the mirror when its log has grown (every half second); the old view stays valid for readers holding it. */
    private void followMirror() {
        while (!closed) {
            try {
                Thread.sleep(500);
                TransparencyLog fresh = TransparencyLog.openReadOnly(mirrorDir);
                TransparencyLog old = log;
                if (fresh.size() <= old.size()) {
                    fresh.close();
                    continue;
                }
                CommunityState state = Community.replay(fresh, fresh.size());
                for (long i = old.size(); i < fresh.size(); i++) byDigest.put(digest(fresh.leafInput(i), 8), i);
                lock.writeLock().lock();
                try {
                    log = fresh;
                    mirrorState = state;
                } finally {
                    lock.writeLock().unlock();
                }
                old.close();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the mirror is being written; try again on the next tick
            }
        }
    }

    /** Whether this node serves a read-only mirror. */
    public boolean isMirror() {
        return community == null;
    }

    /** SHA-256 of an envelope's JSON (from a leaf input, skip the 8-byte log time). */
    static String digest(byte[] bytes, int from) {
        return Hex.encode(MerkleTree.sha256(java.util.Arrays.copyOfRange(bytes, from, bytes.length)));
    }

    /** The index of the entry whose envelope JSON has this SHA-256 (hex), or null. */
    public Long indexOf(String envelopeDigest) {
        return byDigest.get(envelopeDigest.toLowerCase(java.util.Locale.ROOT));
    }

    /** Validates the envelope's signature and form now; the rules are checked when its batch is integrated. */
    public CompletableFuture<ObjectNode> submit(byte[] body) {
        if (closed) throw new Refused(503, "the node is shutting down");
        if (community == null) throw new Refused(405, "this is a read-only mirror of " + log.origin() + "; submit to the community's node");
        Envelope env;
        Envelope.Verified v;
        try {
            env = Envelope.parse(body);
            v = env.verify();
        } catch (LedgerException | IllegalArgumentException e) {
            throw new Refused(400, "not a valid signed envelope: " + e.getMessage());
        }
        byte[] json = env.toJson();
        if (json.length + 8 > Tiles.MAX_BUNDLED_ENTRY) throw new Refused(413, "the envelope is " + json.length + " bytes; entries are limited to " + (Tiles.MAX_BUNDLED_ENTRY - 8));
        String d = digest(json, 0);
        Long known = byDigest.get(d);
        if (known != null) return CompletableFuture.completedFuture(receipt(known, true));
        rate(v.signers().getFirst().publicKeyHex());
        Pending p = new Pending(v, d, new CompletableFuture<>());
        if (!queue.offer(p)) throw new Refused(503, "the node's queue is full; retry shortly");
        return p.done();
    }

    private void rate(String key) {
        double now = System.nanoTime() / 1e9;
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {options.perKeyPerSecond(), now});
        synchronized (b) {
            b[0] = Math.min(options.perKeyPerSecond(), b[0] + (now - b[1]) * options.perKeyPerSecond());
            b[1] = now;
            if (b[0] < 1) throw new Refused(429, "too many envelopes from key " + key.substring(0, 12) + "… (limit " + (int) options.perKeyPerSecond() + "/s)");
            b[0] -= 1;
        }
    }

    private void integrate() {
        while (!closed) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                long until = System.nanoTime() + options.batchMillis() * 1_000_000L;
                while (batch.size() < options.maxBatch()) {
                    long left = until - System.nanoTime();
                    Pending p = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (p == null) break;
                    batch.add(p);
                }
            } catch (InterruptedException e) {
                return;
            }
            integrate(batch);
        }
    }

    private void integrate(List<Pending> batch) {
        List<Pending> fresh = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Pending p : batch) {
            Long known = byDigest.get(p.digest());
            if (known != null || !seen.add(p.digest())) { // a retry racing its original: answered once that lands
                if (known != null) p.done().complete(receipt(known, true));
                else fresh.stream().filter(f -> f.digest().equals(p.digest())).findFirst().ifPresent(f -> f.done().thenAccept(r -> p.done().complete(receipt(r.path("index").asLong(), true))));
                continue;
            }
            fresh.add(p);
        }
        if (fresh.isEmpty()) return;
        List<Community.Outcome> outcomes;
        lock.writeLock().lock();
        try {
            outcomes = community.integrate(fresh.stream().map(Pending::envelope).toList());
        } catch (RuntimeException e) {
            for (Pending p : fresh) p.done().completeExceptionally(new Refused(500, "the log could not store the batch: " + e.getMessage()));
            return;
        } finally {
            lock.writeLock().unlock();
        }
        for (int i = 0; i < fresh.size(); i++) {
            Community.Outcome o = outcomes.get(i);
            if (o.refusal() != null) {
                fresh.get(i).done().completeExceptionally(new Refused(422, o.refusal()));
            } else {
                byDigest.put(fresh.get(i).digest(), o.entry().index());
            }
        }
        for (int i = 0; i < fresh.size(); i++) {
            Community.Outcome o = outcomes.get(i);
            if (o.refusal() == null) fresh.get(i).done().complete(receipt(o.entry().index(), false));
        }
        Witnessing w = witnessing;
        if (w != null) w.changed();
    }

    /** The receipt: index, log time, the signed checkpoint and the entry's inclusion proof against it. */
    ObjectNode receipt(long index, boolean duplicate) {
        String note;
        InclusionProof p;
        long time;
        TransparencyLog log = this.log;
        synchronized (log) {
            note = log.checkpoint();
            long size = dev.cairn.ledger.Checkpoint.parseText(note.substring(0, note.indexOf("\n\n") + 1)).size();
            p = log.proveInclusion(index, size);
            time = log.logTime(index).toEpochMilli();
        }
        ObjectNode r = JSON.createObjectNode().put("index", index).put("log_time", time).put("leaf_hash", Hex.encode(p.leafHash()))
                .put("duplicate", duplicate).put("checkpoint", note);
        var proof = r.putObject("inclusion_proof").put("tree_size", p.treeSize()).put("root", Hex.encode(p.root()));
        var path = proof.putArray("audit_path");
        for (byte[] h : p.auditPath()) path.add(Hex.encode(h));
        return r;
    }

    /** The latest signed checkpoint, with the witnesses' cosignatures gathered for it (when it has witnesses). */
    public String checkpoint() {
        Witnessing w = witnessing;
        return w == null ? log.checkpoint() : w.checkpoint();
    }

    /** Sends every new checkpoint to these witnesses (NAME=URL each) and publishes their cosignatures. */
    public void witnesses(List<String> specs) {
        if (specs.isEmpty()) return;
        if (community == null) throw new IllegalArgumentException("a mirror serves the node's cosigned checkpoints; it has no witnesses of its own");
        witnessing = new Witnessing(Witnessing.parse(specs), log);
    }

    public long size() {
        return log.size();
    }

    /** Witness round trips so far, in nanoseconds (empty without witnesses). */
    public List<Long> witnessRoundTrips() {
        Witnessing w = witnessing;
        return w == null ? List.of() : w.roundTrips();
    }

    public Tiles tiles() {
        return tiles;
    }

    public TransparencyLog log() {
        return log;
    }

    /** Runs {@code f} on the community state while no batch is being integrated. */
    public <T> T read(java.util.function.Function<CommunityState, T> f) {
        lock.readLock().lock();
        try {
            return f.apply(community == null ? mirrorState : community.state());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (witnessing != null) witnessing.close();
        if (community == null) integrator.interrupt();
        integrator.join(2000);
        if (community != null) community.close();
        else log.close();
    }
}
