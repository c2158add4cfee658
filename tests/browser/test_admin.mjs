// test_admin.mjs: the セット商品 and 管理者メニュー screens in headless Chromium — the set
// editor's live figure and messages, set CSV import and export, 共通設定, 利用店舗設定 with
// its per-mall fields and countdown, エラー削除, 初期受注取得 and users. Screenshots go to
// $ZAIKO_ARTIFACTS.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUILD, STACK, URL, assert, eq, launch, login, run, shot, sql, sql1, start, watchErrors } from "./lib.mjs";

const TAG = "BA" + Math.random().toString(16).slice(2, 7).toUpperCase();
const SECRET = "browser-secret-" + TAG;

function setupData() {
  sql("DELETE FROM error_log");
  for (const [n, total] of [[1, 12], [2, 5]]) {
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP())", `${TAG}-P${n}`, `部品${n}`, total);
  }
  sql("INSERT INTO error_log (level, kind, message, created_at, updated_at) VALUES (8, 'push', ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", "在庫更新に失敗しました " + TAG);
}

// A staff user for the 403 check: created once per stack with its password kept in the
// file zt.staff_client() uses, so both layers share one user.
function staffPassword() {
  const file = path.join(STACK, "test-staff-password-staff1");
  if (!existsSync(file)) {
    sql("DELETE FROM session WHERE user_id IN (SELECT id FROM app_user WHERE login = 'staff1')");
    sql("DELETE FROM app_user WHERE login = 'staff1'");
    const pw = "Staff-" + Math.random().toString(16).slice(2, 20);
    execFileSync(path.join(BUILD, "zaiko-batch"), ["useradd", "staff1", "--role", "staff", "--password-stdin"], {
      input: pw + "\n",
      stdio: ["pipe", "pipe", "pipe"],
    });
    writeFileSync(file, pw);
  }
  sql("UPDATE app_user SET disabled = 0, role = 'staff' WHERE login = 'staff1'");
  return readFileSync(file, "utf8").trim();
}

