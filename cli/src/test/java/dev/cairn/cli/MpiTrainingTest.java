package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.training.Checkpoint;
import dev.cairn.training.TrainingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training under a real mpirun (Open MPI): the same state digest on 1, 2 and 4 processes (4
 * oversubscribed on two cores) and 1 or 2 threads; a rank killed mid-run ends the job naming it, and the run
 * resumes on another process count with the same bits; bad launches fail on every rank with one line. Skipped
 * where mpirun is missing, except on CI (CI=true), where that is a failure.
 */
class MpiTrainingTest {
    static Path data;
    static final String[] RECIPE = {"--layers", "2", "--heads", "2", "--embd", "32", "--ctx", "16", "--batch", "8",
            "--micro-batches", "4", "--eval-every", "0", "--lr", "3e-3", "--warmup", "2"};

    @BeforeAll
    static void needMpirun(@TempDir Path tmp) throws Exception {
        boolean have;
        try {
            Process p = new ProcessBuilder("mpirun", "--version").redirectErrorStream(true).start();
            have = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            have = false;
        }
        if (!have && "true".equals(System.getenv("CI"))) fail("mpirun (Open MPI) is missing on CI: install openmpi-bin libopenmpi-dev");
        Assumptions.assumeTrue(have, "mpirun not found: install openmpi-bin libopenmpi-dev to run the MPI tests");
        data = tmp.resolve("tiny.txt");
        StringBuilder sb = new StringBuilder();
        String[] w = {"the", "king", "and", "queen", "of", "a", "fair", "night", "my", "lord", "speak", "no", "more"};
        for (int i = 0; i < 4000; i++) sb.append(w[(i * 7 + i / 13) % w.length]).append(i % 11 == 0 ? ".\n" : " ");
        Files.writeString(data, sb.toString());
    }

