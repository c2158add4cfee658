"""Security probes, driven by the route table: cgi-bin/web/routes.c and the field tables of
cgi-bin/{web,screens}/*.c are read when the test runs, so every route added later is probed
too. Each test prints how many probes it tried; every one must be refused or answered safely."""
import os
import re
import subprocess
import time
import urllib.parse
import json
import zt
from zt import Client, eq, ok, sql, sql1

ROUTES_C = os.path.join(zt.ROOT, "cgi-bin", "web", "routes.c")
DEFAULT_MAX_BODY = 1 << 20        # web_route_max_body() when a route says 0
SLACK = 65536                     # main.c lets multipart framing exceed the cap by this much
MARK = "zaikoXSS"


# ---- the route table, as the C compiler sees it ----

def c_int(expr):
    """Evaluates a constant like 8 << 20 or 0 from routes.c (digits and shifts only)."""
    expr = expr.strip()
    ok(re.fullmatch(r"[0-9 <>()*+]+", expr), "a constant max_body: %r" % expr)
    return eval(expr)  # noqa: S307 - the regex above admits digits and operators only


def parse_fields():
    """{table name: [(field name, WF_TYPE, required)]} from every web_field table, entries
    designated ([FIELD] = {...}) or not, with the field macros of the screens (CHECKED_FIELDS,
    SCREEN_FLASH_FIELD) expanded."""
    tables = {}
    sources = {}
    for sub in ("web", "screens"):
        d = os.path.join(zt.ROOT, "cgi-bin", sub)
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                with open(os.path.join(d, name), encoding="utf-8") as f:
                    sources[name] = f.read().replace("\\\n", " ")
    macros = {}
    for text in sources.values():
        for m in re.finditer(r"^#define\s+(\w+)\s+(.*\.name\s*=.*)$", text, re.M):
            macros[m.group(1)] = m.group(2)
    ok(macros, "the field macros of the screens are found")
    for name, text in sources.items():
        if not name.endswith(".c"):
            continue
        for m in re.finditer(r"web_field\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\};", text, re.S):
            body = m.group(2)
            for macro, expansion in macros.items():
                body = re.sub(r"\b%s\b" % macro, lambda _m, e=expansion: e, body)
            fields = []
            for e in re.finditer(r"\{\s*\.name\s*=\s*\"(\w+)\"\s*,\s*\.type\s*=\s*(WF_\w+)"
                                 r"([^{}]*)\}", body):
                fields.append((e.group(1), e.group(2), ".required = true" in e.group(3)))
            tables[m.group(1)] = fields
    return tables


