"""Probes of the running stack as a merchant and an outside checker would make them, written
apart from the code they check: the 総在庫数 box and the 総在庫数 CSV with the numbers people
type (full-width, signed, huge, spaced), the stale-edit check, CSRF and job ownership, the
keyword search with words in every script, mall files as the malls write them, and exports
uploaded again unchanged."""
import os
import re
import urllib.parse
import zt
from zt import Client, eq, ok, sql, sql1
from test_stock_screen import upload, totals_upload, post_list

TAG = "P" + os.urandom(3).hex().upper()
BASE = "基準店" + TAG
_state = {}

PRODUCTS = [
    # (suffix, name, total)
    ("MW", "ミネラルウォーター 2L", 10),
    ("TS", "テスト商品", 10),
    ("NS", "ネックレス ストーン", 10),
    ("AB", "ＡＢＣ－０１ 綿シャツ", 10),
    ("KT", "ｺｯﾄﾝ ﾀｵﾙ", 10),
    ("PC", "割引 50% マグ", 10),
    ("UL", "A_B ボトル", 10),
    ("EM", "🍣 寿司タオル", 10),
    ("HI", "ほうじ茶 ティー", 10),
]


def code(suffix):
    return "%s-%s" % (TAG, suffix)


def client():
    setup()
    c = Client()
    c.login()
    return c


def setup():
    if _state:
        return _state
    _state["base"] = zt.new_shop(BASE)
    c = Client()
    c.login()
    zt.import_listings(c, _state["base"],
                       ['%s,%s,"%s",,100,%d' % (code(suffix), code(suffix).lower(), name, total)
                        for suffix, name, total in PRODUCTS], filename="base.csv", bom=True)
    _state["sku"] = {s: int(sql1("SELECT id FROM sku WHERE code = ?", code(s)))
                     for s, _, _ in PRODUCTS}
    return _state


def total_of(suffix):
    return int(sql1("SELECT total FROM sku WHERE code = ?", code(suffix)))


def set_total(suffix, value):
    """Sets a SKU's total through the screen's box (so the ledger stays whole)."""
    c = client()
    c.get("/")
    before = total_of(suffix)
    r = c.post("/stock/total", {"sku": _state["sku"][suffix], "total": value, "seen": before})
    eq(r.status, 200, "set %s to %s: %s" % (suffix, value, r.text))


def ledger_whole(suffix):
    s = setup()["sku"][suffix]
    eq(sql1("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE sku_id = ?", s),
       str(total_of(suffix)), "total of %s = sum of its moves" % suffix)


# ---- the 総在庫数 box: numbers as people type them ----

def test_box_refuses_what_is_not_a_count_in_japanese():
    c = client()
    c.get("/")
    sku = _state["sku"]["MW"]
    before = total_of("MW")
    for typed in ("9999999999", "1e3", "十", "5.5", "", "0x10"):
        r = c.post("/stock/total", {"sku": sku, "total": typed, "seen": before})
        eq(r.status, 400, "%r refused" % typed)
        ok(re.search(r"[ぁ-んァ-ン一-龥]", r.json().get("error", "")),
           "%r: Japanese message: %s" % (typed, r.text))
    eq(total_of("MW"), before, "nothing changed")
    ledger_whole("MW")


def test_box_accepts_negative_and_plain_counts():
    c = client()
    c.get("/")
    sku = _state["sku"]["TS"]
    before = total_of("TS")
    r = c.post("/stock/total", {"sku": sku, "total": "-5", "seen": before})
    eq(r.status, 200, "-5: " + r.text)
    eq(total_of("TS"), -5, "a negative total (oversold) is stored")
    r = c.post("/stock/total", {"sku": sku, "total": "12", "seen": -5})
    eq(r.status, 200, "back to 12 from the oversold value: " + r.text)
    eq(total_of("TS"), 12, "12")
    ledger_whole("TS")






# ---- the stale-edit check ----

