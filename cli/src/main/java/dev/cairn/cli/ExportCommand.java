package dev.cairn.cli;

import dev.cairn.release.Dtype;
import dev.cairn.release.Gguf;
import dev.cairn.release.HfDirectory;
import dev.cairn.release.Models;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model in the formats other tools load: a Hugging Face directory or a GGUF file.",
        subcommands = {ExportCommand.Hf.class, ExportCommand.GgufFile.class})
final class ExportCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the model comes from: a run directory, or any model reference. */
    static final class Source {
        @Option(names = "--run", paramLabel = "RUN_DIR", description = "A run directory (its newest checkpoint).") Path run;
        @Option(names = "--model", paramLabel = "MODEL", description = "A model directory (exported, released), or a model imported into HOME.") String model;

        Models.Opened open(Path home) throws java.io.IOException {
            if (run != null) return new Models.Opened(Models.fromRun(run), run, "run");
            return Models.open(model, home);
        }
    }

    @Command(name = "hf", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Write a Hugging Face directory (model.safetensors, config.json, tokenizer.json, ...) that "
                    + "transformers' GPT2LMHeadModel (gpt2) or LlamaForCausalLM (llama) .from_pretrained and AutoTokenizer load unchanged.",
            footer = {"", "Example:", "  cairn export hf --run runs/shakespeare --out export/shakespeare",
                    "  python3 -c \"from transformers import GPT2LMHeadModel; GPT2LMHeadModel.from_pretrained('export/shakespeare')\""})
    static final class Hf implements Callable<Integer> {
        @Spec CommandSpec spec;
        @ArgGroup(exclusive = true, multiplicity = "1") Source source;
        @Option(names = "--out", paramLabel = "DIR", required = true, description = "The directory to write.") Path out;
        @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32",
                description = "f32 (default, the exact weights), f16 or bf16 (rounded to nearest even).") String dtype;
        @Option(names = "--chat-template", paramLabel = "FILE",
                description = "A Jinja chat template (tokenizer_config.json's chat_template), so chat clients can talk to the model.") Path chatTemplate;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            Dtype d = Dtype.fromOption(dtype);
            String template = null;
            if (chatTemplate != null) {
                if (!Files.isRegularFile(chatTemplate)) throw new IllegalArgumentException("--chat-template: no file " + chatTemplate);
                template = Files.readString(chatTemplate);
                try {
                    new dev.cairn.release.ChatTemplate(template, null, null);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--chat-template " + chatTemplate + ": " + e.getMessage());
                }
            }
            Models.Opened m = source.open(home.dir());
            long t0 = System.nanoTime();
            var files = HfDirectory.write(out, m.model(), d, Map.of());
            if (template != null) dev.cairn.release.ChatTemplate.attach(out, template);
            PrintWriter o = spec.commandLine().getOut();
            o.printf("exported %s (%,d parameters, %s) to %s in %.2f s: %d files%n", m.source(), m.model().params().length,
                    d.torchName(), out, (System.nanoTime() - t0) / 1e9, files.size());
            String cls = m.model().config().arch().equals("llama") ? "LlamaForCausalLM" : "GPT2LMHeadModel";
            o.println("load it: " + cls + ".from_pretrained(\"" + out + "\"), AutoTokenizer.from_pretrained(\"" + out + "\")");
            o.flush();
            return 0;
        }
    }

    @Command(name = "gguf", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Write a GGUF v3 file for llama.cpp (architecture gpt2 or llama, llama.cpp's tensor names and Q/K row order, the tokenizer in tokenizer.ggml.*).",
            footer = {"", "Example:", "  cairn export gguf --run runs/shakespeare --out shakespeare.gguf"})
    static final class GgufFile implements Callable<Integer> {
        @Spec CommandSpec spec;
        @ArgGroup(exclusive = true, multiplicity = "1") Source source;
        @Option(names = "--out", paramLabel = "FILE.gguf", required = true, description = "The file to write.") Path out;
        @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32", description = "f32 (default) or f16.") String dtype;
        @Option(names = "--name", paramLabel = "NAME", description = "general.name (default: the source's file name).") String name;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            Dtype d = Dtype.fromOption(dtype);
            Models.Opened m = source.open(home.dir());
            long t0 = System.nanoTime();
            Gguf.write(out, m.model(), d, name != null ? name : String.valueOf(m.source().toAbsolutePath().normalize().getFileName()));
            PrintWriter o = spec.commandLine().getOut();
            o.printf("exported %s (%,d parameters, %s) to %s in %.2f s%n", m.source(), m.model().params().length,
                    d.torchName(), out, (System.nanoTime() - t0) / 1e9);
            o.flush();
            return 0;
        }
    }
}
