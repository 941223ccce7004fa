package dev.cairn.model;

/**
 * A plain double-precision GPT forward pass, written independently of {@link Gpt} from the textbook
 * definitions (naive loops, Math.tanh, full causal softmax), used to check gradients by finite differences.
 * Reads Gpt's parameter layout: linear weights are (in, out).
 */
final class ReferenceGpt {
    private ReferenceGpt() {}

    static double loss(GptConfig cfg, ParameterLayout P, double[] p, int[] in, int[] tg, int B, int T) {
        int C = cfg.embd(), V = cfg.vocabSize(), L = cfg.layers(), NH = cfg.heads(), hs = C / NH;
        boolean bias = cfg.bias();
        double total = 0;
        for (int b = 0; b < B; b++) {
            double[][] x = new double[T][C];
            for (int t = 0; t < T; t++) {
                for (int c = 0; c < C; c++) x[t][c] = p[P.wte.offset() + in[b * T + t] * C + c] + p[P.wpe.offset() + t * C + c];
            }
            for (int l = 0; l < L; l++) {
                double[][] h = layerNorm(x, p, P.ln1w.offset() + l * C, bias ? P.ln1b.offset() + l * C : -1);
                double[][] qkv = linear(h, p, P.qkvw.offset() + l * C * 3 * C, bias ? P.qkvb.offset() + l * 3 * C : -1, C, 3 * C);
                double[][] y = new double[T][C];
                for (int hd = 0; hd < NH; hd++) {
                    for (int t = 0; t < T; t++) {
                        double[] s = new double[t + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int u = 0; u <= t; u++) {
                            double d = 0;
                            for (int i = 0; i < hs; i++) d += qkv[t][hd * hs + i] * qkv[u][C + hd * hs + i];
                            s[u] = d / Math.sqrt(hs);
                            max = Math.max(max, s[u]);
                        }
                        double z = 0;
                        for (int u = 0; u <= t; u++) z += (s[u] = Math.exp(s[u] - max));
                        for (int u = 0; u <= t; u++) {
                            for (int i = 0; i < hs; i++) y[t][hd * hs + i] += s[u] / z * qkv[u][2 * C + hd * hs + i];
                        }
                    }
                }
                double[][] a = linear(y, p, P.attprojw.offset() + l * C * C, bias ? P.attprojb.offset() + l * C : -1, C, C);
                for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) x[t][c] += a[t][c];
                double[][] h2 = layerNorm(x, p, P.ln2w.offset() + l * C, bias ? P.ln2b.offset() + l * C : -1);
                double[][] f = linear(h2, p, P.fcw.offset() + l * C * 4 * C, bias ? P.fcb.offset() + l * 4 * C : -1, C, 4 * C);
                for (double[] row : f) {
                    for (int i = 0; i < row.length; i++) {
                        double v = row[i];
                        row[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                    }
                }
                double[][] o = linear(f, p, P.fcprojw.offset() + l * 4 * C * C, bias ? P.fcprojb.offset() + l * C : -1, 4 * C, C);
                for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) x[t][c] += o[t][c];
            }
            double[][] hf = layerNorm(x, p, P.lnfw.offset(), bias ? P.lnfb.offset() : -1);
            for (int t = 0; t < T; t++) {
                double[] logit = new double[V];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    for (int c = 0; c < C; c++) logit[v] += hf[t][c] * p[P.wte.offset() + v * C + c];
                    max = Math.max(max, logit[v]);
                }
                double z = 0;
                for (int v = 0; v < V; v++) z += Math.exp(logit[v] - max);
                total += Math.log(z) + max - logit[tg[b * T + t]];
            }
        }
        return total / (B * T);
    }

    static double[][] layerNorm(double[][] x, double[] p, int w, int b) {
        int C = x[0].length;
        double[][] out = new double[x.length][C];
        for (int t = 0; t < x.length; t++) {
            double mean = 0, var = 0;
            for (double v : x[t]) mean += v;
            mean /= C;
            for (double v : x[t]) var += (v - mean) * (v - mean);
            var /= C;
            double rstd = 1 / Math.sqrt(var + Gpt.LN_EPS);
            for (int c = 0; c < C; c++) out[t][c] = (x[t][c] - mean) * rstd * p[w + c] + (b >= 0 ? p[b + c] : 0);
        }
        return out;
    }

    static double[][] linear(double[][] x, double[] p, int w, int b, int in, int out) {
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b >= 0 ? p[b + o] : 0;
                for (int i = 0; i < in; i++) s += x[t][i] * p[w + i * out + o];
                y[t][o] = s;
            }
        }
        return y;
    }
}
