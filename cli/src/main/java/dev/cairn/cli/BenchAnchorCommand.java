package dev.cairn.cli;

import dev.cairn.data.BpeTokenizer;
import dev.cairn.data.TokenIdFile;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.Recipe;
import dev.cairn.training.TokenIds;
import dev.cairn.training.Trainer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cairn bench anchor}: the quality anchor. One BPE tokenisation of a text, written as the bare token-id file
 * the PyTorch peer reads ({@code --tokens}); Cairn and the peer each train the same small GPT-2 recipe on it for the
 * same number of steps, in the same invocation, and both score the whole validation split (the last 10 % of the ids,
 * every non-overlapping window). The two differ only in the random draw of training windows and initial weights.
 */
@Command(name = "anchor", mixinStandardHelpOptions = true,
        description = {"Quality anchor: Cairn and the PyTorch peer train the same GPT-2 recipe on the same BPE token ids",
                "(written as the peer's --tokens file) and score the same validation split; prints both losses and their",
                "relative difference (goal within 1 %%)."})
final class BenchAnchorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--data", paramLabel = "FILE", description = "UTF-8 text to tokenise (default: the bundled Shakespeare sample).") Path data;
    @Option(names = "--peer", paramLabel = "SCRIPT", defaultValue = "../shared/peers/torch_gpt.py", description = "The PyTorch peer (default ../shared/peers/torch_gpt.py).") Path peer;
    @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3", description = "Python with torch (default /usr/bin/python3).") String python;
    @Option(names = "--vocab", paramLabel = "N", defaultValue = "2048", description = "BPE vocabulary size (default 2048).") int vocab;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "300", description = "Training steps of both (default 300).") int steps;
    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--embd", defaultValue = "256") int embd;
    @Option(names = "--ctx", defaultValue = "128") int ctx;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--warmup", defaultValue = "30", description = "Warm-up steps of the learning rate (default 30).") int warmup;
    @Option(names = "--seed", defaultValue = "1337") long seed;
    @Option(names = "--tokens-out", paramLabel = "FILE", description = "Keep the token-id file here (default: a temporary file, removed).") Path tokensOut;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 1 || vocab < 257) throw new IllegalArgumentException("--steps must be at least 1 and --vocab at least 257");
        if (!Files.isRegularFile(peer)) throw new IllegalArgumentException("peer script not found: " + peer);
        Path file = data != null ? data : DemoCommand.sampleCorpus();
        Recipe d = Recipe.defaults();
        // The peer's recipe: nanoGPT's (no biases, tied head, AdamW 0.9/0.99, decay 0.1 on 2-D weights, clip 1.0,
        // warm-up then cosine to min_lr), which is Cairn's default recipe; only the shape and schedule length change.
        Recipe r = new Recipe(layers, heads, embd, ctx, batch, steps, d.lr(), d.minLr(), warmup, d.weightDecay(), d.beta1(), d.beta2(),
                d.eps(), d.gradClip(), seed, false, 0, 0).validate();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        BpeTokenizer tok = BpeTokenizer.train(List.of(text), vocab);
        TokenIds ids = new TokenIds(tok.encode(text), tok, file.getFileName() + " under BPE " + tok.vocabSize());
        if (ids.validation().length < ctx + 1) throw new IllegalArgumentException(file + ": too short for ctx " + ctx + " (" + ids.ids().length + " tokens)");
        Path tokens = tokensOut != null ? tokensOut : Files.createTempFile("cairn-anchor-", ".bin");
        try {
            TokenIdFile.Dtype dtype = TokenIdFile.write(tokens, ids.ids(), tok.vocabSize());
            out.println(String.format(Locale.ROOT, "cairn bench anchor: %s, BPE %d ids (%.1f s), %,d tokens (%,d train, %,d validation) written to %s as %s; CPU %s",
                    file, tok.vocabSize(), (System.nanoTime() - t0) / 1e9, ids.ids().length, ids.train().length, ids.validation().length, tokens, dtype, BenchCommand.cpuModel()));
            out.println(String.format(Locale.ROOT, "  recipe: %d layers, %d heads, %d wide, ctx %d, batch %d, %d steps, lr %s -> %s (warm-up %d, cosine), AdamW (%.2f, %.2f), decay %.1f on 2-D weights, clip %.1f, seed %d",
                    layers, heads, embd, ctx, batch, steps, r.lr(), r.minLr(), warmup, r.beta1(), r.beta2(), r.weightDecay(), r.gradClip(), seed));
            out.flush();
            double mine, mineSec;
            long paramsMine;
            try (Parallel par = exec.parallel()) {
                Trainer t = new Trainer(r, ids, exec.kernels(), par);
                long s0 = System.nanoTime();
                for (int s = 0; s < steps; s++) t.trainStep();
                mineSec = (System.nanoTime() - s0) / 1e9;
                mine = t.validationLoss();
                paramsMine = t.model().params().length;
                out.println(String.format(Locale.ROOT, "  cairn: %,d params, %.1f s (%,.0f tokens/s), validation loss %.4f (whole split)",
                        t.model().params().length, mineSec, (double) steps * batch * ctx / mineSec, mine));
                out.flush();
            }
            List<String> cmd = new ArrayList<>(List.of(python, peer.toString(), tokens.toString(), "--tokens", tokens.toString(),
                    "--dtype", dtype.toString(), "--vocab", "" + tok.vocabSize(), "--threads", "1", "--layers", "" + layers, "--heads", "" + heads,
                    "--embd", "" + embd, "--ctx", "" + ctx, "--batch", "" + batch, "--steps", "" + steps, "--warmup", "" + warmup,
                    "--lr", "" + r.lr(), "--min-lr", "" + r.minLr(), "--seed", "" + seed, "--eval-batches", "1", "--full-val"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(exec.threadCount()));
            Process p = pb.start();
            String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            Matcher m = Pattern.compile("params=(\\d+).*seconds=([\\d.]+) tokens_per_s=(\\d+).*val_full=([\\d.]+)").matcher(all);
            if (rc != 0 || !m.find()) {
                throw new IllegalStateException("the peer failed (exit " + rc + "): " + all.strip().lines().reduce((a, b) -> b).orElse("")
                        + " (install it with: apt-get install -y python3-torch libopenblas0-pthread)");
            }
            double theirs = Double.parseDouble(m.group(4));
            out.println(String.format(Locale.ROOT, "  peer:  %,d params, %s s (%,d tokens/s), validation loss %.4f (whole split)",
                    Long.parseLong(m.group(1)), m.group(2), Long.parseLong(m.group(3)), theirs));
            long diff = Long.parseLong(m.group(1)) - paramsMine;
            if (diff != 0) {
                out.println(String.format(Locale.ROOT, "  (the peer has %+,d parameters: %s)", diff, diff == (2L * layers + 1) * embd
                        ? "its LayerNorms carry biases, as torch before 2.1 has no bias=False" : "a shape differs"));
            }
            out.println(String.format(Locale.ROOT, "  relative difference (cairn - peer) / peer: %+.2f %% (goal within 1 %%)", 100 * (mine - theirs) / theirs));
            out.flush();
            return 0;
        } finally {
            if (tokensOut == null) Files.deleteIfExists(tokens);
        }
    }
}
