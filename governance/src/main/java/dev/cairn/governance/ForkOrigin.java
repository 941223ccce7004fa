package dev.cairn.governance;

import java.util.List;

/**
 * Where a forked community comes from: the parent community, the checkpoint of the parent's log it forked at
 * (tree size and root hash, checkable with a consistency proof against any later checkpoint), the artifacts it
 * takes along, and the parent's own lineage (root first, ending with the parent).
 */
public record ForkOrigin(String parentCommunity, String parentName, long checkpointSize, String checkpointRoot,
                         List<Artifact> artifacts, List<LineageRecord> parentLineage) {
    public ForkOrigin {
        artifacts = List.copyOf(artifacts);
        parentLineage = List.copyOf(parentLineage);
        if (!Digests.isDigest(parentCommunity)) throw new IllegalArgumentException("parent.community must be a SHA-256 digest");
        if (checkpointSize < 1) throw new IllegalArgumentException("parent.checkpoint.size must be ≥ 1");
        if (!Digests.isDigest(checkpointRoot)) throw new IllegalArgumentException("parent.checkpoint.root must be a SHA-256 digest");
        if (parentLineage.isEmpty() || !parentLineage.getLast().community().equals(parentCommunity)) {
            throw new IllegalArgumentException("lineage must end with the parent community " + parentCommunity);
        }
        for (int i = 1; i < parentLineage.size(); i++) {
            if (!parentLineage.get(i).parent().equals(parentLineage.get(i - 1).community())) {
                throw new IllegalArgumentException("lineage[" + i + "] does not fork from lineage[" + (i - 1) + "]");
            }
        }
        if (!parentLineage.getFirst().isRoot()) throw new IllegalArgumentException("lineage[0] must be a root community");
    }
}
