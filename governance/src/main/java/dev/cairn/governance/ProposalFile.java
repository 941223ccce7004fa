package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a proposal written in TOML for {@code cairn propose KIND --file PROPOSAL}. A binary proposal gives a
 * {@code title}, an optional {@code description} and its action's fields at the top level; a ranked proposal
 * gives {@code [[options]]}, each with an {@code id} and the action's fields.
 *
 * <pre>
 * # cairn propose admit-data            # cairn propose start-run (ranked)
 * title = "Admit the sample corpus"      title = "Next run"
 * dataset = "shakespeare"                [[options]]
 * root = "9f2c..."                       id = "books"
 *                                        run = "r2-books"
 * # amend-charter: charter = "new.toml"  recipe = "..."; dataset_root = "..."; tokenizer = "..."
 *                                        optionally max_flops = 1e15, max_cpu_hours = 2.5 (the compute budget)
 * # add-member: name, key (hex or @name), weight; remove-member: member (hex, @name or display name)
 * # release-model: model, run, weights; optionally run_finished (statement digest), license (SPDX),
 * #   usage_policy (a Markdown file, pinned by digest), [[responsible]] member (hex, @name or name), role, contact
 * </pre>
 *
 * Errors name the file and the field.
 */
public final class ProposalFile {
    /** The command-line kinds and the fields each takes. */
    private static final List<String> KINDS = List.of("admit-data", "start-run", "release-model", "amend-charter",
            "add-member", "remove-member");

    private ProposalFile() {}

    /** The kinds {@code cairn propose} accepts. */
    public static List<String> kinds() {
        return KINDS;
    }

