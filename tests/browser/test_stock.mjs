// test_stock.mjs: the 在庫連携 screen in headless Chromium — log in, search by every condition,
// edit a total and watch the drift colour, toggle sync, 反映, delete after confirming, and a
// CP932 CSV preview and apply. Screenshots go to $ZAIKO_ARTIFACTS.
import { URL, assert, batch, eq, launch, login, newListing, newShop, newSku, run, shot, sql, sql1, start } from "./lib.mjs";

const TAG = "B" + Math.random().toString(16).slice(2, 8).toUpperCase();
const code = (n) => `${TAG}-${String(n).padStart(3, "0")}`;
let base = 0;
let other = 0;
const skus = {};

function setupData() {
  base = newShop("基本" + TAG, "yahoo", 1);
  other = newShop("Shopify" + TAG, "shopify");
  const names = ["コットンTシャツ 白", "コットンTシャツ 黒", "リネンシャツ", "マグカップ"];
  names.forEach((name, i) => {
    const n = i + 1;
    skus[n] = newSku(code(n), name, 10 * n);
    for (const shop of [base, other])
      newListing(shop, (shop === other ? "s-" : "") + code(n), code(n), name, 10 * n, skus[n], 1980);
  });
  sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock) VALUES (?, ?, ?, ?, 1)", other, "s-orphan-" + TAG, TAG + "-ZZ", "紐づけなし" + TAG);
  sql("UPDATE listing SET sync = 0 WHERE item_code = ?", "s-" + code(4));
  batch("recompute");
}

const countText = async (page) => Number((await page.textContent("#count")).trim());

