// Drives Debian's Chromium through the community dashboard with Playwright, as a member would: import a key, vote,
// propose, watch pages update live, open a release and its verdict, run the playground. Screenshots every page.
// The Java test (DashboardBrowserTest) starts the node, answers each "WAIT what" line on stdin once it has done what
// was asked, and checks the JSON printed last (and the log) itself.
// Usage: node dashboard-browser.mjs BASE_URL SCREENSHOT_DIR KEY_PEM_FILE PROPOSAL_NUMBER LIVE_RUN RELEASE DATASET_REF
import { chromium } from "playwright-core";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [base, shots, pemFile, proposal, liveRun, release, datasetRef] = process.argv.slice(2);
// RFC 8785 must agree with the Java side on quotes, a tab, non-ASCII and characters outside the BMP
const TITLE = "Admit the browser's \"Ærø\" corpus\t— 日本語 𝄞";
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
setTimeout(() => { console.error("dashboard-browser: gave up after 240 s"); process.exit(2); }, 240_000).unref();
const wait = async (what) => { console.log("WAIT " + what); const l = await lines.next(); if (l.value !== "GO") throw new Error("expected GO, got " + l.value); };
const out = { pages: {}, csp_violations: [], dialogs: [], page_errors: [] };
const profile = mkdtempSync(join(tmpdir(), "cairn-chromium-"));
// A fresh profile (--user-data-dir) for every run: Playwright passes it itself.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = await browser.newPage();
  page.on("dialog", (d) => { out.dialogs.push(d.message()); d.dismiss(); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) out.csp_violations.push(m.text()); });
  const text = (sel) => page.locator(sel).first().innerText();
  const open = async (hash, ready, shot) => {
    const t0 = Date.now();
    await page.goto(base + hash);
    await page.waitForSelector(ready, { timeout: 20000 });
    out.pages[shot] = { ms: Date.now() - t0 };
    await page.screenshot({ path: join(shots, shot + ".png"), fullPage: true });
  };

  const first = await page.goto(base);
  out.headers = { csp: first.headers()["content-security-policy"], nosniff: first.headers()["x-content-type-options"] };
  await open("#/", "#checkpoint", "community");
  out.checkpoint = await text("#checkpoint");

  await open("#/key", "#pkcs8", "key");
  await page.fill("#pkcs8", readFileSync(pemFile, "utf8"));
  await page.click("#import-key");
  await page.waitForFunction(() => /Key loaded/.test(document.querySelector("#key-status").textContent), null, { timeout: 10000 });
  out.key_status = await text("#key-status");
  out.key_extractable = await page.evaluate(async () => {
    const d = await new Promise((ok) => { const r = indexedDB.open("cairn-dashboard", 1); r.onsuccess = () => ok(r.result); });
    const v = await new Promise((ok) => { const q = d.transaction("keys").objectStore("keys").get("member"); q.onsuccess = () => ok(q.result); });
    return v.key.extractable;
  });

  await open("#/proposals", "table", "proposals");
  out.list_text = await page.locator("main").innerText();

  await open(`#/proposals/${proposal}`, "#vote-for", "proposal-before");
  out.title_text = await text("#proposal-title");
  out.tally_before = await text("#tally");
  await page.click("#vote-for");
  await page.waitForSelector("#receipt", { timeout: 20000 });
  out.receipt = await text("#receipt");
  await page.waitForFunction(() => /^for 1 /.test(document.querySelector("#tally")?.textContent), null, { timeout: 20000 });
  out.tally_after_vote = await text("#tally");
  await page.screenshot({ path: join(shots, "proposal-voted.png"), fullPage: true });
  await wait("another-member-votes");
  await page.waitForFunction(() => /^for 2 /.test(document.querySelector("#tally")?.textContent), null, { timeout: 20000 });
  out.tally_live = await text("#tally");
  out.receipt_kept = await page.locator("#receipt").count();

  // a bad signature from the browser: refused with a JSON reason, and the log does not grow
  out.bad_signature = await page.evaluate(async () => {
    const size = async () => (await (await fetch("/api/log")).json()).size;
    const before = await size();
    const sign = await import("/ui/sign.js");
    const member = await sign.loadKey();
    const ov = await (await fetch("/api/overview")).json();
    const env = JSON.parse(await sign.envelope(member, sign.vote(ov.community, member.publicKey, "ab".repeat(32), { support: "against" })));
    const sig = Uint8Array.from(atob(env.signatures[0].sig), (c) => c.charCodeAt(0));
    sig[5] ^= 1;
    env.signatures[0].sig = btoa(String.fromCharCode(...sig));
    const r = await fetch("/add", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(env) });
    return { status: r.status, type: r.headers.get("content-type"), body: await r.json(), before, after: await size() };
  });

  await open("#/proposals", "#propose", "propose-form");
  await page.fill("#p-title", TITLE);
  await page.fill("#p-description", "proposed from the dashboard");
  await page.fill("#p-dataset", datasetRef);
  await page.fill("#p-root", "cd".repeat(32));
  await page.click("#propose");
  await page.waitForSelector("#propose-status #receipt", { timeout: 20000 });
  out.propose_receipt = await text("#propose-status #receipt");
  // another kind of proposal: a new member, its weight left to the default
  await page.selectOption("#p-kind", "add_member");
  await page.fill("#p-title", "Add delta-lab");
  await page.fill("#p-description", "");
  await page.fill("#p-name", "delta-lab");
  await page.click("#propose");
  await page.waitForSelector("#propose-status .error", { timeout: 20000 });
  out.propose_missing_key = await text("#propose-status .error");
  await page.fill("#p-key", "ef".repeat(32));
  await page.click("#propose");
  await page.waitForFunction((t) => document.querySelector("#propose-status #receipt")?.textContent !== t, out.propose_receipt, { timeout: 20000 });
  out.propose_member_receipt = await text("#propose-status #receipt");
  await page.screenshot({ path: join(shots, "propose-member.png"), fullPage: true });

  await open(`#/runs/${liveRun}`, "#run-progress", "run-before");
  out.run_before = await text("#run-progress");
  await wait("run-progress");
  await page.waitForFunction((t) => { const p = document.querySelector("#run-progress")?.textContent; return p && p !== t; }, out.run_before, { timeout: 20000 });
  out.run_after = await text("#run-progress");
  await page.screenshot({ path: join(shots, "run-live.png"), fullPage: true });
  out.run_curve_lines = await page.locator("#loss-curve polyline").count();

  await open(`#/releases/${release}`, "#verdict", "release"); // a verdict still pending shows #verdict-pending until it lands
  out.verdict = await text("#verdict");
  out.downloads = await page.locator("a[download]").count();
  out.card_headings = await page.locator("#model-card h1, #model-card h2").count();
  const dl = await page.evaluate(async (u) => (await fetch(u)).status, `/files/releases/${release}/config.json`);
  out.download_status = dl;

  await open("#/evaluations", "table", "evaluations");
  out.evaluations_text = await page.locator("main").innerText();
  await open("#/lineage", "#lineage-graph", "lineage");
  out.lineage_boxes = await page.locator("#lineage-graph rect").count();
  await open("#/datasets", "table", "datasets");
  await open(`#/datasets/${encodeURIComponent(datasetRef)}`, "#trace-q", "dataset");
  await page.fill("#trace-q", "ROMEO:");
  await page.click("#trace-go");
  await page.waitForSelector("#trace-results table", { timeout: 20000 });
  out.trace_text = await text("#trace-results p");
  await page.screenshot({ path: join(shots, "dataset-trace.png"), fullPage: true });

  await open("#/playground", "#pg-run", "playground-before");
  await page.fill("#pg-max", "40");
  await page.fill("#pg-temp", "1");
  await page.fill("#pg-seed", "3");
  await page.fill("#pg-trace-min", "2");
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => window.__seen.push(document.querySelector("#pg-output").textContent.length))
      .observe(document.querySelector("#pg-output"), { childList: true, characterData: true, subtree: true });
  });
  await page.click("#pg-run");
  await page.waitForFunction(() => /done/.test(document.querySelector("#pg-status").textContent) || document.querySelector("#pg-status .error"), null, { timeout: 60000 });
  out.playground = { status: await text("#pg-status"), output: await text("#pg-output"), marks: await page.locator("#pg-output mark a").count(),
    lengths: await page.evaluate(() => window.__seen), trace: await text("#pg-trace") };
  await page.screenshot({ path: join(shots, "playground.png"), fullPage: true });

  out.pwned = await page.evaluate(() => window.__pwned ?? null);
  // defence in depth: even markup that bypassed the page's text-only DOM building could not run inline script
  out.inline_blocked = await page.evaluate(async () => {
    const seen = [];
    document.addEventListener("securitypolicyviolation", (e) => seen.push(e.violatedDirective));
    document.body.insertAdjacentHTML("beforeend", '<img src="/ui/none.png" onerror="window.__inline=1">');
    const s = document.createElement("script");
    s.textContent = "window.__inline = 2";
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 500));
    return { ran: window.__inline ?? null, violations: seen };
  });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
process.exit(0); // stdin (the WAIT answers) would keep node running
