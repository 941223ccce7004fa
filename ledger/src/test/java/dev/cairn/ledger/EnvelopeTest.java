package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final String COMMUNITY = "ab".repeat(32);

    static Statement statement(SigningKey k, String text) {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("text", text);
        return Statement.of("https://cairn.dev/test/v1", p, COMMUNITY, k.identity(),
                Subject.sha256("doc", MerkleTree.sha256(text.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void paeMatchesTheDsseSpec() {
        // The DSSE protocol's worked example: PAE("http://example.com/HelloWorld", "hello world").
        assertEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world",
                new String(Envelope.pae("http://example.com/HelloWorld", "hello world".getBytes()), StandardCharsets.UTF_8));
    }

    @Test
    void signParseVerifyRoundTrip() {
        SigningKey k = SigningKey.generate();
        Statement st = statement(k, "hello");
        Envelope env = Envelope.sign(st, k);
        Envelope back = Envelope.parse(env.toJson());
        assertEquals(env, back);
        assertArrayEquals(env.toJson(), back.toJson());
        Envelope.Verified v = back.verify();
        assertEquals(st, v.statement());
        assertEquals(List.of(k.identity()), v.signers());
        assertEquals(COMMUNITY, v.statement().communityId().orElseThrow());
        v.statement().requireCommunity(COMMUNITY);
        var e = assertThrows(LedgerException.class, () -> v.statement().requireCommunity("cd".repeat(32)));
        assertTrue(e.getMessage().contains("belongs to community"));
    }

    @Test
    void envelopeJsonIsCanonical() {
        SigningKey k = SigningKey.generate();
        Envelope env = Envelope.sign("text/x-\u00e9\"\n\u0001", "payload \u20ac".getBytes(StandardCharsets.UTF_8), k, SigningKey.generate());
        byte[] json = env.toJson();
        assertArrayEquals(CanonicalJson.canonicalize(json), json);
        assertEquals(env, Envelope.parse(json));
    }

    @Test
    void rejectsForgedAndMalformedSignatures() {
        SigningKey k = SigningKey.generate(), mallory = SigningKey.generate();
        Envelope env = Envelope.sign(statement(k, "hello"), k);
        // Payload altered after signing.
        Envelope altered = new Envelope(env.payloadType(), statement(k, "goodbye").canonicalBytes(), env.signatures());
        assertMessage(altered, "does not verify");
        // Signed by another key than the one the statement names.
        Envelope forged = Envelope.sign(statement(k, "hello"), mallory);
        assertMessage(forged, "unknown keyid");
        // Forged signature bytes under the right keyid.
        byte[] sig = env.signatures().getFirst().sig();
        sig[10] ^= 0x40;
        assertMessage(new Envelope(env.payloadType(), env.payload(), List.of(new Envelope.Signature(k.identity().keyId(), sig))),
                "does not verify");
        // Truncated signature, no signature.
        assertMessage(new Envelope(env.payloadType(), env.payload(),
                List.of(new Envelope.Signature(k.identity().keyId(), new byte[12]))), "malformed signature");
        assertMessage(new Envelope(env.payloadType(), env.payload(), List.of()), "no signatures");
        // Bad base64 in the JSON.
        String json = new String(env.toJson(), StandardCharsets.UTF_8);
        String bad = json.replaceFirst("\"sig\":\"[^\"]*\"", "\"sig\":\"!!notbase64\"");
        var e = assertThrows(LedgerException.class, () -> Envelope.parse(bad.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("base64"), e.getMessage());
    }

    @Test
    void rejectsUnknownTypes() {
        SigningKey k = SigningKey.generate();
        Statement st = statement(k, "hello");
        assertMessage(Envelope.sign("application/json", st.canonicalBytes(), k), "unknown payloadType");
        ObjectNode n = st.toJsonNode();
        n.put("_type", "https://in-toto.io/Statement/v0.1");
        assertMessage(Envelope.sign(Envelope.PAYLOAD_TYPE, CanonicalJson.canonicalize(n), k), "unknown statement _type");
        assertMessage(Envelope.sign(Envelope.PAYLOAD_TYPE, "not json".getBytes(), k), "malformed JSON");
        byte[] spaced = new String(st.canonicalBytes(), StandardCharsets.UTF_8).replace(",", ", ").getBytes(StandardCharsets.UTF_8);
        assertMessage(Envelope.sign(Envelope.PAYLOAD_TYPE, spaced, k), "canonical");
        byte[] b64 = Base64.getEncoder().encode("x".getBytes());
        assertNotNull(b64);
    }

    static void assertMessage(Envelope env, String want) {
        var e = assertThrows(LedgerException.class, env::verify);
        assertTrue(e.getMessage().contains(want), "message \"" + e.getMessage() + "\" lacks \"" + want + "\"");
    }
}
