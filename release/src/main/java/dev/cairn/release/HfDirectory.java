package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.model.Gpt;
import dev.cairn.model.GptConfig;
import dev.cairn.model.LlamaConfig;
import dev.cairn.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face model directory, GPT-2 ({@code GPT2LMHeadModel}) or Llama ({@code LlamaForCausalLM}, see {@link LlamaHf}),
 * as {@code from_pretrained} and {@code AutoTokenizer} read it:
 * {@code model.safetensors} (or shards with {@code model.safetensors.index.json}), {@code config.json},
 * {@code generation_config.json}, {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json}.
 */
public final class HfDirectory {
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** config.json key saying whether the model has biases (GPT-2's always does; Cairn's default recipe has none). */
    static final String BIAS_KEY = "cairn_bias";

    private HfDirectory() {}

    /** Writes the directory's files (creating it); each file is written atomically. Returns the files written. */
    public static List<Path> write(Path dir, LoadedModel m, Dtype dtype, Map<String, String> metadata) throws IOException {
        Files.createDirectories(dir);
        ModelConfig cfg = m.config();
        List<Safetensors.Entry> entries = new ArrayList<>();
        if (cfg instanceof LlamaConfig lc) {
            entries = LlamaHf.entries(lc, m.params());
        } else {
            float[] zeros = new float[4 * cfg.embd()];
            for (Gpt2Names.Slot s : Gpt2Names.slots((GptConfig) cfg)) {
                entries.add(s.offset() < 0 ? new Safetensors.Entry(s.name(), s.shape(), zeros, 0)
                        : new Safetensors.Entry(s.name(), s.shape(), m.params(), s.offset()));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        List<Path> files = new ArrayList<>();
        Path weights = dir.resolve(WEIGHTS);
        Safetensors.write(weights, entries, meta, dtype);
        files.add(weights);
        files.add(json(dir.resolve("config.json"), config(m, dtype)));
        ModelTokenizer tok = m.tokenizer();
        int eot = tok.endOfTextId();
        ObjectNode gen = Safetensors.JSON.createObjectNode();
        gen.put("_from_model_config", true);
        if (eot >= 0) gen.put("bos_token_id", eot).put("eos_token_id", eot);
        files.add(json(dir.resolve("generation_config.json"), gen));
        Path tj = dir.resolve("tokenizer.json");
        Bundles.writeBytes(tj, tok.toHuggingFaceJson());
        files.add(tj);
        ObjectNode tc = Safetensors.JSON.createObjectNode();
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        tc.put("model_max_length", cfg.contextLen());
        tc.put("clean_up_tokenization_spaces", false);
        ObjectNode sm = Safetensors.JSON.createObjectNode();
        if (eot >= 0) {
            for (String k : List.of("bos_token", "eos_token", "unk_token")) {
                tc.put(k, dev.cairn.data.BpeTokenizer.END_OF_TEXT);
                sm.put(k, dev.cairn.data.BpeTokenizer.END_OF_TEXT);
            }
        }
        files.add(json(dir.resolve("tokenizer_config.json"), tc));
        files.add(json(dir.resolve("special_tokens_map.json"), sm));
        return files;
    }

    static ObjectNode config(LoadedModel m, Dtype dtype) {
        int eot = m.tokenizer().endOfTextId();
        if (m.config() instanceof LlamaConfig lc) return LlamaHf.config(lc, eot, dtype);
        GptConfig cfg = (GptConfig) m.config();
        ObjectNode c = Safetensors.JSON.createObjectNode();
        c.putArray("architectures").add("GPT2LMHeadModel");
        c.put("model_type", "gpt2");
        c.put("vocab_size", cfg.vocabSize());
        c.put("n_positions", cfg.contextLen());
        c.put("n_ctx", cfg.contextLen());
        c.put("n_embd", cfg.embd());
        c.put("n_layer", cfg.layers());
        c.put("n_head", cfg.heads());
        c.putNull("n_inner");
        c.put("activation_function", "gelu_new");
        c.put("layer_norm_epsilon", (double) Gpt.LN_EPS);
        c.put("resid_pdrop", 0.0).put("embd_pdrop", 0.0).put("attn_pdrop", 0.0);
        c.put("initializer_range", 0.02);
        c.put("scale_attn_weights", true);
        c.put("use_cache", true);
        if (eot >= 0) c.put("bos_token_id", eot).put("eos_token_id", eot);
        else c.putNull("bos_token_id").putNull("eos_token_id");
        c.put("tie_word_embeddings", true);
        c.put("torch_dtype", dtype.torchName());
        c.put(BIAS_KEY, cfg.bias());
        return c;
    }

    private static Path json(Path f, JsonNode n) throws IOException {
        return Bundles.writeBytes(f, Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    }

    /** Reads a GPT-2-family directory into Cairn's layout; every refusal names the file and the field or tensor. */
    public static LoadedModel read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such model directory");
        Path cf = dir.resolve("config.json");
        if (!Files.exists(cf)) throw new IllegalArgumentException(cf + ": missing (not a Hugging Face model directory)");
        JsonNode c;
        try {
            c = Safetensors.JSON.readTree(cf.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(cf + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (c == null || !c.isObject()) throw new IllegalArgumentException(cf + ": not a JSON object");
        boolean llama = c.path("model_type").asText("").equals("llama");
        ModelConfig cfg = llama ? LlamaHf.parseConfig(c, cf) : parseConfig(c, cf, anyNonZeroBias(c));
        Path tf = dir.resolve("tokenizer.json");
        if (!Files.exists(tf)) throw new IllegalArgumentException(tf + ": missing; Cairn needs the model's tokenizer.json");
        ModelTokenizer tok = ModelTokenizer.fromHuggingFaceJson(Files.readAllBytes(tf), tf.toString());
        if (tok.vocabSize() > cfg.vocabSize()) {
            throw new IllegalArgumentException(tf + ": the tokenizer has " + tok.vocabSize() + " tokens but config.json vocab_size is " + cfg.vocabSize());
        }
        float[] params = llama ? LlamaHf.readWeights(dir, (LlamaConfig) cfg) : readWeights(dir, (GptConfig) cfg);
        return new LoadedModel(cfg, params, tok);
    }

    /** An explicit cairn_bias wins; otherwise a GPT-2 file has biases. */
    private static Boolean anyNonZeroBias(JsonNode c) {
        JsonNode b = c.get(BIAS_KEY);
        return b == null || b.isNull() ? Boolean.TRUE : b.asBoolean();
    }

    static GptConfig parseConfig(JsonNode c, Path cf, boolean bias) {
        String type = c.path("model_type").asText("");
        if (!type.equals("gpt2")) throw new IllegalArgumentException(cf + ": model_type \"" + type + "\" is not supported (gpt2 and llama are)");
        int V = intField(c, cf, "vocab_size"), T = intField(c, cf, "n_positions"), C = intField(c, cf, "n_embd");
        int L = intField(c, cf, "n_layer"), H = intField(c, cf, "n_head");
        String act = c.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new IllegalArgumentException(cf + ": activation_function \"" + act + "\" is not supported (gelu_new is)");
        }
        if (c.hasNonNull("n_inner") && c.get("n_inner").asInt() != 4 * C) {
            throw new IllegalArgumentException(cf + ": n_inner " + c.get("n_inner") + " is not supported (4 * n_embd = " + 4 * C + ")");
        }
        if (c.has("layer_norm_epsilon") && (float) c.get("layer_norm_epsilon").asDouble() != Gpt.LN_EPS) {
            throw new IllegalArgumentException(cf + ": layer_norm_epsilon " + c.get("layer_norm_epsilon") + " is not supported (1e-05 is)");
        }
        if (c.has("tie_word_embeddings") && !c.get("tie_word_embeddings").asBoolean(true)) {
            throw new IllegalArgumentException(cf + ": tie_word_embeddings false is not supported by the gpt2 architecture here");
        }
        for (String flag : List.of("scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn")) {
            if (c.path(flag).asBoolean(false)) throw new IllegalArgumentException(cf + ": " + flag + " true is not supported");
        }
        if (c.has("scale_attn_weights") && !c.get("scale_attn_weights").asBoolean(true)) {
            throw new IllegalArgumentException(cf + ": scale_attn_weights false is not supported");
        }
        try {
            return new GptConfig(V, T, L, H, C, bias);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(cf + ": " + e.getMessage());
        }
    }

    private static int intField(JsonNode c, Path cf, String k) {
        JsonNode v = c.get(k);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(cf + ": " + k + " is " + (v == null ? "missing" : v + ", not a positive integer"));
        }
        return v.asInt();
    }

    private static float[] readWeights(Path dir, GptConfig cfg) throws IOException {
        Map<String, Path> where = new LinkedHashMap<>(); // bare tensor name -> shard
        List<Safetensors.Reader> readers = new ArrayList<>();
        try {
            Path single = dir.resolve(WEIGHTS), index = dir.resolve(INDEX);
            Map<Path, Safetensors.Reader> byFile = new HashMap<>();
            if (Files.exists(single)) {
                byFile.put(single, Safetensors.open(single));
            } else if (Files.exists(index)) {
                for (Path shard : shards(index)) byFile.put(shard, Safetensors.open(dir.resolve(shard.getFileName())));
            } else {
                throw new IllegalArgumentException(dir + ": neither " + WEIGHTS + " nor " + INDEX + " is there");
            }
            readers.addAll(byFile.values());
            Map<String, Safetensors.TensorInfo> tensors = new HashMap<>();
            Map<String, Safetensors.Reader> owner = new HashMap<>();
            for (Safetensors.Reader r : readers) {
                for (Safetensors.TensorInfo t : r.tensors().values()) {
                    String bare = Gpt2Names.bare(t.name());
                    if (tensors.put(bare, t) != null) throw new IllegalArgumentException(r.file() + ": tensor " + t.name() + " appears twice");
                    owner.put(bare, r);
                    where.put(bare, r.file());
                }
            }
            float[] params = new float[new dev.cairn.model.ParameterLayout(cfg).size()];
            Set<String> used = new HashSet<>();
            for (Gpt2Names.Slot s : Gpt2Names.slots(cfg)) {
                String bare = Gpt2Names.bare(s.name());
                Safetensors.TensorInfo t = tensors.get(bare);
                if (t == null) {
                    if (s.isBias() && s.offset() < 0) continue;
                    throw new IllegalArgumentException(dir + ": tensor " + s.name() + " is missing");
                }
                used.add(bare);
                if (!java.util.Arrays.equals(t.shape(), s.shape())) {
                    throw new IllegalArgumentException(where.get(bare) + ": tensor " + t.name() + " has shape " + java.util.Arrays.toString(t.shape())
                            + " but config.json implies " + java.util.Arrays.toString(s.shape()));
                }
                if (s.offset() >= 0) {
                    owner.get(bare).readInto(t, params, s.offset());
                } else {
                    float[] v = owner.get(bare).floats(t.name());
                    for (float x : v) {
                        if (x != 0f) throw new IllegalArgumentException(where.get(bare) + ": tensor " + t.name()
                                + " is not zero but config.json says " + BIAS_KEY + " false");
                    }
                }
            }
            for (String bare : tensors.keySet()) {
                if (used.contains(bare) || Gpt2Names.isNonParameterBuffer(bare)) continue;
                if (bare.equals("lm_head.weight")) {
                    float[] head = owner.get(bare).floats(tensors.get(bare).name());
                    int off = new dev.cairn.model.ParameterLayout(cfg).wte.offset();
                    if (!java.util.Arrays.equals(head, 0, head.length, params, off, off + head.length)) {
                        throw new IllegalArgumentException(where.get(bare) + ": tensor lm_head.weight differs from wte (an untied head is not supported)");
                    }
                    continue;
                }
                throw new IllegalArgumentException(where.get(bare) + ": unknown tensor " + tensors.get(bare).name() + " for a GPT-2 model");
            }
            return params;
        } finally {
            for (Safetensors.Reader r : readers) r.close();
        }
    }

    static List<Path> shards(Path index) throws IOException {
        JsonNode n;
        try {
            n = Safetensors.JSON.readTree(index.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(index + ": not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode map = n == null ? null : n.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) throw new IllegalArgumentException(index + ": weight_map is missing or empty");
        Set<Path> files = new java.util.TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = e.getValue().asText("");
            if (!f.matches("[A-Za-z0-9._-]+\\.safetensors")) {
                throw new IllegalArgumentException(index + ": weight_map[\"" + e.getKey() + "\"] = \"" + f + "\" is not a shard file name");
            }
            files.add(Path.of(f));
        }
        return new ArrayList<>(files);
    }
}
