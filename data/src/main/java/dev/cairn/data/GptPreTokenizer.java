package dev.cairn.data;

/**
 * GPT-2's pre-tokenisation, the regular expression
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * that Hugging Face's ByteLevel pre-tokenizer applies, written as a scanner over chars so that splitting
 * allocates nothing. {@code \s} is Unicode White_Space (as in Oniguruma and fancy-regex); {@code \p{L}} and
 * {@code \p{N}} are the Unicode letter and number categories. A test pins it to {@link java.util.regex.Pattern}.
 */
final class GptPreTokenizer {
    private GptPreTokenizer() {}

    /** The regex this scanner implements, for tests (with {@code UNICODE_CHARACTER_CLASS}). */
    static final String REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = classifySlow(c);
    }

    private static byte classifySlow(int cp) {
        if (isWhiteSpace(cp)) return SPACE;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> { return LETTER; }
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> { return NUMBER; }
            default -> { return OTHER; }
        }
    }

    /** Unicode White_Space. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 9 && cp <= 13) || cp == ' ' || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private static byte classAt(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (c < 128) return ASCII[c];
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
            return classifySlow(Character.toCodePoint(c, s.charAt(i + 1)));
        }
        return classifySlow(c);
    }

    private static int charCount(CharSequence s, int i, int to) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
    }

    /** End (exclusive) of the pre-token that starts at {@code i}; {@code i < to}. */
    static int nextEnd(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < to) {
            char d = s.charAt(i + 1);
            if (d == 's' || d == 't' || d == 'm' || d == 'd') return i + 2;
            if (i + 2 < to) {
                char e = s.charAt(i + 2);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return i + 3;
            }
        }
        int j = i;
        if (c == ' ' && i + 1 < to) j = i + 1;
        byte cls = classAt(s, j, to);
        if (cls != SPACE) {
            int k = j + charCount(s, j, to);
            while (k < to && classAt(s, k, to) == cls) k += charCount(s, k, to);
            return k;
        }
        // whitespace run starting at i: \s+(?!\S) takes all but the last char when a non-space follows
        int k = i + 1;
        while (k < to && isWhiteSpace(s.charAt(k))) k++;
        if (k == to) return k;
        return k - 1 > i ? k - 1 : k;
    }
}
