#!/usr/bin/python3
"""zaiko-batch against the real database and the four mall simulators, run as cron runs it:
orders → totals → every other shop's stock, cancellations, sets, floors and caps, a shop
whose token expires (stops, mails once, catches up), the cursor edge, two concurrent cycles,
初期受注取得, check-stock, alerts and mail."""
import email
import email.header
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
sys.path.insert(0, os.path.join(zt.ROOT, "tests", "sim"))
import simbase  # noqa: E402

MALLS = ["yahoo", "rakuten", "amazon", "shopify"]
SIMS = {}
SINK = {}
RUN = "b%d" % (int(time.time() * 1000) % 100000000)   # names of this run's shops and SKUs


def start_sims():
    if SIMS:
        return SIMS
    subprocess.run([os.path.join(zt.ROOT, "tests/stack/sims.sh"), "start", zt.STACK],
                   check=True)
    for m in MALLS:
        p = os.path.join(zt.STACK, "sims", m + ".port")
        if os.path.exists(p):
            SIMS[m] = "http://127.0.0.1:%s" % open(p).read().strip()
    return SIMS


def start_sink():
    """The SMTP sink of tests/smtp_sink.py, one per test run; stopped by atexit."""
    if SINK:
        return SINK
    d = os.path.join(zt.STACK, "mail-%s" % RUN)
    os.makedirs(d, exist_ok=True)
    def die_with_parent():
        import ctypes
        ctypes.CDLL("libc.so.6").prctl(1, 15)   # PR_SET_PDEATHSIG, SIGTERM

    p, port = zt.smtp_sink(d, "--fail-rcpt", "refuse", preexec_fn=die_with_parent)
    import atexit
    atexit.register(p.terminate)
    SINK.update(dir=d, port=port, proc=p)
    return SINK


def mails():
    """The messages the sink received: list of (to, subject, body)."""
    out = []
    for f in sorted(glob.glob(os.path.join(SINK["dir"], "*.eml"))):
        m = email.message_from_bytes(open(f, "rb").read())
        subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
        body = m.get_payload(decode=True).decode("utf-8")
        out.append((m["X-Envelope-To"], subj, body))
    return out


def ctl(mall, what, body=None, method=None):
    url = SIMS[mall] + "/_control/" + what
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def sim_stock(mall):
    return {(i["code"], i["sub"]): i["stock"] for i in ctl(mall, "stock")["items"]}


def setting(name, value):
    zt.sql("REPLACE INTO setting (name, value) VALUES (?, ?)", name, str(value))


# Options that take the pacing out of a shop: the tests wait for nothing but the simulators.
UNPACED = {"yahoo": {"pace_ms": 0, "order_pace_ms": 0},
           "rakuten": {"pace_ms": 0, "read_pace_ms": 0, "order_pace_ms": 0},
           "amazon": {"rate_limit": 0}, "shopify": {"rate_limit": 0}}


def shop_credentials(mall):
    creds, opts = simbase.demo_credentials(
        mall, SIMS[mall], ctl("yahoo", "public_key") if mall == "yahoo" else None)
    opts.update(UNPACED.get(mall, {}))
    return creds, opts


TOUCHED_SETTINGS = ["smtp_url", "mail_from", "error_mail_to", "error_mail_to_en",
                    "error_mail_enabled", "alert_mode",
                    "alert_threshold", "stopped_retry_seconds", "order_overlap_seconds",
                    "expiry_warn_days", "alert_move_id"]
_saved = {}


def _restore():
    """Gives the stack back as it was found: other test files' shops enabled again, settings
    restored, this run's shops disabled."""
    if not _saved:
        return
    zt.sql("UPDATE shop SET enabled = 0 WHERE name LIKE ?", RUN + "%")
    if _saved["enabled"]:
        zt.sql("UPDATE shop SET enabled = 1 WHERE id IN (%s)" % ",".join(_saved["enabled"]))
    zt.sql("DELETE FROM setting WHERE name IN (%s)" % ",".join("'%s'" % k
                                                              for k in TOUCHED_SETTINGS))
    for name, value in _saved["settings"]:
        setting(name, value)


