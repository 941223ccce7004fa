package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.model.GptConfig;
import dev.cairn.model.LlamaConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GGUF v3 for llama.cpp, architecture {@code gpt2} or {@code llama}: little-endian header, metadata key-values, tensor
 * infos, then the tensors each aligned to 32 bytes. Tensors use llama.cpp's names and nn.Linear's (out, in) row-major
 * layout, so Cairn's (in, out) weights are transposed; dimensions are listed innermost first, as GGML does.
 * {@code output.weight} is written as a copy of the token embedding when the head is tied. For Llama, the rows of
 * {@code attn_q} and {@code attn_k} are permuted as llama.cpp's converter does (see {@link #ropePermute}).
 */
public final class Gguf {
    static final int MAGIC = 0x46554747; // "GGUF"
    static final int VERSION = 3;
    static final int ALIGNMENT = 32;
    static final int T_UINT32 = 4, T_INT32 = 5, T_FLOAT32 = 6, T_STRING = 8, T_ARRAY = 9;
    static final int GGML_F32 = 0, GGML_F16 = 1;

    private Gguf() {}

    /**
     * A tensor to write: a (rows, cols) row-major matrix or a vector (rows = 1), read from the flat buffer, or from
     * {@code data} (already in GGUF's row order) when that is not null.
     */
    record Tensor(String name, int rows, int cols, boolean transpose, int offset, boolean vector, float[] data) {
        Tensor(String name, int rows, int cols, boolean transpose, int offset, boolean vector) {
            this(name, rows, cols, transpose, offset, vector, null);
        }

        long count() {
            return (long) rows * cols;
        }
    }

    public static void write(Path file, LoadedModel m, Dtype dtype, String name) throws IOException {
        if (dtype == Dtype.BF16) throw new IllegalArgumentException("--dtype bf16 is not written to GGUF here; use f32 or f16");
        List<Tensor> tensors = m.config() instanceof LlamaConfig lc ? llamaTensors(lc, m.params()) : tensors((GptConfig) m.config());
        Map<String, Object[]> kv = metadata(m.config(), m.tokenizer(), dtype, name);
        var cfg = m.config();
        float[] zeros = new float[4 * cfg.embd()];
        ByteBuffer head = ByteBuffer.allocate(headerSize(kv, tensors)).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(MAGIC).putInt(VERSION).putLong(tensors.size()).putLong(kv.size());
        kv.forEach((k, v) -> {
            putString(head, k);
            putValue(head, (Integer) v[0], v[1]);
        });
        long off = 0;
        for (Tensor t : tensors) {
            putString(head, t.name());
            int type = t.vector() ? GGML_F32 : (dtype == Dtype.F16 ? GGML_F16 : GGML_F32); // norms and biases stay F32
            if (t.vector()) {
                head.putInt(1).putLong(t.cols());
            } else {
                head.putInt(2).putLong(t.cols()).putLong(t.rows());
            }
            head.putInt(type).putLong(off);
            off = align(off + t.count() * (type == GGML_F16 ? 2 : 4));
        }
        while (head.position() % ALIGNMENT != 0) head.put((byte) 0);
        head.flip();
        Bundles.writeAtomically(file, ch -> {
            Bundles.writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long written = 0;
            for (Tensor t : tensors) {
                Dtype d = t.vector() || dtype == Dtype.F32 ? Dtype.F32 : Dtype.F16;
                float[] src = t.data() != null ? t.data() : t.offset() < 0 ? zeros : m.params();
                int at = t.data() != null ? 0 : Math.max(0, t.offset());
                float[] row = new float[t.cols()];
                for (int r = 0; r < t.rows(); r++) {
                    float[] from = src;
                    int start = at + r * t.cols();
                    if (t.transpose()) { // stored (in = cols, out = rows) in Cairn; GGUF row r = column r
                        for (int c = 0; c < t.cols(); c++) row[c] = src[at + c * t.rows() + r];
                        from = row;
                        start = 0;
                    }
                    for (int c = 0; c < t.cols(); ) {
                        if (buf.remaining() < 4) flush(ch, buf);
                        int k = Math.min(t.cols() - c, buf.remaining() / 4);
                        d.encode(from, start + c, k, buf);
                        c += k;
                    }
                }
                written += t.count() * d.bytes;
                long pad = align(written) - written;
                for (long i = 0; i < pad; i++) {
                    if (!buf.hasRemaining()) flush(ch, buf);
                    buf.put((byte) 0);
                }
                written += pad;
            }
            flush(ch, buf);
        });
    }

