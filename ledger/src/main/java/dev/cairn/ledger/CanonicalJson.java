package dev.cairn.ledger;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme: members sorted by UTF-16 code units, no whitespace, strings escaped
 * as ECMAScript's {@code JSON.stringify} does, numbers as ECMAScript's {@code Number.prototype.toString}, UTF-8.
 * Everything Cairn hashes or signs goes through here, so two implementations agree byte for byte.
 *
 * <p>Written here rather than taken from a library: the maintained candidates parse JSON themselves and would
 * add a second parser; this one reuses Jackson's tree. Numbers are IEEE doubles as I-JSON requires; an integer
 * that a double cannot hold exactly (beyond 2^53) is refused instead of silently rounded, because a signed
 * value must mean what its signer wrote. Duplicate member names and lone surrogates are refused too.
 */
public final class CanonicalJson {
    /** A strict parser: duplicate names and trailing data are errors. */
    public static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private CanonicalJson() {}

    /** Parses JSON strictly; the message names the problem and its position. */
    public static JsonNode parse(byte[] json) {
        try {
            JsonNode n = STRICT.readTree(json);
            if (n == null || n.isMissingNode()) throw new LedgerException("empty JSON document");
            return n;
        } catch (JsonProcessingException e) { // the parser quotes input: keep the message one short line
            throw new LedgerException("malformed JSON: " + Hex.oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new LedgerException("unreadable JSON: " + Hex.oneLine(e.getMessage()), e);
        }
    }

    /** Canonical UTF-8 bytes of a JSON text. */
    public static byte[] canonicalize(byte[] json) {
        return canonicalize(parse(json));
    }

    /** Canonical UTF-8 bytes of a JSON tree. */
    public static byte[] canonicalize(JsonNode node) {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Canonical text of a JSON tree. */
    public static String canonicalString(JsonNode node) {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString();
    }

    private static void write(JsonNode n, StringBuilder sb) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(n.size());
                n.properties().forEach(members::add);
                members.sort(Map.Entry.comparingByKey()); // String.compareTo compares UTF-16 code units
                sb.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) sb.append(',');
                    writeString(members.get(i).getKey(), sb);
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
            case STRING -> writeString(n.textValue(), sb);
            case NUMBER -> sb.append(number(n));
            case BOOLEAN -> sb.append(n.booleanValue());
            case NULL -> sb.append("null");
            default -> throw new LedgerException("cannot canonicalise a JSON " + n.getNodeType() + " value");
        }
    }

    private static String number(JsonNode n) {
        double d;
        if (n.isIntegralNumber()) {
            BigInteger v = n.bigIntegerValue();
            d = v.doubleValue();
            if (!new BigDecimal(d).toBigIntegerExact().equals(v)) {
                throw new LedgerException("integer " + v + " cannot be represented exactly as an IEEE double;"
                        + " write it as a string");
            }
        } else {
            d = n.doubleValue();
        }
        return formatDouble(d);
    }

    /** ECMAScript Number::toString(d) (ECMA-262 §6.1.6.1.20) as RFC 8785 §3.2.2.3 requires. */
    public static String formatDouble(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new LedgerException("NaN and Infinity have no JSON representation");
        }
        if (d == 0) return "0"; // also -0
        String sign = d < 0 ? "-" : "";
        double x = Math.abs(d);
        // Java (since JDK 19) prints the shortest decimal that rounds to x, except that where one digit would
        // do it may prefer a closer two-digit decimal (4.9E-324 for 5e-324): ECMAScript wants the shortest.
        BigDecimal dec = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        if (dec.precision() == 2) {
            BigDecimal one = shortestOneDigit(x, dec);
            if (one != null) dec = one;
        }
        String s = dec.unscaledValue().toString(); // the digits, k of them
        int k = s.length();
        int n = k - dec.scale(); // x = s × 10^(n−k)
        StringBuilder out = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            out.append(s).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(s, 0, n).append('.').append(s, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(s);
        } else {
            out.append(s.charAt(0));
            if (k > 1) out.append('.').append(s, 1, k);
            int e = n - 1;
            out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return out.toString();
    }

    private static BigDecimal shortestOneDigit(double x, BigDecimal twoDigits) {
        int scale = twoDigits.scale() - 1; // one digit at the tens place of the two-digit form
        BigDecimal best = null;
        BigDecimal exact = new BigDecimal(x);
        for (BigDecimal c : new BigDecimal[] {
                twoDigits.setScale(scale, java.math.RoundingMode.FLOOR),
                twoDigits.setScale(scale, java.math.RoundingMode.CEILING)}) {
            if (c.signum() == 0 || Double.parseDouble(c.toString()) != x) continue;
            if (best == null || c.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0) best = c;
        }
        return best == null ? null : best.stripTrailingZeros();
    }

    static void writeString(String s, StringBuilder sb) {
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
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new LedgerException("string contains a lone surrogate U+"
                                + Integer.toHexString(c).toUpperCase() + " at " + i + "; it has no UTF-8 form");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
