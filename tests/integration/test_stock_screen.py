"""The 在庫連携 screen through nginx: the list, every search condition, in-place edits (stale
ones refused), the buttons (反映, 商品削除, 連携), CSV import/update/export, the SKU page, and
that every POST needs login, CSRF and valid fields."""
import json
import os
import re
import urllib.parse
import zt
from zt import Client, eq, multipart, ok, sql, sql1, upload, why

TAG = "T" + os.urandom(3).hex().upper()   # this run's codes and shop names
BASE_SHOP = "基本店" + TAG
OTHER_SHOP = "楽天店" + TAG
_state = {}


def post_list(c, path, pairs):
    """POSTs repeated fields (sku=1&sku=2) with the CSRF token."""
    pairs = list(pairs) + [("csrf", c.csrf)]
    return c.request("POST", path, raw_body=urllib.parse.urlencode(pairs).encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})


def code(n):
    return "%s-%03d" % (TAG, n)


def count_of(page):
    m = re.search(r'id="count">(\d+)<', page)
    return int(m.group(1)) if m else None


def q(**kw):
    return "/?" + urllib.parse.urlencode(kw)


def setup():
    """Two shops of this run; the base shop's listings imported through the screen (which
    creates the SKUs with their totals), the other shop's by SQL plus one unlinked listing."""
    if _state:
        return _state
    sql("INSERT INTO shop (name, mall, is_base, created_at) VALUES (?, 'yahoo', 1, UTC_TIMESTAMP())",
        BASE_SHOP)
    sql("INSERT INTO shop (name, mall, is_base, created_at) VALUES (?, 'rakuten', 0, UTC_TIMESTAMP())",
        OTHER_SHOP)
    _state["base"] = int(sql1("SELECT id FROM shop WHERE name = ?", BASE_SHOP))
    _state["other"] = int(sql1("SELECT id FROM shop WHERE name = ?", OTHER_SHOP))
    c = Client()
    c.login()
    c.get("/stock/csv/listings")
    rows = ["SKUコード,商品コード,商品名,選択肢,価格,在庫数"]
    names = ["オーガニックコットンTシャツ 白", "オーガニックコットンTシャツ 黒", "リネンシャツ 白",
             "マグカップ 100%", "=1+2"]
    for i, name in enumerate(names, 1):
        rows.append('%s,%s,"%s",カラー:白,%d,%d' % (code(i), code(i).lower(), name, 1000 * i, 10 * i))
    data = ("\r\n".join(rows) + "\r\n").encode("cp932")
    r = upload(c, "/stock/csv/listings", {"shop": _state["base"]}, "items.csv", data)
    eq(r.status, 303, "listing upload accepted: " + why(r))
    loc = r.header("Location")
    ok(loc.startswith("/stock/csv/listings?job="), "preview page: " + loc)
    _state["import_job"] = int(loc.split("=")[1])
    preview = c.get(loc)
    _state["import_preview"] = preview.text
    r = c.post("/stock/csv/apply", {"job": _state["import_job"]})
    eq(r.status, 303, "apply: " + why(r))
    for i in (1, 2, 3):
        sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock, sku_id) "
            "SELECT ?, ?, code, ?, ?, id FROM sku WHERE code = ?",
            _state["other"], "r-" + code(i), "楽天 " + names[i - 1], 10 * i, code(i))
    sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock) VALUES (?, ?, ?, ?, 4)",
        _state["other"], "r-orphan-" + TAG, TAG + "-ZZZ", "紐づけのない商品" + TAG)
    zt.batch("recompute")
    _state["sku"] = {i: int(sql1("SELECT id FROM sku WHERE code = ?", code(i))) for i in range(1, 6)}
    return _state


def client():
    setup()
    c = Client()
    c.login()
    return c


def test_import_preview_and_apply_created_skus():
    s = setup()
    ok("新規" in s["import_preview"] and 'id="preview-new">5<' in s["import_preview"],
       "preview counts 5 new listings")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE shop_id = ?", s["base"]), "5", "5 listings")
    eq(sql1("SELECT total FROM sku WHERE code = ?", code(3)), "30", "SKU created with its stock")
    eq(sql1("SELECT state FROM job WHERE id = ?", s["import_job"]), "done", "job done")
    eq(sql1("SELECT payload IS NULL FROM job WHERE id = ?", s["import_job"]), "1", "payload dropped")


def test_list_shows_shops_and_columns():
    c = client()
    r = c.get(q(shop=setup()["base"]))
    eq(r.status, 200, "list")
    for word in ("総在庫数", "店舗メニュー", "連携", "最小", "最大", "在庫数", BASE_SHOP, OTHER_SHOP,
                 code(1), "カラー:白"):
        ok(word in r.text, "page shows " + word)
    eq(count_of(r.text), 5, "5 SKUs in the base shop")
    ok('class="total-edit" value="10"' in r.text,
       "total carries the value seen (its value attribute)")
    ok("<script>" not in r.text and "onclick" not in r.text, "no inline script")


