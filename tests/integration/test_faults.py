"""Faults the stack must survive without a restart of the FastCGI workers: MariaDB going away
under load and coming back, nginx restarted and reloaded, a worker killed, the disk under
nginx's upload buffer full. Runs against the stack of tests/run.sh and leaves it as it found
it (the workers are restarted only by the last test, which kills some on purpose)."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zt
from zt import Client, eq, ok, sql, sql1, alive, wait_until, worker_pids

STACK = os.path.abspath(zt.STACK)  # nginx resolves relative paths against its prefix

DOWN_MSG = "データベースに接続できません"
SOCK = os.path.join(STACK, "mysql.sock")


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def db_ping():
    return subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + SOCK, "-uroot",
                           "ping"], capture_output=True).returncode == 0


class Load:
    """A browser hitting the list page in a loop on a thread; records every answer."""

    def __init__(self, client, path="/"):
        self.client, self.path = client, path
        self.answers = []          # (status, body text or error)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            try:
                r = self.client.get(self.path)
                self.answers.append((r.status, r.text))
            except Exception as e:  # noqa: BLE001 - a cut answer is an answer too: status 0
                self.answers.append((0, "%s: %s" % (type(e).__name__, e)))
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=70)

    def statuses(self):
        return sorted({s for s, _ in self.answers})


def test_mariadb_restart_under_load():
    c = Client()
    c.login()
    eq(c.get("/").status, 200, "the list before")
    workers = worker_pids()
    ok(all(alive(p) for p in workers), "every worker runs before")
    pid = read_pid(os.path.join(STACK, "mysql.pid"))
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    ok(argv and ("mariadbd" in argv[0] or "mysqld" in argv[0]),
       "the stack's server: %r" % argv[:1])
    browser = Client()
    browser.login()
    with Load(browser) as load:
        time.sleep(0.5)
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not alive(pid), "MariaDB to stop")
        t_down = time.time()
        # While it is down, every page answers 503 with a message, quickly.
        time.sleep(1.5)
        t0 = time.time()
        down = c.get("/")
        took = time.time() - t0
        eq(down.status, 503, "the list while the database is down")
        ok(DOWN_MSG in down.text, "a Japanese message while down")
        ok(took < 10, "answered within the connect timeout (%.1f s)" % took)
        login_page = Client().get("/login")
        ok(login_page.status in (200, 503), "the login page while down: %d" % login_page.status)
        # The same server, the same data directory and options.
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(db_ping, "MariaDB to accept connections again", timeout=60)
        outage = time.time() - t_down
        # The workers reconnect on their next request: soon every answer is 200 again.
        wait_until(lambda: load.answers and load.answers[-1][0] == 200, "a 200 after recovery")
        # Then five answers in a row (a loaded or sanitizer-built stack answers slowly, so
        # wait for the answers rather than for a time).
        wait_until(lambda: len(load.answers) >= 5 and
                   all(st == 200 for st, _ in load.answers[-5:]), "five 200s in a row",
                   timeout=60)
    statuses = load.statuses()
    ok(set(statuses) <= {200, 503}, "only 200 or 503 under load, got %r" % statuses)
    ok(503 in statuses, "the outage was seen (%d answers)" % len(load.answers))
    bad = [t[:200] for s, t in load.answers if s == 503 and DOWN_MSG not in t]
    eq(bad, [], "every 503 says why, in Japanese")
    tail = [s for s, _ in load.answers[-20:]]
    ok(all(s == 200 for s in tail[-5:]), "recovered: last answers %r" % tail)
    eq(worker_pids(), workers, "the same workers (no restart)")
    ok(all(alive(p) for p in workers), "every worker survived")
    for _ in range(len(workers) * 3):  # every worker has reconnected by now
        eq(c.get("/").status, 200, "a 200 from each worker after recovery")
    print("faults: MariaDB down %.1f s under load: %d answers, %d × 503, workers kept" % (
        outage, len(load.answers), sum(1 for s, _ in load.answers if s == 503)))


def test_batch_without_database_fails_cleanly():
    """zaiko-batch run by cron while the database is away exits with an error, not a crash."""
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", dir=STACK, delete=False)
    with open(os.environ["ZAIKO_CONF"]) as f:
        text = f.read()
    conf.write(text.replace(SOCK, os.path.join(STACK, "no-such.sock")))
    conf.close()
    try:
        r = zt.batch("migrate", env={"ZAIKO_CONF": conf.name}, check=False, timeout=60)
        ok(r.returncode > 0, "a failure exit code, not a signal: %d" % r.returncode)
        ok(r.stderr, "says why on stderr")
    finally:
        os.unlink(conf.name)


def nginx_cmd(*extra):
    d = os.path.join(STACK, "nginx")
    return ["nginx", "-p", d + "/", "-c", os.path.join(d, "nginx.conf"), "-e",
            os.path.join(d, "logs", "error.log")] + list(extra)


def port_open():
    """The stack's nginx answers connections."""
    host, port = zt.URL.split("//", 1)[1].rstrip("/").split(":")
    return zt.port_open(int(port), host)


