package dev.cairn.governance;

import java.util.Locale;

/** A vote on a binary proposal, as OpenZeppelin GovernorCountingSimple counts it. */
public enum Support {
    FOR, AGAINST, ABSTAIN;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Support parse(String s) {
        for (Support v : values()) if (v.key().equals(s.toLowerCase(Locale.ROOT))) return v;
        throw new IllegalArgumentException(Charter.quote(s) + " is not a vote (expected for, against or abstain)");
    }
}