    private static void flush(java.nio.channels.FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        Bundles.writeFully(ch, buf);
        buf.clear();
    }

    static long align(long x) {
        return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** llama.cpp's GPT-2 tensors, in its order. */
    static List<Tensor> tensors(GptConfig cfg) {
        int C = cfg.embd(), V = cfg.vocabSize(), T = cfg.contextLen();
        Map<String, Gpt2Names.Slot> hf = new LinkedHashMap<>();
        for (Gpt2Names.Slot s : Gpt2Names.slots(cfg)) hf.put(Gpt2Names.bare(s.name()), s);
        List<Tensor> out = new ArrayList<>();
        out.add(new Tensor("token_embd.weight", V, C, false, hf.get("wte.weight").offset(), false));
        out.add(new Tensor("position_embd.weight", T, C, false, hf.get("wpe.weight").offset(), false));
        out.add(new Tensor("output_norm.weight", 1, C, false, hf.get("ln_f.weight").offset(), true));
        out.add(new Tensor("output_norm.bias", 1, C, false, hf.get("ln_f.bias").offset(), true));
        out.add(new Tensor("output.weight", V, C, false, hf.get("wte.weight").offset(), false));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "h." + l + ".", b = "blk." + l + ".";
            vec(out, hf, b + "attn_norm", h + "ln_1", C);
            mat(out, hf, b + "attn_qkv", h + "attn.c_attn", 3 * C, C);
            mat(out, hf, b + "attn_output", h + "attn.c_proj", C, C);
            vec(out, hf, b + "ffn_norm", h + "ln_2", C);
            mat(out, hf, b + "ffn_up", h + "mlp.c_fc", 4 * C, C);
            mat(out, hf, b + "ffn_down", h + "mlp.c_proj", C, 4 * C);
        }
        return out;
    }

    private static void vec(List<Tensor> out, Map<String, Gpt2Names.Slot> hf, String g, String h, int n) {
        out.add(new Tensor(g + ".weight", 1, n, false, hf.get(h + ".weight").offset(), true));
        out.add(new Tensor(g + ".bias", 1, n, false, hf.get(h + ".bias").offset(), true));
    }

    /** A linear layer: GGUF rows = outputs; Cairn stores (in, out), hence the transpose. */
    private static void mat(List<Tensor> out, Map<String, Gpt2Names.Slot> hf, String g, String h, int outs, int ins) {
        out.add(new Tensor(g + ".weight", outs, ins, true, hf.get(h + ".weight").offset(), false));
        out.add(new Tensor(g + ".bias", 1, outs, false, hf.get(h + ".bias").offset(), true));
    }