def test_nginx_reload_under_load_loses_nothing():
    c = Client()
    c.login()
    with Load(c) as load:
        # Each reload lands among answers: four before it and four after it, however slowly
        # the stack answers.
        for _ in range(3):
            seen = len(load.answers)
            wait_until(lambda: len(load.answers) >= seen + 4, "answers before a reload",
                       timeout=60)
            subprocess.run(nginx_cmd("-s", "reload"), check=True, capture_output=True)
        seen = len(load.answers)
        wait_until(lambda: len(load.answers) >= seen + 4, "answers after the last reload",
                   timeout=60)
    eq(load.statuses(), [200], "every answer during reloads (failures: %r)" %
       [t[:120] for s, t in load.answers if s != 200][:3])
    ok(len(load.answers) > 10, "under load (%d answers)" % len(load.answers))
    print("faults: 3 nginx reloads under load, %d answers, all 200" % len(load.answers))


def test_nginx_restart_keeps_sessions():
    c = Client()
    c.login()
    workers = worker_pids()
    pidfile = os.path.join(STACK, "nginx", "nginx.pid")
    pid = read_pid(pidfile)
    subprocess.run(nginx_cmd("-s", "quit"), check=True, capture_output=True)
    wait_until(lambda: not alive(pid), "nginx to stop")
    wait_until(lambda: not port_open(), "the port to close")
    try:
        c.get("/")
        raise AssertionError("a request succeeded with nginx stopped")
    except OSError:
        pass
    subprocess.run(nginx_cmd(), check=True, capture_output=True)
    wait_until(port_open, "nginx to listen again")
    eq(c.get("/").status, 200, "the same session after nginx restarted (sessions live in the DB)")
    eq(worker_pids(), workers, "the workers were not restarted")
    print("faults: nginx stopped and started, session kept")


def test_disk_full_under_upload_buffer():
    """nginx buffers large bodies to disk before zaiko sees them. With that disk full (a 1 MB
    tmpfs), the upload fails in nginx, zaiko is not disturbed, and the space comes back."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("faults: disk-full test skipped (needs root to mount a tmpfs)")
        return
    tmp = tempfile.mkdtemp(prefix="diskfull-", dir=STACK)
    os.chmod(tmp, 0o755)
    full = os.path.join(tmp, "body")
    os.makedirs(full)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", full],
                       capture_output=True)
    if m.returncode != 0:
        print("faults: disk-full test skipped (mount refused: %s)" % m.stderr.decode().strip())
        shutil.rmtree(tmp, ignore_errors=True)
        return
    ngx = None
    try:
        port = zt.free_port()
        ngx = zt.Nginx(tmp, zt.nginx_conf(tmp, """
    access_log {tmp}/access.log;
    client_body_temp_path {full};
    client_body_buffer_size 16k;
    client_max_body_size 64m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_NAME "";
            fastcgi_param PATH_INFO $uri;
            fastcgi_pass unix:{sock};
        }}
    }}