    /**
     * Reads {@code file} as a proposal of {@code kind}; {@code @name} keys are resolved by {@code keys}, and a
     * member to remove may be named by display name in {@code current}.
     */
    public static Motion read(Path file, String kind, Charter.KeyResolver keys, Charter current) {
        String src = file.toString();
        kind = kind.replace('_', '-'); // release_model and release-model alike
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown proposal kind \"" + kind + "\" (expected one of " + String.join(", ", KINDS) + ")");
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Charter.readToml(file));
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException(src + ": not valid TOML: " + dev.cairn.ledger.Hex.oneLine(msg));
        }
        try {
            String title = Json.text(root, "title", "");
            String description = Json.optText(root, "description", "");
            if (root.has("options")) {
                Json.onlyFields(root, "", Set.of("title", "description", "options"));
                JsonNode opts = Json.array(root, "options", "");
                List<Choice> choices = new ArrayList<>();
                for (int i = 0; i < opts.size(); i++) {
                    String at = "options[" + i + "].";
                    JsonNode o = opts.get(i);
                    if (!o.isObject()) throw new IllegalArgumentException("options[" + i + "]: must be a table");
                    try {
                        choices.add(new Choice(Json.text(o, "id", at), action(o, kind, at, Set.of("id"), file, keys, current)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage().startsWith(at) ? e.getMessage() : at + e.getMessage());
                    }
                }
                if (choices.size() < 2) throw new IllegalArgumentException("options: a ranked proposal needs at least two");
                return Motion.ranked(choices.getFirst().action().decisionClass(), title, description, choices);
            }
            return Motion.of(title, description, action(root, kind, "", Set.of("title", "description"), file, keys, current));
        } catch (CharterException e) {
            throw new IllegalArgumentException(src + ": charter " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(src + ": " + e.getMessage(), e);
        }
    }

    private static Action action(JsonNode n, String kind, String at, Set<String> extra, Path file,
                                 Charter.KeyResolver keys, Charter current) {
        java.util.function.Function<Set<String>, Void> only = fields -> {
            Set<String> all = new java.util.HashSet<>(fields);
            all.addAll(extra);
            Json.onlyFields(n, at, all);
            return null;
        };
        return switch (kind) {
            case "admit-data" -> {
                only.apply(Set.of("dataset", "root"));
                yield new Action.AdmitData(Json.text(n, "dataset", at), Json.text(n, "root", at));
            }
            case "start-run" -> {
                only.apply(Set.of("run", "recipe", "dataset_root", "tokenizer", "objective", "max_flops", "max_cpu_hours"));
                yield new Action.StartRun(Json.text(n, "run", at), Json.text(n, "recipe", at), Json.text(n, "dataset_root", at),
                        Json.text(n, "tokenizer", at), Json.optText(n, "objective", at), Json.optPositive(n, "max_flops", at),
                        Json.optPositive(n, "max_cpu_hours", at));
            }
            case "release-model" -> {
                only.apply(Set.of("model", "run", "weights", "run_finished", "license", "usage_policy", "responsible"));
                String policy = null;
                if (n.has("usage_policy")) { // a Markdown file beside the proposal, pinned by its SHA-256
                    Path p = file.toAbsolutePath().getParent().resolve(Json.text(n, "usage_policy", at));
                    try {
                        policy = Digests.sha256Hex(Files.readAllBytes(p));
                    } catch (IOException e) {
                        throw new IllegalArgumentException(at + "usage_policy: cannot read " + p);
                    }
                }
                List<Action.ReleaseModel.Responsible> who = new ArrayList<>();
                if (n.has("responsible")) {
                    JsonNode rs = Json.array(n, "responsible", at);
                    for (int i = 0; i < rs.size(); i++) {
                        String r = at + "responsible[" + i + "].";
                        JsonNode x = rs.get(i);
                        if (!x.isObject()) throw new IllegalArgumentException(at + "responsible[" + i + "]: must be a table");
                        Json.onlyFields(x, r, Set.of("member", "role", "contact"));
                        who.add(new Action.ReleaseModel.Responsible(memberKey(Json.text(x, "member", r), keys, current, r + "member"),
                                Json.text(x, "role", r), Json.text(x, "contact", r)));
                    }
                }
                yield new Action.ReleaseModel(Json.text(n, "model", at), Json.text(n, "run", at), Json.text(n, "weights", at),
                        n.has("run_finished") ? Json.text(n, "run_finished", at) : null, n.has("license") ? Json.text(n, "license", at) : null,
                        policy, who);
            }
            case "amend-charter" -> {
                only.apply(Set.of("charter"));
                Path p = file.toAbsolutePath().getParent().resolve(Json.text(n, "charter", at));
                yield new Action.AmendCharter(Charter.read(p, keys));
            }
            case "add-member" -> {
                only.apply(Set.of("name", "key", "weight"));
                long w = n.has("weight") ? Json.integer(n, "weight", at) : 1;
                if (w < 1 || w > Charter.MAX_WEIGHT) throw new IllegalArgumentException(at + "weight: must be between 1 and " + Charter.MAX_WEIGHT);
                yield new Action.AddMember(new Member(memberKey(Json.text(n, "key", at), keys, null, at + "key"), Json.text(n, "name", at), w));
            }
            case "remove-member" -> {
                only.apply(Set.of("member"));
                yield new Action.RemoveMember(memberKey(Json.text(n, "member", at), keys, current, at + "member"));
            }
            default -> throw new IllegalArgumentException("unknown proposal kind " + kind);
        };
    }

    private static String memberKey(String ref, Charter.KeyResolver keys, Charter current, String field) {
        if (ref.startsWith("@")) {
            return keys.publicKeyHex(ref.substring(1)).orElseThrow(() -> new IllegalArgumentException(field + ": no key named \""
                    + ref.substring(1) + "\""));
        }
        if (ref.matches("[0-9a-fA-F]{64}")) return ref.toLowerCase(java.util.Locale.ROOT);
        if (current != null) {
            for (Member m : current.members()) if (m.name().equals(ref)) return m.publicKey();
        }
        throw new IllegalArgumentException(field + ": \"" + ref + "\" is not a public key, @name, or a member's name");
    }
}
