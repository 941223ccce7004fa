// The dashboard's shell: hash routing, JSON fetches, live updates (server-sent events), and the one way pages
// build the DOM. Every string from the log or the stores goes in through text nodes (h() below), never as HTML.
import * as community from "./pages/community.js";
import * as proposals from "./pages/proposals.js";
import * as runs from "./pages/runs.js";
import * as evaluations from "./pages/evaluations.js";
import * as releases from "./pages/releases.js";
import * as lineage from "./pages/lineage.js";
import * as datasets from "./pages/datasets.js";
import * as playground from "./pages/playground.js";
import * as key from "./pages/key.js";

const PAGES = { "": community, proposals, runs, evaluations, releases, lineage, datasets, playground, key };
const SVG = "http://www.w3.org/2000/svg";

/** An element with attributes and children; strings become text nodes. Links may only point inside the dashboard. */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "href" && !/^(#\/|\/files\/)/.test(String(v))) throw new Error("refusing a link outside the dashboard: " + v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** GET /api/... as JSON; a refusal throws its reason. */
export async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) throw new Error(body.error?.message || body.error || "HTTP " + r.status);
  return body;
}

export const short = (hex, n = 12) => (hex && hex.length > n ? hex.slice(0, n) + "…" : hex || "");
export const when = (ms) => (ms > 0 ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "—");

export function left(ms) {
  if (ms <= 0) return "closed";
  const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${hh}h left` : hh > 0 ? `${hh}h ${m}m left` : `${m}m ${s % 60}s left`;
}

export function table(head, rows) {
  return h("table", {}, h("tr", {}, head.map((c) => h("th", {}, c))), rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))));
}

export function pager(total, offset, limit, base) {
  if (total <= limit) return null;
  return h("p", {}, offset > 0 ? h("a", { href: `${base}?offset=${Math.max(0, offset - limit)}` }, "← newer") : "", " ",
    `${offset + 1}–${Math.min(total, offset + limit)} of ${total} `, offset + limit < total ? h("a", { href: `${base}?offset=${offset + limit}` }, "older →") : "");
}

let current = null, rendering = 0;

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, queryPart] = hash.split("?");
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const page = PAGES[parts[0] || ""] ? parts[0] || "" : "";
  return { page, parts: parts.slice(1), query: new URLSearchParams(queryPart || "") };
}

/** Renders the page the hash names; on live updates, again (pages that hold input keep it: they refresh in place). */
export async function show(live = false) {
  const r = route();
  const mod = PAGES[r.page];
  if (live && mod.live === false) return;
  if (live && mod.refresh && current === r.page + "/" + r.parts.join("/")) return mod.refresh(r);
  const token = ++rendering;
  const view = document.getElementById("view");
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.getAttribute("href") === "#/" + r.page);
  try {
    const node = await mod.render(r);
    if (token !== rendering) return;
    view.replaceChildren(node);
    current = r.page + "/" + r.parts.join("/");
    document.body.dataset.page = r.page || "community";
    document.body.dataset.loaded = String(token);
  } catch (e) {
    if (token !== rendering) return;
    view.replaceChildren(h("p", { class: "error" }, "Could not load this page: " + e.message));
    document.body.dataset.loaded = String(token);
  }
}

function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("/api/events");
  let last = null;
  es.addEventListener("change", (e) => {
    live.textContent = "● live";
    live.classList.add("on");
    document.body.dataset.logVersion = e.data;
    if (last !== null && last !== e.data) show(true);
    last = e.data;
  });
  es.onerror = () => { live.textContent = "○ reconnecting"; live.classList.remove("on"); };
}

window.addEventListener("hashchange", () => show());
api("/api/overview").then((o) => { document.getElementById("community-name").textContent = o.name; document.title = o.name + " — Cairn"; }).catch(() => {});
show();
connect();
