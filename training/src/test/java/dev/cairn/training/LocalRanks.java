package dev.cairn.training;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Exchanger;

/** P ranks inside one JVM (one thread each), for testing the data-parallel arithmetic without MPI. */
final class LocalRanks {
    private final int size;
    private final Exchanger<float[]>[][] pairs;
    private final byte[][] gathered;
    private final CyclicBarrier barrier;

    @SuppressWarnings("unchecked")
    LocalRanks(int size) {
        this.size = size;
        this.pairs = new Exchanger[size][size];
        for (int a = 0; a < size; a++) for (int b = a + 1; b < size; b++) pairs[a][b] = new Exchanger<>();
        this.gathered = new byte[size][];
        this.barrier = new CyclicBarrier(size);
    }

    Ranks rank(int r) {
        return new Ranks() {
            @Override public int rank() { return r; }
            @Override public int size() { return size; }

            @Override
            public void exchange(int partner, float[] send, int sendOff, int sendN, float[] recv, int recvOff, int recvN) {
                float[] theirs = swap(partner, java.util.Arrays.copyOfRange(send, sendOff, sendOff + sendN));
                if (theirs.length != recvN) throw new IllegalStateException("rank " + partner + " sent " + theirs.length + " floats, expected " + recvN);
                System.arraycopy(theirs, 0, recv, recvOff, recvN);
            }

            @Override
            public void send(int to, float[] buf, int off, int n) {
                swap(to, java.util.Arrays.copyOfRange(buf, off, off + n));
            }

            @Override
            public void receive(int from, float[] buf, int off, int n) {
                float[] theirs = swap(from, new float[0]);
                if (theirs.length != n) throw new IllegalStateException("rank " + from + " sent " + theirs.length + " floats, expected " + n);
                System.arraycopy(theirs, 0, buf, off, n);
            }

            private float[] swap(int partner, float[] mine) {
                try {
                    return pairs[Math.min(r, partner)][Math.max(r, partner)].exchange(mine);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public byte[][] allGather(byte[] mine) {
                try {
                    gathered[r] = mine.clone();
                    barrier.await();
                    byte[][] all = new byte[size][];
                    for (int i = 0; i < size; i++) all[i] = gathered[i].clone();
                    barrier.await();
                    return all;
                } catch (InterruptedException | BrokenBarrierException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