def _save_once():
    if _saved:
        return
    import atexit
    _saved["enabled"] = [r[0] for r in zt.sql("SELECT id FROM shop WHERE enabled = 1")]
    _saved["settings"] = [tuple(r) for r in zt.sql(
        "SELECT name, value FROM setting WHERE name IN (%s)" % ",".join(
            "'%s'" % k for k in TOUCHED_SETTINGS))]
    atexit.register(_restore)


class World:
    """Shops of this test on the four simulators, SKUs listed in them."""

    def __init__(self, tag, malls=MALLS):
        start_sims()
        sink = start_sink()
        self.tag = "%s%s" % (RUN, tag)
        # Only this test's shops take part (the others are enabled again at exit).
        _save_once()
        zt.sql("UPDATE shop SET enabled = 0")
        for k, v in {"smtp_url": "smtp://127.0.0.1:%d" % sink["port"],
                     "mail_from": "zaiko@example.jp", "error_mail_to": "admin@example.jp",
                     "error_mail_to_en": "", "error_mail_enabled": "1", "alert_mode": "off", "alert_threshold": "0",
                     "stopped_retry_seconds": "0", "order_overlap_seconds": "600"}.items():
            setting(k, v)
        self.shops = {}
        for m in malls:
            ctl(m, "reset", {})
            ctl(m, "limits", {"enabled": False})
            creds, opts = shop_credentials(m)
            name = "%s-%s" % (self.tag, m)
            r = zt.batch("shop-add", name, m, "--base-url", SIMS[m], "--credentials-stdin",
                         "--options", json.dumps(opts), input=json.dumps(creds))
            self.shops[m] = int(r.stdout.decode().strip())
            zt.batch("initial-fetch", name)
        self.skus = {}

    def code(self, c):
        return "%s-%s" % (self.tag, c)

    def item(self, mall, c):
        """The (code, sub) a simulator knows the SKU's listing by."""
        if mall == "rakuten":
            return (self.code(c).lower(), "v1")   # RMS keeps 商品管理番号 in lower case
        if mall == "yahoo":
            return (self.code(c), "v1")
        return (self.code(c), "")

    def sku(self, c, total, malls=None, mall_stock=None, set_parts=None):
        code = self.code(c)
        zt.sql("INSERT INTO sku (code, name, total, is_set, updated_at) "
               "VALUES (?, ?, ?, ?, UTC_TIMESTAMP())", code, "商品" + c, total,
               1 if set_parts else 0)
        sid = int(zt.sql1("SELECT id FROM sku WHERE code = ?", code))
        self.skus[c] = sid
        if set_parts:
            for part, q in set_parts.items():
                zt.sql("INSERT INTO set_part VALUES (?, ?, ?)", sid, self.skus[part], q)
        elif total:
            zt.sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
                   "VALUES (?, ?, ?, 'initial', UTC_TIMESTAMP(3))", sid, total, total)
        for m in (malls or MALLS):
            ic, sub = self.item(m, c)
            start = mall_stock if mall_stock is not None else 99
            if m == "rakuten":
                ctl(m, "items", {"items": [{"code": ic, "sub": sub, "stock": start, "sku": code}]})
            else:
                ctl(m, "items", {"items": [{"code": ic, "sub": sub, "stock": start}]})
            zt.sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, sku_id) "
                   "VALUES (?, ?, ?, ?, ?, ?)", self.shops[m], ic, sub, code, "商品" + c, sid)
        return sid

    def order(self, mall, lines, order_no=None):
        body = {"lines": [{"code": self.item(mall, c)[0], "sub": self.item(mall, c)[1],
                           "qty": q} for c, q in lines]}
        if order_no:
            body["order_no"] = order_no
        return ctl(mall, "order", body)["order_no"]

    def total(self, c):
        return int(zt.sql1("SELECT total FROM sku WHERE id = ?", self.skus[c]))

    def stock_in(self, mall, c):
        return sim_stock(mall).get(self.item(mall, c))

    def expect_everywhere(self, c, want, malls=None):
        for m in (malls or self.shops):
            zt.eq(self.stock_in(m, c), want, "%s stock of %s" % (m, c))


def recompute():
    zt.batch("recompute")


def cycle(check=True):
    return zt.batch("cycle", check=check)


# zt.batch has no stdin; a thin wrapper adds it.
_orig_batch = zt.batch


