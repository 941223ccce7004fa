package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cairn.data.BpeTokenizer;
import dev.cairn.data.DataException;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.TokenizerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn tokenizer ...}: byte-level BPE tokenizers stored under HOME/tokenizers by digest. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Byte-level BPE tokenizers (Hugging Face tokenizer.json), addressed by their SHA-256 digest.",
        subcommands = {TokenizerCommand.Train.class, TokenizerCommand.Import.class, TokenizerCommand.Encode.class})
final class TokenizerCommand implements Runnable {
    @picocli.CommandLine.Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train a tokenizer on a dataset version; prints its digest.")
    static final class Train implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Option(names = "--dataset", required = true, paramLabel = "NAME[@VERSION]") String dataset;
        @Option(names = "--vocab", required = true, paramLabel = "N", description = "Vocabulary size, counting the 256 bytes and <|endoftext|>.") int vocab;

        @Override
        public Integer call() {
            long t0 = System.nanoTime();
            TokenizerStore.Stored s = new TokenizerStore(home.dir()).train(new DatasetStore(home.dir()), dataset, vocab);
            spec.commandLine().getOut().printf(Locale.ROOT, "tokenizer %s (vocab %d, %d merges) trained on %s in %.1f s: %s%n", s.digest(),
                    s.tokenizer().vocabSize(), s.tokenizer().mergeCount(), dataset, (System.nanoTime() - t0) / 1e9, s.file());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Store a Hugging Face tokenizer.json (byte-level BPE); prints its digest.")
    static final class Import implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "FILE") Path file;

        @Override
        public Integer call() {
            BpeTokenizer t;
            try {
                t = BpeTokenizer.fromHuggingFaceJson(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new DataException(file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new DataException(file + ": " + e.getMessage());
            }
            var prov = JsonNodeFactory.instance.objectNode().put("digest", t.digest()).put("imported_from", file.toString());
            TokenizerStore.Stored s = new TokenizerStore(home.dir()).store(t, prov);
            spec.commandLine().getOut().println("tokenizer " + s.digest() + " (vocab " + t.vocabSize() + "): " + s.file());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, description = "Print the ids of a text.")
    static final class Encode implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "TEXT") String text;
        @Option(names = "--tokenizer", required = true, paramLabel = "ID") String ref;

        @Override
        public Integer call() {
            int[] ids = new TokenizerStore(home.dir()).load(ref).tokenizer().encode(text);
            spec.commandLine().getOut().println(java.util.Arrays.toString(ids));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
