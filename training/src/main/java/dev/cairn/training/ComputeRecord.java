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
    /**
     * A starting point for the CPU this process spends: the process clock (which counts in the kernel's ticks,
     * 10 ms here, too coarse for a short session) and every live thread's own clock (nanoseconds).
     */
    record CpuMark(double process, java.util.Map<Long, Long> threads) {
        static CpuMark now() {
            double process = Double.NaN;
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long ns = os.getProcessCpuTime();
                if (ns >= 0) process = ns / 1e9;
            }
            if (Double.isNaN(process)) process = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
            java.util.Map<Long, Long> t = new java.util.HashMap<>();
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            if (mx.isThreadCpuTimeSupported()) {
                for (long id : mx.getAllThreadIds()) {
                    long ns = mx.getThreadCpuTime(id);
                    if (ns >= 0) t.put(id, ns);
                }
            }
            return new CpuMark(process, t);
        }

        /**
         * CPU seconds spent since this mark: the process clock's difference, or, when more, the nanosecond clocks of
         * the threads alive at both ends (a short session can pass before the process clock ticks).
         */
        double elapsed() {
            CpuMark now = now();
            double threadsSpent = 0;
            for (var e : now.threads.entrySet()) {
                Long before = threads.get(e.getKey());
                if (before != null && e.getValue() > before) threadsSpent += (e.getValue() - before) / 1e9;
            }
            double processSpent = now.process - process;
            return Double.isNaN(processSpent) ? threadsSpent : Math.max(processSpent, threadsSpent);
        }
    }
}
