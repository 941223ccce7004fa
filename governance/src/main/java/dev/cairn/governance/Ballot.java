package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A member's vote on one proposal: for/against/abstain on a binary proposal, or a ranking of options. */
public sealed interface Ballot {

    /** For, against or abstain. On a ranked proposal only abstain is allowed (it counts toward quorum). */
    record Simple(Support support) implements Ballot {}

    /**
     * Options in order of preference, most preferred first; options left out rank equal, below every ranked
     * one (as on Debian ballots). May include {@link Choice#NONE_OF_THE_ABOVE}.
     */
    record Ranked(List<String> ranking) implements Ballot {
        public Ranked {
            ranking = List.copyOf(ranking);
            if (ranking.isEmpty()) throw new IllegalArgumentException("a ranking must name at least one option");
            Set<String> seen = new HashSet<>();
            for (String id : ranking) {
                if (!seen.add(id)) throw new IllegalArgumentException("option \"" + id + "\" is ranked twice");
            }
        }
    }

    default String describe() {
        return switch (this) {
            case Simple s -> s.support().key();
            case Ranked r -> String.join(" > ", r.ranking());
        };
    }

    default ObjectNode toJson() {
        ObjectNode n = Json.object();
        switch (this) {
            case Simple s -> n.put("support", s.support().key());
            case Ranked r -> r.ranking().forEach(n.putArray("ranking")::add);
        }
        return n;
    }

    static Ballot fromJson(JsonNode n, String path) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(path + ": must be an object");
        String p = path + ".";
        Json.onlyFields(n, p, Set.of("support", "ranking"));
        if (n.has("support") == n.has("ranking")) {
            throw new IllegalArgumentException(path + ": needs exactly one of support or ranking");
        }
        if (n.has("support")) return new Simple(Support.parse(Json.text(n, "support", p)));
        JsonNode arr = Json.array(n, "ranking", p);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isTextual()) throw new IllegalArgumentException(p + "ranking[" + i + "]: must be a string");
            ids.add(arr.get(i).textValue());
        }
        try {
            return new Ranked(ids);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "ranking: " + e.getMessage());
        }
    }
}
