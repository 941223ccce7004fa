package dev.cairn.cli;

import dev.cairn.governance.Community;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.LineageRecord;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code cairn lineage}: the line of forks from the root community to this one. */
@Command(name = "lineage", mixinStandardHelpOptions = true, description = "Show the tree of communities this one descends from (root first), and the models "
        + "released along it with what each was trained from.")
final class LineageCommand extends GovernanceCli {
    @picocli.CommandLine.Option(names = "--svg", paramLabel = "FILE", description = "Also draw the lineage as an SVG picture.") java.nio.file.Path svg;

    @Override
    int execute() throws Exception {
        var lh = ledgerHome(); // HOME, or with --remote the verified mirror: releases are read from the same log
        CommunityState s = Community.read(lh);
        List<LineageRecord> line = s.lineage();
        List<dev.cairn.release.ModelLineage.Release> models = dev.cairn.release.ModelLineage.releases(lh.home());
        if (svg != null) dev.cairn.ledger.AtomicFiles.write(svg, dev.cairn.release.ModelLineage.svg(line, models).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (json) {
            var n = JSON.createObjectNode().put("community", s.communityId());
            var arr = n.putArray("lineage");
            for (LineageRecord r : line) {
                arr.addObject().put("community", r.community()).put("name", r.name()).put("parent", r.parent())
                        .put("checkpoint_size", r.checkpointSize()).put("checkpoint_root", r.checkpointRoot());
            }
            var ms = n.putArray("models");
            for (var m : models) {
                var o = ms.addObject().put("model", m.model()).put("weights_sha256", m.weights()).put("community", m.community())
                        .put("inherited", m.inherited()).put("published", !m.root().isEmpty());
                if (!m.root().isEmpty()) o.put("root_sha256", m.root()).put("statement_index", m.index());
                if (!m.baseWeights().isEmpty()) {
                    var b = o.putObject("base_model").put("weights_sha256", m.baseWeights()).put("name", m.baseName()).put("source", m.baseSource());
                    if (!m.parentReleaseRoot().isEmpty()) b.put("parent_release_root", m.parentReleaseRoot());
                }
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
        if (!models.isEmpty()) out().println("models:");
        for (var m : models) {
            out().println("  " + m.model() + "  weights " + m.weights().substring(0, 12) + "…  "
                    + (m.inherited() ? "carried in from " + m.community().substring(0, 12) + "… by the fork"
                    : m.root().isEmpty() ? "decided, not yet published" : "released (bundle root " + m.root().substring(0, 12) + "…, ledger entry " + m.index() + ")"));
            if (!m.baseWeights().isEmpty()) {
                out().println("    └─ trained from " + (m.baseName().isEmpty() ? "" : m.baseName() + " ") + "(weights " + m.baseWeights().substring(0, 12) + "…"
                        + (m.baseSource().isEmpty() ? "" : ", from " + m.baseSource()) + (m.parentReleaseRoot().isEmpty() ? "" : ", release root " + m.parentReleaseRoot().substring(0, 12) + "…") + ")");
            }
        }
        if (svg != null) out().println("picture: " + svg);
        out().flush();
        return 0;
    }
}