def test_seen_minus_one_is_checked_like_any_other_value():
    """An oversold SKU shows -1; an edit made from -1 after someone else changed the total is
    refused, not applied blindly (issue 13.2)."""
    c = client()
    c.get("/")
    sku = _state["sku"]["KT"]
    set_total("KT", -1)
    # Someone else (another screen) sets 30; this screen still shows -1.
    other = client()
    other.get("/")
    eq(other.post("/stock/total", {"sku": sku, "total": 30, "seen": -1}).status, 200, "other")
    r = c.post("/stock/total", {"sku": sku, "total": 4, "seen": -1})
    eq(r.status, 409, "stale edit from -1 refused: " + r.text)
    eq(total_of("KT"), 30, "the other screen's value stays")
    ledger_whole("KT")


def test_edits_need_csrf_everywhere():
    c = client()
    c.get("/")
    s = _state["sku"]["MW"]
    for path, fields in (("/stock/total", {"sku": s, "total": 1, "seen": total_of("MW")}),
                         ("/stock/sync-all", {"sync": 0}),
                         ("/stock/csv/apply", {"job": 1}),
                         ("/admin/users/add", {"login": "x" + TAG, "role": "admin"}),
                         ("/sets/save", {"code": "S" + TAG}),
                         ("/logout", {})):
        r = c.post(path, fields, csrf=False)
        eq(r.status, 403, "%s without the token" % path)
        r = c.post(path, dict(fields, csrf="0" * 64), csrf=False)
        eq(r.status, 403, "%s with a wrong token" % path)
    eq(c.get("/").status, 200, "still logged in")


def test_staff_cannot_apply_an_admins_job():
    """A CSV job belongs to who uploaded it (issue 13.6)."""
    admin = client()
    r = totals_upload(admin, ("SKUコード,総在庫数\r\n%s,44\r\n" % code("HI")).encode("cp932"))
    eq(r.status, 303, "admin's preview: " + msg(r))
    job = int(r.header("Location").split("=")[1])
    staff = zt.staff_client("probe" + TAG[-4:].lower())
    staff.get("/")
    r = staff.post("/stock/csv/apply", {"job": job})
    ok(r.status in (403, 404), "staff applying the admin's job: %d %s" % (r.status, msg(r)))
    eq(total_of("HI"), 10, "nothing applied")
    ok(staff.get("/stock/csv/totals?job=%d" % job).status in (403, 404),
       "staff cannot see the admin's preview")
    eq(admin.post("/stock/csv/apply", {"job": job}).status, 303, "the admin can")
    eq(total_of("HI"), 44, "applied by its owner")


# ---- 総在庫数 CSV: the numbers of a merchant's file ----

def totals_preview(c, text, mode="absolute", enc="cp932"):
    return totals_upload(c, text.encode(enc), mode=mode)


def test_totals_csv_values_as_typed():
    c = client()
    before = total_of("PC")
    cases = [("9999999999", 400), ("1e3", 400), ("abc", 400)]
    for value, want in cases:
        r = totals_preview(c, "SKUコード,総在庫数\r\n%s,%s\r\n" % (code("PC"), value))
        eq(r.status, want, "absolute %r: %s" % (value, msg(r)))
        ok("2行目" in r.text, "%r: names the line" % value)
    eq(total_of("PC"), before, "a preview changes nothing")


def cells(page):
    """A page's table cells as text: the marks of data for the language checks go (a data-data
    attribute on the cell, or a span around data)."""
    return re.sub(r'</?span[^>]*>| data-data(?=[ >])', '', page)


def test_totals_csv_value_with_spaces():
    """「 7 」 as a hand-edited file leaves it."""
    c = client()
    r = totals_preview(c, "SKUコード,総在庫数\r\n%s, 7 \r\n" % code("PC"))
    eq(r.status, 303, "' 7 ' read as 7: " + msg(r))
    page = c.get(r.header("Location")).text
    ok(re.search(r">%s</td><td class=\"num\">%d</td><td class=\"num\">7<"
                 % (code("PC"), total_of("PC")), cells(page)), "before → 7")




