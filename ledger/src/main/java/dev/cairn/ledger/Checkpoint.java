package dev.cairn.ledger;

import java.util.Base64;
import java.util.List;

/**
 * A C2SP tlog-checkpoint: origin line, decimal tree size, base64 root hash, optional extension lines; carried
 * as the text of a {@link SignedNote} signed by the log's key under the origin as key name.
 */
public record Checkpoint(String origin, long size, byte[] root, List<String> extensions) {
    public Checkpoint {
        if (origin == null || origin.isEmpty() || origin.contains("\n")) throw new LedgerException("bad checkpoint origin");
        if (size < 0) throw new LedgerException("negative checkpoint tree size");
        if (root == null || root.length != MerkleTree.HASH_SIZE) throw new LedgerException("checkpoint root must be 32 bytes");
        root = root.clone();
        extensions = List.copyOf(extensions);
    }

    public Checkpoint(String origin, long size, byte[] root) {
        this(origin, size, root, List.of());
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    public String rootHex() {
        return Hex.encode(root);
    }

    /** The note text: {@code origin\nsize\nbase64(root)\n[extensions\n]}. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(origin).append('\n').append(size).append('\n').append(Base64.getEncoder().encodeToString(root)).append('\n');
        for (String e : extensions) sb.append(e).append('\n');
        return sb.toString();
    }

    /** The signed checkpoint, signed as the origin. */
    public String sign(SigningKey logKey) {
        return SignedNote.sign(text(), origin, logKey);
    }

    /** Parses and verifies a signed checkpoint by {@code logKey}, whose origin must be {@code origin}. */
    public static Checkpoint verify(String signedNote, String origin, Identity logKey) {
        String text = SignedNote.verify(signedNote, origin, logKey);
        Checkpoint c = parseText(text);
        if (!c.origin.equals(origin)) throw new LedgerException("checkpoint origin \"" + Hex.abbreviate(c.origin) + "\" is not \"" + Hex.abbreviate(origin) + "\"");
        return c;
    }

    /** Parses checkpoint text (no signature check). */
    public static Checkpoint parseText(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length < 4 || !lines[lines.length - 1].isEmpty()) throw new LedgerException("checkpoint needs origin, size and root lines");
        long size;
        try {
            if (!lines[1].matches("0|[1-9][0-9]{0,18}")) throw new NumberFormatException();
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new LedgerException("checkpoint tree size is not a decimal number: " + Hex.abbreviate(lines[1]));
        }
        byte[] root;
        try {
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new LedgerException("checkpoint root is not base64");
        }
        return new Checkpoint(lines[0], size, root, List.of(lines).subList(3, lines.length - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && origin.equals(c.origin) && size == c.size
                && java.util.Arrays.equals(root, c.root) && extensions.equals(c.extensions);
    }

    @Override
    public int hashCode() {
        return origin.hashCode() * 31 + Long.hashCode(size);
    }
}
