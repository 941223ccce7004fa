package dev.cairn.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.DatasetStore;
import dev.cairn.ledger.Hex;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.Models;
import dev.cairn.training.GovernedRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An evaluation as a re-runnable record: which model (by reference and weights digest), which tasks (each rebuilt
 * from its spec: a task file, or a built-in generator over a dataset version or file), which training data the
 * contamination check used. {@link #run} produces the results JSON; the same spec on any machine gives the same bits.
 */
public final class EvalRun {
    /** What to evaluate. {@code dataset}/{@code dataFile}: the documents built-in tasks are made from. */
    public record Spec(String model, List<String> tasks, String dataset, Path dataFile, String trainData, int ngram, long seed, int limit) {
        public ObjectNode toJson() {
            ObjectNode n = Evaluator.JSON.createObjectNode().put("model", model);
            ArrayNode t = n.putArray("tasks");
            tasks.forEach(t::add);
            if (dataset != null) n.put("dataset", dataset);
            if (dataFile != null) n.put("data", dataFile.toAbsolutePath().normalize().toString());
            if (trainData != null) n.put("train_data", trainData);
            return n.put("ngram", ngram).put("seed", seed).put("limit", limit);
        }

        public static Spec fromJson(JsonNode n) {
            List<String> tasks = new ArrayList<>();
            n.path("tasks").forEach(x -> tasks.add(x.asText()));
            return new Spec(n.path("model").asText(), tasks, n.hasNonNull("dataset") ? n.get("dataset").asText() : null,
                    n.hasNonNull("data") ? Path.of(n.get("data").asText()) : null, n.hasNonNull("train_data") ? n.get("train_data").asText() : null,
                    n.path("ngram").asInt(Contamination.DEFAULT_NGRAM), n.path("seed").asLong(1234), n.path("limit").asInt(500));
        }
    }

    /** The results and every task's per-item lines. */
    public record Outcome(ObjectNode results, List<Evaluator.TaskResult> tasks, Models.Opened model) {}

    private EvalRun() {}

    public static Outcome run(Spec spec, Path home, Kernels k, Parallel par, int batch) throws IOException {
        Models.Opened m = Models.open(spec.model(), home);
        List<Task> tasks = tasks(spec, home);
        String train = spec.trainData() != null ? spec.trainData() : trainingData(m);
        Contamination c = train == null ? null : Contamination.against(home, train, spec.ngram());
        Scorer scorer = new Scorer(m.model(), k, par, batch);
        List<Evaluator.TaskResult> out = new ArrayList<>();
        for (Task t : tasks) out.add(Evaluator.run(t, scorer, m.model().tokenizer(), c));
        ObjectNode r = Evaluator.JSON.createObjectNode();
        r.put("format", "cairn-eval-results/v1").put("cairn_version", GovernedRun.CAIRN_VERSION);
        r.putObject("model").put("ref", spec.model()).put("kind", m.kind()).put("weights_sha256", m.model().weightsDigest())
                .put("parameters", m.model().params().length);
        r.set("spec", spec.toJson());
        ObjectNode ts = r.putObject("tasks");
        for (Evaluator.TaskResult tr : out) {
            ObjectNode t = ts.putObject(tr.task().name());
            t.put("output_type", tr.task().kind().harnessName).put("task_sha256", tr.task().digest()).put("source", tr.task().source());
            t.set("metrics", tr.metrics());
            t.put("items", tr.task().items().size()).put("items_sha256", tr.itemsSha256());
            if (tr.contamination() != null) t.set("contamination", tr.contamination().toJson());
        }
        if (c == null) r.put("contamination", "not checked: no training data known for this model (pass --train-data NAME@VERSION)");
        return new Outcome(r, out, m);
    }

    /** The tasks a spec names: built-in generators over its documents, task files, or suites (a text file listing tasks). */
    static List<Task> tasks(Spec spec, Path home) throws IOException {
        if (spec.tasks().isEmpty()) throw new IllegalArgumentException("give at least one --task");
        List<Task> out = new ArrayList<>();
        List<String> docs = null;
        String source = null;
        for (String name : spec.tasks()) {
            if (BuiltinTasks.isBuiltin(name)) {
                if (docs == null) {
                    if (spec.dataset() != null) {
                        DatasetStore store = new DatasetStore(home);
                        var mf = store.manifest(spec.dataset());
                        docs = new ArrayList<>();
                        for (String id : mf.documentIds()) docs.add(store.text(mf.name(), id));
                        source = mf.ref() + " (root " + mf.root() + ")";
                    } else if (spec.dataFile() != null) {
                        docs = documents(spec.dataFile());
                        source = spec.dataFile().getFileName() + " (sha256 " + Hex.encode(TaskFile.sha256().digest(Files.readAllBytes(spec.dataFile()))) + ")";
                    } else {
                        throw new IllegalArgumentException("built-in task " + name + " needs documents: --dataset NAME@VERSION or --data FILE");
                    }
                }
                for (String b : BuiltinTasks.expand(name)) out.add(BuiltinTasks.make(b, docs, source, spec.seed(), spec.limit()));
            } else {
                Path p = Path.of(name);
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("--task " + name + ": neither a built-in task (" + String.join(", ", BuiltinTasks.NAMES) + ", core) nor a task file");
                }
                if (name.endsWith(".txt")) { // a suite: one task per line
                    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                        String t = line.strip();
                        if (t.isEmpty() || t.startsWith("#")) continue;
                        Path f = p.toAbsolutePath().getParent().resolve(t);
                        out.addAll(tasks(new Spec(spec.model(), List.of(Files.exists(f) ? f.toString() : t), spec.dataset(), spec.dataFile(),
                                spec.trainData(), spec.ngram(), spec.seed(), spec.limit()), home));
                    }
                } else {
                    out.add(TaskFile.read(p));
                }
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Task t : out) if (!names.add(t.name())) throw new IllegalArgumentException("task " + t.name() + " is named twice");
        return out;
    }

    /** A text file is one document; JSONL gives one document per line's "text". */
    static List<String> documents(Path f) throws IOException {
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--data " + f + ": no such file");
        List<String> out = new ArrayList<>();
        if (f.toString().endsWith(".jsonl")) {
            int n = 0;
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) continue;
                JsonNode d;
                try {
                    d = Evaluator.JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(f + ":" + n + ": not valid JSON");
                }
                if (!d.path("text").isTextual()) throw new IllegalArgumentException(f + ":" + n + ": no \"text\" field");
                out.add(d.get("text").asText());
            }
        } else {
            out.add(Files.readString(f, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The dataset version a model was trained on, where the record says: a run's run.json, or a release's provenance. */
    static String trainingData(Models.Opened m) throws IOException {
        Path src = m.source();
        if (m.kind().equals("run")) {
            JsonNode run = Evaluator.JSON.readTree(src.resolve("run.json").toFile());
            return run.path("data").path("kind").asText().equals("dataset") ? run.path("data").path("dataset").asText() : null;
        }
        Path prov = src.resolve("provenance.intoto.jsonl");
        if (Files.exists(prov)) {
            JsonNode env = Evaluator.JSON.readTree(Files.readString(prov).strip());
            JsonNode st = Evaluator.JSON.readTree(java.util.Base64.getDecoder().decode(env.path("payload").asText()));
            String ds = st.path("predicate").path("buildDefinition").path("externalParameters").path("dataset").asText("");
            return ds.isEmpty() ? null : ds;
        }
        return null;
    }
}
