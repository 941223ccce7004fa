package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Community;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogMirror;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.TransparencyLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node in its own process; members on their own homes over loopback; refusals, retries, a SIGKILL, a rollback caught. */
class NodeServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir Path dir;
    Process node;
    String url;

    @AfterEach
    void stop() {
        if (node != null) node.destroyForcibly();
    }

    /** Starts `cairn serve` on a free port in a separate JVM and waits for its URL. */
    void serve(Path home) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        node = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "dev.cairn.cli.Main", "serve", "--home", home.toString(), "--listen", "127.0.0.1:0", "--batch-ms", "3")
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream()));
        long deadline = System.currentTimeMillis() + 30_000;
        String line;
        while ((line = r.readLine()) != null && System.currentTimeMillis() < deadline) {
            if (line.startsWith("serving ")) {
                url = line.substring(line.indexOf(" at ") + 4, line.indexOf(" (")).strip();
                Thread.ofVirtual().start(() -> r.lines().forEach(l -> { })); // drain
                return;
            }
        }
        throw new AssertionError("the node did not start: " + line);
    }

    static HttpResponse<String> post(String url, byte[] body, String type) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + "add")).timeout(Duration.ofSeconds(30)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A statement of another room (not governance): the node logs it for the community, as the trainer's and evaluators' facts. */
    static Envelope note(String community, SigningKey k, int i) {
        ObjectNode p = JSON.createObjectNode().put("note", i);
        return Envelope.sign(Statement.of("https://cairn.dev/test/note/v1", p, community, k.identity(),
                dev.cairn.ledger.Subject.sha256("note", dev.cairn.ledger.MerkleTree.sha256(("note " + i).getBytes()))), k);
    }

    @Test
    void membersActFromTheirOwnHomesAndBadRequestsChangeNothing() throws Exception {
        GovernanceCliFixture f = new GovernanceCliFixture(dir.resolve("node")).founded();
        Path nodeHome = dir.resolve("node");
        String community = Community.read(new LedgerHome(nodeHome)).communityId();
        serve(nodeHome);
        // each member's home holds only their own key
        Map<String, Path> homes = new HashMap<>();
        for (String m : new String[] {"alice", "bob", "carol"}) {
            Path h = Files.createDirectories(dir.resolve(m).resolve("keys"));
            for (String ext : new String[] {".key", ".pub"}) Files.copy(nodeHome.resolve("keys").resolve(m + ext), h.resolve(m + ext));
            homes.put(m, h.getParent());
        }
        Path prop = dir.resolve("admit.toml");
        Files.writeString(prop, "title = \"Admit\"\ndataset = \"d@1\"\nroot = \"" + "ab".repeat(32) + "\"\n");
        var p = TrainCommandTest.cairn("propose", "admit-data", "--file", prop.toString(), "--key", "alice", "--home", homes.get("alice").toString(), "--remote", url);
        assertEquals(0, p.code(), p.err());
        for (String m : new String[] {"alice", "bob", "carol"}) {
            var v = TrainCommandTest.cairn("vote", "1", "for", "--key", m, "--home", homes.get(m).toString(), "--remote", url);
            assertEquals(0, v.code(), m + ": " + v.err());
        }
        var show = TrainCommandTest.cairn("proposal", "show", "1", "--json", "--home", homes.get("bob").toString(), "--remote", url);
        assertEquals("Succeeded", JSON.readTree(show.out()).path("state").asText(), show.out());
        var cp = TrainCommandTest.cairn("log", "checkpoint", "--home", homes.get("carol").toString(), "--remote", url);
        assertEquals(0, cp.code(), cp.err());
        assertTrue(cp.out().contains("cairn.dev/community/" + community), cp.out());
        var lineage = TrainCommandTest.cairn("lineage", "--json", "--home", homes.get("carol").toString(), "--remote", url);
        assertEquals(0, lineage.code(), lineage.err()); // the community and its models from the node's mirror, not carol's empty home
        assertEquals(community, JSON.readTree(lineage.out()).path("community").asText());
        var again = TrainCommandTest.cairn("vote", "1", "against", "--key", "bob", "--home", homes.get("bob").toString(), "--remote", url);
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already voted") || again.err().contains("closed early"), again.err());

        // the same envelope twice: the same index
        SigningKey bob = new LedgerHome(nodeHome).keys().load("bob", null);
        byte[] env = note(community, bob, 1).toJson();
        JsonNode first = JSON.readTree(post(url, env, "application/json").body()), second = JSON.readTree(post(url, env, "application/json").body());
        assertEquals(first.path("index").asLong(), second.path("index").asLong());
        assertTrue(second.path("duplicate").asBoolean());
        long size = JSON.readTree(get(url, "api/log").body()).path("size").asLong();
        // refusals: JSON reasons, nothing appended
        var other = post(url, note("cd".repeat(32), bob, 2).toJson(), "application/json");
        assertEquals(422, other.statusCode(), other.body());
        assertTrue(JSON.readTree(other.body()).path("error").asText().contains("belongs to community"));
        assertEquals(400, post(url, "{\"payload\":".getBytes(), "application/json").statusCode());
        assertEquals(415, post(url, env, "text/plain").statusCode());
        assertEquals(413, post(url, new byte[2 << 20], "application/json").statusCode());
        assertEquals(400, get(url, "tile/0/x999/x999/x999/x999/x999/000").statusCode());
        assertEquals(404, get(url, "tile/0/001").statusCode());
        assertEquals(404, get(url, "tile/entries/000.p/255").statusCode());
        Envelope forged = new Envelope(Envelope.PAYLOAD_TYPE, note(community, bob, 3).payload(), note(community, SigningKey.generate(), 3).signatures());
        assertEquals(400, post(url, forged.toJson(), "application/json").statusCode());
        assertEquals(size, JSON.readTree(get(url, "api/log").body()).path("size").asLong());

        // a slow client holding a connection open does not stall anyone else
        try (Socket slow = new Socket("127.0.0.1", URI.create(url).getPort())) {
            OutputStream o = slow.getOutputStream();
            o.write("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{".getBytes());
            o.flush();
            long t0 = System.nanoTime();
            assertEquals(200, get(url, "checkpoint").statusCode());
            assertTrue((System.nanoTime() - t0) / 1e6 < 2000);
        }
    }

    @Test
    void aKilledNodeKeepsEveryAcknowledgedEntryOnceAndAMirrorCatchesARollback() throws Exception {
        GovernanceCliFixture f = new GovernanceCliFixture(dir.resolve("node")).founded();
        Path nodeHome = dir.resolve("node");
        String community = Community.read(new LedgerHome(nodeHome)).communityId();
        Path early = Files.createDirectories(dir.resolve("early-log"));
        for (String file : new String[] {"log.json", "entries.bin", "checkpoint"}) Files.copy(nodeHome.resolve("log").resolve(file), early.resolve(file));
        serve(nodeHome);
        List<SigningKey> keys = new ArrayList<>();
        for (String m : new String[] {"alice", "bob", "carol"}) keys.add(new LedgerHome(nodeHome).keys().load(m, null));
        Map<Integer, Long> acked = new ConcurrentHashMap<>();
        Map<Integer, byte[]> envelopes = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<Object>> futures = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                for (int i = client; !stop.get() && i < 100_000; i += 8) {
                    byte[] e = note(community, keys.get(i % 3), i).toJson();
                    envelopes.put(i, e);
                    try {
                        var r = post(url, e, "application/json");
                        if (r.statusCode() == 200) acked.put(i, JSON.readTree(r.body()).path("index").asLong());
                        else if (i < 16) System.out.println("envelope " + i + ": HTTP " + r.statusCode() + " " + r.body());
                    } catch (Exception ex) {
                        if (!stop.get()) System.out.println("client " + client + ": " + ex);
                        return null; // the node died under us
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1500);
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL mid-load
        stop.set(true);
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        for (var fu : futures) fu.get(); // a client's own failure fails the test
        assertTrue(acked.size() > 10, "acknowledged " + acked.size());
        serve(nodeHome);
        // retries of everything sent: acknowledged ones get their original index, the rest land once
        for (var e : envelopes.entrySet()) {
            var r = post(url, e.getValue(), "application/json");
            assertEquals(200, r.statusCode(), r.body());
            long index = JSON.readTree(r.body()).path("index").asLong();
            if (acked.containsKey(e.getKey())) assertEquals((long) acked.get(e.getKey()), index, "envelope " + e.getKey());
        }
        Path mirror = dir.resolve("mirror/log");
        var cp = LogMirror.sync(url, mirror, null);
        try (TransparencyLog log = TransparencyLog.openReadOnly(mirror)) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (long i = 0; i < log.size(); i++) assertTrue(seen.add(new String(log.entry(i).envelope().toJson())), "entry " + i + " twice");
            assertEquals(cp.size(), log.size());
        }
        // the operator rolls the log back to its founding state (same key, an older checkpoint): the mirror refuses it
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (String file : new String[] {"log.json", "entries.bin", "checkpoint"}) {
            Files.copy(early.resolve(file), nodeHome.resolve("log").resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        serve(nodeHome);
        var e = assertThrows(LogMirror.SplitViewException.class, () -> LogMirror.sync(url, mirror, null));
        assertTrue(e.getMessage().contains("older than the one this mirror trusts"), e.getMessage());
        String evidence = Files.readString(e.evidence);
        assertTrue(evidence.contains("--- trusted checkpoint") && evidence.contains("--- shown checkpoint"), evidence);
        var check = TrainCommandTest.cairn("log", "evidence", e.evidence.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().startsWith("ROLLBACK: the log showed size "), check.out());
        assertTrue(f != null);
    }
}
