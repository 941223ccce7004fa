package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageCommandTest {
    @TempDir Path dir;

    @Test
    void rootCommunityIsItsOwnLineage() throws Exception {
        GovernanceCliFixture h = new GovernanceCliFixture(dir).founded();
        JsonNode n = h.ok("lineage", "--json").json();
        assertEquals(1, n.get("lineage").size());
        assertEquals("", n.get("lineage").get(0).get("parent").asText());
        assertTrue(h.ok("lineage").out().strip().endsWith("← this community"));
    }

    @Test
    void noCommunityIsOneLineError() {
        GovernanceCliFixture h = new GovernanceCliFixture(dir.resolve("empty"));
        String e = h.fails(1, "lineage");
        assertTrue(e.startsWith("cairn lineage: error: no log in "), e);
    }
}
