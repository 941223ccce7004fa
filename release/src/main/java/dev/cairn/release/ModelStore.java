package dev.cairn.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Models imported into a Cairn home, content-addressed: {@code HOME/models/<root>/} holds the files as they came
 * and {@code import.json} (name, source, licence, every file's SHA-256). The root is the OpenSSF model-signing
 * digest of the files: SHA-256 over their raw SHA-256 digests concatenated in sorted path order.
 */
public final class ModelStore {
    public static final String RECORD = "import.json";
    private final Path root;

    public ModelStore(Path home) {
        this.root = home.resolve("models");
    }

    public record Stored(String name, String digest, Path dir, ObjectNode record) {}

    /**
     * Checks that {@code src} loads as a model, then copies its files into the store (staged, then renamed into
     * place, so a crash leaves nothing half-imported under the final name). Refuses a name already taken by
     * another model.
     */
    public Stored importHf(Path src, String name, String source, String license) throws IOException {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("--name \"" + name + "\" must be 1-100 letters, digits, '.', '_' or '-'");
        }
        LoadedModel m = HfDirectory.read(src); // refuses what Cairn cannot run, naming the file and tensor
        Map<String, String> files = fileDigests(src);
        String digest = ModelSigning.rootDigest(files);
        Stored existing = find(name);
        if (existing != null && !existing.digest().equals(digest)) {
            throw new IllegalArgumentException("a different model is already imported as " + name + " (" + existing.digest().substring(0, 12) + ")");
        }
        Path dir = root.resolve(digest);
        ObjectNode rec = Safetensors.JSON.createObjectNode();
        rec.put("format", "cairn-model-import/v1");
        rec.put("name", name);
        rec.put("source", source == null ? src.toAbsolutePath().normalize().toString() : source);
        if (license != null) rec.put("license", license);
        rec.put("root_sha256", digest);
        rec.put("weights_sha256", m.weightsDigest());
        rec.put("architecture", m.config().arch());
        rec.put("parameters", m.params().length);
        ObjectNode fs = rec.putObject("files");
        files.forEach(fs::put);
        if (Files.exists(src.resolve(ModelSigning.SIGNATURE_FILE))) { // a release bundle: the root it claims (release verify checks it)
            ModelSigning.Signed signed = ModelSigning.read(src.resolve(ModelSigning.SIGNATURE_FILE));
            rec.put("signed_root", signed.rootDigest()).put("signed_name", signed.modelName());
        }
        if (Files.isDirectory(dir) && Files.exists(dir.resolve(RECORD))) return new Stored(name, digest, dir, rec);
        try (dev.cairn.ledger.Staging st = dev.cairn.ledger.Staging.create(root)) { // owner-locked: a sweep never takes a live import's
            Path staging = st.dir();
            for (String f : files.keySet()) {
                Path to = staging.resolve(f);
                Files.createDirectories(to.getParent());
                Files.copy(src.resolve(f), to, StandardCopyOption.COPY_ATTRIBUTES);
                try (var ch = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            Map<String, String> copied = fileDigests(staging);
            if (!copied.equals(files)) throw new IOException(src + " changed while it was being imported; try again");
            AtomicFiles.write(staging.resolve(RECORD), Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rec));
            st.publish(dir);
            AtomicFiles.fsyncDir(root);
        }
        return new Stored(name, digest, dir, rec);
    }

    /** A model by name or by (a unique prefix of at least 8 digits of) its digest; null if none. */
    public Stored find(String ref) throws IOException {
        if (!Files.isDirectory(root)) return null;
        List<Stored> hits = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).sorted().toList()) {
                Path r = d.resolve(RECORD);
                if (!Files.exists(r)) continue;
                JsonNode n = Safetensors.JSON.readTree(r.toFile());
                String digest = d.getFileName().toString();
                boolean byDigest = ref.length() >= 8 && digest.startsWith(ref);
                if (byDigest || n.path("name").asText().equals(ref)) hits.add(new Stored(n.path("name").asText(), digest, d, (ObjectNode) n));
            }
        }
        if (hits.size() > 1) throw new IllegalArgumentException("model reference " + ref + " is ambiguous (" + hits.size() + " models match)");
        return hits.isEmpty() ? null : hits.getFirst();
    }

    /** The imported model whose canonical weights digest is {@code weightsSha256}, or null. */
    public Stored findByWeights(String weightsSha256) throws IOException {
        if (!Files.isDirectory(root)) return null;
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).sorted().toList()) {
                Path r = d.resolve(RECORD);
                if (!Files.exists(r)) continue;
                JsonNode n = Safetensors.JSON.readTree(r.toFile());
                if (n.path("weights_sha256").asText().equals(weightsSha256)) return new Stored(n.path("name").asText(), d.getFileName().toString(), d, (ObjectNode) n);
            }
        }
        return null;
    }

    /** The weights of the imported model whose canonical weights digest is {@code weightsSha256}, or null. */
    public float[] weightsByDigest(String weightsSha256) throws IOException {
        Stored s = findByWeights(weightsSha256);
        return s == null ? null : HfDirectory.read(s.dir()).params();
    }

    /** Checks an imported model's files against its record; the message names the first file that differs. */
    public void check(Stored s) throws IOException {
        Map<String, String> want = new TreeMap<>();
        s.record().path("files").fields().forEachRemaining(e -> want.put(e.getKey(), e.getValue().asText()));
        Map<String, String> have = fileDigests(s.dir());
        have.remove(RECORD);
        for (var e : want.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) throw new IllegalArgumentException(s.dir().resolve(e.getKey()) + ": does not match its recorded SHA-256");
        }
    }

    /** Every regular file under {@code dir} (relative, '/'-separated) to its SHA-256, sorted by path. */
    public static Map<String, String> fileDigests(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isSymbolicLink(p)) throw new IllegalArgumentException(p + ": symbolic links are not allowed in a model directory");
                if (!Files.isRegularFile(p)) continue;
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (rel.equals(RECORD) || rel.startsWith(".")) continue;
                out.put(rel, Bundles.sha256Hex(p));
            }
        }
        return out;
    }
}
