package dev.cairn.training;

/**
 * The processes of a data-parallel run, as the trainer needs them: who am I, how many are we, swap a buffer with a
 * partner, and share a few bytes with everyone. An MPI binding implements it (module dev.cairn.mpi); {@link #single}
 * is the one-process run. Transport only: no rank ever asks the transport to add floats, so the reduction order
 * stays the trainer's (see {@link DataParallel}).
 */
public interface Ranks {
    int rank();

    int size();

    /** Sends {@code send[0, n)} to {@code partner} and receives the partner's n floats into {@code recv[0, n)}. */
    void exchange(int partner, float[] send, float[] recv, int n);

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
        public void exchange(int partner, float[] send, float[] recv, int n) {
            throw new IllegalStateException("a single process has no partner");
        }

        @Override
        public byte[][] allGather(byte[] mine) {
            return new byte[][] {mine.clone()};
        }
    }
}
