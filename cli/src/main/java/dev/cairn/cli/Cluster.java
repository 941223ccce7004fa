package dev.cairn.cli;

import dev.cairn.mpi.MpiRanks;
import dev.cairn.training.Ranks;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * This process's place in an MPI job, if an MPI launcher started it (mpirun, or srun --mpi=pmix): set once by
 * {@link Main} before any command runs, so every command sees the same ranks. Without MPI, one process.
 */
final class Cluster {
    private static MpiRanks mpi;

    private Cluster() {}

    static void start() {
        mpi = MpiRanks.start();
    }

    static MpiRanks mpi() {
        return mpi;
    }

    /** The ranks commands train with: the MPI job's, or {@link Ranks#single()}. */
    static Ranks ranks() {
        return mpi != null ? mpi : Ranks.single();
    }

    static int rank() {
        return ranks().rank();
    }

    /** The progress and summary of ranks other than 0 are dropped; their error lines pass, prefixed by the rank. */
    static PrintWriter errorsOnly(PrintWriter err, int rank) {
        return new PrintWriter(new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] c, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    if (c[i] == '\n') {
                        String l = line.toString();
                        line.setLength(0);
                        if (l.contains("error") || l.contains("Exception") || l.startsWith("\tat ")) err.println("rank " + rank + ": " + l.strip());
                    } else if (c[i] != '\r') {
                        line.append(c[i]);
                    }
                }
            }

            @Override public void flush() { err.flush(); }
            @Override public void close() { err.flush(); }
        }, true);
    }
}
