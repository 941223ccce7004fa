package dev.cairn.cli;

import dev.cairn.data.TokenizerBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn bench tokenizer}: BPE training time and encode throughput beside Hugging Face tokenizers. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = {"Train a BPE vocabulary on the Shakespeare sample (target <= 10 s), then encode it with Cairn and with",
                "Hugging Face tokenizers (same tokenizer.json, ids checked identical) on 1 and 2 threads (target >= 1.0x)."})
public final class BenchTokenizerCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--vocab", defaultValue = "4096", description = "Vocabulary size (default 4096).") int vocab;
    @Option(names = "--seconds", defaultValue = "2", description = "Seconds per throughput measurement (default 2).") double seconds;
    @Option(names = "--threads", defaultValue = "2", description = "Measure 1..N threads (default 2).") int threads;

    @Override
    public Integer call() {
        TokenizerBenchmark.run(spec.commandLine().getOut(), vocab, seconds, threads);
        return 0;
    }
}
