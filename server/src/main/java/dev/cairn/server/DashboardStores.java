package dev.cairn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.cairn.data.DataException;
import dev.cairn.data.DatasetManifest;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.DocumentEntry;
import dev.cairn.data.TraceIndex;
import dev.cairn.governance.CommunityState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The dashboard's JSON about what lives beside the log in the node's home:
 * <pre>
 *   GET  /api/runs, /api/run?name=R             runs: loss curves, progress, checkpoints, transcript root, verifications, compute
 *   GET  /api/evaluations                       signed evaluations, with the results and contamination they carry
 *   GET  /api/releases, /api/release?name=M     bundles: files, signature, `release verify` verdict, model card
 *   GET  /api/datasets, /api/dataset?ref=&amp;offset=&amp;limit=, /api/document?ref=&amp;id=
 *   GET  /api/trace?dataset=REF&amp;q=TEXT         where a span occurs verbatim in a dataset version
 *   POST /api/trace-output {model, text}        spans of a model's output found verbatim in its training data
 * </pre>
 * Release verdicts and trace indexes are cached by the log size and version they were computed for; verdicts also on
 * disk (HOME/cache/release-verdicts), so a restarted node serves the last one at once while it checks again.
 */
final class DashboardStores {
    private static final int MAX_POINTS = 400;
    private static final long REVERIFY_MS = 60_000;
    private final LogNode node;
    private final Path home;
    private final DatasetStore datasets;
    private final Map<String, ObjectNode> verdicts = new ConcurrentHashMap<>();
    private final java.util.Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, TraceIndex> traces = new ConcurrentHashMap<>();
    private final Map<String, Object> tracers = new ConcurrentHashMap<>();

    DashboardStores(LogNode node, Path home) {
        this.node = node;
        this.home = home;
        this.datasets = new DatasetStore(home);
    }

    ObjectNode handle(HttpExchange x, String path, Map<String, String> q) throws IOException {
        return switch (path) {
            case "/api/runs" -> runs();
            case "/api/run" -> run(name(q, "name"));
            case "/api/evaluations" -> evaluations();
            case "/api/releases" -> releases();
            case "/api/release" -> release(name(q, "name"));
            case "/api/datasets" -> datasetList();
            case "/api/dataset" -> dataset(DashboardApi.text(q, "ref"), DashboardApi.offset(q), DashboardApi.limit(q));
            case "/api/document" -> document(DashboardApi.text(q, "ref"), DashboardApi.text(q, "id"));
            case "/api/trace" -> trace(DashboardApi.text(q, "dataset"), DashboardApi.text(q, "q"));
            case "/api/trace-output" -> traceOutput(x);
            default -> null;
        };
    }

