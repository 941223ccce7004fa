package dev.cairn.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cairn.governance.CommunityState;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.Tiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The node's HTTP face, on the JDK's server with a virtual thread per exchange:
 * <pre>
 *   GET  /checkpoint                          the signed checkpoint (C2SP tlog-checkpoint note)
 *   GET  /tile/L/N[.p/W]                      Merkle tiles (C2SP tlog-tiles), immutable when full
 *   GET  /tile/entries/N[.p/W]                entry bundles
 *   POST /add                                 one DSSE envelope; answers once durable, with index and inclusion proof
 *   GET  /api/log | /api/community | /api/proposals | /api/proof?index=N | /api/proof?digest=SHA256
 *   GET  / , /ui/..., /api/..., /files/releases/...   the web dashboard ({@link Dashboard}), when served
 * </pre>
 * Limits: request body size, in-flight requests (503 past it), envelopes per key per second (429), and the JDK server's
 * request and response timeouts, so a slow client holds one virtual thread, never the node. Errors are JSON
 * {@code {"error": reason}} with a 4xx status; nothing is appended for a refused request.
 */
public final class NodeServer implements AutoCloseable {
    private static final Pattern TILE = Pattern.compile("/tile/(\\d+)/((?:x\\d{3}/)*\\d{3})(?:\\.p/(\\d+))?");
    private static final Pattern BUNDLE = Pattern.compile("/tile/entries/((?:x\\d{3}/)*\\d{3})(?:\\.p/(\\d+))?");

    public record Limits(int maxBody, int maxInFlight, int addTimeoutSeconds) {
        public static Limits defaults() {
            return new Limits(1 << 20, 256, 30);
        }
    }

    private final HttpServer http;
    private final LogNode node;
    private final Limits limits;
    private final Semaphore inFlight;
    private volatile Completions completions;
    private volatile Dashboard dashboard;

