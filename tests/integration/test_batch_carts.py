#!/usr/bin/python3
"""zaiko-batch with BASE and カラーミーショップ shops (tests/sim/base_sim.py, colorme_sim.py)
beside a Yahoo! shop, as cron runs it: the scenarios test_batch.py runs for the four malls —
orders reach every shop, cancellations return stock once, sets, floors and caps, variations and
options, an expired or revoked credential stops the shop (one mail) and it catches up, failed
pushes retry, a 429 is waited out and BASE's hourly limit defers the push to the next hour."""
import json
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402

CARTS = ["base", "colorme"]
MALLS = ["yahoo"] + CARTS

_four_item = tb.World.item


def item(self, mall, c):
    """BASE and カラーミー know an item by a number: one per code of this run."""
    if mall in CARTS:
        return (str(1000000 + zlib.crc32(self.code(c).encode()) % 900000000), "")
    return _four_item(self, mall, c)


tb.World.item = item


def start():
    tb.start_sims()
    for m in CARTS:
        p = os.path.join(zt.STACK, "sims", m + ".port")
        zt.ok(os.path.exists(p), "the %s simulator runs (tests/stack/sims.sh)" % m)
        tb.SIMS[m] = "http://127.0.0.1:%s" % open(p).read().strip()


def world(tag, malls=MALLS):
    start()
    return tb.World(tag, malls=malls)


def test_orders_in_base_and_colorme_reach_every_shop():
    w = world("c2")
    w.sku("A", 10, malls=MALLS)
    w.sku("B", 5, malls=MALLS)
    tb.recompute()
    tb.cycle()
    w.expect_everywhere("A", 10)
    w.expect_everywhere("B", 5)
    o1 = w.order("base", [("A", 2)])
    o2 = w.order("colorme", [("B", 1), ("A", 1)])
    tb.cycle()
    zt.eq(w.total("A"), 7, "total A")
    zt.eq(w.total("B"), 4, "total B")
    w.expect_everywhere("A", 7)
    w.expect_everywhere("B", 4)
    zt.eq(tb.moves_of_order(w, o1), 1, "moves of the BASE order")
    zt.eq(tb.moves_of_order(w, o2), 2, "moves of the カラーミー order")
    tb.cycle()
    zt.eq(w.total("A"), 7, "a second cycle changes nothing")
    zt.eq(tb.moves_of_order(w, o1), 1, "the BASE order once")
    zt.eq(tb.moves_of_order(w, o2), 2, "the カラーミー order once")


def test_cancellations_return_stock_once():
    w = world("ccx")
    w.sku("A", 10, malls=MALLS)
    tb.recompute()
    tb.cycle()
    ob = w.order("base", [("A", 3)])
    oc = w.order("colorme", [("A", 2)])
    tb.cycle()
    zt.eq(w.total("A"), 5, "after the orders")
    tb.ctl("base", "cancel", {"order_no": ob})
    tb.ctl("colorme", "cancel", {"order_no": oc})
    tb.cycle()
    zt.eq(w.total("A"), 10, "after the cancellations")
    w.expect_everywhere("A", 10)
    tb.cycle()
    zt.eq(w.total("A"), 10, "a cancellation returns stock once")
    for o in (ob, oc):
        zt.eq(zt.sql1("SELECT COUNT(*) FROM stock_move WHERE ref = ? AND reason = 'cancel' "
                      "AND sku_id = ?", o, w.skus["A"]), "1", "one cancel move of " + o)


