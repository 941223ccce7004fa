package dev.cairn.governance;

/** A charter that cannot be used; the message names the source and the field, e.g. {@code decisions.start_run.quorum}. */
public final class CharterException extends IllegalArgumentException {
    private final String field;

    public CharterException(String source, String field, String problem) {
        super(dev.cairn.ledger.Hex.escapeControls(source + ": " + field + ": " + problem)); // it quotes input: one line
        this.field = field;
    }

    /** The dotted path of the offending field. */
    public String field() {
        return field;
    }
}