    private static String name(Map<String, String> q, String key) {
        String v = DashboardApi.text(q, key);
        if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,199}")) throw new LogNode.Refused(400, key + ": not a name (letters, digits, '.', '_', '-')");
        return v;
    }

    private List<Path> dirs(String under) throws IOException {
        Path d = home.resolve(under);
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    /** Sum of the runs' metrics file sizes: moves whenever a trainer writes a step. */
    long runsFingerprint() {
        long sum = 0;
        try {
            for (Path r : dirs("runs")) {
                Path m = r.resolve("metrics.jsonl");
                if (Files.exists(m)) sum += Files.size(m) + 1;
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    private static JsonNode readJson(Path f) {
        try {
            return Files.isRegularFile(f) ? LogNode.JSON.readTree(f.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- runs

    private ObjectNode runs() throws IOException {
        ObjectNode n = LogNode.JSON.createObjectNode();
        ArrayNode arr = n.putArray("runs");
        for (Path r : dirs("runs")) {
            JsonNode run = readJson(r.resolve("run.json"));
            if (run == null) continue;
            JsonNode sum = readJson(r.resolve("summary.json"));
            ObjectNode o = arr.addObject().put("name", r.getFileName().toString()).put("steps", run.path("recipe").path("steps").asLong())
                    .put("finished", Files.exists(r.resolve("run-finished.json"))).put("governed", Files.exists(r.resolve("governed.json")));
            if (sum != null) o.put("val_loss", sum.path("val_loss").asDouble()).put("train_loss", sum.path("train_loss").asDouble());
            o.put("step", lastStep(r));
        }
        return n;
    }

    private static long lastStep(Path run) throws IOException {
        Path m = run.resolve("metrics.jsonl");
        if (!Files.exists(m)) return 0;
        long last = 0;
        for (String line : Files.readAllLines(m)) {
            int i = line.indexOf("\"step\":");
            if (i >= 0) last = Math.max(last, Long.parseLong(line.substring(i + 7).replaceAll("[^0-9].*", "")));
        }
        return last;
    }

    private ObjectNode run(String name) throws IOException {
        Path r = home.resolve("runs").resolve(name);
        JsonNode run = readJson(r.resolve("run.json"));
        if (run == null) throw new LogNode.Refused(404, "no run " + name + " in this node's home");
        ObjectNode n = LogNode.JSON.createObjectNode().put("name", name);
        n.set("recipe", run.path("recipe"));
        n.set("data", run.path("data"));
        List<double[]> train = new ArrayList<>(), val = new ArrayList<>();
        Path metrics = r.resolve("metrics.jsonl");
        if (Files.exists(metrics)) {
            for (String line : Files.readAllLines(metrics)) {
                JsonNode m;
                try {
                    m = LogNode.JSON.readTree(line);
                } catch (IOException e) {
                    continue; // a line the trainer is still writing
                }
                if (m.has("loss")) train.add(new double[] {m.path("step").asDouble(), m.path("loss").asDouble()});
                if (m.has("val_loss")) val.add(new double[] {m.path("step").asDouble(), m.path("val_loss").asDouble()});
            }
        }
        n.put("step", train.isEmpty() ? 0 : (long) train.getLast()[0]).put("steps", run.path("recipe").path("steps").asLong());
        n.set("train", points(train));
        n.set("validation", points(val));
        JsonNode fin = readJson(r.resolve("run-finished.json"));
        n.put("finished", fin != null);
        if (fin != null) {
            n.put("transcript_root", fin.path("transcript").path("root").asText()).put("final_weights_sha256", fin.path("final_weights_sha256").asText());
            n.set("checkpoints", fin.path("checkpoints"));
        } else {
            ArrayNode cs = n.putArray("checkpoints");
            if (Files.isDirectory(r.resolve("checkpoints"))) {
                try (Stream<Path> s = Files.list(r.resolve("checkpoints"))) {
                    s.map(p -> p.getFileName().toString()).filter(f -> f.matches("step-\\d+\\.ckpt")).sorted()
                            .forEach(f -> cs.addObject().put("step", Long.parseLong(f.substring(5, f.length() - 5))));
                }
            }
        }
        JsonNode sum = readJson(r.resolve("summary.json"));
        if (sum != null) n.set("compute", sum.path("compute"));
        JsonNode gov = readJson(r.resolve("governed.json"));
        if (gov != null) n.set("governed", gov);
        String root = n.path("transcript_root").asText("");
        n.set("verifications", node.read(s -> {
            ArrayNode vs = LogNode.JSON.createArrayNode();
            for (CommunityState.RunVerification v : s.runVerifications()) {
                if (!v.run().equals(name) && !v.transcriptRoot().equals(root)) continue;
                vs.addObject().put("index", v.index()).put("verifier", s.who(v.signer())).put("mode", v.mode()).put("ok", v.ok())
                        .put("transcript_root", v.transcriptRoot()).put("matches_this_run", v.transcriptRoot().equals(root));
            }
            return vs;
        }));
        return n;
    }

    /** At most MAX_POINTS points, evenly spaced over the curve (always keeping the last). */
    private static ArrayNode points(List<double[]> pts) {
        ArrayNode a = LogNode.JSON.createArrayNode();
        int stride = Math.max(1, (pts.size() + MAX_POINTS - 1) / MAX_POINTS);
        for (int i = 0; i < pts.size(); i++) {
            if (i % stride != 0 && i != pts.size() - 1) continue;
            a.addArray().add(pts.get(i)[0]).add(pts.get(i)[1]);
        }
        return a;
    }

    // ---------------------------------------------------------------- evaluations

    private ObjectNode evaluations() {
        List<CommunityState.ModelEvaluation> evs = node.read(CommunityState::evaluations);
        Map<String, String> names = node.read(s -> {
            Map<String, String> m = new TreeMap<>();
            for (var a : s.artifacts()) if (a.kind().equals("release")) m.put(a.digest(), a.name());
            for (var f : s.finishedRuns()) m.putIfAbsent(f.weights(), "run " + f.run());
            return m;
        });
        ObjectNode n = LogNode.JSON.createObjectNode();
        ArrayNode arr = n.putArray("evaluations");
        for (int i = evs.size() - 1; i >= 0 && arr.size() < DashboardApi.MAX_LIMIT; i--) {
            var e = evs.get(i);
            var st = dev.cairn.ledger.Statement.parse(node.log().entry(e.index()).envelope().payload());
            String evaluator = node.read(s -> s.charter().release().evaluators().stream().filter(v -> v.publicKey().equals(e.signer()))
                    .map(v -> v.name() + " (evaluator named in the charter)").findFirst().orElseGet(() -> s.who(e.signer())));
            ObjectNode o = arr.addObject().put("index", e.index()).put("weights_sha256", e.weights())
                    .put("model", names.getOrDefault(e.weights(), e.weights().substring(0, 12) + "…"))
                    .put("evaluator", evaluator);
            o.set("predicate", st.predicate());
        }
        return n;
    }

    // ---------------------------------------------------------------- releases

    private ObjectNode releases() throws IOException {
        ObjectNode n = LogNode.JSON.createObjectNode();
        ArrayNode arr = n.putArray("releases");
        for (Path r : dirs("releases")) {
            if (!Files.exists(r.resolve("model.sig"))) continue;
            JsonNode cfg = readJson(r.resolve("config.json"));
            arr.addObject().put("name", r.getFileName().toString()).put("parameters_hint", cfg == null ? "" : cfg.path("n_layer").asInt() + " layers, "
                    + cfg.path("n_embd").asInt() + " wide, vocabulary " + cfg.path("vocab_size").asInt());
        }
        return n;
    }

    private ObjectNode release(String name) throws IOException {
        Path r = home.resolve("releases").resolve(name);
        if (!Files.isRegularFile(r.resolve("model.sig"))) throw new LogNode.Refused(404, "no release " + name + " in this node's home");
        ObjectNode n = LogNode.JSON.createObjectNode().put("name", name);
        ArrayNode files = n.putArray("files");
        try (Stream<Path> s = Files.list(r)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String fn = f.getFileName().toString();
                files.addObject().put("name", fn).put("bytes", Files.size(f)).put("url", "/files/releases/" + name + "/" + fn);
            }
        }
        Path card = r.resolve("README.md");
        n.put("model_card", Files.exists(card) ? Files.readString(card) : "");
        JsonNode sig = readJson(r.resolve("model.sig"));
        if (sig != null) n.put("signature_media_type", sig.path("mediaType").asText()).put("signature_key_hint",
                sig.path("verificationMaterial").path("publicKey").path("hint").asText());
        n.set("verdict", verdict(name));
        return n;
    }

    /**
     * The release's `release verify` verdict, computed off the request path (it reads the whole ledger): once per bundle
     * (model.sig's time) and again when the log has grown since (removals and new attestations can change it), at most once a
     * minute (with 100,000 entries one check takes tens of seconds of CPU on two cores). Until
     * the first one is ready the page gets {@code pending}; later it gets the last verdict with the log size it was
     * checked at. Each verdict that lands bumps {@link #verdictsDone()}, which the event stream announces.
     */
    ObjectNode verdict(String name) throws IOException {
        Path r = home.resolve("releases").resolve(name);
        String key = name + "@" + Files.getLastModifiedTime(r.resolve("model.sig")).toMillis();
        long size = node.size();
        ObjectNode v = verdicts.get(key);
        if (v == null && (v = saved(name, key)) != null) verdicts.put(key, v);
        boolean stale = v != null && v.path("checked_at_size").asLong() != size && System.currentTimeMillis() - v.path("checked_at").asLong() > REVERIFY_MS;
        if ((v == null || stale) && refreshing.add(key)) {
            Thread.ofVirtual().name("cairn-release-verify").start(() -> {
                try {
                    ObjectNode fresh = verify(r, size);
                    verdicts.put(key, fresh);
                    save(name, key, fresh);
                    done.incrementAndGet();
                } finally {
                    refreshing.remove(key);
                }
            });
        }
        return v != null ? v : LogNode.JSON.createObjectNode().put("pending", true).put("ok", false);
    }

    /** Where a release's last verdict is kept across restarts. */
    private Path savedVerdict(String name) {
        return home.resolve("cache").resolve("release-verdicts").resolve(name + ".json");
    }

    /**
     * The verdict a node before this one left for this bundle, if the log it was checked against is a prefix of this
     * log (the root at its size is the same); it is served as the last verdict, with its size, until a new one lands.
     */
    private ObjectNode saved(String name, String key) {
        try {
            JsonNode j = LogNode.JSON.readTree(Files.readAllBytes(savedVerdict(name)));
            ObjectNode v = (ObjectNode) j.path("verdict");
            long size = v.path("checked_at_size").asLong(-1);
            if (!key.equals(j.path("bundle").asText()) || size < 0 || size > node.size()) return null;
            if (!dev.cairn.ledger.Hex.encode(node.log().root(size)).equals(j.path("log_root").asText())) return null;
            return v;
        } catch (IOException | RuntimeException e) {
            return null; // none, or unreadable: verified afresh
        }
    }

    private void save(String name, String key, ObjectNode verdict) {
        try {
            long size = verdict.path("checked_at_size").asLong();
            ObjectNode j = LogNode.JSON.createObjectNode().put("bundle", key).put("log_root", dev.cairn.ledger.Hex.encode(node.log().root(size)));
            j.set("verdict", verdict);
            Path f = savedVerdict(name);
            Files.createDirectories(f.getParent());
            dev.cairn.ledger.AtomicFiles.write(f, LogNode.JSON.writeValueAsBytes(j));
        } catch (IOException | RuntimeException e) {
            // a read-only home: the verdict is computed again after a restart
        }
    }

    long verdictsDone() {
        return done.get();
    }

    private ObjectNode verify(Path r, long size) {
        ObjectNode v;
        try {
            v = dev.cairn.release.ReleaseVerifier.verify(r, home).toJson();
        } catch (IOException | RuntimeException e) {
            v = LogNode.JSON.createObjectNode().put("ok", false).put("first_failure", "could not verify: " + e.getMessage());
        }
        return v.put("checked_at_size", size).put("checked_at", System.currentTimeMillis());
    }

    /** Starts verifying every release as the node starts, so the first visitor finds a verdict. */
    void warm() {
        Thread.ofVirtual().name("cairn-dashboard-warm").start(() -> {
            try {
                for (Path r : dirs("releases")) if (Files.exists(r.resolve("model.sig"))) verdict(r.getFileName().toString());
            } catch (IOException | RuntimeException ignored) {
                // a bundle that cannot be read is reported when its page is opened
            }
        });
    }

    // ---------------------------------------------------------------- datasets and tracing

    private ObjectNode datasetList() {
        ObjectNode n = LogNode.JSON.createObjectNode();
        ArrayNode arr = n.putArray("datasets");
        for (String name : datasets.names()) {
            ObjectNode d = arr.addObject().put("name", name);
            ArrayNode vs = d.putArray("versions");
            for (DatasetManifest m : datasets.history(name)) {
                ObjectNode v = vs.addObject().put("ref", m.ref()).put("version", m.version()).put("created", m.created()).put("root", m.root())
                        .put("documents", m.documents().size());
                v.set("change", m.change());
            }
        }
        return n;
    }

    private DatasetManifest manifest(String ref) {
        try {
            return datasets.manifest(ref);
        } catch (DataException | IllegalArgumentException e) {
            throw new LogNode.Refused(404, e.getMessage());
        }
    }

    private ObjectNode dataset(String ref, int offset, int limit) {
        DatasetManifest m = manifest(ref);
        ObjectNode n = LogNode.JSON.createObjectNode().put("ref", m.ref()).put("root", m.root()).put("created", m.created()).put("total", m.documents().size())
                .put("offset", offset);
        n.set("change", m.change());
        Map<String, Integer> licences = new TreeMap<>();
        for (DocumentEntry d : m.documents()) licences.merge(d.license(), 1, Integer::sum);
        ObjectNode lic = n.putObject("licences");
        licences.forEach(lic::put);
        ArrayNode docs = n.putArray("documents");
        for (int i = offset; i < Math.min(m.documents().size(), offset + limit); i++) docs.add(doc(m.documents().get(i)));
        ArrayNode removals = n.putArray("removals");
        for (DatasetManifest v : datasets.history(m.name())) {
            if (v.version() <= m.version() && v.change().path("kind").asText().equals("remove")) {
                removals.addObject().put("version", v.version()).put("document", v.change().path("document").asText())
                        .put("reason", v.change().path("reason").asText());
            }
        }
        return n;
    }

    private static ObjectNode doc(DocumentEntry d) {
        ObjectNode o = LogNode.JSON.createObjectNode().put("id", d.id()).put("source", d.source()).put("license", d.license()).put("added", d.added())
                .put("bytes", d.bytes()).put("origin", d.origin());
        d.licenseFlags().forEach(o.putArray("license_flags")::add);
        return o;
    }

    private ObjectNode document(String ref, String id) throws IOException {
        DatasetManifest m = manifest(ref);
        int i = m.indexOf(id);
        if (i < 0) throw new LogNode.Refused(404, "no document " + id + " in " + m.ref());
        ObjectNode n = doc(m.documents().get(i)).put("ref", m.ref()).put("root", m.root());
        String text = datasets.text(m.name(), id);
        n.put("text", text.length() > 200_000 ? text.substring(0, 200_000) : text).put("truncated", text.length() > 200_000);
        n.set("inclusion_proof", LogNode.JSON.readTree(dev.cairn.data.InclusionProofJson.write(m.prove(id), m.ref(), id)));
        return n;
    }

    private TraceIndex index(String ref) {
        DatasetManifest m = manifest(ref);
        return traces.computeIfAbsent(m.ref() + "@" + m.root(), k -> TraceIndex.open(datasets, m.ref()));
    }

    private ObjectNode trace(String ref, String span) {
        if (span.length() > 1000) throw new LogNode.Refused(400, "q: at most 1000 characters");
        TraceIndex idx = index(ref);
        TraceIndex.Result r = idx.find(span, 20);
        ObjectNode n = LogNode.JSON.createObjectNode().put("dataset", idx.manifest().ref()).put("q", span).put("count", r.count());
        ArrayNode ms = n.putArray("matches");
        for (TraceIndex.Match m : r.matches()) {
            ms.addObject().put("document", m.documentId()).put("byte_offset", m.byteOffset()).put("char_offset", m.charOffset()).put("origin", m.origin());
        }
        return n;
    }

    private record ModelTrace(dev.cairn.release.ModelTokenizer tokenizer, dev.cairn.eval.Tracer tracer) {}

    private ObjectNode traceOutput(HttpExchange x) throws IOException {
        if (!x.getRequestMethod().equals("POST")) throw new LogNode.Refused(405, "POST /api/trace-output takes {\"model\", \"text\"}");
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) throw new LogNode.Refused(415, "send application/json");
        JsonNode body;
        try (InputStream in = x.getRequestBody()) {
            byte[] b = in.readNBytes(64 * 1024 + 1);
            if (b.length > 64 * 1024) throw new LogNode.Refused(413, "the body is over 64 KiB");
            body = LogNode.JSON.readTree(b);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new LogNode.Refused(400, "malformed JSON: " + e.getOriginalMessage());
        }
        String model = body.path("model").asText(""), text = body.path("text").asText("");
        int min = body.path("min_tokens").asInt(4);
        if (!model.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,199}")) throw new LogNode.Refused(400, "model: not a name");
        if (min < 1 || min > 64) throw new LogNode.Refused(400, "min_tokens: 1 to 64");
        ModelTrace t = (ModelTrace) tracers.computeIfAbsent(model, k -> {
            try {
                Path dir = home.resolve("releases").resolve(k);
                var opened = dev.cairn.release.Models.open(Files.isDirectory(dir) ? dir.toString() : k, home);
                return new ModelTrace(opened.model().tokenizer(), dev.cairn.eval.Tracer.forModel(opened, home, null));
            } catch (IOException | RuntimeException e) {
                throw new LogNode.Refused(404, "model " + k + ": " + e.getMessage());
            }
        });
        int[] ids = t.tokenizer().encode(text);
        ObjectNode n = LogNode.JSON.createObjectNode().put("model", model).put("dataset", t.tracer().dataset());
        n.set("spans", t.tracer().trace(t.tokenizer(), ids, min, 5));
        return n;
    }
}