# ---- search ----

def msg(r):
    """The text of a page's <main> (or the JSON error), for assertion messages."""
    t = r.text
    m = re.search(r"<main[^>]*>(.*)</main>", t, re.S)
    t = m.group(1) if m else t
    t = re.sub(r"<script.*?</script>|<[^>]+>", " ", t, flags=re.S)
    return re.sub(r"\s+", " ", t)[:400]


def found(c, query):
    r = c.get("/?" + urllib.parse.urlencode({"shop": _state["base"], "q": query}))
    eq(r.status, 200, "search %r: %s" % (query, msg(r)))
    return set(re.findall(re.escape(TAG) + r"-([A-Z]{2})\b", r.text))


def test_search_words_in_every_script():
    c = client()
    for query, want in [("ミネラルウォーター", {"MW"}), ("テスト", {"TS"}),
                        ("ＡＢＣ－０１", {"AB"}), ("abc-01", {"AB"}), ("ｺｯﾄﾝ", {"KT"}),
                        ("コットン", {"KT"}), ("%", {"PC"}), ("_", {"UL"}),
                        ("🍣", {"EM"}), ("寿司", {"EM"}), ("ほうじ茶", {"HI"}),
                        # the three separators make AND terms (the hint says so)
                        ("ミネラル、ウォーター", {"MW"}), ("ウォーター，2L", {"MW"}),
                        ("ｳｫｰﾀｰ,ミネラル", {"MW"}), ("ミネラル、テスト", set())]:
        eq(found(c, query), want, "search %r" % query)


def test_search_term_limit_counts_terms():
    c = client()
    eight = "、".join(["テスト"] * 8)
    nine = "、".join(["テスト"] * 9)
    eq(c.get("/?" + urllib.parse.urlencode({"q": eight})).status, 200, "8 terms")
    r = c.get("/?" + urllib.parse.urlencode({"q": nine}))
    eq(r.status, 400, "9 terms refused")
    ok("8" in msg(r), "says the limit: " + msg(r))


# ---- mall files ----

def shop(mall, name=None):
    name = name or "%s店%s" % (mall, TAG)
    sql("INSERT INTO shop (name, mall, created_at) VALUES (?, ?, UTC_TIMESTAMP())", name, mall)
    return int(sql1("SELECT id FROM shop WHERE name = ?", name))


def import_file(c, shop_id, filename, data):
    c.get("/stock/csv/listings")
    r = upload(c, "/stock/csv/listings", {"shop": shop_id}, filename, data)
    eq(r.status, 303, "%s preview: %s" % (filename, msg(r)))
    loc = r.header("Location")
    page = c.get(loc).text
    r = c.post("/stock/csv/apply", {"job": int(loc.split("=")[1])})
    eq(r.status, 303, "%s apply: %s" % (filename, msg(r)))
    return page




def test_yahoo_quantity_with_negative_quantities():
    c = client()
    sid = shop("yahoo")
    text = ("code,name,sub-code,quantity,allow-overdraft,stock-close\r\n"
            "tee-%s,綿Tシャツ,%s,5,0,\r\ntee-%s,綿Tシャツ,%s,-1,1,\r\n"
            % (TAG, code("MW"), TAG, code("TS")))
    import_file(c, sid, "quantity.csv", text.encode("cp932"))
    eq(sql("SELECT sku_code, mall_stock FROM listing WHERE shop_id = ? ORDER BY sku_code", sid),
       sorted([[code("MW"), "5"], [code("TS"), "-1"]]), "a mall's negative stock is stored")




# ---- exports ----

def test_cp932_export_of_an_emoji_name_does_not_refuse():
    c = client()
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected"), ("sku", _state["sku"]["EM"])])
    eq(r.status, 200, "CP932 export with an emoji: " + msg(r))
    text = r.body.decode("cp932")
    ok(code("EM") in text and "寿司タオル" in text, "the row is there, the rest of the name kept")


