#!/usr/bin/python3
"""確保在庫 and 割当率 end to end: a reserve entered on the SKU page and a shop's rate on
利用店舗設定 reach the simulators through the batch, the push history shows every step, a set
respects both, and bad values are refused in Japanese without changing anything."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402
from zt import Client, eq, ok, sql, sql1  # noqa: E402

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


def test_reserve_and_rate_reach_the_shops_with_every_step_shown():
    w = tb.World("rr", malls=MALLS)
    if sql1("SELECT COUNT(*) FROM shop WHERE is_base = 1") == "0":
        sql("UPDATE shop SET is_base = 1 WHERE id = ?", w.shops["yahoo"])
    w.sku("A", 10, malls=MALLS)
    w.sku("P", 9, malls=MALLS)
    w.sku("Q", 9, malls=MALLS)
    w.sku("S", 0, malls=MALLS, set_parts={"P": 2, "Q": 1})
    tb.recompute()
    tb.cycle()
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


if __name__ == "__main__":
    zt.run()
