package dev.cairn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.Cosignature;
import dev.cairn.ledger.Identity;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A C2SP tlog-witness: {@code POST /add-checkpoint} with {@code old SIZE}, the consistency proof (base64 hashes, one a
 * line), a blank line and the signed checkpoint. It checks the log's signature, that {@code old} is the size it last
 * cosigned (409 with its size otherwise), and the consistency proof (422 when it fails); stores the new size and root
 * durably, and only then answers with its tlog-cosignature line. It never cosigns two trees of one size, or a smaller one.
 */
public final class WitnessServer implements AutoCloseable {
    private final HttpServer http;
    private final String name;
    private final SigningKey key;
    private final Map<String, Identity> logs;
    private final Path state;

    public WitnessServer(String name, SigningKey key, Map<String, Identity> logs, Path stateFile, InetSocketAddress addr) throws IOException {
        this.name = name;
        this.key = key;
        this.logs = Map.copyOf(logs);
        this.state = stateFile;
        http = HttpServer.create(addr, 256);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/add-checkpoint", this::add);
    }

    public void start() {
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void add(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("POST")) {
                send(x, 405, "text/plain", "POST only\n");
                return;
            }
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readNBytes(1 << 16);
            }
            String req = new String(body, StandardCharsets.UTF_8);
            int blank = req.indexOf("\n\n");
            if (!req.startsWith("old ") || blank < 0) {
                send(x, 400, "text/plain", "expected \"old SIZE\", the proof, a blank line and the checkpoint\n");
                return;
            }
            String[] head = req.substring(0, blank).split("\n");
            long old;
            List<byte[]> proof = new ArrayList<>();
            try {
                old = Long.parseLong(head[0].substring(4));
                for (int i = 1; i < head.length; i++) proof.add(Base64.getDecoder().decode(head[i]));
            } catch (IllegalArgumentException e) {
                send(x, 400, "text/plain", "malformed size or proof line\n");
                return;
            }
            String note = req.substring(blank + 2);
            String origin = note.substring(0, Math.max(0, note.indexOf('\n')));
            Identity logKey = logs.get(origin);
            if (logKey == null) {
                send(x, 404, "text/plain", "unknown log " + origin + "\n");
                return;
            }
            Checkpoint cp;
            try {
                cp = Checkpoint.verify(note, origin, logKey);
            } catch (LedgerException e) {
                send(x, 403, "text/plain", "the checkpoint is not signed by the log's key\n");
                return;
            }
            synchronized (this) {
                ObjectNode all = load();
                JsonNode mine = all.path(origin);
                long size = mine.path("size").asLong(0);
                byte[] root = mine.has("root") ? Base64.getDecoder().decode(mine.get("root").asText()) : MerkleTree.emptyRoot();
                if (old != size) {
                    send(x, 409, "text/x.tlog.size", size + "\n");
                    return;
                }
                if (cp.size() < size || !consistent(size, cp.size(), root, cp.root(), proof)) {
                    send(x, 422, "text/plain", "the consistency proof from size " + size + " does not verify\n");
                    return;
                }
                all.putObject(origin).put("size", cp.size()).put("root", Base64.getEncoder().encodeToString(cp.root()));
                AtomicFiles.write(state, LogNode.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all), false); // durable before cosigning
            }
            String text = note.substring(0, note.lastIndexOf("\n\n") + 1);
            send(x, 200, "text/x.tlog.signature", Cosignature.sign(text, name, key, System.currentTimeMillis() / 1000));
        }
    }

    private static boolean consistent(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
        if (oldSize == newSize) return proof.isEmpty() && Arrays.equals(oldRoot, newRoot);
        if (oldSize == 0) return proof.isEmpty();
        return MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof);
    }

    private ObjectNode load() throws IOException {
        if (!Files.exists(state)) return LogNode.JSON.createObjectNode();
        return (ObjectNode) LogNode.JSON.readTree(state.toFile());
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
