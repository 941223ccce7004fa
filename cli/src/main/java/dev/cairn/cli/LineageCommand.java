package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.LineageRecord;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code cairn lineage}: the line of forks from the root community to this one. */
@Command(name = "lineage", description = "Show the tree of communities this one descends from (root first).")
final class LineageCommand extends GovernanceCli {
    @Override
    int execute() throws Exception {
        CommunityState s = Community.read(ledgerHome());
        List<LineageRecord> line = s.lineage();
        if (json) {
            var n = JSON.createObjectNode().put("community", s.communityId());
            var arr = n.putArray("lineage");
            for (LineageRecord r : line) {
                arr.addObject().put("community", r.community()).put("name", r.name()).put("parent", r.parent())
                        .put("checkpoint_size", r.checkpointSize()).put("checkpoint_root", r.checkpointRoot());
            }
            print(n);
            return 0;
        }
        for (int i = 0; i < line.size(); i++) {
            LineageRecord r = line.get(i);
            String indent = i == 0 ? "" : "   ".repeat(i - 1) + "└─ ";
            String at = r.isRoot() ? "" : ", forked at size " + r.checkpointSize() + " root " + r.checkpointRoot().substring(0, 16) + "…";
            out().println(indent + r.name() + "  (" + r.community().substring(0, 16) + "…" + at + ")"
                    + (i == line.size() - 1 ? "  ← this community" : ""));
        }
        out().flush();
        return 0;
    }
}
