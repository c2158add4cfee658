#!/usr/bin/python3
"""Texts the database keeps (the why of each pushed number, error rows, a shop's stop reason)
are stored as language keys with their arguments beside their Japanese text, and each reader
sees them in their own language: an English user in English, a Japanese user in the Japanese
the row always held. A row written before (text only) shows its text as it is."""
import html
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402
from zt import eq, ok, sql, sql1  # noqa: E402

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def reader(lang):
    """A staff user reading in lang."""
    sql("UPDATE app_user SET lang = ? WHERE login = 'lang_reader'", lang)
    c = zt.staff_client("lang_reader")
    sql("UPDATE app_user SET lang = ? WHERE login = 'lang_reader'", lang)
    return c


def cell_texts(page, table_id, cls):
    """The texts of the cells of class cls in the table of id table_id, tags stripped."""
    m = re.search(r'<table[^>]*id="%s".*?</table>' % table_id, page, re.S)
    ok(m, "table %s on the page" % table_id)
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r'<td class="%s"[^>]*>(.*?)</td>' % cls, m.group(0), re.S)]


def test_push_history_in_the_readers_language():
    w = tb.World("sl", malls=["yahoo"])
    w.sku("A", 10, malls=["yahoo"])
    sql("UPDATE sku SET reserve = 3 WHERE id = ?", w.skus["A"])
    sql("UPDATE shop SET alloc_rate = 50 WHERE id = ?", w.shops["yahoo"])
    tb.recompute()
    tb.cycle()
    eq(w.stock_in("yahoo", "A"), 3, "(10 − 3) × 50 %, rounded down")
    page = "/sku?code=" + w.code("A")
    ja_why = "総在庫 10 − 確保 3 = 7 → × 50% = 3"
    en_why = "Total stock 10 − reserve 3 = 7 → × 50% = 3"
    eq(sql1("SELECT why FROM push WHERE listing_id IN (SELECT id FROM listing WHERE sku_id = ?) "
            "ORDER BY id DESC LIMIT 1", w.skus["A"]), ja_why, "the stored Japanese text")
    page_en = reader("en").get(page).text
    ok('<td class="push-why">%s</td>' % en_why in page_en,
       "a breakdown in the reader's language is text, not marked as data")
    en = cell_texts(page_en, "sku-pushes", "push-why")
    ok(en_why in en, "English reader sees every step in English: %r" % en)
    ok(not any(JAPANESE.search(t) for t in en), "no Japanese in the English breakdown: %r" % en)
    ja = cell_texts(reader("ja").get(page).text, "sku-pushes", "push-why")
    ok(ja_why in ja, "Japanese reader sees the Japanese steps: %r" % ja)
    # A 反映 by a user: its prefix too.
    c = reader("en")
    lid = sql1("SELECT id FROM listing WHERE sku_id = ?", w.skus["A"])
    uid = sql1("SELECT id FROM app_user WHERE login = 'lang_reader'")
    sql("UPDATE listing SET mall_stock = 0 WHERE id = ?", lid)
    r = c.post("/stock/push", {"listing": lid})
    ok(r.status in (200, 303), "反映 accepted: %d %s" % (r.status, r.text[-300:]))
    en = cell_texts(c.get(page).text, "sku-pushes", "push-why")
    want = "Push (user %s): %s" % (uid, en_why)
    ok(want in en, "the 反映 prefix in English: %r" % en)
    ja = cell_texts(reader("ja").get(page).text, "sku-pushes", "push-why")
    ok("反映 (ユーザー %s): %s" % (uid, ja_why) in ja, "and in Japanese: %r" % ja)
    # A row written before the keys were stored shows its text as it is (marked as data).
    sql("UPDATE push SET why = '総在庫 10 (旧)', why_msg = NULL WHERE listing_id = ?", lid)
    page_en = reader("en").get(page).text
    ok(re.search(r'<td class="push-why" data-data>総在庫 10 \(旧\)</td>', page_en),
       "an old row shows its stored text, marked as data")
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def test_own_push_results_in_the_readers_language():
    # A push whose listing left the sync before the batch claimed it: zaiko's own result (not
    # a mall's reply), in the reader's language on the SKU page.
    w = tb.World("sr", malls=["yahoo"])
    w.sku("A", 10, malls=["yahoo"])
    tb.recompute()
    lid = sql1("SELECT id FROM listing WHERE sku_id = ?", w.skus["A"])
    ok(sql1("SELECT COUNT(*) FROM push WHERE pending_listing = ?", lid) == "1", "a push waits")
    sql("UPDATE listing SET sync = 0 WHERE id = ?", lid)   # behind the core's back
    tb.cycle()
    eq(sql("SELECT state, result, result_msg FROM push WHERE listing_id = ?", lid),
       [["failed", "送信対象外になりました (連携オフ・紐づけ解除・重複)", "msg.push.result_gone"]],
       "the result and its key")
    page = "/sku?code=" + w.code("A")
    en = cell_texts(reader("en").get(page).text, "sku-pushes", "push-result")
    eq(en, ["No longer sent (sync off, unlinked or duplicate)"], "in English, not a mall's reply")
    ja = cell_texts(reader("ja").get(page).text, "sku-pushes", "push-result")
    eq(ja, ["送信対象外になりました (連携オフ・紐づけ解除・重複)"], "in Japanese")
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def error_messages(page):
    """The messages of the error list of the 在庫連携 screen, tags stripped."""
    m = re.search(r'<table class="errors">.*?</table>', page, re.S)
    if not m:
        return []
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in
            re.findall(r'<span class="kind">.*?</span> <span data-data>(.*?)</span>', m.group(0),
                       re.S)]


