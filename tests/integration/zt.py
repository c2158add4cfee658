"""zt: the small harness of zaiko's integration tests.

A test file defines functions named test_*; run() calls each in file order, prints
"PASS name" or "FAIL name: why", and ends with "N passed, N failed". Everything talks to
the real stack started by tests/run.sh (ZAIKO_URL, ZAIKO_CONF, ZAIKO_STACK_DIR)."""
import http.client
import inspect
import json
import os
import re
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse

URL = os.environ.get("ZAIKO_URL", "http://127.0.0.1:8080")
ROOT = os.environ.get("ZAIKO_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
STACK = os.environ.get("ZAIKO_STACK_DIR", os.path.join(ROOT, "var", "test-stack"))
BUILD = os.environ.get("ZAIKO_BUILD", os.path.join(ROOT, "build"))
BATCH = os.path.join(BUILD, "zaiko-batch")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)


class Client:
    """One browser: a cookie jar and the last CSRF token seen in a page."""

    def __init__(self, base=URL, address=None, source=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.cookies = {}
        self.csrf = None
        self.address = address   # sent as X-Forwarded-For only where the stack trusts it
        # Another loopback address to connect from (nginx sees it as REMOTE_ADDR), or None.
        self.source = source

    def request(self, method, path, body=None, headers=None, raw_body=None):
        h = {"Host": "%s:%d" % (self.host, self.port)}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None and raw_body is None:
            raw_body = urllib.parse.urlencode(body).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                          source_address=(self.source, 0) if self.source else None)
        conn.request(method, path, body=raw_body, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        conn.close()
        for v in resp.headers_all("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in v or "expires=Thu, 01 Jan 1970" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        m = re.search(rb'name="csrf" value="([0-9a-f]+)"', resp.body)
        if m:
            self.csrf = m.group(1).decode()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields=None, csrf=True, **kw):
        fields = dict(fields or {})
        if csrf and self.csrf and "csrf" not in fields:
            fields["csrf"] = self.csrf
        return self.request("POST", path, body=fields, **kw)

    def login(self, user="admin", password=None):
        password = password or admin_password()
        self.get("/login")
        r = self.post("/login", {"login": user, "password": password})
        if r.status != 303:
            raise AssertionError("login as %s failed: %d %s" % (user, r.status, r.text[:300]))
        self.get("/")
        return r


def sql(query, *params):
    """Runs SQL on the stack's database as root; returns rows as lists of strings.
    Parameters are quoted here for test convenience only (tests own their inputs)."""
    def q(v):
        if v is None:
            return "NULL"
        if isinstance(v, int):
            return str(v)
        return "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'"
    if params:
        query = query.replace("?", "%s") % tuple(q(p) for p in params)
    out = subprocess.run([os.path.join(ROOT, "tests/stack/stack.sh"), "sql", STACK,
                          "-N", "-B", "-e", query], capture_output=True)
    if out.returncode != 0:
        raise AssertionError("SQL failed: %s\n  in: %s" % (
            out.stderr.decode("utf-8", "replace").strip(), query[:300]))
    lines = out.stdout.decode("utf-8").splitlines()
    return [l.split("\t") for l in lines]


def insert_rows(head, row, rows, chunk=400):
    """INSERT head VALUES row, row, … for rows (tuples matching row's ?), chunk rows a
    statement: a test's world of many rows in a few round trips."""
    for k in range(0, len(rows), chunk):
        part = rows[k:k + chunk]
        sql(head + " VALUES " + ",".join([row] * len(part)), *[v for r in part for v in r])


def sql1(query, *params):
    rows = sql(query, *params)
    return rows[0][0] if rows and rows[0] else None


def new_sku(code, total, name="zt"):
    """A SKU with its starting total as one 'initial' stock move; its id."""
    sql("INSERT INTO sku (code, name, total, search_doc, updated_at) "
        "VALUES (?, ?, ?, ?, UTC_TIMESTAMP())", code, name, total, code.lower())
    sid = int(sql1("SELECT id FROM sku WHERE code = ?", code))
    if total:
        sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, created_at) "
            "VALUES (?, ?, ?, 'initial', UTC_TIMESTAMP(3))", sid, total, total)
    return sid


def moves_sum(sid):
    """The sum of a SKU's stock moves (which must equal its total)."""
    return int(sql1("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE sku_id = ?", sid))


