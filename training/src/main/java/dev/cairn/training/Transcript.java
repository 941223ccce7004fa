package dev.cairn.training;

import dev.cairn.ledger.MerkleTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A run's transcript: one {@link TranscriptLeaf} per step, in step order, hashed into an RFC 6962 Merkle tree
 * (leaf i is step i+1). On disk ({@code transcript.bin}), append-only:
 * <pre>
 *   "CAIRNTX1"                                   8 bytes
 *   then per step: leaf (84 bytes) || u32 LE CRC32C(leaf)
 * </pre>
 * A crash can only leave a torn last record: {@link #openForAppend} cuts it back, {@link #read} refuses it
 * naming the step. Records are fsynced before each checkpoint, so the transcript always reaches the newest
 * checkpoint.
 */
public final class Transcript implements AutoCloseable {
    public static final String FILE = "transcript.bin";
    static final byte[] MAGIC = "CAIRNTX1".getBytes(StandardCharsets.US_ASCII);
    static final int RECORD = TranscriptLeaf.SIZE + 4;

    private final Path file;
    private final List<TranscriptLeaf> leaves = new ArrayList<>();
    private final List<byte[]> hashes = new ArrayList<>();
    private final FileChannel channel; // null when read-only

    private Transcript(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** An in-memory transcript (tests, forged copies, a dispute's other side). */
    public static Transcript of(List<TranscriptLeaf> leaves) {
        Transcript t = new Transcript(null, null);
        for (TranscriptLeaf l : leaves) t.add(l);
        return t;
    }

    /** Reads a complete transcript; a torn tail, a bad checksum or a gap in the steps is an error naming the step. */
    public static Transcript read(Path file) throws IOException {
        Transcript t = new Transcript(file, null);
        byte[] all = readAll(file);
        int n = t.parse(all, true);
        assert n == all.length;
        return t;
    }

    /**
     * Opens (or creates) a transcript for appending, keeping its first {@code keepSteps} leaves: a torn tail and
     * anything after {@code keepSteps} (steps a resumed run will redo) are cut off. Refuses a transcript that
     * does not reach {@code keepSteps}.
     */
    public static Transcript openForAppend(Path file, int keepSteps) throws IOException {
        Transcript t = new Transcript(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
        try {
            long size = t.channel.size();
            if (size == 0) {
                if (keepSteps > 0) throw new IllegalArgumentException(file + " is empty but the run resumes at step " + keepSteps);
                t.channel.write(ByteBuffer.wrap(MAGIC));
                t.channel.force(true);
                return t;
            }
            byte[] all = readAll(file);
            t.parse(all, false);
            if (t.size() < keepSteps) {
                throw new IllegalArgumentException(file + " holds " + t.size() + " steps but the run resumes at step " + keepSteps);
            }
            while (t.leaves.size() > keepSteps) {
                t.leaves.removeLast();
                t.hashes.removeLast();
            }
            t.channel.truncate(MAGIC.length + (long) RECORD * keepSteps);
            t.channel.position(MAGIC.length + (long) RECORD * keepSteps);
            t.channel.force(true);
            return t;
        } catch (IOException | RuntimeException e) {
            t.channel.close();
            throw e;
        }
    }

    private static byte[] readAll(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("transcript not found: " + file);
        }
    }

    /** Parses records; strict: every irregularity is an error, else a torn or bad tail is dropped. */
    private int parse(byte[] all, boolean strict) {
        if (all.length < MAGIC.length || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException(file + " is not a Cairn transcript (bad magic)");
        }
        int off = MAGIC.length;
        CRC32C crc = new CRC32C();
        while (off < all.length) {
            int step = leaves.size() + 1;
            if (all.length - off < RECORD) {
                if (strict) throw new IllegalArgumentException(file + " is torn: step " + step + " is incomplete ("
                        + (all.length - off) + " of " + RECORD + " bytes)");
                break;
            }
            crc.reset();
            crc.update(all, off, TranscriptLeaf.SIZE);
            int want = ByteBuffer.wrap(all, off + TranscriptLeaf.SIZE, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            boolean last = all.length - off == RECORD;
            if ((int) crc.getValue() != want) {
                if (strict || !last) throw new IllegalArgumentException(file + ": the record of step " + step + " fails its checksum");
                break;
            }
            TranscriptLeaf leaf = TranscriptLeaf.fromBytes(all, off, file + " step " + step);
            if (leaf.step() != step) {
                throw new IllegalArgumentException(file + ": record " + step + " is for step " + leaf.step() + " (a step is missing or repeated)");
            }
            add(leaf);
            off += RECORD;
        }
        return off;
    }

    private void add(TranscriptLeaf leaf) {
        if (leaf.step() != leaves.size() + 1) {
            throw new IllegalArgumentException("transcript: leaf for step " + leaf.step() + " after step " + leaves.size());
        }
        leaves.add(leaf);
        hashes.add(leaf.leafHash());
    }

    /** Appends the next step's leaf (written at once; durable at the next {@link #sync}). */
    public void append(TranscriptLeaf leaf) throws IOException {
        if (channel == null) throw new IllegalStateException("transcript " + file + " is read-only");
        add(leaf);
        ByteBuffer b = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = leaf.toBytes();
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        b.put(bytes).putInt((int) crc.getValue()).flip();
        while (b.hasRemaining()) channel.write(b);
    }

    /** Makes every appended leaf durable. */
    public void sync() throws IOException {
        if (channel != null) channel.force(false);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) channel.close();
    }

    public Path file() { return file; }

    /** Number of steps recorded. */
    public int size() { return leaves.size(); }

    /** The leaf of {@code step} (1..size). */
    public TranscriptLeaf leaf(int step) {
        if (step < 1 || step > leaves.size()) throw new IllegalArgumentException("transcript has no step " + step + " (it holds 1.." + leaves.size() + ")");
        return leaves.get(step - 1);
    }

    public List<TranscriptLeaf> leaves() { return Collections.unmodifiableList(leaves); }

    /** The RFC 6962 root over all leaves. */
    public byte[] root() { return MerkleTree.rootFromLeafHashes(hashes); }

    /** The root over the first {@code steps} leaves. */
    public byte[] root(int steps) { return MerkleTree.rootFromLeafHashes(hashes.subList(0, steps)); }

    public String rootHex() { return HexFormat.of().formatHex(root()); }

    /** Inclusion proof of {@code step}'s leaf in the tree of all leaves. */
    public List<byte[]> inclusionProof(int step) {
        leaf(step);
        return MerkleTree.inclusionProof(hashes, step - 1);
    }
}
