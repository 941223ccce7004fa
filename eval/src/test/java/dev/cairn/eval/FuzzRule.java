package dev.cairn.eval;

import dev.cairn.ledger.LedgerException;
import java.util.List;

/**
 * What every fuzz target checks: whatever the input, the parser ends in Cairn's own refusal (an exception of
 * one of the expected types with a one-line message) or succeeds. Anything else (an unchecked exception of
 * another type, an error such as a stack or memory overflow, a checked exception) fails the fuzz test, and
 * Jazzer keeps the input under src/test/resources as a regression case.
 */
final class FuzzRule {
    private FuzzRule() {}

    interface Body {
        void run() throws Exception;
    }

    /** The room's refusals: {@link LedgerException} and {@link IllegalArgumentException}. */
    static void refusesCleanly(Body body) {
        refusesCleanly(body, List.of(LedgerException.class, IllegalArgumentException.class));
    }

    static void refusesCleanly(Body body, List<Class<? extends RuntimeException>> refusals) {
        try {
            body.run();
        } catch (RuntimeException e) {
            if (refusals.stream().noneMatch(c -> c.isInstance(e))) throw e;
            String m = e.getMessage();
            if (m == null || m.isBlank() || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0 || m.length() > 2000) {
                throw new AssertionError("refusal without a short one-line message: " + e.getClass().getName() + ": " + m, e);
            }
        } catch (Exception e) {
            throw new AssertionError("checked exception instead of a refusal: " + e, e);
        }
    }
}
