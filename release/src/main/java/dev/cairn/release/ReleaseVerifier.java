package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Action;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.ProposalState;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.InclusionProof;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything a user should ask of a downloaded release before trusting it, answered offline from the bundle and the
 * community's ledger: the files against model.sig; the signing key against a member's binding in the ledger; the
 * release statement and the proposal's execution (with an inclusion proof against the signed checkpoint); the
 * weights against the run's commitment; the provenance against the run; and removals from the training data since.
 */
public final class ReleaseVerifier {
    private ReleaseVerifier() {}

    public record Check(String name, boolean ok, boolean warning, String detail) {}

    public record Verdict(List<Check> checks) {
        public boolean ok() {
            return checks.stream().allMatch(c -> c.ok() || c.warning());
        }

        public Optional<Check> firstFailure() {
            return checks.stream().filter(c -> !c.ok() && !c.warning()).findFirst();
        }

        public ObjectNode toJson() {
            ObjectNode n = Safetensors.JSON.createObjectNode();
            n.put("ok", ok());
            ArrayNode a = n.putArray("checks");
            for (Check c : checks) a.addObject().put("name", c.name()).put("ok", c.ok()).put("warning", c.warning()).put("detail", c.detail());
            firstFailure().ifPresentOrElse(c -> n.put("first_failure", c.name() + ": " + c.detail()), () -> n.putNull("first_failure"));
            return n;
        }
    }

    /** Runs every check it can; a check that cannot run because an earlier one failed is not run. */
    public static Verdict verify(Path dir, Path home) throws IOException {
        List<Check> out = new ArrayList<>();
        try {
            run(dir, home, out);
        } catch (IllegalArgumentException | IOException e) {
            out.add(new Check(stage(out), false, false, e.getMessage()));
        }
        return new Verdict(out);
    }

    private static final List<String> STAGES = List.of("signature", "signer", "release statement", "proposal", "weights", "provenance", "model card", "data");

    private static String stage(List<Check> done) {
        return done.size() < STAGES.size() ? STAGES.get(done.size()) : "other";
    }

