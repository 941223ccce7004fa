package dev.cairn.cli;

import dev.cairn.governance.Ballot;
import dev.cairn.governance.Community;
import dev.cairn.governance.Proposal;
import dev.cairn.governance.Support;
import dev.cairn.ledger.LedgerHome;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn vote ID for|against|abstain --key K} or {@code cairn vote ID --rank A,B,C --key K}. */
@Command(name = "vote", mixinStandardHelpOptions = true, description = "Vote on proposal ID (number or digest): for, against or abstain; or rank its options"
        + " with --rank A,B,C (unranked options rank last, equal; \"none\" is none of the above).")
final class VoteCommand extends GovernanceCli {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Parameters(index = "1", arity = "0..1", paramLabel = "for|against|abstain") String support;
    @Option(names = "--rank", paramLabel = "A,B,C", description = "Ranked ballot, most preferred first.") String rank;
    @Option(names = "--key", required = true, paramLabel = "K", description = "The voter's key.") String key;
    @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

    @Override
    int execute() throws Exception {
        if ((support == null) == (rank == null)) {
            throw new IllegalArgumentException("give exactly one of for|against|abstain or --rank A,B,C");
        }
        Ballot ballot = support != null ? new Ballot.Simple(Support.parse(support))
                : new Ballot.Ranked(Arrays.stream(rank.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList());
        LedgerHome lh = keyHome();
        try (Community c = openCommunity()) {
            var k = loadKey(lh, key, passphraseFile);
            c.vote(k, id, ballot);
            Proposal p = c.require(id);
            long now = System.currentTimeMillis();
            if (json) {
                var n = proposalJson(p, now);
                n.put("voter", k.identity().publicKeyHex()).put("weight", p.votingPowerAtSnapshot(k.identity().publicKeyHex()))
                        .put("ballot", ballot.describe());
                print(n);
            } else {
                out().println("voted " + ballot.describe() + " on proposal " + p.number() + " with weight "
                        + p.votingPowerAtSnapshot(k.identity().publicKeyHex()));
                out().println("left       " + whatIsLeft(p, now));
                out().flush();
            }
            return 0;
        }
    }
}
