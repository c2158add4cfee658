#!/usr/bin/python3
"""zaiko-batch against the simulators with shops whose mall identifiers are not zaiko's SKU
codes, as the real malls have them: Amazon seller SKUs (AMZ-…) with their own product types,
Rakuten 商品管理番号 in mixed case (RMS reports them folded to lower case), Rakuten lines
removed from an order without a new change time; errors that heal when their cause is gone;
a batch whose database connection (and with it the shop's lock) is lost mid-step."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_batch as tb  # noqa: E402
import zt  # noqa: E402


class IdWorld(tb.World):
    """A World whose Amazon listings are sold under seller SKUs and whose Rakuten listings
    were imported with mixed-case 商品管理番号."""

    def item(self, mall, c):
        if mall == "amazon":
            return ("AMZ-%s-%s" % (self.tag, c), "")
        if mall == "rakuten":
            return ("ZK-Item%s%s" % (self.tag, c), "v1")
        return super().item(mall, c)

    def sim_item(self, mall, c):
        ic, sub = self.item(mall, c)
        return (ic.lower(), sub) if mall == "rakuten" else (ic, sub)

    def stock_in(self, mall, c):
        return tb.sim_stock(mall).get(self.sim_item(mall, c))


def test_amazon_pushes_to_the_seller_sku_with_its_product_type():
    w = IdWorld("amz", malls=["amazon", "yahoo"])
    seller = w.item("amazon", "A")[0]
    tb.ctl("amazon", "amazon", {"product_types": {seller: "LUGGAGE"}})
    w.sku("A", 10, malls=["amazon", "yahoo"])
    tb.recompute()
    tb.cycle()
    zt.eq(w.stock_in("amazon", "A"), 10, "stock sent to the seller SKU")
    zt.ok(w.code("A") not in [c for c, _ in tb.sim_stock("amazon")], "nothing sent to the SKU code")
    zt.eq(zt.sql1("SELECT mall_ref FROM listing WHERE shop_id = ? AND item_code = ?",
                  w.shops["amazon"], seller), "LUGGAGE", "the product type is kept")
    # An order on Amazon names the seller SKU: it links, lowers the total, reaches Yahoo.
    w.order("amazon", [("A", 3)])
    tb.cycle()
    zt.eq(w.total("A"), 7, "the Amazon order lowered the total")
    zt.eq(w.stock_in("yahoo", "A"), 7, "and reached Yahoo")
    zt.eq(w.stock_in("amazon", "A"), 7, "Amazon holds the total")
    gets = [r for r in tb.ctl("amazon", "log")["requests"]
            if r["method"] == "GET" and "/listings/" in r["path"]]
    zt.eq(len(gets), 1, "the product type was read once")


def test_rakuten_mixed_case_manage_number_links_its_orders():
    w = IdWorld("rkc", malls=["rakuten", "shopify"])
    w.sku("A", 9, malls=["rakuten", "shopify"])
    tb.recompute()
    tb.cycle()
    zt.eq(w.stock_in("rakuten", "A"), 9, "pushed to the folded manageNumber")
    o = w.order("rakuten", [("A", 2)])
    tb.cycle()
    zt.eq(w.total("A"), 7, "the order line 「%s」 links to 「%s」" % (
        w.sim_item("rakuten", "A")[0], w.item("rakuten", "A")[0]))
    zt.eq(w.stock_in("shopify", "A"), 7, "and reaches Shopify")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE kind = 'unlinked' AND shop_id = ?",
                  w.shops["rakuten"]), "0", "no unlinked-line error")
    zt.eq(tb.moves_of_order(w, o), 1, "one move")


def test_rakuten_removed_line_returns_its_unit():
    w = IdWorld("rkd", malls=["rakuten", "yahoo"])
    w.sku("A", 10, malls=["rakuten", "yahoo"])
    w.sku("B", 10, malls=["rakuten", "yahoo"])
    tb.recompute()
    tb.cycle()
    o = w.order("rakuten", [("A", 1), ("B", 2)])
    tb.cycle()
    zt.eq((w.total("A"), w.total("B")), (9, 8), "both lines applied")
    # The shop removes line 2 in RMS (restore stock): no new change time on the order.
    tb.ctl("rakuten", "rakuten", {"delete_line": {"order_no": o, "line_no": 2, "restore": True}})
    tb.cycle()
    zt.eq(w.total("B"), 10, "the removed line's units came back")
    zt.eq(w.total("A"), 9, "the other line is untouched")
    zt.eq(w.stock_in("yahoo", "B"), 10, "and reached Yahoo")
    tb.cycle()
    zt.eq(w.total("B"), 10, "returned once")


def test_rakuten_removed_line_without_restore_keeps_its_unit():
    """restoreInventoryFlag 2 (在庫を戻さない): RMS keeps the removed line's units off its
    stock, and zaiko does not return them either (it would push them back to Rakuten); a line
    removed with 0 (the item's setting) returns them as 1 does (PROTOCOLS §2.4)."""
    w = IdWorld("rkn", malls=["rakuten", "yahoo"])
    for c in ("A", "B", "C"):
        w.sku(c, 10, malls=["rakuten", "yahoo"])
    tb.recompute()
    tb.cycle()
    o = w.order("rakuten", [("A", 1), ("B", 2), ("C", 3)])
    tb.cycle()
    zt.eq((w.total("A"), w.total("B"), w.total("C")), (9, 8, 7), "the lines applied")
    tb.ctl("rakuten", "rakuten", {"delete_line": {"order_no": o, "line_no": 2, "restore": 2}})
    tb.ctl("rakuten", "rakuten", {"delete_line": {"order_no": o, "line_no": 3, "restore": 0}})
    tb.cycle()
    zt.eq(w.total("B"), 8, "removed without restoring: the units stay sold")
    zt.eq(w.stock_in("rakuten", "B"), 8, "as RMS keeps them")
    zt.eq(w.total("C"), 10, "removed with the item's setting: the units came back")
    zt.eq(w.total("A"), 9, "the other line is untouched")
    zt.eq(w.stock_in("yahoo", "C"), 10, "and reached Yahoo")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", w.skus["B"]), "2",
          "B: its initial stock and the order, nothing returned")


