// test_stock_hands.mjs: the 在庫連携 list in a merchant's hands (issue 15) — edits saved on
// leaving the box, the input rules (full-width, +5/-3), typing a long code in 店舗メニュー,
// the SKU page, keyboard reach and labels, the rows following the malls, the stopped-shop
// banner, the merchant's words, a 768 px tablet with touch, JavaScript off, and one number
// for a set everywhere. Typing goes through the keyboard at human speed where it matters.
import { URL, adminPassword, assert, atWidth, batch, eq, launch, login, newListing, newShop, newSku, run, shot, sql, sql1, start, until, watchErrors } from "./lib.mjs";

const TAG = "H" + Math.random().toString(16).slice(2, 8).toUpperCase();
const code = (n) => `${TAG}-${String(n).padStart(3, "0")}`;
const LONG = `${TAG}-LONGCODE-0001234567`;
const HUMAN = { delay: 90 };
let base = 0;
let other = 0;
const skus = {};
const listing = {};

function setupData() {
  base = newShop("基本" + TAG, "yahoo");
  other = newShop("楽天" + TAG, "rakuten");
  const names = ["麻のシャツ", "綿のシャツ", "陶器のマグ", "木のトレイ", "部品A", "部品B"];
  names.forEach((name, i) => {
    const n = i + 1;
    skus[n] = newSku(code(n), name, 10 * n);
    for (const shop of [base, other])
      listing[`${n}:${shop}`] = newListing(shop, (shop === other ? "r-" : "") + code(n), code(n), name, 10 * n, skus[n], 1200);
  });
  // A SKU with a code longer than the 店舗メニュー's box, and a listing waiting for it.
  sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, 'ロングコード', 3, UTC_TIMESTAMP())", LONG);
  skus.long = Number(sql1("SELECT id FROM sku WHERE code = ?", LONG));
  sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock) VALUES (?, ?, '', ?, 3)", other, "r-orphan-" + TAG, "未紐づけ" + TAG);
  listing.orphan = Number(sql1("SELECT id FROM listing WHERE item_code = ?", "r-orphan-" + TAG));
  // A set of 2 × 部品A (22 → 11) and 1 × 部品B, whose own stored total (12) is stale.
  sql("UPDATE sku SET total = 22 WHERE id = ?", skus[5]);
  sql("INSERT INTO sku (code, name, total, is_set, updated_at) VALUES (?, 'セット', 12, 1, UTC_TIMESTAMP())", `${TAG}-SET`);
  skus.set = Number(sql1("SELECT id FROM sku WHERE code = ?", `${TAG}-SET`));
  sql("INSERT INTO set_part (set_sku_id, part_sku_id, quantity) VALUES (?, ?, 2), (?, ?, 1)", skus.set, skus[5], skus.set, skus[6]);
  sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock, sku_id) VALUES (?, ?, ?, 'セット', 11, ?)", base, `${TAG}-SET`, `${TAG}-SET`, skus.set);
  batch("recompute");
}

function cleanup() {
  sql("DELETE FROM error_log WHERE message LIKE ?", `%${TAG}%`);
  sql("DELETE FROM push WHERE shop_id IN (?, ?)", base, other);
  sql("DELETE FROM set_part WHERE set_sku_id = ?", skus.set || 0);
  sql("DELETE FROM listing WHERE shop_id IN (?, ?)", base, other);
  sql("DELETE FROM stock_move WHERE sku_id IN (SELECT id FROM sku WHERE code LIKE ?)", `${TAG}-%`);
  sql("DELETE FROM sku WHERE code LIKE ?", `${TAG}-%`);
  sql("DELETE FROM shop WHERE id IN (?, ?)", base, other);
}

const total = (n) => sql1("SELECT total FROM sku WHERE id = ?", skus[n]);
const rowOf = (n) => `tr[data-sku="${skus[n]}"]`;
const totalBox = (n) => `${rowOf(n)} input.total-edit`;
const limitBox = (l, f) => `input.limit-edit[data-listing="${l}"][data-field="${f}"]`;

// Clicks into a box, selects what is there and types text at human speed.
async function typeInto(page, sel, text) {
  await page.click(sel, { clickCount: 3 });
  await page.keyboard.type(text, HUMAN);
}

