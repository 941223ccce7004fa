package dev.cairn.data;

/**
 * GPT-2's reversible byte-to-character map (the "ByteLevel" alphabet of Hugging Face {@code tokenizers}):
 * printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in byte order. Vocabulary and
 * merge strings in {@code tokenizer.json} are written in this alphabet (a space is {@code Ġ}, U+0120).
 */
final class ByteLevel {
    private ByteLevel() {}

    /** BYTE_TO_CHAR[b] is the character standing for byte b (0..255). */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** CHAR_TO_BYTE[c] is the byte a character stands for, or -1; indexed by char value below 0x200. */
    private static final short[] CHAR_TO_BYTE = new short[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    /** The byte a character stands for, or -1 when it is not in the alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The alphabet string for a byte sequence. */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** The bytes an alphabet string stands for; throws if a character is outside the alphabet. */
    static byte[] decode(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            int b = byteOf(s.charAt(i));
            if (b < 0) {
                throw new IllegalArgumentException("token " + quote(s) + " has character U+"
                        + String.format("%04X", (int) s.charAt(i)) + " outside the ByteLevel alphabet");
            }
            out[i] = (byte) b;
        }
        return out;
    }

    static String quote(String s) {
        return "\"" + dev.cairn.ledger.Hex.escapeControls(s.replace("\\", "\\\\").replace("\"", "\\\"")) + "\"";
    }
}
