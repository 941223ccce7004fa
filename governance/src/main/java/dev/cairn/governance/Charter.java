package dev.cairn.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A community's written rules: its members (public key, display name, voting weight) and, for every
 * {@link DecisionClass}, a {@link DecisionPolicy}. Written in TOML:
 *
 * <pre>
 * title = "Lab coalition charter"
 * [[members]]
 * name = "Alpine Lab"
 * key = "3b6a27bc..."      # raw Ed25519 public key, hex; or "@alice" for the key named alice in the home
 * weight = 2
 * [defaults]               # applies to every class unless the class says otherwise
 * rule = "majority"        # majority | 2:1 | 3:1 | schulze | schulze 2:1
 * quorum = "50%"           # share of the total weight at the snapshot, or an integer weight
 * super_quorum = "100%"    # optional: voting closes early once this much weight is for and it carries
 * voting_delay = "1h"      # s, m, h, d, w units or ISO-8601 (PT1H)
 * voting_period = "3d"
 * timelock = "1d"
 * grace_period = "14d"
 * proposal_threshold = 1
 * vote_replacement = false
 * delegation = true
 * [decisions.amend_charter]
 * rule = "3:1"
 * </pre>
 *
 * The same shape, fully expanded (no {@code defaults}), is the charter's JSON form inside signed statements.
 * Validation errors name the source and the field.
 */