    public NodeServer(LogNode node, InetSocketAddress addr, Limits limits, SSLContext tls) throws IOException {
        // The JDK server's own guards against slow clients (seconds), read once when it starts.
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "60"));
        this.node = node;
        this.limits = limits;
        this.inFlight = new Semaphore(limits.maxInFlight());
        if (tls != null) {
            HttpsServer s = HttpsServer.create(addr, 1024);
            s.setHttpsConfigurator(new HttpsConfigurator(tls));
            http = s;
        } else {
            http = HttpServer.create(addr, 1024);
        }
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", this::handle);
    }

    public void start() {
        http.start();
    }

    /** Also serves the home's released and imported models through OpenAI-compatible endpoints under /v1/. */
    public void serveModels(java.nio.file.Path home, dev.cairn.numerics.Kernels kernels, dev.cairn.numerics.Parallel parallel) {
        completions = new Completions(home, kernels, parallel);
    }

    /** Also serves the community's web dashboard at / (pages, their JSON under /api/, live updates, release downloads). */
    public void serveDashboard(java.nio.file.Path home) {
        dashboard = new Dashboard(node, home);
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        if (dashboard != null && x.getRequestURI().getRawPath().equals("/api/events")) { // long-lived: bounded by the dashboard's own stream limit
            try {
                dashboard.handle(x, "/api/events");
            } catch (LogNode.Refused r) {
                error(x, r.status, r.getMessage());
            } finally {
                x.close();
            }
            return;
        }
        if (!inFlight.tryAcquire()) {
            error(x, 503, "the node is busy (" + limits.maxInFlight() + " requests in flight); retry shortly");
            return;
        }
        try {
            route(x);
        } catch (LogNode.Refused r) {
            error(x, r.status, r.getMessage());
        } catch (LedgerException | IllegalArgumentException e) {
            error(x, 400, e.getMessage());
        } catch (RuntimeException e) {
            error(x, 500, "internal error: " + e);
        } finally {
            inFlight.release();
            x.close();
        }
    }

    private void route(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getRawPath(), method = x.getRequestMethod();
        if (path.contains("..") || path.contains("//")) throw new LogNode.Refused(400, "bad path");
        if (path.startsWith("/v1/") && completions != null) {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readNBytes(limits.maxBody() + 1);
            }
            if (body.length > limits.maxBody()) throw new LogNode.Refused(413, "the body is over " + limits.maxBody() + " bytes");
            completions.handle(x, body);
            return;
        }
        if (path.equals("/add")) {
            if (!method.equals("POST")) throw new LogNode.Refused(405, "POST /add takes one DSSE envelope");
            add(x);
            return;
        }
        if (path.equals("/api/trace-output") && dashboard != null) {
            dashboard.handle(x, path);
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) throw new LogNode.Refused(405, method + " is not allowed on " + path);
        if (path.equals("/checkpoint")) {
            send(x, 200, "text/plain; charset=utf-8", "no-cache", node.checkpoint().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Matcher b = BUNDLE.matcher(path), t = TILE.matcher(path);
        if (b.matches()) {
            long n = index(b.group(1));
            long size = node.size();
            int w = Tiles.bundleWidth(size, n);
            int want = width(b.group(2), w);
            List<byte[]> entries = new ArrayList<>(want);
            for (int k = 0; k < want; k++) entries.add(node.log().leafInput(n * Tiles.WIDTH + k));
            send(x, 200, "application/octet-stream", cache(want), Tiles.bundle(entries));
            return;
        }
        if (t.matches()) {
            int level = Integer.parseInt(t.group(1));
            if (level > 6) throw new LogNode.Refused(404, "no tile at level " + level);
            long n = index(t.group(2));
            int w = Tiles.width(node.size(), level, n);
            int want = width(t.group(3), w);
            send(x, 200, "application/octet-stream", cache(want), node.tiles().tile(level, n, want));
            return;
        }
        switch (path) {
            case "/api/log" -> json(x, LogNode.JSON.createObjectNode().put("origin", node.log().origin()).put("log_key", node.log().logKey().publicKeyHex())
                    .put("size", node.size()));
            case "/api/community" -> json(x, node.read(CommunityState::toJson));
            case "/api/proposals" -> json(x, node.read(s -> {
                ObjectNode n = LogNode.JSON.createObjectNode();
                var arr = n.putArray("proposals");
                long now = System.currentTimeMillis();
                for (var p : s.proposals()) arr.add(CommunityState.proposalJson(p, now));
                return n;
            }));
            case "/api/proof" -> {
                String q = x.getRequestURI().getQuery();
                long i;
                if (q != null && q.matches("index=\\d{1,15}")) {
                    i = Long.parseLong(q.substring(6));
                } else if (q != null && q.matches("digest=[0-9a-fA-F]{64}")) { // SHA-256 of the envelope's JSON, as submitted
                    Long at = node.indexOf(q.substring(7));
                    if (at == null) throw new LogNode.Refused(404, "no entry with envelope digest " + q.substring(7));
                    i = at;
                } else {
                    throw new LogNode.Refused(400, "give ?index=N or ?digest=SHA256 (hex, of the envelope's JSON)");
                }
                if (i >= node.size()) throw new LogNode.Refused(404, "no entry " + i + " (the log has " + node.size() + ")");
                json(x, node.receipt(i, true));
            }
            default -> {
                if (dashboard == null || !dashboard.handle(x, path)) throw new LogNode.Refused(404, "no such resource: " + path);
            }
        }
    }

    private static long index(String encoded) {
        Long n = Tiles.parseIndex(encoded);
        if (n == null) throw new LogNode.Refused(400, "bad tile index " + encoded);
        return n;
    }

    /** The width a tile request asks for, which must exist: full (256) or exactly the rightmost partial width. */
    private static int width(String partial, int available) {
        if (partial == null) {
            if (available < Tiles.WIDTH) throw new LogNode.Refused(404, "no such full tile yet");
            return Tiles.WIDTH;
        }
        int w = Integer.parseInt(partial.length() > 3 ? "999" : partial);
        if (w < 1 || w >= Tiles.WIDTH || w > available) throw new LogNode.Refused(404, "no such partial tile (width " + partial + ")");
        return w;
    }

    private static String cache(int width) {
        return width == Tiles.WIDTH ? "public, max-age=31536000, immutable" : "public, max-age=1";
    }

    private void add(HttpExchange x) throws IOException {
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) throw new LogNode.Refused(415, "send the envelope as application/json");
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(limits.maxBody() + 1);
        }
        if (body.length > limits.maxBody()) throw new LogNode.Refused(413, "the body is over " + limits.maxBody() + " bytes");
        try {
            ObjectNode r = node.submit(body).get(limits.addTimeoutSeconds(), TimeUnit.SECONDS);
            json(x, r);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LogNode.Refused r) throw r;
            throw new LogNode.Refused(500, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new LogNode.Refused(503, "not integrated within " + limits.addTimeoutSeconds() + " s; retry (the same envelope gets the same index)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogNode.Refused(503, "interrupted");
        }
    }

    static void json(HttpExchange x, ObjectNode n) throws IOException {
        send(x, 200, "application/json", "no-cache", LogNode.JSON.writeValueAsBytes(n));
    }

    static void error(HttpExchange x, int status, String reason) throws IOException {
        try {
            send(x, status, "application/json", "no-store", LogNode.JSON.writeValueAsBytes(LogNode.JSON.createObjectNode().put("error", reason)));
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    static void send(HttpExchange x, int status, String type, String cache, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", cache);
        securityHeaders(x);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) x.getResponseBody().write(body);
    }

    /** On every response the node sends: the dashboard's Content-Security-Policy, no MIME sniffing, no framing, no referrer. */
    static void securityHeaders(HttpExchange x) {
        x.getResponseHeaders().set("Content-Security-Policy", Dashboard.CSP);
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.getResponseHeaders().set("X-Frame-Options", "DENY");
        x.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    }

    @Override
    public void close() {
        if (dashboard != null) dashboard.close();
        if (completions != null) completions.close();
        http.stop(0);
    }
}
