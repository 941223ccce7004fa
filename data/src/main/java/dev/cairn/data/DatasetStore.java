package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Leftovers;
import dev.cairn.ledger.Staging;
import dev.cairn.ledger.StoreLock;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The datasets under {@code HOME/datasets/}. Layout of one dataset:
 * <pre>
 *   NAME/objects/ab/ID.txt          normalised texts, content-addressed (SHA-256 of the file = ID)
 *   NAME/versions/N/manifest.json   the immutable version (canonical JSON)
 *   NAME/versions/N/README.md       Hugging Face dataset card
 *   NAME/versions/N/croissant.json  Croissant 1.1 JSON-LD
 *   NAME/versions/N/filtered.jsonl  what the filters removed in this version, and why
 * </pre>
 * A version directory is assembled under a temporary name, every file fsynced, then renamed into place: a
 * failed command leaves every existing version exactly as it was. Writers hold the dataset's
 * {@link StoreLock} and stage in {@link Staging} directories; each write first sweeps the staging that killed
 * writers left ({@link Leftovers}). Readers take no lock: they see only renamed, complete versions.
 */
public final class DatasetStore {
    private final Path home;
    private final Path root;

    public DatasetStore(Path home) {
        this.home = home;
        this.root = home.resolve("datasets");
    }

    public Path home() {
        return home;
    }

    /** What {@link #add} should do. {@code license} may be null when every document carries its own. */
    public record AddRequest(String dataset, List<Path> paths, String license, String source, DatasetPolicy policy, boolean append) {}

    /** The new version and how many documents each filter removed (in a stable order). */
    public record AddResult(DatasetManifest manifest, int read, int kept, Map<String, Integer> removedByFilter, int skippedFiles) {}

