package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Proposal;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn proposal show|list|cancel}: read proposals (state, tallies, quorum, what is left); withdraw one. */
@Command(name = "proposal", mixinStandardHelpOptions = true, description = "Show, list or cancel proposals.",
        subcommands = {ProposalCommand.Show.class, ProposalCommand.ListProposals.class, ProposalCommand.Cancel.class})
final class ProposalCommand implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Proposal find(CommunityState s, String id) {
        return s.proposal(id).orElseThrow(() -> new IllegalArgumentException("no proposal " + id + " in community "
                + s.name() + " (it has " + s.proposals().size() + "; give a number or a digest prefix of 8+ hex digits)"));
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A proposal's state, tallies, quorum and what is left, judged now.")
    static final class Show extends GovernanceCli {
        @Parameters(index = "0", paramLabel = "ID", description = "Number or digest (prefix).") String id;

        @Override
        int execute() throws Exception {
            CommunityState s = Community.read(ledgerHome());
            Proposal p = find(s, id);
            long now = System.currentTimeMillis();
            if (json) {
                var n = proposalJson(p, now);
                n.set("votes", ballotsJson(p));
                var spent = spend(ledgerHome(), p);
                if (spent != null) n.set("spent", spent);
                print(n);
            } else {
                printProposal(out(), p, s, now);
                for (Proposal.CastBallot b : p.ballots()) {
                    out().println("  ballot     " + s.who(b.voter()) + ": " + b.ballot().describe() + " (weight " + b.weight() + ")");
                }
                for (dev.cairn.governance.Choice c : p.motion().choices()) {
                    if (c.action() instanceof dev.cairn.governance.Action.StartRun sr && sr.hasBudget()) {
                        var spent = spend(ledgerHome(), p);
                        dev.cairn.training.ComputeBudget b = dev.cairn.training.GovernedRun.budget(sr);
                        out().println("  " + (p.motion().isRanked() ? "option " + c.id() + " " : "") + (spent == null
                                ? b.describe(0, 0) + " (nothing spent yet)"
                                : b.describe(spent.path("flops").asDouble(), 3600 * spent.path("cpu_hours").asDouble()) + " (" + spent.path("statement").asText() + ")"));
                    }
                }
                out().flush();
            }
            return 0;
        }
    }

    /** What the proposal's run spent, from its newest run-finished or budget-exhausted statement; null if none. */
    static com.fasterxml.jackson.databind.node.ObjectNode spend(LedgerHome lh, Proposal p) throws java.io.IOException {
        try (dev.cairn.ledger.TransparencyLog log = lh.openLogReadOnly()) {
            return dev.cairn.training.GovernedRun.spend(log, p.digest());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every proposal with its state now.")
    static final class ListProposals extends GovernanceCli {
        @Override
        int execute() throws Exception {
            CommunityState s = Community.read(ledgerHome());
            long now = System.currentTimeMillis();
            if (json) {
                var n = JSON.createObjectNode().put("community", s.communityId()).put("now", now);
                var arr = n.putArray("proposals");
                for (Proposal p : s.proposals()) {
                    arr.addObject().put("number", p.number()).put("digest", p.digest()).put("class", p.motion().decisionClass().key())
                            .put("title", p.motion().title()).put("state", p.state(now).label()).put("what_is_left", whatIsLeft(p, now));
                }
                print(n);
            } else {
                if (s.proposals().isEmpty()) out().println("no proposals yet in " + s.name());
                for (Proposal p : s.proposals()) {
                    out().printf("%4d  %-9s  %-13s  %s%n", p.number(), p.state(now).label(), p.motion().decisionClass().key(), p.motion().title());
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Withdraw your own proposal while it is still Pending.")
    static final class Cancel extends GovernanceCli {
        @Parameters(index = "0", paramLabel = "ID") String id;
        @Option(names = "--key", required = true, paramLabel = "K", description = "The proposer's key.") String key;
        @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

        @Override
        int execute() throws Exception {
            LedgerHome lh = ledgerHome();
            try (Community c = Community.open(lh, InstantSource.system())) {
                c.cancel(loadKey(lh, key, passphraseFile), id);
                Proposal p = c.require(id);
                if (json) print(proposalJson(p, System.currentTimeMillis()));
                else out().println("proposal " + p.number() + " canceled");
                out().flush();
                return 0;
            }
        }
    }
}
