package dev.cairn.governance;

import java.math.BigInteger;

/**
 * How the votes on a proposal decide it. Binary proposals (one motion: for, against, abstain) use a majority
 * ratio; proposals with competing options use ranked ballots counted by the Schulze method.
 */
public sealed interface VotingRule {

    /** Text as written in a charter: {@code majority}, {@code 2:1}, {@code schulze}, {@code schulze 3:1}. */
    String spelling();

    /** True when this rule counts ranked ballots over competing options. */
    default boolean ranked() {
        return this instanceof RankedChoice;
    }

    /**
     * Passes when {@code for} beats {@code against} by {@code numerator:denominator} and strictly:
     * {@code for × denominator ≥ numerator × against} and {@code for > against} (the Debian constitution's
     * "defeats the default option by its required majority ratio", §A.6). Simple majority is 1:1, which is
     * OpenZeppelin GovernorCountingSimple's {@code forVotes > againstVotes}. Abstentions do not count here.
     */
    record Ratio(long numerator, long denominator) implements VotingRule {
        public static final Ratio SIMPLE_MAJORITY = new Ratio(1, 1);

        public Ratio {
            if (numerator < 1 || denominator < 1) throw new IllegalArgumentException("ratio terms must be ≥ 1");
            if (numerator < denominator) throw new IllegalArgumentException("a majority ratio must be at least 1:1");
        }

        public boolean passes(long forWeight, long againstWeight) {
            BigInteger lhs = BigInteger.valueOf(forWeight).multiply(BigInteger.valueOf(denominator));
            BigInteger rhs = BigInteger.valueOf(numerator).multiply(BigInteger.valueOf(againstWeight));
            return lhs.compareTo(rhs) >= 0 && forWeight > againstWeight;
        }

        public boolean isSimpleMajority() {
            return numerator == denominator;
        }

        @Override
        public String spelling() {
            return isSimpleMajority() ? "majority" : numerator + ":" + denominator;
        }
    }

    /**
     * Ranked ballots over a proposal's options plus an implicit "none of the above" default option, counted by
     * the Schulze method (see {@link Schulze}). As in the Debian constitution, an option that does not defeat
     * the default option by {@code ratio} is dropped first; the proposal fails when the default option wins.
     */
    record RankedChoice(Ratio ratio) implements VotingRule {
        @Override
        public String spelling() {
            return ratio.isSimpleMajority() ? "schulze" : "schulze " + ratio.numerator() + ":" + ratio.denominator();
        }
    }

    /** Parses a charter's {@code rule} text. */
    static VotingRule parse(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("majority") || t.equals("simple majority")) return Ratio.SIMPLE_MAJORITY;
        if (t.equals("schulze") || t.equals("ranked")) return new RankedChoice(Ratio.SIMPLE_MAJORITY);
        if (t.startsWith("schulze ")) return new RankedChoice(parseRatio(t.substring(8).strip(), text));
        if (t.startsWith("supermajority ")) return parseRatio(t.substring(14).strip(), text);
        return parseRatio(t, text);
    }

    private static Ratio parseRatio(String t, String original) {
        int colon = t.indexOf(':');
        if (colon > 0) {
            try {
                long n = Long.parseLong(t.substring(0, colon).strip());
                long d = Long.parseLong(t.substring(colon + 1).strip());
                return new Ratio(n, d);
            } catch (NumberFormatException e) {
                // fall through to the message below
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(Charter.quote(original) + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException(Charter.quote(original)
                + " is not a rule (expected majority, a supermajority ratio such as 2:1 or 3:1, or schulze)");
    }
}
