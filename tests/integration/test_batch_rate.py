#!/usr/bin/python3
"""The malls' documented rate limits in the batch loop, against the real simulators with their
limits on: a Shopify shop with many SKUs to push while orders arrive (the cost bucket of 1,000
points restoring 100 a second, the unused part of a query's requested cost refunded as Shopify
documents it), an Amazon shop polled every cycle (getOrders
refills one call a minute). Every shop's pushes drain within a bounded number of cycles,
orders still come in, polling keeps to the quota, and a short throttle writes no 要確認 row; a
deferral that lasts (rate_limit_notice_minutes, 15) does."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402

INTERVAL = 1.0
NSKUS = 30


def limited(w, mall, **opts):
    """The shop paces itself (rate_limit on) and the simulator enforces its limits."""
    o = dict({"rate_limit": 1}, **opts)
    zt.sql("UPDATE shop SET options = JSON_MERGE_PATCH(options, ?) WHERE id = ?", json.dumps(o),
           w.shops[mall])
    tb.ctl(mall, "limits", {"enabled": True})


def pending(w, mall):
    return int(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state IN "
                       "('pending', 'sending')", w.shops[mall]))


def notices(w):
    """The 要確認 rows of the test's shops' steps (fetch:N, push:N)."""
    keys = ["%s:%d" % (step, sid) for sid in w.shops.values() for step in ("fetch", "push")]
    return zt.sql("SELECT dedupe, message FROM error_log WHERE dedupe IN (%s)" %
                  ",".join("'%s'" % k for k in keys))


def run_loop(w, refund, cycles):
    """Runs the loop (a cycle every INTERVAL s) while orders arrive; returns the seconds the
    push queues took to drain and every order came in, and what the loop logged."""
    tb.ctl("shopify", "shopify", {"bucket_max": 1000, "restore_rate": 100, "refund": refund})
    tb.recompute()
    want = {"S%d" % i: w.total("S%d" % i) - 1 for i in range(6)}
    want["S9"] = w.total("S9") - 2
    zt.ok(pending(w, "shopify") >= NSKUS, "the Shopify pushes wait (%d)" % pending(w, "shopify"))
    p = subprocess.Popen([zt.BATCH, "cycle", "--loop", "--interval", "%g" % INTERVAL],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    drained = None
    placed = []
    try:
        # An order every few seconds in Shopify (and one in Amazon).
        while time.time() - t0 < cycles * INTERVAL:
            n = int(time.time() - t0)
            if n // 4 >= len(placed) and len(placed) < 6:
                placed.append(w.order("shopify", [("S%d" % len(placed), 1)]))
                if len(placed) == 2:
                    w.order("amazon", [("S9", 2)])
            if len(placed) >= 6 and drained is None and \
                    pending(w, "shopify") == 0 and pending(w, "amazon") == 0 and \
                    all(w.total(c) == n for c, n in want.items()):
                drained = time.time() - t0
                break
            time.sleep(0.2)
        time.sleep(3 * INTERVAL)   # a few idle cycles: nothing is deferred then either
    finally:
        p.send_signal(15)
        _, err = p.communicate(timeout=60)
    zt.eq(p.returncode, 0, "the loop ended on SIGTERM")
    return drained, err.decode("utf-8", "replace")


def check_bucket(what, skip):
    calls = tb.ctl("shopify", "costs")["calls"][skip:]
    throttled = [c for c in calls if c["actual"] is None]
    zt.eq(throttled, [], "%s: no Shopify call was THROTTLED" % what)
    zt.ok(max(c["requested"] for c in calls) <= 500,
          "%s: every query asks at most half the bucket (%d)" % (
              what, max(c["requested"] for c in calls)))
    return calls


def test_pushes_drain_and_polling_keeps_to_the_limits():
    w = tb.World("rate", malls=["shopify", "amazon"])
    for i in range(NSKUS):
        w.sku("S%d" % i, 10, malls=["shopify", "amazon"])
    # getOrders at one call per 10 s here (Amazon's default is one a minute), so that orders
    # come in during the test; the simulator's own bucket stays at Amazon's 0.0167/s, burst 20.
    limited(w, "amazon", rate_orders=0.1)
    limited(w, "shopify")
    refund, what = True, "documented"
    costs_before = len(tb.ctl("shopify", "costs")["calls"])
    amazon_before = [r for r in tb.ctl("amazon", "log")["requests"]
                     if r["path"] == "/orders/v0/orders"]
    t0 = time.time()
    # A few cycles after the last order (placed at 20 s).
    cycles = 60
    drained, log = run_loop(w, refund, cycles)
    elapsed = time.time() - t0
    if drained is None:
        for c in tb.ctl("shopify", "costs")["calls"][costs_before:][-60:]:
            print("  ", c)
    zt.ok(drained is not None, "%s: every push drained and every order came in within %d "
                               "cycles (log: %s)" % (what, cycles, log[-1500:]))
    print("  %s: drained in %.1f s (%d cycles of %g s)" % (what, drained, drained / INTERVAL,
                                                          INTERVAL))
    zt.eq(notices(w), [], "%s: no 要確認 row for a throttle that heals" % what)
    zt.eq(zt.sql1("SELECT COUNT(*) FROM shop WHERE id IN (?, ?) AND (fetch_deferred_since "
                  "IS NOT NULL OR push_deferred_since IS NOT NULL)", w.shops["shopify"],
                  w.shops["amazon"]), "0", "%s: no step left deferred" % what)
    calls = check_bucket(what, costs_before)
    zt.ok(any(c["op"] == "set_quantities" for c in calls), "pushed with inventorySetQuantities")
    zt.ok(any(c["op"] == "orders" for c in calls), "Shopify orders were polled")
    # Amazon: polled at most once a refill (10 s here), never refused.
    polls = [r for r in tb.ctl("amazon", "log")["requests"]
             if r["path"] == "/orders/v0/orders"][len(amazon_before):]
    zt.ok(1 <= len(polls) <= elapsed / 10 + 1, "%s: getOrders %d times in %.0f s of cycles "
                                               "every %g s" % (what, len(polls), elapsed,
                                                               INTERVAL))
    zt.eq([r for r in polls if r["status"] == 429], [], "%s: getOrders never refused" % what)
    zt.ok("ordersの呼び出し上限" not in log, "%s: the Amazon fetch was never deferred" % what)
    for i in range(6):
        zt.eq(w.stock_in("shopify", "S%d" % i), w.total("S%d" % i), "%s: S%d in Shopify" %
              (what, i))
    zt.eq(w.stock_in("shopify", "S9"), w.total("S9"), "%s: the Amazon order reached Shopify"
          % what)
    zt.eq(w.stock_in("amazon", "S0"), w.total("S0"), "%s: Shopify's order reached Amazon"
          % what)


def test_a_lasting_deferral_raises_the_notice_and_it_goes_once_the_step_works():
    w = tb.World("ratelong", malls=["shopify"])
    w.sku("A", 7, malls=["shopify"])
    limited(w, "shopify")
    # A bucket that cannot hold the calls for a long time: every step is put off.
    tb.ctl("shopify", "shopify", {"bucket_max": 5, "restore_rate": 0.01})
    tb.recompute()
    sid = w.shops["shopify"]
    r = tb.cycle(check=False)
    zt.eq(r.returncode, 0, "a deferral is no failure")
    zt.ok(b"rate limited, deferred" in r.stderr, "the log says the step was put off")
    zt.eq(notices(w), [], "a deferral that has just begun writes no row")
    since = zt.sql("SELECT fetch_deferred_since IS NOT NULL, push_deferred_since IS NOT NULL "
                   "FROM shop WHERE id = ?", sid)[0]
    zt.eq(since, ["1", "1"], "both steps are noted as deferred")
    tb.cycle(check=False)
    zt.eq(notices(w), [], "nor does it after a second cycle")
    # Deferred since 16 minutes: past rate_limit_notice_minutes (15) the row is written.
    zt.sql("UPDATE shop SET fetch_deferred_since = UTC_TIMESTAMP() - INTERVAL 16 MINUTE, "
           "push_deferred_since = UTC_TIMESTAMP() - INTERVAL 16 MINUTE WHERE id = ?", sid)
    tb.cycle(check=False)
    rows = dict((k, m) for k, m in notices(w))
    zt.eq(sorted(rows), ["fetch:%d" % sid, "push:%d" % sid], "both steps have their row")
    zt.ok("待機中" in rows["push:%d" % sid], "the row says the push waits: %r" %
          rows["push:%d" % sid])
    zt.eq(zt.sql1("SELECT level FROM error_log WHERE dedupe = ?", "push:%d" % sid), "8",
          "a 要確認 (level 8) row")
    zt.eq(w.stock_in("shopify", "A"), 99, "nothing pushed yet")
    # The mall takes calls again: pushed, the rows go, the deferral is over.
    tb.ctl("shopify", "shopify", {"bucket_max": 1000, "restore_rate": 100})
    tb.cycle()
    zt.eq(w.stock_in("shopify", "A"), 7, "pushed once the bucket holds the calls")
    zt.eq(notices(w), [], "the rows went once the steps worked")
    zt.eq(zt.sql("SELECT fetch_deferred_since, push_deferred_since FROM shop WHERE id = ?",
                 sid)[0], ["NULL", "NULL"], "no step is deferred any more")


if __name__ == "__main__":
    zt.run()
