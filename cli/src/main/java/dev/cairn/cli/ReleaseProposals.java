package dev.cairn.cli;

import dev.cairn.governance.Action;
import dev.cairn.governance.Choice;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.Motion;
import java.util.ArrayList;
import java.util.List;

/** Completes a release proposal from the ledger: the run-finished statement it releases from, and a checked licence. */
final class ReleaseProposals {
    private ReleaseProposals() {}

    static Motion complete(Motion m, CommunityState state) {
        List<Choice> out = new ArrayList<>();
        boolean changed = false;
        for (Choice c : m.choices()) {
            if (c.action() instanceof Action.ReleaseModel given) {
                Action.ReleaseModel r = given;
                String run = given.run();
                if (r.license() != null) dev.cairn.data.SpdxExpression.parse(r.license().replaceAll("LicenseRef-[A-Za-z0-9.-]+", "MIT"));
                if (r.runFinished() == null) {
                    CommunityState.FinishedRun f = state.finishedRuns().stream().filter(x -> x.run().equals(run)).reduce((a, b) -> b)
                            .orElseThrow(() -> new IllegalArgumentException("run \"" + run + "\" never finished: no run-finished statement for it is in the ledger"));
                    if (!f.weights().equals(r.weights())) {
                        throw new IllegalArgumentException("weights " + r.weights().substring(0, 12) + "… are not the final weights run \"" + r.run()
                                + "\" committed to (" + f.weights().substring(0, 12) + "…)");
                    }
                    r = new Action.ReleaseModel(r.model(), r.run(), r.weights(), f.digest(), r.license(), r.usagePolicy(), r.responsible());
                    changed = true;
                }
                out.add(new Choice(c.id(), r));
            } else {
                out.add(c);
            }
        }
        return changed ? new Motion(m.decisionClass(), m.title(), m.description(), out) : m;
    }
}