def _batch(*args, env=None, check=True, timeout=300, input=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([zt.BATCH] + list(args), capture_output=True, env=e, timeout=timeout,
                       input=input.encode() if isinstance(input, str) else input)
    if check and r.returncode != 0:
        raise AssertionError("zaiko-batch %s exited %d: %s" % (
            " ".join(args), r.returncode, r.stderr.decode("utf-8", "replace")[-2000:]))
    return r


zt.batch = _batch


def moves_of_order(w, order_no):
    """Stock moves of an order number on this test's SKUs (numbers repeat across tests)."""
    return int(zt.sql1("SELECT COUNT(*) FROM stock_move WHERE ref = ? AND sku_id IN (%s)" %
                       ",".join(map(str, w.skus.values())), order_no))


# ---------------------------------------------------------------------------------------------

def test_orders_in_two_malls_reach_every_shop():
    w = World("two")
    w.sku("A", 10)
    w.sku("B", 5)
    recompute()
    cycle()
    w.expect_everywhere("A", 10)
    w.expect_everywhere("B", 5)
    o1 = w.order("yahoo", [("A", 2)], order_no="Y%s" % w.tag)
    o2 = w.order("rakuten", [("B", 1), ("A", 1)], order_no="R%s" % w.tag)
    cycle()
    zt.eq(w.total("A"), 7, "total A")
    zt.eq(w.total("B"), 4, "total B")
    w.expect_everywhere("A", 7)
    w.expect_everywhere("B", 4)
    zt.eq(moves_of_order(w, o1), 1, "moves of the yahoo order")
    zt.eq(moves_of_order(w, o2), 2, "moves of the rakuten order")
    # A second cycle re-reads the overlap window and changes nothing.
    cycle()
    zt.eq(w.total("A"), 7, "total A after a second cycle")
    zt.eq(moves_of_order(w, o1), 1, "moves of the yahoo order after a second cycle")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM push WHERE state IN ('pending','sending') "
                  "AND shop_id IN (%s)" % ",".join(map(str, w.shops.values()))), "0",
          "nothing left to push")


def test_amazon_and_shopify_orders():
    w = World("as")
    w.sku("A", 20)
    recompute()
    cycle()
    w.order("amazon", [("A", 3)])
    w.order("shopify", [("A", 4)])
    cycle()
    zt.eq(w.total("A"), 13, "total A")
    w.expect_everywhere("A", 13)


def test_cancellation_returns_stock():
    w = World("cx")
    w.sku("A", 10)
    recompute()
    cycle()
    o = w.order("yahoo", [("A", 3)])
    cycle()
    zt.eq(w.total("A"), 7, "after the order")
    ctl("yahoo", "cancel", {"order_no": o})
    cycle()
    zt.eq(w.total("A"), 10, "after the cancellation")
    w.expect_everywhere("A", 10)
    cycle()
    zt.eq(w.total("A"), 10, "a cancellation returns stock once")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM stock_move WHERE ref = ? AND reason = 'cancel' "
                  "AND sku_id = ?", o, w.skus["A"]), "1", "one cancel move")


def test_set_sale_lowers_parts_and_pushes_every_listing():
    w = World("set")
    w.sku("P", 10)
    w.sku("Q", 7)
    w.sku("S", 0, set_parts={"P": 2, "Q": 1})
    recompute()
    cycle()
    w.expect_everywhere("S", 5)      # min(10/2, 7/1)
    w.order("shopify", [("S", 2)])
    cycle()
    zt.eq(w.total("P"), 6, "part P")
    zt.eq(w.total("Q"), 5, "part Q")
    w.expect_everywhere("P", 6)
    w.expect_everywhere("Q", 5)
    w.expect_everywhere("S", 3)      # min(6/2, 5/1)
    # Selling a part lowers the set's stock everywhere too.
    w.order("yahoo", [("Q", 4)])
    cycle()
    w.expect_everywhere("S", 1)


