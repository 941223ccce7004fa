package dev.cairn.cli;

import dev.cairn.governance.Charter;
import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.ForkOrigin;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn fork}: starts a new community from another's log at a checkpoint. */
@Command(name = "fork", mixinStandardHelpOptions = true, description = "Start a new community in HOME from the community whose log is LOG_DIR, at CHECKPOINT"
        + " (a tree size, or a file holding a signed checkpoint of that log): the genesis cites the parent and checkpoint"
        + " and takes along its datasets, runs and releases.")
final class ForkCommand extends GovernanceCli {
    @Option(names = "--from", required = true, paramLabel = "LOG_DIR", description = "The parent community's log directory.") Path from;
    @Option(names = "--at", required = true, paramLabel = "CHECKPOINT", description = "Tree size, or a signed checkpoint file.") String at;
    @Option(names = "--name", required = true, paramLabel = "NEW") String name;
    @Option(names = "--charter", required = true, paramLabel = "FILE", description = "The new community's charter (TOML).") Path charterFile;
    @Option(names = "--key", required = true, paramLabel = "K", description = "The founder's key (a member of the new charter).") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        LedgerHome lh = ledgerHome();
        Charter charter = Charter.read(charterFile, keyResolver(lh));
        long size = 0;
        String note = null;
        if (at.matches("\\d{1,18}")) {
            size = Long.parseLong(at);
        } else if (Files.isRegularFile(Path.of(at))) {
            note = Files.readString(Path.of(at));
        } else {
            throw new IllegalArgumentException("--at " + at + ": neither a tree size nor a checkpoint file");
        }
        if (!Files.isRegularFile(from.resolve("log.json"))) throw new IllegalArgumentException("--from " + from + ": no log there (no log.json)");
        try (Community c = Community.fork(lh, from, size, note, name, charter, loadKey(lh, key, passphraseFile), InstantSource.system())) {
            CommunityState s = c.state();
            ForkOrigin o = s.origin().orElseThrow();
            if (json) {
                var n = JSON.createObjectNode().put("community", s.communityId()).put("name", s.name())
                        .put("parent", o.parentCommunity()).put("parent_name", o.parentName())
                        .put("checkpoint_size", o.checkpointSize()).put("checkpoint_root", o.checkpointRoot())
                        .put("log", lh.logDir().toString());
                var arts = n.putArray("artifacts");
                o.artifacts().forEach(a -> arts.addObject().put("kind", a.kind()).put("name", a.name()).put("digest", a.digest()));
                print(n);
            } else {
                out().println("forked " + o.parentName() + " at size " + o.checkpointSize() + " (root " + o.checkpointRoot() + ")");
                out().println("community  " + s.communityId() + " (" + s.name() + ")");
                out().println("parent     " + o.parentCommunity());
                o.artifacts().forEach(a -> out().println("takes      " + a.kind() + " " + a.name() + " " + a.digest()));
                out().flush();
            }
            return 0;
        }
    }
}
