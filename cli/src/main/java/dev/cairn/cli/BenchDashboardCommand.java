package dev.cairn.cli;

import dev.cairn.governance.Action;
import dev.cairn.governance.Ballot;
import dev.cairn.governance.Community;
import dev.cairn.governance.GovernanceStatement;
import dev.cairn.governance.Motion;
import dev.cairn.governance.Support;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * cairn bench dashboard: the demo's community with its log grown to N entries (proposals and the members' votes on
 * them), served on loopback; each dashboard page's first load is timed as a browser makes it: the HTML, the
 * stylesheet, every ES module, and every API call the page makes when it opens.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Dashboard figures: runs the demo (a short run), grows its log to --entries entries with proposals and votes signed by its",
                "members, serves it on loopback and times each page's first load (HTML, stylesheet, modules, the page's API calls), cold and",
                "then the median of --rounds more loads. Goal: every page <= 300 ms with 100,000 entries."})
final class BenchDashboardCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--entries", paramLabel = "N", defaultValue = "100000", description = "Log size to grow to (default 100,000).") int entries;
    @Option(names = "--rounds", paramLabel = "R", defaultValue = "5", description = "Warm loads per page after the first (default 5).") int rounds;

    static final List<String> ASSETS = List.of("", "ui/style.css", "ui/app.js", "ui/sign.js", "ui/markdown.js", "ui/pages/community.js", "ui/pages/proposals.js",
            "ui/pages/runs.js", "ui/pages/evaluations.js", "ui/pages/releases.js", "ui/pages/lineage.js", "ui/pages/datasets.js", "ui/pages/playground.js",
            "ui/pages/key.js");

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Path root = Files.createTempDirectory("cairn-bench-dashboard");
        o.println("making the demo's community (a 12-step run, its verification, evaluation and release) in " + root + " ...");
        o.flush();
        quiet("demo", "--home", root.toString(), "--steps", "12", "--vocab", "300");
        Path home;
        try (Stream<Path> s = Files.list(root.resolve("demo"))) {
            home = s.findFirst().orElseThrow();
        }
        LedgerHome lh = new LedgerHome(home);
        List<SigningKey> keys = new ArrayList<>();
        for (String m : DemoCommand.MEMBERS) keys.add(lh.keys().load(m, null));
        String community = Community.read(lh).communityId();
        LogNode node = new LogNode(home, new LogNode.Options(1024, 5, 1e9, 200_000));
        long t0 = System.nanoTime();
        grow(node, community, keys, o);
        o.printf(Locale.ROOT, "log grown to %,d entries in %.1f s%n", node.size(), (System.nanoTime() - t0) / 1e9);
        try (var par = new dev.cairn.numerics.Parallel(1)) {
            NodeServer server = new NodeServer(node, new InetSocketAddress("127.0.0.1", 0), NodeServer.Limits.defaults(), null);
            server.serveModels(home, dev.cairn.numerics.Kernels.named("vector"), par);
            server.serveDashboard(home);
            server.start();
            String url = "http://127.0.0.1:" + server.port() + "/";
            try {
                measure(url, node, o);
                inChromium(url, node, o);
            } finally {
                server.close();
                node.close();
            }
        }
        o.println("CPU: " + cpu() + "; goal: every page's first load <= 300 ms on loopback with 100,000 entries");
        o.flush();
        dev.cairn.ledger.Leftovers.delete(root);
        return 0;
    }

    /** Proposals (admit a dataset version), then every member's vote on each, submitted in batches, until the log holds N entries. */
    private void grow(LogNode node, String community, List<SigningKey> keys, PrintWriter o) throws Exception {
        int k = 0;
        while (node.size() < entries) {
            long room = entries - node.size();
            int proposals = (int) Math.max(1, Math.min(2000, room / (1 + keys.size())));
            List<CompletableFuture<?>> pending = new ArrayList<>();
            List<String> digests = new ArrayList<>();
            for (int i = 0; i < proposals; i++, k++) {
                SigningKey by = keys.get(k % keys.size());
                var motion = Motion.of("Admit corpus " + k, "grown by cairn bench dashboard", new Action.AdmitData("corpus-" + k + "@1", sha("corpus-" + k)));
                var st = new GovernanceStatement.Propose(community, motion).toStatement(by.identity());
                digests.add(st.digest());
                pending.add(node.submit(Envelope.sign(st, by).toJson()));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
            Thread.sleep(5); // voting opens strictly after each proposal's snapshot
            pending.clear();
            long votes = entries - node.size();
            for (int i = 0; i < digests.size() && votes > 0; i++) {
                for (SigningKey m : keys) {
                    if (votes-- <= 0) break;
                    var st = new GovernanceStatement.Vote(community, digests.get(i), new Ballot.Simple(i % 5 == 0 ? Support.AGAINST : Support.FOR)).toStatement(m.identity());
                    pending.add(node.submit(Envelope.sign(st, m).toJson()));
                }
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
            if (k % 10_000 < proposals) {
                o.printf(Locale.ROOT, "  %,d entries%n", node.size());
                o.flush();
            }
        }
    }

    private void measure(String url, LogNode node, PrintWriter o) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long middle = node.read(s -> (long) s.proposals().get(s.proposals().size() / 2).number());
        Map<String, List<String>> pages = new LinkedHashMap<>();
        pages.put("community", List.of("api/overview"));
        pages.put("proposals", List.of("api/proposal-list?offset=0&limit=20"));
        pages.put("proposal", List.of("api/proposal?number=" + middle));
        long half = node.read(s -> (long) s.proposals().size() / 2);
        pages.put("proposals, middle page", List.of("api/proposal-list?offset=" + half + "&limit=20"));
        pages.put("runs", List.of("api/runs"));
        pages.put("run", List.of("api/run?name=shakespeare-bpe"));
        pages.put("evaluations", List.of("api/evaluations"));
        pages.put("releases", List.of("api/releases"));
        pages.put("release", List.of("api/release?name=shakespeare-bpe-1"));
        pages.put("lineage", List.of("api/lineage"));
        pages.put("datasets", List.of("api/datasets"));
        pages.put("dataset", List.of("api/dataset?ref=shakespeare%401&offset=0&limit=50"));
        pages.put("playground", List.of("v1/models"));
        pages.put("your key", List.of("api/overview"));
        o.printf(Locale.ROOT, "%-22s %10s %10s %8s   (each: HTML, CSS, %d modules, /api/overview for the header, then the page's calls)%n",
                "page", "first ms", "median ms", "KiB", ASSETS.size() - 2);
        load(http, url, ASSETS, new long[1]); // the server's own warm-up (the static files read from the jar once); no page's data
        double worst = 0;
        for (var e : pages.entrySet()) {
            List<String> calls = new ArrayList<>(ASSETS);
            calls.add("api/overview");
            calls.addAll(e.getValue());
            long[] bytes = new long[1];
            double first = load(http, url, calls, bytes);
            if (e.getKey().equals("release")) first += verdictWait(http, url);
            double[] warm = new double[rounds];
            for (int r = 0; r < rounds; r++) warm[r] = load(http, url, calls, new long[1]);
            Arrays.sort(warm);
            double median = rounds == 0 ? first : warm[rounds / 2];
            worst = Math.max(worst, first);
            o.printf(Locale.ROOT, "%-22s %10.1f %10.1f %8.1f%n", e.getKey(), first, median, bytes[0] / 1024.0);
            o.flush();
        }
        o.printf(Locale.ROOT, "slowest first load: %.1f ms with %,d log entries (%,d proposals)%n", worst, node.size(), node.read(s -> s.proposals().size()));
    }

    /** The same pages in Debian's Chromium (Playwright), each until its content is drawn, when both are installed. */
    private void inChromium(String url, LogNode node, PrintWriter o) throws Exception {
        Path script = Path.of(System.getProperty("cairn.root", "."), "server", "src", "test", "node", "dashboard-timing.mjs");
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isDirectory(script.resolveSibling("node_modules").resolve("playwright-core"))) {
            o.println("in Chromium: skipped (needs /usr/bin/chromium and `npm ci` in server/src/test/node)");
            return;
        }
        long middle = node.read(s -> (long) s.proposals().get(s.proposals().size() / 2).number());
        List<String> cmd = new ArrayList<>(List.of("node", script.toString(), url, String.valueOf(rounds), "#/=#checkpoint", "#/proposals=main table",
                "#/proposals/" + middle + "=#tally", "#/runs=main table", "#/runs/shakespeare-bpe=#run-progress", "#/evaluations=main table",
                "#/releases=main table", "#/releases/shakespeare-bpe-1=#verdict", "#/lineage=#lineage-graph", "#/datasets=main table",
                "#/datasets/shakespeare%401=#trace-q", "#/playground=#pg-run", "#/key=#pkcs8"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            o.println("in Chromium: failed: " + text.strip());
            return;
        }
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text.lines().reduce((a, b) -> b).orElse("{}"));
        o.printf(Locale.ROOT, "in Chromium (navigation until the page's content is drawn):%n%-36s %10s %10s%n", "page", "first ms", "median ms");
        for (var e : j.properties()) o.printf(Locale.ROOT, "%-36s %10.1f %10.1f%n", e.getKey(), e.getValue().path("first").asDouble(), e.getValue().path("median").asDouble());
        o.flush();
    }

    /** Milliseconds until the release's verdict (computed in the background from the node's start) is served. */
    private static double verdictWait(HttpClient http, String url) throws Exception {
        long t0 = System.nanoTime();
        while (new String(http.send(HttpRequest.newBuilder(URI.create(url + "api/release?name=shakespeare-bpe-1")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray()).body()).contains("\"pending\":true")) Thread.sleep(20);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (ms > 1) System.out.printf(Locale.ROOT, "  (the release's verdict was still being computed: %.0f ms more until it was served)%n", ms);
        return ms;
    }

    /** Fetches each path in turn (as one page load), failing on any non-200; returns milliseconds. */
    private static double load(HttpClient http, String url, List<String> paths, long[] bytes) throws Exception {
        long t0 = System.nanoTime();
        for (String p : paths) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + p)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IllegalStateException("GET /" + p + ": HTTP " + r.statusCode() + " " + new String(r.body()));
            bytes[0] += r.body().length;
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static String cpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).strip()
                    + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (java.io.IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
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
