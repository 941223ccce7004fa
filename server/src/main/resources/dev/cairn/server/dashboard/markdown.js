// A small Markdown reader for model cards: front matter, headings, paragraphs, lists, tables, code blocks, bold.
// It builds DOM nodes with text only; no HTML in the card is ever interpreted.
import { h } from "./app.js";

export function markdown(text) {
  const out = h("div");
  let lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines[0] === "---") {
    const end = lines.indexOf("---", 1);
    if (end > 0) {
      out.append(h("details", {}, h("summary", {}, "Front matter (YAML)"), h("pre", {}, lines.slice(1, end).join("\n"))));
      lines = lines.slice(end + 1);
    }
  }
  for (let i = 0; i < lines.length; ) {
    const l = lines[i];
    if (l.startsWith("```")) {
      const end = lines.indexOf("```", i + 1);
      const stop = end < 0 ? lines.length : end;
      out.append(h("pre", {}, lines.slice(i + 1, stop).join("\n")));
      i = stop + 1;
    } else if (/^#{1,6} /.test(l)) {
      const level = Math.min(6, l.indexOf(" ") + 1);
      out.append(h("h" + level, {}, inline(l.slice(level))));
      i++;
    } else if (/^\s*[-*] /.test(l)) {
      const ul = h("ul");
      while (i < lines.length && /^\s*[-*] /.test(lines[i])) ul.append(h("li", {}, inline(lines[i++].replace(/^\s*[-*] /, ""))));
      out.append(ul);
    } else if (l.startsWith("|")) {
      const rows = [];
      while (i < lines.length && lines[i].startsWith("|")) rows.push(lines[i++]);
      const cells = (r) => r.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      const body = rows.slice(1).filter((r) => !/^\|[\s:|-]+\|?$/.test(r));
      out.append(h("table", {}, h("tr", {}, cells(rows[0]).map((c) => h("th", {}, inline(c)))), body.map((r) => h("tr", {}, cells(r).map((c) => h("td", {}, inline(c)))))));
    } else if (l.trim() === "") {
      i++;
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() !== "" && !/^(#|```|\||\s*[-*] )/.test(lines[i])) para.push(lines[i++]);
      out.append(h("p", {}, inline(para.join(" "))));
    }
  }
  return out;
}

/** **bold** and `code`; everything else as text. */
function inline(s) {
  return s.split(/(\*\*[^*]+\*\*|`[^`]+`)/).filter(Boolean).map((part) =>
    part.startsWith("**") ? h("strong", {}, part.slice(2, -2)) : part.startsWith("`") ? h("code", {}, part.slice(1, -1)) : part);
}
