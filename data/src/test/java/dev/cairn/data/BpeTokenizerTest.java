package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {
    static final BpeTokenizer SMALL = BpeTokenizer.train(List.of(Corpus.slice(100_000)), 1000);

    @Test
    void trainsToTheRequestedSizeWithEndOfTextLast() {
        assertEquals(1000, SMALL.vocabSize());
        assertEquals(999, SMALL.endOfTextId());
        assertTrue(SMALL.mergeCount() >= 1000 - 257);
    }

    @Test
    void trainingIsDeterministic() {
        BpeTokenizer again = BpeTokenizer.train(List.of(Corpus.slice(100_000)), 1000);
        assertEquals(SMALL.digest(), again.digest());
        BpeTokenizer other = BpeTokenizer.train(List.of(Corpus.slice(90_000)), 1000);
        assertNotEquals(SMALL.digest(), other.digest());
    }

    @Test
    void tieBreakPrefersTheSmallestLeftThenRightId() {
        // (a,b) and (c,d) each occur twice; (97,98) < (99,100), so "a b" is merge 0
        BpeTokenizer t = BpeTokenizer.train(List.of("cd", "ab", "cd", "ab"), 258);
        assertEquals(258, t.vocabSize()); // 256 bytes, 1 merge, <|endoftext|>
        String json = new String(t.toHuggingFaceJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"merges\" : [ \"a b\" ]"), json);
    }

    @Test
    void commonWordsBecomeSingleTokens() {
        assertEquals(1, SMALL.encode(" the").length);
        assertEquals("First Citizen:", SMALL.decode(SMALL.encode("First Citizen:")));
    }

    @Test
    void documentsAreSeparatedByEndOfText() {
        int[] ids = SMALL.encodeDocuments(List.of("a b", "c"));
        assertEquals(SMALL.endOfTextId(), ids[ids.length - 1]);
        assertEquals("a b" + BpeTokenizer.END_OF_TEXT + "c" + BpeTokenizer.END_OF_TEXT, SMALL.decode(ids));
        // the literal text of the separator inside a document is ordinary text, never the special id
        for (int id : SMALL.encode("x<|endoftext|>y")) assertNotEquals(SMALL.endOfTextId(), id);
    }

    @Provide
    Arbitrary<String> anyValidString() {
        // all code points except lone surrogates: every valid Unicode string
        return Arbitraries.oneOf(
                        Arbitraries.strings().all().ofMaxLength(60),
                        Arbitraries.strings().withChars(" \n\tetaoinshrdlu'.,!?é中😀").ofMaxLength(200))
                .filter(s -> s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF));
    }

    @Property(tries = 2000)
    void encodeThenDecodeIsTheIdentity(@ForAll("anyValidString") String s) {
        assertEquals(java.util.Arrays.toString(s.codePoints().toArray()),
                java.util.Arrays.toString(SMALL.decode(SMALL.encode(s)).codePoints().toArray()));
    }

    @Property(tries = 300)
    void heapMergeAgreesWithTheReference(@ForAll("longWords") String s) {
        assertArrayEquals(referenceEncode(SMALL, s), SMALL.encode(s));
    }

    @Provide
    Arbitrary<String> longWords() {
        return Arbitraries.strings().withChars("theandofs").ofMinLength(90).ofMaxLength(400);
    }

    @Test
    void agreesWithTheReferenceOnShakespeare() {
        String s = Corpus.shakespeare().substring(100_000, 160_000);
        assertArrayEquals(referenceEncode(SMALL, s), SMALL.encode(s));
    }

    @Test
    void huggingFaceJsonRoundTrips() {
        BpeTokenizer back = BpeTokenizer.fromHuggingFaceJson(SMALL.toHuggingFaceJson());
        assertEquals(SMALL.digest(), back.digest());
        String s = Corpus.slice(20_000);
        assertArrayEquals(SMALL.encode(s), back.encode(s));
        assertEquals(SMALL.endOfTextId(), back.endOfTextId());
    }

    @Test
    void refusesWhatItCannotReproduce() {
        String json = new String(SMALL.toHuggingFaceJson(), StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpeTokenizer.fromHuggingFaceJson(json.replace("\"BPE\"", "\"WordPiece\"").getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("model.type"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BpeTokenizer.fromHuggingFaceJson(json.replace("\"ignore_merges\" : false", "\"ignore_merges\" : true").getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("ignore_merges"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.fromHuggingFaceJson("{".getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The textbook algorithm, written independently: pre-tokenise with java.util.regex, then for each word
     * repeatedly merge the adjacent pair whose merge has the lowest rank (leftmost first), reading ranks from
     * the exported tokenizer.json.
     */
    static int[] referenceEncode(BpeTokenizer t, String text) {
        com.fasterxml.jackson.databind.JsonNode model;
        try {
            model = new com.fasterxml.jackson.databind.ObjectMapper().readTree(t.toHuggingFaceJson()).get("model");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        java.util.Map<String, Integer> vocab = new java.util.HashMap<>();
        model.get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        java.util.Map<String, Integer> rank = new java.util.HashMap<>();
        for (int r = 0; r < model.get("merges").size(); r++) rank.putIfAbsent(model.get("merges").get(r).asText(), r);
        List<Integer> out = new ArrayList<>();
        for (String word : GptPreTokenizerTest.byRegex(text)) {
            List<String> syms = new ArrayList<>();
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) syms.add(String.valueOf(ByteLevel.BYTE_TO_CHAR[b & 0xFF]));
            while (true) {
                int best = Integer.MAX_VALUE, pos = -1;
                for (int i = 0; i + 1 < syms.size(); i++) {
                    Integer r = rank.get(syms.get(i) + " " + syms.get(i + 1));
                    if (r != null && r < best) { best = r; pos = i; }
                }
                if (pos < 0) break;
                syms.set(pos, syms.get(pos) + syms.remove(pos + 1));
            }
            for (String s : syms) out.add(vocab.get(s));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
