package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.governance.Action;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Proposal;
import dev.cairn.training.GovernedRun;
import dev.cairn.training.RunCommitment;
import java.util.Locale;

/**
 * The release's {@code README.md}: Hugging Face model-card front matter (licence, datasets, base model, tags,
 * pipeline) and a body written from the record, not typed by hand: recipe, data, training figures, verification,
 * the usage policy and who answers for the release.
 */
final class ModelCard {
    private ModelCard() {}

    record Facts(Action.ReleaseModel action, Proposal proposal, CommunityState.FinishedRun finished, RunCommitment commitment,
                 JsonNode runRecipe, CommunityState state, LedgerView ledger, boolean hasPolicy, boolean hasLicenseFile) {}

    static String markdown(Facts f) {
        Action.ReleaseModel a = f.action();
        JsonNode recipe = f.runRecipe() != null ? f.runRecipe().path("recipe") : null;
        StringBuilder sb = new StringBuilder("---\n");
        sb.append("license: ").append(hfLicense(a.license())).append('\n');
        if (a.license() != null && hfLicense(a.license()).equals("other")) {
            sb.append("license_name: ").append(yaml(a.license())).append('\n');
            if (f.hasLicenseFile()) sb.append("license_link: LICENSE\n");
        }
        if (f.runRecipe() != null) sb.append("datasets:\n- ").append(yaml(f.runRecipe().path("dataset").asText())).append('\n');
        if (recipe != null && recipe.hasNonNull("init")) sb.append("base_model: ").append(yaml("cairn:weights/" + recipe.path("init").asText())).append('\n');
        String arch = recipe != null ? recipe.path("arch").asText("gpt2") : "gpt2";
        String cls = arch.equals("llama") ? "LlamaForCausalLM" : "GPT2LMHeadModel";
        sb.append("tags:\n- cairn\n- verifiable-training\n- ").append(arch).append('\n');
        sb.append("pipeline_tag: text-generation\nlibrary_name: transformers\n");
        modelIndex(sb, f);
        sb.append("---\n\n");

        sb.append("# ").append(a.model()).append("\n\n");
        sb.append("Released by **").append(f.state().name()).append("** under proposal ").append(f.proposal().number())
                .append(" (`").append(f.proposal().digest(), 0, 16).append("…`), executed by the community's own rules. ")
                .append("Every step of its training is in a transcript anyone can re-execute bit for bit; the weights in this ")
                .append("directory are exactly the run's final weights (float32).\n\n");
        sb.append("```python\nfrom transformers import ").append(cls).append(", AutoTokenizer\n")
                .append("model = ").append(cls).append(".from_pretrained(\".\")\ntokenizer = AutoTokenizer.from_pretrained(\".\")\n```\n\n");

        sb.append("## Training\n\n| | |\n|---|---|\n");
        row(sb, "run", a.run());
        row(sb, "steps", String.valueOf(f.commitment().steps()));
        row(sb, "train loss (last step)", String.format(Locale.ROOT, "%.4f", f.commitment().trainLoss()));
        row(sb, "validation loss (whole split)", String.format(Locale.ROOT, "%.4f", f.commitment().valLoss()));
        row(sb, "weights SHA-256 (canonical)", "`" + a.weights() + "`");
        row(sb, "transcript root (RFC 6962)", "`" + f.finished().transcriptRoot() + "`");
        row(sb, "run-finished statement", "ledger entry " + f.finished().index() + ", `" + f.finished().digest().substring(0, 16) + "…`");
        if (recipe != null) {
            row(sb, "model", (arch.equals("llama") ? "Llama-style, " + recipe.path("kv_heads").asInt() + " key/value heads, rope theta "
                    + recipe.path("rope_theta").asText() + ", " : "") + recipe.path("layers").asInt() + " layers, " + recipe.path("heads").asInt() + " heads, " + recipe.path("embd").asInt()
                    + " wide, context " + recipe.path("ctx").asInt());
            row(sb, "optimiser", String.format(Locale.ROOT, "AdamW, lr %s → %s (warm-up %d), batch %d, seed %d", recipe.path("lr").asText(),
                    recipe.path("min_lr").asText(), recipe.path("warmup").asInt(), recipe.path("batch").asInt(), recipe.path("seed").asLong()));
            row(sb, "data", "`" + f.runRecipe().path("dataset").asText() + "`, Merkle root `" + f.runRecipe().path("dataset_root").asText().substring(0, 16) + "…`");
            row(sb, "tokenizer", "`" + f.runRecipe().path("tokenizer").asText().substring(0, 16) + "…` (tokenizer.json)");
        }
        sb.append("\n![loss curve](loss.svg)\n\n");
        sb.append("Provenance: `provenance.intoto.jsonl` (SLSA v1, signed). Data provenance: the dataset card and Croissant file of ")
                .append("the dataset version above, in the community's data room.\n\n");

        sb.append("## Verification\n\n");
        var verifs = f.state().runVerifications().stream().filter(v -> v.run().equals(a.run()) && v.transcriptRoot().equals(f.finished().transcriptRoot())).toList();
        if (verifs.isEmpty()) sb.append("No verification attestations were in the ledger when this release was published.\n\n");
        else {
            sb.append("| verifier | mode | verdict | ledger entry |\n|---|---|---|---|\n");
            for (var v : verifs) {
                sb.append("| ").append(who(f.state(), v.signer())).append(" | ").append(v.mode()).append(" | ")
                        .append(v.ok() ? "verified" : "FAILED").append(" | ").append(v.index()).append(" |\n");
            }
            sb.append('\n');
        }
        sb.append("Check this bundle: `cairn release verify . --home COMMUNITY_HOME` (signature, ledger, weights, provenance, these figures).\n\n");
        var evals = f.ledger().all(EVALUATION, e -> e.predicate().path("model").path("weights_sha256").asText().equals(a.weights()));
        sb.append("## Evaluation\n\n");
        if (evals.isEmpty()) sb.append("No evaluation attestations were in the ledger when this release was published.\n\n");
        else {
            sb.append("Every figure is from a signed evaluation attestation that anyone can re-run to the bit (`cairn eval verify ENTRY`).\n\n");
            sb.append("| task | metric | value | contamination | evaluator (ledger entry) |\n|---|---|---|---|---|\n");
            for (LedgerView.Entry e : evals) {
                e.predicate().path("tasks").fields().forEachRemaining(t -> {
                    JsonNode c = t.getValue().path("contamination");
                    String cont = c.isMissingNode() ? "not checked" : String.format(Locale.ROOT, "%d of %d items", c.path("contaminated_items").asInt(), c.path("items").asInt());
                    for (String m : CARD_METRICS) {
                        JsonNode v = t.getValue().path("metrics").path(m);
                        if (v.isNumber()) sb.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %s | %s (%d) |%n", t.getKey(), m, v.asDouble(), cont, who(f.state(), e.signer()), e.index()));
                    }
                });
            }
            sb.append('\n');
        }

        sb.append("## Intended use and known limits\n\n");
        sb.append("A small research model from a verifiable training run: for studying training, evaluation and reproducibility. ")
                .append("It is not instruction-tuned or safety-tuned, and its knowledge is limited to its training data; do not rely on ")
                .append("its output for facts or decisions.\n\n");
        if (f.hasPolicy()) sb.append("Use is governed by the usage policy in [USAGE_POLICY.md](USAGE_POLICY.md).\n\n");
        sb.append("## Licence\n\n").append(a.license() == null ? "Not stated in the release proposal." : "`" + a.license() + "`"
                + (f.hasLicenseFile() ? " (text in [LICENSE](LICENSE))" : "")).append("\n\n");

        sb.append("## Who answers for this release\n\n");
        if (a.responsible().isEmpty()) sb.append("The members of ").append(f.state().name()).append(".\n");
        for (Action.ReleaseModel.Responsible r : a.responsible()) {
            sb.append("- ").append(who(f.state(), r.key())).append(" — ").append(r.role()).append(" (").append(r.contact()).append(")\n");
        }
        sb.append("\nMade with Cairn ").append(GovernedRun.CAIRN_VERSION).append(".\n");
        return sb.toString();
    }