def test_set_sale_and_floor_and_cap():
    w = world("cset")
    w.sku("P", 10, malls=MALLS)
    w.sku("Q", 7, malls=MALLS)
    w.sku("S", 0, malls=MALLS, set_parts={"P": 2, "Q": 1})
    zt.sql("UPDATE listing SET max_stock = 4 WHERE shop_id = ?", w.shops["base"])
    zt.sql("UPDATE listing SET min_stock = 6 WHERE shop_id = ?", w.shops["colorme"])
    tb.recompute()
    tb.cycle()
    zt.eq(w.stock_in("yahoo", "S"), 5, "set on yahoo: min(10/2, 7/1)")
    zt.eq(w.stock_in("base", "S"), 4, "cap on BASE")
    zt.eq(w.stock_in("colorme", "S"), 0, "カラーミー at its floor gets 0")
    zt.eq(w.stock_in("colorme", "P"), 10, "カラーミー above its floor")
    w.order("colorme", [("P", 1)])
    w.order("base", [("S", 2)])
    tb.cycle()
    zt.eq(w.total("P"), 5, "part P")
    zt.eq(w.total("Q"), 5, "part Q")
    zt.eq(w.stock_in("yahoo", "S"), 2, "set after the sales")
    zt.eq(w.stock_in("base", "P"), 4, "BASE under its cap")
    zt.eq(w.stock_in("colorme", "P"), 0, "カラーミー: 5 is under its floor of 6")
    zt.eq(w.stock_in("yahoo", "Q"), 5, "Q everywhere")


def test_variations_and_options():
    w = world("cvar")
    w.sku("A", 9, malls=["yahoo"])
    w.sku("B", 4, malls=["yahoo"])
    bid = item(w, "base", "V")[0]
    cid = item(w, "colorme", "V")[0]
    tb.ctl("base", "items", {"items": [{"code": bid, "sub": "11", "stock": 50},
                                       {"code": bid, "sub": "12", "stock": 50}]})
    tb.ctl("colorme", "items", {"items": [{"code": cid, "sub": "赤|M", "stock": 50},
                                          {"code": cid, "sub": "赤|L", "stock": 50}]})
    for shop, code, subs in (("base", bid, ("11", "12")), ("colorme", cid, ("赤|M", "赤|L"))):
        for sub, c in zip(subs, ("A", "B")):
            zt.sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, sku_id) "
                   "VALUES (?, ?, ?, ?, ?, ?)", w.shops[shop], code, sub, w.code(c), "商品" + c,
                   w.skus[c])
    tb.recompute()
    tb.cycle()
    st = tb.sim_stock("base")
    zt.eq((st[(bid, "11")], st[(bid, "12")]), (9, 4), "BASE variations")
    st = tb.sim_stock("colorme")
    zt.eq((st[(cid, "赤|M")], st[(cid, "赤|L")]), (9, 4), "カラーミー options")
    tb.ctl("base", "order", {"lines": [{"code": bid, "sub": "12", "qty": 1}]})
    tb.ctl("colorme", "order", {"lines": [{"code": cid, "sub": "赤|M", "qty": 2}]})
    tb.cycle()
    zt.eq(w.total("A"), 7, "the カラーミー option sold A")
    zt.eq(w.total("B"), 3, "the BASE variation sold B")
    zt.eq(w.stock_in("yahoo", "A"), 7, "A on yahoo")
    st = tb.sim_stock("base")
    zt.eq((st[(bid, "11")], st[(bid, "12")]), (7, 3), "BASE variations after")


