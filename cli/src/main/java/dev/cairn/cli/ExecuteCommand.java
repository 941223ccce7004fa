package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.Enactment;
import dev.cairn.governance.Proposal;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn execute ID}: carries out a proposal that succeeded (after its timelock, if queued). Execution
 * is permissionless, as in OpenZeppelin Governor; without {@code --key} the home's log operator key signs it.
 */
@Command(name = "execute", mixinStandardHelpOptions = true, description = "Execute proposal ID once it has succeeded (or, if queued, once its timelock has ended).")
final class ExecuteCommand extends GovernanceCli {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = "--key", paramLabel = "K", description = "Sign with this key (default: the home's log operator key).") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    /** The signer of a permissionless action: {@code --key}, else the log operator key. */
    static SigningKey signer(LedgerHome lh, String key, Path passphraseFile) {
        return key == null ? lh.keys().load(LedgerHome.LOG_KEY, null) : loadKey(lh, key, passphraseFile);
    }

    @Override
    int execute() throws Exception {
        LedgerHome lh = keyHome();
        try (Community c = openCommunity()) {
            c.execute(signer(lh, key, passphraseFile), id);
            Proposal p = c.require(id);
            Enactment e = c.state().enactments().getLast();
            if (json) {
                var n = proposalJson(p, System.currentTimeMillis());
                n.set("enacted", e.action().toJson());
                n.put("state_digest", c.state().digest());
                print(n);
            } else {
                out().println("executed proposal " + p.number() + ": " + e.action().summary());
                out().println("state      " + c.state().digest());
                out().flush();
            }
            return 0;
        }
    }
}
