package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8785's examples (§3.2.2, §3.2.3, Appendix B) and cyberphone/json-canonicalization's test data. */
class CanonicalJsonTest {
    static String canon(String json) {
        return new String(CanonicalJson.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void valuesExample() {
        String in = "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
                + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                + "  \"literals\": [null, true, false]\n}";
        assertEquals("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", canon(in));
    }

    @Test
    void sortsByUtf16CodeUnits() {
        String in = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
                + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
                + "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\",\"</script>\":\"Browser Challenge\"}";
        assertEquals("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\","
                + "\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", canon(in));
    }

    @Test
    void appendixBNumbers() {
        String[][] cases = {
                {"0000000000000000", "0"}, {"8000000000000000", "0"},
                {"0000000000000001", "5e-324"}, {"8000000000000001", "-5e-324"},
                {"7fefffffffffffff", "1.7976931348623157e+308"}, {"ffefffffffffffff", "-1.7976931348623157e+308"},
                {"4340000000000000", "9007199254740992"}, {"c340000000000000", "-9007199254740992"},
                {"4430000000000000", "295147905179352830000"},
                {"44b52d02c7e14af5", "9.999999999999997e+22"}, {"44b52d02c7e14af6", "1e+23"},
                {"44b52d02c7e14af7", "1.0000000000000001e+23"},
                {"444b1ae4d6e2ef4e", "999999999999999700000"}, {"444b1ae4d6e2ef4f", "999999999999999900000"},
                {"444b1ae4d6e2ef50", "1e+21"},
                {"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"}, {"3eb0c6f7a0b5ed8d", "0.000001"},
                {"41b3de4355555553", "333333333.3333332"}, {"41b3de4355555554", "333333333.33333325"},
                {"41b3de4355555555", "333333333.3333333"}, {"41b3de4355555556", "333333333.3333334"},
                {"41b3de4355555557", "333333333.33333343"},
                {"becbf647612f3696", "-0.0000033333333333333333"},
                {"43143ff3c1cb0959", "1424953923781206.2"}};
        for (String[] c : cases) {
            double d = Double.longBitsToDouble(Long.parseUnsignedLong(c[0], 16));
            assertEquals(c[1], CanonicalJson.formatDouble(d), c[0]);
        }
        assertThrows(LedgerException.class, () -> CanonicalJson.formatDouble(Double.NaN));
        assertThrows(LedgerException.class, () -> CanonicalJson.formatDouble(Double.POSITIVE_INFINITY));
    }

    @Test
    void integersAndRefusals() {
        assertEquals("[1,-7,9007199254740992,100]", canon("[1, -7, 9007199254740992, 1e2]"));
        var e = assertThrows(LedgerException.class, () -> canon("[9007199254740993]"));
        assertTrue(e.getMessage().contains("9007199254740993"), e.getMessage());
        e = assertThrows(LedgerException.class, () -> canon("{\"a\":1,\"a\":2}"));
        assertTrue(e.getMessage().contains("Duplicate"), e.getMessage());
        assertThrows(LedgerException.class, () -> canon("{\"a\":\"\\ud800\"}"));
        assertThrows(LedgerException.class, () -> canon("{\"a\":1} x"));
        assertEquals("{\"a\":{\"b\":[],\"c\":{}},\"z\":\"\\u001f\\t\u007f\"}",
                canon("{ \"z\" : \"\\u001F\\t\\u007f\", \"a\" : {\"c\":{}, \"b\":[ ]} }"));
    }
}
