package dev.cairn.ledger;

import java.util.List;

/** An RFC 6962 consistency proof: the tree of {@code oldSize} with {@code oldRoot} is a prefix of the newer one. */
public record ConsistencyProof(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
    public ConsistencyProof {
        oldRoot = oldRoot.clone();
        newRoot = newRoot.clone();
        proof = proof.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] oldRoot() {
        return oldRoot.clone();
    }

    @Override
    public byte[] newRoot() {
        return newRoot.clone();
    }

    public boolean verify() {
        return MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof);
    }
}