def test_floor_and_cap():
    w = World("fc")
    w.sku("A", 20)
    zt.sql("UPDATE listing SET max_stock = 5 WHERE shop_id = ?", w.shops["yahoo"])
    zt.sql("UPDATE listing SET min_stock = 3 WHERE shop_id = ?", w.shops["amazon"])
    recompute()
    cycle()
    zt.eq(w.stock_in("yahoo", "A"), 5, "cap on yahoo")
    zt.eq(w.stock_in("amazon", "A"), 20, "amazon above its floor")
    zt.eq(w.stock_in("rakuten", "A"), 20, "rakuten without limits")
    w.order("rakuten", [("A", 17)])
    cycle()
    zt.eq(w.total("A"), 3, "total")
    zt.eq(w.stock_in("yahoo", "A"), 3, "yahoo under its cap")
    zt.eq(w.stock_in("amazon", "A"), 0, "amazon at its floor gets 0")
    zt.eq(w.stock_in("shopify", "A"), 3, "shopify")


def test_orders_before_initial_fetch_never_move_stock():
    start_sims()
    w = World("init", malls=["yahoo"])
    w.sku("A", 10, malls=["yahoo"])
    zt.sql("UPDATE shop SET order_cursor = NULL, fetch_cursor = NULL, initial_fetch_at = NULL "
           "WHERE id = ?", w.shops["yahoo"])
    old = w.order("yahoo", [("A", 4)])
    recompute()
    cycle()
    zt.eq(w.total("A"), 10, "no order counts before 初期受注取得")
    time.sleep(1.1)
    zt.batch("initial-fetch", "%s-yahoo" % w.tag)
    time.sleep(1.1)
    new = w.order("yahoo", [("A", 1)])
    cycle()
    zt.eq(w.total("A"), 9, "only the order after 初期受注取得")
    zt.eq(moves_of_order(w, old), 0, "the old order moved nothing")
    zt.eq(moves_of_order(w, new), 1, "the new order moved once")


def test_order_at_the_cursor_edge_counted_once():
    w = World("edge", malls=["yahoo", "shopify"])
    w.sku("A", 10, malls=["yahoo", "shopify"])
    recompute()
    cycle()
    setting("order_overlap_seconds", 0)
    o = w.order("yahoo", [("A", 1)])
    cycle()
    zt.eq(w.total("A"), 9, "applied")
    # Put the cursor exactly on the order's time: the next window starts at it.
    at = zt.sql1("SELECT o.ordered_at FROM mall_order o WHERE o.order_no = ? AND shop_id = ?",
                 o, w.shops["yahoo"])
    zt.sql("UPDATE shop SET fetch_cursor = ? WHERE id = ?", at, w.shops["yahoo"])
    cycle()
    cycle()
    zt.eq(w.total("A"), 9, "still applied once")
    zt.eq(moves_of_order(w, o), 1, "one move")
    zt.eq(zt.sql1("SELECT applied FROM mall_order_line l JOIN mall_order o ON o.id = l.order_id "
                  "WHERE o.order_no = ? AND o.shop_id = ?", o, w.shops["yahoo"]), "1", "applied")


def test_token_expiry_stops_shop_mails_once_and_catches_up():
    w = World("auth")
    w.sku("A", 10)
    recompute()
    cycle()
    before = len(mails())
    setting("stopped_retry_seconds", 3600)
    ctl("amazon", "amazon", {"refresh_ok": False, "expire_tokens": True})
    w.order("yahoo", [("A", 2)])
    r = cycle(check=False)
    zt.eq(r.returncode, 1, "a stopped shop makes the cycle exit 1")
    zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops["amazon"]), "stopped", "state")
    zt.ok(zt.sql1("SELECT COUNT(*) FROM error_log WHERE level = 9 AND shop_id = ?",
                  w.shops["amazon"]) == "1", "one level 9 error row")
    w.expect_everywhere("A", 8, malls=["yahoo", "rakuten", "shopify"])
    zt.eq(w.stock_in("amazon", "A"), 10, "the stopped shop was not pushed")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'",
                  w.shops["amazon"]), "1", "its push stays queued")
    w.order("shopify", [("A", 1)])
    cycle(check=False)
    cycle(check=False)
    got = [m for m in mails()[before:] if "停止" in m[1]]
    zt.eq(len(got), 1, "one error mail however many cycles")
    zt.ok("admin@example.jp" in got[0][0], "mailed to error_mail_to")
    zt.ok("Atzr" not in got[0][2] and "secret" not in got[0][2], "no secret in the mail")
    # The credentials work again: the next probe resumes the shop and it catches up.
    ctl("amazon", "amazon", {"refresh_ok": True})
    setting("stopped_retry_seconds", 0)
    cycle()
    zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops["amazon"]), "ok", "resumed")
    w.expect_everywhere("A", 7)
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE level = 9 AND shop_id = ?",
                  w.shops["amazon"]), "0", "the stop's row goes when the shop resumes")


