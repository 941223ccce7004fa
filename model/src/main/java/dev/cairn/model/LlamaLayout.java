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
        embed = ParameterLayout.add(list, off, "embed", true, V, C);
        attnNorm = ParameterLayout.add(list, off, "attn_norm", false, L, C);
        qkvw = ParameterLayout.add(list, off, "qkvw", true, L, C, cfg.qkvWidth());
        wo = ParameterLayout.add(list, off, "wo", true, L, C, C);
        mlpNorm = ParameterLayout.add(list, off, "mlp_norm", false, L, C);
        gateUpw = ParameterLayout.add(list, off, "gate_upw", true, L, C, 2 * F);
        downw = ParameterLayout.add(list, off, "downw", true, L, F, C);
        norm = ParameterLayout.add(list, off, "norm", false, C);
        head = cfg.tied() ? null : ParameterLayout.add(list, off, "head", true, V, C);
        tensors = Collections.unmodifiableList(list);
        total = off[0];
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
