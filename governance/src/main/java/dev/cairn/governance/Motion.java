package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a proposal puts to the vote: its decision class, a title and description, and either one action
 * (a binary proposal, voted for/against/abstain) or several competing {@link Choice}s (a ranked proposal).
 */
public record Motion(DecisionClass decisionClass, String title, String description, List<Choice> choices) {
    static final int MAX_CHOICES = 32;

    public Motion {
        if (title == null || title.isBlank()) throw new IllegalArgumentException("title: must not be empty");
        if (title.length() > 300) throw new IllegalArgumentException("title: longer than 300 characters");
        if (description == null) description = "";
        choices = List.copyOf(choices);
        if (choices.isEmpty()) throw new IllegalArgumentException("a motion needs an action or options");
        if (choices.size() > MAX_CHOICES) throw new IllegalArgumentException("options: more than " + MAX_CHOICES);
        Set<String> ids = new HashSet<>();
        for (Choice c : choices) {
            if (!ids.add(c.id())) throw new IllegalArgumentException("options: id \"" + c.id() + "\" appears twice");
            if (c.action().decisionClass() != decisionClass) {
                throw new IllegalArgumentException("option " + c.id() + ": a " + c.action().type()
                        + " action does not belong to a " + decisionClass.key() + " proposal");
            }
        }
    }

    /** A binary motion: one action, voted for, against or abstain. */
    public static Motion of(String title, String description, Action action) {
        return new Motion(action.decisionClass(), title, description, List.of(new Choice("motion", action)));
    }

    /** A ranked motion over two or more competing options. */
    public static Motion ranked(DecisionClass c, String title, String description, List<Choice> options) {
        if (options.size() < 2) throw new IllegalArgumentException("options: a ranked proposal needs at least two");
        return new Motion(c, title, description, options);
    }

    public boolean isRanked() {
        return choices.size() > 1;
    }

    public java.util.Optional<Choice> choice(String id) {
        return choices.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    public ObjectNode toJson() {
        ObjectNode n = Json.object().put("class", decisionClass.key()).put("title", title).put("description", description);
        if (isRanked()) {
            ArrayNode opts = n.putArray("options");
            for (Choice c : choices) opts.addObject().put("id", c.id()).set("action", c.action().toJson());
        } else {
            n.set("action", choices.getFirst().action().toJson());
        }
        return n;
    }

    static Motion fromJson(JsonNode n, String path) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(path + ": must be an object");
        String p = path + ".";
        Json.onlyFields(n, p, Set.of("class", "title", "description", "action", "options"));
        DecisionClass c;
        try {
            c = DecisionClass.parse(Json.text(n, "class", p));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "class: " + e.getMessage());
        }
        String title = Json.text(n, "title", p), description = Json.optText(n, "description", p);
        if (n.has("action") == n.has("options")) throw new IllegalArgumentException(path + ": needs exactly one of action or options");
        try {
            if (n.has("action")) return of(title, description, Action.fromJson(n.get("action"), p + "action"));
            JsonNode opts = Json.array(n, "options", p);
            List<Choice> choices = new java.util.ArrayList<>();
            for (int i = 0; i < opts.size(); i++) {
                String at = p + "options[" + i + "]";
                JsonNode o = opts.get(i);
                if (!o.isObject()) throw new IllegalArgumentException(at + ": must be an object");
                Json.onlyFields(o, at + ".", Set.of("id", "action"));
                choices.add(new Choice(Json.text(o, "id", at + "."), Action.fromJson(o.get("action"), at + ".action")));
            }
            return ranked(c, title, description, choices);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m != null && m.startsWith(path) ? m : p + m, e);
        }
    }
}
