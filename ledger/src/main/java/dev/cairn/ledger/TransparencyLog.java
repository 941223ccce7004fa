package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * The community's append-only transparency log: DSSE envelopes in an RFC 6962 Merkle tree, stored in a
 * directory, with signed C2SP checkpoints, inclusion and consistency proofs, and the log time of each entry.
 *
 * <p>Files in the directory:
 * <ul>
 *   <li>{@code log.json}: origin, the log's public key, format version (written once);</li>
 *   <li>{@code entries.bin}: magic {@code CAIRNLG1}, then one frame per entry:
 *       {@code uint32be length || leaf input || uint32be CRC32C(length || leaf input)}, where the leaf input is
 *       {@code uint64be log time (ms) || canonical envelope JSON} (RFC 6962's leaf, like CT's timestamped
 *       entry, so the log time is covered by the root and cannot be rewritten unnoticed). 16 bytes of overhead
 *       per entry; interior hashes are rebuilt in memory on open rather than stored;</li>
 *   <li>{@code checkpoint}: the latest signed checkpoint, replaced atomically after every durable batch.</li>
 * </ul>
 *
 * <p>Crash safety: a batch is written with one write, fsynced, then covered by a new checkpoint. On open,
 * every entry the checkpoint covers must be intact and hash to its root, else opening fails naming the first bad
 * entry; after the checkpoint, a torn or partial tail (a crash mid-batch) is cut back to the last complete
 * entry. A writer holds {@code lock} ({@link StoreLock}: a second writer waits, then fails naming the
 * holder); read-only opens see exactly the checkpointed entries and change nothing.
 */
public final class TransparencyLog implements AutoCloseable {
    static final byte[] MAGIC = "CAIRNLG1".getBytes(StandardCharsets.US_ASCII);
    static final String FORMAT = "cairn-log/v1";
    static final int MAX_ENTRY = 16 << 20;
    private static final int REPLAY_CHUNK = 4096;

    private final Path dir;
    private final String origin;
    private final Identity logKey;
    private final SigningKey signer; // null when read-only
    private final InstantSource clock;
    private final KeyResolver keys;
    private final FileChannel data;
    private final StoreLock lock; // null when read-only
    private final CompactMerkleTree tree = new CompactMerkleTree();
    private long[] offsets = new long[1024];
    private long[] times = new long[1024];
    private long end; // file length covered by the entries we hold
    private String checkpointNote;
    private String recovery;

    private TransparencyLog(Path dir, String origin, Identity logKey, SigningKey signer, InstantSource clock,
                            KeyResolver keys, FileChannel data, StoreLock lock) {
        this.dir = dir;
        this.origin = origin;
        this.logKey = logKey;
        this.signer = signer;
        this.clock = clock;
        this.keys = keys;
        this.data = data;
        this.lock = lock;
    }

    // ---------------------------------------------------------------------------------------------- opening

    /** Creates an empty log in {@code dir} (which must not hold one) whose checkpoints {@code logKey} signs. */
    public static TransparencyLog create(Path dir, String origin, SigningKey logKey, InstantSource clock) {
        if (Files.exists(dir.resolve("log.json"))) throw new LedgerException("a log already exists in " + dir);
        try {
            Files.createDirectories(dir);
            ObjectNode meta = JsonNodeFactory.instance.objectNode();
            meta.put("format", FORMAT);
            meta.put("origin", origin);
            meta.put("log_key", logKey.identity().publicKeyHex());
            meta.put("leaf", "uint64be(log_time_ms) || canonical DSSE envelope JSON");
            Path entries = dir.resolve("entries.bin");
            AtomicFiles.write(entries, MAGIC, false);
            new Checkpoint(origin, 0, MerkleTree.emptyRoot()); // validates the origin before anything is written
            AtomicFiles.write(dir.resolve("checkpoint"),
                    new Checkpoint(origin, 0, MerkleTree.emptyRoot()).sign(logKey).getBytes(StandardCharsets.UTF_8), false);
            AtomicFiles.write(dir.resolve("log.json"), CanonicalJson.canonicalize(meta), false);
        } catch (IOException e) {
            throw new LedgerException("cannot create log in " + dir + ": " + e.getMessage(), e);
        }
        return open(dir, logKey, clock);
    }

