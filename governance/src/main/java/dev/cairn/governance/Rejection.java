package dev.cairn.governance;

/** A log entry that replay disregarded (the rules did not allow it), and why. */
public record Rejection(long index, long time, String digest, String reason) {}
