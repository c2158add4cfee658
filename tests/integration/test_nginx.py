"""nginx in front of zaiko, both the private stack's (conf/nginx-stack.conf.in) and the
production example (conf/nginx.conf.example, run here for real on loopback with a throwaway
certificate and the stack's workers): pages and CSS are gzip-encoded when the client asks,
static answers carry the application's security headers, connections and requests per address
are limited (429) and a client that never finishes its header is cut off."""
import concurrent.futures
import gzip
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import zt
from zt import Client, eq, ok

STACK = os.path.abspath(zt.STACK)
SECURITY = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options")


def raw_get(port, path, headers=None, tls=False, timeout=30):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def hold_posts(port, n, tls=False):
    """n connections each stuck in a POST whose body never comes: each holds a request."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                  b"urlencoded\r\nContent-Length: 1000\r\n\r\nlogin=")
        socks.append(s)
    time.sleep(0.5)  # nginx has read every header
    return socks


def burst(port, path, n, tls=False, threads=8):
    """n GETs of path from `threads` keep-alive connections at once: (statuses, seconds)."""
    def one(k):
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = []
        try:
            for _ in range(k):
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                out.append(r.status)
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
        finally:
            c.close()
        return out
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        parts = list(ex.map(one, [n // threads] * threads))
    return sum(parts, []), time.time() - t0


def test_stack_pages_are_gzipped_when_asked():
    c = Client()
    c.login()
    plain = c.get("/")
    eq(plain.status, 200, "the list")
    ok(plain.header("Content-Encoding") is None, "no Accept-Encoding, no gzip")
    z = c.get("/", headers={"Accept-Encoding": "gzip"})
    eq(z.status, 200, "the list, gzip asked")
    eq(z.header("Content-Encoding"), "gzip", "the list is gzip-encoded")
    page = gzip.decompress(z.body)
    ok(b"</html>" in page and len(page) > len(z.body), "a whole page, smaller on the wire "
       "(%d bytes for %d)" % (len(z.body), len(page)))
    for name in SECURITY:
        eq(z.header(name), plain.header(name), "gzip keeps the application's %s" % name)
    status, h, body = raw_get(int(zt.URL.rsplit(":", 1)[1]), "/static/css/zaiko.css",
                              {"Accept-Encoding": "gzip"})
    eq((status, h.get("content-encoding")), (200, "gzip"), "CSS gzip-encoded")
    ok(gzip.decompress(body), "CSS decompresses")


def test_stack_static_has_the_security_headers():
    app = Client().get("/login")
    port = int(zt.URL.rsplit(":", 1)[1])
    for path in ("/static/css/zaiko.css", "/static/js/zaiko.js"):
        status, h, _ = raw_get(port, path)
        eq(status, 200, path)
        for name in SECURITY:
            eq(h.get(name.lower()), app.header(name), "%s: %s as the application's" % (path, name))


def stack_nginx(tmp, port, env):
    """The stack's own nginx.conf (stack.sh nginx-conf) for tmp, with the given limits, in
    front of the test stack's workers."""
    e = dict(os.environ, **env)
    conf = subprocess.run([os.path.join(zt.ROOT, "tests/stack/stack.sh"), "nginx-conf", tmp,
                           str(port)], capture_output=True, text=True, env=e, check=True).stdout
    os.makedirs(os.path.join(tmp, "nginx", "logs"))
    os.makedirs(os.path.join(tmp, "nginx", "tmp"))
    os.symlink(os.path.join(STACK, "fcgi.sock"), os.path.join(tmp, "fcgi.sock"))
    ngx = zt.Nginx(os.path.join(tmp, "nginx"), conf)
    zt.wait_port(port)
    return ngx


