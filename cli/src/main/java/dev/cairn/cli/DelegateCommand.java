package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.DecisionClass;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn delegate --to MEMBER --key K}: delegate voting power (transitively; cycles are refused). */
@Command(name = "delegate", mixinStandardHelpOptions = true, description = "Delegate your voting power to MEMBER (name, @keyname or public key);"
        + " --to self withdraws. Power counts at each proposal's snapshot, where the charter allows delegation.")
final class DelegateCommand extends GovernanceCli {
    @Option(names = "--to", required = true, paramLabel = "MEMBER") String to;
    @Option(names = "--key", required = true, paramLabel = "K", description = "The delegator's key.") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        LedgerHome lh = keyHome();
        try (Community c = openCommunity()) {
            var k = loadKey(lh, key, passphraseFile);
            String me = k.identity().publicKeyHex();
            String target = to.equals("self") ? "" : memberKey(to, c.state(), lh);
            c.delegate(k, target.equals(me) ? "" : target);
            var s = c.state();
            DecisionClass cls = java.util.Arrays.stream(DecisionClass.values())
                    .filter(x -> s.charter().policy(x).delegation()).findFirst().orElse(DecisionClass.ADMIT_DATA);
            if (json) {
                var n = JSON.createObjectNode().put("delegator", me).put("delegate", target.equals(me) ? "" : target);
                var d = n.putObject("delegations");
                s.delegations().forEach(d::put);
                var p = n.putObject("voting_power");
                for (var m : s.members()) p.put(m.publicKey(), s.votingPower(m.publicKey(), cls));
                print(n);
            } else {
                out().println(target.isEmpty() || target.equals(me) ? s.who(me) + " withdrew its delegation"
                        : s.who(me) + " delegates to " + s.who(target));
                for (var m : s.members()) {
                    out().println("power      " + m.name() + ": " + s.votingPower(m.publicKey(), cls)
                            + " (for " + cls.key() + " and other classes where delegation counts)");
                }
                out().flush();
            }
            return 0;
        }
    }
}
