package dev.cairn.governance;

/** Something a community decided on and a fork takes along: an admitted dataset, an approved run, a release. */
public record Artifact(String kind, String name, String digest) {
    public Artifact {
        if (!kind.equals("dataset") && !kind.equals("run") && !kind.equals("release")) {
            throw new IllegalArgumentException("artifact kind must be dataset, run or release, got \"" + kind + "\"");
        }
        if (name == null || name.isBlank()) throw new IllegalArgumentException("artifact name must not be empty");
        if (!Digests.isDigest(digest)) throw new IllegalArgumentException("artifact digest must be a SHA-256 in lower-case hex");
    }
}