def parse_routes():
    with open(ROUTES_C, encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    fields = parse_fields()
    routes = []
    pat = re.compile(r'\{\s*"(GET|POST)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,\s*(\w+)\s*,'
                     r'\s*([^}]+?)\s*\}', re.S)
    for m in pat.finditer(text):
        needs = set(re.findall(r"ROUTE_\w+", m.group(4)))
        table = m.group(5)
        routes.append({
            "method": m.group(1), "path": m.group(2), "handler": m.group(3), "needs": needs,
            "table": table,
            "fields": fields.get(table, []) if table != "NULL" else [],
            "max_body": c_int(m.group(6)) or DEFAULT_MAX_BODY,
        })
    return routes


ROUTES = parse_routes()


def routes(method=None, need=None, without=None):
    out = []
    for r in ROUTES:
        if method and r["method"] != method:
            continue
        if need and need not in r["needs"]:
            continue
        if without and without in r["needs"]:
            continue
        out.append(r)
    return out


def report(what, tried, refused):
    print("probes: %-34s %4d tried, %4d refused or answered safely" % (what, tried, refused))


# ---- users ----

def staff_client():
    """A logged-in staff (non-admin) user of its own, so probes never share a session."""
    return zt.staff_client("probe-staff")


def admin_client():
    c = Client()
    c.login()
    return c


def any_header_has(resp, needle):
    """Headers that carry the probe's marker as a header of their own. A Location that keeps
    the marker percent-encoded in its path is not an injection (it holds no CR/LF)."""
    out = []
    for k, v in resp.headers:
        if needle.lower() not in (k + ":" + v).lower():
            continue
        if k.lower() == "location" and not re.search(r"[\r\n]", v):
            continue
        out.append((k, v))
    return out


# ---- the table itself ----

def test_route_table_is_read():
    paths = {(r["method"], r["path"]) for r in ROUTES}
    ok(("GET", "/login") in paths and ("POST", "/logout") in paths and ("GET", "/") in paths,
       "the parser finds the basic routes: %r" % sorted(paths)[:10])
    # A route the parser missed would escape every probe below: count the rows another way.
    with open(ROUTES_C, encoding="utf-8") as f:
        rows = len(re.findall(r'\{\s*"(?:GET|POST)"', f.read()))
    eq(len(ROUTES), rows, "every row of routes.c parsed")
    # A field table the parser could not read would leave its route's fields unprobed.
    unread = [r["table"] for r in ROUTES if r["table"] != "NULL" and not r["fields"]]
    eq(unread, [], "every route's field table parsed")
    print("probes: %d routes (%d POST, %d admin)" % (len(ROUTES), len(routes("POST")),
                                                      len(routes(need="ROUTE_ADMIN"))))


# ---- login, CSRF, roles ----

def test_every_post_route_refuses_missing_or_wrong_csrf():
    c = admin_client()
    tried = refused = 0
    for r in routes("POST"):
        for label, fields in (("no token", {}), ("wrong token", {"csrf": "0" * 64}),
                              ("empty token", {"csrf": ""}), ("short token", {"csrf": c.csrf[:10]})):
            resp = c.post(r["path"], fields, csrf=False)
            tried += 1
            if "ROUTE_NO_CSRF" in r["needs"]:
                ok(resp.status in (401, 403), "%s %s (%s): %d" % (r["method"], r["path"], label,
                                                                   resp.status))
            else:
                eq(resp.status, 403, "%s %s (%s)" % (r["method"], r["path"], label))
            refused += 1
    eq(c.get("/").status, 200, "the session survived every refused POST")
    report("POST without a valid CSRF token", tried, refused)


def test_every_route_needs_login():
    c = Client()
    tried = refused = 0
    for r in ROUTES:
        if "ROUTE_PUBLIC" in r["needs"]:
            continue
        tried += 1
        if r["method"] == "POST":
            resp = c.post(r["path"], {"csrf": "0" * 64})
            eq(resp.status, 401, "logged-out POST %s" % r["path"])
            ok("ログイン" in resp.text, "a Japanese message on %s" % r["path"])
        else:
            resp = c.get(r["path"])
            if "ROUTE_JSON" in r["needs"]:
                eq(resp.status, 401, "logged-out GET %s (JSON)" % r["path"])
            else:
                eq(resp.status, 303, "logged-out GET %s" % r["path"])
                ok((resp.header("Location") or "").startswith("/login"),
                   "to the login page from %s" % r["path"])
        refused += 1
    # A forged or expired cookie is no better than none.
    c.cookies["zaiko_session"] = "f" * 64
    for r in routes("GET", without="ROUTE_PUBLIC"):
        tried += 1
        ok(c.get(r["path"]).status in (303, 401), "forged cookie on %s" % r["path"])
        refused += 1
    report("routes without login", tried, refused)


def test_admin_routes_refuse_staff():
    c = staff_client()
    eq(c.get("/").status, 200, "staff may use the list")
    tried = refused = 0
    for r in routes(need="ROUTE_ADMIN"):
        tried += 1
        if r["method"] == "GET":
            resp = c.get(r["path"])
        else:
            resp = c.post(r["path"])  # with the staff user's valid token
        eq(resp.status, 403, "staff on %s %s" % (r["method"], r["path"]))
        ok("管理者" in resp.text, "a Japanese message on %s" % r["path"])
        refused += 1
    ok(tried > 0 or not any("/admin" in r["path"] for r in ROUTES),
       "admin pages are marked ROUTE_ADMIN")
    report("admin routes as staff", tried, refused)


def test_session_fixation_and_privilege():
    """A token planted in the victim's browser between the login page and the submit (the
    attacker's own, valid staff session) is never promoted to the victim's account."""
    attacker = staff_client()
    planted = attacker.cookies["zaiko_session"]
    victim = Client()
    victim.get("/login")
    victim.cookies["zaiko_session"] = planted
    resp = victim.post("/login", {"login": "admin", "password": zt.admin_password()})
    ok(resp.status in (303, 403), "login with a planted session: %d" % resp.status)
    if resp.status == 303:
        ok(victim.cookies.get("zaiko_session") not in (None, planted), "a new token at login")
    admin_paths = [r["path"] for r in routes("GET", need="ROUTE_ADMIN")]
    probe = Client()
    probe.cookies["zaiko_session"] = planted
    for p in admin_paths:
        eq(probe.get(p).status, 403, "the planted token is still only staff on " + p)
    # An unknown token chosen by the attacker is replaced too.
    chosen = Client()
    chosen.cookies["zaiko_session"] = "ab" * 32
    chosen.login()
    ok(chosen.cookies["zaiko_session"] != "ab" * 32, "a chosen token is not adopted")
    # The pre-login token cannot be used as a session.
    pre = Client()
    pre.get("/login")
    token = pre.cookies.get("zaiko_pre")
    ok(token, "a pre-login cookie")
    fake = Client()
    fake.cookies["zaiko_session"] = token
    eq(fake.get("/").status, 303, "a pre-login token is not a session")
    report("session fixation", 3 + len(admin_paths), 3 + len(admin_paths))


def test_session_lifetime_on_every_route():
    """A session used a minute ago but logged in longer ago than [web] session_max_hours
    (24) is refused on every route that needs login."""
    import hashlib
    c = admin_client()
    h = hashlib.sha256(c.cookies["zaiko_session"].encode()).hexdigest()
    sql("UPDATE session SET created_at = UTC_TIMESTAMP() - INTERVAL 25 HOUR, "
        "last_seen = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE token_hash = UNHEX(?)", h)
    tried = refused = 0
    for r in ROUTES:
        if "ROUTE_PUBLIC" in r["needs"]:
            continue
        tried += 1
        if r["method"] == "POST":
            resp = c.post(r["path"], {})
            eq(resp.status, 401, "an expired session POSTs %s" % r["path"])
        else:
            resp = c.get(r["path"])
            ok(resp.status in (303, 401), "an expired session GETs %s: %d"
               % (r["path"], resp.status))
        refused += 1
    report("a session past its lifetime", tried, refused)


def test_job_routes_belong_to_their_uploader():
    """Every route with a job field, tried by another user on the admin's upload: 404, and
    the job is untouched (nobody previews or applies someone else's file as their own)."""
    owner = admin_client()
    owner.get("/stock/csv/totals")
    boundary = "zt" + os.urandom(8).hex()
    body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nabsolute\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\nSKUコード,総在庫数\r\nPROBE-JOB-1,5\r\n--%s--\r\n"
            % (boundary, owner.csrf, boundary, boundary, boundary)).encode()
    sql("INSERT IGNORE INTO sku (code, name, total, search_doc, updated_at) "
        "VALUES ('PROBE-JOB-1', 'probe', 1, '', UTC_TIMESTAMP())")
    resp = owner.request("POST", "/stock/csv/totals", raw_body=body,
                         headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    eq(resp.status, 303, "the owner's upload")
    job = int(resp.header("Location").split("=")[1])
    before = sql("SELECT state, done, user_id, payload IS NULL FROM job WHERE id = ?", job)
    other = staff_client()
    other.get("/")
    tried = refused = 0
    for r in ROUTES:
        if "job" not in [n for n, _, _ in r["fields"]]:
            continue
        tried += 1
        if r["method"] == "GET":
            resp = other.get("%s?job=%d" % (r["path"], job))
        else:
            # Its other required fields given (as its form would), so the job is what is judged;
            # confirmed=1 where the route asks first (一括切替).
            form = {n: 1 for n, t, required in r["fields"] if required and n != "job"}
            form.update({"job": job, "confirmed": 1} if "confirmed" in
                        [n for n, _, _ in r["fields"]] else {"job": job})
            resp = other.post(r["path"], form)
        # 404 (not yours); a route for another kind of job may say it has none (409).
        ok(resp.status in (403, 404, 409), "another user's job on %s %s: %d"
           % (r["method"], r["path"], resp.status))
        ok(resp.status != 409 or "/stock/csv" not in r["path"],
           "the CSV routes answer 404 for another user's job: %s" % r["path"])
        refused += 1
    ok(tried >= 3, "the job routes were found (%d)" % tried)
    eq(sql("SELECT state, done, user_id, payload IS NULL FROM job WHERE id = ?", job), before,
       "the job untouched")
    eq(sql1("SELECT total FROM sku WHERE code = 'PROBE-JOB-1'"), "1", "nothing applied")
    sql("DELETE FROM job WHERE id = ?", job)
    report("another user's CSV job", tried, refused)


def test_login_throttle_race():
    """The login route (the POST that needs no session) hit by 40 parallel wrong passwords:
    exactly the limit (5) is evaluated, the rest refused, whatever the timing."""
    import threading
    login_routes = [r for r in routes("POST") if "ROUTE_PUBLIC" in r["needs"]
                    and "password" in [n for n, _, _ in r["fields"]]]
    eq([r["path"] for r in login_routes], ["/login"], "the login route found in the table")
    sql("DELETE FROM login_failure")
    account = "probe-race-" + os.urandom(3).hex()
    clients = []
    for _ in range(40):
        c = Client()
        c.get("/login")
        clients.append(c)
    answers = []
    lock = threading.Lock()
    go = threading.Event()

    def guess(c):
        go.wait()
        resp = c.post("/login", {"login": account, "password": "guess-" + os.urandom(4).hex()})
        with lock:
            answers.append((resp.status, "ログインできません" in resp.text))
    threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(timeout=120)
    evaluated = sum(1 for st, _ in answers if st == 401)
    refused = sum(1 for st, said in answers if st == 429 and said)
    eq(len(answers), 40, "every guess answered")
    eq(evaluated, 5, "evaluated")
    eq(refused, 35, "refused by the throttle")
    sql("DELETE FROM login_failure")
    report("parallel wrong passwords (one address)", 40, refused + evaluated)


def test_headers_on_every_route():
    """Every answer, whatever the route and status, carries the browser-side guards."""
    admin = admin_client()
    tried = 0
    for r in ROUTES:
        for c in (admin, Client()):
            resp = c.get(r["path"]) if r["method"] == "GET" else c.post(r["path"])
            what = "%s %s (%d)" % (r["method"], r["path"], resp.status)
            csp = resp.header("Content-Security-Policy") or ""
            ok("script-src 'self'" in csp and "unsafe-inline" not in csp and
               "frame-ancestors 'none'" in csp, "CSP on " + what)
            eq(resp.header("X-Frame-Options"), "DENY", "X-Frame-Options on " + what)
            eq(resp.header("X-Content-Type-Options"), "nosniff", "nosniff on " + what)
            ok("no-store" in (resp.header("Cache-Control") or ""), "no-store on " + what)
            for v in resp.headers_all("Set-Cookie"):
                ok("HttpOnly" in v and "SameSite=Strict" in v, "cookie flags on %s: %s" % (what, v))
            tried += 1
    for m in ("PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"):
        resp = admin.request(m, "/")
        ok(resp.status in (405, 501), "%s / is refused: %d" % (m, resp.status))
        tried += 1
    report("security headers and methods", tried, tried)


def test_cookies_secure_under_https():
    """Behind TLS (HTTPS=on from the web server) every cookie is marked Secure."""
    def cgi(https):
        env = {"PATH": "/usr/bin:/bin", "ZAIKO_CONF": os.environ["ZAIKO_CONF"],
               "REQUEST_METHOD": "GET", "PATH_INFO": "/login", "QUERY_STRING": "",
               "REMOTE_ADDR": "127.0.0.1", "GATEWAY_INTERFACE": "CGI/1.1"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if https:
            env["HTTPS"] = "on"
        out = subprocess.run([os.path.join(zt.BUILD, "zaiko.fcgi")], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        head = out.stdout.partition(b"\r\n\r\n")[0].decode("utf-8", "replace")
        return [l for l in head.split("\r\n") if l.lower().startswith("set-cookie:")]
    secure = cgi(True)
    ok(secure, "the login page sets its pre-login cookie")
    for line in secure:
        ok("; Secure" in line, "Secure under HTTPS: " + line)
    for line in cgi(False):
        ok("Secure" not in line, "not Secure over plain HTTP (tests, loopback): " + line)
    report("cookie Secure flag under HTTPS", 2, 2)


# ---- input: size, CR/LF, traversal, SQL ----

def test_oversized_bodies_413_on_every_post_route():
    c = admin_client()
    tried = 0
    limit = int(re.search(r"(?m)^max_body_bytes\s*=\s*(\d+)",
                          open(os.environ["ZAIKO_CONF"]).read()).group(1))
    for r in routes("POST"):
        cap = min(r["max_body"], limit) + SLACK
        body = b"csrf=" + c.csrf.encode() + b"&x=" + b"y" * (cap + 4096)
        resp = c.request("POST", r["path"], raw_body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        eq(resp.status, 413, "%d bytes to %s" % (len(body), r["path"]))
        ok("大きすぎ" in resp.text, "a Japanese message on " + r["path"])
        tried += 1
    # A Content-Length that lies (larger than sent) is refused without waiting forever.
    resp = c.request("POST", "/logout", raw_body=b"csrf=" + c.csrf.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Content-Length": "99999999999999999999"})
    ok(resp.status in (400, 413), "absurd Content-Length: %d" % resp.status)
    eq(c.get("/").status, 200, "still logged in")
    report("oversized bodies", tried + 1, tried + 1)


CRLF_VALUES = ["x\r\nSet-Cookie: zinj=1", "x\rSet-Cookie: zinj=1", "x\nSet-Cookie: zinj=1",
               "/\r\nSet-Cookie:zinj=1", "x%0d%0aSet-Cookie:zinj=1"]


def test_crlf_in_reflected_values():
    c = admin_client()
    tried = 0

    def check(resp, what):
        eq(any_header_has(resp, "zinj"), [], "no injected header: " + what)
        ok(resp.status < 500, "no server error (%d): %s" % (resp.status, what))
    # every GET field of every route
    for r in routes("GET"):
        for name, ftype, _ in r["fields"] or [("q", "WF_TEXT", False)]:
            for v in CRLF_VALUES:
                check(c.get(r["path"] + "?" + urllib.parse.urlencode({name: v})),
                      "%s?%s" % (r["path"], name))
                tried += 1
    # the path itself ends up in the login redirect's next=
    for p in ("/%0d%0aSet-Cookie:%20zinj=1", "/x%0aSet-Cookie:zinj=1", "/%E3%0d%0azinj"):
        check(Client().get(p), "path " + p)
        tried += 1
    # next= after a successful login becomes a Location header
    for nxt in ["/%0d%0aSet-Cookie:zinj=1", "/\r\nSet-Cookie: zinj=1", "//evil.example/",
                "/\\evil.example", "https://evil.example/", "/\tzinj"]:
        v = Client()
        v.get("/login")
        resp = v.post("/login", {"login": "admin", "password": zt.admin_password(), "next": nxt})
        ok(resp.status in (303, 400), "login with next=%r: %d" % (nxt, resp.status))
        check(resp, "next=" + repr(nxt))
        loc = resp.header("Location") or "/"
        ok(loc.startswith("/") and not loc.startswith("//") and "\\" not in loc[:2]
           and "evil" not in loc, "a local redirect only: %r" % loc)
        tried += 1
    report("CR/LF in reflected values", tried, tried)


def test_path_traversal():
    c = admin_client()
    tried = 0
    # through nginx's static files and the router
    for p in ("/static/../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc/passwd",
              "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc/passwd",
              "/static/../templates/login.cs", "/static/..%2ftemplates/login.cs",
              "/static/../../conf/zaiko.conf.example", "/favicon.ico/../../etc/passwd"):
        resp = c.get(p)
        ok("root:x:0:0" not in resp.text and "<?cs" not in resp.text and
           "password =" not in resp.text, "nothing outside htdocs through " + p)
        tried += 1
    # every file field: the client's file name is a label, never a path
    victim = "/tmp/zaiko-traversal-%s" % os.urandom(4).hex()
    for r in routes("POST"):
        files = [f for f in r["fields"] if f[1] == "WF_FILE"]
        for name, _, _ in files:
            for fname in ("../../../../.." + victim, victim, "..\\..\\..\\x.csv",
                          "a/../../b.csv", "x\r\nSet-Cookie: zinj=1.csv"):
                boundary = "----zaikoprobe" + os.urandom(6).hex()
                body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                        "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                        "Content-Type: text/csv\r\n\r\nsku,total\r\nTRAV-1,1\r\n--%s--\r\n" %
                        (boundary, c.csrf, boundary, name, fname, boundary)).encode()
                resp = c.request("POST", r["path"], raw_body=body, headers={
                    "Content-Type": "multipart/form-data; boundary=" + boundary})
                ok(resp.status < 500, "%s with filename %r: %d" % (r["path"], fname,
                                                                    resp.status))
                eq(any_header_has(resp, "zinj"), [], "file name not reflected into a header")
                ok(not os.path.exists(victim), "nothing written at " + victim)
                tried += 1
    # every text field named like a file or path
    for r in routes("GET"):
        for name, ftype, _ in r["fields"]:
            if ftype == "WF_TEXT":
                resp = c.get(r["path"] + "?" + urllib.parse.urlencode(
                    {name: "../../../../../../etc/passwd"}))
                ok("root:x:0:0" not in resp.text, "%s?%s" % (r["path"], name))
                tried += 1
    report("path traversal", tried, tried)


SQL_VALUES = ["'", "\"", "\\", "' OR '1'='1", "1' OR 1=1 -- ", "'; DROP TABLE sku; --",
              "\"; DELETE FROM sku; --", "%", "_", "%' AND SLEEP(5) AND '%'='",
              "1 AND SLEEP(5)", "\\'; SELECT 1; --", "0x27", "テスト' OR ''='", "` ) ; --",
              "1 UNION SELECT login, password_hash FROM app_user -- "]


def db_fingerprint():
    return sql("SELECT (SELECT COUNT(*) FROM sku), (SELECT COALESCE(SUM(total), 0) FROM sku), "
               "(SELECT COUNT(*) FROM listing), (SELECT COUNT(*) FROM shop), "
               "(SELECT COUNT(*) FROM app_user), (SELECT COUNT(*) FROM set_part)")


def test_sql_metacharacters_in_every_get_field():
    c = admin_client()
    before = db_fingerprint()
    tried = 0
    for r in routes("GET"):
        names = [(n, t) for n, t, _ in r["fields"]] or [("q", "WF_TEXT")]
        for name, ftype in names:
            for v in SQL_VALUES:
                t0 = time.time()
                resp = c.get(r["path"] + "?" + urllib.parse.urlencode({name: v}))
                took = time.time() - t0
                what = "%s?%s=%r" % (r["path"], name, v)
                ok(resp.status < 500, "no server error: %s → %d" % (what, resp.status))
                ok(took < 4.5, "no injected SLEEP: %s took %.1f s" % (what, took))
                low = resp.text.lower()
                ok("sql syntax" not in low and "mariadb" not in low and "mysql" not in low,
                   "no database error text: " + what)
                ok("$2b$" not in resp.text and "$y$" not in resp.text, "no hash leaked: " + what)
                tried += 1
    eq(db_fingerprint(), before, "the database is unchanged")
    report("SQL metacharacters in GET fields", tried, tried)



# ---- where credentials go ----

MALLURL_C = os.path.join(zt.ROOT, "cgi-bin", "core", "mallurl.c")
CREDS = {"rakuten": ({"service_secret": "SP1_probe", "license_key": "SL1_probe"}, {}),
         "amazon": ({"client_id": "amzn1.application-oa2-client.probe", "client_secret": "s",
                     "refresh_token": "Atzr|probe"}, {"seller_id": "APROBE"}),
         "yahoo": ({"client_id": "probe", "client_secret": "s", "refresh_token": "r",
                    "seller_id": "probe-store"}, {}),
         "shopify": ({"access_token": "shpat_probe"}, {"location_id": "gid://shopify/Location/1"})}
ELSEWHERE = ["https://attacker.example/", "https://attacker.example:8443/x",
             "http://127.0.0.1:9/", "https://10.0.0.1/"]


def destination_keys():
    """The options that decide where credentials go, as mallurl.c lists them."""
    with open(MALLURL_C, encoding="utf-8") as f:
        m = re.search(r"mallurl_destination_keys\[\]\s*=\s*\{([^}]*)\}", f.read())
    ok(m, "mallurl.c lists its destination options")
    return re.findall(r'"(\w+)"', m.group(1))


def url_probes():
    """(route, field, mall, value builder) for every admin form field that can move a shop's
    credentials somewhere else: api_base, a field named *_url (a mall's own: yahoo_token_url
    on a Yahoo shop), and each destination option written into a JSON options field."""
    keys = destination_keys()
    out = []
    for r in routes("POST", need="ROUTE_ADMIN"):
        names = {n for n, _, _ in r["fields"]}
        if "mall" not in names or "id" not in names:
            continue
        for n, t, _ in r["fields"]:
            if t != "WF_TEXT":
                continue
            if n == "api_base":
                for mall in ("rakuten", "amazon"):
                    out.append((r, n, mall, lambda v: v))
            elif n.endswith("_url") and n.split("_")[0] in CREDS:
                out.append((r, n, n.split("_")[0], lambda v: v))
            elif n.startswith("options"):
                for k in keys:
                    out.append((r, n, "amazon", lambda v, k=k: '{"%s": "%s"}' % (k, v)))
    return out


def test_no_form_moves_stored_credentials_elsewhere():
    """issue 13.3, generated from the route table: whichever admin form field can change where
    a shop's calls go (the API URL, a token URL, a destination option in the JSON options) is
    refused, or the stored credentials are dropped with the change: a shop never keeps
    credentials entered for one place while its URL points at another."""
    c = admin_client()
    probes = url_probes()
    ok(any(f == "api_base" for _, f, _, _ in probes), "the shop form's API URL is among the "
       "probed fields: %r" % sorted({f for _, f, _, _ in probes}))
    tried = refused = 0
    for r, field, mall, build in probes:
        for target in ELSEWHERE:
            name = "!URL-%s-%d" % (mall, tried)
            creds, opts = CREDS[mall]
            p = subprocess.run([zt.BATCH, "shop-add", name, mall, "--base-url",
                                "http://127.0.0.1:9", "--credentials-stdin", "--options",
                                json.dumps(opts)],
                               capture_output=True, input=json.dumps(creds).encode())
            eq(p.returncode, 0, "shop-add %s: %s" % (name, p.stderr.decode()[-300:]))
            sid = int(sql1("SELECT id FROM shop WHERE name = ?", name))
            try:
                state = ("SELECT COALESCE(api_base, ''), COALESCE(options, ''), "
                         "COALESCE(SHA2(credentials, 256), 'none') FROM shop WHERE id = ?")
                before = sql(state, sid)
                ok(before[0][2] != "none", "credentials stored for %s" % name)
                c.get("/admin/shops/edit?id=%d" % sid)
                fields = {"id": sid, "name": name, "mall": mall, "alloc_rate": 100,
                          "api_base": "http://127.0.0.1:9"}
                fields[field] = build(target)
                resp = c.post(r["path"], fields)
                ok(resp.status < 500, "%s %s=%r answered %d" % (r["path"], field, target,
                                                               resp.status))
                after = sql(state, sid)
                moved = target in after[0][0] + after[0][1]
                kept = after[0][2] != "none"
                ok(not (moved and kept), "%s %s=%r: the destination moved and the stored "
                   "credentials stayed (%d)" % (r["path"], field, target, resp.status))
                if not moved:
                    eq(after[0][2], before[0][2], "refused: the credentials are unchanged")
                    refused += 1
                else:
                    eq(after[0][2], "none", "moved: the old credentials were dropped")
                    refused += 1
                tried += 1
            finally:
                sql("DELETE FROM shop WHERE id = ?", sid)
    report("API URL changes keep no credentials", tried, refused)


# ---- stored XSS ----

PAYLOADS = {
    "script": "<script>%s(1)</script>" % MARK,
    "img": "<img src=x onerror=%s(2)>" % MARK,
    "attr": "x\" onmouseover=\"%s(3)" % MARK,
    "squote": "x' onfocus='%s(4)" % MARK,
    "cs": "<?cs var:Config.VarEscapeMode ?>%s5" % MARK,
}


def raw_hits(text):
    """The payloads that appear unescaped in a page."""
    hits = []
    for k, p in PAYLOADS.items():
        if k == "squote":
            # a single quote is harmless in text and in double-quoted attributes; only an
            # attribute opened with ' could break, and the templates use " (checked below)
            continue
        if p in text:
            hits.append(k)
    if "src=\"javascript:" in text.lower() or "href=\"javascript:" in text.lower():
        hits.append("javascript: URL")
    return hits


def seed_hostile_rows():
    """SKU, shop, listing (as a mall would supply it) and error rows full of markup."""
    cleanup_hostile_rows()
    p = PAYLOADS
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, ?, 7, UTC_TIMESTAMP())",
        "!XSS-S1", p["script"] + p["attr"])
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, ?, 3, UTC_TIMESTAMP())",
        "!XSS-<b>2", p["img"] + p["cs"])
    sql("INSERT INTO shop (name, mall, enabled, state, stop_reason, api_base, created_at) "
        "VALUES (?, 'yahoo', 1, 'stopped', ?, ?, UTC_TIMESTAMP())",
        "!XSS-shop " + p["img"], p["script"], "javascript:alert(1)")
    shop = sql1("SELECT id FROM shop WHERE name LIKE '!XSS-shop%'")
    sku = sql1("SELECT id FROM sku WHERE code = '!XSS-S1'")
    sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, options, image_url, "
        "jan, sku_id, mall_stock, wanted, state, last_error) VALUES "
        "(?, ?, ?, '!XSS-S1', ?, ?, ?, ?, ?, 5, 7, 'error', ?)",
        int(shop), "!XSS-item<i>", p["attr"], p["script"] + p["squote"], p["img"],
        "javascript:alert(1)", p["attr"][:32], int(sku), p["img"])
    sql("INSERT INTO error_log (level, kind, shop_id, sku_id, message, created_at, updated_at) "
        "VALUES (3, 'push', ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
        int(shop), int(sku), "!XSS " + p["script"] + p["img"])
    return shop, sku


