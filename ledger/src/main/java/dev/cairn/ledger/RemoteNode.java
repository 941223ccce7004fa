package dev.cairn.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A member's side of a community node: submits an envelope signed on this machine (the private key never leaves it)
 * to {@code POST /add}, then checks the receipt: the checkpoint's signature with the pinned log key, the entry's
 * inclusion proof against it, and, by syncing the local mirror, that the node's tree extends the one trusted before.
 */
public final class RemoteNode {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private RemoteNode() {}

    /** The node's refusal: its HTTP status and the reason it gave. */
    public static final class Refused extends LedgerException {
        public final int status;

        Refused(int status, String reason) {
            super(reason);
            this.status = status;
        }
    }

    /** Submits, checks the receipt, syncs {@code mirrorDir}; returns the entry as the verified mirror holds it. */
    public static LogEntry submit(String url, Envelope envelope, Path mirrorDir) {
        LogMirror.sync(url, mirrorDir, null); // the key and the tree this client trusts before it writes
        byte[] body = envelope.toJson();
        HttpResponse<byte[]> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(LogMirror.base(url).resolve("add")).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new LedgerException("POST " + url + "add: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("POST " + url + "add: interrupted", e);
        }
        JsonNode j;
        try {
            j = CanonicalJson.parse(r.body());
        } catch (LedgerException e) {
            throw new LedgerException("the node answered HTTP " + r.statusCode() + " without a JSON body");
        }
        if (r.statusCode() != 200) throw new Refused(r.statusCode(), j.path("error").asText("HTTP " + r.statusCode()));
        long index = j.path("index").asLong(-1), time = j.path("log_time").asLong();
        Checkpoint cp;
        try (TransparencyLog local = TransparencyLog.openReadOnly(mirrorDir)) {
            cp = Checkpoint.verify(j.path("checkpoint").asText(), local.origin(), local.logKey());
        }
        byte[] leafInput = ByteBuffer.allocate(8 + body.length).putLong(time).put(body).array();
        byte[] leafHash = MerkleTree.leafHash(leafInput);
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : j.path("inclusion_proof").path("audit_path")) path.add(Hex.decode(h.asText()));
        if (index < 0 || !MerkleTree.verifyInclusion(leafHash, index, cp.size(), path, cp.root())) {
            throw new LedgerException("the node's receipt does not prove entry " + index + " in its signed checkpoint (size " + cp.size() + ")");
        }
        LogMirror.sync(url, mirrorDir, null);
        try (TransparencyLog local = TransparencyLog.openReadOnly(mirrorDir)) {
            if (local.size() <= index || !Arrays.equals(local.leafHash(index), leafHash)) {
                throw new LedgerException("the node's log does not hold the acknowledged entry " + index);
            }
            return local.entry(index);
        }
    }

    /** GET a JSON resource of the node's API. */
    public static JsonNode api(String url, String path) {
        return CanonicalJson.parse(LogMirror.get(LogMirror.base(url).resolve(path)));
    }
}
