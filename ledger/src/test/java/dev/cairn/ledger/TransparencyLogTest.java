package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransparencyLogTest {
    @TempDir Path tmp;
    final SigningKey logKey = SigningKey.generate();
    final SigningKey alice = SigningKey.generate();
    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    Envelope envelope(int i) {
        var p = JsonNodeFactory.instance.objectNode().put("n", i);
        return Envelope.sign(Statement.of("https://cairn.dev/test/v1", p, "ab".repeat(32), alice.identity(),
                Subject.sha256("item-" + i, MerkleTree.sha256(new byte[] {(byte) i}))), alice);
    }

    TransparencyLog filled(int n) {
        TransparencyLog log = TransparencyLog.create(tmp.resolve("log"), "cairn.test/log", logKey, clock);
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) batch.add(envelope(i));
        log.appendAll(batch);
        return log;
    }

    @Test
    void appendsProvesAndReopens() {
        List<byte[]> leaves = new ArrayList<>();
        byte[] rootAt3;
        try (TransparencyLog log = TransparencyLog.create(tmp.resolve("log"), "cairn.test/log", logKey, clock)) {
            assertEquals(0, log.size());
            assertArrayEquals(MerkleTree.emptyRoot(), log.root());
            for (int i = 0; i < 5; i++) {
                now.addAndGet(1000);
                LogEntry e = log.append(envelope(i));
                assertEquals(i, e.index());
                assertEquals(Instant.ofEpochMilli(now.get()), e.logTime());
                byte[] leafInput = LogEntry.leafInput(now.get(), envelope(i).toJson());
                assertArrayEquals(MerkleTree.leafHash(leafInput), e.leafHash());
                leaves.add(e.leafHash());
                if (i == 2) assertEquals(3, log.size());
            }
            rootAt3 = log.root(3);
            assertArrayEquals(MerkleTree.rootFromLeafHashes(leaves), log.root());
            InclusionProof p = log.proveInclusion(3);
            assertTrue(p.verify());
            assertTrue(MerkleTree.verifyInclusion(leaves.get(3), 3, 5, p.auditPath(), log.root()));
            ConsistencyProof c = log.proveConsistency(3, 5);
            assertTrue(c.verify());
            assertArrayEquals(rootAt3, c.oldRoot());
            Checkpoint cp = Checkpoint.verify(log.checkpoint(), "cairn.test/log", logKey.identity());
            assertEquals(5, cp.size());
            assertArrayEquals(log.root(), cp.root());
            assertTrue(log.checkpoint().startsWith("cairn.test/log\n5\n"));
            assertTrue(log.checkpoint().contains("\n\n\u2014 cairn.test/log "));
            assertEquals(envelope(2), log.entry(2).envelope());
        }
        try (TransparencyLog log = TransparencyLog.open(tmp.resolve("log"), logKey, clock)) {
            assertEquals(5, log.size());
            assertArrayEquals(MerkleTree.rootFromLeafHashes(leaves), log.root());
            assertEquals(Instant.ofEpochMilli(1_700_000_003_000L), log.logTime(2));
            assertTrue(log.recovery().isEmpty());
        }
        try (TransparencyLog log = TransparencyLog.openReadOnly(tmp.resolve("log"))) {
            List<Long> seen = new ArrayList<>();
            log.replay((e, v) -> seen.add(e.index()));
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seen);
            assertThrows(LedgerException.class, () -> log.append(envelope(9)));
        }
    }

    @Test
    void logTimeNeverGoesBackwards() {
        try (TransparencyLog log = filled(1)) {
            now.addAndGet(-60_000);
            LogEntry e = log.append(envelope(1));
            assertEquals(log.logTime(0), e.logTime());
        }
    }

    @Test
    void rejectsBadEnvelopesAndLeavesTheLogUnchanged() throws IOException {
        try (TransparencyLog log = filled(3)) {
            byte[] before = Files.readAllBytes(log.dir().resolve("entries.bin"));
            String cpBefore = log.checkpoint();
            Envelope good = envelope(7);
            byte[] sig = good.signatures().getFirst().sig();
            sig[0] ^= 1;
            Envelope forged = new Envelope(good.payloadType(), good.payload(),
                    List.of(new Envelope.Signature(good.signatures().getFirst().keyid(), sig)));
            var e = assertThrows(LedgerException.class, () -> log.appendAll(List.of(envelope(8), forged)));
            assertTrue(e.getMessage().contains("envelope 1 of the batch") && e.getMessage().contains("does not verify"), e.getMessage());
            Envelope wrongType = Envelope.sign("text/plain", good.payload(), alice);
            e = assertThrows(LedgerException.class, () -> log.append(wrongType));
            assertTrue(e.getMessage().contains("unknown payloadType"), e.getMessage());
            assertEquals(3, log.size());
            assertArrayEquals(before, Files.readAllBytes(log.dir().resolve("entries.bin")));
            assertEquals(cpBefore, log.checkpoint());
        }
    }

    @Test
    void alteredByteAnywhereFailsNamingTheEntry() throws IOException {
        Path dir;
        long off2;
        try (TransparencyLog log = filled(4)) {
            dir = log.dir();
            off2 = 8 + frame(log, 0) + frame(log, 1);
        }
        Path file = dir.resolve("entries.bin");
        byte[] original = Files.readAllBytes(file);
        for (long at : new long[] {off2 + 2, off2 + 20, off2 + 100}) {
            byte[] altered = original.clone();
            altered[(int) at] ^= 0x20;
            Files.write(file, altered);
            var e = assertThrows(LedgerException.class, () -> TransparencyLog.open(dir, logKey, clock));
            assertTrue(e.getMessage().contains("entry 2 "), e.getMessage());
            assertArrayEquals(altered, Files.readAllBytes(file), "a failed open changes nothing");
        }
        // A cut inside committed entries is an alteration too, not a torn tail.
        Files.write(file, java.util.Arrays.copyOf(original, original.length - 5));
        var e = assertThrows(LedgerException.class, () -> TransparencyLog.openReadOnly(dir));
        assertTrue(e.getMessage().contains("entry 3"), e.getMessage());
        Files.write(file, original);
        try (TransparencyLog log = TransparencyLog.open(dir, logKey, clock)) {
            assertEquals(4, log.size());
        }
    }

    @Test
    void rewrittenEntryWithValidChecksumIsCaughtByTheCheckpoint() throws IOException {
        Path dir;
        try (TransparencyLog log = filled(3)) {
            dir = log.dir();
        }
        // Rewrite the last entry's log time (later, so times still ascend) and recompute its checksum.
        byte[] f = Files.readAllBytes(dir.resolve("entries.bin"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(f);
        int at = 8;
        for (int i = 0; i < 2; i++) at += 8 + b.getInt(at);
        int len1 = b.getInt(at);
        b.putLong(at + 4, b.getLong(at + 4) + 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(f, at, 4 + len1);
        b.putInt(at + 4 + len1, (int) crc.getValue());
        Files.write(dir.resolve("entries.bin"), f);
        var e = assertThrows(LedgerException.class, () -> TransparencyLog.open(dir, logKey, clock));
        assertTrue(e.getMessage().contains("signed checkpoint root"), e.getMessage());
        // A forged checkpoint is refused as well.
        String cp = Files.readString(dir.resolve("checkpoint"));
        Files.writeString(dir.resolve("checkpoint"), cp.replaceFirst("\n3\n", "\n2\n"));
        e = assertThrows(LedgerException.class, () -> TransparencyLog.openReadOnly(dir));
        assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    }

    @Test
    void tornTailIsCutBackToTheLastCompleteEntry() throws IOException {
        Path dir;
        byte[] rootAt3;
        try (TransparencyLog log = filled(3)) {
            dir = log.dir();
            rootAt3 = log.root();
        }
        Path file = dir.resolve("entries.bin");
        long committed = Files.size(file);
        // Simulate a crash mid-batch: a complete uncommitted entry, then half of another.
        byte[] extra;
        try (TransparencyLog other = TransparencyLog.create(tmp.resolve("other"), "cairn.test/log", logKey, clock)) {
            other.appendAll(List.of(envelope(100), envelope(101)));
            byte[] o = Files.readAllBytes(other.dir().resolve("entries.bin"));
            extra = java.util.Arrays.copyOfRange(o, 8, o.length - 30);
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(committed);
            raf.write(extra);
        }
        // Read-only sees just the checkpointed entries and changes nothing.
        try (TransparencyLog ro = TransparencyLog.openReadOnly(dir)) {
            assertEquals(3, ro.size());
        }
        assertEquals(committed + extra.length, Files.size(file));
        try (TransparencyLog log = TransparencyLog.open(dir, logKey, clock)) {
            assertEquals(4, log.size(), "the complete entry survives, the torn one is cut");
            assertTrue(log.recovery().orElseThrow().contains("torn tail"), log.recovery().toString());
            assertEquals(envelope(100), log.entry(3).envelope());
            assertTrue(log.proveConsistency(3, 4).verify());
            assertArrayEquals(rootAt3, log.root(3));
            log.append(envelope(5));
            assertEquals(5, log.size());
        }
        try (TransparencyLog log = TransparencyLog.open(dir, logKey, clock)) {
            assertEquals(5, log.size());
            assertTrue(log.recovery().isEmpty());
        }
    }

    @Test
    void replayStopsAtTheFirstEntryThatDoesNotVerifyAfterEarlierEffects() {
        SigningKey mallory = SigningKey.generate();
        Path dir;
        try (TransparencyLog log = filled(5000)) {
            dir = log.dir();
            var p = JsonNodeFactory.instance.objectNode().put("n", -1);
            log.append(Envelope.sign(Statement.of("https://cairn.dev/test/v1", p, "ab".repeat(32), mallory.identity(),
                    Subject.sha256("x", new byte[32])), mallory));
            log.append(envelope(5001));
        }
        // A verifier that trusts only alice (as governance would trust only members).
        KeyResolver onlyAlice = (keyid, st) -> keyid.equals(alice.identity().keyId()) ? alice.identity() : null;
        try (TransparencyLog log = TransparencyLog.open(dir, logKey, clock, onlyAlice)) {
            List<Long> seen = new ArrayList<>();
            var e = assertThrows(LedgerException.class, () -> log.replay((en, v) -> seen.add(en.index())));
            assertTrue(e.getMessage().startsWith("entry 5000: ") && e.getMessage().contains("unknown keyid"), e.getMessage());
            assertEquals(5000, seen.size());
            for (int i = 0; i < seen.size(); i++) assertEquals(i, seen.get(i), "effects in log order across chunks");
        }
    }

    @Test
    void secondWriterWaitsThenIsRefusedNamingTheHolder() {
        System.setProperty("cairn.lock.wait", "0.3");
        try (TransparencyLog log = filled(1)) {
            long t0 = System.nanoTime();
            var e = assertThrows(LedgerException.class, () -> TransparencyLog.open(log.dir(), logKey, clock));
            assertTrue(System.nanoTime() - t0 >= 250_000_000L, "waited the bounded time first");
            assertEquals("log " + log.dir() + " is locked by process " + ProcessHandle.current().pid() + " (another cairn writing to "
                    + log.dir().toAbsolutePath() + "); try again when it finishes", e.getMessage());
        } finally {
            System.clearProperty("cairn.lock.wait");
        }
        try (TransparencyLog again = TransparencyLog.open(tmp.resolve("log"), logKey, clock)) {
            assertEquals(1, again.size(), "the lock is released on close");
        }
    }

    @Test
    void storageStaysNearTheEnvelopeBytes() {
        try (TransparencyLog log = filled(200)) {
            long envelopeBytes = 0;
            for (int i = 0; i < 200; i++) envelopeBytes += log.entry(i).envelope().toJson().length;
            double ratio = (double) log.storageBytes() / envelopeBytes;
            assertTrue(ratio <= 1.5, "storage ratio " + ratio);
        }
    }

    static long frame(TransparencyLog log, long i) {
        return 16 + log.entry(i).envelope().toJson().length;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
