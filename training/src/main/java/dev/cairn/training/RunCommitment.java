package dev.cairn.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What a finished run commits to: the recipe and data it trained on, the transcript's RFC 6962 root, every
 * checkpoint by the SHA-256 of its file, the final state and weights, and the final metrics. Written to
 * {@code RUN/run-finished.json}; for a governed run it is also the predicate of the signed run-finished
 * statement in the ledger, which is what makes it trustworthy.
 */
public record RunCommitment(String recipeSha256, String dataSha256, int steps, String transcriptRoot,
                            List<CheckpointRef> checkpoints, String finalStateSha256, String finalWeightsSha256,
                            double trainLoss, double valLoss, int stateDigestEvery, JsonNode compute) {
    public static final String FILE = "run-finished.json";
    public static final String FORMAT = "cairn-run-commitment/v1";

    /**
     * {@code compute}: what the run spent ({@link ComputeRecord#toJson}), or null; a record of fact, not checked by
     * re-execution (it is not part of the bits).
     */

    /** A checkpoint file, content-addressed. */
    public record CheckpointRef(int step, String sha256) {}

    public RunCommitment {
        checkpoints = List.copyOf(checkpoints);
        if (stateDigestEvery < 1) throw new IllegalArgumentException("state_digest_every must be at least 1, got " + stateDigestEvery);
    }

    /** A commitment without a compute record (runs before compute was recorded). */
    public RunCommitment(String recipeSha256, String dataSha256, int steps, String transcriptRoot, List<CheckpointRef> checkpoints,
                         String finalStateSha256, String finalWeightsSha256, double trainLoss, double valLoss, int stateDigestEvery) {
        this(recipeSha256, dataSha256, steps, transcriptRoot, checkpoints, finalStateSha256, finalWeightsSha256, trainLoss, valLoss,
                stateDigestEvery, null);
    }

    /** A commitment whose every leaf carries the state digest. */
    public RunCommitment(String recipeSha256, String dataSha256, int steps, String transcriptRoot, List<CheckpointRef> checkpoints,
                         String finalStateSha256, String finalWeightsSha256, double trainLoss, double valLoss) {
        this(recipeSha256, dataSha256, steps, transcriptRoot, checkpoints, finalStateSha256, finalWeightsSha256, trainLoss, valLoss, 1);
    }

    /** The checkpoint committed for {@code step}, or null. */
    public CheckpointRef checkpoint(int step) {
        for (CheckpointRef c : checkpoints) if (c.step() == step) return c;
        return null;
    }

    /** SHA-256 of a recipe's RFC 8785 canonical JSON: how runs and proposals name a recipe. */
    public static String recipeDigest(Recipe r) {
        return Hex.encode(MerkleTree.sha256(CanonicalJson.canonicalize(TrainingRun.JSON.valueToTree(r))));
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("format", FORMAT);
        n.put("recipe_sha256", recipeSha256);
        n.put("data_sha256", dataSha256);
        n.put("steps", steps);
        n.putObject("transcript").put("size", steps).put("root", transcriptRoot).put("leaf", "CAIRNLF1 u64le(step) sha256(batch) u32le(loss bits) sha256(state)")
                .put("state_digest_every", stateDigestEvery);
        ArrayNode cs = n.putArray("checkpoints");
        for (CheckpointRef c : checkpoints) cs.addObject().put("step", c.step()).put("sha256", c.sha256());
        n.put("final_state_sha256", finalStateSha256);
        n.put("final_weights_sha256", finalWeightsSha256);
        n.putObject("metrics").put("train_loss", trainLoss).put("val_loss", valLoss);
        if (compute != null) n.set("compute", compute);
        return n;
    }

    /** Parses a commitment (extra fields such as the ledger's community_id and signer are allowed); errors name the field. */
    public static RunCommitment fromJson(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": not a JSON object");
        if (!FORMAT.equals(n.path("format").asText())) throw new IllegalArgumentException(where + ": format is not " + FORMAT);
        JsonNode tr = n.path("transcript");
        int steps = integer(n, "steps", where);
        if (integer(tr, "size", where + " transcript") != steps) throw new IllegalArgumentException(where + ": transcript.size differs from steps");
        List<CheckpointRef> cks = new ArrayList<>();
        JsonNode cs = n.path("checkpoints");
        if (!cs.isArray()) throw new IllegalArgumentException(where + ": checkpoints is not an array");
        for (Iterator<JsonNode> it = cs.elements(); it.hasNext(); ) {
            JsonNode c = it.next();
            cks.add(new CheckpointRef(integer(c, "step", where + " checkpoints[]"), digest(c, "sha256", where + " checkpoints[]")));
        }
        JsonNode m = n.path("metrics");
        return new RunCommitment(digest(n, "recipe_sha256", where), digest(n, "data_sha256", where), steps,
                digest(tr, "root", where + " transcript"), cks, digest(n, "final_state_sha256", where),
                digest(n, "final_weights_sha256", where), m.path("train_loss").asDouble(Double.NaN), m.path("val_loss").asDouble(Double.NaN),
                tr.has("state_digest_every") ? integer(tr, "state_digest_every", where + " transcript") : 1,
                n.get("compute") instanceof ObjectNode o ? o : null);
    }

    /** Field names of the predicate, for checks that refuse unknown fields. */
    static final Set<String> FIELDS = Set.of("format", "recipe_sha256", "data_sha256", "steps", "transcript", "checkpoints",
            "final_state_sha256", "final_weights_sha256", "metrics", "compute");

    private static int integer(JsonNode n, String f, String where) {
        JsonNode v = n.get(f);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new IllegalArgumentException(where + ": field " + f + " must be a non-negative integer");
        }
        return v.asInt();
    }

    private static String digest(JsonNode n, String f, String where) {
        JsonNode v = n.get(f);
        if (v == null || !v.isTextual() || !v.asText().matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(where + ": field " + f + " must be a SHA-256 digest (64 lower-case hex digits)");
        }
        return v.asText();
    }
}
