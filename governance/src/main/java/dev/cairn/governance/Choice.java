package dev.cairn.governance;

/** One of a proposal's competing options: a short id voters rank (e.g. {@code A}, {@code mix-b}) and its action. */
public record Choice(String id, Action action) {
    /** The implicit default option of every ranked proposal: "none of the above" (Debian's default option). */
    public static final String NONE_OF_THE_ABOVE = "none";

    public Choice {
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")) {
            throw new IllegalArgumentException("option id \"" + id + "\" must be 1-32 letters, digits, '.', '_' or '-'");
        }
        if (id.equals(NONE_OF_THE_ABOVE)) throw new IllegalArgumentException("option id \"none\" is reserved for none of the above");
    }
}
