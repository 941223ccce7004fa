package dev.cairn.ledger;

import java.util.HexFormat;

/** Lower-case hexadecimal, the one spelling of digests and key ids everywhere in Cairn. */
public final class Hex {
    private static final HexFormat LOWER = HexFormat.of();

    private Hex() {}

    public static String encode(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /** Decodes hex (either case); throws {@link IllegalArgumentException} naming the bad input. */
    public static byte[] decode(String hex) {
        try {
            return LOWER.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not hexadecimal: \"" + abbreviate(hex) + "\"", e);
        }
    }

    /** Input quoted in an error message: control characters escaped (the message stays one line), at most 80 chars. */
    static String abbreviate(String s) {
        String t = s.length() <= 80 ? s : s.substring(0, 77) + "...";
        return escapeControls(t);
    }

    /** A message that quotes input, as one line of at most 300 characters. */
    public static String oneLine(String s) {
        String t = escapeControls(String.valueOf(s));
        return t.length() <= 300 ? t : t.substring(0, 297) + "...";
    }

    /** Control and line-separator characters escaped as backslash sequences: for quoting input in one-line messages. */
    public static String escapeControls(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (control && sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (sb == null) continue;
            if (!control) sb.append(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else sb.append(String.format("\\u%04x", (int) c));
        }
        return sb == null ? s : sb.toString();
    }
}
