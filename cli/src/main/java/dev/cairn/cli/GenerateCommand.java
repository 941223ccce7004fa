package dev.cairn.cli;

import dev.cairn.model.Sampler;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.Trainer;
import dev.cairn.training.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sample text from a trained run's newest checkpoint. The same seed gives the same text.",
        footer = {"", "Example:", "  cairn generate --run runs/shakespeare --prompt \"ROMEO:\" --tokens 300 --seed 7"})
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--run", paramLabel = "RUN_DIR", required = true, description = "The run directory.") Path run;
    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "\n", description = "Text to continue (default: a newline).") String prompt;
    @Option(names = "--tokens", paramLabel = "N", defaultValue = "300", description = "Tokens to generate (default 300).") int tokens;
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "Softmax temperature (default 0.8).") float temperature;
    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens, 0 keeps all (default 0).") int topK;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Sampling seed (default 1).") long seed;
    @Option(names = "--greedy", description = "Arg-max decoding instead of sampling.") boolean greedy;
    @Mixin ExecutionOptions exec;
    @Mixin HomeOption home; // accepted like every command; a run records the home its dataset lives in

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Parallel par = exec.parallel()) {
            Trainer t = TrainingRun.load(run, exec.kernels(), par);
            int[] ids = t.data().encode(prompt);
            int[] gen = Sampler.generate(t.model(), ids, tokens, temperature, topK, seed, greedy);
            out.print(prompt);
            out.println(t.data().decode(gen, 0, gen.length));
            out.flush();
            return 0;
        }
    }
}
