package dev.cairn.governance;

/** A statement the community's rules do not allow; the message is the one-line reason. Nothing was changed. */
public final class RejectedException extends RuntimeException {
    public RejectedException(String reason) {
        super(dev.cairn.ledger.Hex.escapeControls(reason), null, false, false); // reasons quote input: keep one line
    }
}
