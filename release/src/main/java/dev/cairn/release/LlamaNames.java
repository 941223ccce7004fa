package dev.cairn.release;

import dev.cairn.model.LlamaConfig;
import dev.cairn.model.LlamaLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each tensor of Hugging Face's {@code LlamaForCausalLM} lives in Cairn's flat buffer. nn.Linear weights are
 * (out, in); Cairn stores (in, out) with q | k | v and gate | up fused by columns, so a linear tensor is the
 * transpose of a column block: HF[o][i] = params[offset + i * ld + col0 + o]. Norms and the embedding are
 * contiguous slices.
 */
final class LlamaNames {
    /** One Hugging Face tensor: its name and shape, and its place in the flat buffer. */
    record Slot(String name, long[] shape, int offset, int ld, int col0, boolean linear) {
        int count() {
            long n = 1;
            for (long s : shape) n *= s;
            return (int) n;
        }
    }

    private LlamaNames() {}

    /** Every tensor in the order transformers writes them. {@code lm_head.weight} only when untied. */
    static List<Slot> slots(LlamaConfig cfg) {
        LlamaLayout P = new LlamaLayout(cfg);
        int C = cfg.embd(), V = cfg.vocabSize(), F = cfg.hidden(), Q = cfg.qkvWidth(), kv = cfg.kvHeads() * cfg.headSize();
        List<Slot> s = new ArrayList<>();
        s.add(new Slot("model.embed_tokens.weight", new long[] {V, C}, P.embed.offset(), 0, 0, false));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "model.layers." + l + ".";
            int qkv = P.qkvw.offset() + l * C * Q, gu = P.gateUpw.offset() + l * C * 2 * F;
            s.add(new Slot(h + "self_attn.q_proj.weight", new long[] {C, C}, qkv, Q, 0, true));
            s.add(new Slot(h + "self_attn.k_proj.weight", new long[] {kv, C}, qkv, Q, C, true));
            s.add(new Slot(h + "self_attn.v_proj.weight", new long[] {kv, C}, qkv, Q, C + kv, true));
            s.add(new Slot(h + "self_attn.o_proj.weight", new long[] {C, C}, P.wo.offset() + l * C * C, C, 0, true));
            s.add(new Slot(h + "mlp.gate_proj.weight", new long[] {F, C}, gu, 2 * F, 0, true));
            s.add(new Slot(h + "mlp.up_proj.weight", new long[] {F, C}, gu, 2 * F, F, true));
            s.add(new Slot(h + "mlp.down_proj.weight", new long[] {C, F}, P.downw.offset() + l * F * C, C, 0, true));
            s.add(new Slot(h + "input_layernorm.weight", new long[] {C}, P.attnNorm.offset() + l * C, 0, 0, false));
            s.add(new Slot(h + "post_attention_layernorm.weight", new long[] {C}, P.mlpNorm.offset() + l * C, 0, 0, false));
        }
        s.add(new Slot("model.norm.weight", new long[] {C}, P.norm.offset(), 0, 0, false));
        if (!cfg.tied()) s.add(new Slot("lm_head.weight", new long[] {V, C}, P.head.offset(), 0, 0, false));
        return s;
    }

    /** The tensor in Hugging Face's layout (row-major), copied out of the flat buffer. */
    static float[] extract(Slot s, float[] params) {
        float[] out = new float[s.count()];
        if (!s.linear()) {
            System.arraycopy(params, s.offset(), out, 0, out.length);
            return out;
        }
        int rows = (int) s.shape()[0], cols = (int) s.shape()[1]; // (out, in)
        for (int o = 0; o < rows; o++) {
            for (int i = 0; i < cols; i++) out[o * cols + i] = params[s.offset() + i * s.ld() + s.col0() + o];
        }
        return out;
    }

    /** The inverse of {@link #extract}: the tensor in Hugging Face's layout written into the flat buffer. */
    static void insert(Slot s, float[] hf, float[] params) {
        if (!s.linear()) {
            System.arraycopy(hf, 0, params, s.offset(), hf.length);
            return;
        }
        int rows = (int) s.shape()[0], cols = (int) s.shape()[1];
        for (int o = 0; o < rows; o++) {
            for (int i = 0; i < cols; i++) params[s.offset() + i * s.ld() + s.col0() + o] = hf[o * cols + i];
        }
    }

    /** Buffers some Llama files carry that are not parameters (older transformers' rotary inverse frequencies). */
    static boolean isNonParameterBuffer(String name) {
        return name.matches("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");
    }
}