    /** Opens a log for appending (taking its lock), repairing a torn tail; checks every byte against the checkpoint. */
    public static TransparencyLog open(Path dir, SigningKey logKey, InstantSource clock) {
        return open(dir, logKey, clock, KeyResolver.SELF_DESCRIBED);
    }

    /** As {@link #open(Path, SigningKey, InstantSource)} with the resolver used to verify appended envelopes. */
    public static TransparencyLog open(Path dir, SigningKey logKey, InstantSource clock, KeyResolver keys) {
        return doOpen(dir, logKey, null, clock, keys);
    }

    /** Opens a log for reading only, trusting the key recorded in its {@code log.json}. Changes nothing on disk. */
    public static TransparencyLog openReadOnly(Path dir) {
        return doOpen(dir, null, null, InstantSource.system(), KeyResolver.SELF_DESCRIBED);
    }

    /** Opens a log for reading only; its checkpoint must be signed by {@code trustedLogKey}. */
    public static TransparencyLog openReadOnly(Path dir, Identity trustedLogKey) {
        return doOpen(dir, null, trustedLogKey, InstantSource.system(), KeyResolver.SELF_DESCRIBED);
    }

    private static TransparencyLog doOpen(Path dir, SigningKey signer, Identity trusted, InstantSource clock,
                                          KeyResolver keys) {
        Path metaFile = dir.resolve("log.json");
        JsonNode meta;
        try {
            meta = CanonicalJson.parse(Files.readAllBytes(metaFile));
        } catch (NoSuchFileException e) {
            throw new LedgerException("no log in " + dir + " (" + metaFile + " does not exist)");
        } catch (IOException e) {
            throw new LedgerException("cannot read " + metaFile + ": " + e.getMessage(), e);
        } catch (LedgerException e) {
            throw new LedgerException(metaFile + ": " + e.getMessage());
        }
        if (!FORMAT.equals(meta.path("format").asText())) throw new LedgerException(metaFile + ": format is not " + FORMAT);
        String origin = meta.path("origin").asText("");
        Identity recorded;
        try {
            recorded = Identity.ofHex(meta.path("log_key").asText(""));
        } catch (IllegalArgumentException e) {
            throw new LedgerException(metaFile + ": field log_key: " + e.getMessage());
        }
        Identity expected = signer != null ? signer.identity() : trusted != null ? trusted : recorded;
        if (!recorded.equals(expected)) {
            throw new LedgerException(metaFile + ": log key " + recorded.keyId() + " is not the expected key " + expected.keyId());
        }
        StoreLock lock = null;
        FileChannel data = null;
        try {
            if (signer != null) {
                lock = StoreLock.acquire(dir.resolve("lock"), "log " + dir);
                Leftovers.sweep(dir); // a killed writer's temporary checkpoint files
                data = FileChannel.open(dir.resolve("entries.bin"), StandardOpenOption.READ, StandardOpenOption.WRITE);
            } else {
                data = FileChannel.open(dir.resolve("entries.bin"), StandardOpenOption.READ);
            }
            TransparencyLog log = new TransparencyLog(dir, origin, expected, signer, clock, keys, data, lock);
            log.load();
            return log;
        } catch (IOException | RuntimeException e) {
            closeQuietly(data);
            closeQuietly(lock);
            if (e instanceof LedgerException le) throw le;
            throw new LedgerException("cannot open log " + dir + ": " + e.getMessage(), e);
        }
    }