    static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new DataException("dataset name " + ByteLevel.quote(String.valueOf(name)) + " must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)");
        }
    }

    Path dir(String name) {
        return root.resolve(name);
    }

    private Path objectPath(String name, String id) {
        return dir(name).resolve("objects").resolve(id.substring(0, 2)).resolve(id + ".txt");
    }

    /** Version numbers of a dataset, ascending (empty when it does not exist). */
    public List<Integer> versions(String name) {
        checkName(name);
        Path v = dir(name).resolve("versions");
        if (!Files.isDirectory(v)) return List.of();
        try (Stream<Path> s = Files.list(v)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[1-9][0-9]*"))
                    .map(Integer::parseInt).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names of all datasets. */
    public List<String> names() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The manifest of {@code NAME@VERSION}, or of the newest version for a bare {@code NAME}. */
    public DatasetManifest manifest(String ref) {
        int at = ref.lastIndexOf('@');
        String name = at < 0 ? ref : ref.substring(0, at);
        List<Integer> vs = versions(name);
        if (vs.isEmpty()) throw new DataException("no dataset named " + ByteLevel.quote(name) + " under " + root);
        int v;
        if (at < 0) {
            v = vs.getLast();
        } else {
            try {
                v = Integer.parseInt(ref.substring(at + 1));
            } catch (NumberFormatException e) {
                throw new DataException("dataset reference " + ByteLevel.quote(ref) + ": version must be a number (NAME@1, NAME@2, ...)");
            }
            if (!vs.contains(v)) throw new DataException("dataset " + name + " has no version " + v + " (versions " + vs.getFirst() + ".." + vs.getLast() + ")");
        }
        Path p = dir(name).resolve("versions").resolve(String.valueOf(v)).resolve("manifest.json");
        try {
            return DatasetManifest.parse(Files.readAllBytes(p), p.toString());
        } catch (IOException e) {
            throw new DataException(p + ": " + e.getMessage(), e);
        }
    }

    /** The normalised text of a document, checked against its id. */
    public String text(String dataset, String id) {
        Path p = objectPath(dataset, id);
        try {
            byte[] b = Files.readAllBytes(p);
            if (!Hex.encode(MerkleTree.sha256(b)).equals(id)) throw new DataException(p + ": content does not hash to its id");
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataException(p + ": " + e.getMessage(), e);
        }
    }

    /** Ingests files into a new dataset, or (with append) a new version of an existing one. */
    public AddResult add(AddRequest req) {
        checkName(req.dataset());
        try (StoreLock lock = lock(req.dataset())) {
            return addLocked(req);
        }
    }

    /**
     * Takes the dataset's writer lock ({@code datasets/.locks/NAME}, outside the dataset's directory, which a
     * failed first version removes) and sweeps what killed writers left in the dataset.
     */
    private StoreLock lock(String name) {
        StoreLock lock = StoreLock.acquire(root.resolve(".locks").resolve(name), "dataset '" + name + "'", dir(name));
        for (Path d : List.of(dir(name), dir(name).resolve("versions"), dir(name).resolve("tokens"))) Leftovers.sweep(d);
        return lock;
    }

    private AddResult addLocked(AddRequest req) {
        String name = req.dataset();
        if (req.source() == null || req.source().isBlank()) throw new DataException("--source: a source URI is required");
        try {
            java.net.URI.create(req.source());
        } catch (IllegalArgumentException e) {
            throw new DataException("--source: not a URI: " + e.getMessage());
        }
        List<Integer> vs = versions(name);
        if (!vs.isEmpty() && !req.append()) {
            throw new DataException("dataset name " + ByteLevel.quote(name) + " is already taken (newest " + name + "@" + vs.getLast() + "); pass --append to add a new version to it");
        }
        DatasetManifest parent = vs.isEmpty() ? null : manifest(name + "@" + vs.getLast());
        DatasetPolicy policy = parent != null ? parent.policy() : req.policy();
        SpdxExpression flagLicense = null;
        if (req.license() != null) {
            try {
                flagLicense = policy.allowUnknownLicense() ? SpdxExpression.parseLenient(req.license()) : SpdxExpression.parse(req.license());
            } catch (IllegalArgumentException e) {
                throw new DataException("--license: " + e.getMessage());
            }
        }
        boolean created = !Files.exists(dir(name));
        try (Staging staging = Staging.create(dir(name))) {
            return ingest(req, parent, policy, flagLicense, staging.dir());
        } catch (IOException e) {
            throw new DataException(dir(name) + ": " + e.getMessage(), e);
        } finally {
            if (created && versions(name).isEmpty()) deleteTree(dir(name));
        }
    }

    private AddResult ingest(AddRequest req, DatasetManifest parent, DatasetPolicy policy, SpdxExpression flagLicense, Path staging) {
        String name = req.dataset();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        TreeMap<String, DocumentEntry> kept = new TreeMap<>();
        java.util.Set<String> parentIds = new java.util.HashSet<>();
        java.util.Set<String> seen = new java.util.HashSet<>(); // every id met, kept or not: the exact-duplicate index
        MinHashLsh lsh = policy.nearDedup() ? new MinHashLsh(policy.nearDupThreshold()) : null;
        if (parent != null) {
            for (DocumentEntry d : parent.documents()) {
                kept.put(d.id(), d);
                parentIds.add(d.id());
                seen.add(d.id());
                if (lsh != null) lsh.add(d.id(), MinHashLsh.signature(text(name, d.id())));
            }
        }
        Map<String, Integer> removed = new LinkedHashMap<>();
        for (String f : List.of("empty", "licence", "pii", "quality", "exact duplicate", "near duplicate")) removed.put(f, 0);
        StringBuilder filtered = new StringBuilder();
        int[] read = {0};
        Map<String, Path> staged = new TreeMap<>();
        DocumentReader reader = new DocumentReader(policy.maxDocumentBytes());
        for (Path p : req.paths()) {
            reader.read(p, raw -> {
                read[0]++;
                String text = DocumentReader.normalize(raw.text());
                if (text.isBlank()) {
                    drop(removed, filtered, "empty", raw.origin(), null, null);
                    return;
                }
                SpdxExpression lic = flagLicense;
                if (raw.license() != null) {
                    try {
                        lic = policy.allowUnknownLicense() ? SpdxExpression.parseLenient(raw.license()) : SpdxExpression.parse(raw.license());
                    } catch (IllegalArgumentException e) {
                        throw new DataException(raw.origin() + ": field \"license\": " + e.getMessage());
                    }
                }
                String licText;
                List<String> flags;
                if (lic == null) {
                    if (!policy.allowUnknownLicense()) throw new DataException(raw.origin() + ": no licence (give --license or a \"license\" field; the dataset's policy refuses documents without one)");
                    licText = "NOASSERTION";
                    flags = List.of("unknown");
                } else {
                    String refusal = policy.refusal(lic);
                    if (refusal != null) {
                        drop(removed, filtered, "licence", raw.origin(), null, refusal);
                        return;
                    }
                    licText = lic.toString();
                    flags = new ArrayList<>(DatasetPolicy.termsOf(lic));
                    if (lic.hasUnknownIds()) flags.add("unknown");
                }
                ObjectNode attrs = JsonNodeFactory.instance.objectNode();
                List<Taggers.Span> pii = Taggers.pii(text);
                attrs.set("cairn_pii__email", Taggers.spansJson(pii, "email"));
                attrs.set("cairn_pii__phone", Taggers.spansJson(pii, "phone"));
                if (!pii.isEmpty()) {
                    if (policy.pii().equals("drop")) {
                        drop(removed, filtered, "pii", raw.origin(), null, pii.size() + " PII spans");
                        return;
                    }
                    if (policy.pii().equals("redact")) {
                        text = Taggers.redact(text, pii);
                        attrs.put("cairn_pii__redacted", true);
                    }
                }
                Taggers.Quality q = Taggers.quality(text);
                attrs.setAll(Taggers.qualityJson(q));
                if (policy.quality() && q.failure() != null) {
                    drop(removed, filtered, "quality", raw.origin(), null, q.failure());
                    return;
                }
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                String id = Hex.encode(MerkleTree.sha256(utf8));
                if (!seen.add(id)) {
                    // the same id can appear only once in a version; with exact dedup off it is not counted
                    if (policy.exactDedup()) drop(removed, filtered, "exact duplicate", raw.origin(), id, "same text as an earlier document");
                    return;
                }
                if (lsh != null) {
                    long[] sig = MinHashLsh.signature(text);
                    List<String> near = lsh.nearDuplicates(sig);
                    boolean loses = near.stream().anyMatch(o -> parentIds.contains(o) || o.compareTo(id) < 0);
                    if (loses) {
                        drop(removed, filtered, "near duplicate", raw.origin(), id, "near duplicate of " + near.getFirst());
                        return;
                    }
                    for (String o : near) { // all newer and larger: the smaller id (this one) survives
                        DocumentEntry gone = kept.remove(o);
                        lsh.remove(o);
                        staged.remove(o);
                        drop(removed, filtered, "near duplicate", gone.origin(), o, "near duplicate of " + id);
                    }
                    lsh.add(id, sig);
                }
                if (raw.dolma() != null) {
                    ObjectNode dolma = attrs.putObject("dolma");
                    for (String f : List.of("id", "source", "added", "created", "metadata")) {
                        if (raw.dolma().has(f)) dolma.set(f, raw.dolma().get(f));
                    }
                }
                Path obj = staging.resolve(id + ".txt");
                try {
                    AtomicWrite.writeSynced(obj, utf8);
                } catch (IOException e) {
                    throw new DataException(obj + ": " + e.getMessage(), e);
                }
                staged.put(id, obj);
                kept.put(id, new DocumentEntry(id, req.source(), licText, flags, now, utf8.length, raw.origin(), attrs));
            });
        }
        int added = kept.size() - parentIds.size();
        if (kept.isEmpty()) throw new DataException("empty dataset: no document was kept (" + read[0] + " read; removed " + summary(removed) + ")");
        if (added == 0) throw new DataException("nothing to add to " + parent.ref() + ": no new document was kept (" + read[0] + " read; removed " + summary(removed) + ")");
        ObjectNode change = JsonNodeFactory.instance.objectNode();
        change.put("kind", "add");
        var inputs = change.putArray("inputs");
        for (Path p : req.paths()) inputs.add(p.toString());
        change.put("source", req.source());
        if (flagLicense != null) change.put("license", flagLicense.toString());
        change.put("read", read[0]);
        change.put("added", added);
        ObjectNode rem = change.putObject("removed_by_filter");
        removed.forEach(rem::put);
        int version = parent == null ? 1 : parent.version() + 1;
        DatasetManifest m = DatasetManifest.create(name, version, now, parent == null ? 0 : parent.version(),
                parent == null ? null : parent.root(), change, policy, new ArrayList<>(kept.values()));
        try {
            for (Map.Entry<String, Path> e : staged.entrySet()) {
                Path target = objectPath(name, e.getKey());
                if (Files.exists(target)) continue;
                Files.createDirectories(target.getParent());
                AtomicWrite.move(e.getValue(), target);
                AtomicWrite.fsyncDir(target.getParent());
            }
        } catch (IOException e) {
            throw new DataException(dir(name) + ": " + e.getMessage(), e);
        }
        writeVersion(m, filtered.toString());
        return new AddResult(m, read[0], added, removed, reader.skippedFiles);
    }

    private static void drop(Map<String, Integer> removed, StringBuilder log, String filter, String origin, String id, String why) {
        removed.merge(filter, 1, Integer::sum);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("filter", filter);
        o.put("origin", origin);
        if (id != null) o.put("id", id);
        if (why != null) o.put("reason", why);
        log.append(CanonicalJson.canonicalString(o)).append('\n');
    }

    static String summary(Map<String, Integer> removed) {
        StringBuilder sb = new StringBuilder();
        removed.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }

    /** A new version without the document, recording why. */
    public DatasetManifest remove(String name, String documentId, String reason) {
        if (reason == null || reason.isBlank()) throw new DataException("--reason: say why the document is removed");
        if (name.contains("@")) throw new DataException("remove makes a new version of the newest; give the bare dataset NAME");
        checkName(name);
        try (StoreLock lock = lock(name)) {
            return removeLocked(name, documentId, reason);
        }
    }

    private DatasetManifest removeLocked(String name, String documentId, String reason) {
        DatasetManifest parent = manifest(name);
        if (parent.indexOf(documentId) < 0) throw new DataException("document " + documentId + " is not in " + parent.ref());
        List<DocumentEntry> docs = new ArrayList<>(parent.documents());
        docs.removeIf(d -> d.id().equals(documentId));
        if (docs.isEmpty()) throw new DataException("empty dataset: removing " + documentId + " would leave " + name + " with no documents");
        ObjectNode change = JsonNodeFactory.instance.objectNode();
        change.put("kind", "remove");
        change.put("document", documentId);
        change.put("reason", reason);
        DatasetManifest m = DatasetManifest.create(name, parent.version() + 1, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                parent.version(), parent.root(), change, parent.policy(), docs);
        writeVersion(m, "");
        return m;
    }

    private void writeVersion(DatasetManifest m, String filtered) {
        Path versions = dir(m.name()).resolve("versions");
        Path target = versions.resolve(String.valueOf(m.version()));
        try (Staging tmp = Staging.create(versions)) {
            AtomicWrite.writeSynced(tmp.dir().resolve("manifest.json"), m.toCanonicalJson());
            AtomicWrite.writeSynced(tmp.dir().resolve("README.md"), DatasetCards.card(m).getBytes(StandardCharsets.UTF_8));
            AtomicWrite.writeSynced(tmp.dir().resolve("croissant.json"), DatasetCards.croissant(m));
            AtomicWrite.writeSynced(tmp.dir().resolve("filtered.jsonl"), filtered.getBytes(StandardCharsets.UTF_8));
            if (Files.exists(target)) throw new DataException(m.ref() + " already exists (another command made it first)");
            tmp.publish(target);
            AtomicWrite.fsyncDir(versions);
        } catch (IOException e) {
            throw new DataException(versions + ": " + e.getMessage(), e);
        }
    }

    /** For {@code data show}: one line per version, and whether it holds the document (when given). */
    public List<DatasetManifest> history(String name) {
        List<DatasetManifest> out = new ArrayList<>();
        for (int v : versions(name)) out.add(manifest(name + "@" + v));
        if (out.isEmpty()) throw new DataException("no dataset named " + ByteLevel.quote(name) + " under " + root);
        return out;
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory is never read as a version
        }
    }

    /** Verifies a proof JSON; returns the manifest whose root it matches, if {@code ref} or the proof names one. */
    public String checkProof(byte[] proofJson, String ref) {
        JsonNode o;
        try {
            o = CanonicalJson.parse(proofJson);
        } catch (RuntimeException e) {
            throw new DataException("proof: " + e.getMessage());
        }
        InclusionProofJson.Parsed p = InclusionProofJson.parse(o);
        try {
            MerkleTree.checkInclusion(p.proof().leafHash(), p.proof().leafIndex(), p.proof().treeSize(), p.proof().auditPath(), p.proof().root());
        } catch (MerkleTree.ProofException e) {
            throw new DataException("proof does not verify: " + e.getMessage());
        }
        if (p.documentId() != null && !Hex.encode(MerkleTree.leafHash(Hex.decode(p.documentId()))).equals(Hex.encode(p.proof().leafHash()))) {
            throw new DataException("proof: leaf_hash is not the leaf hash of document " + p.documentId());
        }
        String against = ref != null ? ref : p.dataset();
        if (against != null) {
            DatasetManifest m = manifest(against);
            String root = Hex.encode(p.proof().root());
            if (!m.root().equals(root)) throw new DataException("proof is for root " + root + " but " + m.ref() + " has root " + m.root());
            return m.ref();
        }
        return null;
    }
}