    static final java.util.List<String> CARD_METRICS = java.util.List.of("acc", "acc_norm", "exact_match", "bits_per_byte", "nats_per_token", "perplexity");
    static final String EVALUATION = "https://cairn.dev/eval/evaluation/v1";

    /** model-index from the evaluation attestations in the ledger for exactly these weights; never typed by hand. */
    static void modelIndex(StringBuilder sb, Facts f) {
        var evals = f.ledger().all(EVALUATION, e -> e.predicate().path("model").path("weights_sha256").asText().equals(f.action().weights()));
        if (evals.isEmpty()) return;
        sb.append("model-index:\n- name: ").append(yaml(f.action().model())).append("\n  results:\n");
        for (LedgerView.Entry e : evals) {
            e.predicate().path("tasks").fields().forEachRemaining(t -> {
                sb.append("  - task:\n      type: text-generation\n      name: ").append(yaml(t.getKey())).append('\n');
                sb.append("    dataset:\n      name: ").append(yaml(t.getValue().path("source").asText())).append("\n      type: ")
                        .append(yaml(t.getValue().path("output_type").asText())).append('\n');
                sb.append("    metrics:\n");
                for (String m : CARD_METRICS) {
                    JsonNode v = t.getValue().path("metrics").path(m);
                    if (v.isNumber()) sb.append("    - type: ").append(m).append("\n      value: ").append(Double.toString(v.asDouble())).append("\n      name: ")
                            .append(m).append("\n      verified: false\n");
                }
                sb.append("    source:\n      name: ").append(yaml("Cairn evaluation attestation by " + who(f.state(), e.signer()) + ", ledger entry " + e.index()))
                        .append("\n      url: ").append(yaml("cairn:ledger/" + e.index() + "/" + e.digest())).append('\n');
            });
        }
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    private static String who(CommunityState s, String key) {
        return s.members().stream().filter(m -> m.publicKey().equals(key)).map(m -> m.name()).findFirst()
                .or(() -> s.charter().release().evaluators().stream().filter(e -> e.publicKey().equals(key)).map(e -> e.name()).findFirst())
                .orElse(key.substring(0, 12) + "…");
    }

    /** Hugging Face's licence ids are lower-case SPDX ids; anything else is "other" with its name given. */
    static String hfLicense(String spdx) {
        if (spdx == null) return "unknown";
        if (spdx.matches("[A-Za-z0-9.-]+") && !spdx.startsWith("LicenseRef-")) return spdx.toLowerCase(Locale.ROOT);
        return "other";
    }

    private static String yaml(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