def test_error_rows_and_stop_reason_in_the_readers_language():
    w = tb.World("se", malls=["amazon", "rakuten"])
    w.sku("A", 6, malls=["amazon", "rakuten"])
    tb.recompute()
    creds, _ = tb.shop_credentials("rakuten")
    zt.batch("shop-credentials", "%s-rakuten" % w.tag,
             input=json.dumps(dict(creds, license_key="SL_wrong")))
    tb.setting("stopped_retry_seconds", 3600)
    tb.ctl("amazon", "fault", {"kind": "500", "count": 20, "path": "/listings/"})
    tb.cycle(check=False)
    eq(sql1("SELECT state FROM shop WHERE id = ?", w.shops["rakuten"]), "stopped", "stopped")
    rows = sql("SELECT message, message_msg IS NOT NULL FROM error_log WHERE shop_id IN (?, ?) "
               "ORDER BY id", w.shops["amazon"], w.shops["rakuten"])
    ok(len(rows) >= 2 and all(r[1] == "1" for r in rows), "rows stored with keys: %r" % rows)
    stored = [r[0] for r in rows]
    reason = sql1("SELECT stop_reason FROM shop WHERE id = ?", w.shops["rakuten"])
    ok(sql1("SELECT stop_reason_msg IS NOT NULL FROM shop WHERE id = ?", w.shops["rakuten"]) == "1",
       "the stop reason stored with keys")
    # English: the rows of these shops, the stop banner and 利用店舗設定 read in English.
    en = reader("en")
    page = en.get("/").text
    mine = [t for t in error_messages(page) if w.tag in t]
    print("en rows: %r" % mine)
    ok(len(mine) >= 2, "the rows in the English list: %r" % error_messages(page))
    for t in mine:
        ok(not JAPANESE.search(t), "no Japanese in an English row: %r" % t)
    ok(any(t.startswith("Updating stock of shop “%s-amazon” failed (will retry): " % w.tag)
           for t in mine), "the push failure in English: %r" % mine)
    ok(any(t.startswith("Sync of shop “%s-rakuten” was stopped: Authentication error (fetch): "
                        % w.tag) for t in mine), "the stop in English: %r" % mine)
    banner = re.search(r'<section class="banner stopped".*?</section>', page, re.S)
    ok(banner, "the stop banner")
    text = html.unescape(re.sub(r"<[^>]+>", "", banner.group(0)))
    ok("Rakuten: the license key or service secret is invalid" in text and
       not JAPANESE.search(text), "the stop banner in English: %r" % text)
    shops_en = zt.Client()
    shops_en.login()
    sql("UPDATE app_user SET lang = 'en' WHERE login = 'admin'")
    try:
        p = shops_en.get("/admin/shops").text
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*%s-rakuten.*?</tr>" % w.tag, p, re.S)
        ok(row, "the rakuten shop on 利用店舗設定")
        cell = re.search(r'<span class="stopped">.*?</span> <span data-data>(.*?)</span>',
                         row.group(0), re.S)
        ok(cell, "the stop reason cell")
        cell = html.unescape(cell.group(1))
        ok(cell.startswith("Authentication error (fetch): Rakuten: ") and
           not JAPANESE.search(cell), "the stop reason in English on 利用店舗設定: %r" % cell)
        p = shops_en.get("/admin/errors").text
        ok("Sync of shop “" in html.unescape(p), "エラー削除's example in English")
    finally:
        sql("UPDATE app_user SET lang = 'ja' WHERE login = 'admin'")
    # Japanese: exactly the stored texts.
    page = reader("ja").get("/").text
    mine = [t for t in error_messages(page) if w.tag in t]
    eq(sorted(mine), sorted(stored), "the Japanese list shows the stored texts")
    ok(reason.startswith("認証エラー (fetch): "), "the stored reason: %r" % reason)
    banner = re.search(r'<section class="banner stopped".*?</section>', page, re.S)
    ok(banner and reason.split("): ", 1)[1] in html.unescape(re.sub(r"<[^>]+>", "", banner.group(0))),
       "the Japanese banner shows the stored reply")
    tb.ctl("amazon", "reset", {})
    tb.setting("stopped_retry_seconds", 0)
    zt.batch("shop-credentials", "%s-rakuten" % w.tag, input=json.dumps(creds))
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def test_unlinked_and_duplicate_rows_in_the_readers_language():
    # Both rows made by the real programs: an order of an item no SKU is linked to (the
    # batch's order fetch from the simulator), and two items of a shop linked to one SKU
    # (商品データ取込 through nginx links the file's items by their SKU code).
    from test_stock_screen import multipart, why
    w = tb.World("su", malls=["rakuten", "yahoo"])
    code = w.code("D")
    sql("INSERT INTO sku (code, name, total, is_set, updated_at) "
        "VALUES (?, '商品D', 4, 0, UTC_TIMESTAMP())", code)
    c = zt.Client()
    c.login()
    c.get("/stock/csv/listings")
    d1, d2 = w.code("d1"), w.code("d2")
    text = "code,sub-code,quantity\r\n%s,%s,1\r\n%s,%s,2\r\n" % (d1, code, d2, code)
    body, ctype = multipart({"shop": w.shops["yahoo"], "csrf": c.csrf},
                            {"file": ("quantity.csv", text.encode())})
    r = c.request("POST", "/stock/csv/listings", raw_body=body, headers={"Content-Type": ctype})
    eq(r.status, 303, "uploaded: " + why(r))
    r = c.post("/stock/csv/apply", {"job": int(r.header("Location").split("=")[1])})
    eq(r.status, 303, "applied: " + why(r))
    order_no = tb.ctl("rakuten", "order", {"lines": [
        {"code": w.code("nosku"), "sub": "v9", "qty": 1}]})["order_no"]
    tb.cycle()
    rows = {r[0]: r[1:] for r in sql(
        "SELECT kind, message, message_msg IS NOT NULL FROM error_log WHERE shop_id IN (?, ?) "
        "AND kind IN ('unlinked', 'duplicate')", w.shops["rakuten"], w.shops["yahoo"])}
    eq(sorted(rows), ["duplicate", "unlinked"], "both rows: %r" % rows)
    ok(all(v[1] == "1" for v in rows.values()), "both stored with keys: %r" % rows)
    nosku = w.code("nosku").lower()   # RMS keeps 商品管理番号 in lower case
    ja_dup = ("複数の商品が紐づいています: SKU %s — %s / %s, %s / %s (解決するまで在庫を反映しません)"
              % (code, d1, code, d2, code))
    ja_unl = ("SKUが紐づいていない商品の受注がありました (在庫は変わりません): 注文 %s 商品コード "
              "%s / v9 SKU " % (order_no, nosku))
    eq(rows["duplicate"][0], ja_dup, "the stored Japanese duplicate row, worded as before")
    ok(rows["unlinked"][0].startswith(ja_unl), "the stored Japanese unlinked row: %r"
       % rows["unlinked"][0])
    en = [t for t in error_messages(reader("en").get("/").text) if w.tag in t]
    ok("Several items are linked to one SKU: SKU %s — %s / %s, %s / %s (its stock is not "
       "pushed until this is solved)" % (code, d1, code, d2, code) in en,
       "the duplicate row in English: %r" % en)
    ok(any(t.startswith("An order came in for an item not linked to any SKU (stock unchanged): "
                        "order %s, item code %s / v9, SKU " % (order_no, nosku)) for t in en),
       "the unlinked row in English: %r" % en)
    ok(not any(JAPANESE.search(t) for t in en), "no Japanese in the English rows: %r" % en)
    ja = [t for t in error_messages(reader("ja").get("/").text) if w.tag in t]
    ok(ja_dup in ja and rows["unlinked"][0] in ja, "the Japanese rows are the stored texts: %r"
       % ja)
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")