    private void load() throws IOException {
        Path cpFile = dir.resolve("checkpoint");
        String note;
        try {
            if (Files.size(cpFile) > SignedNote.MAX_NOTE_CHARS) throw new LedgerException(cpFile + " is over " + SignedNote.MAX_NOTE_CHARS + " bytes: not a checkpoint");
            note = Files.readString(cpFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LedgerException(cpFile + " is missing: the log cannot be checked");
        }
        Checkpoint cp;
        try {
            cp = Checkpoint.verify(note, origin, logKey);
        } catch (LedgerException e) {
            throw new LedgerException(cpFile + ": " + e.getMessage());
        }
        Path file = dir.resolve("entries.bin");
        boolean writable = signer != null;
        long fileSize = data.size();
        long torn = -1;
        String tornReason = null;
        MessageDigest md = MerkleTree.sha256();
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            byte[] magic = new byte[MAGIC.length];
            try {
                in.readFully(magic);
            } catch (EOFException e) {
                throw new LedgerException(file + ": too short for a log header");
            }
            if (!Arrays.equals(magic, MAGIC)) throw new LedgerException(file + ": not a Cairn log (bad magic)");
            long pos = MAGIC.length;
            long prevTime = Long.MIN_VALUE;
            while (writable ? pos < fileSize : tree.size() < cp.size()) {
                long index = tree.size();
                String problem = null;
                byte[] leaf = null;
                if (fileSize - pos < 4) {
                    problem = "the file ends inside its frame header";
                } else {
                    int len = in.readInt();
                    if (len < 8 || len > MAX_ENTRY) {
                        problem = "its length field (" + Integer.toUnsignedString(len) + ") is out of range";
                    } else if (fileSize - pos < 8L + len) {
                        problem = "the file ends inside it";
                    } else {
                        leaf = new byte[len];
                        in.readFully(leaf);
                        int stored = in.readInt();
                        crc.reset();
                        crc.update(ByteBuffer.allocate(4).putInt(len).array());
                        crc.update(leaf);
                        if ((int) crc.getValue() != stored) {
                            problem = "its checksum does not match its bytes";
                        } else {
                            long t = ByteBuffer.wrap(leaf, 0, 8).getLong();
                            if (t < prevTime) problem = "its log time goes backwards";
                            else prevTime = t;
                        }
                    }
                }
                if (problem != null) {
                    if (index < cp.size()) {
                        throw new LedgerException(file + ": entry " + index + " (byte offset " + pos + ") is corrupt: "
                                + problem + "; the signed checkpoint covers " + cp.size() + " entries, so the log's"
                                + " bytes were altered or cut");
                    }
                    torn = pos;
                    tornReason = problem;
                    break;
                }
                md.reset();
                md.update((byte) 0);
                md.update(leaf);
                addIndex(pos, ByteBuffer.wrap(leaf, 0, 8).getLong());
                tree.append(md.digest());
                pos += 8L + leaf.length;
            }
            end = pos;
        }
        if (tree.size() < cp.size()) {
            throw new LedgerException(file + ": holds " + tree.size() + " entries but the signed checkpoint covers "
                    + cp.size() + ": entries were removed");
        }
        if (!Arrays.equals(tree.root(cp.size()), cp.root())) {
            throw new LedgerException(file + ": " + locateAlteration(cp));
        }
        checkpointNote = note;
        if (torn >= 0) {
            long lost = fileSize - torn;
            data.truncate(torn);
            data.force(true);
            recovery = "cut a torn tail of " + lost + " bytes at entry " + tree.size() + " (byte offset " + torn
                    + "): " + tornReason;
        }
        if (writable && tree.size() > cp.size()) commitCheckpoint();
    }

    /** The root differs from the signed one: find the first entry whose signature no longer verifies. */
    private String locateAlteration(Checkpoint cp) {
        for (long i = 0; i < cp.size(); i++) {
            try {
                readEntry(i).envelope().verify(keys);
            } catch (LedgerException e) {
                return "entry " + i + " was altered (" + e.getMessage() + "); the entries no longer hash to the"
                        + " signed checkpoint root";
            }
        }
        return "the first " + cp.size() + " entries no longer hash to the signed checkpoint root " + cp.rootHex()
                + " (an entry's log time or bytes were rewritten with a valid checksum)";
    }

