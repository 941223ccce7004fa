package dev.cairn.governance;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** A start-run action's compute budget: written only when set (older actions keep their bytes), read back exactly. */
class StartRunBudgetTest {
    static final String D = Fixture.digestOf("x");

    @Test
    void anActionWithoutBudgetKeepsItsBytes() {
        Action.StartRun a = new Action.StartRun("r1", D, D, D, "loss");
        String json = a.toJson().toString();
        assertEquals("{\"type\":\"start_run\",\"run\":\"r1\",\"recipe\":\"" + D + "\",\"dataset_root\":\"" + D + "\",\"tokenizer\":\"" + D
                + "\",\"objective\":\"loss\"}", json);
        assertEquals(a, Action.fromJson(a.toJson(), "action"));
        assertFalse(a.hasBudget());
    }

    @Test
    void aBudgetRoundTripsAndBadValuesAreNamed() {
        Action.StartRun a = new Action.StartRun("r1", D, D, D, "", 2.5e15, null);
        assertEquals(2.5e15, a.toJson().get("max_flops").asDouble());
        assertFalse(a.toJson().has("max_cpu_hours"));
        assertEquals(a, Action.fromJson(a.toJson(), "action"));
        assertTrue(a.hasBudget());
        var bad = a.toJson().put("max_cpu_hours", 0);
        var e = assertThrows(IllegalArgumentException.class, () -> Action.fromJson(bad, "action"));
        assertTrue(e.getMessage().contains("action.max_cpu_hours: must be a positive number"), e.getMessage());
        var text = a.toJson().put("max_flops", "lots");
        assertThrows(IllegalArgumentException.class, () -> Action.fromJson(text, "action"));
    }
}
