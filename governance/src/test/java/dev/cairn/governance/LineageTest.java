package dev.cairn.governance;

import static dev.cairn.governance.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.ledger.Identity;
import dev.cairn.ledger.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Forks cite their parent community and checkpoint and carry the lineage along. */
class LineageTest {

    private static ForkOrigin originFrom(CommunityState parent, long size, String root) {
        return new ForkOrigin(parent.communityId(), parent.name(), size, root, parent.artifacts(), parent.lineage());
    }

    @Test
    void forkOfAForkKnowsItsWholeLine() throws Exception {
        Fixture root = ReplayTest.busyCommunity();
        assertEquals(1, root.state.lineage().size());
        assertTrue(root.state.lineage().getFirst().isRoot());
        List<Artifact> arts = root.state.artifacts();
        assertEquals(List.of("dataset", "run", "release"), arts.stream().map(Artifact::kind).toList());

        Fixture child = new Fixture();
        child.keys.putAll(root.keys);
        String rootHash = Fixture.digestOf("root of the parent's log at size " + root.log.size());
        child.act(T0 + 10, "b", new GovernanceStatement.Genesis("the fork", root.state.charter(),
                originFrom(root.state, root.log.size(), rootHash)));
        CommunityState c = child.state;
        assertEquals(2, c.lineage().size());
        assertEquals(root.state.communityId(), c.lineage().get(1).parent());
        assertEquals(root.log.size(), c.lineage().get(1).checkpointSize());
        assertEquals(arts, c.artifacts()); // a fork takes its parent's artifacts along
        assertEquals(GovernanceStatement.FORK, child.log.getFirst().statement().predicateType());

        Fixture grandchild = new Fixture();
        grandchild.keys.putAll(root.keys);
        grandchild.act(T0 + 20, "c", new GovernanceStatement.Genesis("fork of the fork", c.charter(),
                originFrom(c, 1, Fixture.digestOf("child root"))));
        List<LineageRecord> line = grandchild.state.lineage();
        assertEquals(List.of("test community", "the fork", "fork of the fork"), line.stream().map(LineageRecord::name).toList());

        // the fork predicate survives a JSON round trip
        Event g = grandchild.log.getFirst();
        var st = Statement.parse(g.statement().toStatement(Identity.ofHex(g.signer())).canonicalBytes());
        assertEquals(g.statement(), GovernanceStatement.fromStatement(st));
        assertEquals(g.digest(), st.digest());
    }

    @Test
    void inconsistentLineageIsRefused() {
        Fixture root = ReplayTest.busyCommunity();
        String other = Fixture.digestOf("someone else");
        var e = assertThrows(IllegalArgumentException.class, () -> new ForkOrigin(other, "x", 3,
                Fixture.digestOf("r"), List.of(), root.state.lineage()));
        assertEquals("lineage must end with the parent community " + other, e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> new ForkOrigin(root.state.communityId(), "x", 0,
                Fixture.digestOf("r"), List.of(), root.state.lineage()));
        assertEquals("parent.checkpoint.size must be ≥ 1", e2.getMessage());
    }
}
