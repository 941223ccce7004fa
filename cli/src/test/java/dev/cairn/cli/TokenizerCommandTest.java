package dev.cairn.cli;

import static dev.cairn.cli.DataCommandTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerCommandTest {
    @TempDir Path home;
    @TempDir Path in;

    @Test
    void trainStoresByDigestAndEncodes() throws Exception {
        Path f = in.resolve("s.txt");
        Files.writeString(f, dev.cairn.data.SampleCorpus.shakespeare().substring(0, 50_000));
        assertEquals(0, cairn("data", "add", f.toString(), "--dataset", "sh", "--license", "LicenseRef-PublicDomain", "--source", "https://example.org/s", "--home", home.toString()).code());
        DataCommandTest.Result r = cairn("tokenizer", "train", "--dataset", "sh@1", "--vocab", "400", "--home", home.toString());
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("tokenizer ([0-9a-f]{64}) \\(vocab 400").matcher(r.out());
        assertTrue(m.find(), r.out());
        String digest = m.group(1);
        assertTrue(Files.exists(home.resolve("tokenizers").resolve(digest).resolve("tokenizer.json")));
        DataCommandTest.Result again = cairn("tokenizer", "train", "--dataset", "sh", "--vocab", "400", "--home", home.toString());
        assertTrue(again.out().contains(digest), "deterministic: same dataset, same vocab, same digest");
        DataCommandTest.Result enc = cairn("tokenizer", "encode", "First Citizen", "--tokenizer", digest.substring(0, 12), "--home", home.toString());
        assertEquals(0, enc.code(), enc.err());
        assertTrue(enc.out().startsWith("["), enc.out());
    }
}
