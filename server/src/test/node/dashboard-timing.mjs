// Times each dashboard page's first load in Debian's Chromium (used by `cairn bench dashboard`): a fresh profile,
// then for each page a navigation to it until its content is drawn (all its API calls answered), cold, then warm.
// Usage: node dashboard-timing.mjs BASE_URL ROUNDS HASH=SELECTOR ...   Prints one JSON object: {page: {first, median}}.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, rounds, ...pages] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "cairn-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const out = {};
try {
  const page = await browser.newPage();
  for (const spec of pages) {
    const [hash, selector] = spec.split("=");
    const times = [];
    for (let r = 0; r <= Number(rounds); r++) {
      await page.goto("about:blank");
      const t0 = performance.now();
      await page.goto(base + hash);
      await page.waitForSelector(selector, { timeout: 120000 });
      times.push(performance.now() - t0);
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    out[hash] = { first: +times[0].toFixed(1), median: +(warm.length ? warm[Math.floor(warm.length / 2)] : times[0]).toFixed(1) };
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
