package dev.cairn.model;

/**
 * Per-layer activation buffers for activation recomputation: the last {@code kept} layers have their own, the
 * layers below share one set (or a few, taken in turn), which the backward pass refills from each layer's kept
 * input before that layer's gradients.
 */
final class Activations {
    private final int shared; // layers [0, shared) share

    Activations(int layers, int kept) {
        this.shared = layers - Math.min(layers, kept);
    }

    /** How many sets of one layer's buffers {@code kept} kept layers of {@code layers} take. */
    static int sets(int layers, int kept) {
        int own = Math.min(layers, kept);
        return own + (own < layers ? 1 : 0);
    }

    /** L buffers of n floats, the shared layers' being one array. */
    float[][] perLayer(int layers, int n) {
        return perLayer(layers, n, 1);
    }

    /**
     * As {@link #perLayer(int, int)} with {@code turns} arrays among the shared layers (layer l has l % turns),
     * for a buffer that layer l+1's gradients still read while layer l is recomputed.
     */
    float[][] perLayer(int layers, int n, int turns) {
        float[][] out = new float[layers][];
        float[][] common = new float[Math.min(turns, Math.max(shared, 1))][];
        for (int l = 0; l < layers; l++) {
            if (l >= shared) out[l] = new float[n];
            else out[l] = common[l % common.length] != null ? common[l % common.length] : (common[l % common.length] = new float[n]);
        }
        return out;
    }

    /** Whether layer l's buffers were overwritten by a later layer's forward pass (all but the last shared layer). */
    boolean recomputed(int l) {
        return l < shared - 1;
    }
}
