package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 canonical JSON for the governance room's own documents (statements' predicates and the community
 * state), which hold only strings, integers, booleans, arrays and objects: members sorted by UTF-16 code units,
 * no whitespace, ECMAScript string escaping, UTF-8. Integers beyond ±2^53 are refused (I-JSON).
 */
final class Canonical {
    private static final long MAX_SAFE = (1L << 53) - 1;

    private Canonical() {}

    static byte[] bytes(JsonNode n) {
        StringBuilder sb = new StringBuilder(512);
        write(n, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String digest(JsonNode n) {
        return Digests.sha256Hex(bytes(n));
    }

    private static void write(JsonNode n, StringBuilder sb) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(n.size());
                n.properties().forEach(members::add);
                members.sort(Map.Entry.comparingByKey());
                sb.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) sb.append(',');
                    string(members.get(i).getKey(), sb);
                    sb.append(':');
                    write(members.get(i).getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(n.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> string(n.textValue(), sb);
            case NUMBER -> {
                if (!n.isIntegralNumber() || !n.canConvertToLong() || Math.abs(n.longValue()) > MAX_SAFE) {
                    throw new IllegalArgumentException("only integers within ±2^53 are canonical here, got " + n);
                }
                sb.append(n.longValue());
            }
            case BOOLEAN -> sb.append(n.booleanValue());
            case NULL -> sb.append("null");
            default -> throw new IllegalArgumentException("cannot canonicalise a JSON " + n.getNodeType());
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string contains a lone surrogate at index " + i);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
