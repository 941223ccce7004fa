// Evaluations: every signed evaluation, models side by side per task, with the contamination each one found.
import { h, api, table } from "../app.js";

export async function render() {
  const o = await api("/api/evaluations");
  const models = [...new Set(o.evaluations.map((e) => e.model))];
  const cells = new Map(); // task -> model -> text
  for (const e of o.evaluations) {
    for (const [task, r] of Object.entries(e.predicate.tasks || e.predicate.results || {})) {
      const metrics = r.metrics || r;
      const text = Object.entries(metrics).filter(([k, v]) => typeof v === "number" && !/_stderr$|^(bytes|tokens|documents|items)$/.test(k))
        .map(([k, v]) => `${k} ${v.toPrecision(4)}${typeof metrics[k + "_stderr"] === "number" ? " ± " + metrics[k + "_stderr"].toPrecision(2) : ""}`).join(" · ");
      const cont = r.contamination ? ` · contaminated ${(100 * (r.contamination.contaminated_fraction || 0)).toFixed(1)}%` : "";
      if (!cells.has(task)) cells.set(task, new Map());
      cells.get(task).set(e.model, text + cont);
    }
  }
  return h("div", {}, h("h1", {}, "Evaluations"),
    h("h2", {}, "Side by side"),
    table(["task", ...models], [...cells].map(([task, byModel]) => [task, ...models.map((m) => byModel.get(m) || "—")])),
    h("h2", {}, "Signed evaluations"),
    table(["ledger entry", "model", "evaluator", "weights"], o.evaluations.map((e) => [String(e.index), e.model, e.evaluator, h("code", {}, e.weights_sha256)])),
    o.evaluations.map((e) => h("details", {}, h("summary", {}, `entry ${e.index}: the signed statement's predicate`), h("pre", {}, JSON.stringify(e.predicate, null, 2)))));
}
