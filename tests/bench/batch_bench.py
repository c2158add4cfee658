#!/usr/bin/python3
"""The figures of tests/bench/batch_bench.sh (run it, not this file): see there."""
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests/integration"))
import test_batch as tb  # noqa: E402
import zt  # noqa: E402

ORDERS = int(os.environ.get("ORDERS", "200"))
BULK = int(os.environ.get("BULK", "1000"))
LISTINGS = int(os.environ.get("LISTINGS", "20000"))
INTERVAL = os.environ.get("INTERVAL", "0.2")


LAST_SHOPS = {}


def timed(*args):
    """Runs zaiko-batch under /usr/bin/time -v: (seconds, peak RSS in KiB). The seconds of
    each shop (from its log line) go to LAST_SHOPS."""
    t0 = time.time()
    r = subprocess.run(["/usr/bin/time", "-v", zt.BATCH] + list(args), capture_output=True)
    dt = time.time() - t0
    if r.returncode not in (0, 1):
        raise SystemExit("zaiko-batch %s failed: %s" % (args, r.stderr.decode()[-1500:]))
    LAST_SHOPS.clear()
    for mall, secs in re.findall(rb"shop \d+ (\w+)[^\n]*, ([0-9.]+)s\n", r.stderr):
        LAST_SHOPS[mall.decode()] = float(secs)
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return dt, int(m.group(1)) if m else 0


BACKLOG = int(os.environ.get("BACKLOG", "1000"))


def amazon_paced(w):
    """Amazon at its real listings pace on both sides: the simulator enforces the quotas of
    patchListingsItem (5/s) and getListingsItem (5/s, burst 10), and the shop's adapter keeps
    its own buckets (10 % under). The orders calls stay unlimited, as in the other malls' runs:
    getOrders' real refill (one a minute) would measure the order fetch, not the push."""
    ctl = tb.ctl
    ctl("amazon", "amazon", {"limited_ops": ["patchListingsItem", "getListingsItem"]})
    ctl("amazon", "limits", {"enabled": True})
    zt.batch("shop-edit", "%s-amazon" % w.tag, "--options", tb.json.dumps(
        {"rate_limit": 1, "rate_orders": 1000, "burst_orders": 1000,
         "rate_order_items": 1000, "burst_order_items": 1000}))


def add_backlog(w):
    """BACKLOG more listings on the very Amazon shop every order must reach, each owing a
    push (the shop reported 0, zaiko holds 7), queued by a bulk recompute as 一括連携 or a
    CSV would queue them. A listing's first push also reads its product type: a GET and a
    PATCH each, about 4.5 listings a second, so the backlog lasts about 220 s."""
    sid = w.shops["amazon"]
    tag = w.tag
    zt.sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, '-K', seq), "
           "CONCAT('商品', seq), 7, UTC_TIMESTAMP() FROM seq_1_to_%d" % BACKLOG, tag)
    zt.sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id, name, mall_stock) "
           "SELECT ?, CONCAT('AMZ-', code), code, id, name, 0 FROM sku "
           "WHERE code LIKE CONCAT(?, '-K%%')", sid, tag)
    items = [{"code": "AMZ-%s-K%d" % (tag, i), "stock": 0} for i in range(1, BACKLOG + 1)]
    tb.ctl("amazon", "items", {"items": items})
    tb.recompute()
    return sid


def backlog_left(sid):
    return int(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND bulk = 1 AND state IN "
                       "('pending', 'sending')", sid))


