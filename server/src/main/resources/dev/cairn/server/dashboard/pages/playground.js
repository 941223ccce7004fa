// Playground: a prompt, sampling settings, output streamed from /v1/completions, then the spans of the output found
// verbatim in the model's training data, highlighted and linked to their documents.
import { h, api } from "../app.js";

export const live = false;

export async function render() {
  const models = await api("/v1/models").catch(() => ({ data: [] }));
  const model = h("select", { id: "pg-model" }, models.data.map((m) => h("option", { value: m.id }, m.id)));
  const prompt = h("textarea", { id: "pg-prompt", rows: 3 }, "ROMEO:");
  const num = (id, value, step) => h("input", { id, type: "number", value, step, size: 6 });
  const s = { max_tokens: num("pg-max", 60, 1), temperature: num("pg-temp", 0.8, 0.1), top_p: num("pg-top-p", 1, 0.05), top_k: num("pg-top-k", 0, 1), seed: num("pg-seed", 1, 1), traceMin: num("pg-trace-min", 4, 1) };
  const output = h("div", { class: "output", id: "pg-output" });
  const traced = h("div", { id: "pg-trace" });
  const status = h("p", { id: "pg-status", class: "muted" });
  const run = async () => {
    output.replaceChildren();
    traced.replaceChildren();
    status.textContent = "streaming…";
    const body = { model: model.value, prompt: prompt.value, stream: true, max_tokens: +s.max_tokens.value, temperature: +s.temperature.value,
      top_p: +s.top_p.value, seed: +s.seed.value };
    if (+s.top_k.value > 0) body.top_k = +s.top_k.value;
    let text = "", chunks = 0;
    try {
      const r = await fetch("/v1/completions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error((await r.json()).error?.message || "HTTP " + r.status);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const event = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (!data || data === "[DONE]") continue;
          const piece = JSON.parse(data).choices?.[0]?.text ?? "";
          text += piece;
          chunks++;
          output.append(document.createTextNode(piece));
          document.body.dataset.chunks = String(chunks);
        }
      }
      status.textContent = `${chunks} chunks streamed; tracing the output in the training data…`;
      const t = await api("/api/trace-output", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model: model.value, text, min_tokens: +s.traceMin.value }) });
      output.replaceChildren(...highlight(text, t.spans, t.dataset));
      traced.replaceChildren(h("p", {}, `${t.spans.length} span(s) found verbatim in ${t.dataset}`));
      status.textContent = `${chunks} chunks streamed · done`;
    } catch (e) {
      status.replaceChildren(h("span", { class: "error" }, e.message));
    }
  };
  return h("div", {}, h("h1", {}, "Playground"),
    h("p", {}, "Model ", model), prompt,
    h("p", {}, "max tokens ", s.max_tokens, " temperature ", s.temperature, " top-p ", s.top_p, " top-k ", s.top_k, " seed ", s.seed, " · trace spans of at least ", s.traceMin, " tokens ",
      h("button", { id: "pg-run", onclick: run }, "Generate")),
    output, status, traced);
}

/** The text with each traced span marked and linked to the first document it was found in. */
function highlight(text, spans, dataset) {
  const ref = dataset.split(" ")[0], out = [];
  let at = 0;
  for (const s of spans) {
    const i = text.indexOf(s.text, at);
    if (i < 0) continue;
    out.push(document.createTextNode(text.slice(at, i)));
    const m = s.matches[0];
    const link = m ? h("a", { href: `#/datasets/${encodeURIComponent(ref)}/doc/${m.document}`, title: `${s.occurrences} occurrence(s); first in ${m.document}` }, s.text) : s.text;
    out.push(h("mark", { class: "traced" }, link));
    at = i + s.text.length;
  }
  out.push(document.createTextNode(text.slice(at)));
  return out;
}
