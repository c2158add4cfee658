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


zt.run()