def test_selected_export_uploaded_again_changes_nothing():
    c = client()
    c.get("/")
    skus = [_state["sku"][s] for s in ("MW", "TS", "NS")]
    other = shop("rakuten", "楽天出力" + TAG)
    for s in skus:
        sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id) "
            "SELECT ?, CONCAT('r-', code), code, id FROM sku WHERE id = ?", other, s)
    r = post_list(c, "/stock/export", [("scope", "selected")] + [("sku", s) for s in skus])
    eq(r.status, 200, "export")
    r = totals_upload(c, r.body)
    eq(r.status, 303, "the export is accepted by 総在庫数 CSV一括更新: " + msg(r))
    page = c.get(r.header("Location")).text
    ok('id="preview-changes">0<' in page, "0 changes")


def test_all_export_follows_the_search_and_uploads_again():
    c = client()
    c.get("/")
    back = urllib.parse.urlencode({"shop": _state["base"], "q": "ミネラルウォーター"})
    r = post_list(c, "/stock/export", [("scope", "all"), ("back", back)])
    eq(r.status, 200, "export of the search result")
    text = r.body.decode("cp932")
    ok(code("MW") in text and code("TS") not in text, "only what the search found")
    r = totals_upload(c, r.body)
    eq(r.status, 303, "accepted again: " + msg(r))
    ok('id="preview-changes">0<' in c.get(r.header("Location")).text, "0 changes")


def test_export_reimported_by_listing_import():
    """The screen lists 「zaiko形式」 in 商品データ取込; the export is that format."""
    c = client()
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected"), ("sku", _state["sku"]["HI"]),
                                        ("enc", "utf8")])
    eq(r.status, 200, "export")
    c.get("/stock/csv/listings")
    r = upload(c, "/stock/csv/listings", {"shop": _state["base"]}, "export.csv", r.body)
    eq(r.status, 303, "the export is read by 商品データ取込: " + msg(r))


def test_error_names_the_physical_line():
    """issue 14: a quoted name spanning two lines; the bad row after it is named by the line
    a text editor shows."""
    c = client()
    sid = shop("yahoo", "行番号" + TAG)
    text = ("code,name,sub-code,quantity,allow-overdraft,stock-close\r\n"
            "t-%s,\"綿\r\nTシャツ\",%s,5,0,\r\n"
            "t-%s,綿,%s,abc,0,\r\n" % (TAG, code("MW"), TAG, code("TS")))
    c.get("/stock/csv/listings")
    r = upload(c, "/stock/csv/listings", {"shop": sid}, "quantity.csv", text.encode("cp932"))
    eq(r.status, 400, "refused: " + msg(r))
    eq(re.findall(r"(\d+)行目", msg(r)), ["4"], "the physical line")


