package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * What a proposal does when executed. Each action belongs to one {@link DecisionClass}; executing it changes
 * the community state (the corpus, the approved runs, the releases, the charter, the members).
 */
public sealed interface Action {

    DecisionClass decisionClass();

    /** The action's type in statements: {@code admit_data}, {@code add_member}, ... */
    String type();

    /** A one-line human description. */
    String summary();

    /** Admit a dataset, named by the Merkle root of its manifest. */
    record AdmitData(String dataset, String root) implements Action {
        public AdmitData {
            requireName(dataset, "dataset");
            requireDigest(root, "root");
        }

        public DecisionClass decisionClass() { return DecisionClass.ADMIT_DATA; }
        public String type() { return "admit_data"; }
        public String summary() { return "admit dataset " + dataset + " (root " + root.substring(0, 12) + "…)"; }
    }

    /**
     * Start a training run: the recipe file's digest, the dataset root, the tokenizer's digest and the objective;
     * optionally a compute budget, in model FLOPs ({@code max_flops}) and/or CPU-hours of all processes together
     * ({@code max_cpu_hours}), null when not set.
     */
    record StartRun(String run, String recipe, String datasetRoot, String tokenizer, String objective, Double maxFlops,
                    Double maxCpuHours) implements Action {
        public StartRun {
            requireName(run, "run");
            requireDigest(recipe, "recipe");
            requireDigest(datasetRoot, "dataset_root");
            requireDigest(tokenizer, "tokenizer");
            if (objective == null) objective = "";
            requirePositive(maxFlops, "max_flops");
            requirePositive(maxCpuHours, "max_cpu_hours");
        }

        /** A run without a compute budget. */
        public StartRun(String run, String recipe, String datasetRoot, String tokenizer, String objective) {
            this(run, recipe, datasetRoot, tokenizer, objective, null, null);
        }

        /** Whether the proposal caps the run's compute. */
        public boolean hasBudget() {
            return maxFlops != null || maxCpuHours != null;
        }

        public DecisionClass decisionClass() { return DecisionClass.START_RUN; }
        public String type() { return "start_run"; }
        public String summary() { return "start run " + run + (objective.isEmpty() ? "" : " (" + objective + ")"); }
    }

