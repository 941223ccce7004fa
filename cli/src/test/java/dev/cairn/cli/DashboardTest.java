package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.governance.Action;
import dev.cairn.governance.Ballot;
import dev.cairn.governance.GovernanceStatement;
import dev.cairn.governance.Member;
import dev.cairn.governance.Motion;
import dev.cairn.governance.Support;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
import dev.cairn.server.LogNode;
import dev.cairn.server.NodeServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard on a node serving the demo's community: its JSON, headers and refusals over HTTP, the live event
 * stream, `cairn key export --pkcs8`, and a member's whole visit in Debian's Chromium driven by Playwright
 * (src/test/node/dashboard-browser.mjs in the server module), whose votes and proposals must be byte for byte the
 * envelopes the command line would have signed.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class DashboardTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String XSS = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    @TempDir static Path tmp;
    static Path home;
    static LogNode node;
    static NodeServer server;
    static dev.cairn.numerics.Parallel par;
    static String url;

    @BeforeAll
    static void serveTheDemo() throws Exception {
        System.setProperty("cairn.root", Path.of("..").toAbsolutePath().normalize().toString());
        var demo = cairn("demo", "--home", tmp.toString(), "--steps", "12", "--vocab", "300", "--threads", "2");
        assertEquals(0, demo.code(), demo.out() + demo.err());
        try (Stream<Path> s = Files.list(tmp.resolve("demo"))) {
            home = s.findFirst().orElseThrow();
        }
        // a proposal whose title is an attack on the page, made before the node takes the log
        Path f = tmp.resolve("xss.toml");
        Files.writeString(f, "title = '" + XSS + "'\ndataset = \"shakespeare@1\"\nroot = \"" + "ef".repeat(32) + "\"\n");
        var p = cairn("propose", "admit-data", "--file", f.toString(), "--key", "cedar-university", "--home", home.toString());
        assertEquals(0, p.code(), p.err());
        // a run in progress: the first lines of the demo run's metrics; the rest are appended while a page watches
        Path live = Files.createDirectories(home.resolve("runs/live-run"));
        Files.copy(home.resolve("runs/shakespeare-bpe/run.json"), live.resolve("run.json"));
        List<String> metrics = Files.readAllLines(home.resolve("runs/shakespeare-bpe/metrics.jsonl"));
        Files.write(live.resolve("metrics.jsonl"), metrics.subList(0, 4));
        node = new LogNode(home, LogNode.Options.defaults());
        par = new dev.cairn.numerics.Parallel(2);
        server = new NodeServer(node, new InetSocketAddress("127.0.0.1", 0), NodeServer.Limits.defaults(), null);
        server.serveModels(home, dev.cairn.numerics.Kernels.named("vector"), par);
        server.serveDashboard(home);
        server.start();
        url = "http://127.0.0.1:" + server.port() + "/";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        if (node != null) node.close();
        if (par != null) par.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String type, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void refused(HttpResponse<String> r, int status, String reason) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        assertTrue(JSON.readTree(r.body()).path("error").asText().contains(reason), r.body());
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void pagesAndTheirJsonCarryAStrictPolicyAndBadRequestsGetJsonReasons() throws Exception {
        for (String path : new String[] {"", "ui/app.js", "ui/pages/proposals.js", "ui/style.css", "api/overview", "api/no-such-thing"}) {
            var r = get(path);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), path + ": " + csp);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
        }
        assertTrue(get("").body().contains("<script type=\"module\" src=\"/ui/app.js\">"));
        var sign = get("ui/sign.js");
        assertEquals("text/javascript; charset=utf-8", sign.headers().firstValue("Content-Type").orElseThrow());
        String etag = sign.headers().firstValue("ETag").orElseThrow();
        var again = HTTP.send(HttpRequest.newBuilder(URI.create(url + "ui/sign.js")).header("If-None-Match", etag).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        assertTrue(again.headers().firstValue("Content-Security-Policy").isPresent());
        JsonNode o = JSON.readTree(get("api/overview").body());
        assertEquals("Shakespeare coalition", o.path("name").asText());
        assertEquals(3, o.path("charter").path("members").size());
        assertTrue(o.path("checkpoint").asText().startsWith("cairn.dev/community/"), o.toString());
        JsonNode list = JSON.readTree(get("api/proposal-list?limit=2").body());
        assertEquals(4, list.path("total").asInt());
        assertEquals(2, list.path("proposals").size());
        assertEquals(XSS, list.path("proposals").get(0).path("title").asText()); // stored and served as data; the page escapes it
        assertEquals(3, JSON.readTree(get("api/proposal-list?offset=1&limit=100").body()).path("proposals").size());
        JsonNode run = JSON.readTree(get("api/run?name=shakespeare-bpe").body());
        assertEquals(12, run.path("step").asInt());
        assertTrue(run.path("verifications").get(0).path("ok").asBoolean(), run.toString());
        assertEquals(64, run.path("transcript_root").asText().length());
        JsonNode rel = JSON.readTree(get("api/release?name=shakespeare-bpe-1").body());
        for (long until = System.currentTimeMillis() + 60_000; rel.path("verdict").path("pending").asBoolean() && System.currentTimeMillis() < until; ) {
            Thread.sleep(50); // verified in the background from the node's start
            rel = JSON.readTree(get("api/release?name=shakespeare-bpe-1").body());
        }
        assertTrue(rel.path("verdict").path("ok").asBoolean(), rel.path("verdict").toString());
        assertEquals(8, rel.path("verdict").path("checks").size());
        assertEquals(200, get("files/releases/shakespeare-bpe-1/config.json").statusCode());
        JsonNode trace = JSON.readTree(get("api/trace?dataset=shakespeare@1&q=ROMEO%3A").body());
        assertTrue(trace.path("count").asInt() > 10, trace.toString());
        String doc = trace.path("matches").get(0).path("document").asText();
        JsonNode d = JSON.readTree(get("api/document?ref=shakespeare@1&id=" + doc).body());
        assertTrue(d.path("text").asText().startsWith("First Citizen:"), d.path("text").asText().substring(0, 40));
        assertTrue(d.path("truncated").asBoolean()); // the whole play is one document: the page shows its first 200,000 characters
        assertEquals(d.path("root").asText(), d.path("inclusion_proof").path("root").asText());

        long size = node.size();
        refused(get("api/proposal-list?limit=1000"), 400, "limit must be 1 to 100");
        refused(get("api/proposal?number=abc"), 400, "give ?number=N");
        refused(get("api/proposal?number=99"), 404, "no proposal 99");
        refused(get("api/run?name=../keys"), 400, "not a name");
        refused(get("api/run?name=nope"), 404, "no run nope");
        refused(get("api/release?name=nope"), 404, "no release nope");
        refused(get("api/dataset?ref=nope@1"), 404, "nope");
        refused(get("api/trace?dataset=shakespeare@1"), 400, "give ?q=");
        refused(get("files/releases/shakespeare-bpe-1/..%2F..%2Fkeys%2Falpine-lab.key"), 400, "bad path");
        refused(get("files/releases/shakespeare-bpe-1/.staging"), 404, "no file .staging");
        refused(get("ui/nope.js"), 404, "no such page file");
        refused(post("api/trace-output", "text/plain", "{}"), 415, "application/json");
        refused(post("api/trace-output", "application/json", "{\"model\":"), 400, "malformed JSON");
        refused(post("api/trace-output", "application/json", "{\"model\":\"no-such-model\",\"text\":\"x\"}"), 404, "model no-such-model");
        refused(post("api/overview", "application/json", "{}"), 405, "not allowed");
        assertEquals(size, node.size(), "no refused request changed the log");
        JsonNode spans = JSON.readTree(post("api/trace-output", "application/json", "{\"model\":\"shakespeare-bpe-1\",\"text\":\"ROMEO:\\nWhat is the matter\",\"min_tokens\":2}").body());
        assertTrue(spans.path("spans").size() > 0, spans.toString());
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void theEventStreamTellsOpenPagesWhenTheLogGrows() throws Exception {
        var req = HttpRequest.newBuilder(URI.create(url + "api/events")).timeout(Duration.ofSeconds(30)).GET().build();
        var resp = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream; charset=utf-8", resp.headers().firstValue("Content-Type").orElseThrow());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            long first = size(nextData(r)); // the node's state as of its last poll (every 200 ms)
            assertTrue(first > 0 && first <= node.size(), "first event: size " + first);
            SigningKey bob = new LedgerHome(home).keys().load("boreal-institute", null);
            long grown = node.submit(NodeServerTest.note(node.read(s -> s.communityId()), bob, 7).toJson()).get().path("index").asLong() + 1;
            long seen;
            do {
                seen = size(nextData(r)); // the stream ends after 50 s, which fails nextData
            } while (seen < grown);
            assertEquals(grown, seen);
        }
    }

    static long size(String data) throws Exception {
        return JSON.readTree(data.substring("data: ".length())).path("size").asLong();
    }

    static String nextData(BufferedReader r) throws Exception {
        String line;
        while ((line = r.readLine()) != null) if (line.startsWith("data: ")) return line;
        throw new AssertionError("the event stream ended");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void keyExportWritesPkcs8ThatJavaReadsAsTheSameKeyAndWarnsItIsSecret() throws Exception {
        Path out = tmp.resolve("cedar.pem");
        var r = cairn("key", "export", "cedar-university", "--pkcs8", "--out", out.toString(), "--home", home.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("SECRET"), r.err());
        String pem = Files.readString(out);
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n") && pem.endsWith("-----END PRIVATE KEY-----\n"), pem);
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        var priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        SigningKey cedar = new LedgerHome(home).keys().load("cedar-university", null);
        var sig = java.security.Signature.getInstance("Ed25519");
        sig.initSign(priv);
        sig.update("cairn".getBytes());
        assertTrue(cedar.identity().verify("cairn".getBytes(), sig.sign()), "the exported key signs as cedar-university");
        var b64 = cairn("key", "export", "cedar-university", "--pkcs8", "--base64", "--home", home.toString());
        assertEquals(Base64.getEncoder().encodeToString(der), b64.out().strip());
        var again = cairn("key", "export", "cedar-university", "--pkcs8", "--out", out.toString(), "--home", home.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
        var none = cairn("key", "export", "nobody", "--pkcs8", "--home", home.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("cairn key export: error: no private key named nobody"), none.err());
        assertEquals(2, cairn("key", "export", "cedar-university", "--home", home.toString()).code(), "--pkcs8 is required");
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void aMemberVotesProposesAndWatchesInChromiumAndAHostileTitleRunsNoScript() throws Exception {
        Path client = Path.of("..", "server", "src", "test", "node").toAbsolutePath().normalize();
        boolean ready = Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isDirectory(client.resolve("node_modules/playwright-core"));
        try {
            ready &= new ProcessBuilder("node", "--version").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            ready = false;
        }
        if (!ready) {
            if ("true".equals(System.getenv("CI"))) org.junit.jupiter.api.Assertions.fail("Chromium (/usr/bin/chromium), node or playwright-core is missing in CI; .ci/run installs them");
            Assumptions.assumeTrue(false, "Chromium, node or playwright-core is missing (apt-get install chromium; npm ci in server/src/test/node); skipping");
        }
        Path pem = tmp.resolve("alpine.pem");
        assertEquals(0, cairn("key", "export", "alpine-lab", "--pkcs8", "--out", pem.toString(), "--home", home.toString()).code());
        Path shots = Files.createDirectories(Path.of("target", "screenshots").toAbsolutePath());
        String community = node.read(s -> s.communityId());
        String digest = node.read(s -> s.proposal("4").orElseThrow().digest());
        Process p = new ProcessBuilder("node", client.resolve("dashboard-browser.mjs").toString(), url, shots.toString(), pem.toString(), "4", "live-run",
                "shakespeare-bpe-1", "shakespeare@1").redirectErrorStream(true).start();
        StringBuilder all = new StringBuilder();
        String last = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)); OutputStream in = p.getOutputStream()) {
            String line;
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                last = line;
                if (line.equals("WAIT another-member-votes")) {
                    SigningKey boreal = new LedgerHome(home).keys().load("boreal-institute", null);
                    node.submit(Envelope.sign(new GovernanceStatement.Vote(community, digest, new Ballot.Simple(Support.FOR)).toStatement(boreal.identity()), boreal).toJson()).get();
                    in.write("GO\n".getBytes());
                    in.flush();
                } else if (line.equals("WAIT run-progress")) {
                    List<String> metrics = Files.readAllLines(home.resolve("runs/shakespeare-bpe/metrics.jsonl"));
                    Files.write(home.resolve("runs/live-run/metrics.jsonl"), metrics.subList(4, metrics.size()), java.nio.file.StandardOpenOption.APPEND);
                    in.write("GO\n".getBytes());
                    in.flush();
                }
            }
        }
        assertEquals(0, p.waitFor(), all.toString());
        JsonNode j = JSON.readTree(last);
        System.out.println("dashboard in Chromium, first load per page (ms): " + j.path("pages"));
        assertTrue(j.path("headers").path("csp").asText().contains("script-src 'self'"));
        assertFalse(j.path("key_extractable").asBoolean(true), "the imported key is kept non-extractable");
        // the hostile title is shown as text, and no script of it ran
        assertEquals(XSS, j.path("title_text").asText());
        assertTrue(j.path("list_text").asText().contains(XSS));
        assertTrue(j.path("pwned").isNull(), "a proposal title ran script: " + j.path("pwned"));
        assertEquals(0, j.path("dialogs").size());
        assertTrue(j.path("inline_blocked").path("ran").isNull(), "the Content-Security-Policy let inline script run: " + j.path("inline_blocked"));
        assertTrue(j.path("inline_blocked").path("violations").size() >= 2, j.path("inline_blocked").toString());
        assertEquals(0, j.path("page_errors").size(), j.path("page_errors").toString());
        // the vote: tally moved, the receipt's proof checked in the browser, the logged envelope is the one the CLI signs
        assertTrue(j.path("tally_before").asText().startsWith("for 0 "), j.path("tally_before").asText());
        assertTrue(j.path("tally_after_vote").asText().startsWith("for 1 "), j.path("tally_after_vote").asText());
        assertTrue(j.path("tally_live").asText().startsWith("for 2 "), "live update after another member voted: " + j.path("tally_live").asText());
        assertEquals(1, j.path("receipt_kept").asInt());
        SigningKey alpine = new LedgerHome(home).keys().load("alpine-lab", null);
        String vote = new String(Envelope.sign(new GovernanceStatement.Vote(community, digest, new Ballot.Simple(Support.FOR)).toStatement(alpine.identity()), alpine).toJson());
        assertEquals(vote, new String(node.log().entry(receiptIndex(j.path("receipt").asText())).envelope().toJson()));
        var motion = Motion.of("Admit the browser's \"Ærø\" corpus\t— 日本語 \uD834\uDD1E", "proposed from the dashboard", new Action.AdmitData("shakespeare@1", "cd".repeat(32)));
        String proposal = new String(Envelope.sign(new GovernanceStatement.Propose(community, motion).toStatement(alpine.identity()), alpine).toJson());
        assertEquals(proposal, new String(node.log().entry(receiptIndex(j.path("propose_receipt").asText())).envelope().toJson()));
        assertEquals("Public key: required", j.path("propose_missing_key").asText());
        var member = Motion.of("Add delta-lab", "", new Action.AddMember(new Member("ef".repeat(32), "delta-lab", 1)));
        String proposeMember = new String(Envelope.sign(new GovernanceStatement.Propose(community, member).toStatement(alpine.identity()), alpine).toJson());
        assertEquals(proposeMember, new String(node.log().entry(receiptIndex(j.path("propose_member_receipt").asText())).envelope().toJson()));
        // a bad signature: 400 with a JSON reason, the log unchanged
        JsonNode bad = j.path("bad_signature");
        assertEquals(400, bad.path("status").asInt(), bad.toString());
        assertTrue(bad.path("body").path("error").asText().contains("does not verify"), bad.toString());
        assertEquals(bad.path("before").asLong(), bad.path("after").asLong());
        // the run page followed the trainer's progress; the release page shows the verdict; the playground streamed and traced
        assertTrue(j.path("run_before").asText().startsWith("step 3 of 12"), j.path("run_before").asText());
        assertTrue(j.path("run_after").asText().startsWith("step 12 of 12"), j.path("run_after").asText());
        assertEquals(2, j.path("run_curve_lines").asInt());
        assertTrue(j.path("verdict").asText().startsWith("release verify: OK"), j.path("verdict").asText());
        assertEquals(200, j.path("download_status").asInt());
        assertTrue(j.path("trace_text").asText().matches("\\d+ occurrence\\(s\\) in shakespeare@1"), j.path("trace_text").asText());
        JsonNode pg = j.path("playground");
        assertTrue(pg.path("status").asText().endsWith("done"), pg.toString());
        // Streamed: the page parsed the completion as several server-sent events and appended each as it was parsed. Whether
        // they also reached the page in separate network reads depends on how fast the model decodes (often all at once).
        var chunks = java.util.regex.Pattern.compile("^(\\d+) chunks streamed").matcher(pg.path("status").asText());
        assertTrue(chunks.find() && Integer.parseInt(chunks.group(1)) >= 2, "the output came as several events: " + pg);
        assertTrue(pg.path("marks").asInt() > 0, "spans found in the training data are marked and linked: " + pg);
        for (String shot : new String[] {"community", "key", "proposals", "proposal-voted", "run-live", "release", "evaluations", "propose-member", "lineage", "datasets",
                "dataset-trace", "playground"}) {
            assertTrue(Files.size(shots.resolve(shot + ".png")) > 1000, shot);
        }
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void idleEventStreamsPastTheLimitGet503AndTheNodeStaysUp() throws Exception {
        List<java.net.Socket> held = new java.util.ArrayList<>();
        int port = server.port();
        String refusal = null;
        try {
            // streams the earlier tests' pages left are released only at their next keep-alive, so count up to the first 503
            while (held.size() < 600 && refusal == null) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", port);
                held.add(s);
                s.setSoTimeout(20_000);
                s.getOutputStream().write("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                String status = new String(s.getInputStream().readNBytes(12));
                if (status.equals("HTTP/1.1 503")) {
                    refusal = rest(s.getInputStream());
                } else {
                    assertEquals("HTTP/1.1 200", status);
                }
            }
            assertTrue(refusal != null, "600 idle streams were all accepted");
            assertTrue(held.size() > 400 && held.size() <= 513, "refused after " + held.size() + " streams");
            assertTrue(refusal.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), refusal);
            assertTrue(JSON.readTree(refusal.substring(refusal.indexOf("\r\n\r\n") + 4)).path("error").asText().contains("too many open event streams"), refusal);
            assertEquals(200, get("api/overview").statusCode(), "pages and their JSON still answer");
            assertEquals(200, get("checkpoint").statusCode());
        } finally {
            for (java.net.Socket s : held) s.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    void aRestartedNodeServesTheLastReleaseVerdictAtOnce() throws Exception {
        JsonNode before = JSON.readTree(get("api/release?name=shakespeare-bpe-1").body()).path("verdict");
        assertTrue(before.path("ok").asBoolean(), before.toString());
        assertTrue(Files.isRegularFile(home.resolve("cache/release-verdicts/shakespeare-bpe-1.json")));
        server.close();
        node.close();
        node = new LogNode(home, LogNode.Options.defaults());
        server = new NodeServer(node, new InetSocketAddress("127.0.0.1", 0), NodeServer.Limits.defaults(), null);
        server.serveDashboard(home);
        server.start();
        url = "http://127.0.0.1:" + server.port() + "/";
        JsonNode after = JSON.readTree(get("api/release?name=shakespeare-bpe-1").body()).path("verdict");
        assertFalse(after.path("pending").asBoolean(), "served from the last node's verdict, not pending: " + after);
        assertTrue(after.path("ok").asBoolean(), after.toString());
        assertEquals(before.path("checks"), after.path("checks"));
        assertTrue(after.path("checked_at_size").asLong() <= node.size(), after.toString());
    }

    /** The rest of an HTTP/1.1 response after its first 12 bytes: headers, then Content-Length bytes of body. */
    static String rest(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) break;
            head.write(b);
        }
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head.toString());
        return head + (m.find() ? new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8) : "");
    }

    static long receiptIndex(String receipt) {
        Matcher m = Pattern.compile("Included at log index (\\d+)").matcher(receipt);
        assertTrue(m.find(), receipt);
        assertTrue(receipt.contains("inclusion proof verified in this browser"), receipt);
        return Long.parseLong(m.group(1));
    }
}
