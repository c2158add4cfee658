#!/usr/bin/python3
"""確保在庫 and 割当率 end to end: a reserve entered on the SKU page and a shop's rate on
利用店舗設定 reach the simulators through the batch, the push history shows every step, a set
respects both, and bad values are refused in Japanese without changing anything."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402
from zt import Client, eq, ok, sql, sql1  # noqa: E402
from test_csv_files import export, upload_files  # noqa: E402

MALLS = ["yahoo", "rakuten"]


def admin():
    sql("UPDATE app_user SET disabled = 0, role = 'admin' WHERE login = 'admin'")
    c = Client()
    c.login()
    return c


def save_rate(c, shop_id, rate):
    row = sql("SELECT name, mall, is_base, enabled, api_base FROM shop WHERE id = ?", shop_id)[0]
    c.get("/admin/shops/edit?id=%d" % shop_id)
    fields = {"id": str(shop_id), "name": row[0], "mall": row[1], "api_base": row[4],
              "alloc_rate": str(rate)}
    if row[2] == "1":
        fields["is_base"] = "1"
    if row[3] == "1":
        fields["enabled"] = "1"
    return c.post("/admin/shops/save", fields)


def world(tag):
    """SKU A (10), parts P and Q (9 each) and set S = 2 P + Q in every mall, pushed once."""
    w = tb.World(tag, malls=MALLS)
    if sql1("SELECT COUNT(*) FROM shop WHERE is_base = 1") == "0":
        sql("UPDATE shop SET is_base = 1 WHERE id = ?", w.shops["yahoo"])
    w.sku("A", 10, malls=MALLS)
    w.sku("P", 9, malls=MALLS)
    w.sku("Q", 9, malls=MALLS)
    w.sku("S", 0, malls=MALLS, set_parts={"P": 2, "Q": 1})
    tb.recompute()
    tb.cycle()
    return w


def test_reserve_and_rate_reach_the_shops_with_every_step_shown():
    w = world("rr")
    w.expect_everywhere("A", 10, malls=MALLS)
    c = admin()
    # The reserve on the SKU page.
    page = "/sku?code=" + w.code("A")
    r = c.get(page)
    ok('name="reserve"' in r.text and "確保在庫数" in r.text, "the reserve form")
    r = c.post("/sku/reserve", {"code": w.code("A"), "reserve": "3"})
    eq(r.status, 303, "saved: " + r.text[-300:])
    eq(sql1("SELECT reserve FROM sku WHERE id = ?", w.skus["A"]), "3", "stored")
    # The rate on the shop screen.
    r = save_rate(c, w.shops["rakuten"], 50)
    eq(r.status, 303, "rate saved: " + r.text[-300:])
    eq(sql1("SELECT alloc_rate FROM shop WHERE id = ?", w.shops["rakuten"]), "50", "rate stored")
    ok('value="50"' in c.get("/admin/shops/edit?id=%d" % w.shops["rakuten"]).text, "rate shown")
    # A reserve on a part holds back its sets too.
    eq(c.post("/sku/reserve", {"code": w.code("P"), "reserve": "5"}).status, 303, "part reserve")
    tb.cycle()
    eq(w.stock_in("yahoo", "A"), 7, "yahoo: 10 − 3")
    eq(w.stock_in("rakuten", "A"), 3, "rakuten: (10 − 3) × 50 %, rounded down")
    eq(w.stock_in("yahoo", "S"), 2, "set on yahoo: min((9 − 5) / 2, 9)")
    eq(w.stock_in("rakuten", "S"), 1, "set on rakuten: 2 × 50 %")
    eq(w.stock_in("rakuten", "Q"), 4, "Q on rakuten: 9 × 50 %, rounded down")
    r = c.get(page)
    ok("総在庫 10 − 確保 3 = 7 → × 50% = 3" in r.text, "the push history shows every step")
    ok("確保在庫数を保存しました" in c.get(page + "&msg=reserve").text, "the flash")
    # Refused, in Japanese, nothing changed.
    r = c.post("/sku/reserve", {"code": w.code("A"), "reserve": "-1"})
    eq(r.status, 400, "a negative reserve")
    ok("確保在庫数" in r.text, "named in the message")
    r = save_rate(c, w.shops["rakuten"], 101)
    eq(r.status, 400, "a rate above 100 %")
    ok("割当率" in r.text, "named in the message")
    eq(sql1("SELECT reserve FROM sku WHERE id = ?", w.skus["A"]), "3", "reserve unchanged")
    eq(sql1("SELECT alloc_rate FROM shop WHERE id = ?", w.shops["rakuten"]), "50", "rate unchanged")
    # Rate 0 % offers nothing; 100 % and no reserve give everything back.
    eq(save_rate(c, w.shops["rakuten"], 0).status, 303, "rate 0")
    tb.cycle()
    eq(w.stock_in("rakuten", "A"), 0, "rate 0 %")
    eq(save_rate(c, w.shops["rakuten"], 100).status, 303, "rate 100")
    eq(c.post("/sku/reserve", {"code": w.code("A"), "reserve": "0"}).status, 303, "no reserve")
    tb.cycle()
    w.expect_everywhere("A", 10, malls=MALLS)


def reserve_cell(page, sku_id):
    """The 確保在庫数 cell of a SKU's row on the list: (reserve, 有効 or None when hidden)."""
    row = re.search(r'<tr data-sku="%s">(.*?)</tr>' % sku_id, page, re.S)
    ok(row is not None, "the row of SKU %s is on the page" % sku_id)
    cell = re.search(r'<td class="num reserve"><span class="rv">(\d+)</span>'
                     r'<span class="avail"( hidden)?>有効 <span class="av">(\d+)</span>',
                     row.group(1))
    ok(cell is not None, "the reserve cell: " + row.group(1)[:400])
    return int(cell.group(1)), None if cell.group(2) else int(cell.group(3))


