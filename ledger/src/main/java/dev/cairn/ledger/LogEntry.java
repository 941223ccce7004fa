package dev.cairn.ledger;

import java.time.Instant;

/**
 * One entry of the log: its index, the log time at which the log integrated it (what voting windows are judged
 * by), the envelope, and its RFC 6962 leaf hash over {@code uint64be(logTimeMillis) || canonical envelope JSON}.
 */
public record LogEntry(long index, Instant logTime, Envelope envelope, byte[] leafHash) {
    public LogEntry {
        leafHash = leafHash.clone();
    }

    @Override
    public byte[] leafHash() {
        return leafHash.clone();
    }

    /** The RFC 6962 leaf input: 8-byte big-endian log time in milliseconds, then the envelope's bytes. */
    public static byte[] leafInput(long logTimeMillis, byte[] envelopeJson) {
        byte[] out = new byte[8 + envelopeJson.length];
        for (int i = 0; i < 8; i++) out[i] = (byte) (logTimeMillis >>> (56 - 8 * i));
        System.arraycopy(envelopeJson, 0, out, 8, envelopeJson.length);
        return out;
    }
}
