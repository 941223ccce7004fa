package dev.cairn.ledger;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** in-toto Statement v1 payloads: parsed strictly (canonical form required) and leniently. */
class StatementFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void statement(byte[] json) {
        FuzzRule.refusesCleanly(() -> Statement.parse(json, true));
        FuzzRule.refusesCleanly(() -> {
            Statement s = Statement.parse(json, false);
            s.communityId();
            s.signer();
            s.digest();
        });
    }
}
