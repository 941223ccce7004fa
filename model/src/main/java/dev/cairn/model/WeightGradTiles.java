package dev.cairn.model;

import dev.cairn.numerics.Kernels;

/**
 * A weight gradient (in, out) = x^T @ dy, cut into tiles for parallel work: about half its rows (24 to 384) by half its
 * columns (64 to 512). Each element is one fma chain over the rows in order whatever the tile, so tiles change who
 * computes an element, never its bits. A tile streams its columns of dy once per pass over the rows: full-width strips
 * of 48 rows read all of dy 16 times for a 768-row gradient and ran 20-30 % slower at llama-100m (AMD EPYC), the
 * product waiting on memory.
 */
final class WeightGradTiles {
    private WeightGradTiles() {}

    static int tileRows(int in) {
        return Math.min(384, Math.max(24, (in / 2 + 5) / 6 * 6));
    }

    static int tileCols(int out) {
        return Math.min(512, Math.max(64, (out / 2 + 63) / 64 * 64));
    }

    /** How many tiles an (in, out) gradient has. */
    static int count(int in, int out) {
        int mt = tileRows(in), nt = tileCols(out);
        return (in + mt - 1) / mt * ((out + nt - 1) / nt);
    }

    /**
     * Tiles [t0, t1): grads[wOff + m*out + n] (=, when fresh, else +=) the sum over r in [0, rows) in order of
     * x[xOff + r*in + m] * dy[dyOff + r*out + n].
     */
    static void run(Kernels k, int t0, int t1, int in, int out, float[] x, int xOff, float[] dy, int dyOff, int rows,
                    float[] grads, int wOff, boolean fresh) {
        int mt = tileRows(in), nt = tileCols(out), nTiles = (out + nt - 1) / nt;
        for (int t = t0; t < t1; t++) {
            int m0 = t / nTiles * mt, n0 = t % nTiles * nt;
            k.gemm(Math.min(mt, in - m0), Math.min(nt, out - n0), rows, x, xOff + m0, 1, in, dy, dyOff + n0, out,
                    grads, wOff + m0 * out + n0, out, null, 0, !fresh);
        }
    }
}
