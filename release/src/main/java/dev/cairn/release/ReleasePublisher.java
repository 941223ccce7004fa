package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Action;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.ProposalState;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.training.GovernedRun;
import dev.cairn.training.RunCommitment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a release bundle once the community has executed a release proposal: the Hugging Face directory of the
 * run's final weights, {@code model.gguf}, the model card, the usage policy, SLSA provenance, and {@code model.sig}
 * over all of it; then signs a release statement binding every digest to the proposal into the ledger. The bundle
 * is staged beside the target and renamed into place only when complete.
 */
public final class ReleasePublisher {
    private ReleasePublisher() {}

    /** What to publish, and who does it. */
    public record Request(Path home, String proposal, String keyName, SigningKey member, Path out, Path runDir, Path usagePolicy, Path licenseText) {}

    /** The result: the bundle, its signature's root digest, and the release statement's log entry. */
    public record Published(Path dir, String rootDigest, long statementIndex, List<String> files) {}

    public static Published publish(Request q) throws IOException {
        LedgerView ledger = LedgerView.read(q.home());
        CommunityState state = ledger.state;
        Proposal p = state.proposal(q.proposal()).orElseThrow(() -> new IllegalArgumentException("no proposal " + q.proposal()));
        if (p.state(System.currentTimeMillis()) != ProposalState.EXECUTED) {
            throw new IllegalArgumentException("proposal " + p.number() + " is " + p.state(System.currentTimeMillis()).label()
                    + ", not Executed: a release is published only after the community has decided it");
        }
        if (!(p.winningAction() instanceof Action.ReleaseModel action)) {
            throw new IllegalArgumentException("proposal " + p.number() + " is not a release (it is " + p.motion().decisionClass().key() + ")");
        }
        String signer = q.member().identity().publicKeyHex();
        if (!state.isMember(signer)) throw new IllegalArgumentException("key " + q.keyName() + " is not a member of " + state.name());
        CommunityState.FinishedRun fin = finishedRun(state, action);
        Path runDir = q.runDir() != null ? q.runDir() : q.home().resolve("runs").resolve(action.run());
        RunCommitment commitment = RunCommitment.fromJson(readJson(runDir.resolve(RunCommitment.FILE)), runDir.resolve(RunCommitment.FILE).toString());
        if (!commitment.transcriptRoot().equals(fin.transcriptRoot()) || !commitment.finalWeightsSha256().equals(fin.weights())) {
            throw new IllegalArgumentException(runDir + ": this run directory is not the run the ledger's run-finished statement commits to");
        }
        LoadedModel model = Models.fromRun(runDir);
        if (!model.weightsDigest().equals(action.weights())) {
            throw new IllegalArgumentException(runDir + ": the newest checkpoint's weights (" + model.weightsDigest().substring(0, 12)
                    + "…) are not the weights the proposal releases (" + action.weights().substring(0, 12) + "…)");
        }
        String policyText = usagePolicy(q, action);
        String licenseText = licenseText(q, action);
        if (Files.exists(q.out())) throw new IllegalArgumentException(q.out() + " already exists; choose another --out");
        ReleaseKeys.ReleaseKey rk = ReleaseKeys.load(q.home(), q.keyName());

        Path parent = q.out().toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (dev.cairn.ledger.Staging staged = dev.cairn.ledger.Staging.create(parent)) { // owner-locked until renamed into place
            Path staging = staged.dir();
            Map<String, String> meta = Map.of("cairn_weights_sha256", model.weightsDigest(), "cairn_transcript_root", fin.transcriptRoot());
            HfDirectory.write(staging, model, Dtype.F32, meta);
            Gguf.write(staging.resolve("model.gguf"), model, Dtype.F32, action.model());
            if (Files.exists(runDir.resolve("loss.svg"))) Bundles.writeBytes(staging.resolve("loss.svg"), Files.readAllBytes(runDir.resolve("loss.svg")));
            if (policyText != null) Bundles.writeBytes(staging.resolve("USAGE_POLICY.md"), policyText.getBytes(StandardCharsets.UTF_8));
            if (licenseText != null) Bundles.writeBytes(staging.resolve("LICENSE"), licenseText.getBytes(StandardCharsets.UTF_8));
            JsonNode runRecipe = Files.exists(runDir.resolve("run-recipe.json")) ? readJson(runDir.resolve("run-recipe.json")) : null;
            ObjectNode provenance = Provenance.statement(staging, runRecipe, readJson(runDir.resolve("run.json")), fin, ledger, q.home());
            Bundles.writeBytes(staging.resolve(Provenance.FILE), Provenance.envelopeLine(provenance, rk));
            ModelCard.Facts facts = new ModelCard.Facts(action, p, fin, commitment, runRecipe, state, ledger, policyText != null, licenseText != null);
            Bundles.writeBytes(staging.resolve("README.md"), ModelCard.markdown(facts).getBytes(StandardCharsets.UTF_8));
            String root = ModelSigning.sign(staging, action.model(), rk);
            Map<String, String> files = ModelSigning.manifest(staging);
            files.put(ModelSigning.SIGNATURE_FILE, Bundles.sha256Hex(staging.resolve(ModelSigning.SIGNATURE_FILE)));

            // On the record: the release key's binding (once), then the release itself.
            boolean bound = ledger.first(ReleaseStatements.RELEASE_KEY, e -> e.signer().equals(signer)
                    && e.predicate().path("release_public_key_pem").asText().equals(rk.publicPem())).isPresent();
            if (!bound) ReleaseStatements.append(q.home(), ReleaseStatements.releaseKeyStatement(rk, state.communityId(), q.member()));
            ObjectNode pred = Safetensors.JSON.createObjectNode();
            pred.put("proposal", p.digest()).put("model", action.model()).put("run", action.run()).put("run_finished", fin.digest());
            pred.put("weights_sha256", action.weights()).put("transcript_root", fin.transcriptRoot()).put("release_key_hint", rk.hint());
            if (action.license() != null) pred.put("license", action.license());
            ObjectNode base = baseModel(q.home(), readJson(runDir.resolve("run.json")).path("recipe").path("init").asText(""));
            if (base != null) pred.set("base_model", base);
            ObjectNode fs = pred.putObject("files");
            files.forEach(fs::put);
            Statement st = Statement.of(ReleaseStatements.RELEASE, pred, state.communityId(), q.member().identity(), Subject.sha256(action.model(), root));
            LogEntry entry = ReleaseStatements.append(q.home(), Envelope.sign(st, q.member()));
            if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            staged.publish(q.out());
            dev.cairn.ledger.AtomicFiles.fsyncDir(parent);
            return new Published(q.out(), root, entry.index(), new ArrayList<>(files.keySet()));
        }
    }

