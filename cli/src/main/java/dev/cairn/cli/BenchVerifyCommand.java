package dev.cairn.cli;

import dev.cairn.ledger.MerkleTree;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.CharCorpus;
import dev.cairn.training.Recipe;
import dev.cairn.training.RunCommitment;
import dev.cairn.training.RunVerifier;
import dev.cairn.training.Transcript;
import dev.cairn.training.TranscriptLeaf;
import dev.cairn.training.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** cairn bench verify: the figures of the verification protocol on the default Shakespeare recipe. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verification figures on the default Shakespeare recipe (checkpoints every 50 steps):",
                "transcript overhead (training with and without it), spot-check cost (Q segments of K steps, loading included)",
                "against training wall time with the catch probability 1-(1-f)^Q, and the dispute game's rounds and re-executed steps."})
final class BenchVerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Training steps (default 2000).") int steps;
    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "50") int every;
    @Option(names = "--q", paramLabel = "Q", defaultValue = "10", description = "Spot-check segments (default 10).") int q;
    @Option(names = "--segment", paramLabel = "K", defaultValue = "20", description = "Steps per segment (default 20).") int segment;
    @Option(names = "--state-digest-every", paramLabel = "N", defaultValue = "25",
            description = "Full state digest in the transcript every N steps, as cairn train (default 25).") int stateEvery;
    @Option(names = "--out", paramLabel = "DIR", description = "Where to keep the runs (default: a temporary directory).") Path out;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Path data = DemoCommand.sampleCorpus();
        Recipe d = Recipe.defaults();
        Recipe r = new Recipe(d.layers(), d.heads(), d.embd(), d.ctx(), d.batch(), steps, d.lr(), d.minLr(), d.warmup(), d.weightDecay(),
                d.beta1(), d.beta2(), d.eps(), d.gradClip(), d.seed(), d.bias(), d.evalEvery(), every);
        Path dir = out != null ? out : Files.createTempDirectory("cairn-bench-verify");
        CharCorpus corpus = CharCorpus.read(data, r.ctx());
        try (Parallel par = exec.parallel()) {
            Kernels k = exec.kernels();
            o.println(String.format(Locale.ROOT, "default recipe, %d steps, checkpoints every %d; kernels %s, %d threads; runs in %s",
                    steps, every, k.name(), par.threads(), dir));
            o.flush();
            // Warm the JIT first so neither timed run pays for compilation.
            Recipe warm = new Recipe(r.layers(), r.heads(), r.embd(), r.ctx(), r.batch(), Math.min(200, r.steps()), r.lr(), r.minLr(),
                    r.warmup(), r.weightDecay(), r.beta1(), r.beta2(), r.eps(), r.gradClip(), r.seed(), r.bias(), 0, 50);
            train(dir.resolve("warm-up"), warm, data, corpus, k, par, true);
            double off = train(dir.resolve("without-transcript"), r, data, corpus, k, par, false);
            double on = train(dir.resolve("with-transcript"), r, data, corpus, k, par, true);
            o.println(String.format(Locale.ROOT, "training: %.1f s without the transcript, %.1f s with it (state digest every %d steps): overhead %+.1f %% (budget 3 %%)",
                    off, on, stateEvery, 100 * (on - off) / off));
            Path run = dir.resolve("with-transcript");
            RunCommitment c = RunVerifier.localCommitment(run);
            long t0 = System.nanoTime();
            RunVerifier v = RunVerifier.open(run, c, k, par);
            byte[] beacon = MerkleTree.sha256(Files.readAllBytes(run.resolve(RunCommitment.FILE)));
            RunVerifier.Verdict spot = v.spotCheck(beacon, q, segment, new RunVerifier.Listener() {});
            double spotS = (System.nanoTime() - t0) / 1e9;
            o.println(String.format(Locale.ROOT, "spot check: %s, Q = %d segments of %d steps = %d steps in %.1f s (loading included) = %.1f %% of training (budget 10 %%)",
                    spot.ok() ? "verified" : "FAILED", q, segment, spot.checkedSteps(), spotS, 100 * spotS / on));
            for (double f : new double[] {0.01, 0.05, 0.1, 0.2}) {
                o.println(String.format(Locale.ROOT, "  forged fraction f = %4.0f %% of segments: caught with probability 1-(1-f)^%d = %.1f %%",
                        100 * f, q, 100 * (1 - StrictMath.pow(1 - f, q))));
            }
            int q99 = (int) Math.ceil(StrictMath.log(0.01) / StrictMath.log(0.95));
            o.println("  Q for 99 % at f = 5 %: " + q99 + " segments");
            // Dispute: a copy of the transcript whose step T/2 + 7 (and everything after) is forged.
            Transcript mine = Transcript.read(run.resolve(Transcript.FILE));
            int bad = steps / 2 + 7;
            List<TranscriptLeaf> forged = new ArrayList<>(mine.leaves());
            for (int s = bad; s <= steps; s++) {
                TranscriptLeaf l = forged.get(s - 1);
                byte[] st = l.stateSha256();
                st[0] ^= 1;
                forged.set(s - 1, new TranscriptLeaf(s, l.batchSha256(), l.lossBits(), st));
            }
            Transcript other = Transcript.of(forged);
            t0 = System.nanoTime();
            RunVerifier.Verdict dispute = RunVerifier.open(run, c, k, par).dispute(new RunVerifier.Side("forged", other, other.root()), new RunVerifier.Listener() {});
            double dS = (System.nanoTime() - t0) / 1e9;
            o.println(String.format(Locale.ROOT, "dispute (forged from step %d): %s; %d rounds (ceil(log2 %d) = %d), %d steps re-executed (interval %d), %.1f s",
                    bad, dispute.message(), dispute.rounds(), steps, RunVerifier.ceilLog2(steps), dispute.reexecutedSteps(), every, dS));
        }
        o.flush();
        return 0;
    }

    private double train(Path dir, Recipe r, Path data, CharCorpus corpus, Kernels k, Parallel par, boolean transcript) throws Exception {
        long t0 = System.nanoTime();
        TrainingRun.create(dir, r, data, corpus, k, par).stateDigestEvery(stateEvery).transcript(transcript).train(new TrainingRun.Listener() {});
        return (System.nanoTime() - t0) / 1e9;
    }
}
