package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.eval.Comparison;
import dev.cairn.eval.EvalAttestation;
import dev.cairn.eval.EvalRun;
import dev.cairn.eval.Evaluator;
import dev.cairn.governance.Community;
import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.numerics.Parallel;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate models on tasks in lm-evaluation-harness's shape, to the same bits on any machine, thread count, kernel set "
                + "or batch size, with each item checked for 13-token spans shared with the model's training data.",
                "TASK: a built-in task made from documents (heldout, lambada, hellaswag; core = all three; needs --dataset or --data), "
                        + "a task YAML file, or a suite (a .txt file listing tasks)."},
        subcommands = {EvalCommand.VerifyAttestation.class},
        footer = {"", "Examples:", "  cairn eval --model runs/shakespeare --task core --dataset shakespeare-heldout@1 --out eval/",
                "  cairn eval --model releases/m1 --model releases/m2 --task examples/tasks/capitals.yaml --json",
                "  cairn eval --model releases/m1 --task heldout --dataset heldout@1 --key cedar-university   # signed into the ledger",
                "  cairn eval verify eval/m1/attestation.dsse.json"})
final class EvalCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;
    @Option(names = "--model", paramLabel = "MODEL", description = "A run, release or model directory, or an imported model; repeat to compare.") List<String> models;
    @Option(names = "--task", paramLabel = "TASK", description = "A built-in task, a task YAML file or a suite; repeatable.") List<String> tasks;
    @Option(names = "--dataset", paramLabel = "NAME@VERSION", description = "Documents for built-in tasks: a dataset version in HOME.") String dataset;
    @Option(names = "--data", paramLabel = "FILE", description = "Documents for built-in tasks: a text file (one document) or JSONL (\"text\" per line).") Path data;
    @Option(names = "--train-data", paramLabel = "NAME@VERSION", description = "The training data to check contamination against (default: the run's or release's own).") String trainData;
    @Option(names = "--ngram", paramLabel = "N", defaultValue = "13", description = "Span length in tokens for contamination (default 13).") int ngram;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Seed of the built-in tasks' item choice (default 1234).") long seed;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "500", description = "Items per built-in lambada/hellaswag task (default 500).") int limit;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Sequences per forward pass (default 8). Does not change results.") int batch;
    @Option(names = "--out", paramLabel = "DIR", description = "Write results.json, items.jsonl (and the attestation) per model; a comparison table and chart for several.") Path out;
    @Option(names = "--json", description = "End with one JSON line: the results (a tasks map with metrics and item counts).") boolean json;
    @Option(names = "--key", paramLabel = "EVALUATOR", description = "Sign an evaluation attestation and append it to HOME's ledger.") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;
    @Mixin ExecutionOptions exec;
    @Mixin HomeOption home;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (models == null || tasks == null) throw new IllegalArgumentException("give --model MODEL and --task TASK (see cairn eval --help)");
        if (dataset != null && data != null) throw new IllegalArgumentException("give --dataset or --data, not both");
        var signer = key == null ? null : GovernanceCli.loadKey(new LedgerHome(home.dir()), key, passphraseFile);
        String community = signer == null ? null : Community.read(new LedgerHome(home.dir())).communityId();
        List<ObjectNode> all = new ArrayList<>();
        try (Parallel par = exec.parallel()) {
            for (String model : models) {
                long t0 = System.nanoTime();
                EvalRun.Outcome r = EvalRun.run(new EvalRun.Spec(model, tasks, dataset, data, trainData, ngram, seed, limit), home.dir(), exec.kernels(), par, batch);
                double s = (System.nanoTime() - t0) / 1e9;
                all.add(r.results());
                print(err, r.results(), s);
                Path dir = out == null ? null : models.size() == 1 ? out : out.resolve(slug(model));
                if (dir != null) {
                    Files.createDirectories(dir);
                    AtomicFiles.write(dir.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r.results()));
                    ByteArrayOutputStream items = new ByteArrayOutputStream();
                    for (Evaluator.TaskResult t : r.tasks()) items.write(t.itemsJsonl());
                    AtomicFiles.write(dir.resolve("items.jsonl"), items.toByteArray());
                    err.println("  wrote " + dir.resolve("results.json") + " and items.jsonl");
                }
                if (signer != null) {
                    Envelope env = EvalAttestation.sign(r.results(), slug(model), community, signer);
                    if (dir != null) AtomicFiles.write(dir.resolve("attestation.dsse.json"), env.toJson());
                    LogEntry e = dev.cairn.release.ReleaseStatements.append(home.dir(), env);
                    err.println("  attestation signed by " + key + " at ledger entry " + e.index());
                }
            }
        }
        if (out != null && all.size() > 1) {
            AtomicFiles.write(out.resolve("comparison.md"), Comparison.table(all).getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(out.resolve("comparison.svg"), Comparison.svg(all).getBytes(StandardCharsets.UTF_8));
            err.println("comparison: " + out.resolve("comparison.md") + ", " + out.resolve("comparison.svg"));
        }
        if (all.size() > 1) o.print(Comparison.table(all));
        if (json) {
            if (all.size() == 1) {
                o.println(JSON.writeValueAsString(all.getFirst()));
            } else {
                ObjectNode n = JSON.createObjectNode();
                n.putArray("models").addAll(all);
                n.set("tasks", all.getFirst().path("tasks"));
                o.println(JSON.writeValueAsString(n));
            }
        }
        err.flush();
        o.flush();
        return 0;
    }

    static void print(PrintWriter err, ObjectNode r, double seconds) {
        err.printf(Locale.ROOT, "%s (weights %s…): %.1f s%n", r.path("model").path("ref").asText(), r.path("model").path("weights_sha256").asText().substring(0, 12), seconds);
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("tasks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            StringBuilder sb = new StringBuilder();
            t.getValue().path("metrics").fields().forEachRemaining(m -> {
                if (!m.getKey().endsWith("_stderr") && m.getValue().isNumber()) sb.append(String.format(Locale.ROOT, "  %s %s", m.getKey(),
                        m.getValue().isIntegralNumber() ? m.getValue().asText() : String.format(Locale.ROOT, "%.4f", m.getValue().asDouble())));
            });
            JsonNode c = t.getValue().path("contamination");
            String flag = c.isMissingNode() ? "" : c.path("contaminated_items").asInt() > 0
                    ? String.format(Locale.ROOT, "  CONTAMINATED %d/%d items (clean subset: %s)", c.path("contaminated_items").asInt(), c.path("items").asInt(), brief(c.path("clean_metrics")))
                    : "  clean (no 13-token span in " + c.path("training_data").asText().split(" ")[0] + ")";
            err.printf(Locale.ROOT, "  %-12s %-22s%s%s%n", t.getKey(), "(" + t.getValue().path("output_type").asText() + ")", sb, flag);
        }
        if (r.has("contamination")) err.println("  contamination " + r.get("contamination").asText());
    }

    private static String brief(JsonNode m) {
        for (String k : List.of("acc", "bits_per_byte", "exact_match")) if (m.has(k)) return String.format(Locale.ROOT, "%s %.4f", k, m.get(k).asDouble());
        return "-";
    }

    static String slug(String model) {
        Path p = Path.of(model).toAbsolutePath().normalize();
        String s = p.getFileName() == null ? model : p.getFileName().toString();
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Re-run an attested evaluation and confirm it to the bit, or name the first item that differs. ATTESTATION is "
                    + "an attestation file (attestation.dsse.json) or a ledger entry number in HOME. With --key, the confirmation is itself "
                    + "signed into the ledger.")
    static final class VerifyAttestation implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ATTESTATION") String attestation;
        @Option(names = "--items", paramLabel = "FILE", description = "The original items.jsonl (default: beside the attestation file).") Path items;
        @Option(names = "--batch", paramLabel = "N", defaultValue = "8") int batch;
        @Option(names = "--key", paramLabel = "K", description = "Sign the confirmation into the ledger.") String key;
        @Option(names = "--json", description = "Print one JSON object.") boolean json;
        @Mixin ExecutionOptions exec;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            Envelope env;
            Path itemsFile = items;
            if (attestation.matches("\\d+")) {
                try (var log = new LedgerHome(home.dir()).openLogReadOnly()) {
                    long i = Long.parseLong(attestation);
                    if (i >= log.size()) throw new IllegalArgumentException("ledger entry " + i + " does not exist (the log has " + log.size() + ")");
                    env = log.entry(i).envelope();
                }
            } else {
                Path f = Path.of(attestation);
                if (!Files.isRegularFile(f)) throw new IllegalArgumentException(attestation + ": no such attestation file or ledger entry");
                env = Envelope.parse(Files.readAllBytes(f));
                if (itemsFile == null && Files.exists(f.resolveSibling("items.jsonl"))) itemsFile = f.resolveSibling("items.jsonl");
            }
            Statement st = env.verify().statement(); // the signature must hold before anything is re-run
            EvalAttestation.Check c;
            try (Parallel par = exec.parallel()) {
                c = EvalAttestation.verify(st, home.dir(), exec.kernels(), par, batch, itemsFile);
            }
            if (json) o.println(JSON.createObjectNode().put("ok", c.ok()).put("message", c.message()));
            else o.println((c.ok() ? "CONFIRMED: " : "DIFFERS: ") + c.message());
            if (c.ok() && key != null) {
                var signer = GovernanceCli.loadKey(new LedgerHome(home.dir()), key, null);
                ObjectNode p = JSON.createObjectNode().put("attestation", st.digest()).put("ok", true).put("message", c.message());
                Statement conf = Statement.of(EvalAttestation.CONFIRMATION, p, Community.read(new LedgerHome(home.dir())).communityId(), signer.identity(),
                        Subject.sha256("attestation", st.digest()));
                LogEntry e = dev.cairn.release.ReleaseStatements.append(home.dir(), Envelope.sign(conf, signer));
                err.println("  confirmation signed by " + key + " at ledger entry " + e.index());
            }
            o.flush();
            err.flush();
            if (!c.ok()) {
                err.println("cairn eval verify: " + c.message());
                err.flush();
                return 1;
            }
            return 0;
        }
    }
}