def test_admin_fixes_credentials_with_shop_credentials():
    w = World("fix", malls=["rakuten", "yahoo"])
    w.sku("A", 6, malls=["rakuten", "yahoo"])
    recompute()
    creds, _ = shop_credentials("rakuten")
    bad = dict(creds, license_key="SL_wrong")
    zt.batch("shop-credentials", "%s-rakuten" % w.tag, input=json.dumps(bad))
    setting("stopped_retry_seconds", 3600)
    cycle(check=False)
    zt.eq(zt.sql1("SELECT state FROM shop WHERE id = ?", w.shops["rakuten"]), "stopped", "stopped")
    zt.eq(w.stock_in("yahoo", "A"), 6, "the other shop goes on")
    zt.batch("shop-credentials", "%s-rakuten" % w.tag, input=json.dumps(creds))
    cycle()
    zt.eq(w.stock_in("rakuten", "A"), 6, "caught up after the fix")


def test_two_concurrent_cycles_apply_nothing_twice():
    w = World("conc")
    w.sku("A", 500)
    w.sku("B", 500)
    recompute()
    cycle()
    orders = []
    for i in range(40):
        m = MALLS[i % 4]
        orders.append(w.order(m, [("A", 1 + i % 3), ("B", 1)]))
    want_a = 500 - sum(1 + i % 3 for i in range(40))
    procs = [subprocess.Popen([zt.BATCH, "cycle"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        p.communicate(timeout=300)
    cycle()
    zt.eq(w.total("A"), want_a, "total A")
    zt.eq(w.total("B"), 460, "total B")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM stock_move WHERE sku_id = ? AND reason = 'order'",
                  w.skus["A"]), "40", "one move per line")
    w.expect_everywhere("A", want_a)
    w.expect_everywhere("B", 460)


def test_check_stock_reports_changes_on_the_mall():
    w = World("chk", malls=["yahoo", "shopify"])
    w.sku("A", 10, malls=["yahoo", "shopify"])
    w.sku("B", 4, malls=["yahoo", "shopify"])
    recompute()
    cycle()
    ic, sub = w.item("shopify", "A")
    ctl("shopify", "items", {"items": [{"code": ic, "sub": sub, "stock": 42}]})
    # A sale the mall counted itself is no change by hand: check-stock fetches orders first.
    w.order("yahoo", [("B", 1)])
    zt.batch("check-stock", check=False)
    zt.eq(w.total("B"), 3, "the sale was fetched")
    lid = zt.sql1("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?",
                  w.shops["shopify"], ic)
    zt.eq(zt.sql1("SELECT mall_stock FROM listing WHERE id = ?", lid), "42", "mall_stock read")
    msg = zt.sql1("SELECT message FROM error_log WHERE kind = 'mall_changed' AND listing_id = ?",
                  lid)
    zt.ok(msg and "モール側で在庫数が変更されています" in msg, "error row: %r" % msg)
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE kind = 'mall_changed' AND shop_id IN (?, ?)",
                  w.shops["yahoo"], w.shops["shopify"]), "1", "only the changed listing")
    zt.eq(zt.sql1("SELECT drift FROM sku WHERE id = ?", w.skus["A"]), "1", "drift flagged")