def cleanup_hostile_rows():
    sql("DELETE FROM error_log WHERE message LIKE '!XSS%'")
    sql("DELETE FROM listing WHERE sku_code = '!XSS-S1'")
    sql("DELETE FROM shop WHERE name LIKE '!XSS-shop%'")
    sql("DELETE FROM sku WHERE code LIKE '!XSS-%'")


def get_urls(shop, sku):
    """Every GET page, plain and with its declared fields filled with the hostile rows' keys."""
    urls = []
    for r in routes("GET"):
        urls.append((r, r["path"]))
        params = {}
        for name, ftype, _ in r["fields"]:
            if ftype == "WF_INT" and name in ("id", "shop", "shop_id"):
                params[name] = shop if ("shop" in r["path"] or name != "id") else sku
            elif ftype == "WF_INT" and name in ("sku", "sku_id"):
                params[name] = sku
            elif ftype == "WF_TEXT" and name in ("q", "code", "sku", "kind"):
                params[name] = "!XSS-S1" if name != "kind" else "push"
        if params:
            urls.append((r, r["path"] + "?" + urllib.parse.urlencode(params)))
    return urls


def test_stored_xss_everywhere():
    shop, sku = seed_hostile_rows()
    try:
        c = admin_client()
        pages = escaped_seen = 0
        for r, url in get_urls(shop, sku):
            resp = c.get(url)
            ok(resp.status < 500, "%s answered %d" % (url, resp.status))
            ctype = resp.header("Content-Type") or ""
            if "ROUTE_JSON" in r["needs"] or "json" in ctype:
                ok("application/json" in ctype, "JSON answers say so: %s %s" % (url, ctype))
                ok(resp.header("X-Content-Type-Options") == "nosniff", "nosniff on " + url)
                continue
            if "text/html" not in ctype:
                continue  # downloads (CSV): checked for formula injection by the CSV tests
            pages += 1
            eq(raw_hits(resp.text), [], "unescaped hostile data on " + url)
            ok("zinj" not in resp.text, "")
            if "&lt;script&gt;%s(1)&lt;/script&gt;" % MARK in resp.text or \
               "&lt;img src=x onerror=%s(2)&gt;" % MARK in resp.text:
                escaped_seen += 1
            # attribute values in the templates are double-quoted, so ' needs no escape there
            ok(not re.search(r"=\s*'[^']*%s" % MARK, resp.text),
               "no single-quoted attribute holds hostile data on " + url)
        ok(escaped_seen >= 1, "the hostile rows were shown (escaped) on at least one page")
        report("stored XSS (pages rendered)", pages, pages)
        print("probes: hostile rows shown escaped on %d page(s)" % escaped_seen)
    finally:
        cleanup_hostile_rows()


