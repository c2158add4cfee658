#!/usr/bin/python3
"""A large 総在庫数 CSV (absolute stocktake, then delta) applied through the screen while
`zaiko-batch cycle --loop` applies orders that keep arriving in three mall simulators for some
of the file's SKUs. Stock is money: afterwards every SKU's moves chain from one total to the
next and add up to its total, every order line moved stock exactly once, the file moved each
of its SKUs exactly once, and the totals are what the order of the moves says: for a
stocktake the file's count less the orders applied after it, for a delta file the old total
plus the file's change less every order. A slow writer holding one listing stretches the
file's transaction to about a second and a half, so orders surely meet it."""
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
import test_batch as tb  # noqa: E402
from test_stock_screen import totals_upload, why  # noqa: E402
from zt import Client, eq, ok, sql, sql1  # noqa: E402

MALLS = ["yahoo", "rakuten", "shopify"]
N = 5000            # SKUs of the file nobody orders
HOT = 24            # SKUs of the file that are also sold meanwhile
HOT_START = 500     # their total before the test
ORDER_GAP = 0.03    # seconds between two orders placed
BEFORE, AFTER = 1.5, 1.5   # seconds of orders before the apply starts and after it ends
HOLD = 1.5          # seconds a slow writer keeps one listing of a sold SKU locked


def status(name):
    rows = sql("SHOW GLOBAL STATUS LIKE '%s'" % name)
    return int(rows[0][1]) if rows else 0