def test_set_row_shows_what_its_parts_allow():
    """A set holds no stock of its own: its row shows min over parts of floor(total / qty)."""
    s = setup()
    set_code = TAG + "-SET"
    sql("INSERT INTO sku (code, name, total, is_set, updated_at) VALUES (?, 'セット', 99, 1, "
        "UTC_TIMESTAMP())", set_code)
    sid = int(sql1("SELECT id FROM sku WHERE code = ?", set_code))
    # Parts: code(2) (total 20) twice per set, code(3) (total 30) once: min(10, 30) = 10.
    sql("INSERT INTO set_part VALUES (?, ?, 2), (?, ?, 1)", sid, s["sku"][2], sid, s["sku"][3])
    try:
        c = client()
        r = c.get(q(q=set_code + "*"))   # a code prefix: the SKU has no search document
        eq(r.status, 200, "list")
        m = re.search(r'セット商品の在庫数は構成商品から計算されます">(\d+)<', r.text)
        ok(m is not None, "the set's row shows a computed figure")
        eq(m.group(1), "10", "what the parts allow, not the stored 99")
    finally:
        sql("DELETE FROM set_part WHERE set_sku_id = ?", sid)
        sql("DELETE FROM sku WHERE id = ?", sid)


def test_search_conditions():
    c = client()
    s = setup()
    shop = s["base"]
    eq(count_of(c.get(q(shop=shop, q="コットン")).text), 2, "keyword")
    eq(count_of(c.get(q(shop=shop, q="コットン, 白")).text), 1, "comma terms are AND")
    eq(count_of(c.get(q(shop=shop, q=code(1).lower())).text), 1, "code, case folded")
    eq(count_of(c.get(q(q=TAG + "-00*")).text), 5, "code prefix")
    eq(count_of(c.get(q(shop=shop, q="100%")).text), 1, "% is literal")
    eq(count_of(c.get(q(shop=shop, q="_")).text), 0, "_ is literal")
    eq(count_of(c.get(q(shop=s["other"])).text), 3, "other shop's linked SKUs")
    eq(count_of(c.get(q(shop=shop, tmin=20, tmax=20)).text), 1, "exact total")
    eq(count_of(c.get(q(shop=shop, tmin=20, tmax=40)).text), 3, "total range")
    eq(count_of(c.get(q(shop=s["other"], link="unlinked")).text), 1, "unlinked listing row")
    ok("紐づけのない商品" + TAG in c.get(q(shop=s["other"], link="unlinked")).text, "shown as a row")
    eq(count_of(c.get(q(shop=shop, link="linked")).text), 5, "linked")
    sql("UPDATE listing SET sync = 0 WHERE item_code = ?", "r-" + code(2))
    eq(count_of(c.get(q(shop=s["other"], sync="off")).text), 1, "sync off")
    eq(count_of(c.get(q(shop=s["other"], sync="on")).text), 2, "sync on")
    sql("UPDATE listing SET sync = 1 WHERE item_code = ?", "r-" + code(2))
    eq(count_of(c.get(q(shop=shop, kind="set")).text), 0, "no sets here")
    # Drift: the other shop holds 10×i while the totals are 10×i: none; make one differ.
    sql("UPDATE listing SET mall_stock = 99 WHERE item_code = ?", "r-" + code(3))
    zt.batch("recompute")
    r = c.get(q(shop=shop, drift=1))
    eq(count_of(r.text), 1, "one drifting SKU")
    ok('class="stock drift"' in r.text, "drift is pink")
    sql("UPDATE listing SET mall_stock = 30 WHERE item_code = ?", "r-" + code(3))
    zt.batch("recompute")
    eq(count_of(c.get(q(shop=shop, drift=1)).text), 0, "drift gone")


def test_search_bad_input_is_400_in_japanese():
    c = client()
    for path, word in ((q(shop=999999), "店舗"), (q(tmin="abc"), "総在庫数"),
                       (q(tmin=5, tmax=1), "下限"), (q(link="maybe"), "紐づけ"),
                       (q(sync="x"), "在庫連携"), ("/?q=" + "a" * 201, "キーワード"),
                       (q(after="x", page=0), "ページ")):
        r = c.get(path)
        eq(r.status, 400, path)
        ok(word in r.text, "%s names %s" % (path, word))