    /** mpirun -np N java ... dev.cairn.cli.Main ARGS, on this test's class path. */
    static Process mpirun(int np, Path log, List<String> extraEnv, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "--oversubscribe", "-np", String.valueOf(np)));
        if ("root".equals(System.getProperty("user.name"))) cmd.add(1, "--allow-run-as-root");
        for (String e : extraEnv) { cmd.add("-x"); cmd.add(e); }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss8m", "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.cairn.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CI"); // no difference to training; keeps mpirun's own output plain
        return pb.start();
    }

    record Result(int code, String output) {}

    static Result run(int np, Path log, String... args) throws Exception {
        Process p = mpirun(np, log, List.of(), args);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "mpirun finished");
        return new Result(p.exitValue(), Files.readString(log));
    }

    static String digestOf(String output) throws Exception {
        String last = output.lines().filter(l -> l.startsWith("{\"state_sha256\"")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(output));
        return new ObjectMapper().readTree(last).get("state_sha256").asText();
    }

    static String[] train(Path out, int steps, int threads, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(), "--steps", String.valueOf(steps),
                "--threads", String.valueOf(threads), "--json"));
        a.addAll(List.of(RECIPE));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static Result inProcess(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Cairn.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new Result(code, o + "\n" + e);
    }

    @Test
    void oneTwoAndFourProcessesGiveTheBitsOfOne(@TempDir Path tmp) throws Exception {
        Result single = inProcess(train(tmp.resolve("p1"), 6, 2));
        assertEquals(0, single.code(), single.output());
        String ref = digestOf(single.output());
        for (int[] pt : new int[][] {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {4, 1}, {4, 2}}) {
            Path out = tmp.resolve("p" + pt[0] + "t" + pt[1]);
            Result r = run(pt[0], tmp.resolve(out.getFileName() + ".log"), train(out, 6, pt[1]));
            assertEquals(0, r.code(), r.output());
            assertEquals(ref, digestOf(r.output()), pt[0] + " processes x " + pt[1] + " threads");
            assertEquals(1, r.output().lines().filter(l -> l.startsWith("{\"state_sha256\"")).count(), "only rank 0 reports");
            JsonNode compute = new ObjectMapper().readTree(out.resolve("run-finished.json").toFile()).get("compute");
            assertEquals(pt[0], compute.get("processes").asInt());
            assertEquals(pt[0], compute.get("cpu_seconds_by_rank").size());
            // ZeRO-1: each rank holds 1/P of the AdamW moments (shards are whole 8192-element chunks)
            long params = compute.get("parameter_bytes_per_rank").asLong(), opt = compute.get("optimizer_state_bytes_per_rank").asLong();
            assertTrue(opt <= 2 * params / pt[0] + 8L * 8192, pt[0] + " processes: optimizer state " + opt + " of " + 2 * params);
            if (pt[0] > 1) assertTrue(r.output().contains("memory per rank: parameters"), r.output());
        }
        // The 4-process run verifies on one process.
        Result v = inProcess("verify", tmp.resolve("p4t1").toString(), "--full", "--threads", "2");
        assertEquals(0, v.code(), v.output());
    }

    @Test
    void aKilledRankEndsTheJobAndTheRunResumesOnAnotherProcessCount(@TempDir Path tmp) throws Exception {
        int steps = 160;
        Result whole = inProcess(train(tmp.resolve("whole"), steps, 2, "--checkpoint-every", "10"));
        assertEquals(0, whole.code(), whole.output());
        Path out = tmp.resolve("killed");
        Process job = mpirun(2, tmp.resolve("killed.log"), List.of(), train(out, steps, 1, "--checkpoint-every", "10"));
        Path ckpt = out.resolve("checkpoints").resolve("step-00000010.ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(ckpt) && job.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(job.isAlive(), "still training at step 10");
        ProcessHandle rank1 = rankProcess(job, 1);
        new ProcessBuilder("kill", "-KILL", String.valueOf(rank1.pid())).start().waitFor();
        long killed = System.nanoTime();
        assertTrue(job.waitFor(30, TimeUnit.SECONDS), "the job ends within seconds of a rank's death");
        double took = (System.nanoTime() - killed) / 1e9;
        String log = Files.readString(tmp.resolve("killed.log"));
        System.out.println("killed rank 1; the job ended in " + took + " s:\n" + log);
        assertNotEquals(0, job.exitValue(), log);
        assertTrue(log.contains("rank 1"), "names the rank: " + log);
        assertTrue(took < 15, "ended in " + took + " s");
        for (Path c : TrainingRun.checkpointFiles(out)) Checkpoint.read(c); // every checkpoint on disk is whole
        // A corrupt checkpoint is refused on every rank, naming the file, and nothing is changed.
        Path copy = tmp.resolve("corrupt");
        new ProcessBuilder("cp", "-r", out.toString(), copy.toString()).start().waitFor();
        Path newest = TrainingRun.latestCheckpoint(copy);
        byte[] b = Files.readAllBytes(newest);
        b[b.length / 2] ^= 1;
        Files.write(newest, b);
        byte[] before = Files.readAllBytes(newest);
        Result corrupt = run(2, tmp.resolve("corrupt.log"), "train", "--resume", copy.toString(), "--threads", "1");
        assertNotEquals(0, corrupt.code(), corrupt.output());
        assertTrue(corrupt.output().contains("checkpoint " + newest + " is corrupt or truncated: its SHA-256 trailer does not match"), corrupt.output());
        assertArrayEquals(before, Files.readAllBytes(newest), "left as it was");
        Result resumed = run(4, tmp.resolve("resumed.log"), "train", "--resume", out.toString(), "--threads", "1", "--json");
        assertEquals(0, resumed.code(), resumed.output());
        assertEquals(digestOf(whole.output()), digestOf(resumed.output()), "resumed on 4 processes: the same bits");
    }

    /** The java process of the given rank among mpirun's descendants (its environment names the rank). */
    static ProcessHandle rankProcess(Process mpirun, int rank) throws Exception {
        for (int tries = 0; tries < 100; tries++) {
            for (ProcessHandle h : mpirun.descendants().toList()) {
                Path env = Path.of("/proc", String.valueOf(h.pid()), "environ");
                try {
                    String e = new String(Files.readAllBytes(env), StandardCharsets.UTF_8);
                    if (h.info().command().orElse("").endsWith("java") && e.contains("\0OMPI_COMM_WORLD_RANK=" + rank + "\0")) return h;
                } catch (IOException ignored) {
                    // gone, or not ours to read
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no process of rank " + rank);
    }

    @Test
    void badLaunchesFailOnEveryRankWithOneLine(@TempDir Path tmp) throws Exception {
        Result three = run(3, tmp.resolve("three.log"), train(tmp.resolve("three"), 4, 1));
        assertNotEquals(0, three.code());
        assertTrue(three.output().contains("the process count (3) must divide the micro-batch count M (4)"), three.output());
        assertFalse(Files.exists(tmp.resolve("three").resolve("run.json")), "nothing written");

        // MPMD: rank 1 gets another seed.
        List<String> cmd = new ArrayList<>(List.of(train(tmp.resolve("mixed"), 4, 1)));
        List<String> other = new ArrayList<>(cmd);
        other.addAll(List.of("--seed", "7"));
        List<String> all = new ArrayList<>(cmd);
        all.add(":");
        all.addAll(List.of("-np", "1"));
        all.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss8m", "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.cairn.cli.Main"));
        all.addAll(other);
        Result mixed = run(1, tmp.resolve("mixed.log"), all.toArray(String[]::new));
        assertNotEquals(0, mixed.code());
        assertTrue(mixed.output().contains("rank 1 was started with a different recipe seed than rank 0 (7 vs 1337)"), mixed.output());
        assertFalse(Files.exists(tmp.resolve("mixed").resolve("run.json")), "nothing written");

        Result verify = run(2, tmp.resolve("verify.log"), "verify", tmp.resolve("nowhere").toString(), "--full");
        assertNotEquals(0, verify.code());
        assertTrue(verify.output().contains("cairn verify: error: run directory not found: " + tmp.resolve("nowhere")), verify.output());
        Result recipe = run(2, tmp.resolve("recipe.log"), "run", "recipe", "--dataset", "x@1", "--tokenizer", "ab", "--out", tmp.resolve("r.json").toString());
        assertNotEquals(0, recipe.code());
        assertTrue(recipe.output().contains("only cairn train, run start and verify run on several MPI processes; run cairn run as one process (rank 1)"), recipe.output());

        Process p = mpirun(2, tmp.resolve("nolib.log"), List.of("CAIRN_MPI_LIB=/nonexistent/libmpi.so.40"), train(tmp.resolve("nolib"), 4, 1));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String nolib = Files.readString(tmp.resolve("nolib.log"));
        assertNotEquals(0, p.exitValue(), nolib);
        assertTrue(nolib.contains("cannot load /nonexistent/libmpi.so.40, the Open MPI library"), nolib);
    }

    @Test
    void governedRunsStartAndVerifyOnSeveralProcesses(@TempDir Path tmp) throws Exception {
        ComputeBudgetTest.Governed g = new ComputeBudgetTest.Governed(tmp.resolve("home"), "--micro-batches", "2");
        String home = g.h.home.toString();
        // A budget that stops the run at step 4: every rank stops there, rank 0 signs budget-exhausted once.
        int capped = g.approve("capped", String.format(java.util.Locale.ROOT, "max_flops = %.6e", 6.5 * g.flopsPerStep));
        Result stop = run(2, tmp.resolve("capped.log"), "run", "start", String.valueOf(capped), "--key", "alice", "--recipe", g.recipeFile.toString(),
                "--out", tmp.resolve("capped").toString(), "--threads", "1", "--home", home);
        assertNotEquals(0, stop.code(), stop.output());
        assertTrue(stop.output().contains("compute budget exhausted: stopped at step 4 of 12"), stop.output());
        Checkpoint.read(tmp.resolve("capped/checkpoints/step-00000004.ckpt"));
        String show = g.h.ok("proposal", "show", String.valueOf(capped)).out();
        assertTrue(show.contains("(budget-exhausted at step 4)"), show);

        int p = g.approve("mpi", "");
        Path out = tmp.resolve("mpi");
        Result started = run(2, tmp.resolve("start.log"), "run", "start", String.valueOf(p), "--key", "alice", "--recipe", g.recipeFile.toString(),
                "--out", out.toString(), "--threads", "1", "--home", home, "--json");
        assertEquals(0, started.code(), started.output());
        assertEquals(1, started.output().lines().filter(l -> l.startsWith("run " + out + " finished and committed")).count(), "rank 0 reports: " + started.output());
        assertTrue(started.output().contains("processes x 1 threads") || started.output().contains("2 processes"), started.output());
        assertEquals(1, statements(g.h.home, dev.cairn.training.GovernedRun.FINISHED), "one run-finished statement per job");
        assertEquals(1, statements(g.h.home, dev.cairn.training.GovernedRun.BUDGET_EXHAUSTED), "one budget-exhausted statement per job");

        // Verified on one process, and by a two-process job that signs one attestation.
        Result one = inProcess("verify", out.toString(), "--full", "--threads", "2", "--home", home);
        assertEquals(0, one.code(), one.output());
        assertTrue(one.output().contains("VERIFIED: "), one.output());
        Result two = run(2, tmp.resolve("verify.log"), "verify", out.toString(), "--full", "--threads", "1", "--home", home, "--key", "bob");
        assertEquals(0, two.code(), two.output());
        assertEquals(1, two.output().lines().filter(l -> l.startsWith("VERIFIED: ")).count(), two.output());
        assertEquals(1, two.output().lines().filter(l -> l.contains("attestation signed by bob")).count(), two.output());
        Result spot = run(2, tmp.resolve("spot.log"), "verify", out.toString(), "--spot-check", "2", "--segment", "4", "--threads", "1", "--home", home);
        assertEquals(0, spot.code(), spot.output());
        assertTrue(spot.output().contains("VERIFIED: "), spot.output());
    }

    static int statements(Path home, String type) {
        int[] n = {0};
        try (var log = new dev.cairn.ledger.LedgerHome(home).openLogReadOnly()) {
            log.replay((e, v) -> {
                if (type.equals(v.statement().predicateType())) n[0]++;
            });
        }
        return n[0];
    }

    @Test
    void onlyOpenMpi41And50AreAccepted() {
        dev.cairn.mpi.MpiRanks.checkVersion("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022");
        dev.cairn.mpi.MpiRanks.checkVersion("Open MPI v5.0.3, package: Open MPI Distribution");
        var e = assertThrows(IllegalStateException.class, () -> dev.cairn.mpi.MpiRanks.checkVersion("MPICH Version:\t4.0.2\nMPICH Release date: ..."));
        assertTrue(e.getMessage().startsWith("unsupported MPI library \"MPICH Version:"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> dev.cairn.mpi.MpiRanks.checkVersion("Open MPI v3.1.6, package: ..."));
    }

}
