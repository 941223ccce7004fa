package dev.cairn.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

/**
 * Files for the training room's fuzz targets. Checkpoints and transcripts carry checksums a fuzzer cannot
 * guess, so for inputs whose first byte is odd the checksums are recomputed over the mutated bytes: the
 * parser behind the checksum gets fuzzed too.
 */
final class FuzzFiles {
    private FuzzFiles() {}

    static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("cairn-fuzz-training");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(String name, byte[] bytes) throws IOException {
        return Files.write(DIR.resolve(name), bytes);
    }

    /** The input with a correct SHA-256 trailer appended (a checkpoint's). */
    static byte[] withSha256Trailer(byte[] in) throws Exception {
        byte[] out = java.util.Arrays.copyOf(in, in.length + 32);
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(in), 0, out, in.length, 32);
        return out;
    }

    /** The input with every whole transcript record's CRC32C fixed. */
    static byte[] withRecordCrcs(byte[] in) {
        byte[] out = in.clone();
        CRC32C crc = new CRC32C();
        for (int off = Transcript.MAGIC.length; off + Transcript.RECORD <= out.length; off += Transcript.RECORD) {
            crc.reset();
            crc.update(out, off, TranscriptLeaf.SIZE);
            ByteBuffer.wrap(out, off + TranscriptLeaf.SIZE, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        }
        return out;
    }
}
