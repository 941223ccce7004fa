// Runs: loss curves (train and validation) as SVG, progress, checkpoints, transcript root, verifications, compute.
import { h, api, table, short } from "../app.js";

export async function render(r) {
  if (r.parts.length) return one(r.parts[0]);
  const o = await api("/api/runs");
  return h("div", {}, h("h1", {}, "Runs"),
    table(["run", "progress", "train loss", "validation loss", "finished", "governed"], o.runs.map((x) => [h("a", { href: `#/runs/${encodeURIComponent(x.name)}` }, x.name),
      `${x.step} / ${x.steps}`, x.train_loss?.toFixed(4) ?? "—", x.val_loss?.toFixed(4) ?? "—", x.finished ? "yes" : "training", x.governed ? "yes" : "no"])));
}

async function one(name) {
  const o = await api(`/api/run?name=${encodeURIComponent(name)}`);
  const pct = o.steps ? Math.round((100 * o.step) / o.steps) : 0;
  const c = o.compute || {};
  return h("div", {}, h("h1", {}, "Run ", o.name),
    h("p", {}, "Progress ", h("strong", { id: "run-progress" }, `step ${o.step} of ${o.steps} (${pct}%)`), o.finished ? h("span", { class: "ok" }, " · finished") : " · training"),
    curve(o.train, o.validation),
    h("h2", {}, "Transcript and checkpoints"),
    o.transcript_root ? h("p", {}, "Transcript root ", h("code", { id: "transcript-root" }, o.transcript_root), " · final weights ", h("code", {}, short(o.final_weights_sha256, 16)))
      : h("p", { class: "muted" }, "No transcript root yet: the run has not finished."),
    table(["step", "sha256"], (o.checkpoints || []).map((k) => [String(k.step), k.sha256 ? h("code", {}, k.sha256) : "—"])),
    h("h2", {}, "Verifications"),
    o.verifications.length ? table(["ledger entry", "verifier", "mode", "verdict"], o.verifications.map((v) => [String(v.index), v.verifier, v.mode,
      h("span", { class: v.ok && v.matches_this_run ? "ok" : "bad" }, v.ok ? (v.matches_this_run ? "verified" : "verified another transcript") : "FAILED")]))
      : h("p", { class: "muted" }, "Nobody has verified this run yet."),
    h("h2", {}, "Budget and spend"),
    table(["", "value"], [["steps planned (budget)", String(o.steps)], ["steps done", String(o.step)],
      ["compute (FLOPs)", c.run_flops_total ? c.run_flops_total.toExponential(3) : "—"], ["CPU-seconds", c.run_cpu_seconds ? String(c.run_cpu_seconds) : "—"],
      ["wall seconds", c.run_wall_seconds ? c.run_wall_seconds.toFixed(1) : "—"], ["processes × threads", c.processes ? `${c.processes} × ${c.threads}` : "—"]]),
    h("h2", {}, "Recipe"), h("pre", {}, JSON.stringify(o.recipe, null, 2)));
}

/** Loss against step: train in green, validation in red. */
export function curve(train, val) {
  const W = 720, H = 260, P = 40, all = train.concat(val);
  const svg = h("svg:svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: "loss-curve", role: "img" });
  if (!all.length) return h("p", { class: "muted" }, "No steps yet.");
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-6);
  const X = (x) => P + ((x - x0) / (x1 - x0)) * (W - 2 * P), Y = (y) => H - P - ((y - y0) / (y1 - y0)) * (H - 2 * P);
  svg.append(h("svg:rect", { x: P, y: P / 2, width: W - 2 * P, height: H - 1.5 * P, fill: "#fff", stroke: "#ccc" }));
  for (const [pts, color, label, i] of [[train, "#2e7d4f", "train", 0], [val, "#b8442f", "validation", 1]]) {
    if (pts.length) svg.append(h("svg:polyline", { points: pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" "), fill: "none", stroke: color, "stroke-width": 1.6 }));
    svg.append(h("svg:text", { x: W - P - 90, y: P + 14 * i + 6, fill: color }, label));
  }
  svg.append(h("svg:text", { x: 4, y: Y(y1) + 4 }, y1.toFixed(2)), h("svg:text", { x: 4, y: Y(y0) }, y0.toFixed(2)),
    h("svg:text", { x: P, y: H - P / 3 }, `step ${x0}`), h("svg:text", { x: W - P - 50, y: H - P / 3 }, `step ${x1}`));
  return svg;
}
