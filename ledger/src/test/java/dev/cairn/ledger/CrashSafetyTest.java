package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process killed (SIGKILL) while appending leaves a log that reopens at its last complete entry. */
class CrashSafetyTest {
    @TempDir Path tmp;

    @Test
    void killedWriterLeavesAConsistentLog() throws Exception {
        SigningKey logKey = SigningKey.generate();
        Path dir = tmp.resolve("log");
        TransparencyLog.create(dir, "cairn.test/crash", logKey, InstantSource.system()).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int run = 0; run < 2; run++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CrashAppender.class.getName(), dir.toString(), Hex.encode(logKey.seed()))
                    .redirectErrorStream(true).start();
            long lastSize = -1;
            String lastRoot = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                int commits = 0;
                String line;
                while (commits < 3 + run && (line = r.readLine()) != null) {
                    if (!line.startsWith("committed ")) continue;
                    String[] f = line.split(" ");
                    lastSize = Long.parseLong(f[1]);
                    lastRoot = f[2];
                    commits++;
                }
                assertTrue(commits > 0, "the child appended nothing");
                // Let it get into the next batch, then kill it without warning.
                Thread.sleep(15 + 37L * run);
                p.destroyForcibly();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            }
            try (TransparencyLog log = TransparencyLog.open(dir, logKey, InstantSource.system())) {
                System.out.println("run " + run + ": acknowledged " + lastSize + ", reopened at " + log.size() + "; "
                        + log.recovery().orElse("no torn tail"));
                assertTrue(log.size() >= lastSize, "lost acknowledged entries: " + log.size() + " < " + lastSize);
                assertEquals(lastRoot, Hex.encode(log.root(lastSize)));
                if (log.size() > lastSize) assertTrue(log.proveConsistency(lastSize, log.size()).verify());
                long[] n = {0};
                log.replay((e, v) -> n[0]++);
                assertEquals(log.size(), n[0]);
            }
        }
    }
}
