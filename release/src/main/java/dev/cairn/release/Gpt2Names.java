package dev.cairn.release;

import dev.cairn.model.GptConfig;
import dev.cairn.model.ParameterLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each tensor of Hugging Face's {@code GPT2LMHeadModel} lives in Cairn's flat buffer. GPT-2's Conv1D
 * weights are stored (in, out), which is Cairn's layout too, so every tensor is a contiguous slice: no
 * transposes. A model without biases maps its bias names to {@code offset = -1} (written as zeros).
 */
final class Gpt2Names {
    /** One Hugging Face tensor: its name, shape, and its slice of the flat buffer ({@code offset} -1: absent). */
    record Slot(String name, long[] shape, int offset, boolean isBias) {
        long count() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    private Gpt2Names() {}

    /** Every tensor of the model in the order transformers writes them ({@code transformer.} prefix included). */
    static List<Slot> slots(GptConfig cfg) {
        ParameterLayout P = new ParameterLayout(cfg);
        int C = cfg.embd(), V = cfg.vocabSize(), T = cfg.contextLen();
        boolean b = cfg.bias();
        List<Slot> s = new ArrayList<>();
        s.add(new Slot("transformer.wte.weight", new long[] {V, C}, P.wte.offset(), false));
        s.add(new Slot("transformer.wpe.weight", new long[] {T, C}, P.wpe.offset(), false));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "transformer.h." + l + ".";
            s.add(new Slot(h + "ln_1.weight", new long[] {C}, P.ln1w.offset() + l * C, false));
            s.add(new Slot(h + "ln_1.bias", new long[] {C}, b ? P.ln1b.offset() + l * C : -1, true));
            s.add(new Slot(h + "attn.c_attn.weight", new long[] {C, 3L * C}, P.qkvw.offset() + l * C * 3 * C, false));
            s.add(new Slot(h + "attn.c_attn.bias", new long[] {3L * C}, b ? P.qkvb.offset() + l * 3 * C : -1, true));
            s.add(new Slot(h + "attn.c_proj.weight", new long[] {C, C}, P.attprojw.offset() + l * C * C, false));
            s.add(new Slot(h + "attn.c_proj.bias", new long[] {C}, b ? P.attprojb.offset() + l * C : -1, true));
            s.add(new Slot(h + "ln_2.weight", new long[] {C}, P.ln2w.offset() + l * C, false));
            s.add(new Slot(h + "ln_2.bias", new long[] {C}, b ? P.ln2b.offset() + l * C : -1, true));
            s.add(new Slot(h + "mlp.c_fc.weight", new long[] {C, 4L * C}, P.fcw.offset() + l * C * 4 * C, false));
            s.add(new Slot(h + "mlp.c_fc.bias", new long[] {4L * C}, b ? P.fcb.offset() + l * 4 * C : -1, true));
            s.add(new Slot(h + "mlp.c_proj.weight", new long[] {4L * C, C}, P.fcprojw.offset() + l * 4 * C * C, false));
            s.add(new Slot(h + "mlp.c_proj.bias", new long[] {C}, b ? P.fcprojb.offset() + l * C : -1, true));
        }
        s.add(new Slot("transformer.ln_f.weight", new long[] {C}, P.lnfw.offset(), false));
        s.add(new Slot("transformer.ln_f.bias", new long[] {C}, b ? P.lnfb.offset() : -1, true));
        return s;
    }

    /** The name without transformers' {@code transformer.} prefix, which files written by GPT2Model lack. */
    static String bare(String name) {
        return name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
    }

    /** Buffers older GPT-2 files carry that are not parameters (the causal mask); skipped on import. */
    static boolean isNonParameterBuffer(String bareName) {
        return bareName.matches("h\\.\\d+\\.attn\\.(bias|masked_bias)");
    }
}
