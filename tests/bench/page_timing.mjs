// page_timing.mjs: the browser's side of the 在庫連携 page — Chromium's navigation timing of
// N loads of the default page beside GET /login of the same stack: the server's time (request
// sent → first byte), the whole answer (→ last byte), the page usable (stock.js has made the
// boxes editable: its "zaiko-usable" mark), the load event, and the bytes (on the wire and
// decoded). Run by page_bench.sh with BASE and SESSION; prints p50/p99 in ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.env.ZAIKO_ROOT || process.cwd(), "tests/browser/package.json"));
const { chromium } = require("playwright-core");
const BASE = process.env.BASE;
const SESSION = process.env.SESSION;
const N = Number(process.env.N || 30);
const PATHS = (process.env.PAGES_TO_TIME || "/,/login").split(",");

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.round(s.length * p) - 1))] : NaN;
};

async function main() {
  const profile = mkdtempSync(path.join(tmpdir(), "zaiko-bench-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const url = new URL(BASE);
  const page = context.pages()[0] || (await context.newPage());
  // /login is the baseline as a visitor sees it (logged in, it only redirects).
  const cookie = [{ name: "zaiko_session", value: SESSION, domain: url.hostname, path: "/" }];
  console.log(`browser timing (Chromium navigation timing, ${N} loads each, ms from the request, p50 / p99;`);
  console.log("  parsed = DOM interactive, usable = stock.js ready (boxes editable), wire = transfer size):");
  const cols = ["server (TTFB)", "last byte", "parsed", "usable", "load"];
  console.log("  " + "page".padEnd(8) + cols.map((c) => c.padEnd(17)).join("") + "wire KB  html KB");
  const summary = [];
  for (const p of PATHS) {
    await context.clearCookies();
    if (p !== "/login") await context.addCookies(cookie);
    const t = { ttfb: [], resp: [], parsed: [], usable: [], load: [], wire: 0, html: 0 };
    for (let i = 0; i < N; i++) {
      await page.goto(BASE + p, { waitUntil: "load" });
      const m = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const mark = performance.getEntriesByName("zaiko-usable")[0];
        return {
          ttfb: nav.responseStart - nav.requestStart,
          resp: nav.responseEnd - nav.requestStart,
          parsed: nav.domInteractive - nav.requestStart,
          usable: (mark ? mark.startTime : nav.domContentLoadedEventEnd) - nav.requestStart,
          load: nav.loadEventEnd - nav.requestStart,
          wire: nav.transferSize,
          html: nav.decodedBodySize,
        };
      });
      for (const k of ["ttfb", "resp", "parsed", "usable", "load"]) t[k].push(m[k]);
      t.wire = m.wire;
      t.html = m.html;
    }
    const f = (xs) => `${pct(xs, 0.5).toFixed(1)} / ${pct(xs, 0.99).toFixed(1)}`.padEnd(17);
    console.log("  " + p.padEnd(8) + [t.ttfb, t.resp, t.parsed, t.usable, t.load].map(f).join("") +
      (t.wire / 1024).toFixed(1).padStart(7) + (t.html / 1024).toFixed(1).padStart(9));
    summary.push(`  usable ${p}: p50 ${pct(t.usable, 0.5).toFixed(1)} ms beside the server's p50 ` +
      `${pct(t.ttfb, 0.5).toFixed(1)} ms (TTFB), ${(t.wire / 1024).toFixed(1)} KB on the wire`);
  }
  for (const line of summary) console.log(line);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

main().catch((e) => {
  console.log("page timing failed: " + e.message);
  process.exitCode = 1;
});
