package dev.cairn.cli;

import dev.cairn.model.GptConfig;
import dev.cairn.model.ParameterLayout;
import dev.cairn.training.ComputeRecord;
import dev.cairn.training.Recipe;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A projection of a larger data-parallel run from per-node figures and the stated model of docs/SCALING.md. */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Project the wall time, communication share and cost of a data-parallel run (a projection, not a measurement; "
                + "the model is in docs/SCALING.md)."},
        footer = {"", "Examples:",
                "  cairn plan --config gpt2-124m --tokens 10e9 --nodes 8,64,512 --flops-per-node 2e11 --bandwidth 12.5e9",
                "  cairn plan --config 1b --tokens 100e9 --nodes 64 --flops-per-node 2e11 --bandwidth 12.5e9 --node-hour-cost 1.2"})
final class PlanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--config", paramLabel = "NAME", required = true, description = "default, 10.8m, gpt2-124m, llama-100m or 1b.") String config;
    @Option(names = "--tokens", paramLabel = "N", required = true, description = "Training tokens (e.g. 10e9).") double tokens;
    @Option(names = "--nodes", paramLabel = "N", required = true, split = ",", description = "Node counts (powers of two), comma-separated.") int[] nodes;
    @Option(names = "--flops-per-node", paramLabel = "FLOP_S", required = true, description = "Achieved model FLOP/s of one node (cairn train's compute line).") double flopsPerNode;
    @Option(names = "--bandwidth", paramLabel = "BYTES_S", required = true, description = "Bytes/s each node sends and receives at once.") double bandwidth;
    @Option(names = "--latency", paramLabel = "SECONDS", defaultValue = "2e-5", description = "Seconds per message (default 2e-5).") double latency;
    @Option(names = "--batch-tokens", paramLabel = "N", description = "Tokens per step (default: the config's).") Long batchTokens;
    @Option(names = "--node-hour-cost", paramLabel = "PRICE", defaultValue = "1", description = "Price of a node-hour, in any currency (default 1).") double nodeHourCost;

    /** name, layers, heads, embd, ctx, vocab, tokens per step. */
    private static final Object[][] CONFIGS = {
            {"default", 4, 4, 128, 64, 65, 12L * 64},
            {"10.8m", 6, 6, 384, 256, 65, 8L * 256},
            {"gpt2-124m", 12, 12, 768, 1024, 50257, 512L * 1024},
            {"llama-100m", 12, 12, 768, 1024, 32000, 512L * 1024},
            {"1b", 24, 16, 2048, 2048, 50257, 512L * 2048}};

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Object[] c = null;
        for (Object[] x : CONFIGS) if (x[0].equals(config)) c = x;
        if (c == null) throw new IllegalArgumentException("unknown --config " + config + " (default, 10.8m, gpt2-124m, llama-100m, 1b)");
        int L = (int) c[1], H = (int) c[2], C = (int) c[3], T = (int) c[4], V = (int) c[5];
        // The presets count their own parameters (GPT-2's biases; the Llama's SwiGLU, grouped key/values and tied head).
        long n = Recipe.PRESETS.contains(config) ? Recipe.preset(config).modelConfig(V).parameterCount()
                : new ParameterLayout(new GptConfig(V, T, L, H, C, false)).size();
        long perStep = batchTokens != null ? batchTokens : (long) c[6];
        if (!(tokens > 0 && flopsPerNode > 0 && bandwidth > 0 && perStep > 0)) throw new IllegalArgumentException("--tokens, --flops-per-node, --bandwidth and --batch-tokens must be positive");
        double fpt = ComputeRecord.flopsPerToken(n, L, C, T), steps = Math.ceil(tokens / perStep);
        out.println(String.format(Locale.ROOT, "PROJECTION (not a measurement): %s, %,d parameters, %.3g tokens in %,.0f steps of %,d tokens; "
                + "%.3g model FLOPs (6N + 12LCT per token)", config, n, tokens, steps, perStep, fpt * tokens));
        out.println(String.format(Locale.ROOT, "per node %.3g FLOP/s, %.3g bytes/s, %.0f us per message; exchange: ZeRO-1, reduce-scatter of the "
                + "gradient and all-gather of the parameters (2 log2 K messages, 2 x 4N (K-1)/K bytes per step)", flopsPerNode, bandwidth, latency * 1e6));
        out.println(String.format(Locale.ROOT, "%8s  %14s  %12s  %12s  %12s  %14s", "nodes", "wall", "compute/step", "comm/step", "comm share", "node-hours (cost)"));
        for (int k : nodes) {
            if (k < 1 || Integer.bitCount(k) != 1) throw new IllegalArgumentException("--nodes must be powers of two, got " + k);
            double compute = perStep * fpt / (k * flopsPerNode);
            int levels = Integer.numberOfTrailingZeros(k);
            double comm = 2 * levels * latency + 2 * 4.0 * n * (k - 1) / k / bandwidth;
            double wall = steps * (compute + comm), nodeHours = wall * k / 3600;
            out.println(String.format(Locale.ROOT, "%8d  %14s  %10.3f s  %10.3f s  %11.1f%%  %,14.0f (%,.0f)", k, duration(wall), compute, comm,
                    100 * comm / (compute + comm), nodeHours, nodeHours * nodeHourCost));
        }
        out.flush();
        return 0;
    }

    private static String duration(double s) {
        if (s < 3600) return String.format(Locale.ROOT, "%.1f min", s / 60);
        if (s < 86400 * 2) return String.format(Locale.ROOT, "%.1f h", s / 3600);
        return String.format(Locale.ROOT, "%.1f days", s / 86400);
    }
}
