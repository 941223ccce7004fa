package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.ledger.AtomicFiles;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.release.ModelStore;
import dev.cairn.release.ReleaseStatements;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Bring an existing open model into HOME, content-addressed, to generate from, evaluate or train further.",
        subcommands = {ImportCommand.Hf.class})
final class ImportCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "hf", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Import a GPT-2 or Llama (LlamaForCausalLM) Hugging Face directory (model.safetensors or shards with "
                    + "model.safetensors.index.json; F32, F16 or BF16). Every file's SHA-256, the source and the licence "
                    + "are recorded, and with --key signed into the community's ledger.",
            footer = {"", "Example:", "  cairn import hf ~/models/gpt2 --name gpt2 --source https://huggingface.co/openai-community/gpt2 --key alpine-lab",
                    "  cairn generate --model gpt2 --prompt \"Hello\" --greedy --tokens 20"})
    static final class Hf implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "DIR", description = "The Hugging Face model directory.") Path dir;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The name to use it by (--model NAME).") String name;
        @Option(names = "--source", paramLabel = "URL", description = "Where it came from (default: the directory's path).") String source;
        @Option(names = "--license", paramLabel = "SPDX", description = "Its licence (default: the model card's front matter, if any).") String license;
        @Option(names = "--key", paramLabel = "KEY", description = "Sign the import statement with this key (appended to HOME's ledger when HOME has one).") String key;
        @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passphrase of an encrypted key.") Path passphraseFile;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            long t0 = System.nanoTime();
            String lic = license != null ? license : cardLicense(dir.resolve("README.md"));
            if (lic != null) dev.cairn.data.SpdxExpression.parse(lic); // refuses a malformed expression by name
            LedgerHome lh = new LedgerHome(home.dir());
            var signer = key == null ? null : GovernanceCli.loadKey(lh, key, passphraseFile);
            ModelStore.Stored s = new ModelStore(home.dir()).importHf(dir, name, source, lic);
            out.printf("imported %s as %s (%s, %,d parameters) in %.2f s%n", dir, s.name(), s.digest().substring(0, 12),
                    s.record().path("parameters").asLong(), (System.nanoTime() - t0) / 1e9);
            if (signer != null) {
                String community = lh.hasLog() ? Community.read(lh).communityId() : null;
                Envelope e = ReleaseStatements.importStatement(s, community, signer);
                AtomicFiles.write(s.dir().resolveSibling(s.digest() + ".import.dsse.json"), e.toJson());
                if (community != null) {
                    LogEntry le = ReleaseStatements.append(home.dir(), e);
                    out.println("  import statement signed by " + key + " at log entry " + le.index());
                } else {
                    out.println("  import statement signed by " + key + " (no community ledger in " + home.dir() + "; kept beside the model)");
                }
            } else {
                out.println("  unsigned: pass --key to put the import on the record");
            }
            out.println("next: ./cairn generate --model " + s.name() + " --prompt \"Hello\" --tokens 40");
            out.flush();
            return 0;
        }

        /** The {@code license:} of a model card's YAML front matter, or null. */
        static String cardLicense(Path card) throws java.io.IOException {
            if (!Files.exists(card)) return null;
            var lines = Files.readAllLines(card);
            if (lines.isEmpty() || !lines.getFirst().strip().equals("---")) return null;
            for (int i = 1; i < lines.size() && i < 500; i++) {
                String l = lines.get(i);
                if (l.strip().equals("---")) break;
                if (l.startsWith("license:")) {
                    String v = l.substring("license:".length()).strip().replaceAll("^['\"]|['\"]$", "");
                    return v.isEmpty() ? null : v;
                }
            }
            return null;
        }
    }
}
