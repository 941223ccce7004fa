package dev.cairn.training;

/**
 * The processes of a data-parallel run, as the trainer needs them: who am I, how many are we, swap buffers with a
 * partner, send to or receive from one rank, and share a few bytes with everyone. An MPI binding implements it
 * (module dev.cairn.mpi); {@link #single} is the one-process run. Transport only: no rank ever asks the transport
 * to add floats, so the reduction order stays the trainer's (see {@link DataParallel}).
 */
public interface Ranks {
    int rank();

    int size();

    /**
     * Sends {@code send[sendOff, sendOff+sendN)} to {@code partner} and receives the partner's {@code recvN} floats
     * into {@code recv[recvOff, recvOff+recvN)}, both at once.
     */
    void exchange(int partner, float[] send, int sendOff, int sendN, float[] recv, int recvOff, int recvN);

    /** Sends {@code send[0, n)} to {@code partner} and receives the partner's n floats into {@code recv[0, n)}. */
    default void exchange(int partner, float[] send, float[] recv, int n) {
        exchange(partner, send, 0, n, recv, 0, n);
    }

    /** Sends {@code buf[off, off+n)} to rank {@code to}, which calls {@link #receive} for it. */
    void send(int to, float[] buf, int off, int n);

    /** Receives n floats from rank {@code from} into {@code buf[off, off+n)}. */
    void receive(int from, float[] buf, int off, int n);

    /** Every rank's {@code mine} (all the same length), indexed by rank. */
    byte[][] allGather(byte[] mine);

    /** The one process of a run without MPI. */
    static Ranks single() {
        return Single.INSTANCE;
    }

    /** One process: nothing to exchange. */
    enum Single implements Ranks {
        INSTANCE;

        @Override public int rank() { return 0; }
        @Override public int size() { return 1; }

        @Override
        public void exchange(int partner, float[] send, int sendOff, int sendN, float[] recv, int recvOff, int recvN) {
            throw new IllegalStateException("a single process has no partner");
        }

        @Override
        public void send(int to, float[] buf, int off, int n) {
            throw new IllegalStateException("a single process has no partner");
        }

        @Override
        public void receive(int from, float[] buf, int off, int n) {
            throw new IllegalStateException("a single process has no partner");
        }

        @Override
        public byte[][] allGather(byte[] mine) {
            return new byte[][] {mine.clone()};
        }
    }
}
