package dev.cairn.governance;

import java.util.List;

/**
 * The witnesses a charter names ({@code [[witnesses]]}: name and Ed25519 key) and how many of them must have cosigned a
 * checkpoint before members accept it ({@code [witnessing] quorum}). With a quorum, a node cannot show different
 * members different histories without the witnesses' keys.
 */
public record WitnessPolicy(List<Witness> witnesses, int quorum) {
    public record Witness(String name, String publicKey) {
        public Witness {
            if (name == null || name.isBlank() || name.contains(" ") || name.contains("+")) throw new IllegalArgumentException("witness name must be non-empty, without spaces or '+'");
            if (publicKey == null || !publicKey.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("witness key must be 64 lower-case hex digits");
        }
    }

    public static final WitnessPolicy NONE = new WitnessPolicy(List.of(), 0);

    public WitnessPolicy {
        witnesses = List.copyOf(witnesses);
        if (quorum < 0 || quorum > witnesses.size()) throw new IllegalArgumentException("witnessing.quorum must be between 0 and the number of witnesses (" + witnesses.size() + ")");
    }
}
