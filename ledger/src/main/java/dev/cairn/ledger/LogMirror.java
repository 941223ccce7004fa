package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A verified local copy of a remote community log, kept in the log directory format (so every read command works on
 * it, and {@link TransparencyLog#openReadOnly} re-checks every byte). Each sync fetches the signed checkpoint, checks
 * its signature with the pinned log key, fetches the new entry bundles (C2SP tlog-tiles), recomputes every leaf hash
 * and the root, and demands that the new tree extend the one trusted before: a node that rolls back or rewrites
 * history is caught, and both signed checkpoints are written to an evidence file.
 */
public final class LogMirror {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** Thrown when a node shows a history inconsistent with one it showed before; the evidence file holds both notes. */
    public static final class SplitViewException extends LedgerException {
        public final Path evidence;

        SplitViewException(String message, Path evidence) {
            super(message + "; evidence written to " + evidence);
            this.evidence = evidence;
        }
    }

    private LogMirror() {}

    /** The base URL with a trailing slash. */
    static URI base(String url) {
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    static byte[] get(URI u) {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new LedgerException("GET " + u + ": HTTP " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8).strip());
            return r.body();
        } catch (IOException e) {
            throw new LedgerException("GET " + u + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("GET " + u + ": interrupted", e);
        }
    }

    /**
     * Brings {@code dir} up to the node's latest checkpoint. The log key is {@code pinned}, else the one the mirror
     * already trusts, else (first contact) the node's own answer, which is then pinned. Returns the new checkpoint.
     */
    public static Checkpoint sync(String url, Path dir, Identity pinned) {
        return sync(url, dir, pinned, null);
    }

    /** A checkpoint the caller's policy does not accept (yet): nothing was adopted. */
    public static final class NotAccepted extends LedgerException {
        public NotAccepted(String message) {
            super(message);
        }
    }

    /**
     * As {@link #sync(String, Path, Identity)}; a new checkpoint is adopted only when {@code accept} (if given) holds
     * for its note (say, it carries the witness cosignatures the mirror's charter requires), else {@link NotAccepted}
     * is thrown and the mirror stays as it was. Forks and rollbacks are caught first either way.
     */
    public static Checkpoint sync(String url, Path dir, Identity pinned, java.util.function.Predicate<String> accept) {
        URI b = base(url);
        Path meta = dir.resolve("log.json");
        String origin;
        Identity key;
        long have = 0;
        byte[] haveRoot = MerkleTree.emptyRoot();
        String haveNote = null;
        if (Files.exists(meta)) {
            try (TransparencyLog local = TransparencyLog.openReadOnly(dir)) {
                origin = local.origin();
                key = local.logKey();
                have = local.size();
                haveRoot = local.root();
                haveNote = local.checkpoint();
            }
            if (pinned != null && !pinned.equals(key)) throw new LedgerException(dir + ": this mirror trusts log key " + key.keyId() + ", not " + pinned.keyId());
        } else {
            JsonNode info = CanonicalJson.parse(get(b.resolve("api/log")));
            origin = info.path("origin").asText();
            key = pinned != null ? pinned : Identity.ofHex(info.path("log_key").asText());
            if (!key.publicKeyHex().equals(info.path("log_key").asText())) throw new LedgerException(url + ": the node's log key is not the pinned one");
        }
        String note = new String(get(b.resolve("checkpoint")), StandardCharsets.UTF_8);
        Checkpoint cp = Checkpoint.verify(note, origin, key);
        if (cp.size() < have) evidence(dir, haveNote, note, "the node's checkpoint (size " + cp.size() + ") is older than the one this mirror trusts (size " + have + ")");
        if (cp.size() == have) {
            if (!Arrays.equals(cp.root(), haveRoot)) evidence(dir, haveNote, note, "two signed checkpoints of size " + have + " with different roots");
            if (accept != null && !accept.test(note)) throw new NotAccepted("the node's checkpoint (size " + cp.size() + ") is not acceptable");
            if (!Files.exists(meta)) write(dir, origin, key, List.of(), TransparencyLog.MAGIC.length, note);
            else if (!note.equals(haveNote)) { // the same tree, newly cosigned by witnesses: keep the fuller note
                try {
                    AtomicFiles.write(dir.resolve("checkpoint"), note.getBytes(StandardCharsets.UTF_8), false);
                } catch (IOException e) {
                    throw new LedgerException("cannot write " + dir.resolve("checkpoint") + ": " + e.getMessage(), e);
                }
            }
            return cp;
        }
        List<byte[]> leaves = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        if (have > 0) {
            try (TransparencyLog local = TransparencyLog.openReadOnly(dir)) {
                for (long i = 0; i < have; i++) hashes.add(local.leafHash(i));
            }
        }
        for (long n = have / Tiles.WIDTH; n * Tiles.WIDTH < cp.size(); n++) {
            int w = Tiles.bundleWidth(cp.size(), n);
            String path = "tile/entries/" + Tiles.encodeIndex(n) + (w < Tiles.WIDTH ? ".p/" + w : "");
            List<byte[]> bundle = Tiles.parseBundle(get(b.resolve(path)), w, url + path);
            for (int k = 0; k < bundle.size(); k++) {
                long index = n * Tiles.WIDTH + k;
                if (index < have) {
                    if (!Arrays.equals(MerkleTree.leafHash(bundle.get(k)), hashes.get((int) index))) {
                        evidence(dir, haveNote, note, "entry " + index + " differs from the copy this mirror verified before");
                    }
                    continue;
                }
                leaves.add(bundle.get(k));
                hashes.add(MerkleTree.leafHash(bundle.get(k)));
            }
        }
        if (!Arrays.equals(MerkleTree.rootFromLeafHashes(hashes.subList(0, (int) have)), haveRoot)) {
            evidence(dir, haveNote, note, "the node's tree does not extend the one this mirror trusts");
        }
        if (!Arrays.equals(MerkleTree.rootFromLeafHashes(hashes), cp.root())) {
            throw new LedgerException(url + ": the entries do not hash to the signed checkpoint's root (size " + cp.size() + ")");
        }
        if (accept != null && !accept.test(note)) throw new NotAccepted("the node's checkpoint (size " + cp.size() + ") is not acceptable");
        long keep = TransparencyLog.MAGIC.length;
        if (have > 0) {
            try (TransparencyLog local = TransparencyLog.openReadOnly(dir)) {
                for (long i = 0; i < have; i++) keep += 8 + local.leafInput(i).length;
            }
        }
        write(dir, origin, key, leaves, keep, note);
        return cp;
    }

    private static void evidence(Path dir, String trusted, String shown, String what) {
        Path f = dir.resolveSibling(dir.getFileName() + ".evidence-" + System.currentTimeMillis() + ".txt");
        try {
            Files.createDirectories(f.getParent());
            AtomicFiles.write(f, ("cairn split-view evidence: " + what + "\n\n--- trusted checkpoint\n" + trusted + "\n--- shown checkpoint\n" + shown)
                    .getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new LedgerException(what + " (and the evidence could not be written: " + e.getMessage() + ")");
        }
        throw new SplitViewException("refusing the node's log: " + what, f);
    }

    /** Appends the new leaves as entry frames, fsyncs, then replaces the checkpoint: a crash leaves the old trusted state. */
    private static void write(Path dir, String origin, Identity key, List<byte[]> leaves, long keep, String note) {
        try {
            Files.createDirectories(dir);
            Path entries = dir.resolve("entries.bin");
            if (!Files.exists(dir.resolve("log.json"))) {
                AtomicFiles.write(entries, TransparencyLog.MAGIC, false);
                ObjectNode meta = JsonNodeFactory.instance.objectNode();
                meta.put("format", TransparencyLog.FORMAT).put("origin", origin).put("log_key", key.publicKeyHex())
                        .put("leaf", "uint64be(log_time_ms) || canonical DSSE envelope JSON");
                AtomicFiles.write(dir.resolve("checkpoint"), note.getBytes(StandardCharsets.UTF_8), false);
                AtomicFiles.write(dir.resolve("log.json"), CanonicalJson.canonicalize(meta), false);
            }
            try (FileChannel ch = FileChannel.open(entries, StandardOpenOption.WRITE)) {
                ch.truncate(keep); // frames a crash left after the trusted checkpoint
                long pos = keep;
                CRC32C crc = new CRC32C();
                for (byte[] leaf : leaves) {
                    ByteBuffer buf = ByteBuffer.allocate(8 + leaf.length);
                    buf.putInt(leaf.length).put(leaf);
                    crc.reset();
                    crc.update(buf.array(), 0, 4 + leaf.length);
                    buf.putInt((int) crc.getValue()).flip();
                    while (buf.hasRemaining()) pos += ch.write(buf, pos);
                }
                ch.force(false);
            }
            AtomicFiles.write(dir.resolve("checkpoint"), note.getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new LedgerException("cannot write the mirror in " + dir + ": " + e.getMessage(), e);
        }
    }
}
