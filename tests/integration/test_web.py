"""The request pipeline through nginx: login, sessions, CSRF, throttling, errors, escaping,
limits, and plain-CGI mode. The tests that take `new` (what makes a fresh client) are run
again by test_cgi.py through fcgiwrap, which must answer like the FastCGI workers."""
import os
import subprocess
import time
import zt
from zt import Client, eq, ok, sql, sql1


def test_security_headers_on_every_answer():
    c = Client()
    for path in ("/login", "/no-such-page"):
        r = c.get(path)
        csp = r.header("Content-Security-Policy") or ""
        ok("script-src 'self'" in csp and "unsafe-inline" not in csp, "CSP without inline script")
        eq(r.header("X-Frame-Options"), "DENY", "X-Frame-Options")
        eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff")
        ok(r.header("Referrer-Policy"), "Referrer-Policy present")


def test_list_needs_login(new=Client):
    r = new().get("/")
    eq(r.status, 303, "status")
    eq(r.header("Location"), "/login", "redirect")


def test_login_success_and_logout(new=Client):
    c = new()
    c.login()
    r = c.get("/")
    eq(r.status, 200, "list after login")
    ok("在庫連携" in r.text, "the list's title")
    cookie = c.cookies["zaiko_session"]
    set_cookie = [v for v in r.headers_all("Set-Cookie")]
    eq(set_cookie, [], "no new cookie on an ordinary page")
    # The session token is stored hashed: the cookie value is nowhere in the table.
    eq(sql1("SELECT COUNT(*) FROM session WHERE HEX(token_hash) = UPPER(?)", cookie), "0",
       "raw token not stored")
    r = c.post("/logout")
    eq(r.status, 303, "logout")
    eq(new().get("/").status, 303, "fresh client still logged out")
    c2 = new()
    c2.cookies["zaiko_session"] = cookie
    eq(c2.get("/").status, 303, "the old token is dead after logout")


def test_session_cookie_flags():
    c = Client()
    c.get("/login")
    r = c.post("/login", {"login": "admin", "password": zt.admin_password()})
    eq(r.status, 303, "login")
    v = [h for h in r.headers_all("Set-Cookie") if h.startswith("zaiko_session=")][0]
    ok("HttpOnly" in v and "SameSite=Strict" in v, "HttpOnly and SameSite=Strict: " + v)


def test_new_token_at_login_no_fixation():
    c = Client()
    planted = "a" * 64
    c.cookies["zaiko_session"] = planted
    c.login()
    ok(c.cookies["zaiko_session"] != planted, "a new token is issued at login")


def test_login_failure_message(new=Client):
    c = new()
    c.get("/login")
    r = c.post("/login", {"login": "admin", "password": "wrong-password-1"})
    eq(r.status, 401, "status")
    ok("ログインIDまたはパスワードが違います" in r.text, "Japanese message")
    sql("DELETE FROM login_failure")


def test_login_without_prelogin_token_refused():
    c = Client()
    r = c.request("POST", "/login", body={"login": "admin", "password": zt.admin_password()})
    eq(r.status, 403, "login CSRF")


def test_throttling_locks_account_at_address_then_address():
    """The rules are in cgi-bin/web/session.c: an account is locked for the address that
    failed on it 5 times; an address is locked after 20 failures on any accounts; nobody
    else is locked out by someone's guesses (tests/integration/test_safety.py)."""
    sql("DELETE FROM login_failure")
    c = Client()
    c.get("/login")
    for _ in range(5):
        r = c.post("/login", {"login": "nobody-here", "password": "x" * 12})
        eq(r.status, 401, "a failure")
    r = c.post("/login", {"login": "nobody-here", "password": "x" * 12})
    eq(r.status, 429, "locked after 5 failures")
    ok("15分間" in r.text, "says for how long")
    # Another account from the same address is still heard ...
    r = c.post("/login", {"login": "admin", "password": zt.admin_password()})
    eq(r.status, 303, "another account is not locked by failures on this one")
    sql("DELETE FROM login_failure")
    # ... until the address itself has failed 20 times.
    sql("INSERT INTO login_failure (login, address, at) SELECT CONCAT('spray', seq), "
        "'127.0.0.1', UTC_TIMESTAMP() FROM seq_1_to_20")
    c = Client()
    c.get("/login")
    r = c.post("/login", {"login": "admin", "password": zt.admin_password()})
    eq(r.status, 429, "address locked")
    sql("DELETE FROM login_failure")
    eq(c.post("/login", {"login": "admin", "password": zt.admin_password()}).status, 303,
       "unlocked once the failures age out")


