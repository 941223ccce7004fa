package dev.cairn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.cairn.governance.Artifact;
import dev.cairn.governance.CommunityState;
import dev.cairn.governance.LineageRecord;
import dev.cairn.governance.Proposal;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the dashboard's pages read, computed from the node's community state (kept current by the integrator)
 * and the home's stores. Lists are paginated ({@code offset}, {@code limit} at most 100), so a page's first load
 * costs the same for a log of a hundred entries or a hundred thousand.
 * <pre>
 *   GET /api/overview                          name, charter (rules per decision class, members, witnesses), checkpoint
 *   GET /api/proposal-list?offset=&amp;limit=     newest first: state, tally against quorum and threshold, time left
 *   GET /api/proposal?number=N                 one proposal: motion and action, ballots (with names), tally
 *   GET /api/entry?index=N                     one log entry's statement
 *   GET /api/lineage                           communities (forks) and their models
 *   (runs, evaluations, releases, datasets, trace: {@link DashboardStores})
 * </pre>
 */
final class DashboardApi {
    static final int MAX_LIMIT = 100;
    private final LogNode node;
    private final DashboardStores stores;

    DashboardApi(LogNode node, Path home) {
        this.node = node;
        this.stores = new DashboardStores(node, home);
        stores.warm();
    }

    long runsFingerprint() {
        return stores.runsFingerprint();
    }

    long verdictsDone() {
        return stores.verdictsDone();
    }

    boolean handle(HttpExchange x, String path) throws IOException {
        Map<String, String> q = query(x);
        ObjectNode out = switch (path) {
            case "/api/overview" -> overview();
            case "/api/proposal-list" -> proposals(offset(q), limit(q));
            case "/api/proposal" -> proposal(number(q, "number"));
            case "/api/entry" -> entry(number(q, "index"));
            case "/api/lineage" -> lineage();
            default -> stores.handle(x, path, q);
        };
        if (out == null) return false;
        NodeServer.json(x, out);
        return true;
    }

    private ObjectNode overview() {
        ObjectNode n = node.read(s -> {
            ObjectNode o = LogNode.JSON.createObjectNode().put("name", s.name()).put("community", s.communityId()).put("founder", s.who(s.founder()))
                    .put("entries", s.entries()).put("proposals", s.proposals().size()).put("last_time", s.lastTime());
            o.set("charter", s.charter().toJson());
            return o;
        });
        n.put("log_size", node.size()).put("origin", node.log().origin()).put("log_key", node.log().logKey().publicKeyHex());
        n.put("checkpoint", node.checkpoint());
        n.put("now", System.currentTimeMillis());
        return n;
    }

    private ObjectNode proposals(int offset, int limit) {
        return node.read(s -> {
            List<Proposal> all = s.proposals();
            long now = System.currentTimeMillis();
            ObjectNode n = LogNode.JSON.createObjectNode().put("total", all.size()).put("offset", offset).put("now", now);
            ArrayNode arr = n.putArray("proposals");
            for (int i = all.size() - 1 - offset; i >= 0 && i >= all.size() - offset - limit; i--) {
                Proposal p = all.get(i);
                ObjectNode o = arr.addObject().put("number", p.number()).put("title", p.motion().title()).put("class", p.motion().decisionClass().key())
                        .put("state", p.state(now).label()).put("deadline", p.deadline()).put("proposer", s.who(p.proposer()))
                        .put("ballots", p.ballots().size()).put("ranked", p.motion().isRanked());
                o.set("tally", CommunityState.proposalJson(p, now).get("tally"));
            }
            return n;
        });
    }

    private ObjectNode proposal(long number) {
        return node.read(s -> {
            Proposal p = s.proposal(String.valueOf(number)).orElseThrow(() -> new LogNode.Refused(404, "no proposal " + number));
            long now = System.currentTimeMillis();
            ObjectNode o = CommunityState.proposalJson(p, now);
            o.put("now", now).put("proposer_name", s.who(p.proposer())).put("total_weight", p.totalWeightAtSnapshot());
            for (JsonNode b : o.withArray("ballots")) ((ObjectNode) b).put("voter_name", s.who(b.path("voter").asText()));
            ArrayNode voters = o.putArray("eligible");
            for (var m : s.members()) voters.addObject().put("key", m.publicKey()).put("name", m.name()).put("power", p.votingPowerAtSnapshot(m.publicKey()))
                    .put("voted", p.ballots().stream().anyMatch(b -> b.voter().equals(m.publicKey())));
            return o;
        });
    }

    private ObjectNode entry(long index) {
        if (index < 0 || index >= node.size()) throw new LogNode.Refused(404, "no entry " + index + " (the log has " + node.size() + ")");
        var e = node.log().entry(index);
        var st = dev.cairn.ledger.Statement.parse(e.envelope().payload());
        ObjectNode o = LogNode.JSON.createObjectNode().put("index", index).put("log_time", e.logTime().toEpochMilli())
                .put("predicate_type", st.predicateType());
        o.set("statement", st.toJsonNode());
        return o;
    }

    private ObjectNode lineage() {
        return node.read(s -> {
            ObjectNode n = LogNode.JSON.createObjectNode().put("community", s.communityId()).put("name", s.name());
            ArrayNode line = n.putArray("communities");
            for (LineageRecord r : s.lineage()) {
                line.addObject().put("community", r.community()).put("name", r.name()).put("parent", r.parent())
                        .put("checkpoint_size", r.checkpointSize()).put("checkpoint_root", r.checkpointRoot());
            }
            ArrayNode models = n.putArray("models");
            int inherited = s.origin().map(o -> o.artifacts().size()).orElse(0);
            List<Artifact> arts = s.artifacts();
            for (int i = 0; i < arts.size(); i++) {
                Artifact a = arts.get(i);
                if (!a.kind().equals("release")) continue;
                boolean fromParent = i < inherited;
                models.addObject().put("model", a.name()).put("weights_sha256", a.digest()).put("inherited", fromParent)
                        .put("community", fromParent ? s.origin().get().parentCommunity() : s.communityId());
            }
            return n;
        });
    }

    // ---------------------------------------------------------------- query strings

    static Map<String, String> query(HttpExchange x) {
        Map<String, String> m = new HashMap<>();
        String raw = x.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) return m;
        if (raw.length() > 4096) throw new LogNode.Refused(414, "the query string is over 4096 bytes");
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            try {
                if (eq > 0) m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new LogNode.Refused(400, "bad query string: " + e.getMessage());
            }
        }
        return m;
    }

    static long number(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || !v.matches("\\d{1,15}")) throw new LogNode.Refused(400, "give ?" + name + "=N (a non-negative integer)");
        return Long.parseLong(v);
    }

    static int offset(Map<String, String> q) {
        return q.containsKey("offset") ? (int) Math.min(Integer.MAX_VALUE, number(q, "offset")) : 0;
    }

    static int limit(Map<String, String> q) {
        if (!q.containsKey("limit")) return 20;
        long l = number(q, "limit");
        if (l < 1 || l > MAX_LIMIT) throw new LogNode.Refused(400, "limit must be 1 to " + MAX_LIMIT + ", got " + l);
        return (int) l;
    }

    static String text(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) throw new LogNode.Refused(400, "give ?" + name + "=...");
        return v;
    }
}