def test_paging_is_keyset_and_bookmarkable():
    c = client()
    # 120 SKUs of their own prefix: two pages.
    sql("INSERT INTO sku (code, name, total, search_doc, updated_at) SELECT CONCAT(?, LPAD(seq, 4, '0')), "
        "'ページ', 1, LOWER(CONCAT(?, LPAD(seq, 4, '0'))), UTC_TIMESTAMP() FROM seq_1_to_120",
        TAG + "P", TAG + "P")
    first = c.get(q(q=TAG + "P*"))
    eq(count_of(first.text), 120, "count")
    ok(TAG + "P0100" in first.text and TAG + "P0101" not in first.text, "100 a page")
    nxt = re.search(r'href="([^"]+)" id="page-next"', first.text).group(1).replace("&amp;", "&")
    second = c.get(nxt)
    # The rows are the SKU links (the page's other links, e.g. the language form's way back,
    # may name the page key too).
    rows = lambda page: re.findall(r'href="/sku\?code=(' + TAG + r'P\d{4})"', page)
    eq(rows(second.text), [TAG + "P%04d" % n for n in range(101, 121)], "page 2 by key")
    last = re.search(r'href="([^"]+)" id="page-last"', first.text).group(1).replace("&amp;", "&")
    eq(c.get(last).text.count('class="row-check"'), 20, "the last page holds the remainder")
    prev = re.search(r'href="([^"]+)" id="page-prev"', second.text).group(1).replace("&amp;", "&")
    back = c.get(prev)
    ok(TAG + "P0001" in back.text and TAG + "P0100" in back.text, "previous page")
    sql("DELETE FROM sku WHERE code LIKE ?", TAG + "P%")


def test_keyword_paging_matches_the_database_order():
    """A keyword result (a scan of the search documents) pages like any other: by key, forward
    and back, the last page holding the remainder, the count exact."""
    c = client()
    word = "kw" + TAG.lower()
    sql("INSERT INTO sku (code, name, total, search_doc, updated_at) SELECT CONCAT(?, LPAD(seq, 4, '0')), "
        "'キーワード', 1, LOWER(CONCAT(?, LPAD(seq, 4, '0'), ' ', ?)), UTC_TIMESTAMP() "
        "FROM seq_1_to_230", TAG + "K", TAG + "K", word)
    sql("UPDATE sku SET search_doc = CONCAT(search_doc, ' other') WHERE code LIKE ?", TAG + "K%")
    want = [r[0] for r in sql("SELECT code FROM sku WHERE code LIKE ? ORDER BY code", TAG + "K%")]
    rows = lambda page: re.findall(r'href="/sku\?code=(' + TAG + r'K\d{4})"', page)
    link = lambda page, name: re.search(r'href="([^"]+)" id="page-' + name + '"', page).group(1).replace("&amp;", "&")
    first = c.get(q(q=word + ", other")).text
    eq(count_of(first), 230, "count")
    seen, page = rows(first), first
    while 'id="page-next"' in page:
        page = c.get(link(page, "next")).text
        seen += rows(page)
    eq(seen, want, "forward through every page in code order")
    eq(rows(c.get(link(first, "last")).text), want[200:], "the last page holds the remainder")
    back = c.get(link(page, "prev")).text
    eq(rows(back), want[100:200], "back by key from the last page")
    eq(rows(c.get(link(back, "prev")).text), want[:100], "and back to the first")
    eq(count_of(c.get(q(q=word + ",nothing-" + TAG)).text), 0, "no match: nothing")
    sql("DELETE FROM sku WHERE code LIKE ?", TAG + "K%")


def test_total_edit_needs_login_csrf_and_a_number():
    s = setup()
    sku = s["sku"][1]
    anon = Client()
    eq(anon.post("/stock/total", {"sku": sku, "total": 5, "seen": 10}).status, 401, "login")
    c = client()
    eq(c.post("/stock/total", {"sku": sku, "total": 5, "seen": 10}, csrf=False).status, 403, "csrf")
    r = c.post("/stock/total", {"sku": sku, "total": "十", "seen": 10})
    eq(r.status, 400, "not a number")
    ok("総在庫数" in r.json()["error"], "Japanese JSON message")
    eq(sql1("SELECT total FROM sku WHERE id = ?", sku), "10", "unchanged")


def test_total_edit_moves_stock_and_stale_edit_is_refused():
    s = setup()
    sku = s["sku"][4]
    c = client()
    before = int(sql1("SELECT total FROM sku WHERE id = ?", sku))
    r = c.post("/stock/total", {"sku": sku, "total": before + 7, "seen": before})
    eq(r.status, 200, "saved: " + r.text)
    eq(r.json()["total"], before + 7, "new total")
    ok(any(l["pending"] for l in r.json()["listings"]), "a push is pending")
    eq(sql("SELECT delta, reason, user_id IS NOT NULL FROM stock_move WHERE sku_id = ? "
           "ORDER BY id DESC LIMIT 1", sku), [[str(7), "manual", "1"]], "manual move with user")
    # An order arrives meanwhile: the screen still shows before+7.
    sql("UPDATE sku SET total = total - 2 WHERE id = ?", sku)
    r = c.post("/stock/total", {"sku": sku, "total": 100, "seen": before + 7})
    eq(r.status, 409, "stale")
    eq(r.json()["total"], before + 5, "the new value is shown")
    ok("現在の総在庫数は" in r.json()["error"], "says why")
    eq(sql1("SELECT total FROM sku WHERE id = ?", sku), str(before + 5), "not overwritten")