def test_stack_limits_connections_requests_and_slow_headers():
    tmp = tempfile.mkdtemp(prefix="ngx-", dir=STACK)
    port = zt.free_port()
    ngx = stack_nginx(tmp, port, {"NGINX_CONN_LIMIT": "3", "NGINX_REQ_RATE": "2",
                                  "NGINX_REQ_BURST": "10"})
    try:
        eq(raw_get(port, "/login")[0], 200, "a page through the limited nginx")
        socks = hold_posts(port, 3)
        try:
            eq(raw_get(port, "/static/css/zaiko.css")[0], 429,
               "a 4th connection of the same address while 3 hold requests")
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)
        eq(raw_get(port, "/static/css/zaiko.css")[0], 200, "served again once they are gone")
        statuses, took = burst(port, "/login", 40)
        ok(429 in statuses and 200 in statuses,
           "40 pages in %.1f s against 2 r/s, burst 10: some served, the rest 429: %s"
           % (took, sorted(set(statuses))))
        ok(statuses.count(200) <= 10 + 2 * took + 2, "at most the burst and the rate served")
        # A header that never ends is cut off after client_header_timeout (5 s).
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        data = s.recv(4096)
        took = time.time() - t0
        s.close()
        ok(not data or b"408" in data.split(b"\r\n")[0], "closed without a page: %r" % data[:80])
        ok(4 <= took <= 12, "an unfinished header is dropped after ~5 s (%.1f s)" % took)
        print("nginx stack: conn limit 3 → 429, rate 2 r/s burst 10 → %d × 429 of 40, "
              "slow header cut after %.1f s" % (statuses.count(429), took))
    finally:
        ngx.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def example_conf(tmp, http_port, https_port):
    with open(os.path.join(zt.ROOT, "conf", "nginx.conf.example")) as f:
        site = f.read()
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=zaiko.example.jp", "-keyout", key, "-out", cert],
                   capture_output=True, check=True)
    for old, new in [
            ("listen [::]:80;", ""), ("listen [::]:443 ssl http2;", ""),
            ("listen 80;", "listen 127.0.0.1:%d;" % http_port),
            ("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port),
            ("/etc/letsencrypt/live/zaiko.example.jp/fullchain.pem", cert),
            ("/etc/letsencrypt/live/zaiko.example.jp/privkey.pem", key),
            ("/var/log/nginx/", tmp + "/"), ("/var/lib/nginx/body", tmp + "/body"),
            ("/usr/local/share/zaiko/htdocs/", zt.ROOT + "/htdocs/"),
            ("unix:/run/zaiko/fcgi.sock", "unix:" + os.path.join(STACK, "fcgi.sock"))]:
        ok(old in site, "the example still has %r" % old)
        site = site.replace(old, new)
    with open(os.path.join(tmp, "site.conf"), "w") as f:
        f.write(site)
    # The example is a site file (inside http {}); the rest is what Debian's nginx.conf has.
    return zt.nginx_conf(tmp, """    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include {tmp}/site.conf;
""".format(tmp=tmp))


def test_example_conf_gzip_headers_and_limits():
    tmp = tempfile.mkdtemp(prefix="ngx-example-", dir=STACK)
    http_port, https_port = zt.free_port(), zt.free_port()
    ngx = zt.Nginx(tmp, example_conf(tmp, http_port, https_port))
    try:
        zt.wait_port(https_port)
        status, h, _ = raw_get(http_port, "/login")
        eq(status, 301, "plain HTTP redirects to HTTPS")
        app = raw_get(https_port, "/login", tls=True)
        eq(app[0], 200, "the login page through the example")
        status, h, body = raw_get(https_port, "/login", {"Accept-Encoding": "gzip"}, tls=True)
        eq(h.get("content-encoding"), "gzip", "pages gzip-encoded when asked")
        ok(b'name="password"' in gzip.decompress(body), "the login form, gzipped")
        status, h, body = raw_get(https_port, "/static/css/zaiko.css",
                                  {"Accept-Encoding": "gzip"}, tls=True)
        eq((status, h.get("content-encoding")), (200, "gzip"), "CSS gzip-encoded")
        for name in SECURITY:
            eq(h.get(name.lower()), app[1].get(name.lower()), "static %s as the app's" % name)
        ok(h.get("strict-transport-security"), "static keeps HSTS")
        socks = hold_posts(https_port, 32, tls=True)
        try:
            eq(raw_get(https_port, "/static/css/zaiko.css", tls=True)[0], 429,
               "a 33rd connection from one address while 32 hold requests")
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)
        statuses, took = burst(https_port, "/login", 150, tls=True, threads=10)
        served = statuses.count(200)
        ok(served <= 40 + 10 * took + 2, "at most the burst of 40 and 10 r/s served: %d in "
           "%.1f s" % (served, took))
        ok(429 in statuses and 200 in statuses,
           "150 pages in %.1f s against 10 r/s, burst 40: %s" % (took, sorted(set(statuses))))
        print("nginx example: gzip, static security headers, 33rd connection 429, "
              "%d × 429 of 150 quick pages" % statuses.count(429))
    finally:
        ngx.stop()
        shutil.rmtree(tmp, ignore_errors=True)


zt.run()
