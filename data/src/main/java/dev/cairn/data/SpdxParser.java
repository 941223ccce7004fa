package dev.cairn.data;

import dev.cairn.data.SpdxExpression.And;
import dev.cairn.data.SpdxExpression.License;
import dev.cairn.data.SpdxExpression.Or;
import dev.cairn.data.SpdxExpression.With;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parser and identifier lists behind {@link SpdxExpression}. */
final class SpdxParser {
    /** The shipped SPDX lists. */
    static final class Lists {
        private Lists() {}

        static final Map<String, String> LICENSES = load("spdx-licenses.txt");
        static final Map<String, String> EXCEPTIONS = load("spdx-exceptions.txt");

        private static Map<String, String> load(String name) {
            Map<String, String> m = new HashMap<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    SpdxExpression.class.getResourceAsStream(name), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank() || line.startsWith("#")) continue;
                    String id = line.split(" ")[0];
                    m.put(id.toLowerCase(Locale.ROOT), id);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.copyOf(m);
        }
    }

    /** Recursive-descent parser: or := and ("OR" and)*; and := unit ("AND" unit)*; unit := "(" or ")" | lic ["WITH" exc]. */
    static final class Grammar {
        private final String text;
        private final boolean lenient;
        private final List<String> tokens = new ArrayList<>();
        private int pos;

        Grammar(String text, boolean lenient) {
            this.text = text;
            this.lenient = lenient;
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) { i++; continue; }
                if (c == '(' || c == ')') { tokens.add(String.valueOf(c)); i++; continue; }
                int j = i;
                while (j < text.length() && !Character.isWhitespace(text.charAt(j)) && text.charAt(j) != '(' && text.charAt(j) != ')') j++;
                tokens.add(text.substring(i, j));
                i = j;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("SPDX expression " + ByteLevel.quote(text) + ": " + what);
        }

        SpdxExpression parseAll() {
            if (tokens.isEmpty()) throw error("empty");
            SpdxExpression e = or();
            if (pos < tokens.size()) throw error("unexpected " + ByteLevel.quote(tokens.get(pos)));
            return e;
        }

        private boolean at(String keyword) {
            return pos < tokens.size() && tokens.get(pos).equals(keyword);
        }

        private SpdxExpression or() {
            SpdxExpression e = and();
            while (at("OR")) { pos++; e = new Or(e, and()); }
            return e;
        }

        private SpdxExpression and() {
            SpdxExpression e = unit();
            while (at("AND")) { pos++; e = new And(e, unit()); }
            return e;
        }

        private SpdxExpression unit() {
            if (pos >= tokens.size()) throw error("ends too early");
            String t = tokens.get(pos++);
            if (t.equals("(")) {
                SpdxExpression e = or();
                if (!at(")")) throw error("missing )");
                pos++;
                return e;
            }
            if (t.equals(")") || t.equals("AND") || t.equals("OR") || t.equals("WITH")) throw error("unexpected " + ByteLevel.quote(t));
            License lic = license(t);
            if (at("WITH")) {
                pos++;
                if (pos >= tokens.size()) throw error("WITH needs an exception identifier");
                String exc = tokens.get(pos++);
                String canon = Lists.EXCEPTIONS.get(exc.toLowerCase(Locale.ROOT));
                if (canon == null && !lenient) throw error("unknown SPDX exception identifier " + ByteLevel.quote(exc));
                return new With(lic, canon == null ? exc : canon);
            }
            return lic;
        }

        private License license(String t) {
            boolean orLater = t.endsWith("+");
            String id = orLater ? t.substring(0, t.length() - 1) : t;
            if (!id.matches("[A-Za-z0-9.\\-]+(:[A-Za-z0-9.\\-]+)?")) throw error("malformed identifier " + ByteLevel.quote(t));
            if (id.startsWith("LicenseRef-") || (id.startsWith("DocumentRef-") && id.contains(":LicenseRef-"))) {
                return new License(id, orLater, true);
            }
            String canon = Lists.LICENSES.get(id.toLowerCase(Locale.ROOT));
            if (canon == null) {
                if (!lenient) throw error("unknown SPDX identifier " + ByteLevel.quote(id));
                return new License(id, orLater, false);
            }
            return new License(canon, orLater, true);
        }
    }

    private final Grammar grammar;

    SpdxParser(String text, boolean lenient) {
        grammar = new Grammar(text, lenient);
    }

    SpdxExpression parseAll() {
        return grammar.parseAll();
    }
}
