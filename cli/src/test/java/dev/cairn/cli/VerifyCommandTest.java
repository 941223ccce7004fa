package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cairn verify and cairn run on the command line: verdicts, exit codes and the one-line errors. */
class VerifyCommandTest {
    @TempDir static Path dir;
    static Path run;

    @BeforeAll
    static void trainARun() throws Exception {
        Path data = dir.resolve("shakespeare.txt");
        try (var in = VerifyCommandTest.class.getResourceAsStream(DemoCommand.SAMPLE_RESOURCE)) {
            Files.write(data, java.util.Arrays.copyOf(in.readAllBytes(), 20_000));
        }
        run = dir.resolve("run");
        TrainCommandTest.Result r = TrainCommandTest.cairn(TrainCommandTest.args("train", "--data", data.toString(),
                "--out", run.toString(), "--threads", "2", "--state-digest-every", "3"));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void anHonestRunVerifiesOnOtherExecutionSettings() throws Exception {
        TrainCommandTest.Result full = TrainCommandTest.cairn("verify", run.toString(), "--full", "--threads", "1", "--kernels", "scalar", "--json");
        assertEquals(0, full.code(), full.out() + full.err());
        JsonNode j = full.json();
        assertTrue(j.get("ok").asBoolean());
        assertEquals("full", j.get("mode").asText());
        assertEquals(4, j.get("checked_steps").asInt());
        assertTrue(j.get("first_bad_step").isNull());
        TrainCommandTest.Result spot = TrainCommandTest.cairn("verify", run.toString(), "--spot-check", "2", "--segment", "2", "--json");
        assertEquals(0, spot.code(), spot.out() + spot.err());
        assertEquals("spot-check", spot.json().get("mode").asText());
    }

    @Test
    void aTamperedCheckpointFailsWithExitOneAndNamesIt(@TempDir Path copy) throws Exception {
        Path r = copy.resolve("run");
        try (var files = Files.walk(run)) {
            for (Path p : files.toList()) {
                Path t = r.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        Path ckpt = r.resolve("checkpoints/step-00000002.ckpt");
        byte[] b = Files.readAllBytes(ckpt);
        b[b.length / 2] ^= 4;
        Files.write(ckpt, b);
        TrainCommandTest.Result v = TrainCommandTest.cairn("verify", r.toString(), "--full", "--json");
        assertEquals(1, v.code(), v.out() + v.err());
        assertFalse(v.json().get("ok").asBoolean());
        assertTrue(v.out().contains("step-00000002.ckpt"), v.out());
    }

    @Test
    void badInputGetsAOneLineErrorAndExitTwo() {
        TrainCommandTest.Result missing = TrainCommandTest.cairn("verify", dir.resolve("nope").toString(), "--full");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("run directory not found"), missing.err());
        TrainCommandTest.Result noMode = TrainCommandTest.cairn("verify", run.toString());
        assertNotEquals(0, noMode.code());
        TrainCommandTest.Result badQ = TrainCommandTest.cairn("verify", run.toString(), "--spot-check", "0");
        assertEquals(2, badQ.code());
        assertTrue(badQ.err().contains("--spot-check"), badQ.err());
    }

    @Test
    void runStartRefusesWithoutAnExecutedProposal() throws Exception {
        Path home = dir.resolve("home");
        TrainCommandTest.Result noCommunity = TrainCommandTest.cairn("run", "start", "1", "--key", "alice", "--recipe",
                dir.resolve("missing-recipe.json").toString(), "--home", home.toString());
        assertNotEquals(0, noCommunity.code());
        assertEquals(1, noCommunity.err().strip().lines().count(), noCommunity.err());
    }
}
