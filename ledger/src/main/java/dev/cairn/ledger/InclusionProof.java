package dev.cairn.ledger;

import java.util.List;

/** An RFC 6962 audit path: leaf {@code leafIndex} with {@code leafHash} is in the tree of {@code treeSize} with {@code root}. */
public record InclusionProof(long leafIndex, long treeSize, byte[] root, byte[] leafHash, List<byte[]> auditPath) {
    public InclusionProof {
        root = root.clone();
        leafHash = leafHash.clone();
        auditPath = auditPath.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] leafHash() {
        return leafHash.clone();
    }

    /** True when the audit path leads from the leaf hash to the root. */
    public boolean verify() {
        return MerkleTree.verifyInclusion(leafHash, leafIndex, treeSize, auditPath, root);
    }
}
