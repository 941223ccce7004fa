package dev.cairn.governance;

/**
 * One community in a line of forks: its id, name, and the parent community and checkpoint (tree size, root of
 * the parent's log) it forked at. A root community has an empty {@code parent} and size 0.
 */
public record LineageRecord(String community, String name, String parent, long checkpointSize, String checkpointRoot) {
    public LineageRecord {
        if (!Digests.isDigest(community)) throw new IllegalArgumentException("lineage community must be a SHA-256 digest");
        if (!parent.isEmpty() && !Digests.isDigest(parent)) throw new IllegalArgumentException("lineage parent must be a SHA-256 digest");
        if (!parent.isEmpty() && (checkpointSize < 1 || !Digests.isDigest(checkpointRoot))) {
            throw new IllegalArgumentException("a fork's lineage record needs the parent checkpoint's size (≥ 1) and root");
        }
    }

    public boolean isRoot() {
        return parent.isEmpty();
    }
}
