package dev.cairn.data;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An SPDX licence expression (SPDX specification, annex "SPDX License Expressions"): identifiers, {@code +},
 * {@code WITH} exceptions, {@code AND}, {@code OR} (AND binds tighter) and parentheses. Identifiers are checked
 * against the SPDX License List shipped as a resource ({@code spdx-licenses.txt}, {@code spdx-exceptions.txt})
 * case-insensitively and written in the list's spelling; {@code LicenseRef-…} and {@code DocumentRef-…:LicenseRef-…}
 * are user-defined and always accepted. {@link #toString()} is the canonical form.
 */
public sealed interface SpdxExpression {
    /** A licence identifier, optionally "or later" ({@code +}). {@code known} is false only when parsed leniently. */
    record License(String id, boolean orLater, boolean known) implements SpdxExpression {
        @Override public String toString() { return id + (orLater ? "+" : ""); }
    }

    /** {@code license WITH exception}. */
    record With(License license, String exception) implements SpdxExpression {
        @Override public String toString() { return license + " WITH " + exception; }
    }

    /** {@code left AND right}. */
    record And(SpdxExpression left, SpdxExpression right) implements SpdxExpression {
        @Override public String toString() { return wrap(left, false) + " AND " + wrap(right, false); }
    }

    /** {@code left OR right}. */
    record Or(SpdxExpression left, SpdxExpression right) implements SpdxExpression {
        @Override public String toString() { return wrap(left, true) + " OR " + wrap(right, true); }
    }

    private static String wrap(SpdxExpression e, boolean inOr) {
        return e instanceof Or && !inOr ? "(" + e + ")" : e.toString();
    }

    /** Every licence identifier in the expression, in order of appearance. */
    default Set<String> licenseIds() {
        Set<String> out = new LinkedHashSet<>();
        collect(this, out);
        return out;
    }

    private static void collect(SpdxExpression e, Set<String> out) {
        switch (e) {
            case License l -> out.add(l.id());
            case With w -> out.add(w.license().id());
            case And a -> { collect(a.left(), out); collect(a.right(), out); }
            case Or o -> { collect(o.left(), out); collect(o.right(), out); }
        }
    }

    /** True when some identifier is not on the SPDX list (only possible with {@link #parseLenient}). */
    default boolean hasUnknownIds() {
        return switch (this) {
            case License l -> !l.known();
            case With w -> !w.license().known();
            case And a -> a.left().hasUnknownIds() || a.right().hasUnknownIds();
            case Or o -> o.left().hasUnknownIds() || o.right().hasUnknownIds();
        };
    }

    /** Parses an expression; an identifier not on the SPDX list is an error naming it. */
    public static SpdxExpression parse(String text) {
        return new SpdxParser(text, false).parseAll();
    }

    /** Parses an expression, accepting identifiers not on the SPDX list (marked unknown). */
    static SpdxExpression parseLenient(String text) {
        return new SpdxParser(text, true).parseAll();
    }

}
