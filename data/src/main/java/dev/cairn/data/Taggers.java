package dev.cairn.data;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dolma-style taggers: each writes attributes named {@code tagger__attribute} that are kept beside the
 * document in the manifest. Filters then decide from the attributes, as the dataset's policy says.
 */
final class Taggers {
    private Taggers() {}

    static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    /** International (+CC ...), bracketed area code, or North-American 3-3-4 numbers. */
    static final Pattern PHONE = Pattern.compile(
            "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?\\(?\\d{1,4}\\)?(?:[ .-]?\\d{2,4}){2,4}"
                    + "|\\(\\d{2,4}\\)[ .-]?\\d{3,4}[ .-]?\\d{3,4}"
                    + "|\\d{3}[.-]\\d{3}[.-]\\d{4})(?!\\w)");
    static final String EMAIL_MASK = "|||EMAIL_ADDRESS|||";
    static final String PHONE_MASK = "|||PHONE_NUMBER|||";

    /** PII spans found in a text: char offsets [start, end) and the kind. */
    record Span(int start, int end, String kind) {}

    static List<Span> pii(String text) {
        List<Span> spans = new ArrayList<>();
        Matcher m = EMAIL.matcher(text);
        while (m.find()) spans.add(new Span(m.start(), m.end(), "email"));
        m = PHONE.matcher(text);
        while (m.find()) {
            int s = m.start(), e = m.end();
            if (spans.stream().noneMatch(x -> x.start() < e && s < x.end())) spans.add(new Span(s, e, "phone"));
        }
        spans.sort((a, b) -> Integer.compare(a.start(), b.start()));
        return spans;
    }

    static String redact(String text, List<Span> spans) {
        StringBuilder sb = new StringBuilder(text.length());
        int at = 0;
        for (Span s : spans) {
            sb.append(text, at, s.start()).append(s.kind().equals("email") ? EMAIL_MASK : PHONE_MASK);
            at = s.end();
        }
        return sb.append(text, at, text.length()).toString();
    }

    static ArrayNode spansJson(List<Span> spans, String kind) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Span s : spans) if (s.kind().equals(kind)) a.addArray().add(s.start()).add(s.end());
        return a;
    }

    /** Gopher-style quality measurements (Rae et al. 2021, appendix A) and the verdict. */
    record Quality(int words, double meanWordLength, double symbolRatio, double alphaWordFraction,
                   double linesEndingInPunctuation, String failure) {}

    static final double MIN_MEAN_WORD_LENGTH = 3, MAX_MEAN_WORD_LENGTH = 10, MAX_SYMBOL_RATIO = 0.1,
            MIN_ALPHA_WORDS = 0.8, MIN_LINES_ENDING_IN_PUNCTUATION = 0.1;

    static Quality quality(String text) {
        String[] words = text.trim().isEmpty() ? new String[0] : text.trim().split("\\s+");
        long letters = 0;
        int alpha = 0;
        for (String w : words) {
            letters += w.codePointCount(0, w.length());
            if (w.codePoints().anyMatch(Character::isLetter)) alpha++;
        }
        int symbols = count(text, "#") + count(text, "...") + count(text, "\u2026");
        int lines = 0, punct = 0;
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            lines++;
            char last = l.charAt(l.length() - 1);
            if (".!?,;:'\"\u201D\u2019)".indexOf(last) >= 0) punct++;
        }
        int n = words.length;
        double mean = n == 0 ? 0 : letters / (double) n;
        double sym = n == 0 ? 0 : symbols / (double) n;
        double alphaFrac = n == 0 ? 0 : alpha / (double) n;
        double punctFrac = lines == 0 ? 0 : punct / (double) lines;
        String failure = null;
        if (n == 0) failure = "no words";
        else if (mean < MIN_MEAN_WORD_LENGTH || mean > MAX_MEAN_WORD_LENGTH) failure = "mean word length";
        else if (sym > MAX_SYMBOL_RATIO) failure = "symbol ratio";
        else if (alphaFrac < MIN_ALPHA_WORDS) failure = "alphabetic words";
        else if (punctFrac < MIN_LINES_ENDING_IN_PUNCTUATION) failure = "lines ending in punctuation";
        return new Quality(n, round(mean), round(sym), round(alphaFrac), round(punctFrac), failure);
    }

    static ObjectNode qualityJson(Quality q) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cairn_quality__words", q.words());
        o.put("cairn_quality__mean_word_length", q.meanWordLength());
        o.put("cairn_quality__symbol_ratio", q.symbolRatio());
        o.put("cairn_quality__alphabetic_word_fraction", q.alphaWordFraction());
        o.put("cairn_quality__lines_ending_in_punctuation", q.linesEndingInPunctuation());
        return o;
    }

    private static int count(String s, String sub) {
        int c = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) c++;
        return c;
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }
}