async function main() {
  setupData();
  const { context, page, close } = await launch({ viewport: { width: 1280, height: 900 }, locale: "ja-JP", acceptDownloads: true });
  const consoleErrors = watchErrors(page);
  page.on("dialog", (d) => d.accept());
  const submit = (sel) => Promise.all([page.waitForNavigation(), page.click(sel)]);

  await run([
    ["login", async () => {
      await login(page);
    }],
    ["set editor shows the available stock live", async () => {
      await page.goto(URL + "/sets/edit");
      await page.fill("#set-code", `${TAG}-SET`);
      await page.fill('input[name="set_name"]', "ブラウザセット");
      const codes = page.locator('input[name="part_code"]');
      const qtys = page.locator('input[name="part_qty"]');
      await codes.nth(0).fill(`${TAG}-P1`);
      await qtys.nth(0).fill("3");
      await page.waitForFunction(() => document.querySelector("#set-available").textContent.trim() === "4");
      await codes.nth(1).fill(`${TAG}-P2`);
      await qtys.nth(1).fill("2");
      // min(12 / 3, 5 / 2) = 2
      await page.waitForFunction(() => document.querySelector("#set-available").textContent.trim() === "2");
      eq((await page.locator(".part-name").nth(1).textContent()).trim(), "部品2", "the part's name appears");
      eq((await page.locator(".part-available").nth(0).textContent()).trim(), "12", "the part's stock");
      await shot(page, "sets-edit-live");
    }],
    ["set editor explains bad input", async () => {
      const codes = page.locator('input[name="part_code"]');
      const qtys = page.locator('input[name="part_qty"]');
      await codes.nth(2).fill(`${TAG}-NOPE`);
      await qtys.nth(2).fill("1");
      await page.waitForFunction((t) => document.querySelector("#set-check").textContent.includes(`構成商品「${t}-NOPE」は登録されていません`), TAG);
      await qtys.nth(2).fill("0");
      await page.waitForFunction(() => document.querySelector("#set-check").textContent.includes("の数量は1〜"));
      await qtys.nth(2).fill("1");
      await codes.nth(2).fill(`${TAG}-P1`);
      await page.waitForFunction(() => document.querySelector("#set-check").textContent.includes("2回指定"));
      await shot(page, "sets-edit-message");
      await codes.nth(2).fill("");
      await qtys.nth(2).fill("");
      await page.waitForFunction(() => document.querySelector("#set-check").textContent === "");
      const before = await page.locator("tr.part").count();
      await page.click("#add-part");
      eq(await page.locator("tr.part").count(), before + 1, "a part row is added");
    }],
    ["set is saved and listed", async () => {
      await submit('#set-form button[type="submit"]');
      assert((await page.textContent(".flash.ok")).includes("保存しました"), "saved message");
      eq(sql1("SELECT COUNT(*) FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id WHERE s.code = ?", `${TAG}-SET`), "2", "two parts");
      assert((await page.textContent("#set-list")).includes(`${TAG}-SET`), "listed");
      eq((await page.textContent("#set-available")).trim(), "2", "the figure from the server");
      await shot(page, "sets-saved");
    }],
    ["set CSV import: preview then apply", async () => {
      await page.goto(URL + "/sets/import");
      const text = "セット商品コード,セット商品名,構成商品コード,数量,削除\r\n" +
        `${TAG}-CSV,CSVセット①,${TAG}-P1,1,\r\n${TAG}-CSV,CSVセット①,${TAG}-P2,1,\r\n`;
      const cp932 = execFileSync("iconv", ["-f", "UTF-8", "-t", "CP932"], { input: text });
      await page.setInputFiles('input[name="file"]', { name: "sets.csv", mimeType: "text/csv", buffer: cp932 });
      await submit('form[action="/sets/import"] button[type="submit"]');
      eq((await page.textContent("#n-created")).trim(), "1", "one new set in the preview");
      assert((await page.textContent("#preview")).includes("CSVセット①"), "the CP932 name decoded");
      eq(sql1("SELECT COUNT(*) FROM sku WHERE code = ?", `${TAG}-CSV`), "0", "the preview changes nothing");
      await shot(page, "sets-import-preview");
      await submit("#apply");
      assert((await page.textContent(".flash.ok")).includes("取込が完了しました"), "done");
      eq(sql1("SELECT COUNT(*) FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id WHERE s.code = ?", `${TAG}-CSV`), "2", "imported");
    }],
    ["set CSV export downloads CP932", async () => {
      await page.goto(URL + "/sets/export");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-cp932")]);
      const file = await download.path();
      const text = execFileSync("iconv", ["-f", "CP932", "-t", "UTF-8", file], { encoding: "utf8" });
      assert(text.includes(`${TAG}-CSV,CSVセット①,${TAG}-P1,1,`), "the imported set is exported");
      await shot(page, "sets-export");
    }],
    ["set is deleted after confirming", async () => {
      await page.goto(URL + "/sets/edit?code=" + encodeURIComponent(`${TAG}-CSV`));
      await submit('form[action="/sets/delete"] button');
      assert((await page.textContent(".flash.ok")).includes("削除しました"), "deleted message");
      eq(sql1("SELECT COUNT(*) FROM sku WHERE code = ?", `${TAG}-CSV`), "0", "gone");
    }],
    ["共通設定: alert modes, write-only password", async () => {
      await page.goto(URL + "/admin/settings");
      await page.check('input[name="alert_mode"][value="off"]');
      assert(await page.isDisabled("#alert-threshold"), "threshold off unless 一括");
      await page.check('input[name="alert_mode"][value="all"]');
      assert(!(await page.isDisabled("#alert-threshold")), "threshold on for 一括");
      await page.fill("#alert-threshold", "3");
      await page.check('input[name="error_mail_enabled"][value="1"]');
      await page.fill('textarea[name="error_mail_to"]', "ops@example.jp");
      await page.fill('input[name="smtp_url"]', "smtp://127.0.0.1:2525");
      await page.fill('input[name="smtp_password"]', SECRET);
      await page.check('input[name="show_images"][value="0"]');
      await submit("#save-settings");
      assert((await page.textContent(".flash.ok")).includes("保存しました"), "saved");
      eq(sql1("SELECT value FROM setting WHERE name = 'alert_threshold'"), "3", "threshold stored");
      eq(sql1("SELECT value FROM setting WHERE name = 'show_images'"), "0", "images hidden");
      eq(await page.inputValue('input[name="smtp_password"]'), "", "the password is not filled back");
      assert(!(await page.content()).includes(SECRET), "the password is nowhere in the page");
      await submit("#send-test");
      assert((await page.textContent("#test-mails")).includes("送信待ち"), "the test mail waits for the batch");
      await page.check('input[name="alert_mode"][value="per_sku"]');
      await submit("#save-settings");
      assert(await page.isVisible("#menu-alerts") || (await page.locator("#menu-alerts").count()) === 1, "通知設定 in the menu");
      await submit("#alerts-link");
      assert((await page.title()).includes("通知設定"), "通知設定 reachable");
      await shot(page, "admin-alerts");
      await page.goto(URL + "/admin/settings");
      await shot(page, "admin-settings");
    }],
    ["利用店舗設定: per-mall fields, sealed credentials, countdown", async () => {
      await page.goto(URL + "/admin/shops/edit");
      await page.selectOption("#shop-mall", "rakuten");
      assert(await page.isVisible('input[name="rakuten_license_key"]'), "rakuten's fields shown");
      assert(!(await page.isVisible('input[name="yahoo_client_id"]')), "yahoo's fields hidden");
      await page.fill('input[name="name"]', "楽天" + TAG);
      await page.check('input[name="is_base"]');
      await page.fill('input[name="api_base"]', "https://127.0.0.1:9/");
      await page.fill('input[name="rakuten_service_secret"]', "ss-" + SECRET);
      await page.fill('input[name="rakuten_license_key"]', "lk-" + SECRET);
      const soon = sql1("SELECT DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 9 HOUR + INTERVAL 3 DAY, '%Y-%m-%d %H:%i')");
      await page.fill('input[name="credentials_expire_at"]', soon);
      await submit("#save-shop");
      assert((await page.textContent(".flash.ok")).includes("保存しました"), "saved");
      const row = page.locator("tr", { hasText: "楽天" + TAG });
      assert((await row.textContent()).includes("登録済み"), "credentials marked as set");
      await page.waitForFunction((name) => {
        const tr = Array.from(document.querySelectorAll("#shops tr")).find((t) => t.textContent.includes(name));
        return tr && /^（残り 2日 23:5\d:\d\d）$/.test(tr.querySelector(".countdown .left")?.textContent || "");
      }, "楽天" + TAG);
      assert(!(await page.content()).includes(SECRET), "no secret in the list");
      assert(!sql1("SELECT HEX(credentials) FROM shop WHERE name = ?", "楽天" + TAG).includes(Buffer.from(SECRET).toString("hex").toUpperCase()), "sealed");
      await row.locator('button:has-text("接続テスト")').click();
      await page.waitForURL(/msg=test_queued/);
      assert((await page.locator("tr", { hasText: "楽天" + TAG }).textContent()).includes("実行待ち"), "test waiting");
      await shot(page, "admin-shops");
      const imp = await page.locator("tr", { hasText: "楽天" + TAG }).locator('a:has-text("商品取込")').getAttribute("href");
      const res = await page.goto(URL + imp);
      eq(res.status(), 200, "the listing import page of the shop answers");
      await page.goto(URL + "/admin/shops");
      await page.locator("tr", { hasText: "楽天" + TAG }).locator('a:has-text("編集")').click();
      await page.waitForURL(/shops\/edit/);
      assert(!(await page.content()).includes(SECRET), "no secret in the edit form");
      await shot(page, "admin-shop-edit");
    }],
    ["エラー削除 after confirming", async () => {
      await page.goto(URL + "/admin/errors");
      eq((await page.textContent("#error-total")).trim(), "1", "one error");
      await page.check('#delete-all input[name="confirm"]');
      await shot(page, "admin-errors");
      await submit("#delete-all button");
      assert((await page.textContent(".flash.ok")).includes("1件削除しました"), "deleted");
      eq(sql1("SELECT COUNT(*) FROM error_log"), "0", "none left");
    }],
    ["初期受注取得 after confirming", async () => {
      await page.goto(URL + "/admin/initial-fetch");
      const row = page.locator("tr", { hasText: "楽天" + TAG });
      assert((await row.textContent()).includes("未実行"), "not done yet");
      await row.locator('input[name="confirm"]').check();
      await Promise.all([page.waitForNavigation(), row.locator("button").click()]);
      assert((await page.textContent(".flash.ok")).includes("初期受注取得を設定しました"), "done");
      assert(!(await page.locator("tr", { hasText: "楽天" + TAG }).textContent()).includes("未実行"), "shows when");
      assert(sql1("SELECT order_cursor IS NOT NULL FROM shop WHERE name = ?", "楽天" + TAG) === "1", "cursor set");
      await shot(page, "admin-initial-fetch");
    }],
    ["users: add, and the last admin stays", async () => {
      sql("DELETE FROM app_user WHERE login = ?", "ba-" + TAG.toLowerCase());
      await page.goto(URL + "/admin/users");
      await page.fill('#user-add input[name="login"]', "ba-" + TAG.toLowerCase());
      await page.fill('#user-add input[name="password"]', "Browser-" + TAG + "-pw");
      await submit('#user-add button[type="submit"]');
      assert((await page.textContent(".flash.ok")).includes("追加しました"), "added");
      eq(sql1("SELECT role FROM app_user WHERE login = ?", "ba-" + TAG.toLowerCase()), "staff", "as staff");
      sql("UPDATE app_user SET role = 'staff' WHERE login <> 'admin'");
      const me = page.locator('tr[data-login="admin"]');
      await me.locator('select[name="role"]').selectOption("staff");
      await Promise.all([page.waitForNavigation(), me.locator('button:has-text("変更")').click()]);
      assert((await page.textContent(".flash.error")).includes("最後の管理者"), "refused");
      await shot(page, "admin-users");
      sql("DELETE FROM app_user WHERE login = ?", "ba-" + TAG.toLowerCase());
    }],
    ["staff sees no 管理者メニュー and gets 403", async () => {
      const staff = await context.browser()?.newContext?.();
      const p2 = staff ? await staff.newPage() : await context.newPage();
      await p2.context().clearCookies();
      await p2.goto(URL + "/login");
      await p2.fill('input[name="login"]', "staff1");
      await p2.fill('input[name="password"]', staffPassword());
      await Promise.all([p2.waitForNavigation(), p2.click('form[action="/login"] button[type="submit"]')]);
      assert(!(await p2.content()).includes('href="/admin/settings"'), "no admin links");
      const res = await p2.goto(URL + "/admin/shops");
      eq(res.status(), 403, "403");
      assert((await p2.content()).includes("管理者のみ"), "Japanese message");
      await shot(p2, "admin-staff-403");
      await p2.close();
    }],
    ["cleanup", async () => {
      sql("DELETE sp FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id WHERE s.code LIKE ?", TAG + "-%");
      sql("DELETE FROM sku WHERE code LIKE ?", TAG + "-%");
      sql("DELETE j FROM job j JOIN shop s ON s.id = j.shop_id WHERE s.name = ?", "楽天" + TAG);
      sql("DELETE FROM shop WHERE name = ?", "楽天" + TAG);
      sql("DELETE FROM mail_queue WHERE kind = 'test'");
      eq(sql1("SELECT COUNT(*) FROM sku WHERE code LIKE ?", TAG + "-%"), "0", "no test SKUs left");
    }],
    ["no console errors", async () => {
      // The refused last-admin change and the staff's 403 are pages the tests asked for.
      const real = consoleErrors.filter((e) => !/status of (400|403)/.test(e));
      eq(real.join(" | "), "", "console errors");
    }],
  ]);
  await close();
}

start(main);
