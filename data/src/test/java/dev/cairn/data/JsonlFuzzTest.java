package dev.cairn.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Documents as {@code data add} reads them: the bytes as a .jsonl file, as a .jsonl.gz file (the gzip layer
 * fuzzed too) and as a .txt file, each document normalised and tagged as ingest does, under small limits.
 */
class JsonlFuzzTest {
    static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("cairn-fuzz-jsonl");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void documents(byte[] bytes) {
        for (String name : new String[] {"in.jsonl", "in.jsonl.gz", "in.txt"}) {
            FuzzRule.refusesCleanly(() -> {
                Path f = DIR.resolve(name);
                Files.write(f, bytes);
                new DocumentReader(4096).read(f, d -> {
                    String text = DocumentReader.normalize(d.text());
                    Taggers.quality(text);
                    Taggers.pii(text);
                    if (d.license() != null) SpdxExpression.parseLenient(d.license());
                });
            });
        }
    }
}
