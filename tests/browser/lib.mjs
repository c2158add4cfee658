// lib.mjs: what every browser test needs — the stack's URL and admin, SQL on the stack's
// database, a fresh headless Chromium, screenshots, and a tiny PASS/FAIL runner.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const URL = process.env.ZAIKO_URL || "http://127.0.0.1:8080";
export const STACK = process.env.ZAIKO_STACK_DIR || path.join(ROOT, "var/test-stack");
export const BUILD = process.env.ZAIKO_BUILD || path.join(ROOT, "build");
export const ARTIFACTS = process.env.ZAIKO_ARTIFACTS || path.join(ROOT, "var/test-artifacts");

// Runs SQL as root on the stack's database; rows as arrays of strings. Values are quoted here
// for test convenience only (tests own their inputs).
export function sql(query, ...params) {
  const q = (v) =>
    v === null ? "NULL" : typeof v === "number" ? String(v) : "'" + String(v).replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
  let i = 0;
  const text = params.length ? query.replace(/\?/g, () => q(params[i++])) : query;
  const out = execFileSync(path.join(ROOT, "tests/stack/stack.sh"), ["sql", STACK, "-N", "-B", "-e", text], {
    encoding: "utf8",
  });
  return out.split("\n").filter((l) => l.length).map((l) => l.split("\t"));
}

export function sql1(query, ...params) {
  const rows = sql(query, ...params);
  return rows.length ? rows[0][0] : null;
}

export function batch(...args) {
  return execFileSync(path.join(BUILD, "zaiko-batch"), args, { encoding: "utf8" });
}

// The test admin's password, created once per stack (as tests/integration/zt.py does).
export function adminPassword() {
  const file = path.join(STACK, "test-admin-password");
  if (!existsSync(file)) {
    const pw = "Test-" + Math.random().toString(16).slice(2, 20);
    try {
      execFileSync(path.join(BUILD, "zaiko-batch"), ["useradd", "admin", "--role", "admin", "--password-stdin"], {
        input: pw + "\n",
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (e) {
      if (!String(e.stderr).includes("exists")) throw e;
    }
    writeFileSync(file, pw);
  }
  return readFileSync(file, "utf8").trim();
}

// A shop row made directly (no credentials: nothing talks to a mall for it); its id.
export function newShop(name, mall, isBase = 0) {
  sql("INSERT INTO shop (name, mall, is_base, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())", name, mall, isBase);
  return Number(sql1("SELECT id FROM shop WHERE name = ?", name));
}

// A SKU row made directly; its id.
export function newSku(code, name, total, reserve = 0) {
  sql("INSERT INTO sku (code, name, total, reserve, updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP())", code, name, total, reserve);
  return Number(sql1("SELECT id FROM sku WHERE code = ?", code));
}

// A listing of a shop linked to a SKU (price null: none known); its id.
export function newListing(shop, itemCode, skuCode, name, mallStock, sku, price = null) {
  sql(
    "INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock, sku_id, price) VALUES (?, ?, ?, ?, ?, ?, ?)",
    shop, itemCode, skuCode, name, mallStock, sku, price);
  return Number(sql1("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?", shop, itemCode));
}

// Waits until fn() is true (polled every 200 ms), or fails after ms.
export async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A fresh profile each run (playwright passes it as --user-data-dir). Returns the context,
// its first page and close().
export async function launch(options = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), "zaiko-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: "/usr/bin/chromium",
    timeout: 30000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  const page = context.pages()[0] || (await context.newPage());
  return { context, page, close };
}

// What launch() takes for a screen width: 1400 px and up a desktop, below a touch tablet
// (768 × 1024), both in a Japanese browser.
export function atWidth(width) {
  return { viewport: { width, height: width > 1000 ? 900 : 1024 }, locale: "ja-JP", hasTouch: width < 1000 };
}

// Collects the page's console errors and uncaught exceptions into errors (returned).
export function watchErrors(page, errors = []) {
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

export async function login(page) {
  await page.goto(URL + "/login");
  await page.fill('input[name="login"]', "admin");
  await page.fill('input[name="password"]', adminPassword());
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type="submit"]')]);
  if (new globalThis.URL(page.url()).pathname === "/login") throw new Error("login failed");
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name + ".png"), fullPage: true });
}

export function assert(cond, what) {
  if (!cond) throw new Error(what);
}

export function eq(a, b, what) {
  if (a !== b) throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}

// Runs tests in order: prints "PASS name" / "FAIL name: why" and "N passed, N failed".
export async function run(tests) {
  let passed = 0;
  let failed = 0;
  const only = process.env.ZT_ONLY;
  for (const [name, fn] of tests) {
    if (only && !name.includes(only)) continue;
    try {
      await fn();
      console.log("PASS " + name);
      passed++;
    } catch (e) {
      console.log("FAIL " + name + ": " + (e && e.message ? e.message.split("\n")[0] : e));
      failed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

// Runs a test file's main(); a failure outside the tests (setup) is reported as one failed
// test, after cleanup() when given.
export function start(main, cleanup = null) {
  main().catch((e) => {
    console.log("FAIL setup: " + (e && e.message ? e.message : e));
    if (cleanup) {
      try {
        cleanup();
      } catch (c) {
        console.log("cleanup after the failure: " + c.message);
      }
    }
    console.log("0 passed, 1 failed");
    process.exitCode = 1;
  });
}
