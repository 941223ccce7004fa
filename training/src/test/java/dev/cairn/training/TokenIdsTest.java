package dev.cairn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cairn.data.BpeTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenIdsTest {
    private static final BpeTokenizer TOK = BpeTokenizer.train(List.of("to be or not to be, that is the question; to be or not"), 270);

    /** The PyTorch peer's split of a --tokens file: n = int(0.9 * len), train = ids[:n], val = ids[n:]. */
    @Test
    void splitsOneStreamAsThePeerDoes() {
        int[] ids = new int[47];
        for (int i = 0; i < ids.length; i++) ids[i] = i % 260;
        TokenIds t = new TokenIds(ids, TOK, "x");
        assertEquals(42, t.train().length); // int(0.9 * 47) = int(42.3)
        assertArrayEquals(java.util.Arrays.copyOfRange(ids, 42, 47), t.validation());
        assertArrayEquals(ids, t.ids());
        assertEquals(TOK.vocabSize(), t.vocabSize());
    }

    @Test
    void givenSplitsAndTheDigestFollowTheIds() {
        TokenIds a = new TokenIds(new int[] {1, 2, 3}, new int[] {4, 5}, TOK, "a");
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, a.ids());
        assertEquals(a.digest(), new TokenIds(new int[] {1, 2, 3}, new int[] {4, 5}, TOK, "b").digest());
        assertNotEquals(a.digest(), new TokenIds(new int[] {1, 2, 3}, new int[] {4, 6}, TOK, "a").digest());
        assertNotEquals(a.digest(), new TokenIds(new int[] {1, 2, 3, 4}, new int[] {5}, TOK, "a").digest()); // the split counts
        assertEquals(TOK.decode(new int[] {2, 3}), a.decode(a.train(), 1, 3));
    }
}
