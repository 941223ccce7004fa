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

/** {@code cairn queue ID}: starts a succeeded proposal's timelock (permissionless, as in OpenZeppelin Governor). */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Queue succeeded proposal ID behind its timelock; execute it once the timelock has ended.")
final class QueueCommand extends GovernanceCli {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = "--key", paramLabel = "K", description = "Sign with this key (default: the home's log operator key).") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        LedgerHome lh = keyHome();
        try (Community c = openCommunity()) {
            c.queue(ExecuteCommand.signer(lh, key, passphraseFile), id);
            Proposal p = c.require(id);
            if (json) {
                print(proposalJson(p, System.currentTimeMillis()));
            } else {
                out().println("queued proposal " + p.number() + "; executable from " + CommunityState.time(p.eta())
                        + " until " + CommunityState.time(p.eta() + p.policy().gracePeriod().toMillis()));
                out().flush();
            }
            return 0;
        }
    }
}
