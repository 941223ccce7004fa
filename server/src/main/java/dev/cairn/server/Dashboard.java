package dev.cairn.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * The community's web dashboard: static files (plain HTML, CSS and ES modules) from the jar at {@code /} and
 * {@code /ui/...}, the JSON the pages read ({@link DashboardApi}), release downloads under {@code /files/releases/},
 * and {@code GET /api/events}, server-sent events telling open pages that the log grew or a run wrote progress.
 * Every response carries {@link #CSP}: scripts only from this origin, no inline script, no framing.
 */
final class Dashboard {
    /** No inline script or style, nothing from another origin, no plugins, no framing, forms only to this node. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    private static final String ROOT = "/dev/cairn/server/dashboard/";
    private static final Pattern ASSET = Pattern.compile("/ui/([a-z0-9-]+/)?[a-z0-9-]+\\.(js|css|html|svg)");
    private static final Pattern DOWNLOAD = Pattern.compile("/files/releases/([A-Za-z0-9._-]+)/([A-Za-z0-9._-]+)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8", "svg", "image/svg+xml");
    /** Open event streams at most (each holds a virtual thread and a socket); more get 503. */
    static final int MAX_STREAMS = 512;

    private final LogNode node;
    private final Path home;
    private final DashboardApi api;
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();
    private final Semaphore streams = new Semaphore(MAX_STREAMS);
    private final CopyOnWriteArrayList<Object> waiters = new CopyOnWriteArrayList<>();
    private final Thread watcher;
    private volatile boolean closed;
    private volatile String version = "";

    Dashboard(LogNode node, Path home) {
        this.node = node;
        this.home = home;
        this.api = new DashboardApi(node, home);
        this.watcher = Thread.ofVirtual().name("cairn-dashboard-watch").start(this::watch);
    }

    /** True when the path is the dashboard's (then it has answered). */
    boolean handle(HttpExchange x, String path) throws IOException {
        if (path.equals("/") || path.equals("/index.html")) {
            asset(x, "index.html");
            return true;
        }
        if (ASSET.matcher(path).matches()) {
            asset(x, path.substring(4));
            return true;
        }
        var d = DOWNLOAD.matcher(path);
        if (d.matches()) {
            download(x, d.group(1), d.group(2));
            return true;
        }
        if (path.equals("/api/events")) {
            events(x);
            return true;
        }
        return api.handle(x, path);
    }

    private void asset(HttpExchange x, String name) throws IOException {
        byte[] body = assets.computeIfAbsent(name, n -> {
            try (InputStream in = Dashboard.class.getResourceAsStream(ROOT + n)) {
                return in == null ? new byte[0] : in.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        if (body.length == 0) throw new LogNode.Refused(404, "no such page file: " + name);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        // Revalidated on every load (no-cache), answered 304 while the file in the jar is the same.
        String etag = "\"" + dev.cairn.ledger.Hex.encode(dev.cairn.ledger.MerkleTree.sha256(body)).substring(0, 32) + "\"";
        x.getResponseHeaders().set("ETag", etag);
        if (etag.equals(x.getRequestHeaders().getFirst("If-None-Match"))) {
            x.getResponseHeaders().set("Cache-Control", "no-cache");
            NodeServer.securityHeaders(x);
            x.sendResponseHeaders(304, -1);
            return;
        }
        NodeServer.send(x, 200, TYPES.get(ext), "no-cache", body);
    }

    private void download(HttpExchange x, String release, String file) throws IOException {
        Path f = home.resolve("releases").resolve(release).resolve(file);
        if (release.startsWith(".") || file.startsWith(".") || !Files.isRegularFile(f)) throw new LogNode.Refused(404, "no file " + file + " in release " + release);
        x.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + file + "\"");
        x.getResponseHeaders().set("Content-Type", "application/octet-stream");
        x.getResponseHeaders().set("Cache-Control", "no-cache");
        NodeServer.securityHeaders(x);
        long size = Files.size(f);
        x.sendResponseHeaders(200, x.getRequestMethod().equals("HEAD") ? -1 : size == 0 ? -1 : size);
        if (!x.getRequestMethod().equals("HEAD")) {
            try (OutputStream o = x.getResponseBody()) {
                Files.copy(f, o);
            }
        }
    }

    /** Server-sent events: {@code event: change} with the log size, the runs' progress and finished verdicts, whenever one moves. */
    private void events(HttpExchange x) throws IOException {
        if (!streams.tryAcquire()) throw new LogNode.Refused(503, "too many open event streams (" + MAX_STREAMS + "); pages fall back to reloading");
        try {
            x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            NodeServer.securityHeaders(x);
            x.sendResponseHeaders(200, 0);
            OutputStream o = x.getResponseBody();
            String sent = null;
            o.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            o.flush();
            // The JDK server ends a response after sun.net.httpserver.maxRspTime; the browser reconnects (retry above).
            long until = System.nanoTime() + 50_000_000_000L;
            Object me = new Object();
            waiters.add(me);
            try {
                while (!closed && System.nanoTime() < until) {
                    String v = version;
                    if (!v.equals(sent)) {
                        o.write(("event: change\ndata: " + v + "\n\n").getBytes(StandardCharsets.UTF_8));
                        o.flush();
                        sent = v;
                    }
                    synchronized (me) {
                        if (version.equals(sent)) me.wait(15_000);
                    }
                    if (version.equals(sent)) {
                        o.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        o.flush();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiters.remove(me);
            }
        } catch (IOException gone) {
            // the page closed
        } finally {
            streams.release();
        }
    }

    /** Polls the log size, the runs' metrics files and the release verdicts every 200 ms; wakes the event streams when one changes. */
    private void watch() {
        while (!closed) {
            String v = "{\"size\":" + node.size() + ",\"runs\":" + api.runsFingerprint() + ",\"verdicts\":" + api.verdictsDone() + "}";
            if (!v.equals(version)) {
                version = v;
                for (Object w : waiters) {
                    synchronized (w) {
                        w.notifyAll();
                    }
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    int openStreams() {
        return MAX_STREAMS - streams.availablePermits();
    }

    void close() {
        closed = true;
        watcher.interrupt();
        for (Object w : waiters) {
            synchronized (w) {
                w.notifyAll();
            }
        }
    }
}