async function main() {
  setupData();
  adminPassword();
  const { page, close } = await launch({ viewport: { width: 1400, height: 900 }, locale: "ja-JP" });
  const errors = watchErrors(page);
  page.on("dialog", (d) => d.accept());
  const list = (q, shop = base) => page.goto(`${URL}/?shop=${shop}&q=${encodeURIComponent(q)}`);

  await run([
    ["login", async () => {
      await login(page);
    }],
    ["1 a 総在庫数 typed and left with Tab is saved, as are 最小 and 最大", async () => {
      await list(code(1));
      await typeInto(page, totalBox(1), "77");
      await page.keyboard.press("Tab");
      await until("the total stored", () => total(1) === "77");
      await until("the message", async () => (await page.textContent("#stock-alert")).includes("77"));
      await page.reload();
      eq(await page.inputValue(totalBox(1)), "77", "after a reload");
      const l = listing[`1:${base}`];
      await typeInto(page, limitBox(l, "min"), "2");
      await page.keyboard.press("Tab");
      await until("最小 stored", () => sql1("SELECT min_stock FROM listing WHERE id = ?", l) === "2");
      await page.keyboard.type("40", HUMAN);
      // Leaving by a click elsewhere saves too.
      await page.click("#count");
      await until("最大 stored", () => sql1("SELECT max_stock FROM listing WHERE id = ?", l) === "40");
      await page.reload();
      eq(await page.inputValue(limitBox(l, "min")), "2", "最小 after a reload");
      eq(await page.inputValue(limitBox(l, "max")), "40", "最大 after a reload");
    }],
    ["1 leaving the box keeps the stale-value check", async () => {
      await list(code(2));
      sql("UPDATE sku SET total = 23 WHERE id = ?", skus[2]);
      await typeInto(page, totalBox(2), "50");
      await page.keyboard.press("Tab");
      await page.waitForSelector("#stock-alert.error:not([hidden])");
      assert((await page.textContent("#stock-alert")).includes("23"), "names the current total");
      eq(await page.inputValue(totalBox(2)), "23", "shows the new value");
      eq(total(2), "23", "not overwritten");
    }],
    ["1 Enter then Tab saves once, not twice", async () => {
      await list(code(2));
      const before = Number(sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", skus[2]));
      await typeInto(page, totalBox(2), "25");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      await until("saved", () => total(2) === "25");
      await page.waitForTimeout(700);
      eq(Number(sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", skus[2])) - before, 1, "one move");
      assert(!(await page.$eval("#stock-alert", (e) => e.classList.contains("error"))), "no stale-value error");
    }],
    ["1 after Enter the saved number is selected: +1 Enter, +1 Enter adds twice, not appended", async () => {
      await list(code(2));
      await typeInto(page, totalBox(2), "30");
      await page.keyboard.press("Enter");
      await until("30 saved", () => total(2) === "30");
      await page.keyboard.type("+1");
      await page.keyboard.press("Enter");
      await until("+1 added", () => total(2) === "31");
      await page.keyboard.type("+1");
      await page.keyboard.press("Enter");
      await until("+1 added again", () => total(2) === "32");
      eq(await page.inputValue(totalBox(2)), "32", "the box shows the result");
      assert(!(await page.$eval(totalBox(2), (e) => e.classList.contains("invalid"))), "not marked invalid");
      await page.keyboard.type("-2");
      await page.keyboard.press("Enter");
      await until("-2 subtracted", () => total(2) === "30");
    }],
    ["2 full-width digits and signs; +5/-3 add and subtract; other text refused; the hint says so", async () => {
      await list(code(3));
      const hint = await page.textContent("#edit-hint");
      assert(hint.includes("+5") && hint.includes("-3") && hint.includes("全角"), "hint: " + hint);
      const input = await page.$(totalBox(3));
      eq(await input.getAttribute("aria-describedby"), "edit-hint", "the box points at the hint");
      await typeInto(page, totalBox(3), "１２");
      await page.keyboard.press("Tab");
      await until("１２ stored as 12", () => total(3) === "12");
      await typeInto(page, totalBox(3), "+5");
      await page.keyboard.press("Enter");
      await until("+5 added", () => total(3) === "17");
      eq(await page.inputValue(totalBox(3)), "17", "the box shows the result");
      await typeInto(page, totalBox(3), "－３");
      await page.keyboard.press("Enter");
      await until("－３ subtracted", () => total(3) === "14");
      await typeInto(page, totalBox(3), "ー4");
      await page.keyboard.press("Enter");
      await until("the IME's long-vowel minus subtracts", () => total(3) === "10");
      await typeInto(page, totalBox(3), "＋１０");
      await page.keyboard.press("Enter");
      await until("＋１０ added", () => total(3) === "20");
      for (const bad of ["abc", "1.5", "+", "5-"]) {
        await typeInto(page, totalBox(3), bad);
        await page.keyboard.press("Enter");
        await page.waitForSelector("#stock-alert.error:not([hidden])");
        assert((await page.textContent("#stock-alert")).includes("+5"), "the message gives the rule for " + bad);
        assert(await page.$eval(totalBox(3), (e) => e.classList.contains("invalid")), "marked " + bad);
        eq(total(3), "20", "nothing saved for " + bad);
      }
      await page.keyboard.press("Escape");
      const l = listing[`3:${base}`];
      await typeInto(page, limitBox(l, "min"), "５");
      await page.keyboard.press("Tab");
      await until("full-width 最小", () => sql1("SELECT min_stock FROM listing WHERE id = ?", l) === "5");
      await shot(page, "hands-input-rules");
    }],
    ["3 typing a long code in 店舗メニュー keeps the menu open and links", async () => {
      await page.goto(`${URL}/?shop=${other}&link=unlinked`);
      const menu = `tr:has(div.item[data-listing="${listing.orphan}"]) button.shop-menu`;
      // With many shops (earlier tests add some) the shop's column lies far right: bring it to
      // the middle, clear of the sticky SKU columns on the left, before the click.
      await page.locator(menu).evaluate((e) => e.scrollIntoView({ block: "center", inline: "center" }));
      await page.click(menu);
      const box = ".shop-menu-list input[name=sku]";
      await page.click(box);
      await page.keyboard.type(LONG, HUMAN);
      assert(await page.$(".shop-menu-list"), "the menu is still open");
      eq(await page.inputValue(box), LONG, "the whole code is in the box");
      assert(await page.$eval(box, (e) => e.scrollLeft > 0), "the box did scroll sideways");
      await shot(page, "hands-menu-long-code");
      await Promise.all([page.waitForNavigation(), page.click(`.shop-menu-list button[name=manual][value="${listing.orphan}"]`)]);
      eq(sql1("SELECT sku_id FROM listing WHERE id = ?", listing.orphan), String(skus.long), "linked to the typed code");
    }],
    ["4 the SKU page has a header, draws one move, and says push states in words", async () => {
      const c = code(4);
      sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at) VALUES (?, 40, 40, 'initial', '', UTC_TIMESTAMP())", skus[4]);
      sql(
        "INSERT INTO push (listing_id, shop_id, wanted, why, state, attempts, result, created_at, sent_at) VALUES (?, ?, 40, '総在庫 40', 'done', 1, 'OK', UTC_TIMESTAMP(), UTC_TIMESTAMP()), (?, ?, 40, '総在庫 40', 'failed', 3, 'Please provide valid credentials', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
        listing[`4:${base}`], base, listing[`4:${other}`], other);
      await page.goto(`${URL}/sku?code=${encodeURIComponent(c)}`);
      const h1 = await page.textContent("h1");
      assert(h1.includes(c) && h1.includes("木のトレイ"), "header names code and name: " + h1);
      assert((await page.textContent("#sku-total")).includes("40"), "total shown");
      eq(await page.$$eval("#sku-chart circle.dot", (d) => d.length), 1, "one dot for one move");
      const pts = await page.getAttribute("#sku-chart polyline", "points");
      eq(pts.trim().split(/\s+/).length, 2, "a level line of two points: " + pts);
      const box = await page.$eval("#sku-chart polyline", (p) => p.getBBox().width);
      assert(box > 100, "the line has width: " + box);
      const states = await page.$$eval("#sku-pushes td.push-state", (t) => t.map((x) => x.textContent.trim()));
      assert(states.includes("反映済み") && states.includes("失敗"), "states in words: " + states);
      const table = await page.textContent("#sku-pushes");
      assert(!/\bdone\b|\bfailed\b/.test(table), "no raw state names");
      assert(/反映できませんでした。[^]*Please provide valid credentials/.test(table), "the mall's reply after a Japanese explanation");
      await shot(page, "hands-sku-page");
    }],
    ["5 Tab reaches a skip link and the header menus; per-row inputs are labelled", async () => {
      await list(code(1));
      await page.keyboard.press("Tab");
      eq(await page.evaluate(() => document.activeElement.textContent.trim()), "本文へ移動", "first Tab: the skip link");
      assert(await page.isVisible(".skip-link"), "visible when focused");
      await page.keyboard.press("Enter");
      eq(await page.evaluate(() => document.activeElement.id), "main", "the skip link moves to the content");
      await page.evaluate(() => document.activeElement.blur());
      await page.focus(".brand");
      const seen = [];
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press("Tab");
        seen.push(await page.evaluate(() => document.activeElement.textContent.trim()));
      }
      assert(seen.includes("セット商品") && seen.includes("管理者メニュー"), "Tab stops on the groups: " + seen.join(" → "));
      await page.focus("#menu-sets-button");
      await page.keyboard.press("Enter");
      eq(await page.getAttribute("#menu-sets-button", "aria-expanded"), "true", "Enter opens セット商品");
      await page.keyboard.press("Tab");
      eq(await page.evaluate(() => document.activeElement.textContent.trim()), "セット登録", "Tab goes into it");
      assert(await page.isVisible("#menu-sets a[href='/sets/edit']"), "its items are shown");
      await page.keyboard.press("Escape");
      assert(!(await page.isVisible("#menu-sets a[href='/sets/edit']")), "Esc closes it");
      await page.focus("#menu-admin-button");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      eq(await page.evaluate(() => document.activeElement.textContent.trim()), "共通設定", "管理者メニュー's first item");
      await page.keyboard.press("Escape");
      const shopName = "基本" + TAG;
      const l = listing[`1:${base}`];
      for (const [role, name, sel] of [
        ["textbox", `最小 ${code(1)} ${shopName}`, limitBox(l, "min")],
        ["textbox", `最大 ${code(1)} ${shopName}`, limitBox(l, "max")],
        ["checkbox", `連携 ${code(1)} ${shopName}`, `input.sync-edit[data-listing="${l}"]`],
        ["textbox", `総在庫数 ${code(1)}`, totalBox(1)],
      ]) {
        const found = page.getByRole(role, { name, exact: true });
        eq(await found.count(), 1, "one control named " + name);
        assert(await found.evaluate((e, s) => e === document.querySelector(s), sel), name + " is the right box");
      }
    }],
    ["6 rows follow the malls without moving focus or losing typed text", async () => {
      sql("DELETE FROM push WHERE listing_id IN (?, ?)", listing[`2:${base}`], listing[`2:${other}`]);
      sql("UPDATE listing SET mall_stock = 20, wanted = 25 WHERE id = ?", listing[`2:${base}`]);
      sql("INSERT INTO push (listing_id, shop_id, wanted, why, created_at) VALUES (?, ?, 25, '総在庫 25', UTC_TIMESTAMP())", listing[`2:${base}`], base);
      await page.goto(`${URL}/?shop=${base}&q=${encodeURIComponent(TAG + "-*")}`);
      const cell = `div.stock[data-listing="${listing[`2:${base}`]}"]`;
      assert(await page.isVisible(`${cell} span.pending`), "反映待ち at first");
      assert(await page.$eval(cell, (e) => e.classList.contains("drift")), "pink at first");
      await page.evaluate(() => (window.__noReload = 1));
      // The merchant is typing in another row meanwhile.
      await page.click(totalBox(3), { clickCount: 3 });
      await page.keyboard.type("3", HUMAN);
      // The batch pushes: done, the mall holds the number; an order moved row 5's total.
      sql("UPDATE push SET state = 'done', result = 'OK', sent_at = UTC_TIMESTAMP() WHERE listing_id = ? AND state = 'pending'", listing[`2:${base}`]);
      sql("UPDATE listing SET mall_stock = 25 WHERE id = ?", listing[`2:${base}`]);
      sql("UPDATE sku SET total = 21 WHERE id = ?", skus[5]);
      // The poll asks for the rows in view; earlier test files leave stopped shops whose
      // banner pushes the table down, so the rows watched here are brought into view (scrolling
      // moves no focus).
      await page.$eval(cell, (e) => e.scrollIntoView({ block: "center" }));
      await page.waitForFunction((sel) => {
        const c = document.querySelector(sel);
        const p = c.querySelector(".pending");
        return !c.classList.contains("drift") && (!p || p.hidden) && c.querySelector(".v").textContent === "25";
      }, cell, { timeout: 15000 });
      await page.waitForFunction((sel) => document.querySelector(sel).value === "21", totalBox(5), { timeout: 15000 });
      eq(await page.evaluate(() => window.__noReload), 1, "no reload");
      assert(await page.evaluate((sel) => document.activeElement === document.querySelector(sel), totalBox(3)), "focus stayed");
      eq(await page.inputValue(totalBox(3)), "3", "typed text kept");
      eq(await page.$eval(".set-total", (e) => e.textContent.trim()), "10", "the set follows its part (21/2)");
      await page.keyboard.press("Escape");
      await shot(page, "hands-followed");
    }],
    ["7 a stopped shop shows a banner naming it, why and what to do, until it resumes", async () => {
      sql("UPDATE shop SET state = 'stopped', stop_reason = '認証エラー (fetch): Please provide valid credentials' WHERE id = ?", other);
      sql("INSERT INTO error_log (level, kind, shop_id, message, created_at, updated_at) VALUES (9, 'shop_stopped', ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", other, `店舗「楽天${TAG}」の連携を停止しました ${TAG}`);
      sql("DELETE FROM error_log WHERE kind = 'shop_stopped' AND shop_id = ?", other);
      await list(code(1));
      const banner = "#stopped-banner";
      const item = `#stopped-banner li[data-shop="${other}"]`;
      // Earlier test files leave stopped shops: past the first three the lines fold under one
      // that opens them (a click on it, as a merchant would).
      if (await page.$(`#stopped-more li[data-shop="${other}"]`)) {
        assert(!(await page.isVisible(item)), "folded at first");
        await page.click("#stopped-more summary");
      }
      assert(await page.isVisible(item), "banner shown after the error is deleted");
      const text = await page.textContent(item);
      assert(text.includes("楽天" + TAG), "names the shop");
      assert(text.includes("受注取得時") && !/\(fetch\)/.test(text), "the step in words: " + text);
      assert(/認証に失敗/.test(text) && text.includes("Please provide valid credentials"), "says why, with the mall's reply");
      assert(text.indexOf("認証に失敗") < text.indexOf("Please provide"), "the Japanese explanation first");
      assert((await page.textContent(banner)).includes("利用店舗設定"), "says what to do");
      await shot(page, "hands-stopped-banner");
      sql("UPDATE shop SET state = 'ok', stop_reason = NULL WHERE id = ?", other);
      await page.waitForSelector(item, { state: "hidden", timeout: 15000 });
      await page.reload();
      assert(!(await page.$(item)), "gone once resumed");
    }],
    ["8 the merchant's words: levels, kinds, malls, mall replies, help; counts agree", async () => {
      sql("DELETE FROM error_log");
      const rows = [
        [9, "shop_stopped", `店舗「楽天${TAG}」の連携を停止しました: 認証エラー ${TAG}`],
        [8, "duplicate", `複数の商品が紐づいています: SKU ${code(1)} ${TAG}`],
        [8, "fetch", `店舗「楽天${TAG}」の受注取得に失敗しました (再試行します): Service Unavailable ${TAG}`],
        [8, "push", `店舗「基本${TAG}」の在庫反映に失敗しました (再試行します): timeout ${TAG}`],
      ];
      for (const [level, kind, msg] of rows)
        sql("INSERT INTO error_log (level, kind, shop_id, sku_id, message, created_at, updated_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", level, kind, other, skus[1], msg);
      for (let i = 0; i < 22; i++)
        sql("INSERT INTO error_log (level, kind, shop_id, message, dedupe, created_at, updated_at) VALUES (8, 'push_item', ?, ?, ?, UTC_TIMESTAMP() - INTERVAL 1 HOUR, UTC_TIMESTAMP() - INTERVAL 1 HOUR)", other, `商品 ${i} に在庫を反映できません ${TAG}`, `t${TAG}${i}`);
      await page.goto(URL + "/");
      const levels = await page.$$eval("section.errors td.level", (t) => t.map((x) => x.textContent.trim()));
      assert(levels.length > 0 && levels.every((l) => !/^[0-9]+$/.test(l)), "levels in words: " + levels.slice(0, 4));
      assert(levels.includes("連携停止") && levels.includes("要確認"), "both levels named");
      const kinds = await page.$$eval("section.errors span.kind", (t) => t.map((x) => x.textContent));
      for (const raw of ["duplicate", "fetch", "push", "shop_stopped"]) assert(!kinds.some((k) => k.includes(raw)), "no raw kind " + raw);
      const heading = await page.textContent("#errors-count");
      assert(heading.includes("26"), "the list counts all 26: " + heading);
      await shot(page, "hands-errors");
      await page.goto(URL + "/admin/errors");
      eq((await page.textContent("#error-total")).trim(), "26", "エラー削除 counts the same");
      const table = await page.textContent("#error-kinds");
      for (const raw of ["duplicate", "fetch", "push_item", "shop_stopped"]) assert(!new RegExp("\\b" + raw + "\\b").test(table), "エラー削除 shows no raw " + raw);
      assert(table.includes("複数商品の紐づけ") && table.includes("受注取得の失敗"), "kinds in words");
      await page.goto(URL + "/admin/initial-fetch");
      // The モール column only: shop names are the merchant's own (other tests name theirs "…-yahoo").
      const mallCells = await page.$$eval("#fetch-shops tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent.trim()));
      const fetchText = mallCells.join(" | ");
      assert(fetchText.includes("Yahoo!ショッピング") && fetchText.includes("楽天市場"), "malls by name: " + fetchText);
      assert(!mallCells.some((t) => /^[a-z]+$/.test(t)), "no raw mall ids: " + fetchText);
      await page.goto(URL + "/stock/help?kind=other");
      assert(!(await page.textContent("main")).includes("管理者に連絡"), "an administrator is not told to ask the administrator");
      await page.goto(URL + "/stock/help?kind=duplicate");
      const dup = await page.textContent("#help-text");
      assert(dup.includes("紐づけ解除") && !dup.includes("商品削除"), "duplicate help: 紐づけ解除: " + dup);
      await page.goto(URL + "/stock/help?kind=fetch");
      eq((await page.textContent("#help-kind")).trim(), "受注取得の失敗", "fetch has its own help");
      sql("DELETE FROM error_log WHERE message LIKE ?", `%${TAG}%`);
      // A listing's last push error: the mall's words after a Japanese explanation.
      sql("UPDATE listing SET last_error = 'Item not found' WHERE id = ?", listing[`4:${other}`]);
      await list(code(4));
      const tip = await page.getAttribute(`div.item[data-listing="${listing[`4:${other}`]}"] span.warn`, "title");
      assert(/^在庫を反映できませんでした。.*Item not found$/.test(tip), "listing error tooltip: " + tip);
      sql("UPDATE listing SET last_error = NULL WHERE id = ?", listing[`4:${other}`]);
    }],
    ["11 a set shows one number on the list, the SKU page, the CSV export and 通知設定", async () => {
      sql("UPDATE sku SET total = 22 WHERE id = ?", skus[5]);
      await list(`${TAG}-SET`);
      eq(await page.$eval(`${rowOf("set")} .set-total`, (e) => e.textContent.trim()), "11", "the list");
      await page.goto(`${URL}/sku?code=${encodeURIComponent(TAG + "-SET")}`);
      assert((await page.textContent("#sku-total")).includes("11"), "the SKU page");
      await list(`${TAG}-SET`);
      const csrf = await page.getAttribute('input[name="csrf"]', "value");
      const res = await page.request.post(URL + "/stock/export", {
        form: { csrf, scope: "selected", enc: "utf8", sku: String(skus.set) },
      });
      eq(res.status(), 200, "export answered");
      const csv = (await res.text()).replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l).map((l) => l.split(","));
      const col = csv[0].indexOf("総在庫数");
      const row = csv.find((r) => r[1] === `${TAG}-SET`);
      eq(row && row[col], "11", "the CSV export");
      await page.goto(`${URL}/admin/alerts?q=${encodeURIComponent(TAG + "-SET")}`);
      eq(await page.$eval("#alerts tbody tr td.num", (e) => e.textContent.trim()), "11", "通知設定");
    }],
    ["9 768 px tablet: SKU and 総在庫数 stay in view; a tap elsewhere closes menus", async () => {
      const { page: tpage, close: closeTablet } = await launch(atWidth(768));
      try {
      await login(tpage);
      await tpage.goto(`${URL}/?shop=${base}&q=${encodeURIComponent(TAG + "-00*")}`);
      const wrap = await tpage.$(".table-wrap");
      const room = await wrap.evaluate((w) => w.scrollWidth - w.clientWidth);
      assert(room > 200, "the table scrolls sideways: " + room);
      await tpage.$eval(rowOf(1), (r) => r.scrollIntoView({ block: "center" }));
      await wrap.evaluate((w) => (w.scrollLeft = w.scrollWidth));
      await tpage.waitForTimeout(200);
      for (const sel of [`${rowOf(1)} td.sku a`, totalBox(1)]) {
        const hit = await tpage.$eval(sel, (el) => {
          const r = el.getBoundingClientRect();
          const w = document.querySelector(".table-wrap").getBoundingClientRect();
          const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return { inside: r.left >= w.left - 1 && r.right <= w.right + 1, onTop: !!top && top.closest("td") === el.closest("td"), top: top && top.outerHTML.slice(0, 80) };
        });
        assert(hit.inside && hit.onTop, `${sel} stays visible: ${JSON.stringify(hit)}`);
      }
      await shot(tpage, "hands-tablet-scrolled");
      await wrap.evaluate((w) => (w.scrollLeft = 0));
      const menuBtn = `${rowOf(1)} button.shop-menu[data-shop="${base}"]`;
      await tpage.tap(menuBtn);
      await tpage.waitForSelector(".shop-menu-list");
      await tpage.tap("#count");
      await tpage.waitForSelector(".shop-menu-list", { state: "detached" });
      await tpage.tap("#menu-sets-button");
      assert(await tpage.isVisible("#menu-sets a[href='/sets/edit']"), "tap opens セット商品");
      await tpage.tap("#count");
      await tpage.waitForSelector("#menu-sets a[href='/sets/edit']", { state: "hidden" });
      } finally {
        await closeTablet();
      }
    }],
    ["10 without JavaScript the boxes say so and cannot be typed into; the menus still open", async () => {
      const { page: p, close: closeNojs } = await launch({ viewport: { width: 1400, height: 900 }, locale: "ja-JP", javaScriptEnabled: false });
      try {
        await login(p);
        await p.goto(`${URL}/?shop=${base}&q=${encodeURIComponent(code(1))}`);
        assert(await p.isVisible("#noscript-note"), "the <noscript> note is shown");
        assert((await p.textContent("#noscript-note")).includes("JavaScript"), "it names the cause");
        const before = await p.inputValue(totalBox(1));
        await p.click(totalBox(1));
        await p.keyboard.type("999", HUMAN);
        eq(await p.inputValue(totalBox(1)), before, "the total box takes no typing");
        assert(await p.$eval(`input.sync-edit`, (e) => e.disabled), "連携 is disabled");
        await p.focus("#menu-sets-button");
        await p.keyboard.press("Tab");
        eq(await p.evaluate(() => document.activeElement.textContent.trim()), "セット登録", "Tab goes into the menu");
        assert(await p.isVisible("#menu-sets a[href='/sets/edit']"), "its items are shown");
        await shot(p, "hands-nojs");
      } finally {
        await closeNojs();
      }
    }],
    ["no console errors", async () => {
      const real = errors.filter((e) => !/status of (400|409)/.test(e));
      eq(real.join(" | "), "", "console errors");
    }],
  ]);
  await close();
  cleanup();
}

start(main);
