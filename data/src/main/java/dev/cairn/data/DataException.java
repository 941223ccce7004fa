package dev.cairn.data;

/** A refusal with a one-line message that names the file, line, byte offset or field at fault. */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