def latency(backlog=False):
    """Orders placed round-robin on the four malls; each timed until every other shop shows
    the new stock. With backlog, only the orders placed while the backlog still drains
    count (how many: the last value returned)."""
    w = tb.World("latb" if backlog else "lat")
    codes = ["L%d" % i for i in range(10)]
    for c in codes:
        w.sku(c, 100000)
    tb.recompute()
    tb.cycle()
    amazon_paced(w)
    sid = None
    if backlog:
        sid = add_backlog(w)
        left0 = backlog_left(sid)
    log_path = os.path.join(zt.STACK, "bench-loop.log")
    log = open(log_path, "wb")
    p = subprocess.Popen(["/usr/bin/time", "-v", zt.BATCH, "cycle", "--loop", "--interval",
                          INTERVAL], stdout=subprocess.DEVNULL, stderr=log)
    lat = []
    counted = 0
    try:
        time.sleep(1)
        for i in range(ORDERS):
            if backlog and backlog_left(sid) == 0:
                break
            src = tb.MALLS[i % 4]
            c = codes[i % len(codes)]
            want = w.total(c) - 1
            t0 = time.time()
            w.order(src, [(c, 1)], order_no="LAT%s%05d" % (src[0].upper(), i))
            others = [m for m in tb.MALLS if m != src]
            while True:
                if all(w.stock_in(m, c) == want for m in others):
                    break
                if time.time() - t0 > 150:
                    with open(log_path + ".db", "w") as f:
                        for q in ("SHOW FULL PROCESSLIST", "SHOW ENGINE INNODB STATUS"):
                            f.write("\n".join("\t".join(r) for r in zt.sql(q)) + "\n")
                    raise SystemExit("order %d (%s) did not reach every shop in 150 s; see %s" %
                                     (i, src, log_path))
                time.sleep(0.01)
            if not backlog or backlog_left(sid) > 0:
                lat.append(time.time() - t0)
        counted = len(lat)
        left = backlog_left(sid) if backlog else 0
        drained = (left0 - left) if backlog else 0
    finally:
        # /usr/bin/time does not pass SIGTERM on: signal the batch itself.
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True)
        for pid in kids.stdout.split():
            os.kill(int(pid), 15)
        p.wait(timeout=60)
        log.close()
        tb.ctl("amazon", "amazon", {"limited_ops": None})
        tb.ctl("amazon", "limits", {"enabled": False})
        if sid:
            zt.sql("UPDATE shop SET enabled = 0 WHERE id = ?", sid)
    with open(log_path, "rb") as f:
        err = f.read()
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", err)
    if not lat:
        raise SystemExit("no order was measured (the backlog drained before the first)")
    lat.sort()
    p95 = lat[max(0, int(len(lat) * 0.95) - 1)]
    return (statistics.median(lat), p95, lat[-1], int(m.group(1)) if m else 0, drained,
            left if backlog else 0, counted)


def bulk_cycle():
    w = tb.World("bulk")
    codes = ["B%d" % i for i in range(100)]
    for c in codes:
        w.sku(c, 100000)
    tb.recompute()
    tb.cycle()
    for i in range(BULK):
        m = tb.MALLS[i % 4]
        w.order(m, [(codes[i % 100], 1 + i % 2)], order_no="BLK%s%05d" % (m[0].upper(), i))
    dt, rss = timed("cycle")
    applied = int(zt.sql1("SELECT COUNT(*) FROM mall_order WHERE shop_id IN (%s)" %
                          ",".join(map(str, w.shops.values()))))
    if applied != BULK:
        raise SystemExit("bulk cycle applied %d of %d orders" % (applied, BULK))
    return dt, rss


def idle_cycle():
    w = tb.World("idle")
    # LISTINGS SKUs, each listed in every shop, every listing already holding its wanted
    # stock: nothing to push, so the cycle's cost is its fixed work at this size.
    tag = w.tag
    zt.sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, '-I', seq), "
           "CONCAT('商品', seq), 50, UTC_TIMESTAMP() FROM seq_1_to_%d" % LISTINGS, tag)
    for m, sid in w.shops.items():
        zt.sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, sku_id, wanted, "
               "mall_stock, pushed_value) SELECT ?, IF(? = 'rakuten', LOWER(code), code), "
               "IF(? IN ('yahoo', 'rakuten'), 'v1', ''), code, id, 50, 50, 50 FROM sku "
               "WHERE code LIKE CONCAT(?, '-I%%')", sid, m, m, tag)
    times, rss = [], 0
    for _ in range(5):
        dt, r = timed("cycle")
        times.append(dt)
        rss = max(rss, r)
    return statistics.median(times), rss, LISTINGS * 4


def main():
    tb.start_sims()
    print("zaiko-batch benchmark (simulators on loopback, private MariaDB)")
    p50, p95, worst, rss_loop, _, _, n = latency()
    print("  order → every other shop, loop --interval %s, %d orders (Amazon paced at 5 PATCH/s): "
          "p50 %.3f s, p95 %.3f s, max %.3f s; loop peak RSS %d KiB" % (
              INTERVAL, n, p50, p95, worst, rss_loop))
    p50, p95, worst, rss_loop, drained, left, n = latency(backlog=True)
    print("  the same WHILE a backlog of %d bulk pushes drains on the Amazon shop the orders "
          "reach (%d sent, %d left when the last order landed; %d orders): p50 %.3f s, "
          "p95 %.3f s, max %.3f s (target p95 <= 5 s)" % (
              BACKLOG, drained, left, n, p50, p95, worst))
    dt, rss = bulk_cycle()
    print("  one cycle, %d new orders over 4 shops (+ their pushes): %.2f s (%.0f orders/s), "
          "peak RSS %d KiB" % (BULK, dt, BULK / dt, rss))
    print("    per shop (fetch + apply + push; the simulators' own cost included): " +
          ", ".join("%s %.2f s" % kv for kv in LAST_SHOPS.items()))
    dt, rss, n = idle_cycle()
    print("  idle cycle at %d listings (4 shops): median %.3f s of 5, peak RSS %d KiB" % (
        n, dt, rss))


if __name__ == "__main__":
    main()
