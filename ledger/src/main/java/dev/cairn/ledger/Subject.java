package dev.cairn.ledger;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** An in-toto ResourceDescriptor as Cairn uses it: a name and its digests (always a lower-case hex sha256). */
public record Subject(String name, Map<String, String> digest) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public Subject {
        if (name == null) throw new LedgerException("subject name is missing");
        digest = Map.copyOf(new TreeMap<>(digest));
        String sha = digest.get("sha256");
        if (sha == null || !SHA256.matcher(sha).matches()) {
            throw new LedgerException("subject \"" + name + "\": digest.sha256 must be 64 lower-case hex digits");
        }
    }

    /** A subject with one sha256 digest given as lower-case hex. */
    public static Subject sha256(String name, String hex) {
        return new Subject(name, Map.of("sha256", hex));
    }

    /** A subject with one sha256 digest. */
    public static Subject sha256(String name, byte[] digest) {
        return sha256(name, Hex.encode(digest));
    }

    public String sha256() {
        return digest.get("sha256");
    }
}
