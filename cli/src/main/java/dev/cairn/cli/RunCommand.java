package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.TokenizedDataset;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.SigningKey;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.GovernedRun;
import dev.cairn.training.Recipe;
import dev.cairn.training.RunCommitment;
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

/** cairn run recipe | start: governed training runs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Governed training runs: write a run recipe for a start-run proposal, and train it once the proposal is executed.",
        subcommands = {RunCommand.RecipeCmd.class, RunCommand.Start.class})
final class RunCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "recipe", mixinStandardHelpOptions = true,
            description = {"Write a run recipe (every number, the dataset NAME@VERSION with its root, the tokenizer digest, Cairn's version and git commit)",
                    "and print its digest: the `recipe` of a start_run proposal."})
    static final class RecipeCmd implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Option(names = "--dataset", required = true, paramLabel = "NAME@VERSION") String dataset;
        @Option(names = "--tokenizer", required = true, paramLabel = "ID") String tokenizer;
        @Option(names = "--out", required = true, paramLabel = "FILE") Path out;
        @Option(names = "--json", description = "Print JSON.") boolean json;
        @Mixin RecipeOptions recipe;
        @Option(names = "--init", paramLabel = "MODEL", description = "Start from this model's weights (pinned in the recipe by digest).") String init;

        @Override
        public Integer call() throws Exception {
            Recipe r = recipe.resolve();
            TokenizedDataset ds = TokenizedDataset.load(home.dir(), dataset, tokenizer);
            if (init != null) r = BaseModelOptions.init(init, home.dir(), r, recipe, dev.cairn.release.ModelTokenizer.bpe(ds.tokenizer()));
            Path root = Path.of(System.getProperty("cairn.root", "."));
            GovernedRun.RunRecipe rr = new GovernedRun.RunRecipe(r, ds.datasetRef(), ds.datasetRoot(), ds.tokenizerDigest(),
                    GovernedRun.CAIRN_VERSION, GovernedRun.gitCommit(root));
            if (Files.exists(out)) throw new IllegalArgumentException(out + " exists; a recipe file is never overwritten");
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(rr.toJson()) + "\n");
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                ObjectNode n = new ObjectMapper().createObjectNode().put("recipe", rr.digest()).put("dataset_root", rr.datasetRoot())
                        .put("tokenizer", rr.tokenizer()).put("file", out.toString());
                o.println(new ObjectMapper().writeValueAsString(n));
            } else {
                o.println(rr.digest());
                o.println("  dataset " + rr.dataset() + " root " + rr.datasetRoot());
                o.println("  tokenizer " + rr.tokenizer());
                o.println("  written to " + out + " (propose it with: type = \"start_run\", recipe = \"" + rr.digest() + "\")");
            }
            o.flush();
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Train the run an Executed start-run proposal approved. Refuses, naming the input, if the recipe, dataset root",
                    "or tokenizer differ from what was approved. Signs progress (checkpoint digests) and the run-finished statement",
                    "(transcript root, final state and weights digests, metrics) into the ledger."})
    static final class Start implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(index = "0", paramLabel = "PROPOSAL_ID", description = "Proposal number or digest.") String proposal;
        @Option(names = "--key", required = true, paramLabel = "TRAINER") String key;
        @Option(names = "--passphrase-file", paramLabel = "FILE") Path passphraseFile;
        @Option(names = "--recipe", required = true, paramLabel = "FILE", description = "The run recipe the proposal names by digest.") Path recipeFile;
        @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: HOME/runs/RUN_NAME).") Path out;
        @Option(names = "--json", description = "Print one JSON object with the results as the last line.") boolean json;
        @Option(names = "--remote", paramLabel = "URL", description = "The community's node (default: HOME/config.toml's [node] url; 'local': "
                + "this home's log): statements are signed here, submitted over HTTP and checked against a verified mirror; the "
                + "beacon is the first witnessed checkpoint that includes the run-finished statement.") String remote;
        @Mixin ExecutionOptions exec;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            SigningKey trainer = GovernanceCli.loadKey(new LedgerHome(home.dir()), key, passphraseFile);
            BaseModelOptions.registerHome(home.dir());
            String node = dev.cairn.training.NodeConfig.remote(home.dir(), remote);
            int rank = Cluster.rank();
            try (Parallel par = exec.parallel(); dev.cairn.training.GovernedLedger ledger = node == null
                    ? (rank == 0 ? dev.cairn.training.GovernedLedger.local(home.dir()) : dev.cairn.training.GovernedLedger.localReadOnly(home.dir()))
                    : rank == 0 ? GovernanceCli.remoteLedger(home.dir(), node) : dev.cairn.training.GovernedLedger.remoteReader(home.dir(), node, rank)) {
                Kernels k = exec.kernels();
                Path dir = out;
                if (dir == null) {
                    var state = ledger.state();
                    var ap = GovernedRun.approval(state, proposal, System.currentTimeMillis());
                    dir = home.dir().resolve("runs").resolve(ap.action().run().replaceAll("[^A-Za-z0-9._-]", "_"));
                }
                TrainCommand.ConsoleListener console = new TrainCommand.ConsoleListener(err, k, par);
                RunCommitment c = GovernedRun.start(ledger, home.dir(), proposal, recipeFile, trainer, dir, k, par, Cluster.rank() != 0 ? new GovernedRun.Listener() {} : new GovernedRun.Listener() {
                    @Override public void started(dev.cairn.training.Trainer t, int from) { console.started(t, from); }
                    @Override public void step(dev.cairn.training.Trainer.StepResult r, double tps, double el) { console.step(r, tps, el); }
                    @Override public void evaluated(int step, double v) { console.evaluated(step, v); }
                    @Override public void projected(String line) {
                        err.println(line);
                        err.flush();
                    }

                    @Override public void logged(String what, LogEntry e) {
                        if (what.startsWith("run-finished") || what.startsWith("budget-exhausted") || node != null) {
                            err.println("ledger: " + what + " signed by " + key + " at log entry " + e.index() + (node == null ? "" : " of " + node));
                            err.flush();
                        }
                    }
                }, Cluster.ranks());
                if (c == null) return 0; // a rank other than 0 of an MPI job: rank 0 reports
                o.println("run " + dir + " finished and committed");
                o.println("  transcript root  " + c.transcriptRoot() + " (" + c.steps() + " steps)");
                o.println("  final state      " + c.finalStateSha256());
                o.println("  final weights    " + c.finalWeightsSha256());
                o.println(String.format(java.util.Locale.ROOT, "  losses           train %.4f, validation %.4f", c.trainLoss(), c.valLoss()));
                o.println("  checkpoints      " + c.checkpoints().size() + " (each signed into the ledger by digest)");
                if (c.compute() != null) {
                    var ap = GovernedRun.approval(ledger.state(), proposal, System.currentTimeMillis());
                    dev.cairn.training.ComputeBudget b = GovernedRun.budget(ap.action());
                    double flops = c.compute().path("run_flops_total").asDouble(), cpu = c.compute().path("run_cpu_seconds").asDouble();
                    o.println("  " + (b == null ? String.format(java.util.Locale.ROOT, "compute: %.3g model FLOPs, %.3g CPU-hours (no budget)", flops, cpu / 3600)
                            : b.describe(flops, cpu)));
                }
                if (json) {
                    ObjectNode n = c.toJson();
                    n.put("run_dir", dir.toString());
                    o.println(new ObjectMapper().writeValueAsString(n));
                }
                o.flush();
            }
            return 0;
        }
    }
}