    /**
     * Release a model: its name, the approved run it came from and the canonical digest of its weights; optionally
     * the run-finished statement it names (by digest), the weights' licence (an SPDX expression), the digest of its
     * usage policy, and the members who answer for it (each with a role and a contact).
     */
    record ReleaseModel(String model, String run, String weights, String runFinished, String license, String usagePolicy,
                        List<Responsible> responsible) implements Action {
        /** A member who answers for a release. */
        public record Responsible(String key, String role, String contact) {
            public Responsible {
                if (key == null || !key.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("responsible.key: must be a raw Ed25519 public key in lower-case hex");
                requireName(role, "responsible.role");
                requireName(contact, "responsible.contact");
            }
        }

        public ReleaseModel(String model, String run, String weights) {
            this(model, run, weights, null, null, null, List.of());
        }

        public ReleaseModel {
            requireName(model, "model");
            requireName(run, "run");
            requireDigest(weights, "weights");
            if (runFinished != null) requireDigest(runFinished, "run_finished");
            if (usagePolicy != null) requireDigest(usagePolicy, "usage_policy");
            if (license != null) requireName(license, "license");
            responsible = responsible == null ? List.of() : List.copyOf(responsible);
        }

        public DecisionClass decisionClass() { return DecisionClass.RELEASE_MODEL; }
        public String type() { return "release_model"; }
        public String summary() { return "release model " + model + " from run " + run + (license == null ? "" : " under " + license); }
    }

    /** Replace the charter, its member list included. */
    record AmendCharter(Charter charter) implements Action {
        public DecisionClass decisionClass() { return DecisionClass.AMEND_CHARTER; }
        public String type() { return "amend_charter"; }
        public String summary() { return "amend the charter (" + charter.members().size() + " members)"; }
    }

    /** Admit a new member. */
    record AddMember(Member member) implements Action {
        public DecisionClass decisionClass() { return DecisionClass.MEMBERSHIP; }
        public String type() { return "add_member"; }
        public String summary() { return "add member " + member.name() + " (weight " + member.weight() + ")"; }
    }

    /** Remove a member (by public key). */
    record RemoveMember(String publicKey) implements Action {
        public RemoveMember {
            if (publicKey == null || !publicKey.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("member: must be a raw Ed25519 public key in lower-case hex");
            }
        }

        public DecisionClass decisionClass() { return DecisionClass.MEMBERSHIP; }
        public String type() { return "remove_member"; }
        public String summary() { return "remove member " + publicKey.substring(0, 12) + "…"; }
    }

    // ---------------------------------------------------------------- JSON

    default ObjectNode toJson() {
        ObjectNode n = Json.object().put("type", type());
        switch (this) {
            case AdmitData a -> n.put("dataset", a.dataset()).put("root", a.root());
            case StartRun r -> {
                n.put("run", r.run()).put("recipe", r.recipe()).put("dataset_root", r.datasetRoot())
                        .put("tokenizer", r.tokenizer()).put("objective", r.objective());
                // Only when set: proposals made before budgets existed keep their bytes.
                if (r.maxFlops() != null) n.put("max_flops", r.maxFlops());
                if (r.maxCpuHours() != null) n.put("max_cpu_hours", r.maxCpuHours());
            }
            case ReleaseModel r -> {
                n.put("model", r.model()).put("run", r.run()).put("weights", r.weights());
                // Optional fields only when set: releases proposed before they existed keep their bytes.
                if (r.runFinished() != null) n.put("run_finished", r.runFinished());
                if (r.license() != null) n.put("license", r.license());
                if (r.usagePolicy() != null) n.put("usage_policy", r.usagePolicy());
                if (!r.responsible().isEmpty()) {
                    var a = n.putArray("responsible");
                    for (ReleaseModel.Responsible x : r.responsible()) a.addObject().put("key", x.key()).put("role", x.role()).put("contact", x.contact());
                }
            }
            case AmendCharter c -> n.set("charter", c.charter().toJson());
            case AddMember m -> n.put("name", m.member().name()).put("key", m.member().publicKey())
                    .put("weight", m.member().weight());
            case RemoveMember r -> n.put("key", r.publicKey());
        }
        return n;
    }

    static Action fromJson(JsonNode n, String path) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(path + ": must be an object");
        String p = path + ".";
        String type = Json.text(n, "type", p);
        try {
            return switch (type) {
                case "admit_data" -> {
                    Json.onlyFields(n, p, Set.of("type", "dataset", "root"));
                    yield new AdmitData(Json.text(n, "dataset", p), Json.text(n, "root", p));
                }
                case "start_run" -> {
                    Json.onlyFields(n, p, Set.of("type", "run", "recipe", "dataset_root", "tokenizer", "objective", "max_flops", "max_cpu_hours"));
                    yield new StartRun(Json.text(n, "run", p), Json.text(n, "recipe", p), Json.text(n, "dataset_root", p),
                            Json.text(n, "tokenizer", p), Json.optText(n, "objective", p), Json.optPositive(n, "max_flops", p),
                            Json.optPositive(n, "max_cpu_hours", p));
                }
                case "release_model" -> {
                    Json.onlyFields(n, p, Set.of("type", "model", "run", "weights", "run_finished", "license", "usage_policy", "responsible"));
                    yield new ReleaseModel(Json.text(n, "model", p), Json.text(n, "run", p), Json.text(n, "weights", p),
                            nullable(n, "run_finished", p), nullable(n, "license", p), nullable(n, "usage_policy", p),
                            responsible(n.get("responsible"), p + "responsible"));
                }
                case "amend_charter" -> {
                    Json.onlyFields(n, p, Set.of("type", "charter"));
                    yield new AmendCharter(Charter.fromJson(Json.object(n, "charter", p), p + "charter"));
                }
                case "add_member" -> {
                    Json.onlyFields(n, p, Set.of("type", "name", "key", "weight"));
                    long w = Json.integer(n, "weight", p);
                    if (w > Charter.MAX_WEIGHT) throw new IllegalArgumentException(p + "weight: over " + Charter.MAX_WEIGHT);
                    yield new AddMember(new Member(Json.key(n, "key", p), Json.text(n, "name", p), w));
                }
                case "remove_member" -> {
                    Json.onlyFields(n, p, Set.of("type", "key"));
                    yield new RemoveMember(Json.key(n, "key", p));
                }
                default -> throw new IllegalArgumentException(p + "type: unknown action type \"" + type + "\"");
            };
        } catch (CharterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m != null && m.startsWith(path) ? m : p + m, e);
        }
    }

    private static String nullable(JsonNode n, String field, String path) {
        return n.has(field) && !n.get(field).isNull() ? Json.text(n, field, path) : null;
    }

    static List<ReleaseModel.Responsible> responsible(JsonNode a, String path) {
        if (a == null) return List.of();
        if (!a.isArray()) throw new IllegalArgumentException(path + ": must be an array");
        if (a.size() > 1000) throw new IllegalArgumentException(path + ": more than 1000 entries");
        List<ReleaseModel.Responsible> out = new java.util.ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String at = path + "[" + i + "].";
            JsonNode x = a.get(i);
            if (!x.isObject()) throw new IllegalArgumentException(path + "[" + i + "]: must be an object");
            Json.onlyFields(x, at, Set.of("key", "role", "contact"));
            out.add(new ReleaseModel.Responsible(Json.key(x, "key", at), Json.text(x, "role", at), Json.text(x, "contact", at)));
        }
        return out;
    }

    private static void requireName(String s, String field) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(field + ": must not be empty");
        if (s.length() > 200) throw new IllegalArgumentException(field + ": longer than 200 characters");
    }

    private static void requirePositive(Double d, String field) {
        if (d != null && !(d > 0 && Double.isFinite(d))) throw new IllegalArgumentException(field + ": must be a positive number, got " + d);
    }

    private static void requireDigest(String s, String field) {
        if (!Digests.isDigest(s)) throw new IllegalArgumentException(field + ": must be a SHA-256 digest (64 lower-case hex digits)");
    }
}
