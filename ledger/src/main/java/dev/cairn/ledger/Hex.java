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

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
