package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.Hex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * OpenSSF model signing v1.0, key mode, as the {@code model_signing} library writes and verifies it: a Sigstore bundle
 * ({@code application/vnd.dev.sigstore.bundle.v0.3+json}) whose verification material is the public key's hint and
 * whose DSSE envelope ({@code application/vnd.in-toto+json}, ECDSA over the PAE) carries an in-toto Statement v1 with
 * predicate type {@code https://model_signing/signature/v1.0}: one subject (the model's name, sha256 = SHA-256 over
 * every file's raw digest in sorted path order) and the per-file {@code resources}.
 */
public final class ModelSigning {
    public static final String SIGNATURE_FILE = "model.sig";
    public static final String BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    public static final String PREDICATE_TYPE = "https://model_signing/signature/v1.0";
    /** Paths model_signing ignores by default, beside the signature itself. */
    private static final java.util.Set<String> GIT_PATHS = java.util.Set.of(".git", ".gitattributes", ".github", ".gitignore");

    private ModelSigning() {}

    /** SHA-256 over the files' raw SHA-256 digests concatenated in sorted path order (the statement's subject digest). */
    public static String rootDigest(Map<String, String> fileDigests) {
        MessageDigest md = Bundles.sha256();
        for (String hex : new TreeMap<>(fileDigests).values()) md.update(Hex.decode(hex));
        return Hex.encode(md.digest());
    }

    /** Every file of a model directory model_signing would hash: all regular files but the signature and git paths. */
    public static Map<String, String> manifest(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                // .owner: the lock file of a bundle still being staged (removed before it is published)
                if (rel.isEmpty() || rel.equals(SIGNATURE_FILE) || rel.equals(".owner") || GIT_PATHS.contains(rel.split("/")[0])) continue;
                if (Files.isSymbolicLink(p)) throw new IllegalArgumentException(p + ": symbolic links are not allowed in a signed model");
                if (Files.isRegularFile(p)) out.put(rel, Bundles.sha256Hex(p));
            }
        }
        return out;
    }

    /** Signs every file in {@code dir} and writes {@code dir/model.sig}; returns the subject (root) digest. */
    public static String sign(Path dir, String modelName, ReleaseKeys.ReleaseKey key) throws IOException {
        Map<String, String> files = manifest(dir);
        String root = rootDigest(files);
        ObjectNode st = Safetensors.JSON.createObjectNode();
        st.put("_type", dev.cairn.ledger.Statement.TYPE);
        st.putArray("subject").addObject().put("name", modelName).putObject("digest").put("sha256", root);
        st.put("predicateType", PREDICATE_TYPE);
        ObjectNode pred = st.putObject("predicate");
        ObjectNode ser = pred.putObject("serialization");
        ser.put("method", "files").put("hash_type", "sha256").put("allow_symlinks", false);
        ser.putArray("ignore_paths").add(SIGNATURE_FILE);
        ArrayNode res = pred.putArray("resources");
        files.forEach((name, d) -> res.addObject().put("name", name).put("algorithm", "sha256").put("digest", d));
        byte[] payload = Safetensors.JSON.writeValueAsBytes(st);
        byte[] sig = ReleaseKeys.sign(key.privateKey(), Envelope.pae(Envelope.PAYLOAD_TYPE, payload));
        ObjectNode bundle = Safetensors.JSON.createObjectNode();
        bundle.put("mediaType", BUNDLE_MEDIA_TYPE);
        ObjectNode vm = bundle.putObject("verificationMaterial");
        vm.putObject("publicKey").put("hint", key.hint());
        vm.putArray("tlogEntries");
        ObjectNode env = bundle.putObject("dsseEnvelope");
        env.put("payload", Base64.getEncoder().encodeToString(payload));
        env.put("payloadType", Envelope.PAYLOAD_TYPE);
        env.putArray("signatures").addObject().put("sig", Base64.getEncoder().encodeToString(sig)).put("keyid", "");
        Bundles.writeBytes(dir.resolve(SIGNATURE_FILE), Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(bundle));
        return root;
    }

    /** What a signature says: the model's name, the root digest, the key's hint and each file's digest. */
    public record Signed(String modelName, String rootDigest, String keyHint, Map<String, String> files) {}

    /** Reads a signature without checking it (to find the key by its hint); errors name the field. */
    public static Signed read(Path sigFile) throws IOException {
        JsonNode b = readJson(sigFile);
        String where = sigFile + ": ";
        if (!BUNDLE_MEDIA_TYPE.equals(b.path("mediaType").asText())) throw new IllegalArgumentException(where + "mediaType is not " + BUNDLE_MEDIA_TYPE);
        JsonNode env = b.path("dsseEnvelope");
        if (!Envelope.PAYLOAD_TYPE.equals(env.path("payloadType").asText())) throw new IllegalArgumentException(where + "dsseEnvelope.payloadType is not " + Envelope.PAYLOAD_TYPE);
        JsonNode st = Safetensors.JSON.readTree(payload(env, where));
        if (!PREDICATE_TYPE.equals(st.path("predicateType").asText())) throw new IllegalArgumentException(where + "predicateType is not " + PREDICATE_TYPE);
        JsonNode subjects = st.path("subject");
        if (!subjects.isArray() || subjects.size() != 1) throw new IllegalArgumentException(where + "expected exactly one subject");
        Map<String, String> files = new LinkedHashMap<>();
        for (JsonNode r : st.path("predicate").path("resources")) {
            if (!"sha256".equals(r.path("algorithm").asText())) throw new IllegalArgumentException(where + "resource " + r.path("name").asText() + " is not sha256");
            if (files.put(r.path("name").asText(), r.path("digest").asText()) != null) throw new IllegalArgumentException(where + "resource " + r.path("name").asText() + " is listed twice");
        }
        String root = subjects.get(0).path("digest").path("sha256").asText();
        if (!rootDigest(files).equals(root)) throw new IllegalArgumentException(where + "the resources do not hash to the subject's digest");
        return new Signed(subjects.get(0).path("name").asText(), root, b.path("verificationMaterial").path("publicKey").path("hint").asText(""), files);
    }

    /**
     * Verifies {@code dir/model.sig} with {@code publicPem} and every file in {@code dir} against it; throws naming the
     * first failure (bad signature, a changed, added or missing file).
     */
    public static Signed verify(Path dir, String publicPem) throws IOException {
        Path sigFile = dir.resolve(SIGNATURE_FILE);
        if (!Files.exists(sigFile)) throw new IllegalArgumentException(sigFile + ": missing; the bundle is not signed");
        Signed s = read(sigFile);
        PublicKey k = ReleaseKeys.parsePublic(publicPem, "release key");
        if (!s.keyHint().isEmpty() && !s.keyHint().equals(ReleaseKeys.hint(publicPem))) {
            throw new IllegalArgumentException(sigFile + ": signed by another key (hint " + s.keyHint().substring(0, 12) + "…)");
        }
        JsonNode env = readJson(sigFile).path("dsseEnvelope");
        byte[] payload = payload(env, sigFile + ": ");
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(env.path("signatures").path(0).path("sig").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(sigFile + ": the signature is not base64");
        }
        if (!ReleaseKeys.verify(k, Envelope.pae(Envelope.PAYLOAD_TYPE, payload), sig)) {
            throw new IllegalArgumentException(sigFile + ": the signature does not verify with the release key");
        }
        Map<String, String> actual = manifest(dir);
        for (String name : new TreeSet<>(s.files().keySet())) {
            if (!actual.containsKey(name)) throw new IllegalArgumentException(dir.resolve(name) + ": signed but missing");
            if (!actual.get(name).equals(s.files().get(name))) throw new IllegalArgumentException(dir.resolve(name) + ": changed since it was signed");
        }
        for (String name : actual.keySet()) {
            if (!s.files().containsKey(name)) throw new IllegalArgumentException(dir.resolve(name) + ": added after signing (not covered by " + SIGNATURE_FILE + ")");
        }
        return s;
    }

    private static byte[] payload(JsonNode env, String where) {
        try {
            return Base64.getDecoder().decode(env.path("payload").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "dsseEnvelope.payload is not base64");
        }
    }

    private static JsonNode readJson(Path f) throws IOException {
        try {
            JsonNode n = Safetensors.JSON.readTree(f.toFile());
            if (n == null || !n.isObject()) throw new IllegalArgumentException(f + ": not a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(f + ": not valid JSON: " + e.getOriginalMessage());
        }
    }
}