def test_a_set_shows_one_number_everywhere():
    """issue 15.11: a set with a part's 確保在庫 shows the same stock in the list, the CSV export,
    通知設定, the SKU page and what is pushed."""
    c = client()
    setc = "SET-" + TAG
    c.get("/sets/edit")
    r = post_list(c, "/sets/save", [("set_code", setc), ("set_name", "セット確認"),
                                     ("part_code", code("UL")), ("part_qty", "2"),
                                     ("part_code", code("EM")), ("part_qty", "1")])
    eq(r.status, 303, "set saved: " + msg(r))
    sid = int(sql1("SELECT id FROM sku WHERE code = ?", setc))
    c.get("/sku?code=" + code("UL"))
    eq(c.post("/sku/reserve", {"code": code("UL"), "reserve": 3}).status, 303, "reserve 3")
    sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id) VALUES (?, ?, ?, ?)",
        setup()["base"], setc.lower(), setc, sid)
    zt.batch("recompute")
    want = min((total_of("UL") - 3) // 2, total_of("EM"))
    page = c.get("/?" + urllib.parse.urlencode({"q": setc})).text
    m = re.search(r'data-sku="%d".*?set-total"[^>]*>(-?\d+)<' % sid, page, re.S)
    eq(m and int(m.group(1)), want, "the list")
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected"), ("sku", sid), ("enc", "utf8")])
    row = [l for l in r.body.decode("utf-8-sig").splitlines() if setc + "," in l]
    eq(len(row), 1, "one export row")
    eq(int(row[0].split(",")[10]), want, "the export's 総在庫数")
    t = re.sub(r"<[^>]+>", " ", c.get("/admin/alerts?" + urllib.parse.urlencode({"q": setc})).text)
    ok(re.search(re.escape(setc) + r"\s+セット確認\s+%d\b" % want, t), "通知設定")
    t = re.sub(r"<[^>]+>", " ", c.get("/sku?code=" + setc).text)
    ok(re.search(r"総在庫数\s+%d\b" % want, t), "the SKU page")
    eq(sql1("SELECT wanted FROM push WHERE listing_id IN (SELECT id FROM listing WHERE "
            "sku_id = ?) ORDER BY id DESC LIMIT 1", sid), str(want), "what is pushed")


# ---- accounts and shops ----

def test_changing_a_password_ends_every_other_session():
    """issue 13.5: the user's other browsers are logged out, the one that changed it stays."""
    login = "pw" + TAG.lower()
    pw = "Pw-" + os.urandom(8).hex()
    import subprocess
    subprocess.run([zt.BATCH, "useradd", login, "--role", "admin", "--password-stdin"],
                   input=(pw + "\n").encode(), capture_output=True, check=True)
    uid = int(sql1("SELECT id FROM app_user WHERE login = ?", login))
    a, b = Client(), Client()
    a.login(login, pw)
    b.login(login, pw)
    a.get("/admin/users")
    r = a.post("/admin/users/password", {"id": uid, "password": "New-" + os.urandom(8).hex()})
    eq(r.status, 303, "own password changed: " + msg(r))
    eq(a.get("/").status, 200, "the browser that changed it stays in")
    ok(b.get("/").status in (302, 303), "the other browser is logged out")




def test_export_and_push_of_300_checked_skus():
    """issue 13.7: more than 256 checked SKUs (1,024 bound parameters) still work."""
    tag = "M" + TAG
    sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, LPAD(seq, 4, '0')), "
        "'多数', 0, UTC_TIMESTAMP() FROM seq_1_to_300", tag)
    ids = [r[0] for r in sql("SELECT id FROM sku WHERE code LIKE ?", tag + "%")]
    sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id) SELECT ?, code, code, id "
        "FROM sku WHERE code LIKE ?", setup()["base"], tag + "%")
    c = client()
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected")] + [("sku", i) for i in ids])
    eq(r.status, 200, "CSV出力 選択 of 300: " + msg(r))
    eq(len([l for l in r.body.decode("cp932").splitlines() if tag in l]), 300, "300 rows")
    r = post_list(c, "/stock/push", [("sku", i) for i in ids])
    eq(r.status, 303, "反映 of 300: " + msg(r))


# ---- the screens' words ----

def test_sku_page_has_its_header():
    """issue 15.4: the SKU page names the SKU (code, name, total), and no raw state code."""
    c = client()
    r = c.get("/sku?code=" + urllib.parse.quote(code("MW")))
    eq(r.status, 200, "SKU page")
    head = re.search(r"<h1[^>]*>(.*?)</h1>", r.text, re.S)
    ok(head and code("MW") in head.group(1), "the heading names the code: %r"
       % (head and head.group(1)))
    ok("ミネラルウォーター" in r.text, "the name is shown")
    ok(not re.search(r">\s*(done|pending|failed|sending)\s*<", r.text), "no raw push state")


