package dev.cairn.model;

/**
 * A plain double-precision Llama forward pass, written independently of {@link Llama} from the textbook
 * definitions (naive loops, Math.exp/cos/sin, full causal softmax, rotate-half RoPE, repeated key/value heads),
 * used to check gradients by finite differences. Reads Llama's layout: linear weights are (in, out).
 */
final class ReferenceLlama {
    private ReferenceLlama() {}

    static double loss(LlamaConfig cfg, LlamaLayout P, double[] p, int[] in, int[] tg, int B, int T) {
        int C = cfg.embd(), V = cfg.vocabSize(), L = cfg.layers(), NH = cfg.heads(), KV = cfg.kvHeads(), hs = C / NH;
        int F = cfg.hidden(), Q = cfg.qkvWidth();
        double total = 0;
        for (int b = 0; b < B; b++) {
            double[][] x = new double[T][C];
            for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) x[t][c] = p[P.embed.offset() + in[b * T + t] * C + c];
            for (int l = 0; l < L; l++) {
                double[][] h = rms(x, p, P.attnNorm.offset() + l * C, cfg.normEps());
                double[][] qkv = linear(h, p, P.qkvw.offset() + l * C * Q, C, Q);
                for (int t = 0; t < T; t++) {
                    for (int hd = 0; hd < NH + KV; hd++) rotate(qkv[t], hd * hs, hs, t, cfg.ropeTheta());
                }
                double[][] y = new double[T][C];
                for (int hd = 0; hd < NH; hd++) {
                    int g = hd / (NH / KV), kOff = C + g * hs, vOff = C + KV * hs + g * hs;
                    for (int t = 0; t < T; t++) {
                        double[] s = new double[t + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int u = 0; u <= t; u++) {
                            double d = 0;
                            for (int i = 0; i < hs; i++) d += qkv[t][hd * hs + i] * qkv[u][kOff + i];
                            s[u] = d / Math.sqrt(hs);
                            max = Math.max(max, s[u]);
                        }
                        double z = 0;
                        for (int u = 0; u <= t; u++) z += (s[u] = Math.exp(s[u] - max));
                        for (int u = 0; u <= t; u++) {
                            for (int i = 0; i < hs; i++) y[t][hd * hs + i] += s[u] / z * qkv[u][vOff + i];
                        }
                    }
                }
                double[][] a = linear(y, p, P.wo.offset() + l * C * C, C, C);
                for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) x[t][c] += a[t][c];
                double[][] h2 = rms(x, p, P.mlpNorm.offset() + l * C, cfg.normEps());
                double[][] gu = linear(h2, p, P.gateUpw.offset() + l * C * 2 * F, C, 2 * F);
                double[][] m = new double[T][F];
                for (int t = 0; t < T; t++) {
                    for (int i = 0; i < F; i++) {
                        double g = gu[t][i];
                        m[t][i] = g / (1 + Math.exp(-g)) * gu[t][F + i];
                    }
                }
                double[][] o = linear(m, p, P.downw.offset() + l * F * C, F, C);
                for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) x[t][c] += o[t][c];
            }
            double[][] hf = rms(x, p, P.norm.offset(), cfg.normEps());
            int head = P.output().offset();
            for (int t = 0; t < T; t++) {
                double[] logit = new double[V];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    for (int c = 0; c < C; c++) logit[v] += hf[t][c] * p[head + v * C + c];
                    max = Math.max(max, logit[v]);
                }
                double z = 0;
                for (int v = 0; v < V; v++) z += Math.exp(logit[v] - max);
                total += Math.log(z) + max - logit[tg[b * T + t]];
            }
        }
        return total / (B * T);
    }

    /** rotate-half: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin), frequency theta^(-2i/hs) at position t. */
    static void rotate(double[] row, int off, int hs, int t, double theta) {
        int half = hs / 2;
        for (int i = 0; i < half; i++) {
            double ang = t * Math.pow(theta, -2.0 * i / hs);
            double a = row[off + i], b = row[off + half + i];
            row[off + i] = a * Math.cos(ang) - b * Math.sin(ang);
            row[off + half + i] = b * Math.cos(ang) + a * Math.sin(ang);
        }
    }

    static double[][] rms(double[][] x, double[] p, int w, double eps) {
        int C = x[0].length;
        double[][] out = new double[x.length][C];
        for (int t = 0; t < x.length; t++) {
            double ms = 0;
            for (double v : x[t]) ms += v * v;
            double r = 1 / Math.sqrt(ms / C + eps);
            for (int c = 0; c < C; c++) out[t][c] = x[t][c] * r * p[w + c];
        }
        return out;
    }

    static double[][] linear(double[][] x, double[] p, int w, int in, int out) {
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += x[t][i] * p[w + i * out + o];
                y[t][o] = s;
            }
        }
        return y;
    }
}
