package dev.cairn.mpi;

import dev.cairn.training.Ranks;
import java.util.Map;

/**
 * The ranks of a job started by {@code mpirun} or Slurm's {@code srun --mpi=pmix}, through Open MPI. One per
 * process: {@link #start} initialises MPI, {@link #close} finalises it, {@link #abort} ends every rank.
 */
public final class MpiRanks implements Ranks, AutoCloseable {
    private final Mpi mpi;
    private final int rank, size;
    private boolean closed;

    private MpiRanks(Mpi mpi) {
        this.mpi = mpi;
        this.rank = mpi.rank();
        this.size = mpi.size();
    }

    /** Whether the environment says an MPI launcher started this process (Open MPI's mpirun, or PMIx as under srun). */
    public static boolean launched(Map<String, String> env) {
        return env.containsKey("OMPI_COMM_WORLD_SIZE") || env.containsKey("PMIX_RANK");
    }

    /** Loads Open MPI, checks its version and initialises it. */
    public static MpiRanks start() {
        Mpi mpi = Mpi.load();
        mpi.init();
        return new MpiRanks(mpi);
    }

    /** The library's version line, e.g. "Open MPI v4.1.4, ...". */
    public String library() {
        return mpi.version();
    }

    /** Throws for any library but the supported Open MPI versions (exposed for tests and error messages). */
    public static void checkVersion(String libraryVersion) {
        Mpi.checkVersion(libraryVersion);
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }

    @Override
    public void exchange(int partner, float[] send, int sendOff, int sendN, float[] recv, int recvOff, int recvN) {
        mpi.sendrecv(partner, send, sendOff, sendN, recv, recvOff, recvN);
    }

    @Override
    public void send(int to, float[] buf, int off, int n) {
        mpi.send(to, buf, off, n);
    }

    @Override
    public void receive(int from, float[] buf, int off, int n) {
        mpi.recv(from, buf, off, n);
    }

    @Override
    public byte[][] allGather(byte[] mine) {
        byte[] all = new byte[mine.length * size];
        mpi.allgather(mine, all);
        byte[][] out = new byte[size][];
        for (int r = 0; r < size; r++) out[r] = java.util.Arrays.copyOfRange(all, r * mine.length, (r + 1) * mine.length);
        return out;
    }

    /** Waits for every rank. */
    public void barrier() {
        mpi.barrier();
    }

    /** Ends the whole job with this exit code (mpirun names the rank that called it). */
    public void abort(int code) {
        mpi.abort(code);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        mpi.finish();
    }
}
