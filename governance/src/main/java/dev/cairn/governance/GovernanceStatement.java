package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Identity;
import dev.cairn.ledger.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The governance statements a community's log holds: the predicates of in-toto Statements v1 (carried in
 * DSSE envelopes by the ledger), one predicate type each. Every statement but the genesis names its community
 * in the ledger's {@code community_id} field (the digest of the genesis statement), so a statement made in one
 * community never counts in another; the ledger's {@code signer} field names the author.
 */
public sealed interface GovernanceStatement {
    String IN_TOTO_STATEMENT = "https://in-toto.io/Statement/v1";
    String PREFIX = "https://cairn.dev/governance/";
    String GENESIS = PREFIX + "genesis/v1";
    String FORK = PREFIX + "fork/v1";
    String PROPOSAL = PREFIX + "proposal/v1";
    String VOTE = PREFIX + "vote/v1";
    String DELEGATE = PREFIX + "delegate/v1";
    String QUEUE = PREFIX + "queue/v1";
    String EXECUTE = PREFIX + "execute/v1";
    String CANCEL = PREFIX + "cancel/v1";
    /** The ledger's predicate fields naming the community and the author. */
    String C = Statement.COMMUNITY_ID, S = Statement.SIGNER;
    /** Every predicate type this room understands. */
    Set<String> PREDICATE_TYPES = Set.of(GENESIS, FORK, PROPOSAL, VOTE, DELEGATE, QUEUE, EXECUTE, CANCEL);

    /** The in-toto subject: what the statement is about, by SHA-256. */
    record Subject(String name, String sha256) {}

    String predicateType();

    ObjectNode predicate();

    List<Subject> subjects();

    /** The community this statement belongs to; empty for a genesis (whose digest is the community id). */
    String community();

    /** Founds a community (or, with a parent, forks one). */
    record Genesis(String name, Charter charter, ForkOrigin parent) implements GovernanceStatement {
        public Genesis {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("name: must not be empty");
            if (name.length() > 200) throw new IllegalArgumentException("name: longer than 200 characters");
        }

        public boolean isFork() { return parent != null; }
        public String predicateType() { return isFork() ? FORK : GENESIS; }
        public String community() { return ""; }

        public ObjectNode predicate() {
            ObjectNode n = Json.object().put("name", name);
            n.set("charter", charter.toJson());
            if (parent != null) {
                ObjectNode p = n.putObject("parent").put("community", parent.parentCommunity()).put("name", parent.parentName());
                p.putObject("checkpoint").put("size", parent.checkpointSize()).put("root", parent.checkpointRoot());
                ArrayNode arts = n.putArray("artifacts");
                for (Artifact a : parent.artifacts()) arts.addObject().put("kind", a.kind()).put("name", a.name()).put("digest", a.digest());
                ArrayNode lin = n.putArray("lineage");
                for (LineageRecord r : parent.parentLineage()) {
                    ObjectNode l = lin.addObject().put("community", r.community()).put("name", r.name()).put("parent", r.parent());
                    l.putObject("checkpoint").put("size", r.checkpointSize()).put("root", r.checkpointRoot());
                }
            }
            return n;
        }

        public List<Subject> subjects() {
            List<Subject> s = new ArrayList<>();
            s.add(new Subject("charter", Digests.canonicalDigest(charter.toJson())));
            if (parent != null) for (Artifact a : parent.artifacts()) s.add(new Subject(a.kind() + ":" + a.name(), a.digest()));
            return s;
        }
    }

    /** Puts a motion to the vote. */
    record Propose(String community, Motion motion) implements GovernanceStatement {
        public String predicateType() { return PROPOSAL; }

        public ObjectNode predicate() {
            ObjectNode n = Json.object();
            n.set("motion", motion.toJson());
            return n;
        }

        public List<Subject> subjects() {
            return List.of(new Subject("motion", Digests.canonicalDigest(motion.toJson())));
        }
    }