def multipart(fields, files):
    """A multipart/form-data body: fields {name: value}, files {name: (filename, bytes)}."""
    boundary = "zt" + os.urandom(8).hex()
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, k, v)).encode())
    for k, (fn, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: text/csv\r\n\r\n" % (boundary, k, fn)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def totals_upload(c, text, mode="absolute", name="棚卸.csv"):
    """Uploads a 総在庫数 CSV for preview; the job id the preview is stored under."""
    c.get("/stock/csv/totals")
    body, ctype = multipart({"mode": mode, "csrf": c.csrf}, {"file": (name, text.encode())})
    r = c.request("POST", "/stock/csv/totals", raw_body=body, headers={"Content-Type": ctype})
    eq(r.status, 303, "preview stored: %s" % r.text[:300])
    return int(r.header("Location").split("=")[1])


def upload(c, path, fields, filename, data):
    """POSTs a file (field "file") with the other fields and the CSRF token, as a form does."""
    fields = dict(fields)
    fields["csrf"] = c.csrf
    body, ctype = multipart(fields, {"file": (filename, data)})
    return c.request("POST", path, raw_body=body, headers={"Content-Type": ctype})


def why(r):
    """The message part of a page, for assertion texts."""
    t = r.text
    i = max(t.find("<main>"), 0)
    return re.sub(r"<[^>]+>|\s+", " ", t[i:i + 1500])


def new_shop(name, mall="yahoo", is_base=1):
    """A shop row made directly (no credentials: nothing talks to a mall for it); its id."""
    sql("INSERT INTO shop (name, mall, is_base, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
        name, mall, is_base)
    return int(sql1("SELECT id FROM shop WHERE name = ?", name))


LISTINGS_HEADER = "SKUコード,商品コード,商品名,選択肢,価格,在庫数"


def import_listings(c, shop, rows, filename="items.csv", bom=False):
    """商品データ取込 of the CSV lines rows (after the header) for shop, previewed and applied
    through the screen (which creates the SKUs, their totals and search documents)."""
    c.get("/stock/csv/listings")
    text = "\r\n".join([LISTINGS_HEADER] + list(rows)) + "\r\n"
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    r = upload(c, "/stock/csv/listings", {"shop": shop}, filename, data)
    eq(r.status, 303, "%s uploaded: %s" % (filename, why(r)))
    job = int(r.header("Location").split("=")[1])
    r = c.post("/stock/csv/apply", {"job": job})
    eq(r.status, 303, "%s applied: %s" % (filename, why(r)))
    return job


def refused(c, path, cases, after=None):
    """Each (fields, message) of cases POSTed to path is refused: 400 and the message in the
    page. after(fields), when given, checks that the refusal changed nothing."""
    for fields, message in cases:
        r = c.post(path, fields)
        eq(r.status, 400, "refused: %s (%r)" % (message, fields))
        ok(message in r.text, "message %r in %r" % (message, r.text[-600:]))
        if after:
            after(fields)


def batch(*args, env=None, check=True, timeout=300):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([BATCH] + list(args), capture_output=True, env=e, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("zaiko-batch %s exited %d: %s" % (
            " ".join(args), r.returncode, r.stderr.decode("utf-8", "replace")[-2000:]))
    return r


_admin_pw = None


def admin_password():
    """The test admin's password, created once per stack."""
    global _admin_pw
    if _admin_pw:
        return _admin_pw
    path = os.path.join(STACK, "test-admin-password")
    if not os.path.exists(path):
        pw = "Test-" + os.urandom(9).hex()
        r = subprocess.run([BATCH, "useradd", "admin", "--role", "admin", "--password-stdin"],
                           input=(pw + "\n").encode(), capture_output=True)
        if r.returncode != 0 and b"exists" not in r.stderr:
            raise AssertionError("useradd failed: %s" % r.stderr.decode())
        with open(path, "w") as f:
            f.write(pw)
    with open(path) as f:
        _admin_pw = f.read().strip()
    return _admin_pw


def staff_client(login="staff1"):
    """A logged-in staff (non-admin) user: created once per stack, its password kept beside
    the admin's; re-enabled and set back to staff in case a test changed it."""
    path = os.path.join(STACK, "test-staff-password-" + login)
    if not os.path.exists(path):
        # A user left by a run whose password file is gone is made anew.
        sql("DELETE FROM session WHERE user_id IN (SELECT id FROM app_user WHERE login = ?)",
            login)
        sql("DELETE FROM app_user WHERE login = ?", login)
        pw = "Staff-" + os.urandom(9).hex()
        r = subprocess.run([BATCH, "useradd", login, "--role", "staff", "--password-stdin"],
                           input=(pw + "\n").encode(), capture_output=True)
        if r.returncode != 0:
            raise AssertionError("useradd %s: %s" % (login, r.stderr.decode()))
        with open(path, "w") as f:
            f.write(pw)
    with open(path) as f:
        pw = f.read().strip()
    sql("UPDATE app_user SET disabled = 0, role = 'staff' WHERE login = ?", login)
    c = Client()
    c.login(login, pw)
    return c


# ---- processes and ports of the stack, and servers a test starts for itself ----

def free_port():
    """A loopback port nobody listens on (at the moment of asking)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(cond, what, timeout=20.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(step)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


def port_open(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_port(port, timeout=20.0):
    wait_until(lambda: port_open(port), "something to listen on %d" % port, timeout)


def alive(pid):
    """True while pid runs; a zombie (nobody reaps orphans in some containers) is dead."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except OSError:
        return False
    return False


def worker_pids(stack=None):
    """The FastCGI workers of the stack (stack.sh keeps their pids in fcgi.pids)."""
    with open(os.path.join(stack or STACK, "fcgi.pids")) as f:
        return sorted(int(x) for x in f.read().split())


def nginx_conf(tmp, http, connections=256):
    """A whole nginx.conf for an nginx of a test's own whose pid, logs and temp files live in
    tmp; http is the inside of its http {} block (servers and any other directives)."""
    # As root, nginx's workers run as root too: the stack dir (0700) is closed to nobody.
    user = "user root root;\n" if os.getuid() == 0 else ""
    return user + ("worker_processes 1;\n"
                   "pid {tmp}/nginx.pid;\n"
                   "error_log {tmp}/error.log warn;\n"
                   "events {{ worker_connections {n}; }}\n"
                   "http {{\n"
                   "    proxy_temp_path {tmp}/proxy;\n"
                   "    fastcgi_temp_path {tmp}/fastcgi;\n"
                   "    uwsgi_temp_path {tmp}/uwsgi;\n"
                   "    scgi_temp_path {tmp}/scgi;\n").format(tmp=tmp, n=connections) + \
        http + "}\n"


class Nginx:
    """An nginx of a test's own: PREFIX holds its conf (written here), logs and temp files."""

    def __init__(self, prefix, conf):
        self.prefix = prefix
        self.conf = os.path.join(prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        r = subprocess.run(["nginx", "-p", prefix + "/", "-c", self.conf, "-e",
                            os.path.join(prefix, "error.log")], capture_output=True, text=True)
        eq(r.returncode, 0, "nginx starts: %s" % r.stderr)

    def stop(self):
        subprocess.run(["nginx", "-p", self.prefix + "/", "-c", self.conf, "-e",
                        os.path.join(self.prefix, "error.log"), "-s", "quit"], capture_output=True)
        end = time.time() + 10
        while time.time() < end and os.path.exists(os.path.join(self.prefix, "nginx.pid")):
            time.sleep(0.05)


def smtp_sink(d, *args, **popen):
    """tests/smtp_sink.py keeping what it receives in d (one .eml a message, auth.log), on a
    free port: (process, port). The caller terminates the process."""
    port_file = os.path.join(d, "port")
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "smtp_sink.py"),
                          "--dir", d, "--port", "0", "--port-file", port_file] + list(args),
                         **popen)
    def written():
        try:
            with open(port_file) as f:
                return f.read().strip() != ""
        except OSError:
            return False
    wait_until(written, "the SMTP sink's port", timeout=10)
    with open(port_file) as f:
        return p, int(f.read().strip())


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", b, a))


def ok(cond, what):
    if not cond:
        raise AssertionError(what)


def run():
    caller = inspect.stack()[1].frame.f_globals
    tests = [(n, f) for n, f in caller.items() if n.startswith("test_") and callable(f)]
    only = os.environ.get("ZT_ONLY")
    passed = failed = 0
    for name, fn in tests:
        if only and only not in name:
            continue
        try:
            fn()
            print("PASS %s" % name, flush=True)
            passed += 1
        except Exception as e:  # noqa: BLE001 - a failing test is any exception
            print("FAIL %s: %s" % (name, e), flush=True)
            traceback.print_exc(limit=4, file=sys.stdout)
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
