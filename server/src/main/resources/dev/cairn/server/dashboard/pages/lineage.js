// Lineage: the communities this one descends from (forks) and the models each released, as an SVG graph.
import { h, api, short } from "../app.js";

export async function render() {
  const o = await api("/api/lineage");
  const W = 900, rowH = 60, boxW = 300, n = Math.max(o.communities.length, 1);
  const byCommunity = new Map(o.communities.map((c, i) => [c.community, i]));
  const models = o.models.map((m) => ({ ...m, row: byCommunity.get(m.community) ?? n - 1 }));
  const perRow = new Map();
  const H = Math.max(n, ...models.map((m) => m.row + 1)) * rowH + 20 + Math.max(0, models.length - n) * 0;
  const svg = h("svg:svg", { width: W, height: H + rowH, viewBox: `0 0 ${W} ${H + rowH}`, id: "lineage-graph", role: "img" });
  o.communities.forEach((c, i) => {
    const y = 10 + i * rowH;
    if (i > 0) svg.append(h("svg:line", { x1: 30 + 20, y1: y - rowH + 40, x2: 30 + 20, y2: y, stroke: "#555", "stroke-width": 1.5 }));
    svg.append(box(30, y, boxW, c.name + (c.community === o.community ? " (this community)" : ""), short(c.community, 16) + (c.parent ? ` · forked at size ${c.checkpoint_size}` : " · root"), "#e6f0ea"));
  });
  models.forEach((m) => {
    const k = perRow.get(m.row) || 0;
    perRow.set(m.row, k + 1);
    const x = 30 + boxW + 60 + k * 250, y = 10 + m.row * rowH;
    svg.append(h("svg:line", { x1: 30 + boxW, y1: y + 20, x2: x, y2: y + 20, stroke: "#888", "stroke-dasharray": "4 3" }));
    svg.append(box(x, y, 230, m.model + (m.inherited ? " (inherited)" : ""), "weights " + short(m.weights_sha256, 16), "#f3ecdc"));
  });
  return h("div", {}, h("h1", {}, "Lineage"), h("p", { class: "muted" }, "Communities (forks, root first) and the models they released."), svg);
}

function box(x, y, w, title, sub, fill) {
  return h("svg:g", {}, h("svg:rect", { x, y, width: w, height: 40, rx: 4, fill, stroke: "#777" }),
    h("svg:text", { x: x + 8, y: y + 16 }, title), h("svg:text", { x: x + 8, y: y + 32, fill: "#555" }, sub));
}
