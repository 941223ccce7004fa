package dev.cairn.cli;

import dev.cairn.model.Sampler;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.Recipe;
import dev.cairn.training.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Cairn end to end on embedded defaults: trains the nanoGPT Shakespeare recipe bit-exactly on the bundled sample corpus "
                + "(a few minutes on two cores), shows the loss curve's location, the state digest and a generated sample."})
final class DemoCommand implements Callable<Integer> {
    static final String SAMPLE_RESOURCE = "/dev/cairn/data/tinyshakespeare.txt";

    @Spec CommandSpec spec;
    @Mixin HomeOption home;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Training steps (default 2000, the full recipe).") int steps;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path dir = home.dir();
        Path corpusFile = extractSample(dir.resolve("samples"));
        Recipe defaults = Recipe.defaults();
        Recipe r = new Recipe(defaults.layers(), defaults.heads(), defaults.embd(), defaults.ctx(), defaults.batch(), steps,
                defaults.lr(), defaults.minLr(), Math.min(defaults.warmup(), steps / 10), defaults.weightDecay(), defaults.beta1(),
                defaults.beta2(), defaults.eps(), defaults.gradClip(), defaults.seed(), defaults.bias(),
                Math.max(1, steps / 4), Math.max(1, steps / 8));
        Path runDir = dir.resolve("runs").resolve("demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        out.println("== Cairn demo ==");
        out.println("1. Training a GPT on the bundled Shakespeare sample (" + corpusFile + "), bit-exactly.");
        out.flush();
        Kernels k = exec.kernels();
        try (Parallel par = exec.parallel()) {
            CharCorpus corpus = CharCorpus.read(corpusFile, r.ctx());
            TrainingRun run = TrainingRun.create(runDir, r, corpusFile, corpus, k, par);
            TrainingRun.Summary s = run.train(new TrainCommand.ConsoleListener(err, k, par));
            TrainCommand.report(out, s, false);
            out.println();
            out.println("2. A sample from the trained model (seed 1, temperature 0.8):");
            int[] prompt = corpus.encode("ROMEO:");
            int[] gen = Sampler.generate(run.trainer().model(), prompt, 300, 0.8f, 0, 1, false);
            out.println("ROMEO:" + corpus.decode(gen, 0, gen.length));
            out.println();
            out.println("What to try next:");
            out.println("  ./cairn train --data " + corpusFile + " --out runs/mine --threads 1 --kernels scalar --steps 50 --json");
            out.println("      (any thread count or kernel set gives the same state digest for the same recipe)");
            out.println("  ./cairn generate --run " + runDir + " --prompt \"JULIET:\" --seed 7");
            out.println("  ./cairn bench train --peer ../shared/peers/torch_gpt.py");
            out.flush();
            return 0;
        }
    }

    /** The bundled sample corpus as a file under dir (written once, atomically). */
    static Path extractSample(Path dir) throws IOException {
        Path f = dir.resolve("tinyshakespeare.txt");
        if (Files.isRegularFile(f)) return f;
        Files.createDirectories(dir);
        try (InputStream in = DemoCommand.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) throw new IOException("the bundled sample corpus is missing from the build (" + SAMPLE_RESOURCE + ")");
            Path tmp = Files.createTempFile(dir, ".tinyshakespeare", ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    static Path sampleCorpus() throws IOException {
        return extractSample(Path.of(System.getProperty("java.io.tmpdir"), "cairn-samples"));
    }
}
