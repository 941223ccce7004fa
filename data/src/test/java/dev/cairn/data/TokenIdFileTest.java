package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenIdFileTest {
    @TempDir Path dir;

    @Test
    void writesLittleEndianUint16UpToA65536Vocabulary() throws Exception {
        Path f = dir.resolve("ids.bin");
        assertEquals(TokenIdFile.Dtype.UINT16, TokenIdFile.write(f, new int[] {1, 258, 65535}, 65_536));
        assertArrayEquals(new byte[] {1, 0, 2, 1, (byte) 0xff, (byte) 0xff}, Files.readAllBytes(f));
        assertArrayEquals(new int[] {1, 258, 65535}, TokenIdFile.read(f, TokenIdFile.Dtype.UINT16));
        assertEquals("uint16", TokenIdFile.Dtype.UINT16.toString());
    }

    @Test
    void writesInt32AboveIt() throws Exception {
        Path f = dir.resolve("ids.bin");
        assertEquals(TokenIdFile.Dtype.INT32, TokenIdFile.write(f, new int[] {65_536, 3}, 65_537));
        assertArrayEquals(new byte[] {0, 0, 1, 0, 3, 0, 0, 0}, Files.readAllBytes(f));
        assertArrayEquals(new int[] {65_536, 3}, TokenIdFile.read(f, TokenIdFile.Dtype.INT32));
    }

    @Test
    void refusesIdsOutsideTheVocabularyAndLeavesTheOldFile() throws Exception {
        Path f = dir.resolve("ids.bin");
        Files.writeString(f, "old");
        var e = assertThrows(IllegalArgumentException.class, () -> TokenIdFile.write(f, new int[] {0, 500}, 500));
        assertTrue(e.getMessage().contains("token id 500 at position 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenIdFile.write(f, new int[] {-1}, 500));
        assertEquals("old", Files.readString(f));
        var odd = assertThrows(IllegalArgumentException.class, () -> TokenIdFile.read(f, TokenIdFile.Dtype.UINT16));
        assertTrue(odd.getMessage().startsWith(f + ": 3 bytes"), odd.getMessage());
    }

    /** The reader the peer uses: numpy.fromfile with the dtype we name (skipped where no numpy is installed). */
    @Test
    void numpyReadsTheSameIds() throws Exception {
        int[] ids = BpeTokenizer.train(java.util.List.of(Corpus.slice(5_000)), 300).encode(Corpus.slice(2_000));
        Path f = dir.resolve("bpe.bin");
        TokenIdFile.Dtype d = TokenIdFile.write(f, ids, 300);
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", "import numpy as np, sys; a = np.fromfile(sys.argv[1], dtype='<u2' if sys.argv[2] == 'uint16' else '<i4');"
                    + " print(len(a), int(a.astype(np.int64).sum()))", f.toString(), d.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("no python3: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        Assumptions.assumeTrue(p.waitFor() == 0, "no numpy: " + out);
        long sum = 0;
        for (int id : ids) sum += id;
        assertEquals(ids.length + " " + sum, out);
    }
}
