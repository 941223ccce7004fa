package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.governance.Charter;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Member;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn init}: founds a community in the home by writing its genesis statement to a new log. */
@Command(name = "init", mixinStandardHelpOptions = true, description = "Found a community: write its genesis statement (name + charter) to a new log in HOME.")
final class InitCommand extends GovernanceCli {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "The community's name.") String name;
    @Option(names = "--charter", required = true, paramLabel = "FILE", description = "The charter (TOML); @NAME keys resolve to HOME's keys.") Path charterFile;
    @Option(names = "--key", required = true, paramLabel = "FOUNDER", description = "The founder's key (a member of the charter).") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        LedgerHome lh = ledgerHome();
        Charter charter = Charter.read(charterFile, keyResolver(lh));
        try (Community c = Community.create(lh, name, charter, loadKey(lh, key, passphraseFile), InstantSource.system())) {
            CommunityState s = c.state();
            if (json) {
                ObjectNode n = JSON.createObjectNode().put("community", s.communityId()).put("name", s.name())
                        .put("founder", s.founder()).put("log", lh.logDir().toString()).put("origin", c.log().origin())
                        .put("tree_size", c.log().size()).put("state_digest", s.digest());
                n.set("charter", s.charter().toJson());
                print(n);
            } else {
                out().println("founded community " + s.name());
                out().println("community  " + s.communityId());
                out().println("log        " + lh.logDir() + " (origin " + c.log().origin() + ")");
                for (Member m : s.members()) {
                    out().println("member     " + m.name() + " (weight " + m.weight() + ", key id " + m.keyId().substring(0, 16) + "…)");
                }
                out().flush();
            }
            return 0;
        }
    }
}
