// Datasets: versions, documents with provenance and licence, removals and reasons, the licence summary, trace search.
import { h, api, table, short, pager } from "../app.js";

export async function render(r) {
  if (r.parts.length >= 3 && r.parts[1] === "doc") return doc(r.parts[0], r.parts[2]);
  if (r.parts.length) return version(r.parts[0], Number(r.query.get("offset") || 0));
  const o = await api("/api/datasets");
  return h("div", {}, h("h1", {}, "Datasets"),
    o.datasets.map((d) => h("div", { class: "card" }, h("h2", {}, d.name),
      table(["version", "documents", "root", "made by", "created"], d.versions.map((v) => [h("a", { href: `#/datasets/${encodeURIComponent(v.ref)}` }, v.ref),
        String(v.documents), h("code", {}, short(v.root, 16)), change(v.change), v.created])))));
}

function change(c) {
  if (c.kind === "remove") return `removal of ${short(c.document)}: ${c.reason}`;
  return c.kind || "—";
}

async function version(ref, offset) {
  const o = await api(`/api/dataset?ref=${encodeURIComponent(ref)}&offset=${offset}&limit=50`);
  const q = h("input", { id: "trace-q", size: 50, placeholder: "a span of text" });
  const results = h("div", { id: "trace-results" });
  const search = async () => {
    try {
      const t = await api(`/api/trace?dataset=${encodeURIComponent(o.ref)}&q=${encodeURIComponent(q.value)}`);
      results.replaceChildren(h("p", {}, `${t.count} occurrence(s) in ${t.dataset}`),
        table(["document", "byte", "char", "origin"], t.matches.map((m) => [h("a", { href: `#/datasets/${encodeURIComponent(o.ref)}/doc/${m.document}` }, short(m.document, 16)),
          String(m.byte_offset), String(m.char_offset), m.origin])));
    } catch (e) {
      results.replaceChildren(h("p", { class: "error" }, e.message));
    }
  };
  return h("div", {}, h("h1", {}, "Dataset ", o.ref),
    h("p", {}, "Merkle root ", h("code", {}, o.root), " · ", `${o.total} documents`, " · created ", o.created),
    h("h2", {}, "Trace search"), h("p", {}, q, h("button", { id: "trace-go", onclick: search }, "Find verbatim")), results,
    h("h2", {}, "Licences"), table(["licence (SPDX)", "documents"], Object.entries(o.licences).map(([l, n]) => [l, String(n)])),
    h("h2", {}, "Removals"), o.removals.length ? table(["version", "document", "reason"], o.removals.map((x) => [String(x.version), h("code", {}, short(x.document, 16)), x.reason]))
      : h("p", { class: "muted" }, "No document has been removed."),
    h("h2", {}, "Documents"),
    table(["id", "licence", "source", "origin", "bytes", "added"], o.documents.map((d) => [h("a", { href: `#/datasets/${encodeURIComponent(o.ref)}/doc/${d.id}` }, short(d.id, 16)),
      d.license, d.source, d.origin, String(d.bytes), d.added])),
    pager(o.total, offset, 50, `#/datasets/${encodeURIComponent(o.ref)}`));
}

async function doc(ref, id) {
  const d = await api(`/api/document?ref=${encodeURIComponent(ref)}&id=${encodeURIComponent(id)}`);
  const p = d.inclusion_proof;
  return h("div", {}, h("h1", {}, "Document ", h("code", {}, short(d.id, 16)), " in ", d.ref),
    table(["field", "value"], [["id (SHA-256 of the text)", h("code", {}, d.id)], ["licence", d.license], ["source", d.source], ["origin", d.origin], ["added", d.added],
      ["bytes", String(d.bytes)], ["inclusion in root", h("code", {}, `leaf ${p.leaf_index} of ${p.tree_size}, root ${short(p.root || d.root, 16)}`)]]),
    h("pre", { id: "document-text" }, d.text), d.truncated ? h("p", { class: "muted" }, "(first 200,000 characters)") : null);
}
