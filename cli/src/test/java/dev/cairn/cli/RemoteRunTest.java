package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.TransparencyLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A governed run over the network: the node and two witnesses in their own processes, the trainer naming the node
 * in HOME/config.toml, a second member verifying from another home; the beacon is a cosigned checkpoint.
 */
class RemoteRunTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir Path dir;
    final CairnProcesses servers = new CairnProcesses();

    @AfterEach
    void stop() {
        servers.close();
    }


    static TrainCommandTest.Result ok(String... args) {
        TrainCommandTest.Result r = TrainCommandTest.cairn(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return m.group(1);
    }

    @Test
    void aRunTrainedAndVerifiedOverHttpHasACosignedBeacon() throws Exception {
        Path alice = dir.resolve("alice"), bob = dir.resolve("bob");
        String a = alice.toString();
        for (String k : new String[] {"alice", "bob", "w1", "w2"}) ok("key", "new", k, "--home", a);
        Path charter = dir.resolve("charter.toml");
        Files.writeString(charter, "[[members]]\nname = \"Alice\"\nkey = \"@alice\"\n[[members]]\nname = \"Bob\"\nkey = \"@bob\"\n"
                + "[[witnesses]]\nname = \"w1\"\nkey = \"@w1\"\n[[witnesses]]\nname = \"w2\"\nkey = \"@w2\"\n[witnessing]\nquorum = 2\n"
                + "[defaults]\nrule = \"majority\"\nquorum = \"50%\"\nsuper_quorum = \"100%\"\nvoting_delay = \"0s\"\nvoting_period = \"1d\"\ntimelock = \"0s\"\n"
                + "grace_period = \"7d\"\nproposal_threshold = 1\nvote_replacement = false\ndelegation = false\n"
                + "[decisions.start_run]\nrule = \"schulze\"\n");
        ok("init", "--name", "Networked", "--charter", charter.toString(), "--key", "alice", "--home", a);
        Path text = dir.resolve("corpus.txt");
        try (var in = RemoteRunTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(text, Arrays.copyOf(in.readAllBytes(), 20_000));
        }
        String root = find(ok("data", "add", text.toString(), "--dataset", "plays", "--license", "CC0-1.0", "--source", "https://example.org/plays", "--home", a).out(), "root ([0-9a-f]{64})");
        String tokenizer = find(ok("tokenizer", "train", "--dataset", "plays@1", "--vocab", "300", "--home", a).out(), "tokenizer ([0-9a-f]{64})");
        Path recipe = dir.resolve("recipe.json");
        String digest = find(ok("run", "recipe", "--dataset", "plays@1", "--tokenizer", tokenizer.substring(0, 16), "--out", recipe.toString(),
                "--steps", "4", "--layers", "1", "--heads", "2", "--embd", "16", "--ctx", "16", "--batch", "2", "--eval-every", "2",
                "--checkpoint-every", "2", "--home", a).out(), "(?m)^([0-9a-f]{64})");

        String origin, logKey;
        try (TransparencyLog log = new LedgerHome(alice).openLogReadOnly()) {
            origin = log.origin();
            logKey = log.logKey().publicKeyHex();
        }
        String w1 = servers.start("witness w1", "witness", "serve", "--key", "w1", "--home", a, "--listen", "127.0.0.1:0", "--log", origin + "=" + logKey);
        String w2 = servers.start("witness w2", "witness", "serve", "--key", "w2", "--home", a, "--listen", "127.0.0.1:0", "--log", origin + "=" + logKey);
        String url = servers.start("serving", "serve", "--home", a, "--listen", "127.0.0.1:0", "--witness", "w1=" + w1, "--witness", "w2=" + w2, "--batch-ms", "3");
        // Alice names the node once; Bob, on his own machine with only his key, says --remote.
        Files.writeString(alice.resolve("config.toml"), "[node]\nurl = \"" + url + "\"\n");
        Files.createDirectories(bob.resolve("keys"));
        for (String f : new String[] {"bob.key", "bob.pub"}) Files.copy(alice.resolve("keys").resolve(f), bob.resolve("keys").resolve(f));
        String b = bob.toString();

        Path admit = dir.resolve("admit.toml"), run = dir.resolve("run.toml");
        Files.writeString(admit, "title = \"Admit\"\ndataset = \"plays@1\"\nroot = \"" + root + "\"\n");
        ok("propose", "admit-data", "--file", admit.toString(), "--key", "alice", "--home", a);
        ok("vote", "1", "for", "--key", "alice", "--home", a);
        ok("vote", "1", "for", "--key", "bob", "--home", b, "--remote", url);
        ok("execute", "1", "--key", "alice", "--home", a);
        Files.writeString(run, "title = \"Run\"\n[[options]]\nid = \"a\"\nrun = \"plays-1\"\nrecipe = \"" + digest + "\"\ndataset_root = \"" + root + "\"\ntokenizer = \"" + tokenizer + "\"\n"
                + "[[options]]\nid = \"b\"\nrun = \"plays-2\"\nrecipe = \"" + digest + "\"\ndataset_root = \"" + root + "\"\ntokenizer = \"" + tokenizer + "\"\n");
        ok("propose", "start-run", "--file", run.toString(), "--key", "bob", "--home", b, "--remote", url);
        ok("vote", "2", "--rank", "a,b", "--key", "alice", "--home", a);
        ok("vote", "2", "--rank", "a,b", "--key", "bob", "--home", b, "--remote", url);
        ok("execute", "2", "--key", "bob", "--home", b, "--remote", url);

        Path runDir = dir.resolve("runs/plays-1");
        var started = ok("run", "start", "2", "--key", "alice", "--recipe", recipe.toString(), "--out", runDir.toString(), "--home", a, "--threads", "2");
        assertTrue(started.err().contains("run-progress (checkpoint 2) signed by alice at log entry") && started.err().contains(" of " + url), started.err());
        String beacon = Files.readString(runDir.resolve("beacon-checkpoint"));
        assertTrue(beacon.contains("\n\u2014 w1 ") && beacon.contains("\n\u2014 w2 "), "the beacon is cosigned by both witnesses:\n" + beacon);

        // Bob verifies from his machine with a copy of the run, and his attestation travels to the node.
        var v = ok("verify", runDir.toString(), "--spot-check", "1", "--segment", "2", "--key", "bob", "--home", b, "--remote", url, "--json");
        JsonNode verdict = v.json();
        assertTrue(verdict.path("ok").asBoolean(), v.out());
        long attestation = verdict.path("attestation_index").asLong();
        JsonNode info = new ObjectMapper().readTree(get(url + "api/log").body());
        assertTrue(info.path("size").asLong() > attestation, info.toString());

        // The run-finished entry's proof, looked up by its envelope's digest.
        long finished = -1;
        String envelopeDigest = null;
        Path mirror = GovernanceCli.mirrorHome(bob, url).resolve("log");
        try (TransparencyLog log = TransparencyLog.openReadOnly(mirror)) {
            for (long i = 0; i < log.size(); i++) {
                byte[] leaf = log.leafInput(i);
                String json = new String(leaf, 8, leaf.length - 8, java.nio.charset.StandardCharsets.UTF_8);
                if (json.contains("dHJhaW5pbmcvcnVuLWZpbmlzaGVk") || new String(java.util.Base64.getDecoder().decode(
                        new ObjectMapper().readTree(json).path("payload").asText()), java.nio.charset.StandardCharsets.UTF_8).contains("run-finished/v1")) {
                    finished = i;
                    envelopeDigest = Hex.encode(MerkleTree.sha256(Arrays.copyOfRange(leaf, 8, leaf.length)));
                    break;
                }
            }
        }
        assertTrue(finished > 0, "the node's log holds the run-finished statement");
        HttpResponse<String> proof = get(url + "api/proof?digest=" + envelopeDigest);
        assertEquals(200, proof.statusCode(), proof.body());
        assertEquals(finished, new ObjectMapper().readTree(proof.body()).path("index").asLong());
        assertEquals(404, get(url + "api/proof?digest=" + "00".repeat(32)).statusCode());
        assertEquals(400, get(url + "api/proof?digest=xyz").statusCode());

        // A beacon stripped of its cosignatures is refused: the trainer cannot substitute a checkpoint of its choosing.
        String stripped = beacon.lines().filter(l -> !l.startsWith("\u2014 w")).reduce("", (x, y) -> x + y + "\n");
        Files.writeString(runDir.resolve("beacon-checkpoint"), stripped);
        var refused = TrainCommandTest.cairn("verify", runDir.toString(), "--spot-check", "1", "--segment", "2", "--home", b, "--remote", url, "--json");
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue(refused.out().contains("beacon-checkpoint") && refused.out().contains("witness cosignatures"), refused.out());

        // A malformed config names the file and the field.
        Files.writeString(alice.resolve("config.toml"), "[node]\nurl = \"ftp://x\"\n");
        var bad = TrainCommandTest.cairn("proposal", "show", "1", "--home", a);
        assertFalse(bad.code() == 0);
        assertTrue(bad.err().contains("config.toml: [node] url must be an http:// or https:// URL"), bad.err());
    }

    /** A cairn command in its own JVM with extra JVM options (a trust store); returns exit code, stdout and stderr. */
    static TrainCommandTest.Result child(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.cairn.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes());
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        return new TrainCommandTest.Result(p.exitValue(), out, err.get().replaceFirst("^WARNING: Using incubator modules: [^\n]*\n", ""));
    }

    @Test
    void aNodeOverTlsIsMirroredAndTheMirrorServesTheSameVerifiedState() throws Exception {
        Path node = dir.resolve("node"), member = dir.resolve("member");
        String n = node.toString();
        for (String k : new String[] {"alice", "bob"}) ok("key", "new", k, "--home", n);
        Path charter = dir.resolve("charter.toml");
        Files.writeString(charter, "[[members]]\nname = \"Alice\"\nkey = \"@alice\"\n[[members]]\nname = \"Bob\"\nkey = \"@bob\"\n"
                + "[defaults]\nrule = \"majority\"\nquorum = \"50%\"\nvoting_delay = \"0s\"\nvoting_period = \"1d\"\ntimelock = \"0s\"\n"
                + "grace_period = \"7d\"\nproposal_threshold = 1\nvote_replacement = false\ndelegation = false\n");
        ok("init", "--name", "Mirrored", "--charter", charter.toString(), "--key", "alice", "--home", n);

        // A self-signed certificate for 127.0.0.1 (keytool), written as the PEM files cairn serve takes.
        Path ks = dir.resolve("tls.p12");
        Process kt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "node",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String ktOut = new String(kt.getInputStream().readAllBytes());
        assertEquals(0, kt.waitFor(), ktOut);
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(store.getCertificate("node").getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(store.getKey("node", "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");

        String url = servers.start("serving", "serve", "--home", n, "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertTrue(url.startsWith("https://"), url);
        List<String> trust = List.of("-Djavax.net.ssl.trustStore=" + ks, "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12");
        Files.createDirectories(member.resolve("keys"));
        for (String f : new String[] {"bob.key", "bob.pub"}) Files.copy(node.resolve("keys").resolve(f), member.resolve("keys").resolve(f));
        Path prop = dir.resolve("p.toml");
        Files.writeString(prop, "title = \"Admit\"\ndataset = \"d@1\"\nroot = \"" + "ab".repeat(32) + "\"\n");
        var proposed = child(trust, "propose", "admit-data", "--file", prop.toString(), "--key", "bob", "--home", member.toString(), "--remote", url);
        assertEquals(0, proposed.code(), proposed.err());
        var untrusted = child(List.of(), "proposal", "show", "1", "--home", dir.resolve("stranger").toString(), "--remote", url);
        assertTrue(untrusted.code() != 0, "a client that does not trust the certificate refuses the node");

        // A mirror follows the TLS node; served read-only over plain HTTP, it gives readers the same verified state.
        Path mirror = dir.resolve("mirror");
        var synced = child(trust, "mirror", url, "--out", mirror.toString());
        assertEquals(0, synced.code(), synced.err());
        String mirrorUrl = servers.start("serving", "serve", "--mirror", mirror.toString(), "--listen", "127.0.0.1:0");
        var viaNode = child(trust, "proposal", "show", "1", "--json", "--home", member.toString(), "--remote", url);
        var viaMirror = ok("proposal", "show", "1", "--json", "--home", dir.resolve("reader").toString(), "--remote", mirrorUrl);
        assertEquals(0, viaNode.code(), viaNode.err());
        JsonNode a = whole(viaNode.out()), b = whole(viaMirror.out());
        assertEquals(a.path("tally"), b.path("tally"), viaNode.out() + "\n---\n" + viaMirror.out());
        assertTrue(b.toString().contains("\"Admit\""), viaMirror.out());
        HttpResponse<String> add = HTTP.send(HttpRequest.newBuilder(URI.create(mirrorUrl + "add")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, add.statusCode(), add.body());
        assertTrue(new ObjectMapper().readTree(add.body()).path("error").asText().contains("read-only mirror"), add.body());

        // The node grows; the mirror follows; its server re-reads the mirror.
        assertEquals(0, child(trust, "vote", "1", "for", "--key", "bob", "--home", member.toString(), "--remote", url).code());
        assertEquals(0, child(trust, "mirror", url, "--out", mirror.toString()).code());
        long size = 0;
        for (int i = 0; i < 50 && size < 3; i++) {
            size = new ObjectMapper().readTree(get(mirrorUrl + "api/log").body()).path("size").asLong();
            Thread.sleep(100);
        }
        assertEquals(3, size, "genesis, the proposal and the vote, as the mirror now holds them");
        var tally = ok("proposal", "show", "1", "--json", "--home", dir.resolve("reader").toString(), "--remote", mirrorUrl);
        assertEquals(1, whole(tally.out()).path("tally").path("for").asInt(), tally.out());
    }

    /** The JSON object a command printed (pretty-printed over several lines). */
    static JsonNode whole(String out) throws Exception {
        return new ObjectMapper().readTree(out.substring(out.indexOf('{')));
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
