package dev.cairn.cli;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import picocli.CommandLine.Option;

/** How to execute (never what to compute): thread count and kernel set. Results are the same bits for any choice. */
final class ExecutionOptions {
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores). Does not change results.")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "KIND", defaultValue = "vector",
            description = "scalar (the reference) or vector (Vector API; default). Does not change results.")
    String kernels;

    @Option(names = "--vector-bits", paramLabel = "BITS",
            description = "Force the vector width: 128, 256 or 512 (default: the CPU's). Does not change results.")
    Integer vectorBits;

    Kernels kernels() {
        if (vectorBits != null) {
            if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
                throw new IllegalArgumentException("--vector-bits must be 128, 256 or 512, got " + vectorBits);
            }
            String current = System.getProperty("cairn.vector.bits");
            if (current != null && !current.equals(String.valueOf(vectorBits))) {
                throw new IllegalArgumentException("the vector width is already fixed at " + current + " bits in this process");
            }
            System.setProperty("cairn.vector.bits", String.valueOf(vectorBits)); // read once, when the kernels load
        }
        return Kernels.named(kernels);
    }

    Parallel parallel() {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + n);
        return new Parallel(n);
    }

    int threadCount() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
