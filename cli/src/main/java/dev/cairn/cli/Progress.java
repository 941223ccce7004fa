package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar with ETA. On a terminal it redraws in place; elsewhere (CI logs, pipes) it prints
 * a plain line about every 5% so logs stay short.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean tty;
    private final int total;
    private final long t0 = System.nanoTime();
    private long lastDraw;
    private int lastLoggedPct = -1;

    Progress(PrintWriter err, int total) {
        this.err = err;
        this.tty = System.console() != null && System.getenv("CI") == null;
        this.total = Math.max(1, total);
    }

    /** done in [0, total]; detail is shown after the bar. fromDone: where this session started (for the rate). */
    void update(int done, int fromDone, String detail) {
        long now = System.nanoTime();
        double elapsed = (now - t0) / 1e9;
        double rate = (done - fromDone) / Math.max(1e-9, elapsed);
        String eta = rate > 0 ? duration((total - done) / rate) : "?";
        if (tty) {
            if (now - lastDraw < 100_000_000L && done < total) return;
            lastDraw = now;
            int width = 28, filled = (int) ((long) width * done / total);
            String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
            err.print(String.format(Locale.ROOT, "\r%6d/%d [%s] %s | ETA %s   ", done, total, bar, detail, eta));
            if (done >= total) err.println();
            err.flush();
        } else {
            int pct = (int) (100L * done / total);
            if (pct / 5 != lastLoggedPct / 5 || done >= total) {
                lastLoggedPct = pct;
                err.println(String.format(Locale.ROOT, "%6d/%d (%3d%%) %s | ETA %s", done, total, pct, detail, eta));
                err.flush();
            }
        }
    }

    static String duration(double s) {
        if (!Double.isFinite(s)) return "?";
        long t = Math.round(s);
        if (t >= 3600) return String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60);
        if (t >= 60) return String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
        return t + "s";
    }
}