""".format(tmp=tmp, full=full, port=port, sock=os.path.join(STACK, "fcgi.sock")),
            connections=64))
        base = "http://127.0.0.1:%d" % port
        zt.wait_port(port)
        c = Client(base)
        c.login()
        workers = worker_pids()
        boundary = "----diskfull"
        big = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--%s\r\n"
               "Content-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n" % (boundary, c.csrf, boundary)).encode() + \
            b"sku,total\r\n" + b"DISKFULL-1,1\r\n" * 200000 + ("\r\n--%s--\r\n" % boundary).encode()
        before = sql("SELECT COUNT(*) FROM sku")
        path = "/stock/csv/totals"
        r = c.request("POST", path, raw_body=big,
                      headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
        ok(r.status >= 500 or r.status == 413, "a 2.8 MB upload into a 1 MB disk fails: %d"
           % r.status)
        with open(os.path.join(tmp, "error.log")) as f:
            log = f.read()
        ok("No space left on device" in log, "nginx saw ENOSPC")
        eq(sql("SELECT COUNT(*) FROM sku"), before, "nothing imported")
        eq(worker_pids(), workers, "the workers are untouched")
        ok(all(alive(p) for p in workers), "every worker runs")
        eq(c.get("/").status, 200, "the next page works")
        eq(os.listdir(full), [], "nginx removed its partial temp file: the space is back")
        small = c.post("/logout")
        eq(small.status, 303, "a small POST through the same nginx works")
        print("faults: disk full under nginx's body buffer: upload answered %d, app unaffected"
              % r.status)
    finally:
        if ngx:
            ngx.stop()
        subprocess.run(["umount", full], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def moves_sum(sku):
    return int(sql1("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE sku_id = ?", sku))


class Editor:
    """One user editing the 総在庫数 of their own SKUs in a loop. Every value sent is unique
    (never sent twice, by anyone), so a stock_move names the request that made it. What each
    answer said is kept: 200 (saved), 409 (stale, told the current total) or anything else
    (not saved as far as the user knows: they reload and look)."""

    def __init__(self, n, skus):
        self.n, self.skus = n, skus
        self.client = Client()
        self.client.login()
        self.known = {s: 0 for s in skus}
        self.sent = []       # (sku, value, status)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.seq = 0

    def reload(self, sku):
        while True:
            try:
                v = sql("SELECT total FROM sku WHERE id = ?", sku)
                return int(v[0][0])
            except Exception:  # noqa: BLE001 - the database is away: look again soon
                time.sleep(0.2)

    def run(self):
        i = 0
        while not self.stop.is_set():
            sku = self.skus[i % len(self.skus)]
            i += 1
            self.seq += 1
            value = (self.n + 1) * 100000 + self.seq
            try:
                r = self.client.post("/stock/total", {"sku": sku, "total": value,
                                                      "seen": self.known[sku]})
                status = r.status
                try:
                    body = r.json()
                except ValueError:
                    body = {}
            except Exception:  # noqa: BLE001 - a cut answer: status 0
                status, body = 0, {}
            self.sent.append((sku, value, status))
            if status == 200:
                self.known[sku] = int(body["total"])
            elif status == 409 and "total" in body:
                self.known[sku] = int(body["total"])
            else:
                self.known[sku] = self.reload(sku)
            time.sleep(0.005)


class CsvApplier:
    """One user applying small 総在庫数 files (+1 to each of their SKUs, each file named
    uniquely: its stock_move rows carry the name). An apply answered otherwise than applied
    is applied again, as the message asks, a few times; a job already applied answers 409."""

    def __init__(self, tag, skus, codes):
        self.tag, self.skus, self.codes = tag, skus, codes
        self.client = Client()
        self.client.login()
        self.acked = []      # file names answered "applied"
        self.files = []      # every file whose apply was tried
        self.answers = []    # every apply answer's status
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def upload(self, name):
        boundary = "ft" + os.urandom(8).hex()
        text = "SKUコード,総在庫数\n" + "".join("%s,+1\n" % c for c in self.codes)
        body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\ndelta\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                "Content-Type: text/csv\r\n\r\n" % (boundary, self.client.csrf, boundary,
                                                    boundary, name)).encode() + \
            text.encode() + ("\r\n--%s--\r\n" % boundary).encode()
        r = self.client.request("POST", "/stock/csv/totals", raw_body=body,
                                headers={"Content-Type": "multipart/form-data; boundary=" +
                                         boundary})
        if r.status != 303:
            return None
        return int(r.header("Location").split("=")[1])

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            name = "%s-%d.csv" % (self.tag, n)
            try:
                self.client.get("/stock/csv/totals")
                job = self.upload(name)
            except Exception:  # noqa: BLE001 - a cut answer: try another file later
                job = None
            if job is None:
                time.sleep(0.2)
                continue
            self.files.append(name)
            for _ in range(4):
                try:
                    st = self.client.post("/stock/csv/apply", {"job": job}).status
                except Exception:  # noqa: BLE001 - a cut answer: status 0
                    st = 0
                self.answers.append(st)
                if st == 303:
                    self.acked.append(name)
                    break
                if st == 409:
                    break        # applied already (or still running under its lease)
                time.sleep(0.5)
            time.sleep(0.05)


def test_acknowledged_edits_survive_faults():
    """Six users edit while connections drop at COMMIT, workers are killed and MariaDB
    restarts. Every edit answered 200 must be in stock_move; none may be applied twice;
    total = the sum of moves."""
    tag = "FT" + os.urandom(3).hex().upper()
    sql("INSERT INTO sku (code, name, total, search_doc, updated_at) "
        "SELECT CONCAT(?, LPAD(seq, 3, '0')), 'faults', 0, '', UTC_TIMESTAMP() FROM seq_1_to_24",
        tag + "-")
    skus = [int(r[0]) for r in sql("SELECT id FROM sku WHERE code LIKE ? ORDER BY id", tag + "-%")]
    editors = [Editor(n, skus[n * 4:(n + 1) * 4]) for n in range(6)]
    sql("INSERT INTO sku (code, name, total, search_doc, updated_at) "
        "SELECT CONCAT(?, seq), 'faults csv', 0, '', UTC_TIMESTAMP() FROM seq_1_to_2", tag + "-C")
    csv_codes = [tag + "-C1", tag + "-C2"]
    csv_skus = [int(sql1("SELECT id FROM sku WHERE code = ?", c)) for c in csv_codes]
    applier = CsvApplier(tag, csv_skus, csv_codes)
    kill = os.path.join(STACK, "fault-kill-commit")
    pid = read_pid(os.path.join(STACK, "mysql.pid"))
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    drops = 0
    try:
        for e in editors:
            e.thread.start()
        applier.thread.start()
        # 1. Connections cut right before COMMIT, again and again.
        end = time.time() + 4
        armed = False
        while time.time() < end:
            if armed and not os.path.exists(kill):
                drops += 1          # a worker took it and cut its connection at COMMIT
                armed = False
            if not armed:
                with open(kill, "w") as f:
                    f.write("1")
                armed = True
            time.sleep(0.1)
        if os.path.exists(kill):
            os.unlink(kill)
        elif armed:
            drops += 1
        # 2. A worker killed, then all of them restarted under load.
        workers = worker_pids()
        os.kill(workers[0], signal.SIGKILL)
        time.sleep(1.5)
        subprocess.run([os.path.join(zt.ROOT, "tests/stack/stack.sh"), "restart-fcgi", STACK],
                       capture_output=True, env=dict(os.environ))
        wait_until(lambda: all(alive(p) for p in worker_pids()), "the workers to be back")
        time.sleep(1.5)
        # 3. MariaDB stopped and started again.
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not alive(pid), "MariaDB to stop", timeout=60)
        time.sleep(1.0)
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(db_ping, "MariaDB to accept connections again", timeout=60)
        time.sleep(2.0)
        # A slow (loaded or sanitizer-built) stack acknowledges few edits in the fault window;
        # the edits go on until enough are acknowledged to mean something.
        wait_until(lambda: sum(1 for e in editors for x in e.sent if x[2] == 200) > 50,
                   "more than 50 acknowledged edits", timeout=180, step=0.5)
    finally:
        for e in editors + [applier]:
            e.stop.set()
        for e in editors + [applier]:
            e.thread.join(timeout=120)
        if os.path.exists(kill):
            os.unlink(kill)
    moves = {}
    for sku_id, total_after, mid in sql(
            "SELECT sku_id, total_after, id FROM stock_move WHERE sku_id IN (%s) ORDER BY id"
            % ",".join(str(s) for s in skus)):
        moves.setdefault(int(sku_id), []).append(int(total_after))
    sent = [x for e in editors for x in e.sent]
    acked = [(s, v) for s, v, st in sent if st == 200]
    stale = sum(1 for _, _, st in sent if st == 409)
    unknown = [(s, v, st) for s, v, st in sent if st not in (200, 409)]
    lost = [(s, v) for s, v in acked if v not in moves.get(s, [])]
    doubled = sum(len(m) - len(set(m)) for m in moves.values())
    sent_values = {(s, v) for s, v, _ in sent}
    phantom = [(s, v) for s, m in moves.items() for v in m if (s, v) not in sent_values]
    stored_unacked = sum(1 for s, v, _ in unknown if v in moves.get(s, []))
    statuses = sorted({st for _, _, st in unknown})
    print("faults: %d edits sent under %d commit drops, a killed worker, a worker restart and a "
          "MariaDB restart: acknowledged %d, lost %d, doubled %d, phantom %d; refused as stale "
          "%d; not acknowledged %d (statuses %r), of which stored anyway %d"
          % (len(sent), drops, len(acked), len(lost), doubled, len(phantom), stale,
             len(unknown), statuses, stored_unacked))
    ok(len(acked) > 50, "enough acknowledged edits to mean something (%d)" % len(acked))
    ok(drops > 5, "connections were cut at COMMIT (%d)" % drops)
    ok(unknown, "the faults were felt (some answers were not 200/409)")
    eq(lost, [], "every acknowledged edit is in stock_move")
    eq(doubled, 0, "no edit applied twice")
    eq(phantom, [], "no move nobody asked for")
    off = sql("SELECT s.id, s.total, COALESCE(SUM(m.delta), 0) FROM sku s "
              "LEFT JOIN stock_move m ON m.sku_id = s.id WHERE s.code LIKE ? "
              "GROUP BY s.id HAVING s.total <> COALESCE(SUM(m.delta), 0)", tag + "-%")
    eq(off, [], "total = sum of moves")
    for s in skus:
        last = moves.get(s, [0])[-1]
        eq(int(sql1("SELECT total FROM sku WHERE id = ?", s)), last, "total = the last move's")
    # The CSV applies: every file answered "applied" moved each SKU once; no file twice.
    per_file = {}
    for ref, sku_id, cnt in sql("SELECT ref, sku_id, COUNT(*) FROM stock_move WHERE sku_id IN "
                                "(%s) GROUP BY ref, sku_id" % ",".join(map(str, csv_skus))):
        per_file.setdefault(ref, {})[int(sku_id)] = int(cnt)
    csv_lost = [f for f in applier.acked if sorted(per_file.get(f, {}).items()) !=
                sorted((s, 1) for s in csv_skus)]
    csv_doubled = sum(c - 1 for f in per_file.values() for c in f.values() if c > 1)
    csv_partial = [f for f, m in per_file.items() if sorted(m) != sorted(csv_skus)]
    stored = [f for f in applier.files if f in per_file]
    print("faults: CSV applies: %d files tried, %d answered applied, %d stored, lost %d, "
          "doubled %d, partial %d; answers %r"
          % (len(applier.files), len(applier.acked), len(stored), len(csv_lost), csv_doubled,
             len(csv_partial), sorted(set(applier.answers))))
    ok(applier.acked, "some files were applied")
    eq(csv_lost, [], "every file answered 'applied' is in stock_move, once per SKU")
    eq(csv_doubled, 0, "no file applied twice")
    eq(csv_partial, [], "no file applied in part")
    for s, c in zip(csv_skus, csv_codes):
        eq(int(sql1("SELECT total FROM sku WHERE id = ?", s)), moves_sum(s),
           "total = sum of moves of %s" % c)
    eq(Client().get("/login").status, 200, "the stack serves after the faults")


def test_worker_killed_and_terminated():
    """A worker killed mid-life costs nothing but itself; SIGTERM ends a worker promptly.
    The stack's workers are restarted at the end."""
    c = Client()
    c.login()
    workers = worker_pids()
    ok(len(workers) >= 2, "several workers")
    try:
        os.kill(workers[0], signal.SIGKILL)
        wait_until(lambda: not alive(workers[0]), "the killed worker to die")
        statuses = [c.get("/").status for _ in range(20)]
        eq(sorted(set(statuses)), [200], "the other workers answer every request")
        t0 = time.time()
        os.kill(workers[1], signal.SIGTERM)
        wait_until(lambda: not alive(workers[1]), "SIGTERM to end a worker", timeout=5)
        print("faults: SIGKILL of one worker: 20/20 answered; SIGTERM ended another in %.2f s"
              % (time.time() - t0))
        eq(c.get("/").status, 200, "still served by the rest")
    finally:
        subprocess.run([os.path.join(zt.ROOT, "tests/stack/stack.sh"), "restart-fcgi",
                        STACK], capture_output=True, env=dict(os.environ))
        wait_until(lambda: all(alive(p) for p in worker_pids()), "the workers to be back")
    eq(c.get("/").status, 200, "the restarted workers answer")


zt.run()
