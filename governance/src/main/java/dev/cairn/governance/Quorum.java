package dev.cairn.governance;

import java.math.BigInteger;

/**
 * The participation a proposal needs, either a share of the total voting weight at the proposal's snapshot
 * (in basis points, as OpenZeppelin's GovernorVotesQuorumFraction: {@code total × fraction}, rounded down) or
 * an absolute weight. Reached when the weight counted toward quorum is at least this amount.
 */
public record Quorum(long basisPoints, long absoluteWeight) {
    public Quorum {
        if (basisPoints < 0 || basisPoints > 10_000) throw new IllegalArgumentException("quorum must be 0% to 100%");
        if (absoluteWeight < 0) throw new IllegalArgumentException("quorum weight must be ≥ 0");
        if (basisPoints > 0 && absoluteWeight > 0) throw new IllegalArgumentException("quorum is a share or a weight");
    }

    public static Quorum percent(long basisPoints) {
        return new Quorum(basisPoints, 0);
    }

    public static Quorum weight(long weight) {
        return new Quorum(0, weight);
    }

    public boolean isShare() {
        return absoluteWeight == 0;
    }

    /** The weight needed given the total voting weight at the snapshot. */
    public long required(long totalWeight) {
        if (!isShare()) return absoluteWeight;
        return BigInteger.valueOf(totalWeight).multiply(BigInteger.valueOf(basisPoints))
                .divide(BigInteger.valueOf(10_000)).longValueExact();
    }

    /** As written in a charter: {@code "60%"}, {@code "33.33%"} or a plain weight. */
    public String spelling() {
        if (!isShare()) return Long.toString(absoluteWeight);
        long whole = basisPoints / 100, frac = basisPoints % 100;
        return frac == 0 ? whole + "%" : whole + "." + (frac < 10 ? "0" : "") + (frac % 10 == 0 ? frac / 10 : frac) + "%";
    }

    static Quorum parse(String text) {
        String t = text.strip();
        if (!t.endsWith("%")) throw new IllegalArgumentException(Charter.quote(text) + " is not a share (write e.g. \"50%\") or a weight (an integer)");
        String num = t.substring(0, t.length() - 1).strip();
        if (!num.matches("\\d{1,3}(\\.\\d{1,2})?")) {
            throw new IllegalArgumentException(Charter.quote(text) + " is not a percentage with at most two decimals");
        }
        int dot = num.indexOf('.');
        long bp = dot < 0 ? Long.parseLong(num) * 100
                : Long.parseLong(num.substring(0, dot)) * 100
                        + Long.parseLong((num.substring(dot + 1) + "0").substring(0, 2));
        if (bp > 10_000) throw new IllegalArgumentException(Charter.quote(text) + " is over 100%");
        return percent(bp);
    }
}