def test_expired_credentials_stop_the_shop_and_it_catches_up():
    w = world("cauth")
    w.sku("A", 10, malls=MALLS)
    tb.recompute()
    tb.cycle()
    before = len(tb.mails())
    tb.setting("stopped_retry_seconds", 3600)
    tb.ctl("base", "base", {"refresh_ok": False, "expire_tokens": True})
    tb.ctl("colorme", "colorme", {"revoke": True})
    w.order("yahoo", [("A", 2)])
    r = tb.cycle(check=False)
    zt.eq(r.returncode, 1, "stopped shops make the cycle exit 1")
    for m in CARTS:
        zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops[m]), "stopped", m + " state")
        zt.eq(w.stock_in(m, "A"), 10, "the stopped %s shop was not pushed" % m)
        zt.eq(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'",
                      w.shops[m]), "1", m + ": its push stays queued")
    zt.eq(w.stock_in("yahoo", "A"), 8, "the other shop goes on")
    tb.cycle(check=False)
    got = [m for m in tb.mails()[before:] if "停止" in m[1]]
    zt.ok(len(got) >= 1, "an error mail")
    zt.eq(len([m for m in got if "BASE" in m[1] + m[2]]), 1, "one mail about the BASE shop")
    zt.ok(all(s not in m[2] for m in got for s in ("zaiko-demo-base-secret",
                                                  "zaiko-demo-base-refresh")),
          "no secret in the mails")
    # BASE works again; カラーミー gets a new token entered (its tokens do not expire).
    tb.ctl("base", "base", {"refresh_ok": True})
    zt.batch("shop-credentials", "%s-colorme" % w.tag,
             input=json.dumps({"access_token": "zaiko-demo-colorme-token"}))
    tb.ctl("colorme", "reset", {})
    tb.ctl("colorme", "limits", {"enabled": False})
    tb.ctl("colorme", "items", {"items": [{"code": w.item("colorme", "A")[0], "stock": 10}]})
    tb.setting("stopped_retry_seconds", 0)
    tb.cycle()
    for m in CARTS:
        zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops[m]), "ok", m + " resumed")
    w.expect_everywhere("A", 8)


def test_push_failures_retry_and_limits_wait():
    w = world("cfail", malls=CARTS)
    w.sku("A", 12, malls=CARTS)
    tb.recompute()
    tb.ctl("base", "fault", {"kind": "500", "count": 20, "path": "/1/items/edit_stock"})
    tb.ctl("colorme", "fault", {"kind": "429", "count": 1, "path": "/v1/products/"})
    r = tb.cycle(check=False)
    zt.eq(r.returncode, 1, "a failed push makes the cycle exit 1")
    zt.eq(w.stock_in("colorme", "A"), 12, "a 429 with Retry-After 1 s is waited out")
    row = zt.sql("SELECT state, attempts, next_try_at > UTC_TIMESTAMP() FROM push "
                 "WHERE shop_id = ? ORDER BY id DESC LIMIT 1", w.shops["base"])[0]
    zt.eq(row[:2], ["pending", "1"], "the failed BASE push is queued again")
    zt.eq(row[2], "1", "after a back-off")
    tb.ctl("base", "base", {"clear_faults": True})
    tb.ctl("base", "items", {"items": [{"code": w.item("base", "A")[0], "stock": 99}]})
    zt.sql("UPDATE push SET next_try_at = UTC_TIMESTAMP() WHERE shop_id = ? AND state = 'pending'",
           w.shops["base"])
    tb.cycle()
    zt.eq(w.stock_in("base", "A"), 12, "sent on the retry")
    # BASE's hourly limit: the push is deferred (not an attempt that failed), the shop is
    # not stopped, and the adapter asks no more until the hour turns.
    tb.ctl("base", "limits", {"enabled": True})
    tb.ctl("base", "base", {"hour_limit": 0})
    w.order("colorme", [("A", 1)])
    r = tb.cycle(check=False)
    zt.eq(r.returncode, 0, "a deferred push is no failure")
    zt.eq(w.total("A"), 11, "the order counted")
    zt.eq(w.stock_in("colorme", "A"), 11, "カラーミー pushed")
    zt.eq(w.stock_in("base", "A"), 12, "BASE over its hourly limit was not pushed")
    zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops["base"]), "ok", "not stopped")
    zt.eq(zt.sql1("SELECT state FROM push WHERE shop_id = ? ORDER BY id DESC LIMIT 1",
                  w.shops["base"]), "pending", "the BASE push waits")
    tb.ctl("base", "limits", {"enabled": False})
    tb.cycle()
    zt.eq(w.stock_in("base", "A"), 11, "sent once BASE takes calls again")

if __name__ == "__main__":
    zt.run()