def test_low_stock_alert_once_per_crossing():
    w = World("alert", malls=["yahoo"])
    w.sku("A", 6, malls=["yahoo"])
    w.sku("B", 50, malls=["yahoo"])
    recompute()
    cycle()
    setting("alert_mode", "all")
    setting("alert_threshold", 3)
    before = len(mails())
    w.order("yahoo", [("A", 2), ("B", 1)])   # 6 → 4: above
    cycle()
    zt.eq(len([m for m in mails()[before:] if "在庫数通知" in m[1]]), 0, "no alert above")
    o = w.order("yahoo", [("A", 1)])          # 4 → 3: crossing
    cycle()
    w.order("yahoo", [("A", 1)])              # 3 → 2: still below, no new mail
    cycle()
    alerts = [m for m in mails()[before:] if "在庫数通知" in m[1]]
    zt.eq(len(alerts), 1, "one alert per crossing")
    zt.ok(w.code("A") in alerts[0][2] and w.code("B") not in alerts[0][2], "names the SKU")
    ctl("yahoo", "cancel", {"order_no": o})   # 2 → 3: still at the threshold
    w.order("yahoo", [("B", 1)])
    cycle()
    zt.eq(len([m for m in mails()[before:] if "在庫数通知" in m[1]]), 1, "none at the threshold")
    # Back above it by a manual edit (as the screen makes it: total and move together).
    zt.sql("UPDATE sku SET total = total + 5 WHERE id = ?", w.skus["A"])
    zt.sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
           "SELECT id, 5, total, 'manual', UTC_TIMESTAMP(3) FROM sku WHERE id = ?", w.skus["A"])
    cycle()
    zt.eq(zt.sql1("SELECT alert_below FROM sku WHERE id = ?", w.skus["A"]), "0", "reset above")
    w.order("yahoo", [("A", 6)])
    cycle()
    alerts = [m for m in mails()[before:] if "在庫数通知" in m[1]]
    zt.eq(len(alerts), 2, "a new crossing mails again")


def test_mail_test_and_refused_recipient():
    start_sims()
    sink = start_sink()
    _save_once()
    setting("smtp_url", "smtp://127.0.0.1:%d" % sink["port"])
    setting("mail_from", "zaiko@example.jp")
    before = len(mails())
    r = zt.batch("mail-test", "shop-owner@example.jp")
    zt.ok(b"sent" in r.stdout, r.stdout)
    got = mails()[before:]
    zt.eq(len(got), 1, "one mail")
    zt.ok("shop-owner@example.jp" in got[0][0], "envelope recipient")
    zt.eq(got[0][1], "[zaiko] テストメール", "subject decoded")
    # Without a server a test mail fails at once and says why; other mails wait.
    setting("smtp_url", "")
    zt.sql("INSERT INTO mail_queue (kind, recipients, subject, body, created_at) VALUES "
           "('error', 'wait@example.jp', 's', 'b', UTC_TIMESTAMP())")
    r = zt.batch("mail-test", "nobody@example.jp", check=False)
    zt.eq(r.returncode, 1, "no server: the test mail fails")
    zt.ok("SMTP" in r.stdout.decode(), r.stdout.decode())
    zt.eq(zt.sql("SELECT state, attempts FROM mail_queue WHERE recipients = 'wait@example.jp' "
                 "ORDER BY id DESC LIMIT 1")[0], ["queued", "0"], "the other mail waits untouched")
    setting("smtp_url", "smtp://127.0.0.1:%d" % sink["port"])
    r = zt.batch("mail-test", "refuse@example.jp", check=False)
    zt.eq(r.returncode, 1, "a refused recipient fails")
    zt.eq(zt.sql1("SELECT state FROM mail_queue WHERE recipients = 'refuse@example.jp' "
                  "ORDER BY id DESC LIMIT 1"), "failed", "recorded as failed")


JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def test_mail_test_in_the_recipients_language():
    # zaiko-batch mail-test writes in the address's language: English to an address on
    # 共通設定's English list (英語で送る通知先), Japanese to any other.
    start_sims()
    sink = start_sink()
    _save_once()
    setting("smtp_url", "smtp://127.0.0.1:%d" % sink["port"])
    setting("mail_from", "zaiko@example.jp")
    setting("error_mail_to_en", "other@example.jp, Owner-EN@example.jp")
    before = len(mails())
    zt.ok(b"sent" in zt.batch("mail-test", "owner-en@example.jp").stdout, "sent in English")
    zt.ok(b"sent" in zt.batch("mail-test", "owner-ja@example.jp").stdout, "sent in Japanese")
    got = mails()[before:]
    zt.eq(len(got), 2, "two mails")
    to, subject, body = got[0]
    zt.ok("owner-en@example.jp" in to, to)
    zt.eq(subject, "[zaiko] Test mail", "English subject")
    zt.ok("error notices and stock alerts will reach you too" in body, body)
    zt.ok(not JAPANESE.search(subject + body), "no Japanese: %r" % body)
    to, subject, body = got[1]
    zt.ok("owner-ja@example.jp" in to, to)
    zt.eq(subject, "[zaiko] テストメール", "Japanese subject")
    zt.ok("エラー通知と在庫数通知も届きます" in body, body)
    setting("error_mail_to_en", "")