    /** A ballot on a proposal (named by the digest of its proposal statement). */
    record Vote(String community, String proposal, Ballot ballot) implements GovernanceStatement {
        public String predicateType() { return VOTE; }

        public ObjectNode predicate() {
            ObjectNode n = Json.object().put("proposal", proposal);
            n.set("ballot", ballot.toJson());
            return n;
        }

        public List<Subject> subjects() { return List.of(new Subject("proposal", proposal)); }
    }

    /** Delegates the signer's voting power to another member; an empty {@code delegate} withdraws it. */
    record Delegate(String community, String delegate) implements GovernanceStatement {
        public String predicateType() { return DELEGATE; }

        public ObjectNode predicate() {
            ObjectNode n = Json.object();
            if (delegate.isEmpty()) n.putNull("delegate");
            else n.put("delegate", delegate);
            return n;
        }

        public List<Subject> subjects() {
            List<Subject> s = new ArrayList<>(List.of(new Subject("community", community)));
            if (!delegate.isEmpty()) {
                s.add(new Subject("delegate", Digests.sha256Hex(java.util.HexFormat.of().parseHex(delegate))));
            }
            return s;
        }
    }

    /** Queues a succeeded proposal behind its timelock. */
    record Queue(String community, String proposal) implements GovernanceStatement {
        public String predicateType() { return QUEUE; }
        public ObjectNode predicate() { return Json.object().put("proposal", proposal); }
        public List<Subject> subjects() { return List.of(new Subject("proposal", proposal)); }
    }

    /** Executes a succeeded (or queued, timelock over) proposal. */
    record Execute(String community, String proposal) implements GovernanceStatement {
        public String predicateType() { return EXECUTE; }
        public ObjectNode predicate() { return Json.object().put("proposal", proposal); }
        public List<Subject> subjects() { return List.of(new Subject("proposal", proposal)); }
    }

    /** Withdraws a pending proposal (its proposer only). */
    record Cancel(String community, String proposal) implements GovernanceStatement {
        public String predicateType() { return CANCEL; }
        public ObjectNode predicate() { return Json.object().put("proposal", proposal); }
        public List<Subject> subjects() { return List.of(new Subject("proposal", proposal)); }
    }

    /**
     * The ledger statement this governance statement is, by {@code signer}: the predicate with the ledger's
     * {@code community_id} (absent in a genesis) and {@code signer} fields, and the subjects.
     */
    default Statement toStatement(Identity signer) {
        return Statement.of(predicateType(), predicate(), this instanceof Genesis ? null : community(), signer,
                subjects().stream().map(s -> dev.cairn.ledger.Subject.sha256(s.name(), s.sha256()))
                        .toArray(dev.cairn.ledger.Subject[]::new));
    }

    /** Digest of {@link #toStatement}: a proposal's id, and for a genesis the community id. */
    default String digest(Identity signer) {
        return toStatement(signer).digest();
    }

    /** True when {@code predicateType} is in this room's namespace (known or not). */
    static boolean isGovernance(String predicateType) {
        return predicateType.startsWith(PREFIX);
    }

    /**
     * Decodes a ledger statement; throws {@link IllegalArgumentException} naming the field for malformed input
     * and the type for an unknown one.
     */
    static GovernanceStatement fromStatement(Statement st) {
        return fromPredicate(st.predicateType(), st.predicate());
    }