public record Charter(String title, List<Member> members, Map<DecisionClass, DecisionPolicy> policies, ReleaseRules release,
                      WitnessPolicy witnessing) {
    static final long MAX_WEIGHT = 1_000_000_000L;
    static final int MAX_MEMBERS = 100_000;
    private static final List<String> POLICY_FIELDS = List.of("rule", "quorum", "super_quorum", "voting_delay", "voting_period",
            "timelock", "grace_period", "proposal_threshold", "vote_replacement", "delegation");

    /** Resolves a key reference such as {@code @alice} to a raw public key in hex. */
    @FunctionalInterface
    public interface KeyResolver {
        Optional<String> publicKeyHex(String name);

        /** Resolves nothing: only literal hex keys are accepted. */
        KeyResolver NONE = name -> Optional.empty();
    }

    /** A charter without release requirements or named evaluators (see {@link ReleaseRules}). */
    public Charter(String title, List<Member> members, Map<DecisionClass, DecisionPolicy> policies) {
        this(title, members, policies, ReleaseRules.NONE, WitnessPolicy.NONE);
    }

    public Charter {
        if (release == null) release = ReleaseRules.NONE;
        if (witnessing == null) witnessing = WitnessPolicy.NONE;
        members = List.copyOf(members);
        EnumMap<DecisionClass, DecisionPolicy> copy = new EnumMap<>(DecisionClass.class);
        copy.putAll(policies);
        for (DecisionClass c : DecisionClass.values()) {
            if (!copy.containsKey(c)) throw new IllegalArgumentException("no policy for " + c.key());
        }
        policies = Collections.unmodifiableMap(copy);
        if (members.isEmpty()) throw new IllegalArgumentException("a charter needs at least one member");
        Set<String> keys = new HashSet<>(), names = new HashSet<>();
        for (Member m : members) {
            if (!keys.add(m.publicKey())) throw new IllegalArgumentException("key " + m.publicKey() + " is listed twice");
            if (!names.add(m.name())) throw new IllegalArgumentException("name \"" + m.name() + "\" is listed twice");
        }
    }

    public int minVerifications() {
        return release.minVerifications();
    }

    public DecisionPolicy policy(DecisionClass c) {
        return policies.get(c);
    }

    public Optional<Member> member(String publicKey) {
        return members.stream().filter(m -> m.publicKey().equals(publicKey)).findFirst();
    }

    public long totalWeight() {
        return members.stream().mapToLong(Member::weight).sum();
    }

    /** This charter with another member list (the rules unchanged). */
    public Charter withMembers(List<Member> newMembers) {
        return new Charter(title, newMembers, policies, release, witnessing);
    }

    // ---------------------------------------------------------------- reading

    /** Reads a TOML charter file; {@code @name} keys are resolved by {@code keys}. */
    public static Charter read(Path file, KeyResolver keys) {
        return parseToml(readToml(file), file.toString(), keys);
    }

    /** Charters and proposals are a few KiB; anything over this is refused before it is parsed. */
    static final int MAX_TOML_BYTES = 1 << 20;

    /** A charter or proposal file's text: a regular file, at most {@link #MAX_TOML_BYTES}, strict UTF-8. */
    static String readToml(Path file) {
        String src = file.toString();
        try {
            if (!Files.isRegularFile(file)) throw new CharterException(src, "(file)", Files.exists(file) ? "not a regular file" : "no such file");
            long size = Files.size(file);
            if (size > MAX_TOML_BYTES) throw new CharterException(src, "(file)", size + " bytes, over the limit of " + MAX_TOML_BYTES);
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CharterException(src, "(file)", "not valid UTF-8");
        } catch (IOException e) {
            throw new CharterException(src, "(file)", "cannot read: " + e.getMessage());
        }
    }

    /** Parses a TOML charter; {@code source} names it in error messages. */
    public static Charter parseToml(String toml, String source, KeyResolver keys) {
        JsonNode tree;
        try {
            tree = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CharterException(source, "(syntax)", "not valid TOML: " + dev.cairn.ledger.Hex.oneLine(msg));
        }
        return fromTree(tree, source, keys);
    }

    /** Parses the JSON form (as carried in statements); keys must be literal hex. */
    public static Charter fromJson(JsonNode json, String source) {
        return fromTree(json, source, KeyResolver.NONE);
    }

    private static Charter fromTree(JsonNode root, String src, KeyResolver keys) {
        if (root == null || !root.isObject()) throw new CharterException(src, "(top level)", "must be a table");
        onlyFields(root, src, "", Set.of("title", "members", "defaults", "decisions", "release", "evaluators", "witnesses", "witnessing"));
        String title = root.has("title") ? text(root, "title", src, "title") : "";

        JsonNode ms = root.get("members");
        if (ms == null || !ms.isArray() || ms.isEmpty()) {
            throw new CharterException(src, "members", "at least one [[members]] entry is required");
        }
        if (ms.size() > MAX_MEMBERS) throw new CharterException(src, "members", "more than " + MAX_MEMBERS + " members");
        List<Member> members = new ArrayList<>();
        Set<String> seenKeys = new HashSet<>(), seenNames = new HashSet<>();
        for (int i = 0; i < ms.size(); i++) {
            String at = "members[" + i + "]";
            JsonNode m = ms.get(i);
            if (!m.isObject()) throw new CharterException(src, at, "must be a table");
            onlyFields(m, src, at + ".", Set.of("name", "key", "weight"));
            String name = text(m, "name", src, at + ".name");
            if (name.isBlank()) throw new CharterException(src, at + ".name", "must not be empty");
            String key = resolveKey(text(m, "key", src, at + ".key"), keys, src, at + ".key");
            long weight = m.has("weight") ? integer(m.get("weight"), src, at + ".weight") : 1;
            if (weight < 1 || weight > MAX_WEIGHT) {
                throw new CharterException(src, at + ".weight", "must be between 1 and " + MAX_WEIGHT + ", got " + weight);
            }
            if (!seenKeys.add(key)) throw new CharterException(src, at + ".key", "key " + key + " is already a member");
            if (!seenNames.add(name)) throw new CharterException(src, at + ".name", "name \"" + name + "\" is already taken");
            try {
                members.add(new Member(key, name, weight));
            } catch (IllegalArgumentException e) {
                throw new CharterException(src, at + ".key", e.getMessage());
            }
        }

        JsonNode defaults = root.get("defaults");
        if (defaults != null) {
            if (!defaults.isObject()) throw new CharterException(src, "defaults", "must be a table");
            onlyFields(defaults, src, "defaults.", Set.copyOf(POLICY_FIELDS));
        }
        JsonNode decisions = root.get("decisions");
        if (decisions != null && !decisions.isObject()) throw new CharterException(src, "decisions", "must be a table");
        if (decisions != null) {
            for (Iterator<String> it = decisions.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                try {
                    if (!DecisionClass.parse(k).key().equals(k)) throw new IllegalArgumentException("write " + DecisionClass.parse(k).key());
                } catch (IllegalArgumentException e) {
                    throw new CharterException(src, "decisions." + k, e.getMessage());
                }
                JsonNode d = decisions.get(k);
                if (!d.isObject()) throw new CharterException(src, "decisions." + k, "must be a table");
                onlyFields(d, src, "decisions." + k + ".", Set.copyOf(POLICY_FIELDS));
            }
        }
        EnumMap<DecisionClass, DecisionPolicy> policies = new EnumMap<>(DecisionClass.class);
        for (DecisionClass c : DecisionClass.values()) {
            JsonNode own = decisions == null ? null : decisions.get(c.key());
            policies.put(c, policy(own, defaults, src, "decisions." + c.key()));
        }
        int minVerifications = 0, minEvaluators = 0;
        List<String> required = new ArrayList<>();
        JsonNode release = root.get("release");
        if (release != null) {
            if (!release.isObject()) throw new CharterException(src, "release", "must be a table");
            onlyFields(release, src, "release.", Set.of("min_verifications", "required_evaluations", "min_evaluators"));
            minVerifications = count(release, "min_verifications", src);
            minEvaluators = count(release, "min_evaluators", src);
            JsonNode req = release.get("required_evaluations");
            if (req != null) {
                if (!req.isArray()) throw new CharterException(src, "release.required_evaluations", "must be a list of task names");
                for (JsonNode t : req) {
                    if (!t.isTextual() || t.asText().isBlank() || t.asText().length() > 200) throw new CharterException(src, "release.required_evaluations", "task names must be non-empty strings");
                    required.add(t.asText());
                }
            }
        }
        List<ReleaseRules.Evaluator> evaluators = new ArrayList<>();
        JsonNode evs = root.get("evaluators");
        if (evs != null) {
            if (!evs.isArray()) throw new CharterException(src, "evaluators", "must be [[evaluators]] entries");
            for (int i = 0; i < evs.size(); i++) {
                String at = "evaluators[" + i + "]";
                JsonNode e = evs.get(i);
                if (!e.isObject()) throw new CharterException(src, at, "must be a table");
                onlyFields(e, src, at + ".", Set.of("name", "key"));
                String key = resolveKey(text(e, "key", src, at + ".key"), keys, src, at + ".key");
                if (members.stream().anyMatch(m -> m.publicKey().equals(key))) throw new CharterException(src, at + ".key", "is already a member (evaluators are third parties)");
                evaluators.add(new ReleaseRules.Evaluator(key, text(e, "name", src, at + ".name")));
            }
        }
        List<WitnessPolicy.Witness> witnesses = new ArrayList<>();
        JsonNode ws = root.get("witnesses");
        if (ws != null) {
            if (!ws.isArray()) throw new CharterException(src, "witnesses", "must be [[witnesses]] entries");
            for (int i = 0; i < ws.size(); i++) {
                String at = "witnesses[" + i + "]";
                JsonNode w = ws.get(i);
                if (!w.isObject()) throw new CharterException(src, at, "must be a table");
                onlyFields(w, src, at + ".", Set.of("name", "key"));
                try {
                    witnesses.add(new WitnessPolicy.Witness(text(w, "name", src, at + ".name"), resolveKey(text(w, "key", src, at + ".key"), keys, src, at + ".key")));
                } catch (IllegalArgumentException e) {
                    throw new CharterException(src, at, e.getMessage());
                }
            }
        }
        int quorum = 0;
        JsonNode wq = root.get("witnessing");
        if (wq != null) {
            if (!wq.isObject()) throw new CharterException(src, "witnessing", "must be a table");
            onlyFields(wq, src, "witnessing.", Set.of("quorum"));
            if (wq.has("quorum")) quorum = (int) Math.min(Integer.MAX_VALUE, Math.max(-1, integer(wq.get("quorum"), src, "witnessing.quorum")));
        }
        WitnessPolicy witnessing;
        try {
            witnessing = new WitnessPolicy(witnesses, quorum);
        } catch (IllegalArgumentException e) {
            throw new CharterException(src, "witnessing.quorum", e.getMessage());
        }
        return new Charter(title, members, policies, new ReleaseRules(minVerifications, required, minEvaluators, evaluators), witnessing);
    }

    private static DecisionPolicy policy(JsonNode own, JsonNode defaults, String src, String at) {
        Function<String, Field> get = f -> {
            if (own != null && own.has(f)) return new Field(own.get(f), at + "." + f);
            if (defaults != null && defaults.has(f)) return new Field(defaults.get(f), "defaults." + f);
            throw new CharterException(src, at + "." + f, "missing (and no defaults." + f + ")");
        };
        Field ruleF = get.apply("rule");
        VotingRule rule;
        try {
            rule = VotingRule.parse(textOf(ruleF, src));
        } catch (IllegalArgumentException e) {
            throw new CharterException(src, ruleF.path, e.getMessage());
        }
        Quorum quorum = quorum(get.apply("quorum"), src);
        Quorum superQuorum = null;
        if ((own != null && own.has("super_quorum")) || (defaults != null && defaults.has("super_quorum"))) {
            Field sq = get.apply("super_quorum");
            if (!sq.node.isNull() && !(sq.node.isTextual() && sq.node.textValue().equals("none"))) {
                superQuorum = quorum(sq, src);
                if (superQuorum.isShare() == quorum.isShare()
                        && (superQuorum.isShare() ? superQuorum.basisPoints() < quorum.basisPoints()
                                : superQuorum.absoluteWeight() < quorum.absoluteWeight())) {
                    throw new CharterException(src, sq.path, "must not be below the quorum (" + quorum.spelling() + ")");
                }
            }
        }
        Duration delay = duration(get.apply("voting_delay"), src, true);
        Duration period = duration(get.apply("voting_period"), src, false);
        Duration timelock = duration(get.apply("timelock"), src, true);
        Duration grace = duration(get.apply("grace_period"), src, false);
        Field thF = get.apply("proposal_threshold");
        long threshold = integer(thF.node, src, thF.path);
        if (threshold < 0) throw new CharterException(src, thF.path, "must be ≥ 0");
        boolean replace = bool(get.apply("vote_replacement"), src);
        boolean delegation = bool(get.apply("delegation"), src);
        return new DecisionPolicy(rule, quorum, superQuorum, delay, period, timelock, grace, threshold, replace, delegation);
    }

    private static Quorum quorum(Field f, String src) {
        try {
            return f.node.isIntegralNumber() ? Quorum.weight(integer(f.node, src, f.path)) : Quorum.parse(textOf(f, src));
        } catch (CharterException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CharterException(src, f.path, e.getMessage());
        }
    }

    private record Field(JsonNode node, String path) {}

    private static String resolveKey(String key, KeyResolver keys, String src, String at) {
        if (key.startsWith("@")) {
            String name = key.substring(1);
            return keys.publicKeyHex(name).orElseThrow(() -> new CharterException(src, at,
                    "no key named \"" + name + "\" to resolve " + key + " (create it with `cairn key new " + name + "`)"));
        }
        String k = key.strip();
        if (!k.matches("[0-9a-fA-F]{64}")) {
            throw new CharterException(src, at, "\"" + abbreviate(key) + "\" is not a raw Ed25519 public key (64 hex digits) or @name");
        }
        return k.toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code 90s}, {@code 15m}, {@code 1h}, {@code 3d}, {@code 2w}, ISO-8601 ({@code PT1H}) or integer seconds. */
    static Duration parseDuration(String s) {
        String t = s.strip();
        if (t.matches("\\d{1,9}[smhdw]")) {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(quote(s) + " is not a duration (write e.g. \"90s\", \"1h\", \"3d\", \"2w\" or \"PT1H\")");
        }
    }

    private static Duration duration(Field f, String src, boolean zeroAllowed) {
        Duration d;
        try {
            d = f.node.isIntegralNumber() ? Duration.ofSeconds(integer(f.node, src, f.path)) : parseDuration(textOf(f, src));
        } catch (IllegalArgumentException e) {
            if (e instanceof CharterException ce) throw ce;
            throw new CharterException(src, f.path, e.getMessage());
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new CharterException(src, f.path, zeroAllowed ? "must not be negative" : "must be positive");
        }
        if (d.getNano() % 1_000_000 != 0) {
            throw new CharterException(src, f.path, "finer than a millisecond");
        }
        if (d.compareTo(Duration.ofDays(36_500)) > 0) throw new CharterException(src, f.path, "longer than a century");
        return d;
    }

    private static void onlyFields(JsonNode n, String src, String prefix, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new CharterException(src, prefix + f, "unknown field (expected one of " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String text(JsonNode parent, String f, String src, String path) {
        JsonNode n = parent.get(f);
        if (n == null) throw new CharterException(src, path, "missing");
        if (!n.isTextual()) throw new CharterException(src, path, "must be a string");
        return n.textValue();
    }

    private static String textOf(Field f, String src) {
        if (!f.node.isTextual()) throw new CharterException(src, f.path, "must be a string");
        return f.node.textValue();
    }

    private static int count(JsonNode t, String k, String src) {
        if (!t.has(k)) return 0;
        long n = integer(t.get(k), src, "release." + k);
        if (n < 0 || n > MAX_MEMBERS) throw new CharterException(src, "release." + k, "must be between 0 and " + MAX_MEMBERS);
        return (int) n;
    }

    private static long integer(JsonNode n, String src, String path) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new CharterException(src, path, "must be an integer");
        }
        return n.longValue();
    }

    private static boolean bool(Field f, String src) {
        if (!f.node.isBoolean()) throw new CharterException(src, f.path, "must be true or false");
        return f.node.booleanValue();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** A value from the input, quoted for a message: at most 40 characters (messages stay short). */
    static String quote(String s) {
        return "\"" + abbreviate(String.valueOf(s)) + "\"";
    }

    // ---------------------------------------------------------------- writing

    /** The charter's JSON form: the TOML shape with every class expanded, durations in ISO-8601. */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("title", title);
        ArrayNode ms = root.putArray("members");
        for (Member m : members) {
            ms.addObject().put("name", m.name()).put("key", m.publicKey()).put("weight", m.weight());
        }
        ObjectNode ds = root.putObject("decisions");
        for (DecisionClass c : DecisionClass.values()) {
            ds.set(c.key(), policyJson(policies.get(c)));
        }
        // Written only when set, so charters without it keep their JSON form (and their communities their ids).
        if (!witnessing.equals(WitnessPolicy.NONE)) {
            ArrayNode ws = root.putArray("witnesses");
            for (WitnessPolicy.Witness w : witnessing.witnesses()) ws.addObject().put("name", w.name()).put("key", w.publicKey());
            root.putObject("witnessing").put("quorum", witnessing.quorum());
        }
        if (!release.equals(ReleaseRules.NONE)) {
            ObjectNode r = root.putObject("release").put("min_verifications", release.minVerifications());
            if (!release.requiredEvaluations().isEmpty()) {
                ArrayNode req = r.putArray("required_evaluations");
                release.requiredEvaluations().forEach(req::add);
                r.put("min_evaluators", release.minEvaluators());
            }
            if (!release.evaluators().isEmpty()) {
                ArrayNode es = root.putArray("evaluators");
                for (ReleaseRules.Evaluator e : release.evaluators()) es.addObject().put("name", e.name()).put("key", e.publicKey());
            }
        }
        return root;
    }

    /** One policy's JSON form, as under {@code decisions.CLASS}. */
    static ObjectNode policyJson(DecisionPolicy p) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        d.put("rule", p.rule().spelling());
        if (p.quorum().isShare()) d.put("quorum", p.quorum().spelling());
        else d.put("quorum", p.quorum().absoluteWeight());
        if (p.superQuorum() != null) {
            if (p.superQuorum().isShare()) d.put("super_quorum", p.superQuorum().spelling());
            else d.put("super_quorum", p.superQuorum().absoluteWeight());
        }
        d.put("voting_delay", p.votingDelay().toString());
        d.put("voting_period", p.votingPeriod().toString());
        d.put("timelock", p.timelock().toString());
        d.put("grace_period", p.gracePeriod().toString());
        d.put("proposal_threshold", p.proposalThreshold());
        d.put("vote_replacement", p.voteReplacement());
        d.put("delegation", p.delegation());
        return d;
    }
}