def test_limits_floor_above_cap_refused():
    s = setup()
    lid = int(sql1("SELECT id FROM listing WHERE item_code = ?", "r-" + code(1)))
    c = client()
    r = c.post("/stock/limits", {"listing": lid, "min": 10, "max": 5})
    eq(r.status, 400, "floor > cap")
    ok("最小" in r.json()["error"] or "最大" in r.json()["error"], "Japanese reason")
    eq(sql1("SELECT CONCAT_WS(',', min_stock, max_stock) FROM listing WHERE id = ?", lid), "",
       "unchanged")
    r = c.post("/stock/limits", {"listing": lid, "min": 2, "max": 8})
    eq(r.status, 200, "saved")
    eq(sql1("SELECT CONCAT_WS(',', min_stock, max_stock, wanted) FROM listing WHERE id = ?", lid),
       "2,8,8", "cap applied to wanted")
    r = c.post("/stock/limits", {"listing": lid, "min": "", "max": ""})
    eq(r.status, 200, "cleared")
    eq(sql1("SELECT CONCAT_WS(',', min_stock, max_stock) FROM listing WHERE id = ?", lid), "",
       "both cleared")
    eq(c.post("/stock/limits", {"listing": lid, "min": "-1"}).status, 400, "negative floor")


def test_sync_toggle():
    setup()
    lid = int(sql1("SELECT id FROM listing WHERE item_code = ?", "r-" + code(2)))
    c = client()
    r = c.post("/stock/sync", {"listing": lid, "on": 0})
    eq(r.status, 200, "off")
    eq(sql1("SELECT sync FROM listing WHERE id = ?", lid), "0", "stored")
    eq(r.json()["listings"][0]["sync"], False, "answered")
    eq(c.post("/stock/sync", {"listing": lid, "on": "yes"}).status, 400, "bad flag")
    eq(c.post("/stock/sync", {"listing": lid, "on": 1}).status, 200, "on")
    eq(sql1("SELECT sync FROM listing WHERE id = ?", lid), "1", "back on")


def test_push_button_queues_and_shows_pending():
    s = setup()
    sku = s["sku"][2]
    c = client()
    c.get(q(shop=s["base"]))
    sql("DELETE FROM push WHERE listing_id IN (SELECT id FROM listing WHERE sku_id = ?)", sku)
    r = post_list(c, "/stock/push", [("sku", sku), ("back", "shop=%d" % s["base"])])
    eq(r.status, 303, "redirect back")
    ok("msg=pushed" in r.header("Location") and ("shop=%d" % s["base"]) in r.header("Location"),
       "back to the same search")
    eq(sql1("SELECT COUNT(*) FROM push WHERE state = 'pending' AND listing_id IN "
            "(SELECT id FROM listing WHERE sku_id = ?)", sku), "2", "both listings queued")
    page = c.get(r.header("Location")).text
    ok("反映を受け付けました" in page, "flash message")
    row = page[page.find('data-sku="%d"' % sku):]
    row = row[:row.find("</tr>")]
    eq(row.count('<span class="pending">'), 2, "反映待ち on both listings")
    eq(post_list(c, "/stock/push", []).status, 400, "nothing checked")
    eq(post_list(c, "/stock/push", [("sku", "abc")]).status, 400, "bad id")


