package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Charter;
import dev.cairn.governance.CharterException;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.DecisionPolicy;
import dev.cairn.governance.Member;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.ProposalState;
import dev.cairn.governance.RejectedException;
import dev.cairn.governance.Tally;
import dev.cairn.ledger.KeyStore;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the governance commands share: the home, {@code --json}, loading a member key, one-line errors, and
 * describing proposals. Each command is thin: it parses, calls {@link dev.cairn.governance.Community}, prints.
 */
abstract class GovernanceCli implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;
    @Mixin HomeOption home;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--remote", paramLabel = "URL", description = "Act on the community a node serves (cairn serve): statements are "
            + "signed here and submitted over HTTP; reads come from a verified local mirror (HOME/remotes/). Default: the node "
            + "named in HOME/config.toml ([node] url), if any; 'local' uses this home's log.") String remoteFlag;

    /** The node to act on (--remote, else HOME/config.toml), or null for this home's own log. */
    String remote() {
        return dev.cairn.training.NodeConfig.remote(home.dir(), remoteFlag);
    }

    /** The command's work; returns the exit code. */
    abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (RejectedException e) {
            return fail("rejected: " + e.getMessage(), 1);
        } catch (CharterException e) {
            return fail(e.getMessage(), 2);
        } catch (LedgerException e) {
            return fail(e.getMessage(), 1);
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return fail(e.getMessage(), 1);
        } catch (Exception e) {
            return fail(e.toString(), 1);
        }
    }

    /** One line on err: "cairn vote: rejected: ..." where the log's rules refused the entry, else "cairn vote: error: ...". */
    int fail(String message, int code) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": " + (message.startsWith("rejected: ") ? "" : "error: ") + message);
        err.flush();
        return code;
    }

    /** The home whose log the command reads: this one, or (with --remote) the verified mirror of the node's log. */
    LedgerHome ledgerHome() {
        String remote = remote();
        if (remote == null) return new LedgerHome(home.dir());
        Path mirror = mirrorHome(home.dir(), remote);
        dev.cairn.governance.Community.syncWitnessed(remote, mirror.resolve("log"));
        pinLogKey(mirror);
        return new LedgerHome(mirror);
    }

    /** The home the member's keys live in (always the local one). */
    LedgerHome keyHome() {
        return new LedgerHome(home.dir());
    }

    /** The community to act in: the local log, or the node at --remote through its verified mirror. */
    dev.cairn.governance.Community openCommunity() {
        String remote = remote();
        if (remote == null) return dev.cairn.governance.Community.open(new LedgerHome(home.dir()), java.time.InstantSource.system());
        Path mirror = mirrorHome(home.dir(), remote);
        var c = dev.cairn.governance.Community.openRemote(remote, mirror.resolve("log"), java.time.InstantSource.system());
        pinLogKey(mirror);
        return c;
    }

    /** The node at url as a governed run's ledger, through this home's verified mirror of it. */
    static dev.cairn.training.GovernedLedger remoteLedger(Path home, String url) {
        return dev.cairn.training.GovernedLedger.remoteFor(home, url);
    }

    static Path mirrorHome(Path home, String url) {
        return dev.cairn.training.GovernedLedger.mirrorHome(home, url);
    }

    /** The mirror's log key as the home's cairn-log.pub, so the read commands check its checkpoints with it. */
    static void pinLogKey(Path mirror) {
        dev.cairn.training.GovernedLedger.pinLogKey(mirror);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    void print(ObjectNode n) throws Exception {
        out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        out().flush();
    }

    /** Loads the private key {@code name} from the home's key store. */
    static SigningKey loadKey(LedgerHome home, String name, Path passphraseFile) {
        if (LedgerHome.LOG_KEY.equals(name)) {
            throw new IllegalArgumentException("the key " + name + " is the log operator's; it has no vote");
        }
        KeyStore ks = home.keys();
        if (!Files.exists(ks.privateKeyPath(name))) {
            throw new IllegalArgumentException("no private key named " + name + " in " + ks.dir() + " (make one with `cairn key new " + name + "`)");
        }
        char[] pass = passphraseFile == null ? null : KeyStore.readPassphraseFile(passphraseFile);
        try {
            return ks.load(name, pass);
        } finally {
            if (pass != null) Arrays.fill(pass, '\0');
        }
    }

    /** Resolves {@code @name} in charters and proposals to the public key of the home's key {@code name}. */
    static Charter.KeyResolver keyResolver(LedgerHome home) {
        KeyStore ks = home.keys();
        return name -> {
            if (!ks.exists(name) || LedgerHome.LOG_KEY.equals(name)) return Optional.empty();
            return Optional.of(ks.loadPublic(name).publicKeyHex());
        };
    }

    /** A member by public key (hex), {@code @keyname} or display name. */
    static String memberKey(String ref, CommunityState state, LedgerHome home) {
        if (ref.startsWith("@")) {
            return keyResolver(home).publicKeyHex(ref.substring(1))
                    .orElseThrow(() -> new IllegalArgumentException("no key named \"" + ref.substring(1) + "\" in " + home.keys().dir()));
        }
        if (ref.matches("[0-9a-fA-F]{64}")) return ref.toLowerCase(java.util.Locale.ROOT);
        for (Member m : state.members()) if (m.name().equals(ref)) return m.publicKey();
        if (home.keys().exists(ref)) return home.keys().loadPublic(ref).publicKeyHex();
        throw new IllegalArgumentException("\"" + ref + "\" is not a member's name, a key name or a public key");
    }

    static String when(long t, long now) {
        String rel = t >= now ? "in " + CommunityState.human(Duration.ofMillis(t - now)) : CommunityState.human(Duration.ofMillis(now - t)) + " ago";
        return CommunityState.time(t) + " (" + rel + ")";
    }

    /** What a proposal still needs, in one line. */
    static String whatIsLeft(Proposal p, long now) {
        ProposalState s = p.state(now);
        Tally t = p.tally();
        DecisionPolicy pol = p.policy();
        int n = p.number();
        return switch (s) {
            case PENDING -> "voting opens after the snapshot at " + when(p.snapshot(), now);
            case ACTIVE -> {
                long missing = Math.max(0, t.quorumRequired() - t.quorumCounted());
                yield "voting closes at " + when(p.deadline(), now) + "; "
                        + (missing == 0 ? "quorum reached" : "quorum needs " + missing + " more weight"
                        + (p.motion().isRanked() ? " in ballots" : " for or abstaining"))
                        + "; " + (t.carried() ? "carrying so far" : "not carrying so far");
            }
            case SUCCEEDED -> pol.timelock().isZero() ? "execute it: cairn execute " + n
                    : "queue it: cairn queue " + n + " (then a timelock of " + CommunityState.human(pol.timelock()) + ")";
            case QUEUED -> (now < p.eta() ? "executable from " + when(p.eta(), now)
                    : "executable now: cairn execute " + n) + "; expires " + CommunityState.time(p.eta() + pol.gracePeriod().toMillis());
            case DEFEATED -> "nothing: " + t.explanation();
            case EXPIRED -> "nothing: expired at " + CommunityState.time(p.eta() + pol.gracePeriod().toMillis());
            case CANCELED -> "nothing: canceled at " + CommunityState.time(p.canceledAt());
            case EXECUTED -> "nothing: executed at " + CommunityState.time(p.executedAt());
        };
    }

    /** The proposal as JSON, judged at {@code now}, with what is left. */
    static ObjectNode proposalJson(Proposal p, long now) {
        ObjectNode n = CommunityState.proposalJson(p, now);
        n.put("now", now);
        n.put("what_is_left", whatIsLeft(p, now));
        return n;
    }

    /** The proposal for people. */
    static void printProposal(PrintWriter out, Proposal p, CommunityState state, long now) {
        out.println("proposal " + p.number() + ": " + p.motion().title());
        out.println("  id         " + p.digest());
        out.println("  class      " + p.motion().decisionClass().key() + " (" + p.policy().rule().spelling() + ", quorum "
                + p.policy().quorum().spelling() + ")");
        out.println("  state      " + p.state(now).label());
        out.println("  proposer   " + state.who(p.proposer()));
        if (!p.motion().description().isEmpty()) out.println("  about      " + p.motion().description());
        if (p.motion().isRanked()) {
            p.motion().choices().forEach(c -> out.println("  option     " + c.id() + ": " + c.action().summary()));
        } else {
            out.println("  action     " + p.motion().choices().getFirst().action().summary());
        }
        out.println("  created    " + when(p.created(), now));
        out.println("  snapshot   " + when(p.snapshot(), now));
        out.println("  deadline   " + when(p.deadline(), now));
        if (p.eta() >= 0) out.println("  eta        " + when(p.eta(), now));
        Tally t = p.tally();
        switch (t) {
            case Tally.Binary b -> out.println("  tally      for " + b.forWeight() + ", against " + b.againstWeight()
                    + ", abstain " + b.abstainWeight() + " (of " + b.totalWeight() + ")");
            case Tally.Ranked r -> out.println("  tally      " + r.ballots() + " ballots; Schulze ranking "
                    + String.join(" > ", r.schulze().ranking()) + (r.dropped().isEmpty() ? "" : "; dropped " + String.join(", ", r.dropped())));
        }
        out.println("  quorum     " + t.quorumCounted() + " of " + t.quorumRequired() + " needed" + (t.quorumReached() ? " (reached)" : ""));
        out.println("  left       " + whatIsLeft(p, now));
        out.flush();
    }

    static ArrayNode ballotsJson(Proposal p) {
        ArrayNode a = JSON.createArrayNode();
        for (Proposal.CastBallot b : p.ballots()) {
            a.addObject().put("voter", b.voter()).put("weight", b.weight()).put("ballot", b.ballot().describe());
        }
        return a;
    }
}
