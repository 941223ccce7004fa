package dev.cairn.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CharterTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "charters");

    @Test
    void labCoalitionExampleParses() {
        Fixture f = new Fixture();
        Charter c = Charter.read(EXAMPLES.resolve("lab-coalition.toml"), f.resolver());
        assertEquals(3, c.members().size());
        assertEquals(f.key("alpine-lab"), c.members().getFirst().publicKey());
        assertEquals(3, c.totalWeight());
        DecisionPolicy start = c.policy(DecisionClass.START_RUN);
        assertInstanceOf(VotingRule.RankedChoice.class, start.rule());
        assertEquals(Duration.ofDays(3), start.votingPeriod());
        assertEquals(Quorum.percent(6700), start.quorum()); // from [defaults]
        assertEquals(new VotingRule.Ratio(3, 1), c.policy(DecisionClass.AMEND_CHARTER).rule());
        assertEquals(Quorum.percent(10_000), c.policy(DecisionClass.AMEND_CHARTER).quorum());
        assertEquals(Duration.ofDays(1), c.policy(DecisionClass.RELEASE_MODEL).timelock());
        assertEquals(Quorum.percent(10_000), c.policy(DecisionClass.ADMIT_DATA).superQuorum());
        assertFalse(c.policy(DecisionClass.ADMIT_DATA).delegation());
    }

    @Test
    void publicConsortiumExampleParses() {
        Fixture f = new Fixture();
        Charter c = Charter.read(EXAMPLES.resolve("public-consortium.toml"), f.resolver());
        assertEquals(7, c.members().size());
        assertEquals(13, c.totalWeight());
        assertEquals(5, c.policy(DecisionClass.ADMIT_DATA).quorum().required(c.totalWeight())); // 40% of 13, floored
        assertTrue(c.policy(DecisionClass.ADMIT_DATA).delegation());
        assertFalse(c.policy(DecisionClass.AMEND_CHARTER).delegation());
        assertEquals(3, c.policy(DecisionClass.AMEND_CHARTER).proposalThreshold());
        assertTrue(c.policy(DecisionClass.MEMBERSHIP).voteReplacement());
        assertNull(c.policy(DecisionClass.MEMBERSHIP).superQuorum());
    }

    @Test
    void jsonFormRoundTrips() {
        Fixture f = new Fixture();
        for (String file : new String[] {"lab-coalition.toml", "public-consortium.toml"}) {
            Charter c = Charter.read(EXAMPLES.resolve(file), f.resolver());
            Charter back = Charter.fromJson(c.toJson(), "json");
            assertEquals(c, back, file);
            assertEquals(Digests.canonicalDigest(c.toJson()), Digests.canonicalDigest(back.toJson()));
        }
    }

    private static String error(String toml) {
        Fixture f = new Fixture();
        return assertThrows(CharterException.class, () -> f.charter(toml)).getMessage();
    }

    @Test
    void missingFieldIsNamed() {
        String toml = Fixture.charterToml("").replace("quorum = \"50%\"\n", "");
        assertEquals("test.toml: decisions.admit_data.quorum: missing (and no defaults.quorum)", error(toml));
    }

    @Test
    void classOverrideWinsAndBadValuesAreNamed() {
        assertTrue(error(Fixture.charterToml("[decisions.release_model]\nrule = \"4:3:1\"\n"))
                .startsWith("test.toml: decisions.release_model.rule: \"4:3:1\" is not a rule"));
        assertTrue(error(Fixture.charterToml("[decisions.release_model]\nrule = \"1:2\"\n"))
                .contains("decisions.release_model.rule: \"1:2\": a majority ratio must be at least 1:1"));
        assertTrue(error(Fixture.charterToml("[decisions.start_run]\nquorum = \"120%\"\n"))
                .startsWith("test.toml: decisions.start_run.quorum:"));
        assertTrue(error(Fixture.charterToml("[decisions.start_run]\nvoting_period = \"soon\"\n"))
                .startsWith("test.toml: decisions.start_run.voting_period: \"soon\" is not a duration"));
        assertTrue(error(Fixture.charterToml("[decisions.start_run]\nvoting_period = \"0s\"\n"))
                .startsWith("test.toml: decisions.start_run.voting_period: must be positive"));
        assertTrue(error(Fixture.charterToml("[decisions.start_run]\nquorom = \"50%\"\n"))
                .startsWith("test.toml: decisions.start_run.quorom: unknown field"));
        assertTrue(error(Fixture.charterToml("[decisions.train]\nrule = \"majority\"\n"))
                .startsWith("test.toml: decisions.train: unknown decision class"));
        assertTrue(error(Fixture.charterToml("[decisions.admit_data]\nvote_replacement = \"yes\"\n"))
                .startsWith("test.toml: decisions.admit_data.vote_replacement: must be true or false"));
        assertTrue(error(Fixture.charterToml("[decisions.admit_data]\nsuper_quorum = \"10%\"\n"))
                .startsWith("test.toml: decisions.admit_data.super_quorum: must not be below the quorum"));
        assertTrue(error(Fixture.charterToml("").replace("[defaults]", "[defaultz]"))
                .startsWith("test.toml: defaultz: unknown field"));
    }

    @Test
    void membersAreValidated() {
        String base = Fixture.charterToml("");
        assertTrue(error(base.replace("key = \"@b\"", "key = \"@a\"")).startsWith("test.toml: members[1].key: key "));
        assertTrue(error(base.replace("name = \"B\"", "name = \"A\"")).startsWith("test.toml: members[1].name: name \"A\" is already taken"));
        assertTrue(error(base.replace("key = \"@c\"", "key = \"c0ffee\"")).startsWith("test.toml: members[2].key: \"c0ffee\" is not a raw Ed25519 public key"));
        String offCurve = "02" + "00".repeat(31); // y = 2 is not on the Ed25519 curve
        assertTrue(error(base.replace("key = \"@c\"", "key = \"" + offCurve + "\""))
                .startsWith("test.toml: members[2].key: public key 020000000000… is not a point on the Ed25519 curve"));
        assertTrue(error(base.replace("name = \"C\"\n", "name = \"C\"\nweight = 0\n")).startsWith("test.toml: members[2].weight: must be between 1 and"));
        assertTrue(error(base.replace("name = \"C\"\n", "name = \"C\"\nweight = \"2\"\n")).startsWith("test.toml: members[2].weight: must be an integer"));
        String noMembers = base.substring(base.indexOf("[defaults]"));
        assertTrue(error(noMembers).startsWith("test.toml: members: at least one [[members]] entry is required"));
        CharterException e = assertThrows(CharterException.class,
                () -> Charter.parseToml(base, "x.toml", Charter.KeyResolver.NONE));
        assertEquals("members[0].key", e.field());
        assertTrue(e.getMessage().contains("no key named \"a\""));
        assertTrue(error("[[members]\nname=1").startsWith("test.toml: (syntax): not valid TOML"));
    }

    @Test
    void literalHexKeysAndDurationsInEveryUnit() {
        String k = Fixture.newKey();
        Charter c = new Fixture().charter(Fixture.charterToml("""
                [decisions.start_run]
                voting_delay = "PT90M"
                voting_period = "2w"
                timelock = 3600
                """).replace("\"@c\"", "\"" + k.toUpperCase() + "\""));
        assertEquals(k, c.members().get(2).publicKey());
        DecisionPolicy p = c.policy(DecisionClass.START_RUN);
        assertEquals(Duration.ofMinutes(90), p.votingDelay());
        assertEquals(Duration.ofDays(14), p.votingPeriod());
        assertEquals(Duration.ofHours(1), p.timelock());
    }

    @Test
    void ratioRuleFollowsDebian() {
        VotingRule.Ratio threeToOne = new VotingRule.Ratio(3, 1);
        assertTrue(threeToOne.passes(9, 3));   // exactly 3:1 passes (V(A,D) ≥ N·V(D,A))
        assertFalse(threeToOne.passes(8, 3));
        assertFalse(threeToOne.passes(0, 0));  // and strictly more for than against
        assertTrue(threeToOne.passes(1, 0));
        assertTrue(VotingRule.Ratio.SIMPLE_MAJORITY.passes(2, 1));
        assertFalse(VotingRule.Ratio.SIMPLE_MAJORITY.passes(2, 2)); // GovernorCountingSimple: for > against
        assertEquals("schulze 2:1", VotingRule.parse("schulze 2:1").spelling());
        assertEquals("3:1", VotingRule.parse("supermajority 3:1").spelling());
    }

    @Test
    void quorumRoundsDownLikeQuorumFraction() {
        assertEquals(1, Quorum.parse("50%").required(3));
        assertEquals(2, Quorum.parse("67%").required(3));
        assertEquals(3, Quorum.parse("100%").required(3));
        assertEquals(3333, Quorum.parse("33.33%").basisPoints());
        assertEquals("33.33%", Quorum.parse("33.33%").spelling());
        assertEquals("12.5%", Quorum.parse("12.5%").spelling());
        assertEquals(4, Quorum.weight(4).required(100));
    }
}
