package dev.cairn.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Leftovers;
import dev.cairn.ledger.StoreLock;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A training run on disk:
 * <pre>
 *   RUN_DIR/run.json              recipe, data identity and vocabulary (the checkpoint metadata too)
 *   RUN_DIR/checkpoints/step-NNNNNNNN.ckpt
 *   RUN_DIR/metrics.jsonl         one JSON object per step, and one per validation
 *   RUN_DIR/loss.svg              the loss curve
 *   RUN_DIR/summary.json          the final figures
 *   RUN_DIR/transcript.bin        one leaf per step (see {@link Transcript}), fsynced before each checkpoint
 *   RUN_DIR/run-finished.json     what the run commits to (see {@link RunCommitment})
 *   RUN_DIR/.lock                 the writer lock ({@link StoreLock}), held from create/resume until train returns
 * </pre>
 */
public final class TrainingRun implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Receives progress; every method has a no-op default. */
    public interface Listener {
        default void started(Trainer trainer, int fromStep) {}
        default void step(Trainer.StepResult r, double tokensPerSecond, double elapsedSeconds) {}
        default void evaluated(int step, double valLoss) {}
        default void checkpointed(int step, Path file) {}
        /** A checkpoint is durable and content-addressed, and the transcript reaches its step. */
        default void committed(RunCommitment.CheckpointRef checkpoint, int transcriptSize, String transcriptRoot) {}
        /** A budgeted run's first projection of its spend (one line). */
        default void projected(String line) {}
    }

    /** What a finished run reports. */
    public record Summary(int steps, double trainLoss, double valLoss, String stateSha256, double tokensPerSecond,
                          double seconds, Path runDir, Path checkpoint, Path plot, long parameters) {}

    private final Path dir;
    private final Trainer trainer;
    private final ObjectNode runJson;
    private final List<double[]> trainCurve = new ArrayList<>(), valCurve = new ArrayList<>();
    private boolean transcriptOn = true;
    private Transcript transcript;
    private StepRecorder recorder;
    private boolean overlapDigest = true;
    /** The compute budget the run's proposal granted, or null. */
    private ComputeBudget budget;
    private final List<RunCommitment.CheckpointRef> checkpointRefs = new ArrayList<>();
    private RunCommitment commitment;
    private StoreLock lock; // held from create/resume until train returns or close

    private TrainingRun(Path dir, Trainer trainer, ObjectNode runJson, StoreLock lock) {
        this.dir = dir;
        this.trainer = trainer;
        this.runJson = runJson;
        this.lock = lock;
    }

    /**
     * Takes the run directory's writer lock ({@code RUN_DIR/.lock}; two {@code train --out} into one directory
     * must not interleave) and sweeps the temporary files a killed run left.
     */
    static StoreLock lockDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        StoreLock l = StoreLock.acquire(dir.resolve(".lock"), "run directory " + dir);
        Leftovers.sweep(dir);
        Leftovers.sweep(dir.resolve("checkpoints"));
        return l;
    }

    /** Releases the run directory's lock (train does so when it returns). */
    @Override
    public void close() {
        if (lock != null) lock.close();
        lock = null;
    }

    public Trainer trainer() {
        return trainer;
    }

    public Path dir() {
        return dir;
    }

    /** Turns the transcript (and the commitment it makes possible) on or off; on by default. */
    public TrainingRun transcript(boolean on) {
        this.transcriptOn = on;
        return this;
    }

    /**
     * Takes the state digest into the transcript every {@code n} steps (and at every checkpoint and the last
     * step) instead of every step: hashing ~10 MB per step costs more than 3 % of a small model's step time
     * on two cores. Recorded in run.json and in the commitment, so verifiers replay the same leaves.
     */
    public TrainingRun stateDigestEvery(int n) throws IOException {
        if (n < 1) throw new IllegalArgumentException("--state-digest-every must be at least 1, got " + n);
        runJson.put("state_digest_every", n);
        if (trainer.ranks().rank() == 0) writeAtomically(dir.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(runJson));
        return this;
    }

    /** The interval the commands use: keeps the transcript within 3 % of training time on two cores. */
    public static final int DEFAULT_STATE_DIGEST_EVERY = 25;

    int stateDigestEvery() {
        return runJson.path("state_digest_every").asInt(1);
    }

    /** Caps the run's compute (every rank must be given the same budget); null for none. */
    public TrainingRun budget(ComputeBudget b) {
        this.budget = b;
        return this;
    }

    /**
     * Refuses a budget that cannot pay for one more step after what earlier sessions spent: one line naming the
     * budget and the spend.
     */
    public static void checkBudget(ComputeBudget b, Recipe r, long parameters, double spentFlops, double spentCpuSeconds) {
        if (b == null) return;
        double step = ComputeRecord.flopsPerStep(r, parameters);
        if (!b.affords(spentFlops + step, spentCpuSeconds)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the compute budget is already exceeded at start: %s; one step of this recipe needs %.3g model FLOPs",
                    b.describe(spentFlops, spentCpuSeconds), step));
        }
    }

    /** Model FLOPs and CPU-seconds the run's earlier sessions recorded in compute.jsonl. */
    private double[] priorSpend() throws IOException {
        Path f = dir.resolve("compute.jsonl");
        double flops = 0, cpu = 0;
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n = JSON.readTree(line);
                flops += n.path("flops_total").asDouble();
                cpu += n.path("cpu_seconds").asDouble();
            }
        }
        return new double[] {flops, cpu};
    }

    /**
     * At a step whose leaf carries the state digest: null to go on, or, when reaching the next such step would
     * pass the budget, {spent FLOPs, spent CPU-seconds, FLOPs and CPU-seconds to the last step} to stop here. CPU
     * time is every rank's (a collective on several ranks: every rank calls it after the same steps).
     */
    private double[] budgetCheck(Recipe r, int from, ComputeRecord.CpuMark cpu0, double[] prior, Listener listener) {
        int s = trainer.step(), every = stateDigestEvery();
        if (budget == null || s >= r.steps() || s == from || !StepRecorder.hasState(r, s, every)) return null;
        int next = s + 1;
        while (next < r.steps() && !StepRecorder.hasState(r, next, every)) next++;
        byte[][] all = trainer.ranks().allGather(java.nio.ByteBuffer.allocate(8).putDouble(cpu0.elapsed()).array());
        double session = 0;
        for (byte[] b : all) session += java.nio.ByteBuffer.wrap(b).getDouble();
        double fps = ComputeRecord.flopsPerStep(r, trainer.model().params().length), cpuPerStep = session / (s - from);
        double flops = prior[0] + fps * (s - from), cpu = prior[1] + session;
        if (!projected) {
            projected = true;
            listener.projected(String.format(Locale.ROOT, "%s so far; projected at step %d: %.3g model FLOPs, %.3g CPU-hours",
                    budget.describe(flops, cpu), r.steps(), flops + fps * (r.steps() - s), (cpu + cpuPerStep * (r.steps() - s)) / 3600));
        }
        if (budget.affords(flops + fps * (next - s), cpu + cpuPerStep * (next - s))) return null;
        return new double[] {flops, cpu, fps * (r.steps() - s), cpuPerStep * (r.steps() - s)};
    }

    private boolean projected;

    /** Whether the per-step state digest runs on a second thread overlapped with the next step (default on). */
    TrainingRun overlapDigest(boolean on) {
        this.overlapDigest = on;
        return this;
    }

    /** What the finished run committed to (null before {@link #train} ends, or without a transcript). */
    public RunCommitment commitment() {
        return commitment;
    }

    /** Creates a new run directory (refusing one that already holds a run) for a character-level corpus. */
    public static TrainingRun create(Path dir, Recipe recipe, Path dataFile, CharCorpus data, Kernels k, Parallel par) throws IOException {
        return create(dir, recipe, dataFile, data, k, par, Ranks.single());
    }

    /** As {@link #create(Path, Recipe, Path, CharCorpus, Kernels, Parallel)}, as one rank of a data-parallel run. */
    public static TrainingRun create(Path dir, Recipe recipe, Path dataFile, CharCorpus data, Kernels k, Parallel par, Ranks ranks) throws IOException {
        ObjectNode d = JSON.createObjectNode();
        d.put("kind", "char");
        d.put("file", dataFile.toAbsolutePath().normalize().toString());
        d.put("digest", data.digest());
        d.put("description", data.description());
        ArrayNode vocab = d.putArray("vocab");
        for (int cp : data.codePoints()) vocab.add(cp);
        return create(dir, recipe, data, d, k, par, ranks);
    }

    /** Creates a new run on a registered dataset version and stored tokenizer under a Cairn home. */
    public static TrainingRun create(Path dir, Recipe recipe, Path home, DatasetTokens data, Kernels k, Parallel par) throws IOException {
        return create(dir, recipe, home, data, k, par, Ranks.single());
    }

    /** As {@link #create(Path, Recipe, Path, DatasetTokens, Kernels, Parallel)}, as one rank of a data-parallel run. */
    public static TrainingRun create(Path dir, Recipe recipe, Path home, DatasetTokens data, Kernels k, Parallel par, Ranks ranks) throws IOException {
        ObjectNode d = JSON.createObjectNode();
        d.put("kind", "dataset");
        d.put("home", home.toAbsolutePath().normalize().toString());
        d.put("dataset", data.dataset().datasetRef());
        d.put("dataset_root", data.dataset().datasetRoot());
        d.put("tokenizer", data.dataset().tokenizerDigest());
        d.put("digest", data.digest());
        d.put("description", data.description());
        return create(dir, recipe, data, d, k, par, ranks);
    }

    static TrainingRun create(Path dir, Recipe recipe, TrainingData data, ObjectNode identity, Kernels k, Parallel par) throws IOException {
        return create(dir, recipe, data, identity, k, par, Ranks.single());
    }

    static TrainingRun create(Path dir, Recipe recipe, TrainingData data, ObjectNode identity, Kernels k, Parallel par, Ranks ranks) throws IOException {
        StoreLock lock = ranks.rank() == 0 ? lockDir(dir) : null; // rank 0 writes the run directory; it alone holds its lock
        try {
            return createLocked(dir, recipe, data, identity, k, par, ranks, lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) lock.close();
            throw e;
        }
    }

    private static TrainingRun createLocked(Path dir, Recipe recipe, TrainingData data, ObjectNode identity, Kernels k, Parallel par,
                                            Ranks ranks, StoreLock lock) throws IOException {
        if (Files.exists(dir.resolve("run.json"))) {
            throw new IllegalArgumentException("run directory " + dir + " already holds a run; use --resume " + dir + " or another --out");
        }
        Trainer trainer = new Trainer(recipe, data, k, par, ranks);
        agree(ranks, dir, recipe, data, 0);
        if (ranks.rank() != 0) return new TrainingRun(dir, trainer, (ObjectNode) JSON.valueToTree(java.util.Map.of()), null); // rank 0 writes
        ObjectNode run = JSON.createObjectNode();
        run.put("format", "cairn-run-v1");
        run.set("recipe", JSON.valueToTree(recipe));
        run.set("data", identity);
        run.put("parameters", trainer.model().params().length);
        Files.createDirectories(dir.resolve("checkpoints"));
        writeAtomically(dir.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run));
        Files.deleteIfExists(dir.resolve("metrics.jsonl"));
        Files.deleteIfExists(dir.resolve(Transcript.FILE));
        Files.deleteIfExists(dir.resolve(RunCommitment.FILE));
        return new TrainingRun(dir, trainer, run, lock);
    }

    /** Reopens a run at its newest checkpoint; the data file must still have the digest the run recorded. */
    public static TrainingRun resume(Path dir, Kernels k, Parallel par) throws IOException {
        return resume(dir, k, par, Ranks.single());
    }

    /**
     * As {@link #resume(Path, Kernels, Parallel)}, as one rank of a data-parallel run: every rank reads the run
     * directory (a file system they share) and restores the same checkpoint; the process count may differ from the
     * run's last one.
     */
    public static TrainingRun resume(Path dir, Kernels k, Parallel par, Ranks ranks) throws IOException {
        Path runFile = dir.resolve("run.json");
        if (!Files.exists(runFile)) throw new IllegalArgumentException("no run to resume in " + dir + " (run.json missing)");
        StoreLock lock = ranks.rank() == 0 ? lockDir(dir) : null;
        try {
            return resumeLocked(dir, k, par, ranks, lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) lock.close();
            throw e;
        }
    }

    private static TrainingRun resumeLocked(Path dir, Kernels k, Parallel par, Ranks ranks, StoreLock lock) throws IOException {
        Path runFile = dir.resolve("run.json");
        if (!(readJson(runFile) instanceof ObjectNode run)) throw new IllegalArgumentException(runFile + " is not a JSON object");
        Recipe recipe = Recipe.fromJson(run.get("recipe"), runFile.toString());
        TrainingData data = openData(run.path("data"), recipe);
        String want = run.path("data").path("digest").asText();
        if (!data.digest().equals(want)) {
            throw new IllegalArgumentException("the data of run " + dir + " changed since it started (digest "
                    + data.digest() + ", run recorded " + want + ")");
        }
        Trainer trainer = new Trainer(recipe, data, k, par, ranks);
        Path ckpt = latestCheckpoint(dir);
        if (ckpt != null) {
            Checkpoint.Contents c = Checkpoint.read(ckpt);
            checkArchitecture(ckpt, c, recipe);
            trainer.restore(c.step(), c.params(), c.m(), c.v());
        }
        agree(ranks, dir, recipe, data, trainer.step());
        TrainingRun r = new TrainingRun(dir, trainer, run, lock);
        if (ranks.rank() == 0) r.trimMetrics(trainer.step());
        return r;
    }

    /** Reads a run's recipe and vocabulary, and the model at its newest checkpoint, for generation. */
    public static Trainer load(Path dir, Kernels k, Parallel par) throws IOException {
        Path runFile = dir.resolve("run.json");
        if (!Files.exists(runFile)) throw new IllegalArgumentException("no run in " + dir + " (run.json missing)");
        JsonNode run = readJson(runFile);
        Recipe recipe = Recipe.fromJson(run.get("recipe"), runFile.toString());
        TrainingData vocabulary;
        if ("dataset".equals(run.path("data").path("kind").asText())) {
            vocabulary = openData(run.path("data"), recipe);
        } else {
            JsonNode v = run.path("data").path("vocab");
            int[] vocab = new int[v.size()];
            for (int i = 0; i < vocab.length; i++) vocab[i] = v.get(i).asInt();
            vocabulary = CharCorpus.vocabularyOnly(vocab);
        }
        Path ckpt = latestCheckpoint(dir);
        if (ckpt == null) throw new IllegalArgumentException("run " + dir + " has no checkpoint yet");
        Checkpoint.Contents c = Checkpoint.read(ckpt);
        checkArchitecture(ckpt, c, recipe);
        Trainer t = Trainer.forInference(recipe, vocabulary, k, par);
        t.restore(c.step(), c.params(), c.m(), c.v());
        return t;
    }

    /** The architecture of the run in {@code dir} ("gpt2" or "llama"), from its run.json. */
    public static String architecture(Path dir) throws IOException {
        Path runFile = dir.resolve("run.json");
        if (!Files.exists(runFile)) throw new IllegalArgumentException("no run in " + dir + " (run.json missing)");
        return Recipe.fromJson(readJson(runFile).get("recipe"), runFile.toString()).architecture();
    }

    /**
     * Refuses a checkpoint whose recorded recipe is of another architecture than the run's (a file copied from
     * another run): its numbers would be read as the wrong tensors. Names the file and both architectures.
     */
    public static void checkArchitecture(Path ckpt, Checkpoint.Contents c, Recipe recipe) {
        String held;
        try {
            held = JSON.readTree(c.metaJson()).path("recipe").path("arch").asText("gpt2");
        } catch (IOException e) {
            throw new IllegalArgumentException(ckpt + ": checkpoint metadata is not JSON");
        }
        if (!held.equals(recipe.architecture())) {
            throw new IllegalArgumentException(ckpt + ": the checkpoint holds a " + held + " model but the run's recipe is arch "
                    + recipe.architecture() + "; a checkpoint resumes only as its own architecture");
        }
    }

    /** Every rank must hold the same recipe (field by field), data and starting step; a mismatch names rank and field. */
    private static void agree(Ranks ranks, Path dir, Recipe recipe, TrainingData data, int step) {
        if (ranks.size() == 1) return;
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        JsonNode rj = JSON.valueToTree(recipe);
        for (var it = rj.fields(); it.hasNext(); ) {
            var e = it.next();
            f.put("recipe " + e.getKey(), e.getValue().toString());
        }
        f.put("recipe digest", RunCommitment.recipeDigest(recipe));
        f.put("data", data.digest());
        f.put("run directory", dir.toAbsolutePath().normalize().toString());
        f.put("starting step", Integer.toString(step));
        DataParallel.agree(ranks, f);
    }

    static TrainingData openData(JsonNode d, Recipe recipe) {
        return switch (d.path("kind").asText()) {
            case "char" -> CharCorpus.read(Path.of(d.path("file").asText()), recipe.ctx());
            case "dataset" -> new DatasetTokens(dev.cairn.data.TokenizedDataset.load(Path.of(d.path("home").asText()),
                    d.path("dataset").asText(), d.path("tokenizer").asText()));
            default -> throw new IllegalArgumentException("run.json: unknown data kind \"" + d.path("kind").asText() + "\"");
        };
    }

    static JsonNode readJson(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        try {
            JsonNode n = JSON.readTree(b);
            if (n == null || n.isMissingNode()) throw new IllegalArgumentException(f + " is empty");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(f + " is not valid JSON: " + dev.cairn.ledger.Hex.oneLine(e.getOriginalMessage()));
        } catch (IOException e) { // the parser's own, on bytes in memory: bad encoding
            throw new IllegalArgumentException(f + " is not valid JSON: " + dev.cairn.ledger.Hex.oneLine(String.valueOf(e.getMessage())));
        }
    }

    public static Path latestCheckpoint(Path dir) throws IOException {
        Path cdir = dir.resolve("checkpoints");
        if (!Files.isDirectory(cdir)) return null;
        try (Stream<Path> s = Files.list(cdir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}\\.ckpt")).max(Path::compareTo).orElse(null);
        }
    }

    /** The run's checkpoint files, by step. */
    public static List<Path> checkpointFiles(Path dir) throws IOException {
        Path cdir = dir.resolve("checkpoints");
        if (!Files.isDirectory(cdir)) return List.of();
        try (Stream<Path> s = Files.list(cdir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}\\.ckpt")).sorted().toList();
        }
    }

    static int checkpointStep(Path ckpt) {
        String n = ckpt.getFileName().toString();
        return Integer.parseInt(n.substring(5, 13));
    }

    public Path checkpointPath(int step) {
        return dir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "step-%08d.ckpt", step));
    }

    /** Trains to the recipe's last step, validating and checkpointing on its schedule. */
    public Summary train(Listener listener) throws IOException {
        Recipe r = trainer.recipe();
        int from = trainer.step();
        if (trainer.ranks().size() > 1) { // the ranks' collectives must line up: the same digests and checkpoints
            java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
            f.put("transcript", Boolean.toString(transcriptOn));
            f.put("state digest interval", Integer.toString(stateDigestEvery()));
            DataParallel.agree(trainer.ranks(), f);
        }
        double[] prior = priorSpend();
        checkBudget(budget, r, trainer.model().params().length, prior[0], prior[1]);
        if (trainer.ranks().rank() != 0) return follow(r, from, prior);
        listener.started(trainer, from);
        String meta = JSON.writeValueAsString(runJson);
        checkpointRefs.clear();
        if (transcriptOn) {
            transcript = Transcript.openForAppend(dir.resolve(Transcript.FILE), from);
            Files.deleteIfExists(dir.resolve(RunCommitment.FILE));
            for (Path c : checkpointFiles(dir)) {
                int s = checkpointStep(c);
                if (s <= from) checkpointRefs.add(new RunCommitment.CheckpointRef(s, Checkpoint.fileDigest(c)));
            }
        }
        try {
            // several ranks: the digest gathers the optimizer shards, a collective, so it runs on this thread
            if (transcript != null) recorder = new StepRecorder(trainer, overlapDigest && trainer.ranks().size() == 1, stateDigestEvery());
            return trainLoop(r, from, meta, listener, prior);
        } finally {
            if (recorder != null) recorder.close();
            recorder = null;
            if (transcript != null) transcript.close();
            transcript = null;
            close();
        }
    }

    /**
     * A rank other than 0: the same steps, nothing written (rank 0 writes the run directory, its transcript and
     * checkpoints, and validates). It sends rank 0 its optimizer shard wherever rank 0 takes a state digest or
     * writes a checkpoint (in the same order as {@link #trainLoop}), and reports its CPU time at the end.
     */
    private Summary follow(Recipe r, int from, double[] prior) throws IOException {
        OptimizerShard.Sink nothing = (a, off, n) -> {};
        if (from == 0 && r.checkpointEvery() > 0) trainer.writeState(nothing);
        long t0 = System.nanoTime();
        ComputeRecord.CpuMark cpu0 = ComputeRecord.CpuMark.now();
        long bytes0 = trainer.bytesExchanged(), nanos0 = trainer.exchangeNanos();
        while (trainer.step() < r.steps()) {
            trainer.trainStep();
            int s = trainer.step();
            if (transcriptOn && StepRecorder.hasState(r, s, stateDigestEvery())) trainer.stateDigestBytes(s);
            boolean ckpt = (r.checkpointEvery() > 0 && s % r.checkpointEvery() == 0) || s == r.steps();
            if (ckpt) trainer.writeState(nothing);
            double[] stop = budgetCheck(r, from, cpu0, prior, new Listener() {});
            if (stop != null) {
                if (!ckpt) trainer.writeState(nothing);
                gatherCompute(from, (System.nanoTime() - t0) / 1e9, cpu0, bytes0, nanos0);
                throw new ComputeBudget.Exhausted(budget, s, r.steps(), stop[0], stop[1], stop[2], stop[3], null);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        gatherCompute(from, seconds, cpu0, bytes0, nanos0);
        trainer.stateDigest(); // rank 0's summary digest
        double tps = (double) r.batch() * r.ctx() * (trainer.step() - from) / Math.max(1e-9, seconds);
        return new Summary(trainer.step(), Double.NaN, Double.NaN, null, tps, seconds, dir, null, null, trainer.model().params().length);
    }

    /** Every rank's CPU seconds of this session (a collective: every rank calls it once, at the end). */
    private ComputeRecord gatherCompute(int from, double seconds, ComputeRecord.CpuMark cpu0, long bytes0, long nanos0) {
        double mine = cpu0.elapsed();
        byte[][] all = trainer.ranks().allGather(java.nio.ByteBuffer.allocate(8).putDouble(mine).array());
        double[] cpu = new double[all.length];
        for (int i = 0; i < all.length; i++) cpu[i] = java.nio.ByteBuffer.wrap(all[i]).getDouble();
        Recipe r = trainer.recipe();
        return new ComputeRecord(trainer.model().params().length, r.layers(), r.embd(), r.ctx(), (long) r.batch() * r.ctx(),
                trainer.step() - from, seconds, cpu, trainer.ranks().size(), trainer.model().parallel().threads(),
                trainer.bytesExchanged() - bytes0, (trainer.exchangeNanos() - nanos0) / 1e9);
    }

    /** The last session's figures plus totals over every session recorded in compute.jsonl (appended here). */
    private ObjectNode recordCompute(ComputeRecord c) throws IOException {
        Path f = dir.resolve("compute.jsonl");
        ObjectNode session = c.toJson();
        session.put("parameter_bytes_per_rank", 4L * trainer.model().params().length);
        session.put("optimizer_state_bytes_per_rank", trainer.optimizerStateBytes()); // rank 0's shard on several ranks
        Files.writeString(f, JSON.writeValueAsString(session) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        double wall = 0, cpu = 0, flops = 0;
        int sessions = 0;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            wall += n.path("wall_seconds").asDouble();
            cpu += n.path("cpu_seconds").asDouble();
            flops += n.path("flops_total").asDouble();
            sessions++;
        }
        ObjectNode o = session.deepCopy();
        o.put("sessions", sessions);
        o.put("run_flops_total", flops);
        o.put("run_wall_seconds", wall);
        o.put("run_cpu_seconds", cpu);
        return o;
    }

    private Summary trainLoop(Recipe r, int from, String meta, Listener listener, double[] prior) throws IOException {
        if (from == 0 && r.checkpointEvery() > 0) writeCheckpoint(meta, listener); // step 0: the initial state
        long t0 = System.nanoTime();
        ComputeRecord.CpuMark cpu0 = ComputeRecord.CpuMark.now();
        long bytes0 = trainer.bytesExchanged(), nanos0 = trainer.exchangeNanos();
        double lastLoss = Double.NaN;
        long tokensPerStep = (long) r.batch() * r.ctx();
        Path ckpt = latestCheckpoint(dir);
        try (BufferedWriter metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (trainer.step() < r.steps()) {
                Trainer.StepResult res = trainer.trainStep();
                if (recorder != null) {
                    TranscriptLeaf done = recorder.record(res);
                    if (done != null) transcript.append(done);
                }
                lastLoss = res.loss();
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double tps = tokensPerStep * (trainer.step() - from) / Math.max(1e-9, elapsed);
                trainCurve.add(new double[] {res.step(), res.loss()});
                metrics.write(String.format(Locale.ROOT,
                        "{\"step\":%d,\"loss\":%.6f,\"lr\":%.8g,\"grad_norm\":%.6f,\"tokens_per_s\":%.1f,\"elapsed_s\":%.3f}%n",
                        res.step(), res.loss(), res.lr(), res.gradNorm(), tps, elapsed));
                listener.step(res, tps, elapsed);
                boolean last = trainer.step() == r.steps();
                if (r.evalEvery() > 0 && trainer.step() % r.evalEvery() == 0 && !last) {
                    double vl = trainer.validationLoss();
                    valCurve.add(new double[] {trainer.step(), vl});
                    metrics.write(String.format(Locale.ROOT, "{\"step\":%d,\"val_loss\":%.6f}%n", trainer.step(), vl));
                    listener.evaluated(trainer.step(), vl);
                }
                boolean scheduled = (r.checkpointEvery() > 0 && trainer.step() % r.checkpointEvery() == 0) || last;
                if (scheduled) {
                    metrics.flush();
                    ckpt = writeCheckpoint(meta, listener);
                }
                double[] stop = budgetCheck(r, from, cpu0, prior, listener);
                if (stop != null) { // going on would pass the budget: stop at a checkpoint, the spend on the record
                    metrics.flush();
                    if (!scheduled) ckpt = writeCheckpoint(meta, listener);
                    recordCompute(gatherCompute(from, (System.nanoTime() - t0) / 1e9, cpu0, bytes0, nanos0));
                    throw new ComputeBudget.Exhausted(budget, trainer.step(), r.steps(), stop[0], stop[1], stop[2], stop[3], ckpt);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double tps = tokensPerStep * (trainer.step() - from) / Math.max(1e-9, seconds);
        ObjectNode compute = recordCompute(gatherCompute(from, seconds, cpu0, bytes0, nanos0));
        double val = trainer.validationLoss();
        valCurve.add(new double[] {trainer.step(), val});
        try (BufferedWriter metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            metrics.write(String.format(Locale.ROOT, "{\"step\":%d,\"val_loss\":%.6f}%n", trainer.step(), val));
        }
        listener.evaluated(trainer.step(), val);
        Path plot = writePlot();
        Summary s = new Summary(trainer.step(), lastLoss, val, trainer.stateDigest(), tps, seconds, dir,
                ckpt == null ? latestCheckpoint(dir) : ckpt, plot, trainer.model().params().length);
        ObjectNode sum = JSON.createObjectNode();
        sum.put("steps", s.steps());
        sum.put("train_loss", s.trainLoss());
        sum.put("val_loss", s.valLoss());
        sum.put("state_sha256", s.stateSha256());
        sum.put("tokens_per_s", s.tokensPerSecond());
        sum.put("seconds", s.seconds());
        sum.put("parameters", s.parameters());
        sum.put("checkpoint", String.valueOf(s.checkpoint()));
        sum.set("compute", compute);
        if (budget != null) sum.set("budget", budget.toJson(compute.path("run_flops_total").asDouble(), compute.path("run_cpu_seconds").asDouble()));
        writeAtomically(dir.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(sum));
        if (transcript != null) {
            TranscriptLeaf done = recorder.flush();
            if (done != null) transcript.append(done);
            transcript.sync();
            commitment = new RunCommitment(RunCommitment.recipeDigest(r), trainer.data().digest(), trainer.step(),
                    transcript.rootHex(), checkpointRefs, s.stateSha256(), trainer.weightsDigest(), lastLoss, val, stateDigestEvery(), compute);
            writeAtomically(dir.resolve(RunCommitment.FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(commitment.toJson()));
        }
        return s;
    }

    private Path writeCheckpoint(String meta, Listener listener) throws IOException {
        Path f = checkpointPath(trainer.step());
        if (transcript != null) { // the transcript always reaches the newest checkpoint
            TranscriptLeaf done = recorder.flush();
            if (done != null) transcript.append(done);
            transcript.sync();
        }
        Checkpoint.write(f, meta, trainer.step(), trainer.model().params().length, trainer::writeState);
        listener.checkpointed(trainer.step(), f);
        if (transcript != null) {
            RunCommitment.CheckpointRef ref = new RunCommitment.CheckpointRef(trainer.step(), Checkpoint.fileDigest(f));
            checkpointRefs.removeIf(c -> c.step() == ref.step());
            checkpointRefs.add(ref);
            listener.committed(ref, transcript.size(), transcript.rootHex());
        }
        return f;
    }

    /** Drops metrics recorded after the step a resumed run restarts from, and reloads the curves. */
    private void trimMetrics(int step) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        if (!Files.exists(f)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line torn by a crash
            }
            if (n.path("step").asInt() > step) continue;
            keep.add(line);
            if (n.has("loss")) trainCurve.add(new double[] {n.get("step").asInt(), n.get("loss").asDouble()});
            if (n.has("val_loss")) valCurve.add(new double[] {n.get("step").asInt(), n.get("val_loss").asDouble()});
        }
        writeAtomically(f, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
    }

    private Path writePlot() throws IOException {
        Path f = dir.resolve("loss.svg");
        writeAtomically(f, LossPlot.svg("Cairn training loss — " + dir.getFileName(), trainCurve, valCurve));
        return f;
    }

    static void writeAtomically(Path file, String text) throws IOException {
        dev.cairn.ledger.AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
