package dev.cairn.ledger;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** DSSE envelopes as a stranger hands them in (log entries, fork sources): parse, then verify every signature. */
class EnvelopeFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // per input while fuzzing (Jazzer passes it to libFuzzer)
    void envelope(byte[] json) {
        FuzzRule.refusesCleanly(() -> Envelope.parse(json).verify());
    }
}
