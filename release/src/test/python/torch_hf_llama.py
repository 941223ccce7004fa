#!/usr/bin/env python3
"""Peer for Llama exports: reads a Hugging Face LlamaForCausalLM directory (config.json + model.safetensors) into
plain PyTorch and runs the forward pass as transformers' modeling_llama defines it (RMSNorm in float32, rotary
embeddings by rotate-half with cos/sin of t * inv_freq, key/value heads repeated n_rep times, SwiGLU MLP), so an
export can be checked against an implementation that is not Cairn's.

  torch_hf_llama.py logits DIR --ids 1,2,3      JSON {"logits_last": [...]} (float32 forward)

safetensors is parsed by hand (F32, F16, BF16); nn.Linear weights are (out, in). Needs python3-torch and numpy.
"""
import argparse, json, math, struct, sys
import numpy as np, torch, torch.nn.functional as F

def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    hdr = json.loads(raw[8:8 + n]); data = memoryview(raw)[8 + n:]
    out = {}
    for k, v in hdr.items():
        if k == "__metadata__": continue
        b, e = v["data_offsets"]; buf = data[b:e]
        if v["dtype"] == "F32": arr = np.frombuffer(buf, dtype="<f4")
        elif v["dtype"] == "F16": arr = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif v["dtype"] == "BF16": arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else: sys.exit(f"{path}: dtype {v['dtype']} of {k} not supported here")
        out[k] = torch.from_numpy(arr.reshape(v["shape"]).copy())
    return out

def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

class Llama:
    def __init__(s, d):
        c = s.cfg = json.load(open(d + "/config.json")); s.W = read_safetensors(d + "/model.safetensors")
        s.C, s.H, s.L = c["hidden_size"], c["num_attention_heads"], c["num_hidden_layers"]
        s.KV = c.get("num_key_value_heads") or s.H; s.hs = c.get("head_dim") or s.C // s.H
        s.eps, s.theta = c.get("rms_norm_eps", 1e-6), c.get("rope_theta", 10000.0)
        s.head = s.W["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else s.W["lm_head.weight"]

    def forward(s, ids):
        B, T = ids.shape; H, KV, hs = s.H, s.KV, s.hs; w = lambda k: s.W[k]
        x = w("model.embed_tokens.weight")[ids]
        inv_freq = 1.0 / (s.theta ** (torch.arange(0, hs, 2, dtype=torch.int64).float() / hs))
        freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1); cos, sin = emb.cos(), emb.sin()
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        for i in range(s.L):
            p = f"model.layers.{i}."
            h = rms_norm(x, w(p + "input_layernorm.weight"), s.eps)
            q = (h @ w(p + "self_attn.q_proj.weight").t()).view(B, T, H, hs).transpose(1, 2)
            k = (h @ w(p + "self_attn.k_proj.weight").t()).view(B, T, KV, hs).transpose(1, 2)
            v = (h @ w(p + "self_attn.v_proj.weight").t()).view(B, T, KV, hs).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k, v = k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1)
            att = ((q @ k.transpose(-2, -1)) / math.sqrt(hs)).masked_fill(mask, float("-inf")).softmax(-1)
            x = x + (att @ v).transpose(1, 2).reshape(B, T, H * hs) @ w(p + "self_attn.o_proj.weight").t()
            h = rms_norm(x, w(p + "post_attention_layernorm.weight"), s.eps)
            g, u = h @ w(p + "mlp.gate_proj.weight").t(), h @ w(p + "mlp.up_proj.weight").t()
            x = x + (F.silu(g) * u) @ w(p + "mlp.down_proj.weight").t()
        return rms_norm(x, w("model.norm.weight"), s.eps) @ s.head.t()

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("cmd", choices=["logits"]); ap.add_argument("dir"); ap.add_argument("--ids", required=True)
    a = ap.parse_args(); torch.set_num_threads(1); m = Llama(a.dir)
    with torch.no_grad():
        ids = torch.tensor([[int(t) for t in a.ids.split(",")]])
        print(json.dumps({"logits_last": m.forward(ids)[0, -1].tolist()}))

if __name__ == "__main__":
    main()