def test_error_mails_in_each_recipients_language():
    # An エラー通知 (here the credentials' expiry warning) goes to each list in its language:
    # error_mail_to in Japanese, error_mail_to_en in English, once each.
    w = World("mlang", malls=["rakuten"])
    w.sku("A", 5, malls=["rakuten"])
    recompute()
    setting("expiry_warn_days", 14)
    setting("error_mail_to_en", "en-admin@example.jp")
    from datetime import datetime, timedelta, timezone
    jst = datetime.now(timezone(timedelta(hours=9))) + timedelta(days=5)
    ctl("rakuten", "license", {"expiry": jst.strftime("%Y-%m-%dT%H:%M:%S")})
    before = len(mails())
    cycle()
    cycle()
    got = [m for m in mails()[before:] if w.tag in m[1]]
    zt.eq(len(got), 2, "one warning per list: %r" % [(m[0], m[1]) for m in got])
    ja = [m for m in got if "admin@example.jp" in m[0] and "en-admin" not in m[0]]
    en = [m for m in got if "en-admin@example.jp" in m[0]]
    zt.eq((len(ja), len(en)), (1, 1), "one to each list")
    zt.ok("有効期限" in ja[0][1] and "有効期限" in ja[0][2], "Japanese: %r" % (ja[0][1:],))
    zt.ok(en[0][1].startswith("[zaiko] Credentials of shop") and "expire at" in en[0][2],
          "English: %r" % (en[0][1:],))
    zt.ok(not JAPANESE.search(en[0][1] + en[0][2]), "no Japanese in the English mail: %r"
          % (en[0][1:],))
    setting("error_mail_to_en", "")


def test_credentials_are_sealed_at_rest():
    w = World("seal", malls=["amazon"])
    raw = zt.sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", w.shops["amazon"])
    zt.ok(raw and raw.startswith("01"), "version byte")
    zt.ok(b"zaiko-demo-secret".hex().upper() not in raw, "the secret is not in the row")
    key = os.path.join(zt.STACK, "secret.key")
    zt.eq(os.stat(key).st_mode & 0o777, 0o600, "key file mode")
    zt.eq(os.stat(key).st_size, 32, "key size")


def test_connection_test_job():
    w = World("job", malls=["shopify"])
    zt.sql("INSERT INTO job (kind, shop_id, created_at, updated_at) VALUES "
           "('connection_test', ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", w.shops["shopify"])
    cycle()
    row = zt.sql("SELECT state, message FROM job WHERE kind = 'connection_test' AND shop_id = ?",
                 w.shops["shopify"])[0]
    zt.eq(row[0], "done", "job state (%s)" % row[1])
    zt.ok("接続できました" in row[1], row[1])


def test_expiry_warning_mailed_once():
    w = World("exp", malls=["rakuten"])
    w.sku("A", 5, malls=["rakuten"])
    recompute()
    setting("expiry_warn_days", 14)
    # The licenseKey ends in 5 days (JST), inside the warning window.
    from datetime import datetime, timedelta, timezone
    jst = datetime.now(timezone(timedelta(hours=9))) + timedelta(days=5)
    ctl("rakuten", "license", {"expiry": jst.strftime("%Y-%m-%dT%H:%M:%S")})
    before = len(mails())
    cycle()
    cycle()
    got = [m for m in mails()[before:] if "有効期限" in m[1]]
    zt.eq(len(got), 1, "one expiry warning")
    zt.ok(w.tag in got[0][1], "names the shop")
    zt.ok(zt.sql1("SELECT token_expires_at FROM shop WHERE id = ?", w.shops["rakuten"]) != "NULL",
          "the licenseKey expiry is stored")


