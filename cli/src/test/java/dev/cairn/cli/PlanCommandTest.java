package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PlanCommandTest {
    static String[] run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Cairn.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new String[] {String.valueOf(code), o.toString(), e.toString()};
    }

    @Test
    void projectsWallTimeCommunicationShareAndCost() {
        String[] r = run("plan", "--config", "gpt2-124m", "--tokens", "10e9", "--nodes", "8,64,512", "--flops-per-node", "2e11", "--bandwidth", "12.5e9");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("PROJECTION (not a measurement): gpt2-124m, 124,439,808 parameters"), r[1]);
        assertEquals(3, r[1].lines().filter(l -> l.matches(" +(8|64|512) .*%.*")).count(), r[1]);
    }

    @Test
    void theLlamaPresetCountsItsOwnParameters() {
        String[] r = run("plan", "--config", "llama-100m", "--tokens", "2e9", "--nodes", "1,16", "--flops-per-node", "2e11", "--bandwidth", "12.5e9");
        assertEquals("0", r[0], r[2]);
        long want = dev.cairn.training.Recipe.preset("llama-100m").modelConfig(32000).parameterCount();
        assertTrue(r[1].startsWith(String.format(java.util.Locale.ROOT, "PROJECTION (not a measurement): llama-100m, %,d parameters", want)), r[1]);
        assertTrue(want > 95_000_000 && want < 105_000_000, "about 100M: " + want);
    }

    @Test
    void nodeCountsMustBePowersOfTwo() {
        String[] r = run("plan", "--config", "1b", "--tokens", "1e9", "--nodes", "3", "--flops-per-node", "1e11", "--bandwidth", "1e9");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--nodes must be powers of two, got 3"), r[2]);
    }
}
