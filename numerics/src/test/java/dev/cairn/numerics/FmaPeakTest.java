package dev.cairn.numerics;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The peak measurement runs and reports its shape; its value is a figure for benchmarks, never asserted. */
class FmaPeakTest {
    @Test
    void measuresOnTheThreadsAskedAndRefusesNone() {
        FmaPeak.Result r = FmaPeak.measure(1, 0.02);
        assertEquals(1, r.threads());
        assertTrue(r.lanes() >= 1);
        assertTrue(Double.isFinite(r.flopsPerSecond()) && r.flopsPerSecond() > 0, r.toString());
        assertTrue(r.toString().contains("GFLOP/s single-precision FMA peak (1 threads x "), r.toString());
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.measure(0, 0.02));
    }
}