def test_delete_asks_then_removes_from_zaiko_only():
    s = setup()
    sku = s["sku"][5]
    c = client()
    c.get("/")
    r = post_list(c, "/stock/delete", [("sku", sku), ("back", "")])
    eq(r.status, 200, "confirmation page")
    ok("商品削除の確認" in r.text and code(5) in r.text, "names what goes")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sku_id = ?", sku), "1", "nothing deleted yet")
    r = post_list(c, "/stock/delete", [("sku", sku), ("back", ""), ("confirmed", "1")])
    eq(r.status, 303, "deleted")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sku_id = ?", sku), "0", "listing gone")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE id = ?", sku), "0", "SKU row gone")
    ok(int(sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", sku)) >= 1, "history kept")


def test_sync_all_asks_then_switches_every_listing():
    c = client()
    c.get("/")
    r = c.post("/stock/sync-all", {"on": 0})
    eq(r.status, 200, "confirmation")
    ok("連携の一括切替の確認" in r.text, "asks")
    n = sql1("SELECT COUNT(*) FROM listing")
    ok('id="confirm-n">%s件の商品<' % n in r.text, "how many it asks about: " + n)
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 0 AND item_code = ?", "r-" + code(1)), "0",
       "nothing changed yet")
    r = c.post("/stock/sync-all", {"on": 0, "confirmed": 1})
    eq(r.status, 303, "switched")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 1"), "0", "all off")
    r = c.post("/stock/sync-all", {"on": 1, "confirmed": 1})
    eq(r.status, 303, "switched back")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 0"), "0", "all on")


def test_sync_all_shows_its_progress_in_a_job():
    """The question comes with a job (queued) that the answer claims and fills: the progress bar
    polls it while the switch runs. The same question answered twice is told so, and another
    user cannot read or claim it."""
    c = client()
    c.get("/")
    r = c.post("/stock/sync-all", {"on": 0})
    eq(r.status, 200, "confirmation")
    m = re.search(r'id="sync-all-form" data-job="(\d+)"', r.text)
    ok(m, "the form names its job")
    job = m.group(1)
    ok('<input type="hidden" name="job" value="%s">' % job in r.text, "and sends it")
    ok('id="sync-progress"' in r.text and "/static/js/stock.js" in r.text, "a progress bar, scripted")
    eq(sql1("SELECT CONCAT(kind, '/', state) FROM job WHERE id = ?", job), "sync_all/queued",
       "queued until answered")
    j = c.get("/stock/csv/job?job=" + job)
    eq(j.status, 200, "its progress can be read")
    eq(json.loads(j.text)["state"], "queued", "not started")
    other = zt.staff_client()
    eq(other.get("/stock/csv/job?job=" + job).status, 404, "not another user's to read")
    r = other.post("/stock/sync-all", {"on": 1, "confirmed": 1, "job": job})
    eq(r.status, 409, "nor to claim")
    eq(sql1("SELECT state FROM job WHERE id = ?", job), "queued", "still the asker's")
    r = c.post("/stock/sync-all", {"on": 0, "confirmed": 1, "job": job})
    eq(r.status, 303, "switched")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 1"), "0", "all off")
    st = json.loads(c.get("/stock/csv/job?job=" + job).text)
    eq(st["state"], "done", "done")
    eq(st["done"], st["total"], "full bar")
    eq(st["total"], int(sql1("SELECT MAX(id) FROM listing")), "over every listing id")
    r = c.post("/stock/sync-all", {"on": 1, "confirmed": 1, "job": job})
    eq(r.status, 409, "the same question answered twice")
    ok("すでに実行されています" in r.text, "says so")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 1"), "0", "and switches nothing")
    r = c.post("/stock/sync-all", {"on": 1, "confirmed": 1, "job": "abc"})
    eq(r.status, 400, "a job that is not a number")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 1"), "0", "switches nothing")
    r = c.post("/stock/sync-all", {"on": 1, "confirmed": 1})
    eq(r.status, 303, "without a job (no form of ours): switched, no progress")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE sync = 0"), "0", "all on")


def totals_upload(c, data, mode="absolute", name="棚卸.csv"):
    c.get("/stock/csv/totals")
    return upload(c, "/stock/csv/totals", {"mode": mode}, name, data)


def test_csv_totals_cp932_preview_then_apply():
    s = setup()
    c = client()
    text = "SKUコード,総在庫数\r\n%s,77\r\n%s,20\r\n" % (code(1), code(2))
    r = totals_upload(c, text.encode("cp932"))
    eq(r.status, 303, "preview stored: " + why(r))
    page = c.get(r.header("Location")).text
    ok("Shift_JIS" in page, "encoding detected")
    ok('id="preview-changes">1<' in page, "one row changes")
    # The cells' text without its data marks (a data-data attribute, or a span around data).
    cells = re.sub(r'</?span[^>]*>| data-data(?=[ >])', '', page)
    ok(re.search(r">%s</td><td class=\"num\">10</td><td class=\"num\">77<" % code(1), cells),
       "before → after")
    ok("棚卸し" in page, "absolute mode is a stocktake and says so")
    eq(sql1("SELECT total FROM sku WHERE code = ?", code(1)), "10", "preview changes nothing")
    job = int(r.header("Location").split("=")[1])
    r = c.post("/stock/csv/apply", {"job": job})
    eq(r.status, 303, "applied")
    eq(sql1("SELECT total FROM sku WHERE code = ?", code(1)), "77", "total set")
    eq(sql("SELECT reason, ref FROM stock_move WHERE sku_id = ? ORDER BY id DESC LIMIT 1",
           s["sku"][1]), [["csv", "棚卸.csv"]], "csv move naming the file")
    ok(int(sql1("SELECT COUNT(*) FROM push WHERE state = 'pending' AND listing_id IN "
                "(SELECT id FROM listing WHERE sku_id = ?)", s["sku"][1])) >= 1, "pushes follow")
    eq(c.post("/stock/csv/apply", {"job": job}).status, 409, "a job applies once")
    j = c.get("/stock/csv/job?job=%d" % job).json()
    eq((j["state"], j["done"], j["total"]), ("done", 2, 2), "job progress JSON")


def test_csv_totals_delta_utf8_bom():
    c = client()
    before = int(sql1("SELECT total FROM sku WHERE code = ?", code(3)))
    data = "\ufeffSKUコード,総在庫数\n%s,+5\n%s,-3\n" % (code(3), code(2))
    r = totals_upload(c, data.encode("utf-8"), mode="delta")
    eq(r.status, 303, "preview: " + why(r))
    job = int(r.header("Location").split("=")[1])
    eq(c.post("/stock/csv/apply", {"job": job}).status, 303, "applied")
    eq(int(sql1("SELECT total FROM sku WHERE code = ?", code(3))), before + 5, "+5")


def test_csv_totals_broken_files_change_nothing():
    c = client()
    before = sql1("SELECT total FROM sku WHERE code = ?", code(1))
    jobs = sql1("SELECT COUNT(*) FROM job")
    cases = [
        ("SKUコード,総在庫数\r\n%s,12\r\nNO-SUCH-%s,3\r\n" % (code(1), TAG), "3行目"),
        ("SKUコード,総在庫数\r\n%s,たくさん\r\n" % code(1), "2行目"),
        ("商品,数\r\n%s,1\r\n" % code(1), "SKUコード"),
        ("SKUコード,総在庫数\r\n%s,\"12\r\n" % code(1), ""),
    ]
    for text, word in cases:
        r = totals_upload(c, text.encode("cp932"))
        eq(r.status, 400, "refused: " + text)
        ok(word in r.text, "names %s" % word)
        ok("反映できません" in r.text, "Japanese message")
    r = totals_upload(c, ("SKUコード,総在庫数\r\n%s,5\r\n" % code(1)).encode("cp932"), mode="delta")
    eq(r.status, 400, "unsigned value in delta mode")
    eq(sql1("SELECT total FROM sku WHERE code = ?", code(1)), before, "nothing changed")
    eq(sql1("SELECT COUNT(*) FROM job"), jobs, "nothing stored")


def test_csv_listings_yahoo_quantity_file_links_by_sku_code():
    s = setup()
    name = "Yahoo2" + TAG
    sql("INSERT INTO shop (name, mall, created_at) VALUES (?, 'yahoo', UTC_TIMESTAMP())", name)
    shop = int(sql1("SELECT id FROM shop WHERE name = ?", name))
    c = client()
    c.get("/stock/csv/listings")
    text = ("code,name,sub-code,quantity,allow-overdraft,stock-close\r\n"
            "tee-%s,綿Tシャツ①,%s,7,0,\r\ntee-%s,綿Tシャツ,%s,4,0,\r\n"
            % (TAG, code(1), TAG, code(2)))
    r = upload(c, "/stock/csv/listings", {"shop": shop}, "quantity.csv", text.encode("cp932"))
    eq(r.status, 303, "preview: " + why(r))
    page = c.get(r.header("Location")).text
    ok("quantity" in page and 'id="preview-new">2<' in page, "kind and counts: " + page[:0])
    eq(c.post("/stock/csv/apply", {"job": int(r.header("Location").split("=")[1])}).status, 303,
       "applied")
    eq(sql("SELECT sku_id, mall_stock FROM listing WHERE shop_id = ? ORDER BY sub_code", shop),
       [[str(s["sku"][1]), "7"], [str(s["sku"][2]), "4"]], "linked by SKU code, stock read")
    ok(int(sql1("SELECT COUNT(*) FROM sku WHERE code LIKE ?", "tee-%")) == 0,
       "a shop that is not the base shop creates no SKUs")


def test_csv_listings_wrong_mall_refused():
    s = setup()
    c = client()
    c.get("/stock/csv/listings")
    data = "Handle,Variant SKU,Title,Variant Inventory Qty\r\nh,X1,T,1\r\n".encode("utf-8")
    r = upload(c, "/stock/csv/listings", {"shop": s["base"]}, "products_export.csv", data)
    eq(r.status, 400, "a Shopify file for a Yahoo shop")
    r = upload(c, "/stock/csv/listings", {"shop": 999999}, "x.csv", b"SKU\r\nA\r\n")
    eq(r.status, 400, "unknown shop")


def test_csv_export_selected_and_all():
    s = setup()
    c = client()
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected"), ("sku", s["sku"][1]),
                                        ("sku", s["sku"][2])])
    eq(r.status, 200, "export")
    ok("attachment" in r.header("Content-Disposition"), "a download")
    text = r.body.decode("cp932")
    ok(text.startswith("店舗,SKUコード,"), "CP932 header")
    ok(code(1) in text and code(2) in text and code(3) not in text, "only the checked rows")
    eq(len([l for l in text.splitlines() if ("," + code(1) + ",") in l]),
       int(sql1("SELECT COUNT(*) FROM listing WHERE sku_id = ?", s["sku"][1])),
       "every shop's listing of a checked SKU")
    r = post_list(c, "/stock/export", [("scope", "all"), ("enc", "utf8")])
    eq(r.status, 200, "all")
    ok(r.body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM")
    eq(post_list(c, "/stock/export", [("scope", "selected")]).status, 400, "nothing checked")
    eq(post_list(c, "/stock/export", [("scope", "everything")]).status, 400, "bad scope")


def test_csv_export_guards_formulas():
    s = setup()
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, 'f', 1, UTC_TIMESTAMP())",
        code(9))
    sku = int(sql1("SELECT id FROM sku WHERE code = ?", code(9)))
    sql("INSERT INTO listing (shop_id, item_code, sku_code, name, sku_id) VALUES (?, ?, ?, ?, ?)",
        s["base"], code(9), code(9), "=HYPERLINK(\"http://x\")", sku)
    c = client()
    c.get("/")
    r = post_list(c, "/stock/export", [("scope", "selected"), ("sku", sku), ("enc", "utf8")])
    text = r.body.decode("utf-8-sig")
    ok("'=HYPERLINK" in text, "formula neutralised: " + text)


