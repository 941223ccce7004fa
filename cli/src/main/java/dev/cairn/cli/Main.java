package dev.cairn.cli;

import dev.cairn.mpi.MpiRanks;
import java.io.PrintWriter;

/** Entry point: a tiny main; the logic lives in {@link Cairn#run}. Under an MPI launcher it joins the job first. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        if (MpiRanks.launched(System.getenv())) {
            try {
                Cluster.start();
            } catch (RuntimeException e) {
                err.println("cairn: error: " + e.getMessage());
                System.exit(2);
            }
            if (Cluster.mpi().size() > 1 && !dataParallel(args)) {
                // Other commands on every rank would repeat their writes.
                err.println("cairn: error: only cairn train, run start and verify run on several MPI processes; run "
                        + (args.length == 0 ? "this command" : "cairn " + args[0]) + " as one process (rank " + Cluster.rank() + ")");
                Cluster.mpi().close();
                System.exit(2);
            }
            if (Cluster.rank() != 0) { // rank 0 speaks for the job; the others only when they fail
                err = Cluster.errorsOnly(err, Cluster.rank());
                out = new PrintWriter(PrintWriter.nullWriter());
            }
        }
        int rc = Cairn.run(out, err, args);
        err.flush();
        MpiRanks mpi = Cluster.mpi();
        if (mpi != null) {
            // A rank that fails ends the job: the others may be waiting for it in an exchange.
            if (rc != 0 && mpi.size() > 1) mpi.abort(rc);
            else mpi.close();
        }
        System.exit(rc);
    }

    /** The commands that run data-parallel under MPI (rank 0 writes and speaks for the job). */
    static boolean dataParallel(String[] args) {
        if (args.length == 0) return false;
        return args[0].equals("train") || args[0].equals("verify") || (args[0].equals("run") && args.length > 1 && args[1].equals("start"))
                || (args[0].equals("bench") && args.length > 2 && args[1].equals("scale") && args[2].equals("--worker"));
    }
}
