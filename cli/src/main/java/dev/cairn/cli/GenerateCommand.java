package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.model.Sampler;
import dev.cairn.numerics.Parallel;
import dev.cairn.release.LoadedModel;
import dev.cairn.release.Models;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sample text from a model: a run's newest checkpoint, an exported or released directory, or an "
                + "imported model. The same weights and seed give the same tokens.",
        footer = {"", "Examples:", "  cairn generate --run runs/shakespeare --prompt \"ROMEO:\" --tokens 300 --seed 7",
                "  cairn generate --model export/shakespeare --prompt-ids 1,2,3 --greedy --tokens 20 --json"})
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ArgGroup(exclusive = true, multiplicity = "1") ExportCommand.Source source;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (default: a newline).") String prompt;
    @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "The prompt as token ids, comma-separated.") int[] promptIds;
    @Option(names = "--tokens", paramLabel = "N", defaultValue = "300", description = "Tokens to generate (default 300).") int tokens;
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "Softmax temperature (default 0.8).") float temperature;
    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens, 0 keeps all (default 0).") int topK;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Sampling seed (default 1).") long seed;
    @Option(names = "--greedy", description = "Arg-max decoding instead of sampling.") boolean greedy;
    @Option(names = "--json", description = "Print one JSON object: prompt_ids, ids (the generated ids), text (and trace).") boolean json;
    @Option(names = "--trace", description = "Mark spans of the output found verbatim in the model's training data, with the documents, "
            + "offsets and an inclusion proof of each document (as OLMoTrace does).") boolean trace;
    @Option(names = "--trace-min", paramLabel = "N", defaultValue = "8", description = "Shortest span to report, in tokens (default 8).") int traceMin;
    @Option(names = "--train-data", paramLabel = "NAME@VERSION", description = "The training data to trace against (default: the model's own, where on record).") String trainData;
    @Mixin ExecutionOptions exec;
    @Mixin HomeOption home;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (prompt != null && promptIds != null) throw new IllegalArgumentException("give --prompt or --prompt-ids, not both");
        var opened = source.open(home.dir());
        LoadedModel m = opened.model();
        dev.cairn.eval.Tracer tracer = trace ? dev.cairn.eval.Tracer.forModel(opened, home.dir(), trainData) : null;
        int[] ids = promptIds != null ? promptIds : m.tokenizer().encode(prompt == null ? "\n" : prompt);
        for (int id : ids) {
            if (id < 0 || id >= m.config().vocabSize()) throw new IllegalArgumentException("--prompt-ids: id " + id + " is outside the vocabulary [0, " + m.config().vocabSize() + ")");
        }
        try (Parallel par = exec.parallel()) {
            int[] gen = Sampler.generate(m.model(exec.kernels(), par), ids, tokens, temperature, topK, seed, greedy);
            int[] fresh = gen; // the new tokens only
            var spans = tracer == null ? null : tracer.trace(m.tokenizer(), fresh, traceMin, 5);
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.set("prompt_ids", om.valueToTree(ids));
                o.set("ids", om.valueToTree(fresh));
                o.put("text", decodeOrNull(m, fresh));
                if (spans != null) o.put("trace_dataset", tracer.dataset()).set("trace", spans);
                out.println(om.writeValueAsString(o));
            } else {
                out.print(prompt != null ? prompt : m.tokenizer().decode(ids));
                out.println(spans == null ? m.tokenizer().decode(fresh) : marked(m, fresh, spans));
                if (spans != null) printSpans(out, spans, tracer.dataset());
            }
            out.flush();
            return 0;
        }
    }

    /** The output with each traced span in [[double brackets]], numbered. */
    private static String marked(LoadedModel m, int[] ids, com.fasterxml.jackson.databind.node.ArrayNode spans) {
        StringBuilder sb = new StringBuilder();
        int at = 0, n = 0;
        for (var s : spans) {
            int from = s.path("from").asInt(), to = s.path("to").asInt();
            sb.append(m.tokenizer().decode(java.util.Arrays.copyOfRange(ids, at, from)));
            sb.append("[[").append(m.tokenizer().decode(java.util.Arrays.copyOfRange(ids, from, to))).append("]]").append(++n);
            at = to;
        }
        return sb.append(m.tokenizer().decode(java.util.Arrays.copyOfRange(ids, at, ids.length))).toString();
    }

    private static void printSpans(PrintWriter out, com.fasterxml.jackson.databind.node.ArrayNode spans, String dataset) {
        out.println("--- " + spans.size() + " span(s) found verbatim in " + dataset);
        int n = 0;
        for (var s : spans) {
            out.printf("[%d] tokens %d-%d, %d occurrence(s)%n", ++n, s.path("from").asInt(), s.path("to").asInt(), s.path("occurrences").asInt());
            for (var mt : s.path("matches")) {
                out.printf("    document %s… byte %d (%s); inclusion proof: leaf %d of %d, root %s…%n", mt.path("document").asText().substring(0, 12),
                        mt.path("byte_offset").asLong(), mt.path("origin").asText(), mt.path("inclusion_proof").path("leaf_index").asLong(),
                        mt.path("inclusion_proof").path("tree_size").asLong(), mt.path("inclusion_proof").path("root").asText().substring(0, 12));
            }
        }
    }

    private static String decodeOrNull(LoadedModel m, int[] ids) {
        try {
            return m.tokenizer().decode(ids);
        } catch (IllegalArgumentException e) {
            return null; // ids past the tokenizer's vocabulary (a padded embedding)
        }
    }
}