def test_sku_page_moves_pushes_and_chart():
    c = client()
    r = c.get("/sku?code=" + urllib.parse.quote(code(1)))
    eq(r.status, 200, "SKU page")
    ok("<polyline points=" in r.text, "SVG chart")
    ok("CSV" in r.text and "初期値" in r.text, "moves with reasons")
    eq(c.get("/sku?code=NOPE-" + TAG).status, 404, "unknown code")
    eq(c.get("/sku").status, 400, "code required")


def test_error_messages_link_help_and_listings():
    s = setup()
    sql("INSERT INTO error_log (level, kind, shop_id, sku_id, message, created_at, updated_at) "
        "VALUES (8, 'duplicate', ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 HOUR)",
        s["base"], s["sku"][1], "複数の商品が紐づいています: " + TAG)
    sql("INSERT INTO error_log (level, kind, shop_id, message, created_at, updated_at) "
        "VALUES (9, 'shop_stopped', ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 2 HOUR)",
        s["other"], "停止しました " + TAG)
    c = client()
    page = c.get("/").text
    ok(page.find("停止しました " + TAG) < page.find("複数の商品が紐づいています: " + TAG),
       "newest first")
    ok("/stock/help?kind=duplicate" in page and "/stock/help?kind=shop_stopped" in page,
       "how-to-solve links")
    ok(("/?shop=%d&amp;q=%s*" % (s["base"], code(1))) in page, "duplicate links to its listings")
    r = c.get("/stock/help?kind=duplicate")
    eq(r.status, 200, "help page")
    ok("SKUコード" in r.text, "explains")
    eq(c.get("/stock/help?kind=<script>").status, 400, "unknown kind")
    sql("DELETE FROM error_log WHERE message LIKE ?", "%" + TAG + "%")


