package dev.cairn.training;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where a run that starts from an existing model ({@link Recipe#init()}: the base weights' canonical SHA-256) finds
 * those weights. The recipe pins only the digest; whoever trains, resumes or verifies registers resolvers (the
 * command line registers the models imported into its home), and every set of weights handed over is checked
 * against the digest before a trainer uses it.
 */
public final class BaseModels {
    /** Returns the flat weights whose canonical digest is {@code weightsSha256}, or null if it does not know them. */
    public interface Resolver {
        float[] weights(String weightsSha256) throws java.io.IOException;
    }

    private static final List<Resolver> RESOLVERS = new CopyOnWriteArrayList<>();
    private static final Map<String, float[]> CACHE = new ConcurrentHashMap<>();

    private BaseModels() {}

    public static void register(Resolver r) {
        RESOLVERS.add(r);
    }

    /** Weights known to match {@code digest} (already checked by the caller or checked here). */
    public static void offer(String digest, float[] weights) {
        if (!digest(weights).equals(digest)) throw new IllegalArgumentException("the offered base weights do not have digest " + digest);
        CACHE.put(digest, weights);
    }

    /** The base weights of a recipe, of {@code count} values, checked against the digest. */
    static float[] weights(String digest, int count) {
        float[] w = CACHE.get(digest);
        if (w == null) {
            for (Resolver r : RESOLVERS) {
                try {
                    w = r.weights(digest);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("base model " + digest.substring(0, 12) + ": " + e.getMessage());
                }
                if (w != null) break;
            }
            if (w == null) {
                throw new IllegalArgumentException("the recipe starts from base model weights " + digest.substring(0, 12)
                        + "…, which are not available here: import the base model into this home (cairn import hf DIR --name NAME)");
            }
            String got = digest(w);
            if (!got.equals(digest)) throw new IllegalArgumentException("base model weights have digest " + got + ", the recipe pins " + digest);
            CACHE.put(digest, w);
        }
        if (w.length != count) {
            throw new IllegalArgumentException("base model " + digest.substring(0, 12) + "… has " + w.length + " parameters; the recipe's model has " + count);
        }
        return w;
    }

    /** The canonical weights digest: SHA-256 of the flat parameters as little-endian float32. */
    public static String digest(float[] p) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < p.length; ) {
                int k = Math.min(p.length - i, buf.capacity() / 4);
                buf.clear();
                buf.asFloatBuffer().put(p, i, k);
                md.update(buf.array(), 0, 4 * k);
                i += k;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
