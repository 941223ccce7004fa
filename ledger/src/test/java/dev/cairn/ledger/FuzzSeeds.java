package dev.cairn.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * Writes the valid inputs the ledger's fuzz targets start from (Jazzer reads
 * {@code src/test/resources/dev/cairn/ledger/<Target>Inputs/<method>/}). Run from the module directory:
 * {@code java -cp target/test-classes:target/classes:<deps> dev.cairn.ledger.FuzzSeeds} (see bin/fuzz --seeds).
 */
public final class FuzzSeeds {
    private FuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path res = Path.of(args.length > 0 ? args[0] : "src/test/resources/dev/cairn/ledger");
        SigningKey key = SignedNoteFuzzTest.KEY;
        Envelope env = LogFileFuzzTest.envelope(0);
        write(res, "EnvelopeFuzzTest", "envelope", "seed-signed", env.toJson());
        write(res, "StatementFuzzTest", "statement", "seed-statement", Statement.parse(env.payload()).canonicalBytes());
        String note = new Checkpoint(SignedNoteFuzzTest.ORIGIN, 2, MerkleTree.sha256(new byte[] {1})).sign(key);
        write(res, "SignedNoteFuzzTest", "signedNote", "seed-checkpoint", note.getBytes(StandardCharsets.UTF_8));
        Path tmp = Files.createTempDirectory("cairn-seeds");
        try (TransparencyLog log = TransparencyLog.create(tmp.resolve("log"), SignedNoteFuzzTest.ORIGIN, key, InstantSource.system())) {
            log.append(LogFileFuzzTest.envelope(0));
            log.append(LogFileFuzzTest.envelope(1));
        }
        write(res, "LogFileFuzzTest", "logFile", "seed-two-entries", Files.readAllBytes(tmp.resolve("log").resolve("entries.bin")));
        Leftovers.delete(tmp);
    }

    static void write(Path res, String target, String method, String name, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(res.resolve(target + "Inputs").resolve(method));
        Files.write(d.resolve(name), bytes);
    }
}