def test_admin_pages_show_no_raw_codes():
    """issue 15.8: error kinds and malls in the merchant's words."""
    sql("INSERT INTO error_log (level, kind, shop_id, message, created_at, updated_at) "
        "VALUES (8, 'fetch', ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", setup()["base"],
        "取得に失敗しました " + TAG)
    c = client()
    for path in ("/admin/errors", "/admin/initial-fetch", "/"):
        t = msg(c.get(path)) if path != "/" else c.get(path).text
        t = re.sub(r"<[^>]+>", " ", t)
        for raw in ("shop_stopped", " duplicate ", " fetch ", " push ", "yahoo/rakuten"):
            ok(raw not in t, "%s shows %r" % (path, raw.strip()))
    sql("DELETE FROM error_log WHERE message LIKE ?", "%" + TAG)


# ---- the malls (simulators): identifiers that differ from the SKU codes ----

def test_amazon_push_goes_to_the_listings_seller_sku():
    """issue 16: a shop whose seller SKUs differ from zaiko's SKU codes gets its stock."""
    import test_batch as tb
    w = tb.World("pa", malls=["amazon"])
    zcode, seller = w.code("ZK"), "AMZ-" + w.code("S")
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, '出品者SKU違い', 7, "
        "UTC_TIMESTAMP())", zcode)
    sid = int(sql1("SELECT id FROM sku WHERE code = ?", zcode))
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
        "VALUES (?, 7, 7, 'initial', UTC_TIMESTAMP(3))", sid)
    tb.ctl("amazon", "items", {"items": [{"code": seller, "sub": "", "stock": 99}]})
    sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, sku_id, link_mode) "
        "VALUES (?, ?, '', ?, '出品者SKU違い', ?, 'manual')", w.shops["amazon"], seller, seller, sid)
    tb.recompute()
    tb.cycle()
    eq(tb.sim_stock("amazon").get((seller, "")), 7, "Amazon holds the total under its seller SKU")


def test_rakuten_order_of_a_lower_cased_manage_number():
    """issue 16: RMS folds 商品管理番号 to lower case; the order still moves the SKU."""
    import test_batch as tb
    w = tb.World("pr", malls=["rakuten"])
    zcode = w.code("R")
    mixed = "ZK-Item" + w.tag
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, '大文字混じり', 10, "
        "UTC_TIMESTAMP())", zcode)
    sid = int(sql1("SELECT id FROM sku WHERE code = ?", zcode))
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
        "VALUES (?, 10, 10, 'initial', UTC_TIMESTAMP(3))", sid)
    tb.ctl("rakuten", "items", {"items": [{"code": mixed.lower(), "sub": "v1", "stock": 10,
                                           "sku": zcode}]})
    sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, sku_id) "
        "VALUES (?, ?, 'v1', ?, '大文字混じり', ?)", w.shops["rakuten"], mixed, zcode, sid)
    tb.recompute()
    tb.cycle()
    tb.ctl("rakuten", "order", {"lines": [{"code": mixed.lower(), "sub": "v1", "qty": 2}]})
    tb.cycle()
    eq(int(sql1("SELECT total FROM sku WHERE id = ?", sid)), 8, "the order moved the SKU")


def test_totals_csv_full_width_sign():
    """「＋５」 as an IME types it, in 差分 mode."""
    c = client()
    before = total_of("PC")
    r = totals_preview(c, "SKUコード,総在庫数\r\n%s,＋５\r\n" % code("PC"), mode="delta")
    eq(r.status, 303, "＋５ read as +5 in delta mode: " + msg(r))
    page = c.get(r.header("Location")).text
    ok(re.search(r">%s</td><td class=\"num\">%d</td><td class=\"num\">%d<"
                 % (code("PC"), before, before + 5), cells(page)), "before → after +5")


def test_amazon_report_with_a_quote_at_the_start_of_a_name():
    c = client()
    sid = shop("amazon")
    text = ("商品名\t出品ID\t出品者SKU\t価格\t数量\t出品日\t商品IDタイプ\tコンディション\t商品ID\t"
            "フルフィルメント・チャンネル\tステータス\r\n"
            "\"特選\" 綿Tシャツ\t0720A\t%s\t2980\t5\t2024/07/20 12:34:56 JST\t1\t11\tB0T1\tDEFAULT\tActive\r\n"
            "マグ 12\"\t0720B\t%s\t1200\t3\t2024/07/21 09:00:00 JST\t1\t11\tB0T2\tDEFAULT\tActive\r\n"
            % (code("MW"), code("TS")))
    import_file(c, sid, "%s.txt" % ("2" * 14), text.encode("cp932"))
    eq(sql("SELECT name, mall_stock FROM listing WHERE shop_id = ? ORDER BY sku_code", sid),
       [["\"特選\" 綿Tシャツ", "5"], ["マグ 12\"", "3"]], "quotes kept as characters")


