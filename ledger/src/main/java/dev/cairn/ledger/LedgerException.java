package dev.cairn.ledger;

/**
 * Bad input or a store that cannot be used, with a one-line message naming the file, field or entry.
 * Unchecked so callers (the CLI, governance) can let it travel to the one place that reports it.
 */
public class LedgerException extends RuntimeException {
    public LedgerException(String message) {
        super(message);
    }

    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