    private static void run(Path dir, Path home, List<Check> out) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such release directory");
        ModelSigning.Signed claimed = ModelSigning.read(dir.resolve(ModelSigning.SIGNATURE_FILE));
        LedgerView ledger = LedgerView.read(home);
        CommunityState state = ledger.state;
        // 1. the key the signature names, bound in the ledger to a member's identity
        LedgerView.Entry binding = ledger.first(ReleaseStatements.RELEASE_KEY,
                e -> ReleaseKeys.hint(e.predicate().path("release_public_key_pem").asText()).equals(claimed.keyHint()))
                .orElseThrow(() -> new IllegalArgumentException(dir.resolve(ModelSigning.SIGNATURE_FILE) + ": signed by a release key ("
                        + abbrev(claimed.keyHint()) + ") that no member of " + state.name() + " has bound in the ledger"));
        String pem = binding.predicate().path("release_public_key_pem").asText();
        ModelSigning.Signed s = ModelSigning.verify(dir, pem);
        out.add(new Check("signature", true, false, "model.sig verifies (ECDSA P-256) and covers all " + s.files().size() + " files; root " + abbrev(s.rootDigest())));
        // 2. the signer is a member
        if (!state.isMember(binding.signer())) throw new IllegalArgumentException("the release key belongs to " + abbrev(binding.signer()) + ", who is not a member of " + state.name());
        out.add(new Check("signer", true, false, "release key bound by " + name(state, binding.signer()) + " at ledger entry " + binding.index()));
        // 3. the release statement for exactly these files, in the log under the signed checkpoint
        LedgerView.Entry rel = ledger.first(ReleaseStatements.RELEASE, e -> e.subjects().size() == 1
                && s.rootDigest().equals(e.subjects().getFirst().digest().get("sha256")) && e.signer().equals(binding.signer()))
                .orElseThrow(() -> new IllegalArgumentException("no release statement in the ledger for these files (root " + abbrev(s.rootDigest()) + ")"));
        InclusionProof proof = ledger.prove(rel.index());
        out.add(new Check("release statement", true, false, "ledger entry " + rel.index() + ", included in the signed checkpoint of size "
                + proof.treeSize() + " (root " + abbrev(Hex.encode(proof.root())) + ")"));
        // 4. the proposal it names was executed, and releases these weights
        String pid = rel.predicate().path("proposal").asText();
        Proposal p = state.proposal(pid).orElseThrow(() -> new IllegalArgumentException("the release names proposal " + abbrev(pid) + ", which is not in the ledger"));
        if (p.state(Long.MAX_VALUE / 2) != ProposalState.EXECUTED || !(p.winningAction() instanceof Action.ReleaseModel a)) {
            throw new IllegalArgumentException("proposal " + p.number() + " was not executed as a release");
        }
        out.add(new Check("proposal", true, false, "proposal " + p.number() + " (" + a.summary() + ") was executed"));
        // 5. the weights are exactly the run's committed final weights
        LoadedModel m = HfDirectory.read(dir);
        CommunityState.FinishedRun fin = ReleasePublisher.finishedRun(state, a);
        if (!m.weightsDigest().equals(a.weights()) || !a.weights().equals(fin.weights())) {
            throw new IllegalArgumentException(dir.resolve(HfDirectory.WEIGHTS) + ": weights " + abbrev(m.weightsDigest())
                    + " are not the final weights run \"" + a.run() + "\" committed to (" + abbrev(fin.weights()) + ")");
        }
        out.add(new Check("weights", true, false, "the weights' canonical SHA-256 " + abbrev(m.weightsDigest()) + " is the run's committed final weights (run-finished at entry " + fin.index() + ")"));
        // 6. provenance: signed with the same key, naming the same run
        JsonNode prov = Provenance.verify(dir.resolve(Provenance.FILE), ReleaseKeys.parsePublic(pem, "release key"));
        String root = "", stmt = "";
        for (JsonNode b : prov.path("predicate").path("runDetails").path("byproducts")) {
            if (b.path("name").asText().equals("transcript")) root = b.path("digest").path("sha256").asText();
            if (b.path("name").asText().equals("run-finished statement")) stmt = b.path("digest").path("sha256").asText();
        }
        if (!root.equals(fin.transcriptRoot()) || !stmt.equals(fin.digest())) {
            throw new IllegalArgumentException(dir.resolve(Provenance.FILE) + ": names another run (transcript " + abbrev(root) + ") than the ledger's run-finished statement");
        }
        for (JsonNode sub : prov.path("subject")) {
            Path f = dir.resolve(sub.path("name").asText());
            if (!Files.exists(f) || !Bundles.sha256Hex(f).equals(sub.path("digest").path("sha256").asText())) {
                throw new IllegalArgumentException(dir.resolve(Provenance.FILE) + ": subject " + sub.path("name").asText() + " does not match the file");
            }
        }
        out.add(new Check("provenance", true, false, "SLSA v1 provenance signed by the release key; build " + prov.path("predicate").path("buildDefinition").path("buildType").asText()
                + ", transcript " + abbrev(root)));
        // 7. every figure in the model card's model-index is an attested one, for these weights
        out.add(new Check("model card", true, false, cardFigures(dir, ledger, a.weights())));
        // 8. documents removed from the training data since (a warning: the weights stay what they are)
        String dataset = prov.path("predicate").path("buildDefinition").path("externalParameters").path("dataset").asText("");
        List<String> removed = dataset.isEmpty() ? List.of() : DataRemovals.removedSince(home, dataset);
        if (removed.isEmpty()) out.add(new Check("data", true, false, dataset.isEmpty() ? "no registered dataset named" : "no document of " + dataset + " has been removed since"));
        else out.add(new Check("data", false, true, removed.size() + " document(s) of " + dataset + " removed since training: " + String.join("; ", removed)));
    }

    /** The model card check alone: every model-index figure against the attestation it cites, for these weights. */
    public static String checkCard(Path dir, Path home) throws IOException {
        return cardFigures(dir, LedgerView.read(home), HfDirectory.read(dir).weightsDigest());
    }

    /** Checks the card's model-index against the evaluation attestations it cites; returns what it found. */
    static String cardFigures(Path dir, LedgerView ledger, String weights) throws IOException {
        Path card = dir.resolve("README.md");
        if (!Files.exists(card)) throw new IllegalArgumentException(card + ": missing");
        String text = Files.readString(card);
        if (!text.startsWith("---\n") || text.indexOf("\n---\n", 4) < 0) throw new IllegalArgumentException(card + ": no YAML front matter");
        JsonNode fm;
        try {
            fm = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(text.substring(4, text.indexOf("\n---\n", 4)));
        } catch (IOException e) {
            throw new IllegalArgumentException(card + ": front matter is not valid YAML");
        }
        int n = 0;
        for (JsonNode model : fm.path("model-index")) {
            for (JsonNode r : model.path("results")) {
                String url = r.path("source").path("url").asText(""), task = r.path("task").path("name").asText();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("cairn:ledger/(\\d+)/([0-9a-f]{64})").matcher(url);
                if (!m.matches()) throw new IllegalArgumentException(card + ": model-index result for " + task + " cites no attestation (source.url " + url + ")");
                long idx = Long.parseLong(m.group(1));
                LedgerView.Entry e = ledger.entries.stream().filter(x -> x.index() == idx).findFirst()
                        .filter(x -> x.digest().equals(m.group(2)) && x.type().equals(ModelCard.EVALUATION))
                        .orElseThrow(() -> new IllegalArgumentException(card + ": model-index cites ledger entry " + idx + ", which is not that evaluation attestation"));
                if (!e.predicate().path("model").path("weights_sha256").asText().equals(weights)) {
                    throw new IllegalArgumentException(card + ": the attestation at ledger entry " + idx + " is for other weights");
                }
                for (JsonNode metric : r.path("metrics")) {
                    JsonNode want = e.predicate().path("tasks").path(task).path("metrics").path(metric.path("type").asText());
                    if (!want.isNumber() || Double.compare(want.asDouble(), metric.path("value").asDouble()) != 0) {
                        throw new IllegalArgumentException(card + ": " + task + " " + metric.path("type").asText() + " = " + metric.path("value").asText()
                                + " is not what the attestation at ledger entry " + idx + " says (" + want + ")");
                    }
                    n++;
                }
            }
        }
        return n == 0 ? "no evaluation figures in the card" : "all " + n + " figures in the card's model-index match signed evaluation attestations";
    }

    static String name(CommunityState s, String key) {
        return s.members().stream().filter(m -> m.publicKey().equals(key)).map(m -> m.name()).findFirst().orElse(abbrev(key));
    }

    static String abbrev(String hex) {
        return hex == null || hex.length() < 12 ? String.valueOf(hex) : hex.substring(0, 12) + "…";
    }
}
