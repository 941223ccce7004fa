package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.Motion;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.ProposalFile;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn propose KIND --file PROPOSAL --key K}: puts a motion to the vote. */
@Command(name = "propose", mixinStandardHelpOptions = true, description = "Make a proposal: KIND is admit-data, start-run, release-model, amend-charter,"
        + " add-member or remove-member; PROPOSAL is a TOML file (title, description, the action's fields, or [[options]]).")
final class ProposeCommand extends GovernanceCli {
    @Parameters(index = "0", paramLabel = "KIND") String kind;
    @Option(names = "--file", required = true, paramLabel = "PROPOSAL", description = "The proposal (TOML).") Path file;
    @Option(names = "--key", required = true, paramLabel = "K", description = "The proposer's key.") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        LedgerHome lh = keyHome();
        try (Community c = openCommunity()) {
            Motion m = ReleaseProposals.complete(ProposalFile.read(file, kind, keyResolver(lh), c.state().charter()), c.state());
            Proposal p = c.propose(loadKey(lh, key, passphraseFile), m);
            long now = System.currentTimeMillis();
            if (json) {
                print(proposalJson(p, now));
            } else {
                out().println("proposal " + p.number() + " made (" + p.motion().decisionClass().key() + "): " + p.motion().title());
                out().println("id         " + p.digest());
                out().println("snapshot   " + when(p.snapshot(), now));
                out().println("deadline   " + when(p.deadline(), now));
                out().flush();
            }
            return 0;
        }
    }
}