    /** What the release's base model was (for recipes that start from one): its weights digest and, when imported here, its name, source and signed root. */
    static ObjectNode baseModel(Path home, String init) throws IOException {
        if (init.isEmpty()) return null;
        ObjectNode b = Safetensors.JSON.createObjectNode().put("weights_sha256", init);
        ModelStore.Stored s = new ModelStore(home).findByWeights(init);
        if (s != null) {
            b.put("name", s.name()).put("root_sha256", s.digest()).put("source", s.record().path("source").asText());
            if (s.record().has("signed_root")) b.put("parent_release_root", s.record().path("signed_root").asText());
        }
        return b;
    }

    /** The run-finished statement the release names (or, for proposals that name none, the first with its weights). */
    static CommunityState.FinishedRun finishedRun(CommunityState state, Action.ReleaseModel a) {
        return state.finishedRuns().stream()
                .filter(f -> a.runFinished() != null ? f.digest().equals(a.runFinished()) : f.run().equals(a.run()) && f.weights().equals(a.weights()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("run \"" + a.run() + "\" has no run-finished statement in the ledger"
                        + " with the released weights; it never finished"));
    }

    private static String usagePolicy(Request q, Action.ReleaseModel a) throws IOException {
        if (q.usagePolicy() == null) {
            if (a.usagePolicy() != null) throw new IllegalArgumentException("the proposal pins a usage policy (" + a.usagePolicy().substring(0, 12) + "…): pass it with --usage-policy FILE");
            return null;
        }
        byte[] b = Files.readAllBytes(q.usagePolicy());
        String d = Hex.encode(Bundles.sha256().digest(b));
        if (a.usagePolicy() != null && !a.usagePolicy().equals(d)) {
            throw new IllegalArgumentException(q.usagePolicy() + ": SHA-256 " + d.substring(0, 12) + "… is not the usage policy the proposal pins (" + a.usagePolicy().substring(0, 12) + "…)");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String licenseText(Request q, Action.ReleaseModel a) throws IOException {
        if (a.license() != null) dev.cairn.data.SpdxExpression.parse(a.license().replaceAll("LicenseRef-[A-Za-z0-9.-]+", "MIT"));
        boolean ref = a.license() != null && a.license().contains("LicenseRef-");
        if (ref && q.licenseText() == null) throw new IllegalArgumentException("the licence " + a.license() + " is a LicenseRef: attach its text with --license-file FILE");
        return q.licenseText() == null ? null : Files.readString(q.licenseText(), StandardCharsets.UTF_8);
    }

    static JsonNode readJson(Path f) throws IOException {
        if (!Files.exists(f)) throw new IllegalArgumentException(f + ": missing");
        try {
            return Safetensors.JSON.readTree(f.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(f + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    static String gitCommitOfCairn() {
        return GovernedRun.gitCommit(Path.of(System.getProperty("cairn.root", ".")));
    }
}
