#!/usr/bin/python3
"""zaiko-batch killed with SIGKILL at random points of its cycles while orders stream into the
four simulators, then one clean cycle: every total equals its initial stock plus its moves,
every order line moved stock exactly once (cancellations returned it once), and every
simulator holds the wanted stock."""
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_batch as tb  # noqa: E402
import zt  # noqa: E402

KILLS = int(os.environ.get("ZAIKO_CRASH_KILLS", "20"))


def test_kill_9_at_random_points_loses_and_doubles_nothing():
    crash_run("cycle")


def test_kill_9_of_loop_workers_loses_and_doubles_nothing():
    """The same with `cycle --loop`: a worker process per shop, pushing and fetching side by
    side; kill -9 now of one worker (the loop starts another), now of the whole process group
    (the next loop releases what the dead ones had claimed)."""
    crash_run("loop")


def crash_run(mode):
    rnd = random.Random(int(os.environ.get("ZAIKO_CRASH_SEED", "7")))
    w = tb.World("crash" if mode == "cycle" else "crashl")
    # Orders stream for as long as the kills take (the loop's runs are longer): enough stock
    # that no total reaches 0, where the wanted stock stops following it (and under Rakuten's
    # 99,999).
    initial = 1000 if mode == "cycle" else 50000
    codes = ["A", "B", "C", "D"]
    for c in codes:
        w.sku(c, initial)
    w.sku("S", 0, set_parts={"A": 2, "B": 1})
    tb.recompute()
    tb.cycle()
    placed = []            # (mall, order_no, [(code, qty)])
    cancelled = set()
    stop = threading.Event()

    def stream():
        n = 0
        while not stop.is_set():
            n += 1
            m = tb.MALLS[n % 4]
            lines = [(rnd.choice(codes + ["S"]), rnd.randint(1, 3))]
            if n % 3 == 0:
                lines.append((rnd.choice([c for c in codes if c != lines[0][0]]), 1))
            no = w.order(m, lines, order_no="K%s%04d" % (m[0].upper(), n))
            placed.append((m, no, lines))
            if n % 7 == 0:
                pm, pno, _ = rnd.choice(placed)
                if tb.ctl(pm, "cancel", {"order_no": pno}).get("ok"):
                    cancelled.add((pm, pno))
            time.sleep(rnd.uniform(0.01, 0.06))

    th = threading.Thread(target=stream)
    th.start()
    kills = 0
    try:
        # Kill points spread over the length of a cycle under this load.
        spans = []
        for _ in range(3):
            t0 = time.time()
            subprocess.run([zt.BATCH, "cycle"], capture_output=True)
            spans.append(time.time() - t0)
        span = min(spans)
        for _ in range(KILLS if mode == "cycle" else 0):
            p = subprocess.Popen([zt.BATCH, "cycle"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.0, 0.9 * span))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
        for _ in range(KILLS if mode == "loop" else 0):
            p = subprocess.Popen([zt.BATCH, "cycle", "--loop", "--interval", "0.1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            for _ in range(rnd.randint(0, 3)):
                time.sleep(rnd.uniform(0.2, 1.5))
                kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)],
                                      capture_output=True).stdout.split()
                if kids:
                    os.kill(int(rnd.choice(kids)), signal.SIGKILL)
                    kills += 1
            time.sleep(rnd.uniform(0.0, 2.0))
            os.killpg(p.pid, signal.SIGKILL)
            kills += 1
            p.wait()
            time.sleep(0.2)
    finally:
        stop.set()
        th.join()
    zt.ok(kills >= KILLS // 2, "most cycles were killed mid-way (%d of %d)" % (kills, KILLS))
    # A push refused meanwhile (Shopify's compare-and-set sees an order land between its read
    # and its write) waits out a back-off; the clean cycle comes after those have elapsed.
    zt.sql("UPDATE push SET next_try_at = NULL WHERE state = 'pending' AND shop_id IN (%s)"
           % ",".join(map(str, w.shops.values())))
    tb.cycle()

    # Totals = initial + the sum of moves.
    for c in codes:
        s = zt.sql1("SELECT SUM(delta) FROM stock_move WHERE sku_id = ?", w.skus[c])
        zt.eq(w.total(c), int(s), "total of %s = sum of its moves" % c)
    # Each line applied once: totals are what the placed (and not cancelled) orders leave.
    want = {c: initial for c in codes}
    for m, no, lines in placed:
        if (m, no) in cancelled:
            continue
        for c, q in lines:
            if c == "S":
                want["A"] -= 2 * q
                want["B"] -= q
            else:
                want[c] -= q
    for c in codes:
        zt.eq(w.total(c), want[c], "total of %s after %d orders" % (c, len(placed)))
    bad = zt.sql1("SELECT COUNT(*) FROM mall_order_line l JOIN mall_order o ON o.id = l.order_id "
                  "WHERE o.shop_id IN (%s) AND l.applied <> IF(l.cancelled OR o.cancelled, 0, "
                  "l.quantity)" % ",".join(map(str, w.shops.values())))
    zt.eq(bad, "0", "lines whose applied quantity is wrong")
    # Every simulator shows the wanted stock.
    want["S"] = max(0, min(want["A"] // 2, want["B"]))
    for m in tb.MALLS:
        for c in codes + ["S"]:
            zt.eq(w.stock_in(m, c), want[c], "%s stock of %s" % (m, c))
    zt.eq(zt.sql1("SELECT COUNT(*) FROM push WHERE state IN ('pending', 'sending') AND "
                  "shop_id IN (%s)" % ",".join(map(str, w.shops.values()))), "0",
          "no push left behind")
    print("  %s: %d orders, %d cancelled, %d kills -9 over %d runs (a cycle: %.2f s)" % (
        mode, len(placed), len(cancelled), kills, KILLS, span))


if __name__ == "__main__":
    zt.run()