def test_stop_mail_reason_in_each_recipients_language():
    # The mail of a stopped shop goes to each list in its language, its reason (the mall's
    # refusal, stored as keys) included: error_mail_to reads the stored Japanese reason,
    # error_mail_to_en the same reason in English.
    w = tb.World("sm", malls=["rakuten"])
    w.sku("A", 5, malls=["rakuten"])
    tb.recompute()
    tb.setting("error_mail_to_en", "en-admin@example.jp")
    tb.setting("stopped_retry_seconds", 3600)
    creds, _ = tb.shop_credentials("rakuten")
    name = "%s-rakuten" % w.tag
    zt.batch("shop-credentials", name, input=json.dumps(dict(creds, license_key="SL_wrong")))
    try:
        before = len(tb.mails())
        tb.cycle(check=False)
        tb.cycle(check=False)
        eq(sql1("SELECT state FROM shop WHERE id = ?", w.shops["rakuten"]), "stopped", "stopped")
        reason = sql1("SELECT stop_reason FROM shop WHERE id = ?", w.shops["rakuten"])
        got = [m for m in tb.mails()[before:] if w.tag in m[1]]
        ja = [m for m in got if "en-admin" not in m[0]]
        en = [m for m in got if "en-admin@example.jp" in m[0]]
        eq((len(ja), len(en)), (1, 1), "one stop mail to each list: %r" % [m[:2] for m in got])
        ok(reason.startswith("認証エラー (fetch): ") and reason in ja[0][2],
           "the Japanese mail holds the stored reason %r: %r" % (reason, ja[0][2]))
        ok("Authentication error (fetch): Rakuten: the license key or service secret is invalid"
           in en[0][2], "the English mail's reason in English: %r" % en[0][2])
        ok(not JAPANESE.search(en[0][1] + en[0][2]), "no Japanese in the English mail: %r"
           % (en[0][1:],))
    finally:
        zt.batch("shop-credentials", name, input=json.dumps(creds))
        tb.setting("error_mail_to_en", "")
        tb.setting("stopped_retry_seconds", 0)