def test_link_unlink_and_relink_from_the_shop_menu():
    s = setup()
    lid = int(sql1("SELECT id FROM listing WHERE item_code = ?", "r-orphan-" + TAG))
    c = client()
    page = c.get(q(shop=s["other"], link="unlinked")).text
    # The 店舗メニュー is built in the browser from the row's listings and the page's one
    # <template> of menu items (tests/browser/test_stock.mjs clicks through it).
    ok('data-listing="%d"' % lid in page and 'name="manual"' in page,
       "the unlinked row carries its listing; the menu template has the link form")
    r = c.post("/stock/link", {"manual": lid, "sku": "NOPE-" + TAG})
    eq(r.status, 400, "unknown SKU code")
    ok("登録されていません" in r.text, "Japanese reason")
    eq(c.post("/stock/link", {"manual": lid, "unlink": lid}).status, 400, "one action at a time")
    r = c.post("/stock/link", {"manual": lid, "sku": code(3), "back": "link=unlinked"})
    eq(r.status, 303, "linked by hand")
    eq(sql("SELECT sku_id, link_mode FROM listing WHERE id = ?", lid),
       [[str(s["sku"][3]), "manual"]], "manual link stored")
    ok("msg=linked" in r.header("Location") and "link=unlinked" in r.header("Location"), "back")
    page = c.get(q(shop=s["other"], q=code(3))).text
    ok('data-listing="%d"' % lid in page and 'name="unlink"' in page,
       "the SKU row carries the listing; the menu template has 紐づけ解除")
    eq(c.post("/stock/link", {"unlink": lid}).status, 303, "unlinked")
    eq(sql("SELECT sku_id IS NULL, link_mode FROM listing WHERE id = ?", lid),
       [["1", "unlinked"]], "unlinked by hand")
    eq(c.post("/stock/link", {"bycode": lid}).status, 303, "back to the code rule")
    eq(sql("SELECT sku_id IS NULL, link_mode FROM listing WHERE id = ?", lid),
       [["1", "code"]], "its SKU code matches no SKU: unlinked under the code rule")


