package dev.cairn.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * A run's compute budget, as its start-run proposal grants it: model FLOPs ({@code max_flops}, counted as the
 * compute record counts them) and/or CPU-hours of every process together ({@code max_cpu_hours}); null where not
 * set. The trainer projects the spend at each step whose transcript leaf carries the state digest and stops there,
 * at a checkpoint, when the next such step would go past the budget ({@link Exhausted}).
 */
public record ComputeBudget(Double maxFlops, Double maxCpuHours) {
    public ComputeBudget {
        if (maxFlops == null && maxCpuHours == null) throw new IllegalArgumentException("a compute budget needs max_flops or max_cpu_hours");
    }

    /** Whether spending this much stays within the budget. */
    boolean affords(double flops, double cpuSeconds) {
        return (maxFlops == null || flops <= maxFlops) && (maxCpuHours == null || cpuSeconds / 3600 <= maxCpuHours);
    }

    /** Budget against spend, for summary.json and statements. */
    public ObjectNode toJson(double spentFlops, double spentCpuSeconds) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (maxFlops != null) n.put("max_flops", maxFlops);
        if (maxCpuHours != null) n.put("max_cpu_hours", maxCpuHours);
        n.put("spent_flops", spentFlops);
        n.put("spent_cpu_hours", spentCpuSeconds / 3600);
        return n;
    }

    /** One line: "budget: 1.2e+12 of 2e+12 FLOPs (60 %), 0.01 of 1 CPU-hours (1 %)". */
    public String describe(double spentFlops, double spentCpuSeconds) {
        StringBuilder sb = new StringBuilder("budget:");
        if (maxFlops != null) sb.append(String.format(Locale.ROOT, " %.3g of %.3g model FLOPs (%.0f %%)", spentFlops, maxFlops, 100 * spentFlops / maxFlops));
        if (maxFlops != null && maxCpuHours != null) sb.append(',');
        double h = spentCpuSeconds / 3600;
        if (maxCpuHours != null) sb.append(String.format(Locale.ROOT, " %.3g of %.3g CPU-hours (%.0f %%)", h, maxCpuHours, 100 * h / maxCpuHours));
        return sb.toString();
    }

    /**
     * The run stopped at {@code step} (a checkpoint) because going on would pass the budget; the figures say what was
     * spent and what a continuation to the recipe's last step would need (CPU-hours projected from this session).
     */
    public static final class Exhausted extends RuntimeException {
        public final ComputeBudget budget;
        public final int step, steps;
        public final double spentFlops, spentCpuSeconds, neededFlops, neededCpuSeconds;
        public final java.nio.file.Path checkpoint;

        Exhausted(ComputeBudget budget, int step, int steps, double spentFlops, double spentCpuSeconds, double neededFlops,
                  double neededCpuSeconds, java.nio.file.Path checkpoint) {
            super(String.format(Locale.ROOT, "compute budget exhausted: stopped at step %d of %d%s; spent %s; "
                            + "a continuation to step %d needs %.3g more model FLOPs and about %.3g more CPU-hours", step, steps,
                    checkpoint == null ? " (rank 0 wrote the checkpoint)" : " (checkpoint " + checkpoint + ")",
                    budget.describe(spentFlops, spentCpuSeconds).substring("budget: ".length()), steps, neededFlops, neededCpuSeconds / 3600));
            this.budget = budget;
            this.step = step;
            this.steps = steps;
            this.spentFlops = spentFlops;
            this.spentCpuSeconds = spentCpuSeconds;
            this.neededFlops = neededFlops;
            this.neededCpuSeconds = neededCpuSeconds;
            this.checkpoint = checkpoint;
        }

        /** The figures of a budget-exhausted statement. */
        public ObjectNode toJson() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("step", step).put("steps", steps);
            n.set("budget", budget.toJson(spentFlops, spentCpuSeconds));
            n.putObject("continuation").put("steps", steps - step).put("flops", neededFlops).put("cpu_hours", neededCpuSeconds / 3600);
            return n;
        }
    }
}