def test_mall_reply_of_a_push_in_the_readers_language():
    # A push the mall could not take: its reply, as the adapter words it (kept with its keys),
    # on the SKU page in the reader's language; the Japanese page shows the stored text.
    w = tb.World("sy", malls=["yahoo"])
    w.sku("A", 10, malls=["yahoo"])
    tb.recompute()
    tb.ctl("yahoo", "fault", {"kind": "500", "count": 20, "path": "setStock"})
    try:
        tb.cycle(check=False)
    finally:
        tb.ctl("yahoo", "reset", {})
    lid = sql1("SELECT id FROM listing WHERE sku_id = ?", w.skus["A"])
    result, has_keys = sql("SELECT result, result_msg IS NOT NULL FROM push WHERE listing_id = ? "
                           "ORDER BY id DESC LIMIT 1", lid)[0]
    ok(JAPANESE.search(result) and has_keys == "1",
       "a Japanese reply stored with its keys: %r %r" % (result, has_keys))
    page = "/sku?code=" + w.code("A")
    en = [t for t in cell_texts(reader("en").get(page).text, "sku-pushes", "push-result") if t]
    ok(en and all(t.startswith("Not updated. Reply from the mall or cart:") and
                  not JAPANESE.search(t) for t in en), "the reply in English: %r" % en)
    ja = [t for t in cell_texts(reader("ja").get(page).text, "sku-pushes", "push-result") if t]
    eq(ja, ["反映できませんでした。モール・カートからの応答：" + result], "the stored reply in Japanese")
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def test_move_ref_in_the_readers_language():
    # A correction on the 在庫連携 screen: its move's reference reads in the reader's language,
    # and so does the Japanese phrase such a move held before ("画面: <login>").
    code = "REF%s" % os.urandom(3).hex()
    sql("INSERT INTO sku (code, name, total, is_set, updated_at) "
        "VALUES (?, 'ref', 5, 0, UTC_TIMESTAMP())", code)
    sid = sql1("SELECT id FROM sku WHERE code = ?", code)
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
        "VALUES (?, 5, 5, 'initial', UTC_TIMESTAMP(3))", sid)
    c = reader("en")
    uid = sql1("SELECT id FROM app_user WHERE login = 'lang_reader'")
    sql("UPDATE sku SET total = 6 WHERE id = ?", sid)   # an older correction, as it was stored
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, user_id, created_at) "
        "VALUES (?, 1, 6, 'manual', '画面: lang_reader', ?, UTC_TIMESTAMP(3))", sid, uid)
    r = c.post("/stock/total", {"sku": sid, "total": 7, "seen": 6})
    eq(r.status, 200, "corrected: %s" % r.text[:200])
    eq(sql("SELECT ref FROM stock_move WHERE sku_id = ? ORDER BY id", sid),
       [[""], ["画面: lang_reader"], ["screen"]], "the refs as stored")
    en = cell_texts(c.get("/sku?code=" + code).text, "sku-moves", "move-ref")
    eq(en, ["Stock screen", "Stock screen", ""], "newest first, in English")
    ja = cell_texts(reader("ja").get("/sku?code=" + code).text, "sku-moves", "move-ref")
    eq(ja, ["在庫連携画面", "在庫連携画面", ""], "in Japanese")
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def test_own_mail_result_in_the_readers_language():
    # A test mail without an SMTP server: zaiko's own reason, on 共通設定 in the reader's
    # language (a server's answer would show as it came, marked as data).
    url = sql1("SELECT value FROM setting WHERE name = 'smtp_url'")
    tb.setting("smtp_url", "")
    to = "nosrv%s@example.jp" % os.urandom(3).hex()
    try:
        sql("INSERT INTO mail_queue (kind, recipients, subject, body, state, created_at) "
            "VALUES ('test', ?, 's', 'b', 'queued', UTC_TIMESTAMP())", to)
        zt.batch("mail", check=False)
        eq(sql("SELECT state, result, result_msg FROM mail_queue WHERE recipients = ?", to),
           [["failed", "SMTP サーバー (smtp_url) が設定されていません", "msg.mail_result.no_server"]],
           "the result and its key")
        c = zt.Client()
        c.login()
        for lang, want in (("en", "No SMTP server (smtp_url) is set"),
                           ("ja", "SMTP サーバー (smtp_url) が設定されていません")):
            sql("UPDATE app_user SET lang = ? WHERE login = 'admin'", lang)
            page = c.get("/admin/settings").text
            row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*%s.*?</tr>" % re.escape(to), page, re.S)
            ok(row, "the test mail's row (%s)" % lang)
            ok('<td class="mail-result">%s</td>' % html.escape(want, quote=False)
               in row.group(0), "the reason in %s: %s" % (lang, row.group(0)))
    finally:
        sql("UPDATE app_user SET lang = 'ja' WHERE login = 'admin'")
        tb.setting("smtp_url", url if url not in (None, "NULL") else "")


