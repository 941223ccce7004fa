// The community: its charter's rules per decision class, members, witnesses and evaluators, the latest checkpoint.
import { h, api, table, short, when } from "../app.js";

export async function render() {
  const o = await api("/api/overview");
  const c = o.charter;
  const rules = Object.entries(c.decisions).map(([cls, p]) => [cls, p.rule, String(p.quorum), p.super_quorum ?? "—", p.voting_delay, p.voting_period,
    p.timelock, String(p.proposal_threshold), p.vote_replacement ? "yes" : "no", p.delegation ? "yes" : "no"]);
  return h("div", {},
    h("h1", {}, o.name),
    h("p", {}, "Community ", h("code", {}, o.community), " · founded by ", o.founder, " · ", `${o.log_size} log entries, ${o.proposals} proposals`),
    h("h2", {}, "Members"),
    table(["name", "key", "weight"], c.members.map((m) => [m.name, h("code", {}, short(m.key, 16)), String(m.weight)])),
    h("h2", {}, "Rules per decision class (", c.title, ")"),
    table(["class", "rule", "quorum", "super quorum", "voting delay", "voting period", "timelock", "proposal threshold", "vote replacement", "delegation"], rules),
    c.release ? h("p", {}, `Releases need ${c.release.min_verifications} independent verification(s)`,
      c.release.required_evaluations ? ` and evaluations on ${c.release.required_evaluations.join(", ")}` : "", ".") : null,
    h("h2", {}, "Witnesses"),
    c.witnesses ? table(["name", "key"], c.witnesses.map((w) => [w.name, h("code", {}, short(w.key, 16))])) : h("p", { class: "muted" }, "The charter names no witnesses."),
    c.witnessing ? h("p", {}, `Members act only on checkpoints cosigned by ${c.witnessing.quorum} of them.`) : null,
    c.evaluators ? [h("h2", {}, "Evaluators"), table(["name", "key"], c.evaluators.map((e) => [e.name, h("code", {}, short(e.key, 16))]))] : null,
    h("h2", {}, "Latest checkpoint"),
    h("p", { class: "muted" }, "The log's signed tree head (C2SP tlog-checkpoint), with any witnesses' cosignatures; last entry ", when(o.last_time), "."),
    h("pre", { id: "checkpoint" }, o.checkpoint));
}
