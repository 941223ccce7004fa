package dev.cairn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every parameter tensor lives in the one flat buffer (llm.c's {@code fill_in_parameter_sizes}).
 * Per-layer tensors are stacked over layers. Linear weights are stored (in, out), the transpose of
 * PyTorch's {@code nn.Linear.weight}, so the forward product is vectorised over output channels; the
 * token embedding is (V, C) as in GPT-2 and doubles as the tied output head.
 */
public final class ParameterLayout {
    /** One named tensor: [offset, offset + size) in the flat buffer. decay: AdamW weight decay applies. */
    public record Tensor(String name, int offset, int[] shape, boolean decay) {
        public int size() {
            int n = 1;
            for (int s : shape) n *= s;
            return n;
        }
    }

    public final Tensor wte;      // (V, C)
    public final Tensor wpe;      // (T, C)
    public final Tensor ln1w;     // (L, C)
    public final Tensor ln1b;     // (L, C) or empty without bias
    public final Tensor qkvw;     // (L, C, 3C)
    public final Tensor qkvb;     // (L, 3C)
    public final Tensor attprojw; // (L, C, C)
    public final Tensor attprojb; // (L, C)
    public final Tensor ln2w;     // (L, C)
    public final Tensor ln2b;     // (L, C)
    public final Tensor fcw;      // (L, C, 4C)
    public final Tensor fcb;      // (L, 4C)
    public final Tensor fcprojw;  // (L, 4C, C)
    public final Tensor fcprojb;  // (L, C)
    public final Tensor lnfw;     // (C)
    public final Tensor lnfb;     // (C)
    private final List<Tensor> tensors;
    private final int total;

    public ParameterLayout(GptConfig cfg) {
        int V = cfg.vocabSize(), T = cfg.contextLen(), L = cfg.layers(), C = cfg.embd();
        int b = cfg.bias() ? 1 : 0;
        List<Tensor> list = new ArrayList<>();
        int[] off = {0};
        wte = add(list, off, "wte", true, V, C);
        wpe = add(list, off, "wpe", true, T, C);
        ln1w = add(list, off, "ln1w", false, L, C);
        ln1b = add(list, off, "ln1b", false, L, C * b);
        qkvw = add(list, off, "qkvw", true, L, C, 3 * C);
        qkvb = add(list, off, "qkvb", false, L, 3 * C * b);
        attprojw = add(list, off, "attprojw", true, L, C, C);
        attprojb = add(list, off, "attprojb", false, L, C * b);
        ln2w = add(list, off, "ln2w", false, L, C);
        ln2b = add(list, off, "ln2b", false, L, C * b);
        fcw = add(list, off, "fcw", true, L, C, 4 * C);
        fcb = add(list, off, "fcb", false, L, 4 * C * b);
        fcprojw = add(list, off, "fcprojw", true, L, 4 * C, C);
        fcprojb = add(list, off, "fcprojb", false, L, C * b);
        lnfw = add(list, off, "lnfw", false, C);
        lnfb = add(list, off, "lnfb", false, C * b);
        tensors = Collections.unmodifiableList(list);
        total = off[0];
    }

    /** Appends a tensor of this shape at off[0] (advanced past it); refuses a buffer past int indexing. Shared with {@link LlamaLayout}. */
    static Tensor add(List<Tensor> list, int[] off, String name, boolean decay, int... shape) {
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

    /** Total parameter count. */
    public int size() {
        return total;
    }

    /** Name to tensor, in buffer order. */
    public Map<String, Tensor> byName() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) m.put(t.name(), t);
        return m;
    }
}
