package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyCommandTest {
    @TempDir Path home;

    record Result(int code, String out, String err) {}

    static Result cairn(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cairn.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void newAndShowAgree() throws Exception {
        Result made = cairn("key", "new", "alice", "--home", home.toString(), "--json");
        assertEquals(0, made.code, made.err);
        JsonNode m = new ObjectMapper().readTree(made.out);
        assertTrue(m.get("public_key").asText().matches("[0-9a-f]{64}"));
        assertTrue(m.get("key_id").asText().matches("[0-9a-f]{64}"));
        assertFalse(m.get("encrypted").asBoolean());
        Path priv = home.resolve("keys/alice.key");
        if (Files.getFileStore(priv).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        }
        Result shown = cairn("key", "show", "alice", "--home", home.toString(), "--json");
        assertEquals(0, shown.code, shown.err);
        JsonNode s = new ObjectMapper().readTree(shown.out);
        assertEquals(m.get("public_key"), s.get("public_key"));
        assertEquals(m.get("key_id"), s.get("key_id"));
        Result text = cairn("key", "show", "alice", "--home", home.toString());
        assertTrue(text.out.contains("key_id     " + m.get("key_id").asText()), text.out);
    }

    @Test
    void passphraseFileEncrypts() throws Exception {
        Path pass = home.resolve("pass.txt");
        Files.writeString(pass, "s3cret words\n");
        Result made = cairn("key", "new", "bob", "--passphrase-file", pass.toString(), "--home", home.toString(), "--json");
        assertEquals(0, made.code, made.err);
        assertTrue(new ObjectMapper().readTree(made.out).get("encrypted").asBoolean());
        JsonNode file = new ObjectMapper().readTree(home.resolve("keys/bob.key").toFile());
        assertEquals("scrypt", file.get("encryption").get("kdf").asText());
        assertEquals("aes-256-gcm", file.get("encryption").get("cipher").asText());
        Result shown = cairn("key", "show", "bob", "--home", home.toString(), "--json");
        assertTrue(new ObjectMapper().readTree(shown.out).get("encrypted").asBoolean(), shown.out);
    }

    @Test
    void errorsAreOneLineAndNonZero() {
        assertEquals(0, cairn("key", "new", "carol", "--home", home.toString()).code);
        Result again = cairn("key", "new", "carol", "--home", home.toString());
        assertNotEquals(0, again.code);
        assertTrue(again.err.startsWith("cairn key new: error: key carol already exists"), again.err);
        assertEquals(1, again.err.strip().lines().count());
        Result missing = cairn("key", "show", "nobody", "--home", home.toString());
        assertNotEquals(0, missing.code);
        assertTrue(missing.err.contains("no key named nobody"), missing.err);
        Result badName = cairn("key", "new", "../x", "--home", home.toString());
        assertNotEquals(0, badName.code);
        assertTrue(badName.err.contains("bad key name"), badName.err);
        Result noFile = cairn("key", "new", "dave", "--passphrase-file", home.resolve("none").toString(), "--home", home.toString());
        assertNotEquals(0, noFile.code);
        assertTrue(noFile.err.contains("does not exist"), noFile.err);
        assertFalse(Files.exists(home.resolve("keys/dave.key")));
    }
}