class Scene:
    """This test's shops (tb.World), HOT listed SKUs and N unlisted ones, all in the file."""

    def __init__(self, tag):
        self.w = tb.World(tag, malls=MALLS)
        self.tag = self.w.tag
        # Half the sold SKUs before the unlisted ones and half after: the file's transaction
        # locks SKUs in id order, so some are held for the whole apply and some taken last.
        self.hot = []
        for i in range(HOT):
            if i == HOT // 2:
                self.cold_rows()
            c = "H%02d" % i
            self.w.sku(c, HOT_START, malls=MALLS)
            self.hot.append(c)
        self.hot_ids = {c: self.w.skus[c] for c in self.hot}
        self.cold = {r[0]: (int(r[1]), int(r[2])) for r in sql(
            "SELECT code, id, total FROM sku WHERE code LIKE ?", self.tag + "-C%")}
        eq(len(self.cold), N, "unlisted SKUs made")
        self.ids = list(self.hot_ids.values()) + [v[0] for v in self.cold.values()]
        self.id_list = ",".join(map(str, self.ids))
        tb.recompute()
        tb.cycle()
        self.first_move = int(sql1("SELECT COALESCE(MAX(id), 0) + 1 FROM stock_move"))
        self.placed = []            # (mall, order_no, [(code, qty)])
        self.placed_at = []         # when each was placed
        self.stop = threading.Event()
        self.order_error = None

    def cold_rows(self):
        sql("INSERT INTO sku (code, name, total, updated_at) SELECT "
            "CONCAT(?, '-C', LPAD(seq, 5, '0')), CONCAT('在庫', seq), MOD(seq, 50), "
            "UTC_TIMESTAMP() FROM seq_1_to_%d" % N, self.tag)
        sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at) "
            "SELECT id, total, total, 'initial', 'test', UTC_TIMESTAMP(3) FROM sku "
            "WHERE code LIKE ? AND total <> 0", self.tag + "-C%")

    def place_orders(self):
        rnd = random.Random(self.tag)
        prefix = str(int(time.time() * 1000) % 10 ** 7)   # shopify numbers orders by digits
        i = 0
        try:
            while not self.stop.is_set():
                mall = MALLS[i % len(MALLS)]
                codes = rnd.sample(self.hot, rnd.randint(1, 3))
                lines = [(c, rnd.randint(1, 3)) for c in codes]
                no = self.w.order(mall, lines, order_no="C%s%05d" % (prefix, i))
                self.placed.append((mall, no, lines))
                self.placed_at.append(time.time())
                i += 1
                time.sleep(ORDER_GAP)
        except Exception as e:  # noqa: BLE001 - reported by the test thread
            self.order_error = e

    def hold_listing(self):
        """A slow writer (as a push step or a screen edit on a slow disk would be) keeps one
        listing of a sold SKU locked for HOLD seconds. The file's transaction reaches it when
        re-queueing, after it has locked every SKU of the file, so orders for all the sold SKUs
        wait on the file meanwhile: without it a 5,000-row apply ends in a few tenths of a
        second and may meet no order at all."""
        lid = int(sql1("SELECT id FROM listing WHERE sku_id = ? ORDER BY id LIMIT 1",
                       self.hot_ids[self.hot[HOT // 2]]))
        p = subprocess.Popen([os.path.join(zt.ROOT, "tests/stack/stack.sh"), "sql", zt.STACK,
                              "-N", "-B", "-e", "BEGIN; SELECT id FROM listing WHERE id = %d "
                              "FOR UPDATE; SELECT SLEEP(%s); COMMIT" % (lid, HOLD)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline and sql1(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE INFO LIKE 'SELECT SLEEP(%s)%%'" % HOLD) == "0":
            time.sleep(0.02)
        return p

    def lines_applied(self):
        return int(sql1("SELECT COUNT(*) FROM mall_order_line l JOIN mall_order o "
                        "ON o.id = l.order_id WHERE o.shop_id IN (%s) AND l.state = 'applied'"
                        % ",".join(map(str, self.w.shops.values()))))

    def run(self, mode, rows, name):
        """Orders flow, the file is applied in the middle of them; returns what the apply said
        and the counters of lock trouble it met."""
        c = Client()
        c.login()
        r = totals_upload(c, ("SKUコード,総在庫数\n" + "\n".join(rows) + "\n").encode("utf-8"),
                          mode=mode, name=name)
        eq(r.status, 303, "preview: " + why(r))
        job = int(r.header("Location").split("=")[1])
        log = open(os.path.join(zt.STACK, "conc-loop-%s.log" % self.tag), "wb")
        loop = subprocess.Popen([zt.BATCH, "cycle", "--loop", "--interval", "0.05"],
                                stdout=subprocess.DEVNULL, stderr=log)
        orders = threading.Thread(target=self.place_orders)
        dl0, lw0 = status("Innodb_deadlocks"), status("Innodb_row_lock_waits")
        try:
            orders.start()
            time.sleep(BEFORE)
            holder = self.hold_listing()
            t0 = time.time()
            ar = c.post("/stock/csv/apply", {"job": job})
            took = time.time() - t0
            _, err = holder.communicate(timeout=60)
            eq(holder.returncode, 0, "the slow writer: %s" % err.decode()[-300:])
            during = [o for o in self.placed_at if t0 <= o < t0 + took]
            time.sleep(AFTER)
            self.stop.set()
            orders.join(30)
            if self.order_error:
                raise AssertionError("placing orders: %s" % self.order_error)
            want = sum(len(l) for _, _, l in self.placed)
            deadline = time.time() + 30
            while time.time() < deadline and self.lines_applied() < want:
                time.sleep(0.2)
        finally:
            self.stop.set()
            loop.send_signal(15)
            loop.communicate(timeout=60)
            log.close()
        eq(loop.returncode, 0, "the loop's exit status")
        tb.cycle()
        out = {"status": ar.status, "why": why(ar), "job": job, "took": took,
               "state": sql1("SELECT state FROM job WHERE id = ?", job),
               "message": sql1("SELECT error FROM job WHERE id = ?", job),
               "deadlocks": status("Innodb_deadlocks") - dl0,
               "lock_waits": status("Innodb_row_lock_waits") - lw0}
        print("  %s: apply %.2f s (HTTP %d, job %s), %d orders / %d lines (%d placed during "
              "the apply), %d deadlocks, %d row lock waits" % (
                  mode, took, ar.status, out["state"], len(self.placed),
                  sum(len(l) for _, _, l in self.placed), len(during), out["deadlocks"],
                  out["lock_waits"]), flush=True)
        ok(len(during) >= 5, "orders kept coming during the apply (%d)" % len(during))
        return out

    # ---- what must hold afterwards ----

    def check_applied(self, res, name):
        """The apply committed; had it failed, it must have said so and changed nothing."""
        moves = int(sql1("SELECT COUNT(*) FROM stock_move WHERE reason = 'csv' AND ref = ? "
                         "AND id >= ?", name, self.first_move))
        if res["status"] != 303 or res["state"] != "done":
            eq(res["state"], "failed", "a failed apply is marked failed")
            eq(moves, 0, "a failed apply leaves no move")
            bad = sql1("SELECT COUNT(*) FROM sku WHERE code LIKE ? AND total <> MOD(CAST("
                       "SUBSTRING(code, %d) AS UNSIGNED), 50)" % (len(self.tag) + 3),
                       self.tag + "-C%")
            eq(bad, "0", "a failed apply leaves the unordered SKUs as they were")
            raise AssertionError("the file was refused under concurrent orders (HTTP %d %s, "
                                 "job %s: %s)" % (res["status"], res["why"], res["state"],
                                                  res["message"]))
        eq(moves, N + HOT, "one file move per SKU of the file")

    def check_chains(self):
        """Every involved SKU: each move's total_after is the previous one plus its delta,
        the first starts from 0, the last is the SKU's total, and the deltas sum to it."""
        broken = sql("SELECT sku_id, id, delta, total_after, prev FROM (SELECT sku_id, id, "
                     "delta, total_after, COALESCE(LAG(total_after) OVER (PARTITION BY sku_id "
                     "ORDER BY id), 0) AS prev FROM stock_move WHERE sku_id IN (%s)) m "
                     "WHERE total_after <> prev + delta LIMIT 5" % self.id_list)
        eq(broken, [], "moves chain from total to total")
        off = sql("SELECT s.id, s.code, s.total, COALESCE(SUM(m.delta), 0) FROM sku s "
                  "LEFT JOIN stock_move m ON m.sku_id = s.id WHERE s.id IN (%s) "
                  "GROUP BY s.id HAVING s.total <> COALESCE(SUM(m.delta), 0) LIMIT 5"
                  % self.id_list)
        eq(off, [], "total = SUM(stock_move.delta)")

    def check_orders(self):
        """Each placed line is one applied mall_order_line with applied = quantity, and one
        'order' move of -quantity on its SKU; no other order moves on these SKUs."""
        shop = self.w.shops
        got = {}
        for r in sql("SELECT o.shop_id, o.order_no, l.sku_id, l.quantity, l.applied, l.state "
                     "FROM mall_order_line l JOIN mall_order o ON o.id = l.order_id "
                     "WHERE o.shop_id IN (%s)" % ",".join(map(str, shop.values()))):
            key = (int(r[0]), r[1], int(r[2]) if r[2] != "NULL" else None)
            ok(key not in got, "one line per order and SKU: %r" % (key,))
            got[key] = (int(r[3]), int(r[4]), r[5])
        moves = {}
        for r in sql("SELECT ref, sku_id, delta, COUNT(*) FROM stock_move WHERE id >= ? AND "
                     "reason = 'order' AND sku_id IN (%s) GROUP BY ref, sku_id, delta"
                     % self.id_list, self.first_move):
            moves[(r[0], int(r[1]))] = moves.get((r[0], int(r[1])), []) + [(int(r[2]),
                                                                             int(r[3]))]
        want_lines = 0
        for mall, no, lines in self.placed:
            for c, q in lines:
                want_lines += 1
                sid = self.hot_ids[c]
                eq(got.get((shop[mall], no, sid)), (q, q, "applied"),
                   "line %s/%s/%s (quantity, applied, state)" % (mall, no, c))
                eq(moves.get((no, sid)), [(-q, 1)], "the move of %s/%s/%s" % (mall, no, c))
        eq(len(got), want_lines, "no line nobody ordered")
        eq(sum(n for v in moves.values() for _, n in v), want_lines, "no other order move")

    def hot_moves(self, sid):
        return [(int(r[0]), int(r[1]), r[2], r[3]) for r in sql(
            "SELECT id, delta, reason, ref FROM stock_move WHERE sku_id = ? AND id >= ? "
            "ORDER BY id", sid, self.first_move)]

    def ordered(self, c):
        return sum(q for _, _, lines in self.placed for cc, q in lines if cc == c)

    def check_malls(self):
        for c in self.hot:
            self.w.expect_everywhere(c, self.w.total(c))


def test_stocktake_while_orders_are_applied():
    s = Scene("cca")
    name = "棚卸-%s.csv" % s.tag
    value = {}
    for i, c in enumerate(s.hot):
        value[c] = 5000 + i              # far above anything orders leave: every row changes
    rows = ["%s,%d" % (s.w.code(c), value[c]) for c in s.hot[:HOT // 2]]
    for code in sorted(s.cold):
        n = int(code[len(s.tag) + 2:])
        value[code] = 1000 + n
        rows.append("%s,%d" % (code, 1000 + n))
    rows += ["%s,%d" % (s.w.code(c), value[c]) for c in s.hot[HOT // 2:]]
    res = s.run("absolute", rows, name)
    s.check_applied(res, name)
    s.check_chains()
    s.check_orders()
    cold = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in sql(
        "SELECT s.code, s.total, m.delta, m.total_after FROM sku s JOIN stock_move m "
        "ON m.sku_id = s.id AND m.reason = 'csv' AND m.ref = ? WHERE s.code LIKE ?",
        name, s.tag + "-C%")}
    eq(len(cold), N, "every unordered SKU has its file move")
    for code, (sid, before) in s.cold.items():
        eq(cold[code], (value[code], value[code] - before, value[code]),
           "total, delta and total_after of " + code)
    before_file = after_file = 0
    for c in s.hot:
        mv = s.hot_moves(s.hot_ids[c])
        at = [i for i, m in enumerate(mv) if m[2] == "csv"]
        eq(len(at), 1, "one file move on " + c)
        later = mv[at[0] + 1:]
        ok(all(m[2] == "order" for m in mv if m[2] != "csv"), "only orders and the file")
        eq(s.w.total(c), value[c] + sum(m[1] for m in later),
           "%s: the file's count less the orders after it" % c)
        eq(-sum(m[1] for m in mv if m[2] == "order"), s.ordered(c), "every order of " + c)
        before_file += at[0]
        after_file += len(later)
    # The scene really mixed them: orders landed on both sides of the file's moves.
    ok(before_file > 0 and after_file > 0,
       "orders before (%d) and after (%d) the file" % (before_file, after_file))
    s.check_malls()


def test_delta_file_while_orders_are_applied():
    s = Scene("ccd")
    name = "増減-%s.csv" % s.tag
    d = {c: (-7 if i % 3 == 0 else 30 + i) for i, c in enumerate(s.hot)}
    rows = ["%s,%+d" % (s.w.code(c), d[c]) for c in s.hot[:HOT // 2]]
    for code in sorted(s.cold):
        n = int(code[len(s.tag) + 2:])
        d[code] = -(n % 9) if n % 3 == 0 and n % 9 else (n % 5) + 1
        rows.append("%s,%+d" % (code, d[code]))
    rows += ["%s,%+d" % (s.w.code(c), d[c]) for c in s.hot[HOT // 2:]]
    res = s.run("delta", rows, name)
    s.check_applied(res, name)
    s.check_chains()
    s.check_orders()
    cold = {r[0]: (int(r[1]), int(r[2])) for r in sql(
        "SELECT s.code, s.total, m.delta FROM sku s JOIN stock_move m ON m.sku_id = s.id "
        "AND m.reason = 'csv' AND m.ref = ? WHERE s.code LIKE ?", name, s.tag + "-C%")}
    eq(len(cold), N, "every unordered SKU has its file move")
    for code, (sid, before) in s.cold.items():
        eq(cold[code], (before + d[code], d[code]), "total and delta of " + code)
    for c in s.hot:
        mv = s.hot_moves(s.hot_ids[c])
        eq([m[1] for m in mv if m[2] == "csv"], [d[c]], "the file's move on " + c)
        eq(s.w.total(c), HOT_START + d[c] - s.ordered(c),
           "%s: old total + file - every order" % c)
    s.check_malls()


if __name__ == "__main__":
    zt.run()
