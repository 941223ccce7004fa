package dev.cairn.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * C2SP tlog-cosignature (cosignature/v1, Ed25519): a witness signs {@code "cosignature/v1\ntime T\n" + checkpoint text}
 * and the note line is {@code — NAME base64(keyID || u64be(T) || signature)}, keyID = SHA-256(NAME || 0x0A || 0x04 || key)[:4].
 */
public final class Cosignature {
    private static final String DASH = "\u2014 ";

    private Cosignature() {}

    public static byte[] keyId(String name, Identity key) {
        MessageDigest md = MerkleTree.sha256();
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x0A);
        md.update((byte) 0x04);
        md.update(key.publicKey());
        return Arrays.copyOf(md.digest(), 4);
    }

    static byte[] message(String checkpointText, long time) {
        return ("cosignature/v1\ntime " + time + "\n" + checkpointText).getBytes(StandardCharsets.UTF_8);
    }

    /** The signature line a witness adds to the checkpoint note. */
    public static String sign(String checkpointText, String name, SigningKey key, long timeSeconds) {
        byte[] sig = key.sign(message(checkpointText, timeSeconds));
        byte[] blob = ByteBuffer.allocate(4 + 8 + sig.length).put(keyId(name, key.identity())).putLong(timeSeconds).put(sig).array();
        return DASH + name + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    /** Whether {@code note} (a signed checkpoint with lines appended) carries a valid cosignature by this witness. */
    public static boolean verify(String note, String name, Identity key) {
        int split = note.lastIndexOf("\n\n");
        if (split < 0) return false;
        String text = note.substring(0, split + 1);
        byte[] id = keyId(name, key);
        for (String line : note.substring(split + 2).split("\n")) {
            if (!line.startsWith(DASH + name + " ")) continue;
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(line.substring(DASH.length() + name.length() + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (blob.length != 4 + 8 + 64 || !Arrays.equals(blob, 0, 4, id, 0, 4)) continue;
            long time = ByteBuffer.wrap(blob, 4, 8).getLong();
            if (key.verify(message(text, time), Arrays.copyOfRange(blob, 12, 76))) return true;
        }
        return false;
    }
}
