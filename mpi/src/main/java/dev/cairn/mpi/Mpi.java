package dev.cairn.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few MPI calls Cairn needs, bound once through the FFM API to Open MPI's libmpi.so.40 (Debian's openmpi-bin
 * and libopenmpi-dev). Supported: Open MPI 4.1 and 5.0, whose ABI gives the predefined handles as global symbols
 * (MPI_COMM_WORLD is &amp;ompi_mpi_comm_world) and MPI_STATUS_IGNORE as NULL; tested with 4.1.4. Any other library
 * is refused by its own version string. Called from one thread only (MPI_THREAD_FUNNELED).
 */
final class Mpi {
    /** The library's file name; CAIRN_MPI_LIB overrides it (a path or a name the dynamic linker finds). */
    static final String LIBRARY = "libmpi.so.40";
    private static final int THREAD_FUNNELED = 1, MAX_LIBRARY_VERSION = 256;
    /** Longest message in one call: counts are C ints. */
    private static final int MAX_COUNT = 1 << 28;

    private final MemorySegment commWorld, mpiFloat, mpiByte;
    private final MethodHandle init, finalizeH, commRank, commSize, sendrecv, send, recv, allgather, abort, barrier;
    private final String version;

    private Mpi(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        var I = ValueLayout.JAVA_INT;
        var A = ValueLayout.ADDRESS;
        MethodHandle getVersion = linker.downcallHandle(find(lib, "MPI_Get_library_version"), FunctionDescriptor.of(I, A, A));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_LIBRARY_VERSION + 1), len = a.allocate(I);
            int rc = (int) getVersion.invokeExact(buf, len);
            if (rc != 0) throw new IllegalStateException("MPI_Get_library_version failed (" + rc + ")");
            version = buf.getString(0).strip();
        } catch (Throwable t) {
            throw rethrow(t);
        }
        checkVersion(version);
        commWorld = find(lib, "ompi_mpi_comm_world");
        mpiFloat = find(lib, "ompi_mpi_float");
        mpiByte = find(lib, "ompi_mpi_byte");
        init = linker.downcallHandle(find(lib, "MPI_Init_thread"), FunctionDescriptor.of(I, A, A, I, A));
        finalizeH = linker.downcallHandle(find(lib, "MPI_Finalize"), FunctionDescriptor.of(I));
        commRank = linker.downcallHandle(find(lib, "MPI_Comm_rank"), FunctionDescriptor.of(I, A, A));
        commSize = linker.downcallHandle(find(lib, "MPI_Comm_size"), FunctionDescriptor.of(I, A, A));
        // Heap arrays go straight to MPI (no copy): the call may pin them while it runs.
        sendrecv = linker.downcallHandle(find(lib, "MPI_Sendrecv"),
                FunctionDescriptor.of(I, A, I, A, I, I, A, I, A, I, I, A, A), Linker.Option.critical(true));
        send = linker.downcallHandle(find(lib, "MPI_Send"), FunctionDescriptor.of(I, A, I, A, I, I, A), Linker.Option.critical(true));
        recv = linker.downcallHandle(find(lib, "MPI_Recv"), FunctionDescriptor.of(I, A, I, A, I, I, A, A), Linker.Option.critical(true));
        allgather = linker.downcallHandle(find(lib, "MPI_Allgather"), FunctionDescriptor.of(I, A, I, A, A, I, A, A),
                Linker.Option.critical(true));
        abort = linker.downcallHandle(find(lib, "MPI_Abort"), FunctionDescriptor.of(I, A, I));
        barrier = linker.downcallHandle(find(lib, "MPI_Barrier"), FunctionDescriptor.of(I, A));
    }

    /** Loads the library (RTLD_GLOBAL, so that Open MPI's own plug-ins resolve against it) and binds the calls. */
    static Mpi load() {
        String name = System.getenv().getOrDefault("CAIRN_MPI_LIB", LIBRARY);
        Linker linker = Linker.nativeLinker();
        MethodHandle dlopen = linker.downcallHandle(linker.defaultLookup().find("dlopen").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) dlopen.invokeExact(a.allocateFrom(name), 0x102); // RTLD_NOW | RTLD_GLOBAL
            if (h.address() == 0) {
                throw new IllegalStateException("cannot load " + name + ", the Open MPI library (install openmpi-bin and libopenmpi-dev, "
                        + "or point CAIRN_MPI_LIB at libmpi.so.40)");
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return new Mpi(SymbolLookup.libraryLookup(name, Arena.global()));
    }

    private static final Pattern OPEN_MPI = Pattern.compile("^Open MPI v(\\d+)\\.(\\d+)");

    /** Refuses every library but Open MPI 4.1.x or 5.0.x, quoting what it found. */
    static void checkVersion(String version) {
        Matcher m = OPEN_MPI.matcher(version);
        boolean ok = m.find() && ((m.group(1).equals("4") && m.group(2).equals("1")) || (m.group(1).equals("5") && m.group(2).equals("0")));
        if (!ok) {
            String first = version.lines().findFirst().orElse("").strip();
            throw new IllegalStateException("unsupported MPI library \"" + first + "\": Cairn supports Open MPI 4.1 and 5.0 (libmpi.so.40)");
        }
    }

    String version() {
        return version.lines().findFirst().orElse("").strip();
    }

    void init() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
            check("MPI_Init_thread", (int) init.invokeExact(MemorySegment.NULL, MemorySegment.NULL, THREAD_FUNNELED, provided));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int rank() {
        return intOut(commRank, "MPI_Comm_rank");
    }

    int size() {
        return intOut(commSize, "MPI_Comm_size");
    }

    private int intOut(MethodHandle h, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(name, (int) h.invokeExact(commWorld, v));
            return v.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * MPI_Sendrecv of floats with one partner: send[sendOff, +sendN) out, recv[recvOff, +recvN) in, in pieces of at
     * most MAX_COUNT (both sides cut the same way, so the pieces pair up).
     */
    void sendrecv(int partner, float[] send, int sendOff, int sendN, float[] recv, int recvOff, int recvN) {
        MemorySegment s = MemorySegment.ofArray(send), r = MemorySegment.ofArray(recv);
        int pieces = Math.max(1, (int) ((Math.max(sendN, recvN) + (long) MAX_COUNT - 1) / MAX_COUNT));
        for (int k = 0; k < pieces; k++) {
            int off = k * MAX_COUNT;
            int cs = Math.clamp(sendN - off, 0, MAX_COUNT), cr = Math.clamp(recvN - off, 0, MAX_COUNT);
            try {
                check("MPI_Sendrecv", (int) sendrecv.invokeExact(s.asSlice(4L * (sendOff + Math.min(off, sendN))), cs, mpiFloat, partner, 17,
                        r.asSlice(4L * (recvOff + Math.min(off, recvN))), cr, mpiFloat, partner, 17, commWorld, MemorySegment.NULL));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** MPI_Send of buf[off, off+n) to rank {@code to}, in pieces of at most MAX_COUNT. */
    void send(int to, float[] buf, int off, int n) {
        MemorySegment s = MemorySegment.ofArray(buf);
        for (int at = 0; at < n; at += MAX_COUNT) {
            try {
                check("MPI_Send", (int) send.invokeExact(s.asSlice(4L * (off + at)), Math.min(MAX_COUNT, n - at), mpiFloat, to, 18, commWorld));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** MPI_Recv of n floats from rank {@code from} into buf[off, off+n), in the pieces {@link #send} cut. */
    void recv(int from, float[] buf, int off, int n) {
        MemorySegment r = MemorySegment.ofArray(buf);
        for (int at = 0; at < n; at += MAX_COUNT) {
            try {
                check("MPI_Recv", (int) recv.invokeExact(r.asSlice(4L * (off + at)), Math.min(MAX_COUNT, n - at), mpiFloat, from, 18,
                        commWorld, MemorySegment.NULL));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** MPI_Allgather of bytes: out holds every rank's mine, by rank. */
    void allgather(byte[] mine, byte[] out) {
        try {
            check("MPI_Allgather", (int) allgather.invokeExact(MemorySegment.ofArray(mine), mine.length, mpiByte,
                    MemorySegment.ofArray(out), mine.length, mpiByte, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void barrier() {
        try {
            check("MPI_Barrier", (int) barrier.invokeExact(commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Ends every rank of the job (mpirun reports which rank called it). */
    void abort(int code) {
        try {
            int ignored = (int) abort.invokeExact(commWorld, code);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finish() {
        try {
            check("MPI_Finalize", (int) finalizeH.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) throw new IllegalStateException(call + " failed with MPI error " + rc);
    }

    private static MemorySegment find(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException("the MPI library has no symbol " + symbol
                + ": Cairn supports Open MPI 4.1 and 5.0 (libmpi.so.40)"));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