def test_post_without_csrf_is_403(new=Client):
    c = new()
    c.login()
    r = c.post("/logout", csrf=False)
    eq(r.status, 403, "no token")
    r = c.post("/logout", {"csrf": "0" * 64})
    eq(r.status, 403, "wrong token")
    eq(c.get("/").status, 200, "still logged in")


def test_expired_session_goes_to_login():
    c = Client()
    c.login()
    sql("UPDATE session SET last_seen = UTC_TIMESTAMP() - INTERVAL 9 HOUR")
    r = c.get("/")
    eq(r.status, 303, "expired")
    eq(r.header("Location"), "/login", "to the login page")


def test_404_and_405(new=Client):
    c = new()
    c.login()
    r = c.get("/nothing/here")
    eq(r.status, 404, "unknown path")
    ok("ページが見つかりません" in r.text, "Japanese 404")
    r = c.request("DELETE", "/")
    eq(r.status, 405, "wrong method")
    ok("GET" in (r.header("Allow") or ""), "Allow header")


def test_413_before_reading(new=Client):
    c = new()
    c.login()
    big = b"a=" + b"x" * (2 << 20)
    r = c.request("POST", "/logout", raw_body=big,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    eq(r.status, 413, "too large")


def test_bad_input_400():
    c = Client()
    c.login()
    for q in ("/?page=abc", "/?page=1&page=2", "/?page=%zz", "/?page=0", "/?x=%00",
              "/?x=%ff%fe", "/?page=99999999999999999999"):
        r = c.get(q)
        eq(r.status, 400, q)
        ok("<script" not in r.text.lower() or "zaiko.js" in r.text, "no reflected script")


def test_sku_name_is_escaped():
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES "
        "('!XSS-1', '<script>alert(1)</script>&\"''', 5, UTC_TIMESTAMP())")
    c = Client()
    c.login()
    r = c.get("/")
    ok("<script>alert(1)" not in r.text, "raw script absent")
    ok("&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, "escaped name present")
    sql("DELETE FROM sku WHERE code = '!XSS-1'")


def test_hostile_search_changes_nothing():
    before = sql("SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sku")
    c = Client()
    c.login()
    for q in ("'%20OR%201=1;%20DROP%20TABLE%20sku;--", "%22%3B%20DELETE%20FROM%20sku%3B",
              "%E3%83%86%E3%82%B9%E3%83%88'%2C%22", "%25%5F%5C"):
        r = c.get("/?q=" + q)
        ok(r.status in (200, 400), "answered: %d" % r.status)
    eq(sql("SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sku"), before, "SKUs unchanged")


def test_plain_cgi_mode_answers():
    env = {"PATH": "/usr/bin:/bin", "ZAIKO_CONF": os.environ["ZAIKO_CONF"],
           "REQUEST_METHOD": "GET", "PATH_INFO": "/login", "QUERY_STRING": "",
           "REMOTE_ADDR": "127.0.0.1", "GATEWAY_INTERFACE": "CGI/1.1"}
    out = subprocess.run([os.path.join(zt.BUILD, "zaiko.fcgi")], env=env,
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    eq(out.returncode, 0, "exit code")
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    ok(head.startswith(b"Status: 200"), "status line: %r" % head[:40])
    ok("ログイン".encode() in body, "login page body")


if __name__ == "__main__":
    zt.run()
