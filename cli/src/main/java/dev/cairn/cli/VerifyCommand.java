package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Community;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.MerkleTree;
import dev.cairn.ledger.SigningKey;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import dev.cairn.training.GovernedRun;
import dev.cairn.training.RunCommitment;
import dev.cairn.training.RunVerifier;
import dev.cairn.training.Transcript;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** cairn verify RUN --full | --spot-check Q [--segment K] | --against OTHER [--key VERIFIER]. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify a training run by re-executing it: the whole run, Q beacon-chosen segments, or the dispute game against another transcript.",
                "Exact equality on every leaf (batch digest, loss bits, state digest); execution settings do not change results.",
                "A governed run is checked against its signed run-finished statement in the ledger of --home and the approved recipe."},
        footer = {"", "Examples:", "  cairn verify runs/r1 --full --threads 1 --kernels scalar",
                "  cairn verify runs/r1 --spot-check 10 --segment 20 --key cedar-university",
                "  cairn verify runs/r1 --against runs/r1-other/transcript.bin --json",
                "", "Exit status: 0 verified, 1 verification failed, 2 bad input."})
final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "RUN", description = "The run directory.") Path run;

    static final class Mode {
        @Option(names = "--full", description = "Re-execute every step.") boolean full;
        @Option(names = "--spot-check", paramLabel = "Q", description = "Re-execute Q segments chosen by the beacon.") Integer spot;
        @Option(names = "--against", paramLabel = "OTHER", description = "Dispute: another transcript (transcript.bin or its run directory).") Path against;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Mode mode;
    @Option(names = "--segment", paramLabel = "K", defaultValue = "20", description = "Steps per spot-check segment (default 20).") int segment;
    @Option(names = "--key", paramLabel = "VERIFIER", description = "Sign a verification attestation into the ledger with this key.") String key;
    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passphrase of an encrypted --key.") Path passphraseFile;
    @Option(names = "--json", description = "Print one JSON object with the verdict as the last line.") boolean json;
    @Option(names = "--remote", paramLabel = "URL", description = "The community's node (default: HOME/config.toml's [node] url; 'local': this "
            + "home's log): the commitment is read from a verified mirror of its log and the attestation (--key) submitted to it.") String remote;
    @Mixin HomeOption home;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        BaseModelOptions.registerHome(home.dir());
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!Files.isDirectory(run)) throw new IllegalArgumentException("run directory not found: " + run);
        if (mode.spot != null && mode.spot < 1) throw new IllegalArgumentException("--spot-check needs Q >= 1, got " + mode.spot);
        SigningKey signer = key == null ? null : GovernanceCli.loadKey(new LedgerHome(home.dir()), key, passphraseFile);
        String modeName = mode.full ? "full" : mode.spot != null ? "spot-check" : "dispute";
        RunCommitment commitment;
        byte[] beacon;
        String communityId = null, proposal = null, runName = run.getFileName().toString();
        long t0 = System.nanoTime();
        RunVerifier.Verdict verdict = null;
        String node = dev.cairn.training.NodeConfig.remote(home.dir(), remote);
        Path ledgerHome = home.dir();
        if (node != null) { // sync and check the mirror the commitment is read from (each rank of a job its own)
            try (var l = Cluster.rank() == 0 ? GovernanceCli.remoteLedger(home.dir(), node) : dev.cairn.training.GovernedLedger.remoteReader(home.dir(), node, Cluster.rank())) {
                ledgerHome = l.ledgerHome();
            }
        }
        if (Files.exists(run.resolve("governed.json"))) {
            GovernedRun.Committed c;
            try {
                c = GovernedRun.committed(ledgerHome, run);
            } catch (GovernedRun.VerificationFailure f) {
                verdict = new RunVerifier.Verdict(false, modeName, 0, null, f.artifact, f.getMessage(), (System.nanoTime() - t0) / 1e9, List.of(), 0, 0);
                return finish(out, verdict, null, null, null, null, signer, null);
            }
            commitment = c.commitment();
            beacon = c.beacon();
            communityId = c.communityId();
            proposal = c.proposal();
            runName = c.run();
            err.println("commitment: run-finished statement at log entry " + c.index() + " (signed), community " + communityId.substring(0, 12) + "…");
        } else {
            commitment = RunVerifier.localCommitment(run);
            beacon = MerkleTree.sha256(Files.readAllBytes(run.resolve(RunCommitment.FILE)));
            err.println("commitment: " + run.resolve(RunCommitment.FILE) + " (unsigned: not a governed run; the beacon is the commitment's own digest)");
        }
        try (Parallel par = exec.parallel()) {
            Kernels k = exec.kernels();
            err.println("verifying " + run + " (" + modeName + "; kernels " + k.name() + ", "
                    + (Cluster.ranks().size() > 1 ? Cluster.ranks().size() + " processes x " : "") + par.threads() + " threads)");
            err.flush();
            RunVerifier v = RunVerifier.open(run, commitment, k, par, Cluster.ranks());
            Progress[] bar = {null};
            RunVerifier.Listener l = new RunVerifier.Listener() {
                @Override public void info(String line) {
                    err.println(line);
                    err.flush();
                }

                @Override public void progress(int done, int total) {
                    if (bar[0] == null) bar[0] = new Progress(err, total);
                    bar[0].update(done, 0, "re-executed");
                }
            };
            if (mode.full) verdict = v.full(l);
            else if (mode.spot != null) {
                err.println(String.format(Locale.ROOT, "spot check: %d segments of %d steps; beacon %s", mode.spot, segment, Hex.encode(beacon).substring(0, 16) + "…"));
                verdict = v.spotCheck(beacon, mode.spot, segment, l);
            } else {
                Path f = Files.isDirectory(mode.against) ? mode.against.resolve(Transcript.FILE) : mode.against;
                Transcript other = Transcript.read(f);
                Path otherCommit = f.resolveSibling(RunCommitment.FILE);
                byte[] root = Files.exists(otherCommit) ? HexFormat.of().parseHex(RunVerifier.localCommitment(f.getParent() == null ? Path.of(".") : f.getParent()).transcriptRoot()) : other.root();
                verdict = v.dispute(new RunVerifier.Side(f.toString(), other, root), l);
            }
        }
        return finish(out, verdict, commitment, communityId, proposal, runName, signer, mode.spot != null ? Hex.encode(beacon) : null);
    }

    private int finish(PrintWriter out, RunVerifier.Verdict v, RunCommitment c, String communityId, String proposal, String runName,
                       SigningKey signer, String beaconHex) throws Exception {
        out.println((v.ok() ? "VERIFIED: " : "FAILED: ") + (v.artifact() != null ? v.artifact() + ": " : "") + v.message());
        out.println(String.format(Locale.ROOT, "  mode %s, %d steps re-executed, first bad step %s, %.1f s", v.mode(), v.checkedSteps(),
                v.firstBadStep() == null ? "none" : v.firstBadStep(), v.seconds()));
        ObjectNode j = v.toJson();
        if (signer != null && c != null && Cluster.rank() == 0) { // one attestation per job: rank 0 signs
            String node = dev.cairn.training.NodeConfig.remote(home.dir(), remote);
            LogEntry e;
            try (var ledger = node == null ? dev.cairn.training.GovernedLedger.local(home.dir()) : GovernanceCli.remoteLedger(home.dir(), node)) {
                if (communityId == null) communityId = ledger.state().communityId();
                e = GovernedRun.attest(ledger, communityId, proposal, runName, c, v, beaconHex, signer);
            }
            out.println("  attestation signed by " + key + " at log entry " + e.index() + (node == null ? "" : " of " + node));
            j.put("attestation_index", e.index());
        }
        if (json) out.println(new ObjectMapper().writeValueAsString(j));
        out.flush();
        return v.ok() ? 0 : 1;
    }
}