async function main() {
  setupData();
  const { page, close } = await launch({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("dialog", (d) => d.accept());
  const search = async (fields) => {
    await page.goto(URL + "/?shop=" + base);
    for (const [sel, value] of Object.entries(fields)) {
      const el = await page.$(sel);
      const tag = await el.evaluate((e) => e.tagName + ":" + (e.type || ""));
      if (tag.startsWith("SELECT")) await page.selectOption(sel, value);
      else if (tag.endsWith("checkbox") || tag.endsWith("radio")) await page.check(sel);
      else await page.fill(sel, value);
    }
    await Promise.all([page.waitForNavigation(), page.press("#search-q", "Enter")]);
    return countText(page);
  };
  const rowOf = (n) => `tr[data-sku="${skus[n]}"]`;

  await run([
    ["login", async () => {
      await login(page);
      assert((await page.title()).includes("在庫連携"), "the list after login");
      await shot(page, "stock-list");
    }],
    ["search each condition", async () => {
      eq(await search({}), 4, "the base shop");
      eq(await search({ "#search-q": "コットン" }), 2, "keyword");
      assert(page.url().includes("q=%E3%82%B3"), "conditions in the URL: " + page.url());
      eq(await search({ "#search-q": "コットン, 黒" }), 1, "AND terms");
      eq(await search({ "#search-q": TAG + "-00*" }), 4, "code prefix");
      eq(await search({ "#search-tmin": "20", "#search-tmax": "30" }), 2, "total range");
      eq(await search({ "#search-tmin": "40", "#search-tmax": "40" }), 1, "exact total");
      eq(await search({ "#search-sync": "off" }), 0, "sync off in the base shop");
      await page.goto(URL + "/?shop=" + other);
      await page.selectOption("#search-sync", "off");
      await Promise.all([page.waitForNavigation(), page.click("#search-submit")]);
      eq(await countText(page), 1, "sync off in the other shop");
      await page.selectOption("#search-sync", "");
      await page.selectOption("#search-link", "unlinked");
      await Promise.all([page.waitForNavigation(), page.click("#search-submit")]);
      eq(await countText(page), 1, "unlinked listing as a row");
      assert((await page.content()).includes("紐づけなし" + TAG), "its name shown");
      await page.goBack();
      eq(await countText(page), 1, "back button returns to the earlier search");
      eq(await search({ "#search-link": "linked" }), 4, "linked");
      eq(await search({ "#search-drift": "1" }), 0, "no drift yet");
      eq(await search({ 'input[name="kind"][value="set"]': "set" }), 0, "sets");
      await shot(page, "stock-search");
    }],
    ["edit a total: drift appears and disappears; Esc cancels", async () => {
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(1)));
      const input = `${rowOf(1)} input.total-edit`;
      await page.fill(input, "15");
      await page.press(input, "Enter");
      await page.waitForSelector(`${rowOf(1)} div.stock.drift`);
      eq(await page.$$eval(`${rowOf(1)} div.stock.drift`, (d) => d.length), 2, "both shops pink");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "15", "stored");
      await shot(page, "stock-drift");
      await page.fill(input, "10");
      await page.press(input, "Enter");
      await page.waitForFunction((sel) => !document.querySelector(sel), `${rowOf(1)} div.stock.drift`);
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "10", "stored back");
      await page.fill(input, "999");
      await page.press(input, "Escape");
      eq(await page.inputValue(input), "10", "Esc restores the value seen");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "10", "Esc saves nothing");
      assert(!(await page.isVisible(`${rowOf(1)} div.stock.drift`)), "no drift after Esc");
    }],
    ["a stale total is refused with the new value", async () => {
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(2)));
      sql("UPDATE sku SET total = 17 WHERE id = ?", skus[2]);
      const input = `${rowOf(2)} input.total-edit`;
      await page.fill(input, "50");
      await page.press(input, "Enter");
      await page.waitForSelector("#stock-alert:not([hidden])");
      assert((await page.textContent("#stock-alert")).includes("17"), "says the current total");
      eq(await page.inputValue(input), "17", "shows the new value");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[2]), "17", "not overwritten");
      await shot(page, "stock-stale");
    }],
    ["floor above cap is refused", async () => {
      const lid = sql1("SELECT id FROM listing WHERE item_code = ?", code(3));
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(3)));
      await page.fill(`input.limit-edit[data-listing="${lid}"][data-field="min"]`, "9");
      await page.fill(`input.limit-edit[data-listing="${lid}"][data-field="max"]`, "3");
      await page.press(`input.limit-edit[data-listing="${lid}"][data-field="max"]`, "Enter");
      await page.waitForFunction(() => document.querySelector("#stock-alert").textContent.includes("大きく"));
      // Leaving 最小 saved it (edits save on leaving the box); the 最大 below it is refused.
      eq(sql1("SELECT CONCAT(COALESCE(min_stock, '-'), '/', COALESCE(max_stock, '-')) FROM listing WHERE id = ?", lid), "9/-", "only 最小 stored");
      await page.fill(`input.limit-edit[data-listing="${lid}"][data-field="min"]`, "");
      await page.fill(`input.limit-edit[data-listing="${lid}"][data-field="max"]`, "");
      await page.press(`input.limit-edit[data-listing="${lid}"][data-field="max"]`, "Enter");
      for (let i = 0; i < 50 && sql1("SELECT min_stock IS NULL AND max_stock IS NULL FROM listing WHERE id = ?", lid) !== "1"; i++)
        await page.waitForTimeout(200);
      eq(sql1("SELECT min_stock IS NULL AND max_stock IS NULL FROM listing WHERE id = ?", lid), "1", "both cleared again");
    }],
    ["toggle sync by keyboard", async () => {
      const lid = sql1("SELECT id FROM listing WHERE item_code = ?", code(3));
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(3)));
      const box = `input.sync-edit[data-listing="${lid}"]`;
      await page.focus(box);
      await page.keyboard.press("Space");
      await page.waitForFunction(() => document.querySelector("#stock-alert").textContent.includes("連携"));
      eq(sql1("SELECT sync FROM listing WHERE id = ?", lid), "0", "sync off stored");
      await page.keyboard.press("Space");
      await page.waitForFunction(() => document.querySelector("#stock-alert").textContent.includes("ON"));
      eq(sql1("SELECT sync FROM listing WHERE id = ?", lid), "1", "sync on stored");
    }],
    ["反映 shows 反映待ち", async () => {
      sql("DELETE FROM push WHERE listing_id IN (SELECT id FROM listing WHERE sku_id = ?)", skus[3]);
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(3)));
      eq(await page.$$eval(`${rowOf(3)} span.pending:not([hidden])`, (s) => s.length), 0, "nothing pending");
      await page.check(`${rowOf(3)} input.row-check`);
      await Promise.all([page.waitForNavigation(), page.click("#btn-push")]);
      assert((await page.textContent("#flash")).includes("反映"), "flash message");
      eq(await page.$$eval(`${rowOf(3)} span.pending:not([hidden])`, (s) => s.length), 2, "反映待ち on both listings");
      assert(page.url().includes("q=" + encodeURIComponent(code(3)).replace(/%2D/g, "-")) || page.url().includes(code(3)), "search kept: " + page.url());
      await shot(page, "stock-pending");
    }],
    ["delete after confirming", async () => {
      await page.goto(URL + "/?shop=" + base + "&q=" + encodeURIComponent(code(4)));
      await page.check(`${rowOf(4)} input.row-check`);
      await Promise.all([page.waitForNavigation(), page.click("#btn-delete")]);
      assert((await page.textContent("h1")).includes("商品削除の確認"), "asks first");
      eq(sql1("SELECT COUNT(*) FROM listing WHERE sku_id = ?", skus[4]), "2", "nothing deleted before confirming");
      await shot(page, "stock-delete-confirm");
      await Promise.all([page.waitForNavigation(), page.click("#confirm-yes")]);
      eq(sql1("SELECT COUNT(*) FROM listing WHERE sku_id = ?", skus[4]), "0", "deleted");
      assert(!(await page.$(rowOf(4))), "the row is gone");
    }],
    ["一括切替: asks, shows its progress while it runs, then the list says it is done", async () => {
      await page.goto(URL + "/?shop=" + base);
      await page.selectOption('select[name="on"]', "1");
      await Promise.all([page.waitForNavigation(), page.click("#btn-sync-all")]);
      assert((await page.textContent("h1")).includes("連携の一括切替の確認"), "asks first");
      assert(await page.isHidden("#sync-progress"), "no progress before the answer");
      const job = await page.getAttribute("#sync-all-form", "data-job");
      eq(sql1("SELECT state FROM job WHERE id = ?", job), "queued", "a job waits for the answer");
      // The answer is held back a moment, to see the page while the switch runs.
      let release;
      const held = new Promise((r) => { release = r; });
      await page.route("**/stock/sync-all", async (route) => { await held; await route.continue(); });
      const nav = page.waitForNavigation();
      await page.click("#confirm-yes");
      await page.waitForSelector("#sync-progress:not([hidden])");
      assert(await page.isDisabled("#confirm-yes"), "the button cannot be pressed twice");
      // The job's progress, read from GET /stock/csv/job while the answer is held: not begun.
      await page.waitForFunction(() => document.getElementById("sync-progress-text").textContent === "0%");
      await shot(page, "stock-sync-progress");
      release();
      await nav;
      await page.unroute("**/stock/sync-all");
      assert(page.url().includes("msg=sync_on"), "back on the list: " + page.url());
      assert((await page.textContent("#flash")).includes("連携をONにしました"), "says it is done");
      eq(sql1("SELECT state FROM job WHERE id = ?", job), "done", "the job is done");
      eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 0"), "0", "every listing on");
    }],
    ["CSV preview and apply with a CP932 file", async () => {
      // 総在庫数 as CP932 bytes: header SKUコード,総在庫数 (encoded by hand to avoid a library).
      const header = Buffer.from([0x53, 0x4b, 0x55, 0x83, 0x52, 0x81, 0x5b, 0x83, 0x68, 0x2c, 0x91, 0x8d, 0x8d, 0xdd, 0x8c, 0xc9, 0x90, 0x94]);
      const body = Buffer.from(`\r\n${code(1)},33\r\n${code(3)},30\r\n`, "ascii");
      await page.goto(URL + "/stock/csv/totals");
      await page.setInputFiles("#csv-file", { name: "tanaoroshi.csv", mimeType: "text/csv", buffer: Buffer.concat([header, body]) });
      await Promise.all([page.waitForNavigation(), page.click("#csv-upload-button")]);
      await page.waitForSelector("#csv-preview");
      const text = await page.textContent("#csv-preview");
      assert(text.includes("Shift_JIS"), "CP932 detected");
      eq((await page.textContent("#preview-changes")).trim(), "1", "one row changes");
      assert(text.includes("33"), "before → after shown");
      await shot(page, "csv-preview");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "10", "preview changes nothing");
      await Promise.all([page.waitForNavigation(), page.click("#csv-apply-button")]);
      assert((await page.textContent("#flash")).includes("CSV"), "applied message");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "33", "total updated");
      eq(sql1("SELECT ref FROM stock_move WHERE sku_id = ? ORDER BY id DESC LIMIT 1", skus[1]), "tanaoroshi.csv", "move names the file");
      await shot(page, "csv-applied");
    }],
    ["a broken CSV is refused in Japanese", async () => {
      await page.goto(URL + "/stock/csv/totals");
      await page.setInputFiles("#csv-file", { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(`SKU,total\r\n${code(1)},abc\r\n`) });
      await Promise.all([page.waitForNavigation(), page.click("#csv-upload-button")]);
      assert((await page.textContent("#csv-errors")).includes("2行目"), "names the line");
      eq(sql1("SELECT total FROM sku WHERE id = ?", skus[1]), "33", "nothing changed");
    }],
    ["tablet width still works", async () => {
      await page.setViewportSize({ width: 800, height: 1100 });
      await page.goto(URL + "/?shop=" + base);
      assert(await page.isVisible("#search-submit"), "search visible");
      await shot(page, "stock-tablet");
      await page.setViewportSize({ width: 1280, height: 900 });
    }],
    ["店舗メニュー by keyboard: link an unlinked listing, then unlink it", async () => {
      const lid = sql1("SELECT id FROM listing WHERE item_code = ?", "s-orphan-" + TAG);
      await page.goto(URL + "/?shop=" + other + "&link=unlinked");
      const menu = `tr:has(div.item[data-listing="${lid}"]) button.shop-menu`;
      await page.focus(menu);
      await page.keyboard.press("Enter");
      await page.waitForSelector(".shop-menu-list");
      eq(await page.getAttribute(menu, "aria-expanded"), "true", "menu open");
      await shot(page, "stock-shop-menu");
      await page.keyboard.press("Escape");
      assert(!(await page.$(".shop-menu-list")), "Esc closes it");
      assert(await page.evaluate((sel) => document.activeElement === document.querySelector(sel), menu), "focus back on the button");
      await page.keyboard.press("Enter");
      let tabs = 0;
      while ((await page.$(".shop-menu-list")) && tabs < 10) {
        await page.keyboard.press("Tab");
        tabs++;
      }
      eq(tabs, 5, "Tab walks its five controls (2 links, the SKU field, 2 buttons), then leaves and closes it");
      await page.focus(menu);
      await page.keyboard.press("Enter");
      await page.fill(".shop-menu-list input[name=sku]", code(2));
      // By keyboard, as a person tabbing through the menu: a click would first scroll the page
      // (the menu follows its button), and with a tall stopped-shops banner the pointer could
      // land beside a button still moving.
      await page.focus(`.shop-menu-list button[name=manual][value="${lid}"]`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
      eq(sql1("SELECT sku_id FROM listing WHERE id = ?", lid), String(skus[2]), "linked by hand to the SKU");
      await page.goto(URL + "/?shop=" + other + "&q=" + encodeURIComponent(code(2)));
      await page.click(`${rowOf(2)} button.shop-menu[data-shop="${other}"]`);
      const history = await page.getAttribute(".shop-menu-list a[href^='/sku']", "href");
      eq(history, "/sku?code=" + encodeURIComponent(code(2)), "在庫履歴 of the row's SKU");
      await page.focus(`.shop-menu-list button[name=unlink][value="${lid}"]`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
      eq(sql1("SELECT sku_id IS NULL FROM listing WHERE id = ?", lid), "1", "unlinked again");
    }],
    ["no console errors", async () => {
      // The refused edits above answer 400/409 on purpose; anything else is a fault.
      const real = consoleErrors.filter((e) => !/status of (400|409)/.test(e));
      eq(real.join(" | "), "", "console errors");
    }],
  ]);
  await close();
}

start(main);
