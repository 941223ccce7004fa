package dev.cairn.training;

import java.util.List;
import java.util.Locale;

/** A self-contained SVG of the training loss (and validation points) that any browser opens. */
public final class LossPlot {
    private LossPlot() {}

    /** points: {step, loss}; val: {step, loss}. */
    public static String svg(String title, List<double[]> train, List<double[]> val) {
        int w = 800, h = 450, left = 60, right = 20, top = 40, bottom = 50;
        double maxStep = 1, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (List<double[]> series : List.of(train, val)) {
            for (double[] p : series) {
                maxStep = Math.max(maxStep, p[0]);
                lo = Math.min(lo, p[1]);
                hi = Math.max(hi, p[1]);
            }
        }
        if (lo > hi) { lo = 0; hi = 1; }
        if (hi - lo < 1e-6) { hi = lo + 1; }
        double pad = (hi - lo) * 0.05;
        lo -= pad;
        hi += pad;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\">%s</text>%n", left, escape(title)));
        int pw = w - left - right, ph = h - top - bottom;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", left, top, pw, ph));
        for (int i = 0; i <= 5; i++) {
            double v = lo + (hi - lo) * i / 5;
            double y = top + ph - ph * (v - lo) / (hi - lo);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n",
                    left, left + pw, y, y, left - 6, y + 4, v));
            double st = maxStep * i / 5;
            double x = left + pw * st / maxStep;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, top + ph + 18, Math.round(st)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", left + pw / 2, h - 8));
        s.append(polyline(train, maxStep, lo, hi, left, top, pw, ph, "#1f77b4"));
        s.append(polyline(val, maxStep, lo, hi, left, top, pw, ph, "#d62728"));
        for (double[] p : val) {
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d62728\"/>%n",
                    left + pw * p[0] / maxStep, top + ph - ph * (p[1] - lo) / (hi - lo)));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">train loss</text>%n",
                w - 200, w - 180, top + 15, top + 15, w - 175, top + 19));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">validation loss</text>%n",
                w - 200, w - 180, top + 35, top + 35, w - 175, top + 39));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String polyline(List<double[]> pts, double maxStep, double lo, double hi, int left, int top, int pw, int ph, String color) {
        if (pts.isEmpty()) return "";
        StringBuilder s = new StringBuilder("<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"");
        for (double[] p : pts) {
            s.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + pw * p[0] / maxStep, top + ph - ph * (p[1] - lo) / (hi - lo)));
        }
        return s.append("\"/>\n").toString();
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