def test_listing_error_heals_after_a_later_success():
    w = IdWorld("heal", malls=["amazon"])
    w.sku("A", 5, malls=["amazon"])
    seller = w.item("amazon", "A")[0]
    tb.ctl("amazon", "reset", {})
    tb.ctl("amazon", "limits", {"enabled": False})
    tb.recompute()
    tb.cycle(check=False)
    lid = int(zt.sql1("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?",
                      w.shops["amazon"], seller))
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE dedupe = ?", "push_item:%d" % lid), "1",
          "a listing the mall does not have gets an error row")
    tb.ctl("amazon", "items", {"items": [{"code": seller, "stock": 1}]})
    zt.sql("UPDATE sku SET total = total + 1 WHERE id = ?", w.skus["A"])
    zt.sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
           "VALUES (?, 1, 6, 'manual', UTC_TIMESTAMP(3))", w.skus["A"])
    tb.recompute()
    tb.cycle()
    zt.eq(w.stock_in("amazon", "A"), 6, "pushed once the listing exists")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE dedupe = ?", "push_item:%d" % lid), "0",
          "the listing's error row went with its cause")


def test_unreadable_reply_writes_a_reason():
    w = IdWorld("unr", malls=["amazon"])
    w.sku("A", 5, malls=["amazon"])
    tb.recompute()
    tb.cycle()
    zt.sql("UPDATE sku SET total = 4 WHERE id = ?", w.skus["A"])
    zt.sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
           "VALUES (?, -1, 4, 'manual', UTC_TIMESTAMP(3))", w.skus["A"])
    tb.recompute()
    tb.ctl("amazon", "fault", {"kind": "malformed", "path": "/listings/"})
    tb.cycle(check=False)
    msg = zt.sql1("SELECT message FROM error_log WHERE dedupe = ?", "push:%d" % w.shops["amazon"])
    zt.ok(msg and "応答が不正" in msg, "the row says the reply was unreadable: %r" % msg)


def _hold_lock(name):
    """A second 'batch host': a client session that waits for the shop's lock and holds it."""
    args = [os.path.join(zt.ROOT, "tests/stack/stack.sh"), "sql", zt.STACK, "-N"]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    p.stdin.write(("SELECT GET_LOCK('%s', 30); SELECT SLEEP(20);\n" % name).encode())
    p.stdin.flush()
    return p


