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


def backlog_shop(w):
    """A fifth shop: another Amazon seller (its own simulator, so its own quota) with BACKLOG
    listings whose pushes are all pending, sent at Amazon's 5 PATCH/s (the adapter's own
    bucket, the simulator's quota on): about BACKLOG / 5 seconds of work."""
    d = os.path.join(zt.STACK, "sims-backlog")
    os.makedirs(d, exist_ok=True)
    port_file = os.path.join(d, "amazon.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    sim = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests/sim/amazon_sim.py"),
                            "--port", "0", "--port-file", port_file],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.05)
    url = "http://127.0.0.1:%s" % open(port_file).read().strip()
    creds, opts = tb.shop_credentials("amazon")
    opts = dict(opts, rate_limit=1, lwa_url=url + "/auth/o2/token")
    name = "%s-amzbacklog" % w.tag
    r = zt.batch("shop-add", name, "amazon", "--base-url", url, "--credentials-stdin",
                 "--options", tb.json.dumps(opts), input=tb.json.dumps(creds))
    sid = int(r.stdout.decode().strip())
    zt.batch("initial-fetch", name)
    tag = w.tag
    zt.sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, '-K', seq), "
           "CONCAT('商品', seq), 7, UTC_TIMESTAMP() FROM seq_1_to_%d" % BACKLOG, tag)
    zt.sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id, name) "
           "SELECT ?, CONCAT('AMZ-', code), code, id, name FROM sku WHERE code LIKE CONCAT(?, '-K%%')",
           sid, tag)
    items = [{"code": "AMZ-%s-K%d" % (tag, i), "stock": 0} for i in range(1, BACKLOG + 1)]
    req = tb.urllib.request.Request(url + "/_control/items", data=tb.json.dumps(
        {"items": items}).encode(), headers={"Content-Type": "application/json"})
    tb.urllib.request.urlopen(req, timeout=30).read()
    tb.recompute()
    return sim, sid


def backlog_left(sid):
    return int(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state IN "
                       "('pending', 'sending')", sid))


def latency(backlog=False):
    w = tb.World("latb" if backlog else "lat")
    codes = ["L%d" % i for i in range(10)]
    for c in codes:
        w.sku(c, 100000)
    tb.recompute()
    tb.cycle()
    sim = sid = None
    if backlog:
        sim, sid = backlog_shop(w)
        left0 = backlog_left(sid)
    log_path = os.path.join(zt.STACK, "bench-loop.log")
    log = open(log_path, "wb")
    p = subprocess.Popen(["/usr/bin/time", "-v", zt.BATCH, "cycle", "--loop", "--interval",
                          INTERVAL], stdout=subprocess.DEVNULL, stderr=log)
    lat = []
    try:
        time.sleep(1)
        for i in range(ORDERS):
            src = tb.MALLS[i % 4]
            c = codes[i % len(codes)]
            want = w.total(c) - 1
            t0 = time.time()
            w.order(src, [(c, 1)], order_no="LAT%s%05d" % (src[0].upper(), i))
            others = [m for m in tb.MALLS if m != src]
            while True:
                if all(w.stock_in(m, c) == want for m in others):
                    break
                if time.time() - t0 > 60:
                    raise SystemExit("order %d (%s) did not reach every shop in 60 s; see %s" %
                                     (i, src, log_path))
                time.sleep(0.01)
            lat.append(time.time() - t0)
        drained = (left0 - backlog_left(sid)) if backlog else 0
    finally:
        # /usr/bin/time does not pass SIGTERM on: signal the batch itself.
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True)
        for pid in kids.stdout.split():
            os.kill(int(pid), 15)
        p.wait(timeout=60)
        log.close()
        if sim:
            sim.terminate()
            sim.wait(timeout=10)
            zt.sql("UPDATE shop SET enabled = 0 WHERE id = ?", sid)
    with open(log_path, "rb") as f:
        err = f.read()
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", err)
    lat.sort()
    return (statistics.median(lat), lat[int(len(lat) * 0.95) - 1], lat[-1],
            int(m.group(1)) if m else 0, drained)


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
    p50, p95, worst, rss_loop, _ = latency()
    print("  order → every other shop, loop --interval %s, %d orders: p50 %.3f s, p95 %.3f s, "
          "max %.3f s; loop peak RSS %d KiB" % (INTERVAL, ORDERS, p50, p95, worst, rss_loop))
    p50, p95, worst, rss_loop, drained = latency(backlog=True)
    print("  the same WHILE a second Amazon shop drains a backlog of %d pushes (5 PATCH/s; %d "
          "sent during the measurement): p50 %.3f s, p95 %.3f s, max %.3f s" % (
              BACKLOG, drained, p50, p95, worst))
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
