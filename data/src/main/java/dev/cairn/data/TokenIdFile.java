package dev.cairn.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Token ids as a bare little-endian array, the file nanoGPT's {@code prepare.py}, llm.c and the PyTorch peer
 * ({@code torch_gpt.py --tokens FILE --dtype uint16|int32}) read with {@code numpy.fromfile}: no header, uint16
 * when every id fits (a vocabulary of at most 65,536), int32 otherwise.
 *
 * <pre>
 *   TokenIdFile.Dtype d = TokenIdFile.write(Path.of("train.bin"), ids, tokenizer.vocabSize());
 *   int[] back = TokenIdFile.read(Path.of("train.bin"), d);
 * </pre>
 */
public final class TokenIdFile {
    private TokenIdFile() {}

    /** The element type; {@link #toString} is the peer's {@code --dtype} value. */
    public enum Dtype {
        UINT16(2), INT32(4);

        public final int bytes;

        Dtype(int bytes) { this.bytes = bytes; }

        /** The narrowest type that holds every id below {@code vocabSize}. */
        public static Dtype forVocabulary(int vocabSize) {
            if (vocabSize < 1) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
            return vocabSize <= 65_536 ? UINT16 : INT32;
        }

        @Override public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** The file's bytes; every id must lie in [0, vocabSize) (the message names the first that does not). */
    public static byte[] encode(int[] ids, int vocabSize) {
        Dtype d = Dtype.forVocabulary(vocabSize);
        ByteBuffer b = ByteBuffer.allocate(ids.length * d.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocabSize) throw new IllegalArgumentException("token id " + id + " at position " + i + " is outside the vocabulary [0, " + vocabSize + ")");
            if (d == Dtype.UINT16) b.putShort((short) id);
            else b.putInt(id);
        }
        return b.array();
    }

    /** Writes the ids atomically (a reader never sees half a file) and returns the type written. */
    public static Dtype write(Path file, int[] ids, int vocabSize) throws IOException {
        byte[] bytes = encode(ids, vocabSize);
        AtomicWrite.write(file, bytes);
        return Dtype.forVocabulary(vocabSize);
    }

    /** Reads a file written as {@code dtype}; the error names the file when its length is not whole ids. */
    public static int[] read(Path file, Dtype dtype) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % dtype.bytes != 0) {
            throw new IllegalArgumentException(file + ": " + bytes.length + " bytes is not a whole number of " + dtype + " token ids");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] ids = new int[bytes.length / dtype.bytes];
        for (int i = 0; i < ids.length; i++) ids[i] = dtype == Dtype.UINT16 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        return ids;
    }
}
