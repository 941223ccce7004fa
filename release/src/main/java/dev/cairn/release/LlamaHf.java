package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama half of {@link HfDirectory}: {@code LlamaForCausalLM}'s tensors and {@code config.json}
 * ({@code model_type} llama). Every refusal names the file and the field or tensor.
 */
final class LlamaHf {
    private LlamaHf() {}

    static List<Safetensors.Entry> entries(LlamaConfig cfg, float[] params) {
        List<Safetensors.Entry> out = new ArrayList<>();
        for (LlamaNames.Slot s : LlamaNames.slots(cfg)) out.add(new Safetensors.Entry(s.name(), s.shape(), LlamaNames.extract(s, params), 0));
        return out;
    }

    static ObjectNode config(LlamaConfig cfg, int eot, Dtype dtype) {
        ObjectNode c = Safetensors.JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", cfg.vocabSize());
        c.put("hidden_size", cfg.embd());
        c.put("intermediate_size", cfg.hidden());
        c.put("num_hidden_layers", cfg.layers());
        c.put("num_attention_heads", cfg.heads());
        c.put("num_key_value_heads", cfg.kvHeads());
        c.put("head_dim", cfg.headSize());
        c.put("max_position_embeddings", cfg.contextLen());
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", (double) cfg.normEps());
        c.put("rope_theta", cfg.ropeTheta());
        c.putNull("rope_scaling");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("pretraining_tp", 1);
        c.put("initializer_range", 0.02);
        c.put("use_cache", true);
        c.put("tie_word_embeddings", cfg.tied());
        if (eot >= 0) c.put("bos_token_id", eot).put("eos_token_id", eot);
        else c.putNull("bos_token_id").putNull("eos_token_id");
        c.put("torch_dtype", dtype.torchName());
        return c;
    }

    static LlamaConfig parseConfig(JsonNode c, Path cf) {
        int V = intField(c, cf, "vocab_size"), C = intField(c, cf, "hidden_size"), F = intField(c, cf, "intermediate_size");
        int L = intField(c, cf, "num_hidden_layers"), H = intField(c, cf, "num_attention_heads");
        int KV = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull() ? intField(c, cf, "num_key_value_heads") : H;
        int T = intField(c, cf, "max_position_embeddings");
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) throw new IllegalArgumentException(cf + ": hidden_act \"" + act + "\" is not supported (silu is)");
        for (String flag : List.of("attention_bias", "mlp_bias")) {
            if (c.path(flag).asBoolean(false)) throw new IllegalArgumentException(cf + ": " + flag + " true is not supported (Cairn's Llama has no biases)");
        }
        if (c.hasNonNull("rope_scaling")) throw new IllegalArgumentException(cf + ": rope_scaling " + c.get("rope_scaling") + " is not supported (null is)");
        if (c.hasNonNull("pretraining_tp") && c.get("pretraining_tp").asInt() != 1) {
            throw new IllegalArgumentException(cf + ": pretraining_tp " + c.get("pretraining_tp") + " is not supported (1 is)");
        }
        if (c.hasNonNull("head_dim") && (!c.get("head_dim").canConvertToInt() || H * c.get("head_dim").asInt() != C)) {
            throw new IllegalArgumentException(cf + ": head_dim " + c.get("head_dim") + " is not hidden_size / num_attention_heads (" + C + " / " + H + ")");
        }
        double theta = number(c, cf, "rope_theta", LlamaConfig.DEFAULT_ROPE_THETA);
        float eps = (float) number(c, cf, "rms_norm_eps", 1e-6);
        boolean tied = c.path("tie_word_embeddings").asBoolean(false); // transformers' LlamaConfig default is untied
        if (C % H != 0) throw new IllegalArgumentException(cf + ": num_attention_heads (" + H + ") must divide hidden_size (" + C + ")");
        if (H % KV != 0) throw new IllegalArgumentException(cf + ": num_key_value_heads (" + KV + ") must divide num_attention_heads (" + H + ")");
        if (C / H % 2 != 0) {
            throw new IllegalArgumentException(cf + ": head size (hidden_size / num_attention_heads = " + C / H + ") must be even for rotary embeddings");
        }
        try {
            return new LlamaConfig(V, T, L, H, KV, C, F, theta, eps, tied);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(cf + ": " + e.getMessage());
        }
    }

    private static double number(JsonNode c, Path cf, String k, double dflt) {
        JsonNode v = c.get(k);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new IllegalArgumentException(cf + ": " + k + " is " + v + ", not a positive number");
        }
        return v.asDouble();
    }

    private static int intField(JsonNode c, Path cf, String k) {
        JsonNode v = c.get(k);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(cf + ": " + k + " is " + (v == null ? "missing" : v + ", not a positive integer"));
        }
        return v.asInt();
    }

    /** The weights of a Llama directory in Cairn's layout: every tensor present with config.json's shape, none unknown. */
    static float[] readWeights(Path dir, LlamaConfig cfg) throws IOException {
        List<Safetensors.Reader> readers = new ArrayList<>();
        try {
            Path single = dir.resolve(HfDirectory.WEIGHTS), index = dir.resolve(HfDirectory.INDEX);
            if (Files.exists(single)) {
                readers.add(Safetensors.open(single));
            } else if (Files.exists(index)) {
                for (Path shard : HfDirectory.shards(index)) readers.add(Safetensors.open(dir.resolve(shard.getFileName())));
            } else {
                throw new IllegalArgumentException(dir + ": neither " + HfDirectory.WEIGHTS + " nor " + HfDirectory.INDEX + " is there");
            }
            Map<String, Safetensors.TensorInfo> tensors = new HashMap<>();
            Map<String, Safetensors.Reader> owner = new HashMap<>();
            for (Safetensors.Reader r : readers) {
                for (Safetensors.TensorInfo t : r.tensors().values()) {
                    if (tensors.put(t.name(), t) != null) throw new IllegalArgumentException(r.file() + ": tensor " + t.name() + " appears twice");
                    owner.put(t.name(), r);
                }
            }
            float[] params = new float[cfg.parameterCount()];
            java.util.Set<String> used = new java.util.HashSet<>();
            for (LlamaNames.Slot s : LlamaNames.slots(cfg)) {
                Safetensors.TensorInfo t = tensors.get(s.name());
                if (t == null) {
                    throw new IllegalArgumentException(dir + ": tensor " + s.name() + " is missing"
                            + (s.name().equals("lm_head.weight") ? " (config.json says tie_word_embeddings false)" : ""));
                }
                used.add(s.name());
                if (!Arrays.equals(t.shape(), s.shape())) {
                    throw new IllegalArgumentException(owner.get(s.name()).file() + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                            + " but config.json implies " + Arrays.toString(s.shape()));
                }
                LlamaNames.insert(s, owner.get(s.name()).floats(t.name()), params);
            }
            for (String name : tensors.keySet()) {
                if (used.contains(name) || LlamaNames.isNonParameterBuffer(name)) continue;
                if (name.equals("lm_head.weight") && cfg.tied()) {
                    float[] head = owner.get(name).floats(name);
                    if (!Arrays.equals(head, Arrays.copyOf(params, head.length))) { // embed_tokens is the buffer's first tensor
                        throw new IllegalArgumentException(owner.get(name).file() + ": tensor lm_head.weight differs from model.embed_tokens.weight "
                                + "but config.json says tie_word_embeddings true");
                    }
                    continue;
                }
                throw new IllegalArgumentException(owner.get(name).file() + ": unknown tensor " + name + " for a Llama model");
            }
            return params;
        } finally {
            for (Safetensors.Reader r : readers) r.close();
        }
    }
}