def test_rakuten_item_and_select_together():
    """The older RMS pair in one upload gives names and axis names (issue 14)."""
    c = client()
    sid = shop("rakuten")
    item = ("コントロールカラム,商品管理番号（商品URL）,商品番号,商品名,販売価格,在庫タイプ,在庫数,"
            "項目選択肢別在庫用横軸項目名,項目選択肢別在庫用縦軸項目名\r\n"
            "n,zk-%s,ZK-%s,綿Tシャツ,2980,2,,カラー,サイズ\r\n" % (TAG.lower(), TAG))
    select = ("項目選択肢用コントロールカラム,商品管理番号（商品URL）,選択肢タイプ,項目選択肢項目名,項目選択肢,"
              "項目選択肢別在庫用横軸選択肢,項目選択肢別在庫用横軸選択肢子番号,項目選択肢別在庫用縦軸選択肢,"
              "項目選択肢別在庫用縦軸選択肢子番号,項目選択肢別在庫用取り寄せ可能表示,項目選択肢別在庫用在庫数\r\n"
              "n,zk-%s,i,,,白,-wh,S,-s,,4\r\n" % TAG.lower())
    c.get("/stock/csv/listings")
    boundary = "zt" + os.urandom(8).hex()
    parts = []
    for k, v in (("shop", str(sid)), ("csrf", c.csrf)):
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                      % (boundary, k, v)).encode())
    for fn, data in (("dl-item.csv", item), ("dl-select.csv", select)):
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                      "Content-Type: text/csv\r\n\r\n" % (boundary, fn)).encode()
                     + data.encode("cp932") + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    r = c.request("POST", "/stock/csv/listings", raw_body=b"".join(parts),
                  headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    eq(r.status, 303, "the pair in one upload: " + msg(r))
    loc = r.header("Location")
    eq(c.post("/stock/csv/apply", {"job": int(loc.split("=")[1])}).status, 303, "apply")
    rows = sql("SELECT name, options, mall_stock FROM listing WHERE shop_id = ?", sid)
    eq(rows, [["綿Tシャツ", "カラー:白 / サイズ:S", "4"]], "name and axis names from item.csv")


def test_a_changed_api_url_does_not_keep_the_credentials():
    """issue 13.3: credentials stored for one host are not sent to another one typed later."""
    name = "資格" + TAG
    import subprocess
    subprocess.run([zt.BATCH, "shop-add", name, "rakuten", "--base-url", "http://127.0.0.1:9",
                    "--credentials-stdin"], capture_output=True,
                   input=b'{"service_secret": "SP1_x", "license_key": "SL1_y"}')
    sid = int(sql1("SELECT id FROM shop WHERE name = ?", name))
    ok(sql1("SELECT credentials IS NOT NULL FROM shop WHERE id = ?", sid) == "1", "stored")
    c = client()
    c.get("/admin/shops/edit?id=%d" % sid)
    r = c.post("/admin/shops/save", {"id": sid, "name": name, "mall": "rakuten",
                                      "api_base": "https://attacker.example/", "alloc_rate": 100})
    moved = sql1("SELECT api_base FROM shop WHERE id = ?", sid) == "https://attacker.example/"
    kept = sql1("SELECT credentials IS NOT NULL FROM shop WHERE id = ?", sid) == "1"
    ok(not (moved and kept), "the API URL moved to another host with the old credentials kept "
       "(%d %s)" % (r.status, msg(r)[:200]))


if __name__ == "__main__":
    zt.run()
