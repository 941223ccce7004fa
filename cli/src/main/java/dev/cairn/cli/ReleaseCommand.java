package dev.cairn.cli;

import dev.cairn.ledger.LedgerHome;
import dev.cairn.release.ReleasePublisher;
import dev.cairn.release.ReleaseVerifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Publish a release the community decided, and check a release before trusting it.",
        subcommands = {ReleaseCommand.Publish.class, ReleaseCommand.Verify.class})
final class ReleaseCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Build the bundle of an executed release proposal: the Hugging Face directory, model.gguf, the model card, "
                    + "the usage policy, SLSA provenance and model.sig (OpenSSF model signing, the member's ECDSA release key), "
                    + "and sign a release statement binding every digest to the proposal into the ledger.",
            footer = {"", "Example:", "  cairn release publish 4 --key alpine-lab --usage-policy USAGE_POLICY.md --out releases/shakespeare-1"})
    static final class Publish implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "PROPOSAL", description = "The executed release proposal (number or id).") String proposal;
        @Option(names = "--key", required = true, paramLabel = "K", description = "The publishing member (Ed25519 key and its release key).") String key;
        @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;
        @Option(names = "--out", paramLabel = "DIR", description = "Where to write the bundle (default: HOME/releases/MODEL).") Path out;
        @Option(names = "--run", paramLabel = "RUN_DIR", description = "The run directory (default: HOME/runs/RUN).") Path run;
        @Option(names = "--usage-policy", paramLabel = "FILE", description = "The usage policy (Markdown) the proposal pins by digest.") Path usagePolicy;
        @Option(names = "--license-file", paramLabel = "FILE", description = "The licence text (required for a LicenseRef- licence).") Path licenseFile;
        @Option(names = "--json", description = "Print one JSON object.") boolean json;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            var member = GovernanceCli.loadKey(new LedgerHome(home.dir()), key, passphraseFile);
            var state = dev.cairn.governance.Community.read(new LedgerHome(home.dir()));
            var p = state.proposal(proposal).orElseThrow(() -> new IllegalArgumentException("no proposal " + proposal));
            String model = p.winningAction() instanceof dev.cairn.governance.Action.ReleaseModel r ? r.model() : "release-" + p.number();
            Path dir = out != null ? out : home.dir().resolve("releases").resolve(model);
            long t0 = System.nanoTime();
            var res = ReleasePublisher.publish(new ReleasePublisher.Request(home.dir(), proposal, key, member, dir, run, usagePolicy, licenseFile));
            double s = (System.nanoTime() - t0) / 1e9;
            if (json) {
                var n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                n.put("dir", res.dir().toString()).put("root_sha256", res.rootDigest()).put("statement_index", res.statementIndex()).put("seconds", s);
                n.putPOJO("files", res.files());
                o.println(n);
            } else {
                o.printf("published %s: %d files, signed (root %s…) in %.2f s%n", res.dir(), res.files().size(), res.rootDigest().substring(0, 12), s);
                o.println("  release statement at ledger entry " + res.statementIndex());
                o.println("check it:  ./cairn release verify " + res.dir() + " --home " + home.dir());
                o.println("load it:   python3 -c \"from transformers import AutoModelForCausalLM, AutoTokenizer; m = AutoModelForCausalLM.from_pretrained('"
                        + res.dir().toAbsolutePath() + "'); t = AutoTokenizer.from_pretrained('" + res.dir().toAbsolutePath() + "')\"");
            }
            o.flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Check a release offline against the community's ledger: every file against model.sig, the signature against "
                    + "a member's release key, the release statement and the proposal's execution (inclusion proof against the signed "
                    + "checkpoint), the weights against the run's commitment, the provenance, and data removed since training.",
            footer = {"", "Example:", "  cairn release verify releases/shakespeare-1 --home community-home --json"})
    static final class Verify implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "DIR", description = "The release directory.") Path dir;
        @Option(names = "--json", description = "Print one JSON object: ok, checks, first_failure.") boolean json;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            long t0 = System.nanoTime();
            ReleaseVerifier.Verdict v = ReleaseVerifier.verify(dir, home.dir());
            double s = (System.nanoTime() - t0) / 1e9;
            if (json) {
                o.println(v.toJson().put("seconds", s));
            } else {
                for (ReleaseVerifier.Check c : v.checks()) o.printf("  %-18s %s  %s%n", c.name(), c.ok() ? "ok  " : c.warning() ? "WARN" : "FAIL", c.detail());
                o.printf("%s (%.2f s)%n", v.ok() ? "VERIFIED: " + dir + " is the release the community decided, signed by a member" : "NOT VERIFIED", s);
            }
            o.flush();
            if (!v.ok()) {
                err.println("cairn release verify: " + v.firstFailure().map(c -> c.name() + ": " + c.detail()).orElse("failed"));
                err.flush();
                return 1;
            }
            return 0;
        }
    }
}
