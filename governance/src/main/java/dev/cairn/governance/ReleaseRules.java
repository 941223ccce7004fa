package dev.cairn.governance;

import java.util.List;

/**
 * What a charter requires before a model may be released ({@code [release]}), and who may attest evaluations without
 * voting ({@code [[evaluators]]}).
 *
 * @param minVerifications    passing verifications of the run by distinct members other than its trainer
 * @param requiredEvaluations tasks that must have been evaluated on the released weights
 * @param minEvaluators       distinct evaluators (members or named evaluators, not the trainer) per required task
 * @param evaluators          third parties who may sign evaluation attestations; they never vote
 */
public record ReleaseRules(int minVerifications, List<String> requiredEvaluations, int minEvaluators, List<Evaluator> evaluators) {
    /** A named evaluator: an Ed25519 public key (hex) and a display name. */
    public record Evaluator(String publicKey, String name) {
        public Evaluator {
            if (publicKey == null || !publicKey.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("evaluator key must be 64 lower-case hex digits");
            if (name == null || name.isBlank()) throw new IllegalArgumentException("evaluator name must not be empty");
        }
    }

    public static final ReleaseRules NONE = new ReleaseRules(0, List.of(), 0, List.of());

    public ReleaseRules {
        if (minVerifications < 0 || minEvaluators < 0) throw new IllegalArgumentException("release minimums must be ≥ 0");
        requiredEvaluations = List.copyOf(requiredEvaluations);
        evaluators = List.copyOf(evaluators);
        if (!requiredEvaluations.isEmpty() && minEvaluators == 0) minEvaluators = 1;
    }

    public boolean isEvaluator(String publicKey) {
        return evaluators.stream().anyMatch(e -> e.publicKey().equals(publicKey));
    }
}
