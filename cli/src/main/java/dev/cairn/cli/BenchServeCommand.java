package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.governance.Ballot;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.GovernanceStatement;
import dev.cairn.governance.Support;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogMirror;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.TransparencyLog;
import dev.cairn.server.LogNode;
import dev.cairn.server.NodeServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** cairn bench serve: signed votes over loopback from concurrent members, against a node on this machine. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Node figures: N members (default 16) each submit signed votes over loopback HTTP for a fixed time, on proposals",
                "made beforehand, with two witnesses on loopback cosigning the node's checkpoints; prints acknowledged entries/s,",
                "acknowledgement latency p50 and p99, the witness round trip, Merkle tiles and entry bundles served per second, replay speed of the resulting log with signature verification, and a final check that every acknowledged",
                "vote is in the log exactly once. Goals: >= 2,000 entries/s, p99 <= 250 ms."})
final class BenchServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--clients", paramLabel = "N", defaultValue = "16") int clients;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10") int seconds;
    @Option(names = "--proposals", paramLabel = "P", defaultValue = "2000", description = "Proposals made first (each member votes once on each).") int proposals;
    @Option(names = "--in-flight", paramLabel = "K", defaultValue = "8", description = "Votes each member has in flight at once (default 8).") int inFlight;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Path home = Files.createTempDirectory("cairn-bench-serve");
        List<String> names = new ArrayList<>();
        StringBuilder charter = new StringBuilder("title = \"bench\"\n");
        for (int i = 0; i < clients; i++) {
            String n = "m" + i;
            names.add(n);
            quiet("key", "new", n, "--home", home.toString());
            charter.append("[[members]]\nname = \"M").append(i).append("\"\nkey = \"@").append(n).append("\"\n");
        }
        charter.append("[defaults]\nrule = \"majority\"\nquorum = \"100%\"\nvoting_delay = \"0s\"\nvoting_period = \"7d\"\ntimelock = \"0s\"\n"
                + "grace_period = \"7d\"\nproposal_threshold = 1\nvote_replacement = false\ndelegation = false\n");
        Path cf = home.resolve("charter.toml");
        Files.writeString(cf, charter);
        quiet("init", "--name", "Bench", "--charter", cf.toString(), "--key", names.getFirst(), "--home", home.toString());
        LedgerHome lh = new LedgerHome(home);
        List<SigningKey> keys = new ArrayList<>();
        for (String n : names) keys.add(lh.keys().load(n, null));
        String community = Community.read(lh).communityId();
        LogNode node = new LogNode(home, new LogNode.Options(1024, 5, 1e6, 100_000));
        List<dev.cairn.server.WitnessServer> witnesses = new ArrayList<>();
        List<String> witnessSpecs = new ArrayList<>();
        try (TransparencyLog log = lh.openLogReadOnly()) {
            for (int w = 0; w < 2; w++) { // two witnesses on loopback, as a charter's quorum would have them
                var ws = new dev.cairn.server.WitnessServer("w" + w, SigningKey.generate(), java.util.Map.of(log.origin(), log.logKey()),
                        home.resolve("witness-w" + w + ".json"), new InetSocketAddress("127.0.0.1", 0));
                ws.start();
                witnesses.add(ws);
                witnessSpecs.add("w" + w + "=http://127.0.0.1:" + ws.port() + "/");
            }
        }
        node.witnesses(witnessSpecs);
        NodeServer server = new NodeServer(node, new InetSocketAddress("127.0.0.1", 0), new NodeServer.Limits(1 << 20, 4096, 30), null);
        server.start();
        String url = "http://127.0.0.1:" + server.port() + "/";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        o.printf(Locale.ROOT, "node at %s; making %d proposals ...%n", url, proposals);
        o.flush();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < proposals; p++) {
                int k = p;
                pool.submit(() -> {
                    var motion = dev.cairn.governance.Motion.of("Admit " + k, "", new dev.cairn.governance.Action.AdmitData("d" + k + "@1", sha("d" + k)));
                    Envelope env = Envelope.sign(new GovernanceStatement.Propose(community, motion).toStatement(keys.get(k % clients).identity()), keys.get(k % clients));
                    if (post(http, url, env.toJson()).statusCode() == 200) ids.add(env.statement().digest());
                    return null;
                });
            }
        }
        Thread.sleep(50); // voting opens strictly after each proposal's snapshot
        ConcurrentHashMap<String, Long> acked = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong refused = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L, t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients * inFlight; c++) {
                int me = c % clients, lane = c / clients;
                pool.submit(() -> {
                    for (int v = lane; v < ids.size(); v += inFlight) {
                        String id = ids.get(v);
                        if (System.nanoTime() > end) break;
                        Envelope env = Envelope.sign(new GovernanceStatement.Vote(community, id, new Ballot.Simple(Support.FOR)).toStatement(keys.get(me).identity()), keys.get(me));
                        long s = System.nanoTime();
                        var r = post(http, url, env.toJson());
                        latencies.add(System.nanoTime() - s);
                        if (r.statusCode() == 200) acked.put(new String(env.toJson()), new ObjectMapper().readTree(r.body()).path("index").asLong());
                        else refused.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Collections.sort(latencies);
        o.printf(Locale.ROOT, "%d clients x %d in flight, %.1f s: %,d votes acknowledged, %,.0f entries/s; latency p50 %.1f ms, p99 %.1f ms; %d refused%n",
                clients, inFlight, secs, acked.size(), acked.size() / secs, pct(latencies, 0.50), pct(latencies, 0.99), refused.get());
        List<Long> rt = new ArrayList<>(node.witnessRoundTrips());
        Collections.sort(rt);
        o.printf(Locale.ROOT, "witnesses: %,d cosignatures gathered (2 witnesses, one checkpoint at a time each); round trip p50 %.1f ms, p99 %.1f ms%n",
                rt.size(), pct(rt, 0.50), pct(rt, 0.99));
        long size = node.size();
        AtomicLong tiles = new AtomicLong();
        long tEnd = System.nanoTime() + 2_000_000_000L, tt0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 8; c++) {
                int lane = c;
                pool.submit(() -> {
                    for (long i = lane; System.nanoTime() < tEnd; i += 8) {
                        long n = i % Math.max(1, size / 256);
                        String path = "tile/0/" + dev.cairn.ledger.Tiles.encodeIndex(n);
                        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() == 200) tiles.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        o.printf(Locale.ROOT, "tiles: %,.0f full level-0 tiles served per second (8 readers, 2 s)%n", tiles.get() / ((System.nanoTime() - tt0) / 1e9));
        Path mirror = home.resolve("mirror/log");
        long m0 = System.nanoTime();
        var cp = LogMirror.sync(url, mirror, null);
        double ms = (System.nanoTime() - m0) / 1e9;
        o.printf(Locale.ROOT, "mirror: %,d entries (%d entry bundles) fetched and verified in %.2f s: %,.0f bundles/s%n", cp.size(), (cp.size() + 255) / 256, ms, ((cp.size() + 255) / 256) / ms);
        server.close();
        node.close();
        for (var w : witnesses) w.close();
        try (TransparencyLog log = TransparencyLog.openReadOnly(mirror)) {
            long r0 = System.nanoTime();
            CommunityState st = Community.replay(log, log.size());
            double rs = (System.nanoTime() - r0) / 1e9;
            java.util.Set<String> seen = new java.util.HashSet<>();
            int dup = 0;
            for (long i = 0; i < log.size(); i++) if (!seen.add(new String(log.entry(i).envelope().toJson()))) dup++;
            long missing = acked.entrySet().stream().filter(e -> !new String(entryJson(log, e.getValue())).equals(e.getKey())).count();
            o.printf(Locale.ROOT, "replay with signature verification: %,d entries in %.2f s (%,.0f entries/s), %d proposals; lost %d, duplicated %d%n",
                    log.size(), rs, log.size() / rs, st.proposals().size(), missing, dup);
        }
        o.println("goals: >= 2,000 entries/s, p99 <= 250 ms, replay >= 15,000 entries/s");
        dev.cairn.ledger.Leftovers.delete(home);
        return 0;
    }

    private static byte[] entryJson(TransparencyLog log, long i) {
        return i < log.size() ? log.entry(i).envelope().toJson() : new byte[0];
    }

    static HttpResponse<String> post(HttpClient http, String url, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + "add")).timeout(java.time.Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double pct(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (q * sorted.size()))) / 1e6;
    }

    private static String sha(String s) {
        return dev.cairn.ledger.Hex.encode(dev.cairn.ledger.MerkleTree.sha256(s.getBytes()));
    }

    private static void quiet(String... args) {
        StringWriter w = new StringWriter();
        int code = Cairn.run(new PrintWriter(w), new PrintWriter(w), args);
        if (code != 0) throw new IllegalStateException("bench setup failed: cairn " + String.join(" ", args) + ": " + w);
    }
}