def totals_upload(c, data, mode="absolute"):
    c.get("/stock/csv/totals")
    return upload_files(c, "/stock/csv/totals", {"mode": mode}, {"file": ("t.csv", data)})


def sku_state(w, *names):
    return [tuple(sql("SELECT total, reserve FROM sku WHERE id = ?", w.skus[n])[0]) for n in names]


def test_reserve_in_the_list_the_export_and_the_totals_file():
    w = world("rl")
    c = admin()
    eq(c.post("/sku/reserve", {"code": w.code("A"), "reserve": "3"}).status, 303, "reserve 3")
    # The list: 確保在庫数 beside 総在庫数, 有効 = 総在庫数 − 確保 only when there is a reserve.
    page = c.get("/?shop=%d" % w.shops["yahoo"]).text
    ok('<th rowspan="2" class="reserve"' in page and "確保在庫数" in page, "the column header")
    eq(reserve_cell(page, w.skus["A"]), (3, 7), "A: reserve 3, 有効 7")
    eq(reserve_cell(page, w.skus["P"]), (0, None), "P: no reserve, no 有効")
    eq(reserve_cell(page, w.skus["S"]), (0, None), "the set: no reserve of its own")
    j = c.get("/stock/rows?sku=%s" % w.skus["A"]).json()
    eq((j["skus"][0]["reserve"], j["skus"][0]["avail"]), (3, 7), "the poll carries both")
    # CSV出力: 確保在庫数 after 総在庫数 on every row of the SKU.
    r = export(c, [("scope", "selected"), ("enc", "utf8")] +
               [("sku", w.skus[n]) for n in ("A", "P", "Q", "S")])
    eq(r.status, 200, "export")
    rows = r.body.decode("utf-8-sig").splitlines()
    head = rows[0].split(",")
    ti, ri = head.index("総在庫数"), head.index("確保在庫数")
    eq(ri, ti + 1, "確保在庫数 right after 総在庫数")
    a_rows = [l.split(",") for l in rows[1:] if l.split(",")[1] == w.code("A")]
    eq(len(a_rows), 2, "a row per listing")
    ok(all(l[ti] == "10" and l[ri] == "3" for l in a_rows), "total and reserve: %r" % a_rows)
    # The exported file goes back unchanged (sets' computed totals too).
    r = totals_upload(c, r.body)
    eq(r.status, 303, "exported file accepted: " + r.text[-400:])
    pv = c.get(r.header("Location")).text
    ok('id="preview-changes">0<' in pv and 'id="preview-reserve-changes">0<' in pv,
       "0 changes of either: " + re.sub(r"<[^>]+>|\s+", " ", pv)[-600:])
    # Refused files change nothing, each with a Japanese message.
    before = sku_state(w, "A", "P", "S")
    bad = [("SKUコード,総在庫数,確保在庫数\n%s,5,-1\n" % w.code("A"), "absolute", "符号を付けずに"),
           ("SKUコード,総在庫数,確保在庫数\n%s,5,abc\n" % w.code("A"), "absolute",
            "確保在庫数が数値ではありません"),
           ("SKUコード,総在庫数,確保在庫数\n%s,+1,2\n" % w.code("A"), "delta",
            "確保在庫数は増減では取り込めません"),
           ("SKUコード,総在庫数,確保在庫数\n%s,4,1\n" % w.code("S"), "absolute", "セット商品です"),
           ("SKUコード,確保在庫数\n%s,1\nNOPE-%s,1\n" % (w.code("A"), w.code("")), "absolute",
            "は登録されていません")]
    for text, mode, says in bad:
        r = totals_upload(c, text.encode("utf-8"), mode)
        eq(r.status, 400, "refused: " + text)
        ok(says in r.text, "says %s: %s" % (says, re.sub(r"<[^>]+>|\s+", " ", r.text)[-500:]))
    eq(sku_state(w, "A", "P", "S"), before, "nothing changed")
    # A good file: a total and a reserve, a reserve alone (a blank total stays), a set's own
    # reserve; one apply, every push owed is queued.
    moves = int(sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", w.skus["P"]))
    text = ("SKUコード,総在庫数,確保在庫数\n%s,12,４\n%s,,2\n%s,,1\n"
            % (w.code("A"), w.code("P"), w.code("S")))
    r = totals_upload(c, text.encode("cp932"))
    eq(r.status, 303, "stored: " + r.text[-400:])
    loc = r.header("Location")
    pv = c.get(loc).text
    ok('id="preview-changes">1<' in pv, "one total changes")
    ok('id="preview-reserve-changes">3<' in pv, "three reserves change")
    r = c.post("/stock/csv/apply", {"job": int(loc.split("=")[1])})
    eq(r.status, 303, "applied: " + r.text[-300:])
    ok("n=3" in r.header("Location"), "3 SKUs changed (A once): " + r.header("Location"))
    eq(sku_state(w, "A", "P", "S"), [("12", "4"), ("9", "2"), ("0", "1")], "stored")
    eq(int(sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", w.skus["P"])), moves,
       "a reserve is no stock move")
    eq(sql1("SELECT delta FROM stock_move WHERE sku_id = ? ORDER BY id DESC LIMIT 1",
            w.skus["A"]), "2", "the total's move")
    tb.cycle()
    eq(w.stock_in("yahoo", "A"), 8, "A: 12 − 4")
    eq(w.stock_in("yahoo", "P"), 7, "P: 9 − 2")
    eq(w.stock_in("yahoo", "S"), 2, "S: min((9 − 2) / 2, 9) − 1")
    page = c.get("/?shop=%d" % w.shops["yahoo"]).text
    eq(reserve_cell(page, w.skus["A"]), (4, 8), "the list shows the new reserve")
    eq(reserve_cell(page, w.skus["S"]), (1, 2), "and the set's: 3 − 1")


if __name__ == "__main__":
    zt.run()
