package dev.cairn.cli;

import static dev.cairn.cli.KeyCommand.JSON;
import static dev.cairn.cli.KeyCommand.fail;
import static dev.cairn.cli.KeyCommand.printJson;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The ledger figures of issue 4, measured on real envelopes in a real log directory: append (sign, verify,
 * store durably in batches), replay with signature verification, inclusion proof time in a large log, and
 * storage overhead. Each figure prints beside its target.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Measure the ledger: append and replay rates, inclusion proof time, storage overhead.")
public final class BenchLedgerCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--entries", defaultValue = "50000", description = "Envelopes to sign and append (default 50000).") int entries;
    @Option(names = "--batch", defaultValue = "1000", description = "Entries per durable batch (default 1000).") int batch;
    @Option(names = "--proof-log-size", defaultValue = "1000000",
            description = "Entries in the log used to time inclusion proofs (default 1000000).") int proofLogSize;
    @Option(names = "--proofs", defaultValue = "10000", description = "Inclusion proofs to time (default 10000).") int proofs;
    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch directory (default: a temporary one, removed after).") Path dir;
    @Option(names = "--json", description = "Print JSON.") boolean json;

    static final double APPEND_TARGET = 5_000, REPLAY_TARGET = 15_000, PROOF_TARGET_MS = 1.0, STORAGE_TARGET = 1.5;

    @Override
    public Integer call() {
        Path scratch = null;
        try {
            if (entries < 1 || batch < 1 || proofLogSize < 1 || proofs < 1) throw new LedgerException("counts must be positive");
            scratch = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("cairn-bench-ledger");
            PrintWriter out = spec.commandLine().getOut();
            ArrayNode figures = JSON.createArrayNode();
            SigningKey logKey = SigningKey.generate();
            SigningKey[] members = IntStream.range(0, 16).mapToObj(i -> SigningKey.generate()).toArray(SigningKey[]::new);
            String community = "c0".repeat(32);

            // 1. Append: each entry is built, canonicalised and signed, then the log verifies and stores it.
            warmUp(members[0], community, scratch.resolve("warmup"), logKey);
            long envelopeBytes = 0;
            double cpu0 = cpuSeconds();
            long t0 = System.nanoTime();
            try (TransparencyLog log = TransparencyLog.create(scratch.resolve("append"), "cairn.bench/ledger", logKey,
                    InstantSource.system())) {
                for (int start = 0; start < entries; start += batch) {
                    int n = Math.min(batch, entries - start);
                    int base = start;
                    List<Envelope> envs = IntStream.range(0, n).parallel()
                            .mapToObj(i -> vote(members[(base + i) % members.length], community, base + i)).toList();
                    log.appendAll(envs);
                }
                // entries.bin = 8-byte magic + per entry (16 bytes of framing + the envelope's bytes)
                envelopeBytes = log.storageBytes() - 8 - 16L * log.size();
            }
            double appendSecs = (System.nanoTime() - t0) / 1e9;
            double appendCpu = cpuSeconds() - cpu0;
            double appendRate = entries / appendSecs;
            figures.add(figure("append (sign, verify, store durably; batches of " + batch + ")", appendRate, "entries/s",
                    APPEND_TARGET, appendRate >= APPEND_TARGET));
            figures.add(info("  append: process CPU per entry (all threads, JIT and GC included)", appendCpu / entries * 1e6, "us"));

            // 2. Replay: open (checks every byte against the signed checkpoint), verify all signatures in parallel,
            //    apply effects in log order.
            double cpu1 = cpuSeconds();
            long t1 = System.nanoTime();
            long[] seen = {0, -1};
            long storage;
            try (TransparencyLog log = TransparencyLog.openReadOnly(scratch.resolve("append"), logKey.identity())) {
                log.replay((e, v) -> {
                    if (e.index() != seen[1] + 1) throw new IllegalStateException("replay out of order at " + e.index());
                    seen[1] = e.index();
                    seen[0]++;
                });
                storage = dirSize(scratch.resolve("append"));
            }
            double replaySecs = (System.nanoTime() - t1) / 1e9;
            double replayCpu = cpuSeconds() - cpu1;
            double replayRate = seen[0] / replaySecs;
            figures.add(figure("replay with signature verification (open + verify + in-order effects)", replayRate,
                    "entries/s", REPLAY_TARGET, replayRate >= REPLAY_TARGET));
            figures.add(info("  replay: process CPU per entry (all threads, JIT and GC included)", replayCpu / seen[0] * 1e6, "us"));

            double ratio = (double) storage / envelopeBytes;
            figures.add(figure("storage / envelope bytes (" + storage + " / " + envelopeBytes + ")", ratio, "x",
                    STORAGE_TARGET, ratio <= STORAGE_TARGET));

            // 3. Inclusion proofs in a large log: real signed envelopes (a pool, reused) stored and reopened.
            double proofMs = proofTime(scratch.resolve("proofs"), logKey, members, community, figures);
            figures.add(figure("inclusion proof in a " + proofLogSize + "-entry log (mean of " + proofs + ")", proofMs,
                    "ms", PROOF_TARGET_MS, proofMs <= PROOF_TARGET_MS));

            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("cores", Runtime.getRuntime().availableProcessors());
                n.put("entries", entries);
                n.set("figures", figures);
                printJson(spec, n);
            } else {
                out.println("ledger benchmark on " + Runtime.getRuntime().availableProcessors() + " cores");
                for (var f : figures) {
                    if (!f.has("target")) {
                        out.printf("  %-80s %12.3f %s%n", f.get("name").asText(), f.get("value").asDouble(), f.get("unit").asText());
                        continue;
                    }
                    boolean min = !f.get("unit").asText().equals("ms") && !f.get("unit").asText().equals("x");
                    out.printf("  %-80s %12.3f %-9s target %s %s  %s%n", f.get("name").asText(), f.get("value").asDouble(),
                            f.get("unit").asText(), min ? ">=" : "<=", fmt(f.get("target").asDouble()),
                            f.get("pass").asBoolean() ? "PASS" : "FAIL");
                }
            }
            spec.commandLine().getOut().flush();
            return 0;
        } catch (LedgerException | IllegalStateException e) {
            return fail(spec, e);
        } catch (IOException e) {
            return fail(spec, new LedgerException("benchmark I/O failed: " + e.getMessage(), e));
        } finally {
            if (dir == null && scratch != null) deleteTree(scratch);
        }
    }

    private double proofTime(Path where, SigningKey logKey, SigningKey[] members, String community, ArrayNode figures) {
        List<Envelope.Verified> pool = IntStream.range(0, 4096).parallel()
                .mapToObj(i -> vote(members[i % members.length], community, i).verify()).toList();
        long t0 = System.nanoTime();
        try (TransparencyLog log = TransparencyLog.create(where, "cairn.bench/proofs", logKey, InstantSource.system())) {
            List<Envelope.Verified> chunk = new ArrayList<>(50_000);
            for (int i = 0; i < proofLogSize; i++) {
                chunk.add(pool.get(i % pool.size()));
                if (chunk.size() == 50_000 || i == proofLogSize - 1) {
                    log.appendVerified(chunk);
                    chunk.clear();
                }
            }
        }
        figures.add(info("build the proof log (" + proofLogSize + " entries, pre-verified)", (System.nanoTime() - t0) / 1e9, "s"));
        long t1 = System.nanoTime();
        try (TransparencyLog log = TransparencyLog.openReadOnly(where, logKey.identity())) {
            figures.add(info("open and check the proof log against its signed checkpoint", (System.nanoTime() - t1) / 1e9, "s"));
            SplittableRandom rnd = new SplittableRandom(6962);
            long size = log.size();
            for (int i = 0; i < 2000; i++) log.proveInclusion(rnd.nextLong(size)); // JIT warm-up
            long[] idx = rnd.longs(proofs, 0, size).toArray();
            long worst = 0;
            long start = System.nanoTime();
            InclusionProof last = null;
            for (long ix : idx) {
                long s = System.nanoTime();
                last = log.proveInclusion(ix);
                worst = Math.max(worst, System.nanoTime() - s);
            }
            double mean = (System.nanoTime() - start) / 1e6 / proofs;
            if (last == null || !last.verify()) throw new IllegalStateException("an inclusion proof did not verify");
            figures.add(info("inclusion proof, worst of " + proofs, worst / 1e6, "ms"));
            return mean;
        }
    }

    private static void warmUp(SigningKey k, String community, Path where, SigningKey logKey) {
        try (TransparencyLog log = TransparencyLog.create(where, "cairn.bench/warmup", logKey, InstantSource.system())) {
            for (int r = 0; r < 8; r++) {
                int base = r * 1000;
                log.appendAll(IntStream.range(0, 1000).parallel().mapToObj(i -> vote(k, community, base + i)).toList());
            }
            for (int r = 0; r < 3; r++) log.replay((e, v) -> { });
        }
    }

    /** A ballot-shaped statement: what governance appends most. */
    static Envelope vote(SigningKey member, String community, int i) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("proposal", "p-" + (i / 100));
        p.put("choice", (i % 3 == 0) ? "for" : (i % 3 == 1) ? "against" : "abstain");
        p.put("reason", "benchmark ballot " + i);
        byte[] proposal = MerkleTree.sha256(("proposal-" + (i / 100)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Statement st = Statement.of("https://cairn.dev/governance/vote/v1", p, community, member.identity(),
                Subject.sha256("proposal", proposal));
        return Envelope.sign(st, member);
    }

    /** CPU time of this process so far: on a shared machine, wall-clock rates alone mislead. */
    private static double cpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static ObjectNode figure(String name, double value, String unit, double target, boolean pass) {
        ObjectNode f = info(name, value, unit);
        f.put("target", target);
        f.put("pass", pass);
        return f;
    }

    private static ObjectNode info(String name, double value, String unit) {
        ObjectNode f = JSON.createObjectNode();
        f.put("name", name);
        f.put("value", value);
        f.put("unit", unit);
        return f;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.format("%,d", (long) d) : String.valueOf(d);
    }

    private static long dirSize(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
