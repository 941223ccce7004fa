// Releases: files with download links, the signature and the `release verify` verdict, the model card rendered.
import { h, api, table } from "../app.js";
import { markdown } from "../markdown.js";

export async function render(r) {
  if (r.parts.length) return one(r.parts[0]);
  const o = await api("/api/releases");
  return h("div", {}, h("h1", {}, "Releases"),
    o.releases.length ? table(["release", "model"], o.releases.map((x) => [h("a", { href: `#/releases/${encodeURIComponent(x.name)}` }, x.name), x.parameters_hint]))
      : h("p", { class: "muted" }, "No release published on this node yet."));
}

async function one(name) {
  const o = await api(`/api/release?name=${encodeURIComponent(name)}`);
  const v = o.verdict;
  return h("div", {}, h("h1", {}, "Release ", o.name),
    v.pending ? h("p", { id: "verdict-pending", class: "muted" }, "release verify is running on the node (it reads the whole ledger); this page updates when it is done.")
      : h("p", { id: "verdict", class: v.ok ? "ok" : "bad" }, v.ok ? "release verify: OK — every check passed" : `release verify: FAILED — ${v.first_failure}`,
      h("span", { class: "muted" }, ` (checked against the log at size ${v.checked_at_size})`)),
    table(["check", "result", "detail"], (v.checks || []).map((c) => [c.name, h("span", { class: c.ok ? (c.warning ? "warn" : "ok") : "bad" }, c.ok ? (c.warning ? "warning" : "ok") : "failed"), c.detail])),
    h("p", {}, "Signature: OpenSSF model signing (", o.signature_media_type || "—", "), key hint ", h("code", {}, o.signature_key_hint || "—")),
    h("h2", {}, "Files"),
    table(["file", "bytes"], o.files.map((f) => [h("a", { href: f.url, download: f.name }, f.name), f.bytes.toLocaleString("en")])),
    h("h2", {}, "Model card"),
    h("div", { class: "card", id: "model-card" }, markdown(o.model_card)));
}
