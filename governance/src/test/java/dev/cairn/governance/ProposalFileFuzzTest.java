package dev.cairn.governance;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Proposal files ({@code cairn propose KIND --file F}): the first byte picks the kind, the rest is the TOML. */
class ProposalFileFuzzTest {
    static final Path DIR;
    static final Charter CURRENT;

    static {
        try {
            DIR = Files.createTempDirectory("cairn-fuzz-proposal");
            DIR.toFile().deleteOnExit();
            Path charter = Path.of("../examples/charters/lab-coalition.toml");
            Files.copy(charter, DIR.resolve("new.toml"));
            CURRENT = Charter.read(charter, CharterFuzzTest.KEYS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void proposal(byte[] input) {
        if (input.length == 0) return;
        List<String> kinds = ProposalFile.kinds();
        String kind = kinds.get(Byte.toUnsignedInt(input[0]) % kinds.size());
        FuzzRule.refusesCleanly(() -> {
            Path f = DIR.resolve("proposal.toml");
            Files.write(f, java.util.Arrays.copyOfRange(input, 1, input.length));
            Motion m = ProposalFile.read(f, kind, CharterFuzzTest.KEYS, CURRENT);
            m.toJson();
        });
    }
}