def test_loop_ends_cleanly_on_sigterm():
    w = World("loop", malls=["yahoo", "shopify"])
    w.sku("A", 10, malls=["yahoo", "shopify"])
    recompute()
    p = subprocess.Popen([zt.BATCH, "cycle", "--loop", "--interval", "0.2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        w.order("yahoo", [("A", 3)])
        deadline = time.time() + 20
        while time.time() < deadline and w.stock_in("shopify", "A") != 7:
            time.sleep(0.1)
        zt.eq(w.stock_in("shopify", "A"), 7, "the loop carried the order over")
    finally:
        p.send_signal(15)
        out, err = p.communicate(timeout=30)
    zt.eq(p.returncode, 0, "exit status after SIGTERM")
    zt.ok(b"stopped by signal" in err, "logged its end")


def test_loop_keeps_shops_open_and_sees_new_credentials():
    w = World("loopc", malls=["rakuten", "shopify"])
    w.sku("A", 10, malls=["rakuten", "shopify"])
    recompute()
    name = "%s-rakuten" % w.tag
    creds, _ = shop_credentials("rakuten")
    p = subprocess.Popen([zt.BATCH, "cycle", "--loop", "--interval", "0.2"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        zt.wait_until(lambda: w.stock_in("rakuten", "A") == 10 and
                      w.stock_in("shopify", "A") == 10, "the first pushes")
        time.sleep(2)   # about ten cycles
        checks = [r for r in ctl("rakuten", "log")["requests"] if "license" in r["path"]]
        zt.eq(len(checks), 1, "the licenseKey is checked once while the loop keeps the shop")
        zt.batch("shop-credentials", name, input=json.dumps(dict(creds, license_key="SL_bad")))
        w.order("shopify", [("A", 2)])
        zt.wait_until(lambda: zt.sql1("SELECT state FROM shop WHERE id = ?",
                                      w.shops["rakuten"]) == "stopped",
                      "the loop to use the new (bad) credentials")
        zt.eq(w.stock_in("rakuten", "A"), 10, "nothing pushed with refused credentials")
        zt.batch("shop-credentials", name, input=json.dumps(creds))
        zt.wait_until(lambda: w.stock_in("rakuten", "A") == 8, "the fixed shop to catch up")
    finally:
        p.send_signal(15)
        _, err = p.communicate(timeout=30)
        if os.environ.get("ZT_VERBOSE"):
            open(os.environ["ZT_VERBOSE"], "wb").write(err)
    zt.eq(p.returncode, 0, "exit status after SIGTERM")


def test_push_failures_retry_and_rate_limits_wait():
    w = World("fail", malls=["amazon", "rakuten"])
    w.sku("A", 12, malls=["amazon", "rakuten"])
    recompute()
    ctl("amazon", "fault", {"kind": "500", "count": 20, "path": "/listings/"})
    ctl("rakuten", "fault", {"kind": "429", "count": 1, "path": "bulk-upsert"})
    r = cycle(check=False)
    zt.eq(r.returncode, 1, "a failed push makes the cycle exit 1")
    zt.eq(w.stock_in("rakuten", "A"), 12, "a 429 with Retry-After 1 s is waited out")
    row = zt.sql("SELECT state, attempts, next_try_at > UTC_TIMESTAMP() FROM push "
                 "WHERE shop_id = ? ORDER BY id DESC LIMIT 1", w.shops["amazon"])[0]
    zt.eq(row[:2], ["pending", "1"], "the failed push is queued again with one attempt")
    zt.eq(row[2], "1", "after a back-off")
    zt.eq(zt.sql1("SELECT level FROM error_log WHERE dedupe = ?", "push:%d" % w.shops["amazon"]),
          "8", "a level 8 error row")
    ctl("amazon", "reset", {})
    ctl("amazon", "limits", {"enabled": False})
    ctl("amazon", "items", {"items": [{"code": w.item("amazon", "A")[0], "stock": 99}]})
    zt.sql("UPDATE push SET next_try_at = UTC_TIMESTAMP() WHERE shop_id = ? AND state = 'pending'",
           w.shops["amazon"])
    cycle()
    zt.eq(w.stock_in("amazon", "A"), 12, "sent on the retry")
    zt.eq(zt.sql1("SELECT COUNT(*) FROM error_log WHERE dedupe = ?", "push:%d" % w.shops["amazon"]),
          "0", "the retry notice is cleared once pushes work")


def test_usage_and_help():
    r = zt.batch("cycle", "--bogus", check=False)
    zt.eq(r.returncode, 2, "usage error")
    r = zt.batch("fetch", "no-such-shop-" + RUN, check=False)
    zt.eq(r.returncode, 2, "unknown shop")
    r = zt.batch("cycle", "--help")
    zt.ok(b"--loop" in r.stdout, "help")


if __name__ == "__main__":
    zt.run()