def job_page_texts(c, job):
    """The preview's kind line and the job's error flash of the 商品データ取込 page of job."""
    page = c.get("/stock/csv/listings?job=%d" % job).text
    err = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', page, re.S)
    kind = re.search(r'<section class="preview".*?<p>(.*?)</p>', page, re.S)
    ok(kind, "the preview's kind line")
    return (html.unescape(re.sub(r"<[^>]+>", "", kind.group(1))).strip(),
            html.unescape(err.group(1)).strip() if err else None)


def test_csv_job_in_the_readers_language():
    # A 商品データ取込 through the screen whose shop is deleted before the apply: the apply
    # fails, and the job's page and its progress answer say why in their reader's language.
    tag = "sj" + os.urandom(3).hex()
    shop = zt.new_shop(tag + "-shop")
    c = reader("en")
    c.get("/stock/csv/listings")
    data = ("\ufeff" + "\r\n".join([zt.LISTINGS_HEADER, "%s-A,%s-A,Item,,100,5" % (tag, tag)])
            + "\r\n").encode("utf-8")
    r = zt.upload(c, "/stock/csv/listings", {"shop": shop}, "items.csv", data)
    eq(r.status, 303, "uploaded: %s" % zt.why(r))
    job = int(r.header("Location").split("=")[1])
    sql("DELETE FROM shop WHERE id = ?", shop)
    r = c.post("/stock/csv/apply", {"job": job})
    eq(r.status, 400, "the apply refused: %s" % zt.why(r))
    ok("Could not apply (nothing was changed). Shop not found (it may have been deleted)."
       in html.unescape(r.text), "the applier's answer in English: %s" % zt.why(r))
    ja_error = "店舗が見つかりません（削除された可能性があります）。"
    en_error = "Shop not found (it may have been deleted)."
    eq(sql("SELECT state, error, error_msg FROM job WHERE id = ?", job)[0],
       ["failed", ja_error, "msg.csv_import.shop_gone"],
       "stored in Japanese (as always) and as its key")
    j = c.get("/stock/csv/job?job=%d" % job).json()
    eq((j["state"], j["message"], j["error"]), ("failed", "items.csv", en_error),
       "the progress answer in English (the file's name is data)")
    kind, err = job_page_texts(c, job)
    eq(err, en_error, "the job's page in English")
    ok("zaiko product CSV" in kind and "UTF-8 (with BOM)" in kind and not JAPANESE.search(kind),
       "the preview's kind and encoding in English: %r" % kind)
    c = reader("ja")
    j = c.get("/stock/csv/job?job=%d" % job).json()
    eq(j["error"], ja_error, "the progress answer in Japanese")
    kind, err = job_page_texts(c, job)
    eq(err, ja_error, "the job's page in Japanese")
    ok("zaiko 商品CSV" in kind and "UTF-8 (BOM付き)" in kind,
       "the preview's kind and encoding in Japanese: %r" % kind)
    # A row written before the keys were stored shows its text as it is.
    sql("UPDATE job SET error = '旧: 失敗', error_msg = NULL WHERE id = ?", job)
    eq(reader("en").get("/stock/csv/job?job=%d" % job).json()["error"], "旧: 失敗",
       "an old row's text")
    sql("UPDATE app_user SET lang = 'ja' WHERE login = 'lang_reader'")


