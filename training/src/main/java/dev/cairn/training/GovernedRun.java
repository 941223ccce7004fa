package dev.cairn.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.data.TokenizedDataset;
import dev.cairn.governance.Action;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.ProposalState;
import dev.cairn.ledger.CanonicalJson;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.Envelope;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.SigningKey;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run a community approved: a start-run proposal, Executed, names a run recipe by digest; the run
 * trains exactly that recipe on exactly that dataset root and tokenizer, and signs its progress (checkpoint
 * digests) and its end (the {@link RunCommitment}) into the community's ledger as in-toto statements:
 * {@value #PROGRESS}, {@value #FINISHED} (or {@value #BUDGET_EXHAUSTED} when the proposal's compute budget stops it);
 * verifiers sign {@value #VERIFICATION}. Every statement carries the
 * ledger's {@code community_id} and {@code signer}; governance replays pass over this room's statements.
 *
 * <p>Run directory additions: {@code run-recipe.json} (the approved recipe file), {@code governed.json}
 * (community, proposal, run name, recipe digest) and {@code beacon-checkpoint} (the log's signed checkpoint at
 * the size that first includes the run-finished statement: the spot check's beacon).
 */
public final class GovernedRun {
    public static final String PREFIX = "https://cairn.dev/training/";
    public static final String PROGRESS = PREFIX + "run-progress/v1";
    public static final String FINISHED = PREFIX + "run-finished/v1";
    public static final String VERIFICATION = PREFIX + "verification/v1";
    /** The run stopped within its proposal's compute budget: what it spent, what a continuation needs. */
    public static final String BUDGET_EXHAUSTED = PREFIX + "budget-exhausted/v1";
    public static final String CAIRN_VERSION = "0.1.0";

    private GovernedRun() {}

    // ------------------------------------------------------------------ the run recipe file

    /** A run recipe: the numbers (Recipe), the data by name and digest, and the software that trains it. */
    public record RunRecipe(Recipe recipe, String dataset, String datasetRoot, String tokenizer, String cairnVersion, String gitCommit) {
        public ObjectNode toJson() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("format", "cairn-run-recipe/v1");
            n.set("recipe", TrainingRun.JSON.valueToTree(recipe));
            n.put("dataset", dataset).put("dataset_root", datasetRoot).put("tokenizer", tokenizer);
            n.put("cairn_version", cairnVersion).put("git_commit", gitCommit);
            return n;
        }

        /** SHA-256 of the RFC 8785 canonical JSON: what a start-run proposal's {@code recipe} field holds. */
        public String digest() {
            return Hex.encode(MerkleTree.sha256(CanonicalJson.canonicalize(toJson())));
        }

        public static RunRecipe read(Path file) throws IOException {
            if (!Files.exists(file)) throw new IllegalArgumentException("recipe file not found: " + file);
            JsonNode n = TrainingRun.readJson(file);
            if (!"cairn-run-recipe/v1".equals(n.path("format").asText())) throw new IllegalArgumentException(file + ": format is not cairn-run-recipe/v1");
            for (String f : List.of("recipe", "dataset", "dataset_root", "tokenizer", "cairn_version", "git_commit")) {
                if (!n.has(f)) throw new IllegalArgumentException(file + ": field " + f + " is missing");
            }
            Recipe r = Recipe.fromJson(n.get("recipe"), file.toString());
            return new RunRecipe(r, n.get("dataset").asText(), n.get("dataset_root").asText(), n.get("tokenizer").asText(),
                    n.get("cairn_version").asText(), n.get("git_commit").asText());
        }
    }

    /** The git commit of the source tree at {@code root} (from .git, no git binary needed), or "unknown". */
    public static String gitCommit(Path root) {
        try {
            Path git = root.resolve(".git");
            if (Files.isRegularFile(git)) { // a worktree: "gitdir: PATH"
                git = root.resolve(Files.readString(git).trim().substring("gitdir: ".length()));
            }
            String head = Files.readString(git.resolve("HEAD")).trim();
            if (!head.startsWith("ref: ")) return head;
            Path ref = git.resolve(head.substring(5));
            if (Files.exists(ref)) return Files.readString(ref).trim();
            Path common = Files.exists(git.resolve("commondir")) ? git.resolve(Files.readString(git.resolve("commondir")).trim()) : git;
            Path r2 = common.resolve(head.substring(5));
            if (Files.exists(r2)) return Files.readString(r2).trim();
            for (String line : Files.readAllLines(common.resolve("packed-refs"))) {
                if (line.endsWith(" " + head.substring(5))) return line.substring(0, 40);
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return "unknown";
    }

    // ------------------------------------------------------------------ starting

    /** What the approved proposal says, checked. */
    public record Approval(String communityId, String proposal, int number, Action.StartRun action) {}

    /** The start-run action of an Executed proposal; refuses any other state or action, naming it. */
    public static Approval approval(CommunityState state, String proposalRef, long now) {
        Proposal p = state.proposal(proposalRef).orElseThrow(() -> new IllegalArgumentException("no proposal " + proposalRef + " in community " + state.name()));
        ProposalState ps = p.state(now);
        if (ps != ProposalState.EXECUTED) {
            throw new IllegalArgumentException("proposal " + p.number() + " is " + ps.label() + ", not Executed: a run starts only once its proposal is executed");
        }
        Action a = p.motion().isRanked() && !p.executedChoice().isEmpty()
                ? p.motion().choice(p.executedChoice()).orElseThrow().action() : p.winningAction();
        if (!(a instanceof Action.StartRun sr)) {
            throw new IllegalArgumentException("proposal " + p.number() + " executed " + (a == null ? "no action" : "a " + a.type() + " action") + ", not start_run");
        }
        return new Approval(state.communityId(), p.digest(), p.number(), sr);
    }

    /** Checks the recipe file and the data in {@code home} against the approval; the message names the input that differs. */
    public static DatasetTokens checkInputs(Approval ap, RunRecipe rr, Path recipeFile, Path home) {
        String d = rr.digest();
        if (!d.equals(ap.action().recipe())) {
            throw new IllegalArgumentException("recipe: " + recipeFile + " has digest " + d + ", proposal " + ap.number()
                    + " approved " + ap.action().recipe() + " (a different recipe: seed, steps, model or data)");
        }
        if (!rr.datasetRoot().equals(ap.action().datasetRoot())) {
            throw new IllegalArgumentException("dataset_root: the recipe names " + rr.datasetRoot() + ", proposal " + ap.number() + " approved " + ap.action().datasetRoot());
        }
        if (!rr.tokenizer().equals(ap.action().tokenizer())) {
            throw new IllegalArgumentException("tokenizer: the recipe names " + rr.tokenizer() + ", proposal " + ap.number() + " approved " + ap.action().tokenizer());
        }
        if (!rr.cairnVersion().equals(CAIRN_VERSION)) {
            throw new IllegalArgumentException("cairn_version: the recipe pins Cairn " + rr.cairnVersion() + ", this is " + CAIRN_VERSION);
        }
        TokenizedDataset ds = TokenizedDataset.load(home, rr.dataset(), rr.tokenizer());
        if (!ds.datasetRoot().equals(rr.datasetRoot())) {
            throw new IllegalArgumentException("dataset_root: " + rr.dataset() + " in " + home + " has root " + ds.datasetRoot() + ", the recipe pins " + rr.datasetRoot());
        }
        if (!ds.tokenizerDigest().equals(rr.tokenizer())) {
            throw new IllegalArgumentException("tokenizer: the stored tokenizer has digest " + ds.tokenizerDigest() + ", the recipe pins " + rr.tokenizer());
        }
        return new DatasetTokens(ds);
    }

    /** Progress callbacks on top of training's. */
    public interface Listener extends TrainingRun.Listener {
        default void logged(String what, LogEntry entry) {}
    }

    /**
     * Trains the approved run into {@code out}, signing progress and the finish into the ledger of {@code home}.
     * Refuses before writing anything unless the proposal is Executed and every input matches.
     */
    public static RunCommitment start(Path home, String proposalRef, Path recipeFile, SigningKey trainer, Path out,
                                      Kernels k, Parallel par, Listener listener) throws IOException {
        return start(home, proposalRef, recipeFile, trainer, out, k, par, listener, Ranks.single());
    }

    /**
     * As above, as one rank of a data-parallel job: every rank reads the ledger and checks the approval and inputs;
     * rank 0 alone writes the run directory and signs into the ledger (the others open the log read-only, and get
     * null back).
     */
    public static RunCommitment start(Path home, String proposalRef, Path recipeFile, SigningKey trainer, Path out,
                                      Kernels k, Parallel par, Listener listener, Ranks ranks) throws IOException {
        try (GovernedLedger ledger = ranks.rank() == 0 ? GovernedLedger.local(home) : GovernedLedger.localReadOnly(home)) {
            return start(ledger, home, proposalRef, recipeFile, trainer, out, k, par, listener, ranks);
        }
    }

    /**
     * As {@link #start(Path, String, Path, SigningKey, Path, Kernels, Parallel, Listener, Ranks)}, with the community
     * and the statements in {@code ledger} (the home's log or a node's) and the data in {@code home}. Ranks other than
     * 0 only read {@code ledger}.
     */
    public static RunCommitment start(GovernedLedger ledger, Path home, String proposalRef, Path recipeFile, SigningKey trainer, Path out,
                                      Kernels k, Parallel par, Listener listener, Ranks ranks) throws IOException {
        RunRecipe rr = RunRecipe.read(recipeFile);
        boolean writer = ranks.rank() == 0;
        {
            CommunityState state = ledger.state();
            Approval ap = approval(state, proposalRef, System.currentTimeMillis());
            DatasetTokens data = checkInputs(ap, rr, recipeFile, home);
            ComputeBudget budget = budget(ap.action());
            TrainingRun.checkBudget(budget, rr.recipe(), rr.recipe().modelConfig(data.vocabSize()).parameterCount(), 0, 0);
            TrainingRun run = TrainingRun.create(out, rr.recipe(), home, data, k, par, ranks).stateDigestEvery(TrainingRun.DEFAULT_STATE_DIGEST_EVERY)
                    .budget(budget);
            if (!writer) {
                try {
                    run.train(new TrainingRun.Listener() {});
                } catch (ComputeBudget.Exhausted x) {
                    ranks.allGather(new byte[1]); // fail only once rank 0 has signed, or the job's abort could cut it short
                    throw x;
                }
                return null;
            }
            TrainingRun.writeAtomically(out.resolve("run-recipe.json"), TrainingRun.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rr.toJson()));
            ObjectNode gov = JsonNodeFactory.instance.objectNode();
            gov.put("community_id", ap.communityId()).put("proposal", ap.proposal()).put("run", ap.action().run())
                    .put("recipe", rr.digest()).put("trainer", trainer.identity().publicKeyHex());
            TrainingRun.writeAtomically(out.resolve("governed.json"), TrainingRun.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(gov));
            TrainingRun.Listener forward = new TrainingRun.Listener() {
                @Override public void started(Trainer t, int from) { listener.started(t, from); }
                @Override public void step(Trainer.StepResult r, double tps, double el) { listener.step(r, tps, el); }
                @Override public void evaluated(int step, double v) { listener.evaluated(step, v); }
                @Override public void checkpointed(int step, Path f) { listener.checkpointed(step, f); }
                @Override public void committed(RunCommitment.CheckpointRef c, int size, String root) {
                    ObjectNode p = JsonNodeFactory.instance.objectNode();
                    p.put("run", ap.action().run()).put("proposal", ap.proposal());
                    p.putObject("checkpoint").put("step", c.step()).put("sha256", c.sha256());
                    p.putObject("transcript").put("size", size).put("root", root);
                    Statement st = Statement.of(PROGRESS, p, ap.communityId(), trainer.identity(),
                            Subject.sha256(String.format("checkpoints/step-%08d.ckpt", c.step()), c.sha256()));
                    listener.logged("run-progress (checkpoint " + c.step() + ")", ledger.append(Envelope.sign(st, trainer)));
                }

                @Override public void projected(String line) { listener.projected(line); }
            };
            try {
                run.train(forward);
            } catch (ComputeBudget.Exhausted x) {
                ObjectNode p = x.toJson();
                p.put("run", ap.action().run()).put("proposal", ap.proposal()).put("run_recipe", rr.digest());
                String sha = dev.cairn.training.Checkpoint.fileDigest(x.checkpoint);
                p.putObject("checkpoint").put("step", x.step).put("sha256", sha);
                Statement st = Statement.of(BUDGET_EXHAUSTED, p, ap.communityId(), trainer.identity(),
                        Subject.sha256(String.format("checkpoints/step-%08d.ckpt", x.step), sha));
                listener.logged("budget-exhausted", ledger.append(Envelope.sign(st, trainer)));
                if (ranks.size() > 1) ranks.allGather(new byte[1]);
                throw x;
            }
            RunCommitment c = run.commitment();
            ObjectNode p = c.toJson();
            p.put("run", ap.action().run()).put("proposal", ap.proposal()).put("run_recipe", rr.digest());
            Statement st = Statement.of(FINISHED, p, ap.communityId(), trainer.identity(),
                    Subject.sha256("transcript", c.transcriptRoot()), Subject.sha256("weights", c.finalWeightsSha256()),
                    Subject.sha256("state", c.finalStateSha256()));
            LogEntry e = ledger.append(Envelope.sign(st, trainer));
            listener.logged("run-finished", e);
            // The first signed (through a witnessed node: cosigned) checkpoint that includes it: the spot check's beacon.
            TrainingRun.writeAtomically(out.resolve("beacon-checkpoint"), ledger.beacon(e));
            return c;
        }
    }

    /** The compute budget a start-run action grants, or null. */
    public static ComputeBudget budget(Action.StartRun a) {
        return a.hasBudget() ? new ComputeBudget(a.maxFlops(), a.maxCpuHours()) : null;
    }

    /**
     * The newest compute record the ledger holds for a proposal's run (from its run-finished or budget-exhausted
     * statement): {"flops", "cpu_hours", "statement"}, or null before the run reports.
     */
    public static ObjectNode spend(TransparencyLog log, String proposal) {
        ObjectNode[] last = {null};
        log.replay(0, log.size(), (entry, v) -> {
            Statement st = v.statement();
            if (!proposal.equals(st.predicate().path("proposal").asText())) return;
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            if (FINISHED.equals(st.predicateType()) && st.predicate().has("compute")) {
                JsonNode c = st.predicate().get("compute");
                n.put("flops", c.path("run_flops_total").asDouble(c.path("flops_total").asDouble()));
                n.put("cpu_hours", c.path("run_cpu_seconds").asDouble(c.path("cpu_seconds").asDouble()) / 3600);
                n.put("statement", "run-finished");
                last[0] = n;
            } else if (BUDGET_EXHAUSTED.equals(st.predicateType())) {
                JsonNode b = st.predicate().path("budget");
                n.put("flops", b.path("spent_flops").asDouble());
                n.put("cpu_hours", b.path("spent_cpu_hours").asDouble());
                n.put("statement", "budget-exhausted at step " + st.predicate().path("step").asInt());
                last[0] = n;
            }
        });
        return last[0];
    }

    // ------------------------------------------------------------------ verifying

    /** A governed run's commitment as the ledger holds it, with the beacon. */
    public record Committed(RunCommitment commitment, long index, byte[] beacon, String communityId, String proposal, String run, String beaconNote) {}

    /**
     * Finds the first run-finished statement for the run in {@code runDir} in the ledger of {@code home}, signed
     * by the trainer named in governed.json; checks the run's recipe against the approved proposal; verifies the
     * beacon checkpoint with the log's key. Later statements for the same run (a re-signed root) are ignored.
     */
    public static Committed committed(Path home, Path runDir) throws IOException {
        Path gf = runDir.resolve("governed.json");
        JsonNode gov = TrainingRun.readJson(gf);
        String proposal = gov.path("proposal").asText(), trainerKey = gov.path("trainer").asText();
        LedgerHome lh = new LedgerHome(home);
        try (TransparencyLog log = lh.openLogReadOnly()) {
            CommunityState state = Community.replay(log, log.size());
            Approval ap = approval(state, proposal, System.currentTimeMillis());
            RunRecipe rr = RunRecipe.read(runDir.resolve("run-recipe.json"));
            if (!rr.digest().equals(ap.action().recipe())) {
                throw new VerificationFailure("recipe", "run-recipe.json has digest " + rr.digest() + ", proposal " + ap.number() + " approved " + ap.action().recipe());
            }
            Recipe inRun = Recipe.fromJson(TrainingRun.readJson(runDir.resolve("run.json")).get("recipe"), runDir.resolve("run.json").toString());
            if (!RunCommitment.recipeDigest(inRun).equals(RunCommitment.recipeDigest(rr.recipe()))) {
                throw new VerificationFailure("recipe", "run.json's recipe is not the approved recipe (" + recipeDiff(rr.recipe(), inRun) + ")");
            }
            List<Object[]> found = new ArrayList<>();
            log.replay(0, log.size(), (entry, v) -> {
                Statement st = v.statement();
                if (found.isEmpty() && FINISHED.equals(st.predicateType()) && proposal.equals(st.predicate().path("proposal").asText())
                        && ap.communityId().equals(st.communityId().orElse("")) && v.signers().getFirst().publicKeyHex().equals(trainerKey)) {
                    found.add(new Object[] {entry.index(), st.predicate()});
                }
            });
            if (found.isEmpty()) throw new IllegalArgumentException("the ledger in " + home + " holds no run-finished statement for proposal " + ap.number());
            long index = (Long) found.getFirst()[0];
            JsonNode pred = (JsonNode) found.getFirst()[1];
            RunCommitment c = RunCommitment.fromJson(pred, "run-finished statement (log entry " + index + ")");
            if (!rr.digest().equals(pred.path("run_recipe").asText())) {
                throw new VerificationFailure("recipe", "the run-finished statement names recipe " + pred.path("run_recipe").asText() + ", not the approved one");
            }
            String note = Files.readString(runDir.resolve("beacon-checkpoint"), StandardCharsets.UTF_8);
            Checkpoint cp = Checkpoint.verify(note, log.origin(), log.logKey());
            // A local log's beacon is the checkpoint of size index+1; a node's, the first witnessed one at or after it.
            if (cp.size() <= index || cp.size() > log.size() || !java.util.Arrays.equals(cp.root(), log.root(cp.size()))) {
                throw new VerificationFailure("beacon-checkpoint", "beacon-checkpoint (size " + cp.size() + ") is not a checkpoint of this log including entry " + index);
            }
            var witnessing = state.charter().witnessing();
            int cosigned = 0;
            for (var w : witnessing.witnesses()) {
                if (dev.cairn.ledger.Cosignature.verify(note, w.name(), dev.cairn.ledger.Identity.ofHex(w.publicKey()))) cosigned++;
            }
            if (cosigned < witnessing.quorum()) {
                throw new VerificationFailure("beacon-checkpoint", "beacon-checkpoint carries " + cosigned + " of the " + witnessing.quorum()
                        + " witness cosignatures the charter requires");
            }
            if (witnessing.quorum() == 0 && cp.size() != index + 1) {
                throw new VerificationFailure("beacon-checkpoint", "beacon-checkpoint is not the log's first checkpoint including entry " + index);
            }
            return new Committed(c, index, MerkleTree.sha256(note.getBytes(StandardCharsets.UTF_8)), ap.communityId(), ap.proposal(),
                    ap.action().run(), note);
        }
    }

    private static String recipeDiff(Recipe want, Recipe got) {
        JsonNode a = TrainingRun.JSON.valueToTree(want), b = TrainingRun.JSON.valueToTree(got);
        List<String> d = new ArrayList<>();
        a.fieldNames().forEachRemaining(f -> {
            if (!a.get(f).equals(b.get(f))) d.add(f + " " + b.get(f) + " instead of " + a.get(f));
        });
        return String.join(", ", d);
    }

    /** An artifact that does not match what was approved or committed. */
    public static final class VerificationFailure extends RuntimeException {
        public final String artifact;

        public VerificationFailure(String artifact, String message) {
            super(message);
            this.artifact = artifact;
        }
    }

    /** Appends a signed verification attestation: what was checked, how, and the verdict. */
    public static LogEntry attest(Path home, String communityId, String proposal, String run, RunCommitment c,
                                  RunVerifier.Verdict v, String beaconHex, SigningKey verifier) {
        try (GovernedLedger ledger = GovernedLedger.local(home)) {
            return attest(ledger, communityId, proposal, run, c, v, beaconHex, verifier);
        }
    }

    /** As {@link #attest(Path, String, String, String, RunCommitment, RunVerifier.Verdict, String, SigningKey)}, into {@code ledger}. */
    public static LogEntry attest(GovernedLedger ledger, String communityId, String proposal, String run, RunCommitment c,
                                  RunVerifier.Verdict v, String beaconHex, SigningKey verifier) {
        ObjectNode p = v.toJson();
        p.put("run", run == null ? "" : run);
        if (proposal != null) p.put("proposal", proposal);
        p.put("transcript_root", c.transcriptRoot());
        if (beaconHex != null) p.put("beacon", beaconHex);
        p.remove("seconds"); // a measurement, not a finding
        Statement st = Statement.of(VERIFICATION, p, communityId, verifier.identity(), Subject.sha256("transcript", c.transcriptRoot()));
        return ledger.append(Envelope.sign(st, verifier));
    }
}
