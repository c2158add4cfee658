#!/usr/bin/python3
"""The failover path of the README, exercised on one machine.

Two MariaDB servers: the stack's own (the primary, restarted with a binary log, GTIDs and
semi-synchronous replication, AFTER_SYNC) and a replica made from a consistent dump
(mariadb-dump --gtid --master-data) that follows it with MASTER_USE_GTID=slave_pos. The web
(nginx + FastCGI workers) and the batch (`zaiko-batch cycle --loop`) run against the primary,
with demo shops on the mall simulators. Orders are placed in the Yahoo! and 楽天 simulators and
totals are edited through the screen (POST /stock/total) all along; mid-cycle the primary is
killed (SIGKILL), then what a merchant does:

  1. stop the replica's replication once it has applied what it received, and make it
     writable:  STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0;
  2. point [database] at it in zaiko.conf (here: socket = the replica's socket);
  3. restart the FastCGI workers and the batch loop (a cron batch reads the file every run).

The load goes on; at the end the invariants are printed and checked on the new primary:
  - every order placed at a mall is stored exactly once, and moved stock exactly once
    (its 'order' stock moves add up to minus its quantity);
  - every edit the screen acknowledged (200) is there; edits answered otherwise are reported
    as not saved (counted: how many of them nevertheless landed);
  - every SKU's total is the sum of its moves.
Exit 0 when all hold. usage: failover.py [DIR] (default var/failover); KEEP=1 keeps it running.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "var", "failover"))
BATCH = os.path.join(ROOT, BUILD, "zaiko-batch")
STACK = os.path.join(ROOT, "tests", "stack", "stack.sh")
CONF = os.path.join(DIR, "zaiko.conf")
REPL = os.path.join(DIR, "replica")
RSOCK = os.path.join(DIR, "replica.sock")
PSOCK = os.path.join(DIR, "mysql.sock")
LOAD_BEFORE = float(os.environ.get("LOAD_BEFORE", "8"))
LOAD_AFTER = float(os.environ.get("LOAD_AFTER", "8"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def log(msg):
    print("failover: " + msg, flush=True)


def sh(*args, check=True, env=None, inp=None):
    e = dict(os.environ, ZAIKO_CONF=CONF, BUILD=BUILD)
    e.update(env or {})
    r = subprocess.run(list(args), capture_output=True, env=e, input=inp)
    if check and r.returncode != 0:
        raise SystemExit("failover: %s failed: %s" % (" ".join(args[:3]),
                                                     (r.stderr or r.stdout).decode()[-800:]))
    return r.stdout.decode()


def sqls(sock, query, db="zaiko"):
    out = sh("mariadb", "--no-defaults", "--socket=" + sock, "-uroot", "-N", "-B",
             "--default-character-set=utf8mb4", db, "-e", query)
    return [l.split("\t") for l in out.splitlines()]


def sql1(sock, query):
    rows = sqls(sock, query)
    return rows[0][0] if rows else None


ROOT_USER = ["--user=root"] if os.getuid() == 0 else []


def mariadbd(datadir, sock, pidfile, logfile, port, server_id, extra=()):
    args = ["mariadbd", "--no-defaults", "--datadir=" + datadir, "--socket=" + sock,
            "--pid-file=" + pidfile, "--log-error=" + logfile, "--port=%d" % port,
            "--bind-address=127.0.0.1", "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci", "--innodb-buffer-pool-size=128M",
            "--innodb-flush-log-at-trx-commit=1", "--sync-binlog=1", "--max-connections=200",
            "--server-id=%d" % server_id, "--log-bin=binlog", "--binlog-format=ROW",
            "--log-slave-updates", "--gtid-strict-mode=1",
            "--rpl-semi-sync-master-enabled=1", "--rpl-semi-sync-master-timeout=10000",
            "--rpl-semi-sync-master-wait-point=AFTER_SYNC", "--rpl-semi-sync-slave-enabled=1",
            ] + list(extra) + ROOT_USER
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + sock, "-uroot", "ping"],
                          capture_output=True).returncode == 0:
            return p
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit("failover: mariadbd did not start; see " + logfile)


def wait_gone(pid, seconds=20):
    for _ in range(int(seconds * 20)):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def ctl(port, what, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d/_control/%s" % (port, what), data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def slave_status():
    out = sh("mariadb", "--no-defaults", "--socket=" + RSOCK, "-uroot", "-e", "SHOW SLAVE STATUS\\G")
    st = {}
    for line in out.splitlines():
        k, _, v = line.strip().partition(": ")
        st[k] = v
    return st


def wait_replica_caught_up():
    """Replication runs and the replica has applied everything the primary has (GTID)."""
    for _ in range(200):
        st = slave_status()
        if st.get("Slave_SQL_Running") != "Yes" or st.get("Slave_IO_Running") != "Yes":
            raise SystemExit("failover: replication is not running: %s" % st.get("Last_Error"))
        if sql1(PSOCK, "SELECT @@gtid_binlog_pos") == sql1(RSOCK, "SELECT @@gtid_slave_pos"):
            return
        time.sleep(0.1)
    raise SystemExit("failover: the replica did not catch up")


def main():
    subprocess.run([STACK, "stop", DIR], capture_output=True)
    subprocess.run([os.path.join(ROOT, "tests/stack/sims.sh"), "stop", DIR], capture_output=True)
    if os.path.exists(os.path.join(REPL, "mysql.pid")):
        try:
            os.kill(int(open(os.path.join(REPL, "mysql.pid")).read()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    shutil.rmtree(DIR, ignore_errors=True)
    port = free_port()
    t_start = time.time()
    sh(STACK, "start", DIR, str(port), env={"WORKERS": "2"})
    # The primary again, with a binary log, GTIDs and semi-synchronous replication.
    pid = int(open(os.path.join(DIR, "mysql.pid")).read())
    os.kill(pid, signal.SIGTERM)
    wait_gone(pid)
    p1, p2 = free_port(), free_port()
    primary = mariadbd(os.path.join(DIR, "mysql"), PSOCK, os.path.join(DIR, "mysql.pid"),
                       os.path.join(DIR, "mysql.log"), p1, 1)
    sqls(PSOCK, "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-pw'; "
                "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'", db="mysql")
    sh(STACK, "restart-fcgi", DIR, env={"WORKERS": "2"})
    sh("/usr/bin/python3", os.path.join(ROOT, "tests/stack/demo.py"), DIR, "300")
    # Two malls take orders, without the simulators' rate limits or zaiko's pacing, so a cycle
    # takes about a second; the other demo shops rest.
    sqls(PSOCK, "UPDATE shop SET options = '{\"pace_ms\": 0, \"order_pace_ms\": 0, "
                "\"read_pace_ms\": 0}' WHERE mall IN ('yahoo', 'rakuten'); "
                "UPDATE shop SET enabled = 0 WHERE mall NOT IN ('yahoo', 'rakuten')")
    # The replica: a consistent dump with its GTID position, then replication from there.
    os.makedirs(REPL)
    sh("mariadb-install-db", "--no-defaults", "--datadir=" + os.path.join(REPL, "data"),
       "--auth-root-authentication-method=normal", "--skip-test-db", *ROOT_USER)
    replica = mariadbd(os.path.join(REPL, "data"), RSOCK, os.path.join(REPL, "mysql.pid"),
                       os.path.join(REPL, "mysql.log"), p2, 2, ["--read-only=1"])
    dump = subprocess.run(["mariadb-dump", "--no-defaults", "--socket=" + PSOCK, "-uroot",
                           "--single-transaction", "--gtid", "--master-data=1",
                           "--databases", "zaiko", "mysql"], capture_output=True, check=True).stdout
    # Loaded without writing the replica's own binary log: its GTID history stays the primary's.
    sqls(RSOCK, "RESET MASTER", db="mysql")
    subprocess.run(["mariadb", "--no-defaults", "--socket=" + RSOCK, "-uroot"],
                   input=b"SET SESSION sql_log_bin = 0;\n" + dump, check=True, capture_output=True)
    sqls(RSOCK, "SET SESSION sql_log_bin = 0; FLUSH PRIVILEGES; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, "
                "MASTER_USER='repl', MASTER_PASSWORD='repl-pw', MASTER_USE_GTID=slave_pos; "
                "START SLAVE" % p1, db="mysql")
    for _ in range(100):
        if sql1(PSOCK, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
                       "VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'") == "1":
            break
        time.sleep(0.1)
    else:
        raise SystemExit("failover: the replica did not connect semi-synchronously")
    wait_replica_caught_up()
    log("primary :%d (server 1) → replica :%d (server 2), GTID, semi-sync AFTER_SYNC; "
        "set up in %.0f s" % (p1, p2, time.time() - t_start))

    # ---- the load: the batch loop, orders at two malls, edits through the screen ----
    batch_log = open(os.path.join(DIR, "batch.log"), "ab")

    def start_batch():
        return subprocess.Popen([BATCH, "cycle", "--loop", "--interval", "1"], stdout=batch_log,
                                stderr=batch_log, env=dict(os.environ, ZAIKO_CONF=CONF))
    batch = start_batch()
    sims = {}
    for m in ("yahoo", "rakuten"):
        sims[m] = int(open(os.path.join(DIR, "sims", m + ".port")).read())
    for m in sims:
        ctl(sims[m], "limits", {"enabled": False})
    # Edited SKUs are never ordered, so their totals are the screen's alone.
    edit_skus = [int(r[0]) for r in sqls(PSOCK, "SELECT id FROM sku WHERE is_set = 0 AND id IN "
                                               "(SELECT set_part.part_sku_id FROM set_part) = 0 "
                                               "ORDER BY id DESC LIMIT 12")]
    edit_codes = {r[0] for r in sqls(PSOCK, "SELECT code FROM sku WHERE id IN (%s)" %
                                      ",".join(map(str, edit_skus)))}
    items = {m: [i for i in ctl(sims[m], "stock")["items"]
                 if i["stock"] > 20 and i.get("sku", i["code"]).upper() not in edit_codes
                 and i["code"].upper() not in edit_codes] for m in sims}
    placed, edits = [], []
    stop = threading.Event()

    def place_orders():
        rnd = random.Random(7)
        n = 0
        while not stop.is_set():
            m = rnd.choice(sorted(sims))
            it = rnd.choice(items[m][:60])
            qty = rnd.randint(1, 2)
            try:
                out = ctl(sims[m], "order", {"order_no": "FO-%s-%05d" % (m, n), "lines": [
                    {"code": it["code"], "sub": it.get("sub", ""), "qty": qty}]})
                placed.append((m, out["order_no"], qty))
            except OSError as e:
                log("order refused by the simulator: %s" % e)
            n += 1
            time.sleep(0.05)

    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    os.environ.update(ZAIKO_URL="http://127.0.0.1:%d" % port, ZAIKO_STACK_DIR=DIR,
                      ZAIKO_CONF=CONF, ZAIKO_BUILD=os.path.join(ROOT, BUILD))
    import zt  # noqa: E402 - the harness reads the environment set just above

    def edit_totals():
        c = zt.Client()
        c.login("admin", zt.admin_password())
        rnd = random.Random(11)
        seen = {s: int(sql1(PSOCK, "SELECT total FROM sku WHERE id = %d" % s)) for s in edit_skus}
        while not stop.is_set():
            s = rnd.choice(edit_skus)
            want = rnd.randint(100, 100000)
            try:
                r = c.post("/stock/total", {"sku": s, "total": want, "seen": seen[s]})
                status = r.status
            except OSError:
                status = 0
            edits.append((s, want, status))
            if status == 200:
                seen[s] = want
            elif status == 409:
                pass
            else:
                # Not saved (or not known): read the total again before the next edit of it.
                time.sleep(0.2)
                if status == 401:
                    try:
                        c.login("admin", zt.admin_password())
                    except (OSError, AssertionError):
                        continue
                got = sql1(RSOCK if killed.is_set() else PSOCK,
                           "SELECT total FROM sku WHERE id = %d" % s)
                if got is not None:
                    seen[s] = int(got)
            time.sleep(0.03)

    killed = threading.Event()
    threads = [threading.Thread(target=place_orders), threading.Thread(target=edit_totals)]
    for t in threads:
        t.start()
    time.sleep(LOAD_BEFORE)
    # ---- the failure: the primary dies mid-cycle ----
    applied = sql1(PSOCK, "SELECT COUNT(*) FROM mall_order WHERE order_no LIKE 'FO-%'")
    os.kill(primary.pid, signal.SIGKILL)
    t_kill = time.time()
    killed.set()
    log("primary killed (SIGKILL) after %.0f s of load: %d orders placed, %s of them applied, "
        "%d edits sent" % (LOAD_BEFORE, len(placed), applied, len(edits)))
    # ---- promotion ----
    sqls(RSOCK, "STOP SLAVE IO_THREAD", db="mysql")
    for _ in range(200):
        st = sqls(RSOCK, "SHOW SLAVE STATUS", db="mysql")
        if not st or "has read all relay log" in "\t".join(st[0]):
            break
        time.sleep(0.05)
    sqls(RSOCK, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0", db="mysql")
    with open(CONF) as f:
        text = f.read()
    with open(CONF, "w") as f:
        f.write(text.replace("socket = " + PSOCK, "socket = " + RSOCK))
    sh(STACK, "restart-fcgi", DIR, env={"WORKERS": "2"})
    batch.send_signal(signal.SIGTERM)
    try:
        batch.wait(timeout=30)
    except subprocess.TimeoutExpired:
        batch.kill()
    batch = start_batch()
    log("replica promoted, zaiko.conf points at it, workers and batch restarted: %.1f s "
        "after the kill" % (time.time() - t_kill))
    time.sleep(LOAD_AFTER)
    stop.set()
    for t in threads:
        t.join()
    # Let the batch fetch what is left, then stop it.
    last = None
    for _ in range(120):
        time.sleep(1)
        n = sql1(RSOCK, "SELECT COUNT(*) FROM mall_order WHERE order_no LIKE 'FO-%'")
        if n == str(len(placed)) and n == last:
            break
        last = n
    batch.send_signal(signal.SIGTERM)
    batch.wait(timeout=30)

    # ---- invariants, on the new primary ----
    bad = []
    stored = {}
    for m, no, c in sqls(RSOCK, "SELECT s.mall, o.order_no, COUNT(*) FROM mall_order o JOIN shop s "
                               "ON s.id = o.shop_id WHERE o.order_no LIKE 'FO-%' GROUP BY 1, 2"):
        stored[(m, no)] = int(c)
    moved = {}
    for no, d in sqls(RSOCK, "SELECT ref, SUM(delta) FROM stock_move WHERE reason = 'order' AND "
                             "ref LIKE 'FO-%' GROUP BY ref"):
        moved[no] = int(d)
    once = sum(1 for m, no, q in placed if stored.get((m, no)) == 1)
    moved_once = sum(1 for m, no, q in placed if moved.get(no) == -q)
    missing = [no for m, no, q in placed if (m, no) not in stored]
    if once != len(placed) or moved_once != len(placed):
        bad.append("orders")
    acked = [(s, w) for s, w, st in edits if st == 200]
    not_saved = [(s, w, st) for s, w, st in edits if st not in (200, 409)]
    present = 0
    for s, w in acked:
        if sql1(RSOCK, "SELECT COUNT(*) FROM stock_move WHERE sku_id = %d AND total_after = %d "
                       "AND reason = 'manual'" % (s, w)) != "0":
            present += 1
    landed = sum(1 for s, w, st in not_saved
                 if sql1(RSOCK, "SELECT COUNT(*) FROM stock_move WHERE sku_id = %d AND "
                                "total_after = %d AND reason = 'manual'" % (s, w)) != "0")
    if present != len(acked):
        bad.append("edits")
    mismatch = sql1(RSOCK, "SELECT COUNT(*) FROM sku s WHERE s.total <> (SELECT COALESCE(SUM(delta), 0) "
                           "FROM stock_move m WHERE m.sku_id = s.id)")
    if mismatch != "0":
        bad.append("totals")
    print()
    print("failover invariants (on the promoted replica):")
    print("  orders placed at the malls        %5d" % len(placed))
    print("  stored exactly once               %5d   (must equal placed; missing: %s)" % (
        once, ", ".join(missing[:5]) or "none"))
    print("  moved stock exactly once          %5d   (must equal placed)" % moved_once)
    print("  edits acknowledged (200)          %5d" % len(acked))
    print("  acknowledged edits present        %5d   (must equal acknowledged)" % present)
    print("  edits reported not saved (503/…)  %5d   (%d of them landed anyway; 409 stale: %d)" % (
        len(not_saved), landed, sum(1 for e in edits if e[2] == 409)))
    print("  SKUs with total ≠ sum of moves    %5s   (must be 0)" % mismatch)
    print("  total time                        %5.0f s" % (time.time() - t_start))
    print("failover: %s" % ("OK" if not bad else "BROKEN: " + ", ".join(bad)))
    if not os.environ.get("KEEP"):
        replica.terminate()
        replica.wait(timeout=30)
        subprocess.run([os.path.join(ROOT, "tests/stack/sims.sh"), "stop", DIR], capture_output=True)
        subprocess.run([STACK, "stop", DIR], capture_output=True)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