def shop_test_result(c, shop_name):
    """The connection test cell of shop_name's row on 利用店舗設定, tags stripped."""
    p = c.get("/admin/shops").text
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*%s.*?</tr>" % re.escape(shop_name), p, re.S)
    ok(row, "the shop %s on 利用店舗設定" % shop_name)
    cell = re.search(r'<td class="test-result">(.*?)</td>', row.group(0), re.S)
    ok(cell, "its test cell")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", cell.group(1)))).strip()


def test_connection_test_in_the_readers_language():
    # 接続テスト through 利用店舗設定 and the batch against the simulators: one that reads a
    # listing's stock, one refused by the mall; English and Japanese readers of the page.
    w = tb.World("ct", malls=["yahoo", "rakuten"])
    w.sku("A", 4, malls=["yahoo"])
    tb.recompute()
    tb.cycle()
    creds, _ = tb.shop_credentials("rakuten")
    zt.batch("shop-credentials", "%s-rakuten" % w.tag,
             input=json.dumps(dict(creds, license_key="SL_wrong")))
    admin = zt.Client()
    admin.login()
    admin.get("/admin/shops")
    for mall in ("yahoo", "rakuten"):
        eq(admin.post("/admin/shops/test", {"id": w.shops[mall]}).status, 303, "test queued")
    tb.cycle(check=False)
    rows = {m: sql("SELECT state, message, message_msg IS NOT NULL FROM job WHERE "
                   "kind = 'connection_test' AND shop_id = ? ORDER BY id DESC LIMIT 1",
                   w.shops[m])[0] for m in ("yahoo", "rakuten")}
    print("stored: %r" % rows)
    eq(rows["yahoo"][0], "done", "the yahoo test ran")
    ok(rows["yahoo"][1].startswith("接続できました (商品 ") and rows["yahoo"][2] == "1",
       "stored in Japanese and as keys: %r" % rows["yahoo"])
    eq(rows["rakuten"][0], "failed", "the rakuten test was refused")
    ok(rows["rakuten"][1].startswith("接続できません: ") and rows["rakuten"][2] == "1",
       "stored in Japanese and as keys: %r" % rows["rakuten"])
    sql("UPDATE app_user SET lang = 'en' WHERE login = 'admin'")
    try:
        yahoo = shop_test_result(admin, "%s-yahoo" % w.tag)
        rakuten = shop_test_result(admin, "%s-rakuten" % w.tag)
    finally:
        sql("UPDATE app_user SET lang = 'ja' WHERE login = 'admin'")
    print("en: %r / %r" % (yahoo, rakuten))
    ok(yahoo.startswith("Succeeded Connected (stock of product ") and
       not JAPANESE.search(yahoo), "the yahoo result in English: %r" % yahoo)
    ok(rakuten.startswith("Failed Cannot connect: Rakuten: ") and not JAPANESE.search(rakuten),
       "the rakuten result in English: %r" % rakuten)
    yahoo = shop_test_result(admin, "%s-yahoo" % w.tag)
    rakuten = shop_test_result(admin, "%s-rakuten" % w.tag)
    ok(yahoo.startswith("成功 " + rows["yahoo"][1]), "the Japanese page shows the stored text: %r"
       % yahoo)
    ok(rakuten.startswith("失敗 " + rows["rakuten"][1]),
       "the Japanese page shows the stored text: %r" % rakuten)
    zt.batch("shop-credentials", "%s-rakuten" % w.tag, input=json.dumps(creds))


zt.run()
