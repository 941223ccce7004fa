package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.CommunityState;
import dev.cairn.ledger.Envelope;
import dev.cairn.training.GovernedRun;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;

/**
 * SLSA Provenance v1 for a released model, as an in-toto Statement v1 in a DSSE envelope signed with the publisher's
 * release key ({@code provenance.intoto.jsonl}: one envelope per line, the in-toto attestation bundle format).
 * The build is the governed training run: its recipe, data and seed are the external parameters; the dataset
 * manifest, tokenizer, base model and Cairn's source are resolved dependencies; the transcript root and the
 * run-finished statement are byproducts.
 */
public final class Provenance {
    public static final String FILE = "provenance.intoto.jsonl";
    public static final String PREDICATE_TYPE = "https://slsa.dev/provenance/v1";
    public static final String BUILD_TYPE = "https://cairn.dev/training/governed-run/v1";

    private Provenance() {}

    static ObjectNode statement(Path bundle, JsonNode runRecipe, JsonNode runJson, CommunityState.FinishedRun fin, LedgerView ledger, Path home) throws IOException {
        ObjectNode st = Safetensors.JSON.createObjectNode();
        st.put("_type", dev.cairn.ledger.Statement.TYPE);
        ArrayNode subjects = st.putArray("subject");
        for (String f : new String[] {HfDirectory.WEIGHTS, "model.gguf"}) {
            subjects.addObject().put("name", f).putObject("digest").put("sha256", Bundles.sha256Hex(bundle.resolve(f)));
        }
        st.put("predicateType", PREDICATE_TYPE);
        ObjectNode pred = st.putObject("predicate");
        ObjectNode bd = pred.putObject("buildDefinition");
        bd.put("buildType", BUILD_TYPE);
        ObjectNode ext = bd.putObject("externalParameters");
        JsonNode recipe = runRecipe != null ? runRecipe.path("recipe") : runJson.path("recipe");
        ext.set("recipe", recipe);
        ext.put("seed", recipe.path("seed").asLong());
        ext.put("run", fin.run());
        JsonNode data = runJson.path("data");
        if (runRecipe != null) {
            ext.put("dataset", runRecipe.path("dataset").asText()).put("dataset_root", runRecipe.path("dataset_root").asText())
                    .put("tokenizer", runRecipe.path("tokenizer").asText());
        } else if (data.path("kind").asText().equals("dataset")) {
            ext.put("dataset", data.path("dataset").asText()).put("dataset_root", data.path("dataset_root").asText())
                    .put("tokenizer", data.path("tokenizer").asText());
        }
        bd.putObject("internalParameters").put("cairn_version", GovernedRun.CAIRN_VERSION);
        ArrayNode deps = bd.putArray("resolvedDependencies");
        if (ext.has("dataset_root")) {
            deps.addObject().put("name", "dataset manifest " + ext.path("dataset").asText()).put("uri", "cairn:dataset/" + ext.path("dataset").asText())
                    .putObject("digest").put("sha256", ext.path("dataset_root").asText());
            deps.addObject().put("name", "tokenizer.json").put("uri", "cairn:tokenizer/" + ext.path("tokenizer").asText())
                    .putObject("digest").put("sha256", ext.path("tokenizer").asText());
        }
        if (recipe.hasNonNull("init")) {
            deps.addObject().put("name", "base model weights").put("uri", "cairn:weights/" + recipe.path("init").asText())
                    .putObject("digest").put("sha256", recipe.path("init").asText());
        }
        String commit = runRecipe != null ? runRecipe.path("git_commit").asText("unknown") : ReleasePublisher.gitCommitOfCairn();
        ObjectNode src = deps.addObject().put("name", "cairn source").put("uri", "cairn:source/" + GovernedRun.CAIRN_VERSION);
        if (commit.matches("[0-9a-f]{40}")) src.putObject("digest").put("gitCommit", commit);
        ObjectNode rd = pred.putObject("runDetails");
        rd.putObject("builder").put("id", "https://cairn.dev/trainer/ed25519/" + fin.signer());
        ObjectNode md = rd.putObject("metadata").put("invocationId", fin.run());
        ledger.first(GovernedRun.PROGRESS, e -> e.predicate().path("run").asText().equals(fin.run()))
                .ifPresent(e -> md.put("startedOn", e.time().toString()));
        ledger.entries.stream().filter(e -> e.index() == fin.index()).findFirst().ifPresent(e -> md.put("finishedOn", e.time().toString()));
        ArrayNode by = rd.putArray("byproducts");
        by.addObject().put("name", "transcript").putObject("digest").put("sha256", fin.transcriptRoot());
        by.addObject().put("name", "run-finished statement").put("uri", "cairn:ledger/" + fin.index()).putObject("digest").put("sha256", fin.digest());
        return st;
    }

    /** One DSSE envelope (JSON, one line) over the statement, signed with the release key. */
    static byte[] envelopeLine(ObjectNode statement, ReleaseKeys.ReleaseKey rk) throws IOException {
        byte[] payload = Safetensors.JSON.writeValueAsBytes(statement);
        byte[] sig = ReleaseKeys.sign(rk.privateKey(), Envelope.pae(Envelope.PAYLOAD_TYPE, payload));
        ObjectNode env = Safetensors.JSON.createObjectNode();
        env.put("payloadType", Envelope.PAYLOAD_TYPE);
        env.put("payload", Base64.getEncoder().encodeToString(payload));
        env.putArray("signatures").addObject().put("keyid", rk.hint()).put("sig", Base64.getEncoder().encodeToString(sig));
        byte[] line = Safetensors.JSON.writeValueAsBytes(env);
        byte[] out = java.util.Arrays.copyOf(line, line.length + 1);
        out[line.length] = '\n';
        return out;
    }

    /** Checks the provenance envelope's signature with the release key and returns its statement. */
    static JsonNode verify(Path file, PublicKey key) throws IOException {
        String line = java.nio.file.Files.readString(file).strip();
        if (line.isEmpty() || line.contains("\n")) throw new IllegalArgumentException(file + ": expected one DSSE envelope on one line");
        JsonNode env = Safetensors.JSON.readTree(line);
        if (!Envelope.PAYLOAD_TYPE.equals(env.path("payloadType").asText())) throw new IllegalArgumentException(file + ": payloadType is not " + Envelope.PAYLOAD_TYPE);
        byte[] payload, sig;
        try {
            payload = Base64.getDecoder().decode(env.path("payload").asText(""));
            sig = Base64.getDecoder().decode(env.path("signatures").path(0).path("sig").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": payload or signature is not base64");
        }
        if (!ReleaseKeys.verify(key, Envelope.pae(Envelope.PAYLOAD_TYPE, payload), sig)) {
            throw new IllegalArgumentException(file + ": the signature does not verify with the release key");
        }
        JsonNode st = Safetensors.JSON.readTree(payload);
        if (!PREDICATE_TYPE.equals(st.path("predicateType").asText())) throw new IllegalArgumentException(file + ": predicateType is not " + PREDICATE_TYPE);
        return st;
    }
}