def test_lost_connection_stops_the_step():
    w = IdWorld("lock", malls=["amazon"])
    for c in "ABCDEF":
        w.sku(c, 5, malls=["amazon"])
    tb.recompute()
    tb.cycle()
    # Six pushes, one a call, each answered after a second.
    zt.sql("UPDATE shop SET options = JSON_SET(options, '$.push_batch', 1) WHERE id = ?",
           w.shops["amazon"])
    for c in "ABCDEF":
        zt.sql("UPDATE sku SET total = 4 WHERE id = ?", w.skus[c])
    tb.recompute()
    tb.ctl("amazon", "fault", {"kind": "latency", "ms": 1000, "count": 20, "path": "/listings/"})
    shop = w.shops["amazon"]
    before = len([r for r in tb.ctl("amazon", "log")["requests"] if r["method"] == "PATCH"])
    p = subprocess.Popen([zt.BATCH, "push"], stderr=subprocess.PIPE)
    holder = None
    try:
        conn = None
        for _ in range(100):
            conn = zt.sql1("SELECT IS_USED_LOCK(?)", "zaiko.shop.%d" % shop)
            if conn not in (None, "NULL"):
                break
            time.sleep(0.05)
        zt.ok(conn not in (None, "NULL"), "the batch holds the shop's lock")
        time.sleep(0.5)
        zt.sql("KILL CONNECTION %d" % int(conn))
        holder = _hold_lock("zaiko.shop.%d" % shop)
        killed_at = time.time()
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        if holder:
            holder.kill()
    patches = len([r for r in tb.ctl("amazon", "log")["requests"] if r["method"] == "PATCH"])
    patches -= before
    zt.ok(1 <= patches <= 2, "the step stopped after the lock was lost (%d PATCHes of 6)" % patches)
    zt.ok(b"lock went with it" in err, "it says why")
    zt.ok(time.time() - killed_at < 10, "promptly")
    done = int(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'done' "
                       "AND id > (SELECT MAX(id) - 6 FROM push WHERE shop_id = ?)", shop, shop))
    zt.ok(done <= 1, "nothing recorded without the lock (%d)" % done)
    tb.ctl("amazon", "fault", {"kind": "latency", "ms": 0, "count": 0})
    tb.ctl("amazon", "reset", {})


def test_yahoo_per_second_throttle_is_a_rate_limit_with_a_row():
    w = IdWorld("yth", malls=["yahoo"])
    for c in "AB":
        w.sku(c, 5, malls=["yahoo"])
    tb.recompute()
    tb.cycle()
    # Two pushes in one cycle, no pacing of our own, no waiting in the cycle: the second
    # meets Yahoo's per-second throttle (403 "Your Request was Forbidden").
    zt.sql("UPDATE shop SET options = JSON_SET(options, '$.push_batch', 1) WHERE id = ?",
           w.shops["yahoo"])
    tb.setting("rate_wait_max_ms", 0)
    # A throttle that heals writes its row only after rate_limit_notice_minutes (15): at 0 the
    # row shows what the deferral says (test_batch_rate.py has the threshold itself).
    tb.setting("rate_limit_notice_minutes", 0)
    try:
        for c in "AB":
            zt.sql("UPDATE sku SET total = 3 WHERE id = ?", w.skus[c])
        tb.recompute()
        tb.ctl("yahoo", "limits", {"enabled": True})
        tb.cycle(check=False)
        msg = zt.sql1("SELECT message FROM error_log WHERE dedupe = ?", "push:%d" % w.shops["yahoo"])
        zt.ok(msg and "1秒に1回" in msg, "a rate-limit row, not the daily quota: %r" % msg)
        zt.eq(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'",
                      w.shops["yahoo"]), "1", "the throttled push waits in the queue")
        time.sleep(2.5)
        tb.cycle()
        zt.eq((w.stock_in("yahoo", "A"), w.stock_in("yahoo", "B")), (3, 3), "both sent")
        zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE dedupe = ?",
                      "push:%d" % w.shops["yahoo"]), "0", "the row went once pushes worked")
    finally:
        zt.sql("DELETE FROM setting WHERE name IN ('rate_wait_max_ms', "
               "'rate_limit_notice_minutes')")
        tb.ctl("yahoo", "limits", {"enabled": False})


if __name__ == "__main__":
    zt.run()
