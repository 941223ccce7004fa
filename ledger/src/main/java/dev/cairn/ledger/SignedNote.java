package dev.cairn.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * C2SP signed-note with Ed25519 (signature type 0x01): the note text, a blank line, then lines
 * {@code — NAME base64(keyID || signature)} where keyID = SHA-256(NAME || 0x0A || 0x01 || public key)[:4] and
 * the signature covers the text including its final newline. This is what makes a checkpoint checkable by
 * any tlog tooling (witnesses, {@code golang.org/x/mod/sumdb/note}).
 */
public final class SignedNote {
    private static final String DASH = "\u2014 ";

    private SignedNote() {}

    /** The 4-byte C2SP key ID of an Ed25519 key under {@code name}. */
    public static byte[] keyId(String name, Identity key) {
        MessageDigest md = MerkleTree.sha256();
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x0A);
        md.update((byte) 0x01);
        md.update(key.publicKey());
        return Arrays.copyOf(md.digest(), 4);
    }

    /** The verifier key string {@code name+hex(keyID)+base64(0x01 || public key)}. */
    public static String verifierKey(String name, Identity key) {
        byte[] typed = new byte[1 + Identity.KEY_SIZE];
        typed[0] = 0x01;
        System.arraycopy(key.publicKey(), 0, typed, 1, Identity.KEY_SIZE);
        return name + "+" + Hex.encode(keyId(name, key)) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    /** Signs {@code text} (which must end in a newline) as {@code name}. */
    public static String sign(String text, String name, SigningKey key) {
        checkText(text);
        checkName(name);
        byte[] sig = key.sign(text.getBytes(StandardCharsets.UTF_8));
        byte[] blob = ByteBuffer.allocate(4 + sig.length).put(keyId(name, key.identity())).put(sig).array();
        return text + "\n" + DASH + name + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    /** C2SP notes are a few hundred bytes; a checkpoint with cosignatures stays far below this. */
    static final int MAX_NOTE_CHARS = 1 << 20;

    /**
     * Returns the text of {@code note} if it carries a valid signature by {@code key} under {@code name};
     * signatures by other keys are ignored, as the spec requires; a failing one by this key is an error.
     */
    public static String verify(String note, String name, Identity key) {
        if (note.length() > MAX_NOTE_CHARS) throw new LedgerException("signed note is " + note.length() + " characters, over the limit of " + MAX_NOTE_CHARS);
        int split = note.lastIndexOf("\n\n");
        if (split < 0) throw new LedgerException("signed note has no blank line before its signatures");
        String text = note.substring(0, split + 1);
        checkText(text);
        byte[] wantId = keyId(name, key);
        boolean verified = false;
        String sigs = note.substring(split + 2);
        if (!sigs.endsWith("\n")) throw new LedgerException("signed note does not end in a newline");
        for (String line : sigs.split("\n")) {
            if (!line.startsWith(DASH)) throw new LedgerException("malformed signature line in signed note: " + Hex.abbreviate(line));
            String rest = line.substring(DASH.length());
            int sp = rest.lastIndexOf(' ');
            if (sp <= 0) throw new LedgerException("malformed signature line in signed note: " + Hex.abbreviate(line));
            String lineName = rest.substring(0, sp);
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(rest.substring(sp + 1));
            } catch (IllegalArgumentException e) {
                throw new LedgerException("signed note signature by " + Hex.abbreviate(lineName) + " is not base64");
            }
            if (blob.length < 4 || !lineName.equals(name) || !Arrays.equals(blob, 0, 4, wantId, 0, 4)) continue;
            byte[] sig = Arrays.copyOfRange(blob, 4, blob.length);
            if (!key.verify(text.getBytes(StandardCharsets.UTF_8), sig)) {
                throw new LedgerException("signed note signature by " + Hex.abbreviate(name) + " does not verify");
            }
            verified = true;
        }
        if (!verified) throw new LedgerException("signed note carries no signature by " + Hex.abbreviate(name) + " (key id "
                + Hex.encode(wantId) + ")");
        return text;
    }

    private static void checkText(String text) {
        if (!text.endsWith("\n")) throw new LedgerException("note text must end in a newline");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n') throw new LedgerException("note text contains a control character at " + i);
        }
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.contains(" ") || name.contains("+") || name.contains("\n")) {
            throw new LedgerException("bad signed-note key name \"" + Hex.abbreviate(name) + "\": no spaces, '+' or newlines");
        }
    }
}