    private void addIndex(long offset, long time) {
        int n = Math.toIntExact(tree.size());
        if (n == offsets.length) {
            offsets = Arrays.copyOf(offsets, n * 2);
            times = Arrays.copyOf(times, n * 2);
        }
        offsets[n] = offset;
        times[n] = time;
    }

    // ---------------------------------------------------------------------------------------------- appending

    /** Verifies, logs and durably stores one envelope (one fsync and one checkpoint: prefer {@link #appendAll}). */
    public LogEntry append(Envelope envelope) {
        return appendAll(List.of(envelope)).getFirst();
    }

    /**
     * Verifies every envelope (in parallel) and, only if all pass, appends them in order as one durable batch.
     * A rejected envelope is named by its position in the batch; the log is then left as it was.
     */
    public List<LogEntry> appendAll(List<Envelope> envelopes) {
        Envelope.Verified[] verified = new Envelope.Verified[envelopes.size()];
        LedgerException[] errors = new LedgerException[envelopes.size()];
        IntStream.range(0, envelopes.size()).parallel().forEach(i -> {
            try {
                verified[i] = envelopes.get(i).verify(keys);
            } catch (LedgerException e) {
                errors[i] = e;
            }
        });
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] != null) {
                throw new LedgerException("envelope " + i + " of the batch rejected, nothing appended: " + errors[i].getMessage());
            }
        }
        return appendVerified(Arrays.asList(verified));
    }

    /** Appends envelopes already verified by {@link Envelope#verify} as one durable batch. */
    public synchronized List<LogEntry> appendVerified(List<Envelope.Verified> batch) {
        requireWritable();
        if (batch.isEmpty()) return List.of();
        int n = batch.size();
        byte[][] leaves = new byte[n][];
        long last = tree.size() == 0 ? Long.MIN_VALUE : times[Math.toIntExact(tree.size() - 1)];
        long now = Math.max(clock.millis(), last);
        int total = 0;
        for (int i = 0; i < n; i++) {
            byte[] json = batch.get(i).envelope().toJson();
            if (json.length + 8 > MAX_ENTRY) {
                throw new LedgerException("envelope " + i + " of the batch is " + json.length + " bytes; the limit is " + (MAX_ENTRY - 8));
            }
            leaves[i] = LogEntry.leafInput(now, json);
            total += 8 + leaves[i].length;
        }
        ByteBuffer buf = ByteBuffer.allocate(total);
        CRC32C crc = new CRC32C();
        for (byte[] leaf : leaves) {
            int start = buf.position();
            buf.putInt(leaf.length).put(leaf);
            crc.reset();
            crc.update(buf.array(), start, 4 + leaf.length);
            buf.putInt((int) crc.getValue());
        }
        buf.flip();
        long start = end;
        try {
            long pos = start;
            while (buf.hasRemaining()) pos += data.write(buf, pos);
            data.force(false);
        } catch (IOException e) {
            try {
                data.truncate(start);
            } catch (IOException ignored) {
                // reopening cuts the partial batch as a torn tail
            }
            throw new LedgerException("cannot write to " + dir.resolve("entries.bin") + ": " + e.getMessage(), e);
        }
        List<LogEntry> out = new ArrayList<>(n);
        MessageDigest md = MerkleTree.sha256();
        long pos = start;
        for (int i = 0; i < n; i++) {
            md.reset();
            md.update((byte) 0);
            md.update(leaves[i]);
            byte[] h = md.digest();
            addIndex(pos, now);
            long index = tree.size();
            tree.append(h);
            pos += 8L + leaves[i].length;
            out.add(new LogEntry(index, Instant.ofEpochMilli(now), batch.get(i).envelope(), h));
        }
        end = pos;
        commitCheckpoint();
        return out;
    }

    private void commitCheckpoint() {
        String note = new Checkpoint(origin, tree.size(), tree.root()).sign(signer);
        try {
            AtomicFiles.write(dir.resolve("checkpoint"), note.getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new LedgerException("cannot write " + dir.resolve("checkpoint") + ": " + e.getMessage(), e);
        }
        checkpointNote = note;
    }

    private void requireWritable() {
        if (signer == null) throw new LedgerException("log " + dir + " is open read-only");
    }

    // ---------------------------------------------------------------------------------------------- reading

    public Path dir() {
        return dir;
    }

    public String origin() {
        return origin;
    }

    /** The key that signs this log's checkpoints. */
    public Identity logKey() {
        return logKey;
    }

    public synchronized long size() {
        return tree.size();
    }

    public synchronized byte[] root() {
        return tree.root();
    }

    public synchronized byte[] root(long treeSize) {
        return tree.root(treeSize);
    }

    /** Bytes the log's entries occupy on disk (entries.bin). */
    public synchronized long storageBytes() {
        return end;
    }

    /** What opening repaired, if anything (a torn tail cut after a crash). */
    public Optional<String> recovery() {
        return Optional.ofNullable(recovery);
    }

    /** The latest signed checkpoint (C2SP tlog-checkpoint as a signed note), covering every entry. */
    public synchronized String checkpoint() {
        return checkpointNote;
    }

    /** The latest checkpoint, parsed. */
    public synchronized Checkpoint latestCheckpoint() {
        return Checkpoint.verify(checkpointNote, origin, logKey);
    }

    public synchronized Instant logTime(long index) {
        checkIndex(index);
        return Instant.ofEpochMilli(times[(int) index]);
    }

    public synchronized byte[] leafHash(long index) {
        checkIndex(index);
        return tree.leafHash(index);
    }

    /** The leaf input of entry {@code index} (u64be log time || envelope JSON), as hashed into the tree. */
    public byte[] leafInput(long index) {
        long off, next;
        synchronized (this) {
            checkIndex(index);
            off = offsets[(int) index];
            next = index + 1 < tree.size() ? offsets[(int) index + 1] : end;
        }
        byte[] frame = read(off, next - off);
        return Arrays.copyOfRange(frame, 4, frame.length - 4);
    }

    /** The entry at {@code index}, read back from disk (its checksum re-checked); not signature-verified. */
    public LogEntry entry(long index) {
        synchronized (this) {
            checkIndex(index);
        }
        return readEntry(index);
    }

    private LogEntry readEntry(long index) {
        long off, next;
        byte[] hash;
        synchronized (this) {
            off = offsets[(int) index];
            next = index + 1 < tree.size() ? offsets[(int) index + 1] : end;
            hash = tree.leafHash(index);
        }
        byte[] frame = read(off, next - off);
        return decode(index, frame, 0, frame.length, hash);
    }

    private LogEntry decode(long index, byte[] buf, int off, int len, byte[] hash) {
        ByteBuffer b = ByteBuffer.wrap(buf, off, len);
        int leafLen = b.getInt();
        CRC32C crc = new CRC32C();
        crc.update(buf, off, 4 + leafLen);
        if (leafLen != len - 8 || (int) crc.getValue() != ByteBuffer.wrap(buf, off + 4 + leafLen, 4).getInt()) {
            throw new LedgerException(dir.resolve("entries.bin") + ": entry " + index + " changed on disk since the log was opened");
        }
        long time = b.getLong();
        byte[] json = Arrays.copyOfRange(buf, off + 12, off + 4 + leafLen);
        Envelope env;
        try {
            env = Envelope.parse(json);
        } catch (LedgerException e) {
            throw new LedgerException("entry " + index + ": " + e.getMessage());
        }
        return new LogEntry(index, Instant.ofEpochMilli(time), env, hash);
    }

    private byte[] read(long off, long len) {
        byte[] out = new byte[Math.toIntExact(len)];
        ByteBuffer b = ByteBuffer.wrap(out);
        try {
            while (b.hasRemaining()) {
                int r = data.read(b, off + b.position());
                if (r < 0) throw new EOFException();
            }
        } catch (IOException e) {
            throw new LedgerException("cannot read " + dir.resolve("entries.bin") + ": " + e, e);
        }
        return out;
    }

    /** Inclusion proof of entry {@code index} in the current tree. */
    public synchronized InclusionProof proveInclusion(long index) {
        return proveInclusion(index, tree.size());
    }

    /** Inclusion proof of entry {@code index} in the tree of the first {@code treeSize} entries. */
    public synchronized InclusionProof proveInclusion(long index, long treeSize) {
        if (treeSize < 1 || treeSize > tree.size()) {
            throw new LedgerException("tree size " + treeSize + " is outside 1.." + tree.size());
        }
        if (index < 0 || index >= treeSize) {
            throw new LedgerException("entry " + index + " is not in a tree of " + treeSize + " entries");
        }
        return new InclusionProof(index, treeSize, tree.root(treeSize), tree.leafHash(index), tree.inclusionProof(index, treeSize));
    }

    /** Consistency proof between two sizes of this log (1 ≤ oldSize ≤ newSize ≤ size). */
    public synchronized ConsistencyProof proveConsistency(long oldSize, long newSize) {
        if (newSize < 1 || newSize > tree.size()) {
            throw new LedgerException("new size " + newSize + " is outside 1.." + tree.size());
        }
        if (oldSize < 1 || oldSize > newSize) {
            throw new LedgerException("old size " + oldSize + " is outside 1.." + newSize
                    + " (consistency with the empty tree proves nothing)");
        }
        return new ConsistencyProof(oldSize, newSize, tree.root(oldSize), tree.root(newSize),
                tree.consistencyProof(oldSize, newSize));
    }

    // ---------------------------------------------------------------------------------------------- replay

    /**
     * Replays entries {@code [from, to)}: signatures are verified in parallel a chunk at a time, then
     * {@code effects} runs for each entry strictly in log order on the calling thread. The first entry that
     * fails verification stops the replay with a {@link LedgerException} naming it, after the effects of
     * every earlier entry.
     */
    public void replay(long from, long to, BiConsumer<LogEntry, Envelope.Verified> effects) {
        long size;
        synchronized (this) {
            size = tree.size();
        }
        if (from < 0 || to > size || from > to) throw new LedgerException("replay range " + from + ".." + to + " is outside 0.." + size);
        for (long c = from; c < to; c += REPLAY_CHUNK) {
            int n = (int) Math.min(REPLAY_CHUNK, to - c);
            long first = c;
            long[] offs = new long[n + 1];
            byte[][] hashes = new byte[n][];
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    offs[i] = offsets[(int) (first + i)];
                    hashes[i] = tree.leafHash(first + i);
                }
                offs[n] = first + n < tree.size() ? offsets[(int) (first + n)] : end;
            }
            byte[] buf = read(offs[0], offs[n] - offs[0]);
            LogEntry[] entries = new LogEntry[n];
            Envelope.Verified[] verified = new Envelope.Verified[n];
            LedgerException[] errors = new LedgerException[n];
            IntStream.range(0, n).parallel().forEach(i -> {
                try {
                    entries[i] = decode(first + i, buf, (int) (offs[i] - offs[0]), (int) (offs[i + 1] - offs[i]), hashes[i]);
                    verified[i] = entries[i].envelope().verify(keys);
                } catch (LedgerException e) {
                    errors[i] = e;
                }
            });
            for (int i = 0; i < n; i++) {
                if (errors[i] != null) {
                    String m = errors[i].getMessage();
                    throw new LedgerException(m.startsWith("entry ") ? m : "entry " + (first + i) + ": " + m);
                }
                effects.accept(entries[i], verified[i]);
            }
        }
    }

    /** Replays the whole log. */
    public void replay(BiConsumer<LogEntry, Envelope.Verified> effects) {
        replay(0, size(), effects);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= tree.size()) {
            throw new LedgerException("entry " + index + " does not exist (the log has " + tree.size() + " entries)");
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(data);
        closeQuietly(lock);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do
        }
    }
}