def test_stored_xss_through_forms():
    """Text typed into the admin forms comes back escaped (shop and user names)."""
    c = admin_client()
    tried = 0
    save = [r for r in routes("POST", need="ROUTE_ADMIN") if r["path"] == "/admin/shops/save"]
    if save:
        names = {n for n, _, _ in save[0]["fields"]}
        fields = {"name": "!XSS-form " + PAYLOADS["img"], "mall": "yahoo"}
        fields = {k: v for k, v in fields.items() if k in names}
        try:
            resp = c.post("/admin/shops/save", fields)
            ok(resp.status < 500, "shop save answered %d" % resp.status)
            page = c.get("/admin/shops")
            eq(raw_hits(page.text), [], "the shop list escapes a typed shop name")
            tried += 1
        finally:
            sql("DELETE FROM shop WHERE name LIKE '!XSS-form%'")
    # Text echoed back in a form after a validation error
    for r in routes("POST", without="ROUTE_JSON"):
        texts = [n for n, t, _ in r["fields"] if t == "WF_TEXT"]
        # Only forms that are sure to be refused (a number or a choice that is not one), so
        # the probe changes nothing, and the login form (refused without its token).
        spoil = {n: "not-a-number" for n, t, _ in r["fields"] if t in ("WF_INT", "WF_INT_LIST")}
        spoil.update({n: "zz-no-such-choice" for n, t, _ in r["fields"] if t == "WF_ENUM"})
        if not texts or (not spoil and r["path"] != "/login"):
            continue
        fields = {n: PAYLOADS["script"] for n in texts}
        fields.update(spoil)
        resp = c.post(r["path"], fields)
        if "text/html" in (resp.header("Content-Type") or ""):
            eq(raw_hits(resp.text), [], "no reflected markup from " + r["path"])
        tried += 1
    sql("DELETE FROM login_failure")
    report("reflected/stored XSS through forms", tried, tried)


zt.run()
