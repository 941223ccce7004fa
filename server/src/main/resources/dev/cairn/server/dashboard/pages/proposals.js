// Proposals: the list (newest first, paginated) and one page per proposal with its tally, ballots, action and a ballot form.
import { h, api, table, short, when, left, pager } from "../app.js";
import * as sign from "../sign.js";

export async function render(r) {
  return r.parts.length ? one(r.parts[0]) : list(Number(r.query.get("offset") || 0));
}

async function list(offset) {
  return h("div", {}, h("h1", {}, "Proposals"), await listPart(offset), await proposeForm());
}

async function listPart(offset) {
  const o = await api(`/api/proposal-list?offset=${offset}&limit=20`);
  const rows = o.proposals.map((p) => [h("a", { href: `#/proposals/${p.number}` }, String(p.number)), p.title, p.class, h("span", { class: "state" }, p.state),
    tallyText(p.tally), open(p.state) ? left(p.deadline - o.now) : "—", p.proposer]);
  return h("div", { id: "proposal-list" }, table(["#", "title", "class", "state", "tally", "time left", "proposer"], rows), pager(o.total, offset, 20, "#/proposals"));
}

/** Live updates: the list redraws in place, so a proposal being typed keeps its fields; one proposal's page redraws whole. */
export async function refresh(r) {
  if (r.parts.length) {
    const node = await one(r.parts[0]);
    if (location.hash.replace(/^#\/?/, "").split("?")[0] === "proposals/" + r.parts.join("/")) document.getElementById("view").replaceChildren(node);
    return;
  }
  const part = await listPart(Number(r.query.get("offset") || 0));
  document.getElementById("proposal-list")?.replaceWith(part);
}

const open = (state) => state === "Active" || state === "Pending";

function tallyText(t) {
  if (t.ranking) return `ranked: ${t.ranking.join(" > ")} (${t.ballots} ballots)`;
  return `for ${t.for} · against ${t.against} · abstain ${t.abstain} (quorum ${t.quorum_counted}/${t.quorum_required})`;
}

function bar(t) {
  const total = Math.max(1, t.total_weight);
  const b = h("span", { class: "bar", title: "for + abstain against the quorum (red mark)" }, h("span"), h("i"));
  b.firstChild.style.width = `${(100 * t.quorum_counted) / total}%`;
  b.lastChild.style.left = `${(100 * t.quorum_required) / total}%`;
  return b;
}

async function one(number) {
  const p = await api(`/api/proposal?number=${encodeURIComponent(number)}`);
  const m = p.motion, t = p.tally;
  const action = m.action ? [h("h2", {}, "Action"), actionView(m.action)]
    : [h("h2", {}, "Options"), m.options.map((o) => h("div", { class: "card" }, h("strong", {}, o.id), actionView(o.action)))];
  return h("div", {},
    h("h1", {}, `Proposal ${p.number}: `, h("span", { id: "proposal-title" }, m.title)),
    h("p", {}, m.description),
    h("p", {}, "State ", h("strong", { id: "proposal-state" }, p.state), " · class ", m.class, " · rule ", p.policy.rule, " · quorum ", String(p.policy.quorum),
      " · ", open(p.state) ? left(p.deadline - p.now) : "voting closed", " (deadline ", when(p.deadline), ")"),
    h("p", { id: "tally" }, tallyText(t), " "),
    h("p", {}, bar(t), " ", t.quorum_reached ? h("span", { class: "ok" }, "quorum reached") : h("span", { class: "warn" }, "quorum not reached"),
      " · ", t.carried ? h("span", { class: "ok" }, "carries") : h("span", { class: "muted" }, "does not carry (yet)")),
    h("p", { class: "muted" }, t.explanation),
    action,
    h("h2", {}, "Ballots"),
    table(["voter", "ballot", "weight", "time"], p.ballots.map((b) => [b.voter_name, b.ballot.support || b.ballot.ranking.join(" > "), String(b.weight), when(b.time)])),
    h("p", { class: "muted" }, "Proposed by ", p.proposer_name, " at ", when(p.created), "; statement ", h("code", {}, p.digest)),
    await ballotForm(p));
}

function actionView(a) {
  const rows = Object.entries(a).filter(([k]) => k !== "charter").map(([k, v]) => {
    const text = typeof v === "object" ? JSON.stringify(v) : String(v);
    if (k === "dataset") return [k, h("a", { href: `#/datasets/${encodeURIComponent(text)}` }, text)];
    if (k === "run") return [k, h("a", { href: `#/runs/${encodeURIComponent(text)}` }, text)];
    if (k === "model") return [k, h("a", { href: `#/releases/${encodeURIComponent(text)}` }, text)];
    return [k, /^[0-9a-f]{64}$/.test(text) ? h("code", {}, text) : text];
  });
  return table(["field", "value"], rows);
}

// The last receipt per proposal (and for the propose form), shown again when a live update redraws the page.
const receipts = new Map();

async function ballotForm(p) {
  const member = await sign.loadKey().catch(() => null);
  const box = h("div", { class: "card", id: "ballot" }, h("h2", {}, "Your ballot"));
  if (!member) return box.append(h("p", {}, "Import your key on ", h("a", { href: "#/key" }, "Your key"), " to vote here.")), box;
  const me = p.eligible.find((e) => e.key === member.publicKey);
  if (!me) return box.append(h("p", { class: "warn" }, `Your key ${short(member.publicKey)} is not a member of this community.`)), box;
  if (me.voted) return box.append(h("p", {}, `${me.name}, you have voted on this proposal.`), receipts.has(p.digest) ? receipt(receipts.get(p.digest)) : ""), box;
  const status = h("div", { id: "ballot-status" });
  const cast = async (ballot) => {
    status.replaceChildren("Signing and submitting…");
    try {
      const ov = await api("/api/overview");
      const env = await sign.envelope(member, sign.vote(ov.community, member.publicKey, p.digest, ballot));
      const r = await sign.submit(env);
      receipts.set(p.digest, r);
      status.replaceChildren(receipt(r));
    } catch (e) {
      status.replaceChildren(h("p", { class: "error" }, e.message));
    }
  };
  if (p.motion.options) {
    const order = h("input", { id: "ranking", size: 40, value: p.motion.options.map((o) => o.id).join(",") });
    box.append(h("p", {}, `${me.name} (power ${me.power}): rank the options, most preferred first `), order,
      h("button", { id: "vote-rank", onclick: () => cast({ ranking: order.value.split(",").map((s) => s.trim()).filter(Boolean) }) }, "Sign and submit"));
  } else {
    box.append(h("p", {}, `${me.name} (power ${me.power}):`), ...["for", "against", "abstain"].map((s) =>
      h("button", { id: `vote-${s}`, onclick: () => cast({ support: s }) }, s)));
  }
  box.append(status);
  return box;
}

export function receipt(r) {
  return h("div", { id: "receipt" },
    h("p", { class: r.proof_checked ? "ok" : "bad" }, `Included at log index ${r.index}`, r.duplicate ? " (already in the log)" : "",
      r.proof_checked ? " — inclusion proof verified in this browser" : " — the inclusion proof did NOT verify"),
    table(["tree size", "root", "leaf hash", "audit path"], [[String(r.inclusion_proof.tree_size), h("code", {}, r.inclusion_proof.root),
      h("code", {}, r.leaf_hash), h("code", {}, r.inclusion_proof.audit_path.join(" "))]]),
    h("pre", {}, r.checkpoint));
}

// What the browser can propose: each action's fields (id, label, placeholder, optional) and how they make the action.
const KINDS = {
  admit_data: { label: "Admit a dataset version", fields: [["dataset", "Dataset", "name@version"], ["root", "Manifest root", "64 hex digits"]] },
  start_run: { label: "Start a training run", fields: [["run", "Run name", "run id"], ["recipe", "Recipe digest", "64 hex digits"],
    ["dataset_root", "Dataset root", "64 hex digits"], ["tokenizer", "Tokenizer digest", "64 hex digits"], ["objective", "Objective", "what it optimises for", true],
    ["max_flops", "FLOP budget", "e.g. 1e15", true, Number], ["max_cpu_hours", "CPU-hour budget", "e.g. 10", true, Number]] },
  release_model: { label: "Release a model", fields: [["model", "Model name", "name"], ["run", "Run", "run id"], ["weights", "Weights digest", "64 hex digits"],
    ["run_finished", "Run-finished statement", "64 hex digits", true], ["license", "Licence", "SPDX id", true]] },
  add_member: { label: "Add a member", fields: [["name", "Name", "display name"], ["key", "Public key", "64 hex digits (Ed25519)"], ["weight", "Weight", "1", true, Number]] },
  remove_member: { label: "Remove a member", fields: [["key", "Public key", "64 hex digits"]] },
};
const CLASS_OF = { admit_data: "admit_data", start_run: "start_run", release_model: "release_model", add_member: "membership", remove_member: "membership" };

async function proposeForm() {
  const member = await sign.loadKey().catch(() => null);
  if (!member) return h("p", { class: "muted" }, "Import your key on ", h("a", { href: "#/key" }, "Your key"), " to propose from here.");
  const title = h("input", { id: "p-title", size: 50 }), description = h("input", { id: "p-description", size: 50 });
  const kind = h("select", { id: "p-kind" }, ...Object.entries(KINDS).map(([k, v]) => h("option", { value: k }, v.label)));
  const fields = h("div", { id: "p-fields" });
  let inputs = {};
  const draw = () => {
    inputs = {};
    fields.replaceChildren(...KINDS[kind.value].fields.map(([id, label, hint, optional]) => {
      inputs[id] = h("input", { id: `p-${id.replace(/_/g, "-")}`, size: id === "name" || id === "model" || id === "run" ? 24 : 66, placeholder: hint + (optional ? " (optional)" : "") });
      return h("p", {}, label, " ", inputs[id]);
    }));
  };
  kind.addEventListener("change", draw);
  draw();
  const status = h("div", { id: "propose-status" }, receipts.has("propose") ? receipt(receipts.get("propose")) : "");
  const go = async () => {
    try {
      const action = { type: kind.value };
      for (const [id, label, , optional, as] of KINDS[kind.value].fields) {
        const v = inputs[id].value.trim();
        if (!v) {
          if (optional) continue;
          throw new Error(`${label}: required`);
        }
        action[id] = as === Number ? Number(v) : v;
        if (as === Number && !Number.isFinite(action[id])) throw new Error(`${label}: not a number`);
      }
      if (kind.value === "add_member" && action.weight === undefined) action.weight = 1;
      const ov = await api("/api/overview");
      const motion = { class: CLASS_OF[kind.value], title: title.value, description: description.value, action };
      const r = await sign.submit(await sign.envelope(member, await sign.propose(ov.community, member.publicKey, motion)));
      receipts.set("propose", r);
      status.replaceChildren(receipt(r));
    } catch (e) {
      status.replaceChildren(h("p", { class: "error" }, e.message));
    }
  };
  return h("div", { class: "card" }, h("h2", {}, "Propose"),
    h("p", {}, "Kind ", kind), h("p", {}, "Title ", title), h("p", {}, "Description ", description), fields,
    h("p", { class: "muted" }, "A new charter is proposed from the command line (cairn propose amend-charter)."),
    h("button", { id: "propose", onclick: go }, "Sign and submit"), status);
}