    /** Decodes a predicate (with its {@code community_id} and {@code signer} fields) of a known type. */
    static GovernanceStatement fromPredicate(String predicateType, JsonNode p) {
        if (!PREDICATE_TYPES.contains(predicateType)) {
            throw new IllegalArgumentException("predicateType \"" + predicateType + "\" is not a Cairn governance statement");
        }
        if (p == null || !p.isObject()) throw new IllegalArgumentException("predicate: must be an object");
        String at = "predicate.";
        boolean genesis = predicateType.equals(GENESIS) || predicateType.equals(FORK);
        if (genesis && p.has(C)) throw new IllegalArgumentException("predicate.community_id: a genesis names no community");
        if (p.has(S)) Json.key(p, S, at);
        return switch (predicateType.substring(PREFIX.length())) {
            case "genesis/v1" -> {
                Json.onlyFields(p, at, Set.of("name", "charter", S));
                yield new Genesis(Json.text(p, "name", at), charter(p, at), null);
            }
            case "fork/v1" -> {
                Json.onlyFields(p, at, Set.of("name", "charter", "parent", "artifacts", "lineage", S));
                JsonNode par = Json.object(p, "parent", at);
                Json.onlyFields(par, at + "parent.", Set.of("community", "name", "checkpoint"));
                JsonNode cp = Json.object(par, "checkpoint", at + "parent.");
                List<Artifact> arts = new ArrayList<>();
                JsonNode an = Json.array(p, "artifacts", at);
                for (int i = 0; i < an.size(); i++) {
                    String ap = at + "artifacts[" + i + "].";
                    try {
                        arts.add(new Artifact(Json.text(an.get(i), "kind", ap), Json.text(an.get(i), "name", ap),
                                Json.text(an.get(i), "digest", ap)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage().startsWith(ap) ? e.getMessage() : ap + " " + e.getMessage());
                    }
                }
                List<LineageRecord> lineage = new ArrayList<>();
                JsonNode ln = Json.array(p, "lineage", at);
                for (int i = 0; i < ln.size(); i++) {
                    String lp = at + "lineage[" + i + "].";
                    JsonNode l = ln.get(i);
                    JsonNode lc = Json.object(l, "checkpoint", lp);
                    try {
                        lineage.add(new LineageRecord(Json.text(l, "community", lp), Json.text(l, "name", lp),
                                Json.text(l, "parent", lp), Json.integer(lc, "size", lp + "checkpoint."),
                                Json.text(lc, "root", lp + "checkpoint.")));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage().startsWith(lp) ? e.getMessage() : lp + " " + e.getMessage());
                    }
                }
                try {
                    yield new Genesis(Json.text(p, "name", at), charter(p, at), new ForkOrigin(
                            Json.digest(par, "community", at + "parent."), Json.text(par, "name", at + "parent."),
                            Json.integer(cp, "size", at + "parent.checkpoint."), Json.digest(cp, "root", at + "parent.checkpoint."),
                            arts, lineage));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage().startsWith(at) ? e.getMessage() : at + e.getMessage());
                }
            }
            case "proposal/v1" -> {
                Json.onlyFields(p, at, Set.of(C, S, "motion"));
                yield new Propose(Json.digest(p, C, at), Motion.fromJson(p.get("motion"), at + "motion"));
            }
            case "vote/v1" -> {
                Json.onlyFields(p, at, Set.of(C, S, "proposal", "ballot"));
                yield new Vote(Json.digest(p, C, at), Json.digest(p, "proposal", at),
                        Ballot.fromJson(p.get("ballot"), at + "ballot"));
            }
            case "delegate/v1" -> {
                Json.onlyFields(p, at, Set.of(C, S, "delegate"));
                JsonNode d = p.get("delegate");
                yield new Delegate(Json.digest(p, C, at), d == null || d.isNull() ? "" : Json.key(p, "delegate", at));
            }
            case "queue/v1" -> new Queue(target(p, at), Json.digest(p, "proposal", at));
            case "execute/v1" -> new Execute(target(p, at), Json.digest(p, "proposal", at));
            case "cancel/v1" -> new Cancel(target(p, at), Json.digest(p, "proposal", at));
            default -> throw new IllegalArgumentException("predicateType \"" + predicateType + "\" is not known");
        };
    }

    private static String target(JsonNode p, String at) {
        Json.onlyFields(p, at, Set.of(C, S, "proposal"));
        return Json.digest(p, C, at);
    }

    private static Charter charter(JsonNode p, String at) {
        try {
            return Charter.fromJson(Json.object(p, "charter", at), at + "charter");
        } catch (CharterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
