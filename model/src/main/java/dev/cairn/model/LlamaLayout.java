package dev.cairn.model;

import dev.cairn.model.ParameterLayout.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where every Llama parameter lives in the one flat buffer. Linear weights are stored (in, out), the transpose
 * of PyTorch's {@code nn.Linear.weight}; q, k and v are one fused matrix (columns q | k | v), as are the
 * MLP's gate and up projections (columns gate | up). The token embedding and the untied head are (V, C).
 */
public final class LlamaLayout {
    public final Tensor embed;    // (V, C)
    public final Tensor attnNorm; // (L, C)
    public final Tensor qkvw;     // (L, C, C + 2*KV*hs)
    public final Tensor wo;       // (L, C, C)
    public final Tensor mlpNorm;  // (L, C)
    public final Tensor gateUpw;  // (L, C, 2F)
    public final Tensor downw;    // (L, F, C)
    public final Tensor norm;     // (C)
    public final Tensor head;     // (V, C), null when tied to embed
    private final List<Tensor> tensors;
    private final int total;

    public LlamaLayout(LlamaConfig cfg) {
        int V = cfg.vocabSize(), L = cfg.layers(), C = cfg.embd(), F = cfg.hidden();
        List<Tensor> list = new ArrayList<>();
        int[] off = {0};
        embed = add(list, off, "embed", true, V, C);
        attnNorm = add(list, off, "attn_norm", false, L, C);
        qkvw = add(list, off, "qkvw", true, L, C, cfg.qkvWidth());
        wo = add(list, off, "wo", true, L, C, C);
        mlpNorm = add(list, off, "mlp_norm", false, L, C);
        gateUpw = add(list, off, "gate_upw", true, L, C, 2 * F);
        downw = add(list, off, "downw", true, L, F, C);
        norm = add(list, off, "norm", false, C);
        head = cfg.tied() ? null : add(list, off, "head", true, V, C);
        tensors = Collections.unmodifiableList(list);
        total = off[0];
    }

    private static Tensor add(List<Tensor> list, int[] off, String name, boolean decay, int... shape) {
        long n = 1;
        for (int s : shape) n *= s;
        if (off[0] + n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("model too large for one buffer");
        Tensor t = new Tensor(name, off[0], shape, decay);
        list.add(t);
        off[0] += (int) n;
        return t;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** The output head: the untied head, or the embedding. */
    public Tensor output() {
        return head != null ? head : embed;
    }

    public boolean stackedOverLayers(Tensor t) {
        return t == attnNorm || t == qkvw || t == wo || t == mlpNorm || t == gateUpw || t == downw;
    }

    public int size() {
        return total;
    }
}
