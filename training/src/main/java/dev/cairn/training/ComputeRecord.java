package dev.cairn.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a run (or one session of it, between starts and resumes) spent. Model FLOPs per token follow PaLM
 * (appendix B) and nanoGPT's estimate: 6 N for the weights' forward and backward products (N = every parameter)
 * plus 12 L C T for attention's two products (scores and weighted sum, forward and backward, counted as if not
 * causal); a step is batch x ctx tokens. The exchange figures are rank 0's (waiting for slower ranks included).
 */
public record ComputeRecord(long parameters, int layers, int embd, int ctx, long tokensPerStep, int steps,
                            double wallSeconds, double[] cpuSecondsByRank, int processes, int threads,
                            long bytesExchanged, double exchangeSeconds) {

    /** Model FLOPs of one token: 6 N + 12 L C T. */
    public static double flopsPerToken(long parameters, int layers, int embd, int ctx) {
        return 6.0 * parameters + 12.0 * layers * embd * ctx;
    }

    public static double flopsPerStep(Recipe r, long parameters) {
        return flopsPerToken(parameters, r.layers(), r.embd(), r.ctx()) * r.batch() * r.ctx();
    }

    public double flopsPerStep() {
        return flopsPerToken(parameters, layers, embd, ctx) * tokensPerStep;
    }

    public double totalFlops() {
        return flopsPerStep() * steps;
    }

    public double flopsPerSecond() {
        return totalFlops() / Math.max(1e-9, wallSeconds);
    }

    public double cpuSeconds() {
        double s = 0;
        for (double c : cpuSecondsByRank) s += c;
        return s;
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("flops_formula", "tokens x (6 N + 12 L C T)");
        n.put("flops_per_step", flopsPerStep());
        n.put("steps", steps);
        n.put("flops_total", totalFlops());
        n.put("wall_seconds", wallSeconds);
        n.put("flops_per_second", flopsPerSecond());
        n.put("cpu_seconds", cpuSeconds());
        ArrayNode a = n.putArray("cpu_seconds_by_rank");
        for (double c : cpuSecondsByRank) a.add(c);
        n.put("processes", processes);
        n.put("threads", threads);
        // rank 0's view of the exchange: bytes it sent per step, and its share of the wall time spent exchanging
        n.put("exchange_bytes_per_step_per_rank", steps == 0 ? 0 : bytesExchanged / steps);
        n.put("exchange_share", exchangeSeconds / Math.max(1e-9, wallSeconds));
        return n;
    }

    /** This process's CPU time so far, in seconds (all its threads). */
    static double processCpuSeconds() {
        // The process clock counts in the kernel's ticks (10 ms here), too coarse for a short session; the live threads'
        // own clocks count nanoseconds but forget threads that ended. The larger of the two bounds the CPU spent.
        double process = Double.NaN;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            if (ns >= 0) process = ns / 1e9;
        }
        if (Double.isNaN(process)) process = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double live = 0;
        if (threads.isThreadCpuTimeSupported()) {
            for (long id : threads.getAllThreadIds()) {
                long t = threads.getThreadCpuTime(id);
                if (t > 0) live += t / 1e9;
            }
        }
        return Double.isNaN(process) ? live : Math.max(process, live);
    }
}