    /**
     * llama.cpp's Llama tensors, in its order. Q and K rows are permuted from Hugging Face's rotate-half layout to
     * the interleaved pairs llama.cpp rotates; the head is {@code output.weight} (a copy of the embedding when tied).
     */
    static List<Tensor> llamaTensors(LlamaConfig cfg, float[] params) {
        int C = cfg.embd(), V = cfg.vocabSize(), F = cfg.hidden(), kv = cfg.kvHeads() * cfg.headSize();
        Map<String, LlamaNames.Slot> hf = new LinkedHashMap<>();
        for (LlamaNames.Slot s : LlamaNames.slots(cfg)) hf.put(s.name(), s);
        List<Tensor> out = new ArrayList<>();
        java.util.function.Function<String, float[]> get = n -> LlamaNames.extract(hf.get(n), params);
        out.add(new Tensor("token_embd.weight", V, C, false, 0, false, get.apply("model.embed_tokens.weight")));
        out.add(new Tensor("output_norm.weight", 1, C, false, 0, true, get.apply("model.norm.weight")));
        out.add(new Tensor("output.weight", V, C, false, 0, false, get.apply(cfg.tied() ? "model.embed_tokens.weight" : "lm_head.weight")));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "model.layers." + l + ".", b = "blk." + l + ".";
            out.add(new Tensor(b + "attn_norm.weight", 1, C, false, 0, true, get.apply(h + "input_layernorm.weight")));
            out.add(new Tensor(b + "attn_q.weight", C, C, false, 0, false, ropePermute(get.apply(h + "self_attn.q_proj.weight"), cfg.heads(), C)));
            out.add(new Tensor(b + "attn_k.weight", kv, C, false, 0, false, ropePermute(get.apply(h + "self_attn.k_proj.weight"), cfg.kvHeads(), C)));
            out.add(new Tensor(b + "attn_v.weight", kv, C, false, 0, false, get.apply(h + "self_attn.v_proj.weight")));
            out.add(new Tensor(b + "attn_output.weight", C, C, false, 0, false, get.apply(h + "self_attn.o_proj.weight")));
            out.add(new Tensor(b + "ffn_norm.weight", 1, C, false, 0, true, get.apply(h + "post_attention_layernorm.weight")));
            out.add(new Tensor(b + "ffn_gate.weight", F, C, false, 0, false, get.apply(h + "mlp.gate_proj.weight")));
            out.add(new Tensor(b + "ffn_up.weight", F, C, false, 0, false, get.apply(h + "mlp.up_proj.weight")));
            out.add(new Tensor(b + "ffn_down.weight", C, F, false, 0, false, get.apply(h + "mlp.down_proj.weight")));
        }
        return out;
    }

    /**
     * llama.cpp's converter's permutation of a q or k projection (rows = heads x hs, row-major, cols wide): within each
     * head, row j * hs/2 + i (rotate-half: the pair is i and i + hs/2) moves to row 2i + j (interleaved pairs).
     */
    static float[] ropePermute(float[] w, int heads, int cols) {
        int hs = w.length / cols / heads, half = hs / 2;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    System.arraycopy(w, (h * hs + j * half + i) * cols, out, (h * hs + 2 * i + j) * cols, cols);
                }
            }
        }
        return out;
    }

    static Map<String, Object[]> metadata(dev.cairn.model.ModelConfig cfg, ModelTokenizer tok, Dtype dtype, String name) {
        Map<String, Object[]> kv = new LinkedHashMap<>();
        String arch = cfg.arch();
        kv.put("general.architecture", new Object[] {T_STRING, arch});
        kv.put("general.name", new Object[] {T_STRING, name});
        kv.put("general.file_type", new Object[] {T_UINT32, dtype == Dtype.F16 ? 1 : 0});
        kv.put("general.alignment", new Object[] {T_UINT32, ALIGNMENT});
        kv.put(arch + ".context_length", new Object[] {T_UINT32, cfg.contextLen()});
        kv.put(arch + ".embedding_length", new Object[] {T_UINT32, cfg.embd()});
        kv.put(arch + ".block_count", new Object[] {T_UINT32, cfg.layers()});
        kv.put(arch + ".attention.head_count", new Object[] {T_UINT32, cfg.heads()});
        if (cfg instanceof LlamaConfig lc) {
            kv.put("llama.feed_forward_length", new Object[] {T_UINT32, lc.hidden()});
            kv.put("llama.attention.head_count_kv", new Object[] {T_UINT32, lc.kvHeads()});
            kv.put("llama.attention.layer_norm_rms_epsilon", new Object[] {T_FLOAT32, lc.normEps()});
            kv.put("llama.rope.freq_base", new Object[] {T_FLOAT32, (float) lc.ropeTheta()});
            kv.put("llama.rope.dimension_count", new Object[] {T_UINT32, lc.headSize()});
            kv.put("llama.vocab_size", new Object[] {T_UINT32, lc.vocabSize()});
        } else {
            kv.put("gpt2.feed_forward_length", new Object[] {T_UINT32, 4 * cfg.embd()});
            kv.put("gpt2.attention.layer_norm_epsilon", new Object[] {T_FLOAT32, dev.cairn.model.Gpt.LN_EPS});
        }
        JsonNode tj;
        try {
            tj = Safetensors.JSON.readTree(tok.toHuggingFaceJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String[] tokens = new String[cfg.vocabSize()];
        int[] types = new int[cfg.vocabSize()];
        java.util.Arrays.fill(types, 1);
        tj.path("model").path("vocab").fields().forEachRemaining(e -> tokens[e.getValue().asInt()] = e.getKey());
        if (tok.kind().equals("char")) { // llama.cpp's gpt2 tokenizer works on byte-level text
            for (int i = 0; i < tok.vocabSize(); i++) tokens[i] = byteLevel(tokens[i]);
        }
        tj.path("added_tokens").forEach(t -> {
            tokens[t.path("id").asInt()] = t.path("content").asText();
            if (t.path("special").asBoolean()) types[t.path("id").asInt()] = 3;
        });
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) { // ids the model has beyond the tokenizer's
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5;
            }
        }
        List<String> merges = new ArrayList<>();
        tj.path("model").path("merges").forEach(mg -> merges.add(mg.isArray() ? mg.get(0).asText() + " " + mg.get(1).asText() : mg.asText()));
        kv.put("tokenizer.ggml.model", new Object[] {T_STRING, "gpt2"});
        kv.put("tokenizer.ggml.pre", new Object[] {T_STRING, "gpt-2"});
        kv.put("tokenizer.ggml.tokens", new Object[] {T_ARRAY, new Object[] {T_STRING, List.of(tokens)}});
        List<Object> typeList = new ArrayList<>();
        for (int t : types) typeList.add(t);
        kv.put("tokenizer.ggml.token_type", new Object[] {T_ARRAY, new Object[] {T_INT32, typeList}});
        kv.put("tokenizer.ggml.merges", new Object[] {T_ARRAY, new Object[] {T_STRING, merges}});
        if (tok.endOfTextId() >= 0) {
            kv.put("tokenizer.ggml.bos_token_id", new Object[] {T_UINT32, tok.endOfTextId()});
            kv.put("tokenizer.ggml.eos_token_id", new Object[] {T_UINT32, tok.endOfTextId()});
        }
        return kv;
    }

    /** GPT-2's byte-to-character mapping applied to a string's UTF-8 bytes. */
    static String byteLevel(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int x = b & 0xff;
            boolean printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (printable) {
                sb.append((char) x);
            } else {
                int n = 0;
                for (int y = 0; y < x; y++) {
                    boolean p = (y >= '!' && y <= '~') || (y >= 0xA1 && y <= 0xAC) || (y >= 0xAE && y <= 0xFF);
                    if (!p) n++;
                }
                sb.append((char) (256 + n));
            }
        }
        return sb.toString();
    }

    private static int headerSize(Map<String, Object[]> kv, List<Tensor> tensors) {
        long n = 24;
        for (Map.Entry<String, Object[]> e : kv.entrySet()) n += strSize(e.getKey()) + 4 + valueSize((Integer) e.getValue()[0], e.getValue()[1]);
        for (Tensor t : tensors) n += strSize(t.name()) + 4 + (t.vector() ? 8 : 16) + 4 + 8;
        n = align(n);
        if (n > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("GGUF header too large");
        return (int) n;
    }

    private static long strSize(String s) {
        return 8 + s.getBytes(StandardCharsets.UTF_8).length;
    }

    @SuppressWarnings("unchecked")
    private static long valueSize(int type, Object v) {
        return switch (type) {
            case T_UINT32, T_INT32, T_FLOAT32 -> 4;
            case T_STRING -> strSize((String) v);
            case T_ARRAY -> {
                Object[] a = (Object[]) v;
                long n = 12;
                for (Object x : (List<Object>) a[1]) n += valueSize((Integer) a[0], x);
                yield n;
            }
            default -> throw new IllegalStateException("type " + type);
        };
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(u.length).put(u);
    }

    @SuppressWarnings("unchecked")
    private static void putValue(ByteBuffer b, int type, Object v) {
        if (type != T_ARRAY) b.putInt(type);
        switch (type) {
            case T_UINT32, T_INT32 -> b.putInt((Integer) v);
            case T_FLOAT32 -> b.putFloat((Float) v);
            case T_STRING -> putString(b, (String) v);
            case T_ARRAY -> {
                Object[] a = (Object[]) v;
                List<Object> items = (List<Object>) a[1];
                b.putInt(T_ARRAY).putInt((Integer) a[0]).putLong(items.size());
                for (Object x : items) {
                    switch ((Integer) a[0]) {
                        case T_INT32, T_UINT32 -> b.putInt((Integer) x);
                        case T_STRING -> putString(b, (String) x);
                        default -> throw new IllegalStateException("array of " + a[0]);
                    }
                }
            }
            default -> throw new IllegalStateException("type " + type);
        }
    }
}
