package dev.cairn.governance;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The kinds of decision a charter gives a rule for. Each proposal belongs to exactly one class, and the class's
 * {@link DecisionPolicy} (as the charter stood when the proposal was made) governs it from start to end.
 */
public enum DecisionClass {
    /** Admit a dataset (by its manifest's Merkle root) into the community's corpus. */
    ADMIT_DATA("admit_data"),
    /** Start a training run: recipe, dataset root, tokenizer. */
    START_RUN("start_run"),
    /** Release a model (a run's weights) under the community's name. */
    RELEASE_MODEL("release_model"),
    /** Replace the charter (rules and members) with a new one. */
    AMEND_CHARTER("amend_charter"),
    /** Add a member or remove one. */
    MEMBERSHIP("membership");

    private final String key;

    DecisionClass(String key) {
        this.key = key;
    }

    /** The name used in charters and statements, e.g. {@code start_run}. */
    public String key() {
        return key;
    }

    /** Parses a charter key ({@code start_run}) or its command-line spelling ({@code start-run}). */
    public static DecisionClass parse(String s) {
        String k = s.replace('-', '_');
        for (DecisionClass c : values()) if (c.key.equals(k)) return c;
        throw new IllegalArgumentException("unknown decision class \"" + s + "\" (expected one of "
                + Arrays.stream(values()).map(DecisionClass::key).collect(Collectors.joining(", ")) + ")");
    }
}
