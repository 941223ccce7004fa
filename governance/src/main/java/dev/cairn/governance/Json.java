package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/** Strict readers for the JSON of statements: each failure names the field by its dotted path. */
final class Json {
    private Json() {}

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) throw new IllegalArgumentException(path + field + ": must be an object");
        return n;
    }

    static String text(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException(path + field + ": must be a string");
        return n.textValue();
    }

    static String optText(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return "";
        if (!n.isTextual()) throw new IllegalArgumentException(path + field + ": must be a string");
        return n.textValue();
    }

    static String digest(JsonNode parent, String field, String path) {
        String s = text(parent, field, path);
        if (!Digests.isDigest(s)) throw new IllegalArgumentException(path + field + ": must be 64 lower-case hex digits (SHA-256)");
        return s;
    }

    static String key(JsonNode parent, String field, String path) {
        String s = text(parent, field, path);
        if (!s.matches("[0-9a-f]{64}")) throw new IllegalArgumentException(path + field + ": must be a raw Ed25519 public key in lower-case hex");
        return s;
    }

    static long integer(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(path + field + ": must be an integer");
        }
        return n.longValue();
    }

    /** A positive finite number, or null when the field is absent. */
    static Double optPositive(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null) return null;
        if (!n.isNumber() || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException(path + field + ": must be a positive number, got " + n);
        }
        return n.doubleValue();
    }

    static JsonNode array(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray()) throw new IllegalArgumentException(path + field + ": must be an array");
        return n;
    }

    static void onlyFields(JsonNode n, String path, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) throw new IllegalArgumentException(path + f + ": unknown field");
        }
    }
}
