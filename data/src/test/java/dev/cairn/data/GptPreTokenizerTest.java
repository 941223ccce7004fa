package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class GptPreTokenizerTest {
    private static final Pattern GPT2 = Pattern.compile(GptPreTokenizer.REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> byRegex(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    static List<String> byScanner(String s) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            int e = GptPreTokenizer.nextEnd(s, i, s.length());
            out.add(s.substring(i, e));
            i = e;
        }
        return out;
    }

    @Test
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " world", "'s", "  ", " 123", "!!", "\n", "\n", "Bye", "  "),
                byScanner("Hello, world's   123!!\n\nBye  "));
        assertEquals(List.of("I", "'ll", " go", " '", "x", "\t", "\t", "y"), byScanner("I'll go 'x\t\ty"));
    }

    @Test
    void agreesWithTheRegexOnShakespeare() {
        String s = Corpus.slice(200_000);
        assertEquals(byRegex(s), byScanner(s));
    }

    @Provide
    Arbitrary<String> tricky() {
        return Arbitraries.strings()
                .withChars(" \t\n\r\u000B\f\u0085\u00A0\u2003\u3000'sdtmlrevAZaz09\u0661\u00BD.,!?-_\u00E9\u4E2D\u0300")
                .withCharRange('\u0000', '\u007F')
                .withChars("\uD83D\uDE00") // 😀 as a surrogate pair (and, independently drawn, lone halves)
                .ofMaxLength(40);
    }

    @Property(tries = 3000)
    void agreesWithTheRegex(@ForAll("tricky") String s) {
        assertEquals(byRegex(s), byScanner(s));
    }
}