def test_images_follow_the_display_setting():
    s = setup()
    sql("UPDATE listing SET image_url = 'https://img.example/a.jpg' WHERE item_code = ?",
        code(1).lower())
    c = client()
    sql("DELETE FROM setting WHERE name = 'show_images'")
    ok("img.example" not in c.get(q(shop=s["base"], q=code(1))).text, "hidden by default")
    sql("INSERT INTO setting (name, value) VALUES ('show_images', '1')")
    ok('src="https://img.example/a.jpg"' in c.get(q(shop=s["base"], q=code(1))).text,
       "shown when 表示する")
    sql("DELETE FROM setting WHERE name = 'show_images'")


def test_job_routes_validate():
    c = client()
    eq(Client().get("/stock/csv/job?job=1").status, 401, "JSON route needs login")
    eq(c.get("/stock/csv/job?job=abc").status, 400, "bad id")
    eq(c.get("/stock/csv/job?job=999999999").status, 404, "unknown job")
    eq(c.post("/stock/csv/apply", {"job": "x"}).status, 400, "bad id on apply")
    eq(c.post("/stock/csv/apply", {"job": 999999999}).status, 404, "unknown job is not applied")
    eq(c.get("/stock/csv/totals?job=999999999").status, 404, "unknown preview")


def test_stopped_banner_names_each_reason_or_says_none_was_recorded():
    """Each stopped shop has a line in the banner: its reason, or (stopped by hand in the
    database, no reason stored) a sentence saying none was recorded, never an empty line."""
    s = setup()
    c = client()
    try:
        sql("UPDATE shop SET state = 'stopped', stop_reason = 'licenseKey expired' WHERE id = ?",
            s["base"])
        sql("UPDATE shop SET state = 'stopped', stop_reason = '' WHERE id = ?", s["other"])
        page = c.get(q(shop=s["base"])).text
        line = {}
        for sid in (s["base"], s["other"]):
            m = re.search(r'<li data-shop="%d">(.*?)</li>' % sid, page, re.S)
            ok(m, "a banner line for shop %d" % sid)
            line[sid] = re.sub(r"<[^>]+>", "", m.group(1))
        ok("停止の理由：licenseKey expired" in line[s["base"]], line[s["base"]])
        ok("停止の理由は記録されていません" in line[s["other"]], line[s["other"]])
        ok("停止の理由は記録されていません" not in line[s["base"]], "only where none was stored")
    finally:
        sql("UPDATE shop SET state = 'ok', stop_reason = NULL WHERE id IN (?, ?)",
            s["base"], s["other"])



def test_stopped_banner_folds_after_three_shops():
    """Three stopped shops are listed in the banner; the others fold under one line that says
    how many and opens them (a <details>), so a merchant with many stopped shops still sees the
    list below. Every stopped shop is named once."""
    c = client()
    names = ["%s-stop-%d" % (TAG, i) for i in range(5)]
    for n in names:
        sql("INSERT INTO shop (name, mall, state, stop_reason, created_at) "
            "VALUES (?, 'yahoo', 'stopped', 'token expired', UTC_TIMESTAMP())", n)
    try:
        page = c.get("/").text
        stopped = [int(r[0]) for r in sql("SELECT id FROM shop WHERE enabled = 1 AND "
                                            "state = 'stopped'")]
        ok(len(stopped) >= 5, "five stopped shops at least: %d" % len(stopped))
        banner = re.search(r'<section class="banner stopped".*?</section>', page, re.S)
        ok(banner, "the banner")
        head, _, folded = banner.group(0).partition('<details id="stopped-more">')
        shown = re.findall(r'<li data-shop="(\d+)">', head)
        hidden = re.findall(r'<li data-shop="(\d+)">', folded)
        eq(len(shown), 3, "three lines before the fold")
        eq(sorted(int(x) for x in shown + hidden), sorted(stopped), "each stopped shop once")
        summary = re.search(r"<summary>(.*?)</summary>", folded, re.S).group(1)
        eq(summary, "ほか%d店舗の停止を表示" % (len(stopped) - 3), "the fold says how many")
        # In English the number stands between words (texts formatted, not pieced together).
        c.post("/lang", {"lang": "en", "next": "/"})
        page = c.get("/").text
        eq(re.search(r"<summary>(.*?)</summary>", page, re.S).group(1),
           "Show %d more stopped shops" % (len(stopped) - 3), "the fold in English")
        r = c.post("/stock/sync-all", {"on": 0})
        n = sql1("SELECT COUNT(*) FROM listing")
        ok('id="confirm-n">%s products<' % n in r.text, "the count asked about, in English")
    finally:
        c.post("/lang", {"lang": "ja", "next": "/"})
        for n in names:
            sql("DELETE FROM shop WHERE name = ?", n)

if __name__ == "__main__":
    zt.run()
