package dev.cairn.cli;

import static dev.cairn.cli.TrainCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's community releases its model; then every way a bundle can be wrong is refused by name. */
class ReleaseFlowTest {
    @TempDir static Path tmp;
    static Path home, bundle;

    @BeforeAll
    static void demo() throws Exception {
        System.setProperty("cairn.root", Path.of("..").toAbsolutePath().normalize().toString());
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Cairn.run(new PrintWriter(o, true), new PrintWriter(e, true),
                "demo", "--home", tmp.toString(), "--steps", "3", "--vocab", "300", "--threads", "2");
        assertEquals(0, code, o + "\n" + e);
        assertTrue(o.toString().contains("VERIFIED: "), o.toString());
        try (Stream<Path> s = Files.list(tmp.resolve("demo"))) {
            home = s.findFirst().orElseThrow();
        }
        bundle = home.resolve("releases/shakespeare-bpe-1");
    }

    static JsonNode verify(Path dir) throws Exception {
        var r = cairn("release", "verify", dir.toString(), "--home", home.toString(), "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(j.path("ok").asBoolean() ? 0 : 1, r.code(), r.err());
        return j;
    }

    static Path copy(String name) throws Exception {
        Path d = tmp.resolve(name);
        Files.createDirectories(d);
        try (Stream<Path> s = Files.list(bundle)) {
            for (Path f : s.toList()) Files.copy(f, d.resolve(f.getFileName()));
        }
        return d;
    }

    @Test
    void theBundleVerifiesAndLoads() throws Exception {
        JsonNode j = verify(bundle);
        assertTrue(j.path("ok").asBoolean(), j.toString());
        assertEquals(8, j.path("checks").size());
        assertTrue(j.toString().contains("figures in the card's model-index match signed evaluation attestations"), j.toString());
        assertTrue(j.path("first_failure").isNull());
        for (String f : new String[] {"model.safetensors", "config.json", "tokenizer.json", "model.gguf", "README.md", "USAGE_POLICY.md",
                "provenance.intoto.jsonl", "model.sig"}) assertTrue(Files.exists(bundle.resolve(f)), f);
        String card = Files.readString(bundle.resolve("README.md"));
        assertTrue(card.startsWith("---\nlicense: apache-2.0\n"), card);
        assertTrue(card.contains("pipeline_tag: text-generation") && card.contains("library_name: transformers"), card);
        assertTrue(card.contains("Cedar University | spot-check | verified"), card);
        assertTrue(card.contains("Alpine Lab — release manager (releases@alpine-lab.example)"), card);
        assertTrue(card.contains("model-index:") && card.contains("Cairn evaluation attestation by Dune Evaluations"), card);
        var g = cairn("generate", "--model", bundle.toString(), "--prompt", "ROMEO:", "--greedy", "--tokens", "5", "--json");
        var r = cairn("generate", "--run", home.resolve("runs/shakespeare-bpe").toString(), "--prompt", "ROMEO:", "--greedy", "--tokens", "5", "--json");
        assertEquals(r.json().path("ids"), g.json().path("ids"));
        String doc = new dev.cairn.data.DatasetStore(home).manifest("shakespeare@1").documents().getFirst().id();
        var d = cairn("data", "show", "shakespeare", "--doc", doc, "--home", home.toString());
        assertTrue(d.out().contains("trained on it: run shakespeare-bpe") && d.out().contains("released as: shakespeare-bpe-1 (proposal 3)"), d.out());
        var k = cairn("key", "show", "alpine-lab", "--json", "--home", home.toString());
        assertTrue(new ObjectMapper().readTree(k.out()).path("release_public_key_pem").asText().startsWith("-----BEGIN PUBLIC KEY-----"));
    }

    @Test
    void aChangedAddedOrRemovedFileFails() throws Exception {
        Path d = copy("changed");
        byte[] b = Files.readAllBytes(d.resolve("model.gguf"));
        b[b.length / 2] ^= 1;
        Files.write(d.resolve("model.gguf"), b);
        assertTrue(verify(d).path("first_failure").asText().contains("model.gguf: changed since it was signed"));
        d = copy("added");
        Files.writeString(d.resolve("notes.txt"), "hi");
        assertTrue(verify(d).path("first_failure").asText().contains("notes.txt: added after signing"));
        d = copy("removed");
        Files.delete(d.resolve("USAGE_POLICY.md"));
        assertTrue(verify(d).path("first_failure").asText().contains("USAGE_POLICY.md: signed but missing"));
    }

    @Test
    void aSignatureByANonMemberOrWeightsOfAnotherRunFail() throws Exception {
        Path d = copy("mallory");
        var rk = dev.cairn.release.ReleaseKeys.create(tmp.resolve("mallory-home"), "mallory");
        dev.cairn.release.ModelSigning.sign(d, "shakespeare-bpe-1", rk);
        assertTrue(verify(d).path("first_failure").asText().contains("that no member of Shakespeare coalition has bound in the ledger"));
        // other weights of the same shape, re-signed by the member's own key: no release statement names these files
        d = copy("other-weights");
        var m = dev.cairn.release.HfDirectory.read(d);
        float[] p = m.params().clone();
        p[0] += 1f;
        dev.cairn.release.HfDirectory.write(d, new dev.cairn.release.LoadedModel(m.config(), p, m.tokenizer()), dev.cairn.release.Dtype.F32, java.util.Map.of());
        dev.cairn.release.ModelSigning.sign(d, "shakespeare-bpe-1", dev.cairn.release.ReleaseKeys.load(home, "alpine-lab"));
        assertTrue(verify(d).path("first_failure").asText().startsWith("release statement: no release statement in the ledger for these files"));
    }

    @Test
    void releaseProposalsForUnfinishedRunsOrNonMembersAreRefusedAndNothingChanges() throws Exception {
        long before = Files.size(home.resolve("log").resolve("entries.bin"));
        Path f = tmp.resolve("bad-release.toml");
        Files.writeString(f, "title = \"x\"\nmodel = \"m\"\nrun = \"never-ran\"\nweights = \"" + "0".repeat(64) + "\"\n");
        var r = cairn("propose", "release_model", "--file", f.toString(), "--key", "alpine-lab", "--home", home.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("run \"never-ran\" never finished"), r.err());
        String weights = new ObjectMapper().readTree(home.resolve("runs/shakespeare-bpe/run-finished.json").toFile()).path("final_weights_sha256").asText();
        Files.writeString(f, "title = \"x\"\nmodel = \"m2\"\nrun = \"shakespeare-bpe\"\nweights = \"" + weights + "\"\n"
                + "[[responsible]]\nmember = \"" + "ab".repeat(32) + "\"\nrole = \"r\"\ncontact = \"c\"\n");
        r = cairn("propose", "release-model", "--file", f.toString(), "--key", "alpine-lab", "--home", home.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not a member named in the charter") || r.err().contains("not a point"), r.err());
        assertEquals(before, Files.size(home.resolve("log").resolve("entries.bin")));
        var again = cairn("release", "publish", "3", "--key", "alpine-lab", "--home", home.toString(), "--out", bundle.toString(),
                "--usage-policy", home.resolve("USAGE_POLICY.md").toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
        assertFalse(Files.exists(home.resolve("releases/.staging-release-x")));
    }

    @Test
    void aForkCarriesTheReleaseAndImportsItAsABaseWithItsSignedRoot() throws Exception {
        Path fork = tmp.resolve("fork-home");
        assertEquals(0, cairn("key", "new", "dora", "--home", fork.toString()).code());
        Path charter = fork.resolve("charter.toml");
        Files.writeString(charter, "[[members]]\nname = \"Dora\"\nkey = \"@dora\"\n[defaults]\nrule = \"majority\"\nquorum = \"50%\"\n"
                + "voting_delay = \"0s\"\nvoting_period = \"1d\"\ntimelock = \"0s\"\ngrace_period = \"7d\"\nproposal_threshold = 1\n"
                + "vote_replacement = false\ndelegation = false\n");
        var f = cairn("fork", "--from", home.resolve("log").toString(), "--at", home.resolve("log/checkpoint").toString(), "--name", "Dora's fork",
                "--charter", charter.toString(), "--key", "dora", "--home", fork.toString());
        assertEquals(0, f.code(), f.err());
        var l = cairn("lineage", "--json", "--home", fork.toString(), "--svg", tmp.resolve("lineage.svg").toString());
        assertEquals(0, l.code(), l.err());
        JsonNode j = new ObjectMapper().readTree(l.out());
        assertEquals(2, j.path("lineage").size());
        assertEquals("shakespeare-bpe-1", j.path("models").get(0).path("model").asText());
        assertTrue(j.path("models").get(0).path("inherited").asBoolean());
        assertTrue(Files.readString(tmp.resolve("lineage.svg")).contains("shakespeare-bpe-1 (inherited)"));
        var own = cairn("lineage", "--json", "--home", home.toString());
        JsonNode m = new ObjectMapper().readTree(own.out()).path("models").get(0);
        assertTrue(m.path("published").asBoolean() && m.path("root_sha256").asText().length() == 64, m.toString());
        var imp = cairn("import", "hf", bundle.toString(), "--name", "parent", "--home", fork.toString());
        assertEquals(0, imp.code(), imp.err());
        var store = new dev.cairn.release.ModelStore(fork).find("parent");
        assertEquals(m.path("root_sha256").asText(), store.record().path("signed_root").asText());
    }

    @Test
    void theEvaluationReRunsToTheBitAndAnAlteredCardFigureIsCaught() throws Exception {
        Path att = home.resolve("eval/attestation.dsse.json");
        var v = cairn("eval", "verify", att.toString(), "--home", home.toString(), "--key", "cedar-university");
        assertEquals(0, v.code(), v.out() + v.err());
        assertTrue(v.out().startsWith("CONFIRMED: re-ran 2 task(s)"), v.out());
        JsonNode results = new ObjectMapper().readTree(home.resolve("eval/results.json").toFile());
        assertTrue(results.path("tasks").path("heldout").path("contamination").has("contaminated_fraction"), results.toString());
        // a card whose figure was edited after the fact: re-signed by the member, but the figure no longer matches the attestation
        Path d = copy("edited-card");
        String card = Files.readString(d.resolve("README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("value: ([0-9.E-]+)").matcher(card);
        assertTrue(m.find(), card);
        Files.writeString(d.resolve("README.md"), card.replaceFirst("value: " + java.util.regex.Pattern.quote(m.group(1)), "value: 0.999"));
        dev.cairn.release.ModelSigning.sign(d, "shakespeare-bpe-1", dev.cairn.release.ReleaseKeys.load(home, "alpine-lab"));
        JsonNode j = verify(d);
        assertTrue(j.path("first_failure").asText().startsWith("release statement:"), j.toString()); // the files changed, so no release statement names them
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> dev.cairn.release.ReleaseVerifier.checkCard(d, home));
        assertTrue(e.getMessage().contains("= 0.999 is not what the attestation at ledger entry"), e.getMessage());
    }

    @Test
    void generateTraceMarksSpansFromTheTrainingDataWithProofs() throws Exception {
        var g = cairn("generate", "--run", home.resolve("runs/shakespeare-bpe").toString(), "--prompt", "ROMEO:", "--temperature", "1.0", "--seed", "3", "--tokens", "60",
                "--trace", "--trace-min", "2", "--json", "--home", home.toString());
        assertEquals(0, g.code(), g.err());
        JsonNode j = g.json();
        assertTrue(j.path("trace_dataset").asText().startsWith("shakespeare@1 (root "), j.toString());
        assertTrue(j.path("trace").size() > 0, j.toString());
        var store = new dev.cairn.data.DatasetStore(home);
        var mf = store.manifest("shakespeare@1");
        String train = store.text(mf.name(), mf.documentIds().getFirst());
        for (JsonNode span : j.path("trace")) {
            assertTrue(train.contains(span.path("text").asText()), span.toString());
            JsonNode m = span.path("matches").get(0), p = m.path("inclusion_proof");
            java.util.List<byte[]> path = new java.util.ArrayList<>();
            for (JsonNode h : p.path("audit_path")) path.add(dev.cairn.ledger.Hex.decode(h.asText()));
            assertTrue(dev.cairn.ledger.MerkleTree.verifyInclusion(dev.cairn.ledger.Hex.decode(p.path("leaf_hash").asText()), p.path("leaf_index").asLong(),
                    p.path("tree_size").asLong(), path, dev.cairn.ledger.Hex.decode(mf.root())), p.toString());
        }
    }

    @Test
    void theReleaseAnswersOpenAisOwnClientAndBadRequestsGetItsErrorShape() throws Exception {
        Path client = Path.of("..", "server", "src", "test", "node").toAbsolutePath().normalize();
        boolean node = Files.isDirectory(client.resolve("node_modules/openai"));
        try {
            node &= new ProcessBuilder("node", "--version").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            node = false;
        }
        if (!node) {
            if ("true".equals(System.getenv("CI"))) org.junit.jupiter.api.Assertions.fail("node and server/src/test/node's openai package are missing in CI");
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "node or the openai npm package is missing (npm ci in server/src/test/node); skipping");
        }
        // The release again with a ChatML template, imported under its own name: a model chat clients can talk to.
        Path template = tmp.resolve("chatml.jinja"), chatDir = tmp.resolve("chat-export");
        Files.writeString(template, "{%- for message in messages %}{{ message['role'] | upper }}: {{ message['content'] }}\n{% endfor %}"
                + "{%- if add_generation_prompt %}ROMEO:{% endif %}");
        var bad = cairn("export", "hf", "--model", bundle.toString(), "--out", chatDir.toString(), "--chat-template", tmp.resolve("none.jinja").toString());
        assertEquals(2, bad.code(), bad.err());
        assertFalse(Files.exists(chatDir), "a refused export writes nothing");
        var ex = cairn("export", "hf", "--model", bundle.toString(), "--out", chatDir.toString(), "--chat-template", template.toString());
        assertEquals(0, ex.code(), ex.err());
        var imp = cairn("import", "hf", chatDir.toString(), "--name", "shakespeare-chat", "--license", "CC0-1.0", "--home", home.toString());
        assertEquals(0, imp.code(), imp.err());
        try (var logNode = new dev.cairn.server.LogNode(home, dev.cairn.server.LogNode.Options.defaults());
             var par = new dev.cairn.numerics.Parallel(2)) {
            var server = new dev.cairn.server.NodeServer(logNode, new java.net.InetSocketAddress("127.0.0.1", 0), dev.cairn.server.NodeServer.Limits.defaults(), null);
            server.serveModels(home, dev.cairn.numerics.Kernels.named("vector"), par);
            server.start();
            String url = "http://127.0.0.1:" + server.port() + "/";
            try {
                Process p = new ProcessBuilder("node", client.resolve("openai-client.mjs").toString(), url + "v1", "shakespeare-bpe-1", "shakespeare-chat").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                assertEquals(0, p.waitFor(), out);
                JsonNode j = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElse(""));
                assertEquals("shakespeare-bpe-1", j.path("models").get(0).asText());
                var g = cairn("generate", "--model", bundle.toString(), "--prompt", "ROMEO:", "--greedy", "--tokens", "12", "--json");
                assertEquals(g.json().path("text").asText(), j.path("greedy").path("text").asText(), "the API's greedy text is cairn generate's");
                assertEquals(j.path("greedy").path("text"), j.path("streamed").path("text"), "streamed chunks join to the same text");
                assertTrue(j.path("streamed").path("chunks").asInt() >= 2);
                assertEquals(12, j.path("greedy").path("logprobs").path("token_logprobs").size());
                assertEquals(j.path("seeded").path("a"), j.path("seeded").path("b"), "same seed, same output");
                assertEquals(j.path("concurrent").path("alone"), j.path("concurrent").path("together"), "concurrent requests never change each other's output");
                assertEquals(404, j.path("unknown").path("status").asInt());
                assertEquals("model_not_found", j.path("unknown").path("code").asText());
                assertEquals(400, j.path("chat").path("status").asInt());
                assertEquals("no_chat_template", j.path("chat").path("code").asText());
                JsonNode chat = j.path("chatOk");
                assertEquals("chat.completion", chat.path("object").asText(), j.toString());
                assertEquals("assistant", chat.path("role").asText());
                assertEquals(10, chat.path("logprobs").asInt());
                assertEquals(2, chat.path("top").asInt());
                assertEquals(chat.path("content"), chat.path("streamed"), "streamed chat deltas join to the same message");
                assertEquals("[\"assistant\"]", chat.path("roles").toString());
                var cfg = new ObjectMapper().readTree(Files.readString(chatDir.resolve("tokenizer_config.json")));
                var tok = dev.cairn.release.HfDirectory.read(chatDir).tokenizer();
                String rendered = dev.cairn.release.ChatTemplate.of(chatDir).orElseThrow().render(java.util.List.of(
                        new dev.cairn.release.ChatTemplate.Message("system", "Be brief."), new dev.cairn.release.ChatTemplate.Message("user", "Who art thou?")), true);
                assertEquals("SYSTEM: Be brief.\nUSER: Who art thou?\nROMEO:", rendered);
                assertTrue(cfg.path("chat_template").asText().contains("add_generation_prompt"));
                assertEquals(tok.encode(rendered).length, chat.path("usage").path("prompt_tokens").asInt(), "the prompt is the rendered conversation");
                assertEquals(400, j.path("badRole").path("status").asInt());
                assertEquals("messages[0].role", j.path("badRole").path("param").asText());
                var http = java.net.http.HttpClient.newHttpClient();
                java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> post = (type, body) -> {
                    try {
                        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "v1/completions")).header("Content-Type", type)
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                var longPrompt = post.apply("application/json", "{\"model\":\"shakespeare-bpe-1\",\"prompt\":\"" + "ROMEO: ".repeat(200) + "\"}");
                assertEquals(400, longPrompt.statusCode());
                assertEquals("context_length_exceeded", new ObjectMapper().readTree(longPrompt.body()).path("error").path("code").asText());
                assertEquals(400, post.apply("application/json", "{\"model\":\"shakespeare-bpe-1\",\"prompt\":\"x\",\"max_tokens\":0}").statusCode());
                assertEquals(400, post.apply("application/json", "{\"model\":").statusCode());
                assertEquals(415, post.apply("text/plain", "{}").statusCode());
                assertTrue(new ObjectMapper().readTree(post.apply("application/json", "{\"model\":\"shakespeare-bpe-1\",\"prompt\":\"x\",\"max_tokens\":100000}").body())
                        .path("error").path("message").asText().contains("max_tokens"));
                // Thousands of idle connections (as many as this process's descriptors allow) leave the server answering.
                long fds = Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                        .map(l -> Long.parseLong(l.substring(26).trim().split("\\s+")[0])).findFirst().orElse(1024L);
                int idle = (int) Math.min(2000, (fds - 200) / 3);
                List<java.net.Socket> sockets = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < idle; i++) sockets.add(new java.net.Socket("127.0.0.1", server.port()));
                    var ok = post.apply("application/json", "{\"model\":\"shakespeare-bpe-1\",\"prompt\":\"ROMEO:\",\"max_tokens\":4,\"temperature\":0}");
                    assertEquals(200, ok.statusCode(), idle + " idle connections: " + ok.body());
                } finally {
                    for (var sock : sockets) sock.close();
                }
            } finally {
                server.close();
            }
        }
    }
}
