package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.DecisionClass;
import dev.cairn.governance.DecisionPolicy;
import dev.cairn.governance.Enactment;
import dev.cairn.governance.Member;
import picocli.CommandLine.Command;

/** {@code cairn community}: the state replayed from the log, with its digest (equal on every replay). */
@Command(name = "community", mixinStandardHelpOptions = true, description = "Replay the log and show the community: members, rules, delegations,"
        + " what it enacted, and the state digest (the same for every replay of the same log).")
final class CommunityCommand extends GovernanceCli {
    @picocli.CommandLine.Option(names = "--state", description = "With --json: print the whole canonical state.") boolean full;

    @Override
    int execute() throws Exception {
        CommunityState s = Community.read(ledgerHome());
        if (json) {
            var n = full ? s.toJson() : JSON.createObjectNode();
            n.put("community", s.communityId()).put("name", s.name()).put("entries", s.entries())
                    .put("proposals_total", s.proposals().size()).put("state_digest", s.digest());
            if (!full) {
                n.set("charter", s.charter().toJson());
                var d = n.putObject("delegations");
                s.delegations().forEach(d::put);
            }
            print(n);
            return 0;
        }
        out().println(s.name() + "  (community " + s.communityId() + ")");
        for (Member m : s.members()) {
            String del = s.delegations().containsKey(m.publicKey()) ? "  delegates to " + s.who(s.delegations().get(m.publicKey())) : "";
            out().println("member     " + m.name() + " weight " + m.weight() + " key " + m.publicKey().substring(0, 16) + "…" + del);
        }
        for (DecisionClass c : DecisionClass.values()) {
            DecisionPolicy p = s.charter().policy(c);
            out().println("rule       " + c.key() + ": " + p.rule().spelling() + ", quorum " + p.quorum().spelling()
                    + ", vote " + CommunityState.human(p.votingPeriod()) + " after " + CommunityState.human(p.votingDelay())
                    + ", timelock " + CommunityState.human(p.timelock()));
        }
        for (Enactment e : s.enactments()) out().println("enacted    proposal " + e.proposal() + ": " + e.action().summary());
        out().println("proposals  " + s.proposals().size() + "; log entries replayed " + s.entries()
                + (s.rejections().isEmpty() ? "" : "; disregarded " + s.rejections().size()));
        out().println("state      " + s.digest());
        out().flush();
        return 0;
    }
}
