// test_screens.mjs: every screen at 1400 px (desktop) and 768 px (a tablet) — each answers,
// has its heading, does not scroll the whole page sideways at tablet width (wide tables scroll
// inside their own box), and logs no script error. The screenshots are kept under
// $ZAIKO_ARTIFACTS/screenshots/NAME-WIDTH.png for a person to look at.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ARTIFACTS, URL, assert, atWidth, batch, eq, launch, login, run, sql, sql1, start, watchErrors } from "./lib.mjs";

const TAG = "SC" + Math.random().toString(16).slice(2, 7).toUpperCase();
const DIR = path.join(ARTIFACTS, "screenshots");
const ids = {};

function setupData() {
  sql("INSERT INTO shop (name, mall, is_base, created_at) VALUES (?, 'shopify', 0, UTC_TIMESTAMP())", "画面" + TAG);
  sql("INSERT INTO shop (name, mall, is_base, state, stop_reason, created_at) VALUES (?, 'rakuten', 0, 'stopped', '認証エラー (push): Please provide valid credentials', UTC_TIMESTAMP())", "停止" + TAG);
  ids.shop = Number(sql1("SELECT id FROM shop WHERE name = ?", "画面" + TAG));
  ids.stopped = Number(sql1("SELECT id FROM shop WHERE name = ?", "停止" + TAG));
  for (let n = 1; n <= 3; n++) {
    const c = `${TAG}-${n}`;
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP())", c, `画面確認用の商品 ${n}（長めの商品名で折り返しを見る）`, 5 * n);
    const sku = Number(sql1("SELECT id FROM sku WHERE code = ?", c));
    ids["sku" + n] = sku;
    for (const shop of [ids.shop, ids.stopped])
      sql("INSERT INTO listing (shop_id, item_code, sku_code, name, options, mall_stock, sku_id, price) VALUES (?, ?, ?, ?, 'カラー:白', ?, ?, 2480)",
        shop, `${shop}-${c}`, c, `画面確認用の商品 ${n}`, 5 * n - 1, sku);
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at) VALUES (?, ?, ?, 'initial', '', UTC_TIMESTAMP() - INTERVAL 2 DAY), (?, -1, ?, 'order', 'ORDER-1', UTC_TIMESTAMP())",
      sku, 5 * n + 1, 5 * n + 1, sku, 5 * n);
  }
  const l = Number(sql1("SELECT id FROM listing WHERE sku_id = ? AND shop_id = ?", ids.sku1, ids.shop));
  sql("INSERT INTO push (listing_id, shop_id, wanted, why, state, attempts, result, created_at, sent_at) VALUES (?, ?, 5, '総在庫 5', 'done', 1, 'OK', UTC_TIMESTAMP(), UTC_TIMESTAMP())", l, ids.shop);
  sql("INSERT INTO error_log (level, kind, shop_id, sku_id, message, created_at, updated_at) VALUES (9, 'shop_stopped', ?, NULL, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP()), (8, 'duplicate', ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
    ids.stopped, `店舗「停止${TAG}」の連携を停止しました: 認証エラー (push): Please provide valid credentials`, ids.shop, ids.sku2, `複数の商品が紐づいています: SKU ${TAG}-2`);
  batch("recompute");
}

function cleanup() {
  sql("DELETE FROM error_log WHERE shop_id IN (?, ?)", ids.shop, ids.stopped);
  sql("DELETE FROM push WHERE shop_id IN (?, ?)", ids.shop, ids.stopped);
  sql("DELETE FROM listing WHERE shop_id IN (?, ?)", ids.shop, ids.stopped);
  sql("DELETE FROM stock_move WHERE sku_id IN (SELECT id FROM sku WHERE code LIKE ?)", `${TAG}-%`);
  sql("DELETE FROM sku WHERE code LIKE ?", `${TAG}-%`);
  sql("DELETE FROM shop WHERE id IN (?, ?)", ids.shop, ids.stopped);
}

// name, path (or a function that leaves the page on the screen), what its heading says.
const screens = () => [
  ["stock-list", `/?shop=${ids.shop}`, null],
  ["stock-search", `/?shop=${ids.shop}&q=${encodeURIComponent(TAG)}&drift=1`, null],
  ["stock-unlinked", `/?link=unlinked`, null],
  ["sku", `/sku?code=${encodeURIComponent(TAG + "-1")}`, "SKU詳細"],
  ["stock-help", "/stock/help?kind=shop_stopped", "解消方法"],
  ["csv-totals", "/stock/csv/totals", "総在庫数CSV"],
  ["csv-listings", "/stock/csv/listings", "商品データ取込"],
  ["stock-delete-confirm", async (page) => {
    await page.goto(`${URL}/?shop=${ids.shop}&q=${encodeURIComponent(TAG)}`);
    await page.check(`tr[data-sku="${ids.sku3}"] input.row-check`);
    await Promise.all([page.waitForNavigation(), page.click("#btn-delete")]);
  }, "商品削除の確認"],
  ["sets-edit", "/sets/edit", "セット"],
  ["sets-import", "/sets/import", "CSV取込"],
  ["sets-export", "/sets/export", "CSV出力"],
  ["admin-settings", "/admin/settings", "共通設定"],
  ["admin-alerts", `/admin/alerts?q=${encodeURIComponent(TAG)}`, "通知設定"],
  ["admin-shops", "/admin/shops", "利用店舗設定"],
  ["admin-shop-edit", `/admin/shops/edit?id=${ids.shop}`, null],
  ["admin-errors", "/admin/errors", "エラー削除"],
  ["admin-initial-fetch", "/admin/initial-fetch", "初期受注取得"],
  ["admin-users", "/admin/users", "ユーザー管理"],
  ["error-404", `/sku?code=${encodeURIComponent(TAG + "-none")}`, null],
];

async function main() {
  setupData();
  mkdirSync(DIR, { recursive: true });
  const tests = [];
  for (const width of [1400, 768]) {
    let ctx = null;
    let page = null;
    const errors = [];
    tests.push([`${width} px: log in (the login screen)`, async () => {
      ctx = await launch(atWidth(width));
      page = ctx.page;
      watchErrors(page, errors);
      page.on("dialog", (d) => d.accept());
      await page.goto(URL + "/login");
      await page.screenshot({ path: path.join(DIR, `login-${width}.png`), fullPage: true });
      await login(page);
    }]);
    for (const [name, where, heading] of screens()) {
      tests.push([`${width} px: ${name}`, async () => {
        let status = 200;
        if (typeof where === "function") await where(page);
        else status = (await page.goto(URL + where)).status();
        if (name === "error-404") eq(status, 404, "a missing SKU answers 404");
        else eq(status, 200, "answers");
        const title = await page.title();
        assert(title.includes("zaiko"), "title: " + title);
        if (heading) {
          const h = (await page.textContent("main h1")) || "";
          assert(h.includes(heading), `heading says ${heading}: ${h}`);
        }
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert(over <= 1, `the page itself scrolls sideways by ${over} px`);
        await page.screenshot({ path: path.join(DIR, `${name}-${width}.png`), fullPage: true });
      }]);
    }
    tests.push([`${width} px: no script errors`, async () => {
      const real = errors.filter((e) => !/status of 404/.test(e));
      eq(real.join(" | "), "", "console errors");
      await ctx.close();
    }]);
  }
  await run(tests);
  cleanup();
}

start(main);
