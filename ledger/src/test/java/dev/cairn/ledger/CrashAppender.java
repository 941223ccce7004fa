package dev.cairn.ledger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link CrashSafetyTest}: appends batches to a log forever, printing
 * "committed SIZE ROOTHEX" after each durable batch, until it is killed.
 */
public final class CrashAppender {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        SigningKey logKey = SigningKey.fromSeed(Hex.decode(args[1]));
        SigningKey member = SigningKey.generate();
        try (TransparencyLog log = TransparencyLog.open(dir, logKey, InstantSource.system())) {
            for (int round = 0; ; round++) {
                List<Envelope> batch = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    var p = JsonNodeFactory.instance.objectNode().put("round", round).put("i", i).put("pad", "x".repeat(300));
                    batch.add(Envelope.sign(Statement.of("https://cairn.dev/test/v1", p, "ab".repeat(32), member.identity(),
                            Subject.sha256("r", MerkleTree.sha256(new byte[] {(byte) round, (byte) i}))), member));
                }
                log.appendAll(batch);
                System.out.println("committed " + log.size() + " " + Hex.encode(log.root()));
                System.out.flush();
            }
        }
    }
}
