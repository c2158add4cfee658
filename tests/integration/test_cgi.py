"""Plain-CGI deployment: zaiko.fcgi run as a CGI program, one process per request, behind
Debian's fcgiwrap and a second nginx (as on a host without FastCGI process management), must
answer like the FastCGI workers. Also: the example configuration names every key the code
reads, and `make install` lays out a tree that works."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import test_web
import zt
from zt import Client, eq, ok, sql

STACK = os.path.abspath(zt.STACK)  # nginx resolves relative paths against its prefix

STATE = {}


def start_cgi_server():
    """fcgiwrap on a socket in the stack dir, and an nginx that sends every page to it."""
    if STATE:
        return STATE["url"]
    fcgiwrap = shutil.which("fcgiwrap") or "/usr/sbin/fcgiwrap"
    ok(os.path.exists(fcgiwrap), "fcgiwrap is installed (tests/stack/deps.sh)")
    tmp = tempfile.mkdtemp(prefix="cgi-", dir=STACK)
    os.chmod(tmp, 0o755)  # nginx's workers (nobody when root) create their temp dirs here
    sock = os.path.join(tmp, "fcgiwrap.sock")
    log = open(os.path.join(tmp, "fcgiwrap.log"), "wb")
    wrap = subprocess.Popen([fcgiwrap, "-c", "2", "-s", "unix:" + sock],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)
    STATE["wrap"] = wrap
    STATE["tmp"] = tmp
    zt.wait_until(lambda: os.path.exists(sock), "fcgiwrap's socket", timeout=10)
    os.chmod(sock, 0o666)
    port = zt.free_port()
    # fcgiwrap gives the CGI program only the FastCGI parameters as its environment: the
    # configuration path travels like SetEnv on a shared host.
    extra = ""
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if os.environ.get(name):
            extra += '            fastcgi_param %s "%s";\n' % (name, os.environ[name])
    http = """
    include /etc/nginx/mime.types;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    client_max_body_size 64m;
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{ alias {root}/htdocs/; }}
        location = /favicon.ico {{ return 204; }}
        location / {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME {prog};
            fastcgi_param SCRIPT_NAME "";
            fastcgi_param PATH_INFO $uri;
            fastcgi_param ZAIKO_CONF {conf};
{extra}            fastcgi_pass unix:{sock};
        }}
    }}
""".format(tmp=tmp, port=port, root=zt.ROOT, prog=os.path.join(zt.BUILD, "zaiko.fcgi"),
           conf=os.environ["ZAIKO_CONF"], sock=sock, extra=extra)
    STATE["nginx"] = zt.Nginx(tmp, zt.nginx_conf(tmp, http))
    STATE["url"] = "http://127.0.0.1:%d" % port
    zt.wait_port(port, timeout=10)
    return STATE["url"]


def stop_cgi_server():
    if "nginx" in STATE:
        STATE["nginx"].stop()
    if "wrap" in STATE:
        try:
            os.killpg(STATE["wrap"].pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        STATE["wrap"].wait(timeout=10)
    STATE.clear()


def cgi_client():
    return Client(start_cgi_server())


def test_cgi_login_page():
    r = cgi_client().get("/login")
    eq(r.status, 200, "status")
    ok("ログイン" in r.text, "the login page in Japanese")
    ok(re.search(r'name="csrf" value="[0-9a-f]{64}"', r.text), "a pre-login token in the form")
    ok(r.header("Content-Security-Policy"), "the security headers come through CGI too")
    ok(r.header("Content-Length") is not None or r.body, "a body")


def test_cgi_static_and_favicon():
    c = cgi_client()
    eq(c.get("/favicon.ico").status, 204, "favicon")
    eq(c.get("/static/css/zaiko.css").status, 200, "a static file from htdocs")


# The request pipeline's checks of test_web.py, made through fcgiwrap.

def test_cgi_login_list_logout():
    test_web.test_login_success_and_logout(cgi_client)


def test_cgi_login_failure_and_needs_login():
    test_web.test_list_needs_login(cgi_client)
    test_web.test_login_failure_message(cgi_client)


def test_cgi_404_and_405():
    test_web.test_404_and_405(cgi_client)


def test_cgi_csrf_403():
    test_web.test_post_without_csrf_is_403(cgi_client)


def test_cgi_413():
    test_web.test_413_before_reading(cgi_client)


def test_cgi_escaping():
    sql("DELETE FROM sku WHERE code = '!XSS-CGI'")
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES "
        "('!XSS-CGI', '<img src=x onerror=alert(1)>\"''&', 5, UTC_TIMESTAMP())")
    try:
        c = cgi_client()
        c.login()
        r = c.get("/")  # '!' sorts first: the row is on the first page
        eq(r.status, 200, "status")
        ok("<img src=x" not in r.text, "raw markup absent")
        ok("&lt;img src=x onerror=alert(1)&gt;" in r.text, "escaped name present")
        r = c.get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        ok("<script>alert(1)" not in r.text, "a reflected value is escaped")
    finally:
        sql("DELETE FROM sku WHERE code = '!XSS-CGI'")


def test_cgi_one_process_per_request():
    """Through fcgiwrap every request is a new process: two requests, two request ids, and no
    worker of the CGI server keeps zaiko.fcgi alive between them."""
    c = cgi_client()
    a = c.get("/login").header("X-Request-Id")
    b = c.get("/login").header("X-Request-Id")
    ok(a and b and a != b, "a request id each")
    children = subprocess.run(["pgrep", "-P", str(STATE["wrap"].pid)], capture_output=True)
    # fcgiwrap's own children are its -c workers; none of them is zaiko.fcgi
    for pid in children.stdout.split():
        with open("/proc/%s/cmdline" % pid.decode(), "rb") as f:
            ok(b"zaiko.fcgi" not in f.read(), "no resident zaiko.fcgi under fcgiwrap")


def code_conf_keys():
    keys = set()
    pat = re.compile(r'conf_(?:get|int)\s*\(\s*[^,]+,\s*"([a-z_]+)"\s*,\s*"([a-z_]+)"')
    for dirpath, _, files in os.walk(os.path.join(zt.ROOT, "cgi-bin")):
        for name in files:
            if name.endswith(".c"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    keys.update(pat.findall(f.read()))
    return keys


def test_example_conf_names_every_key():
    keys = code_conf_keys()
    ok(("database", "password") in keys, "the scan finds keys: %r" % sorted(keys))
    section = None
    listed = set()
    with open(os.path.join(zt.ROOT, "conf", "zaiko.conf.example"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            m = re.match(r"\[([a-z_]+)\]$", line)
            if m:
                section = m.group(1)
                continue
            m = re.match(r"#?([a-z_]+)\s*=", line)
            if m and section:
                listed.add((section, m.group(1)))
    missing = sorted("[%s] %s" % k for k in keys - listed)
    eq(missing, [], "keys read by the code but missing from conf/zaiko.conf.example")


def test_make_install_tree_serves_cgi():
    """make install into a DESTDIR; the installed binary answers as CGI with the installed
    templates, and nothing outside DESTDIR is written."""
    dest = tempfile.mkdtemp(prefix="install-", dir=STACK)
    try:
        build = os.path.relpath(zt.BUILD, zt.ROOT)
        r = subprocess.run(["make", "--no-print-directory", "-C", zt.ROOT, "install",
                            "BUILD=" + build, "PREFIX=/opt/zaiko", "DESTDIR=" + dest],
                           capture_output=True, timeout=600)
        eq(r.returncode, 0, "make install: " + r.stderr.decode()[-500:])
        pre = os.path.join(dest, "opt", "zaiko")
        for rel in ("bin/zaiko-batch", "lib/zaiko/cgi-bin/zaiko.fcgi", "bin/zaiko.fcgi",
                    "share/zaiko/templates/login.cs", "share/zaiko/sql/001_schema.sql",
                    "share/zaiko/conf/zaiko.conf.example", "share/zaiko/conf/nginx.conf.example",
                    "share/zaiko/htdocs/css/zaiko.css"):
            ok(os.path.exists(os.path.join(pre, rel)), "installed: " + rel)
        eq(sorted(os.listdir(dest)), ["opt"], "only PREFIX under DESTDIR (no /etc)")
        with open(os.path.join(pre, "share/zaiko/conf/zaiko.conf.example")) as f:
            example = f.read()
        ok("/opt/zaiko/share/zaiko/templates" in example, "PREFIX substituted in the example")
        # A configuration as a shared-hosting user would write it: the stack's database, the
        # installed templates.
        with open(os.environ["ZAIKO_CONF"]) as f:
            stack_conf = f.read()
        conf = re.sub(r"(?m)^templates = .*$",
                      "templates = " + os.path.join(pre, "share/zaiko/templates"), stack_conf)
        conf_path = os.path.join(dest, "zaiko.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        env = {"PATH": "/usr/bin:/bin", "ZAIKO_CONF": conf_path, "REQUEST_METHOD": "GET",
               "PATH_INFO": "/login", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1",
               "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        out = subprocess.run([os.path.join(pre, "bin/zaiko.fcgi")], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        head, _, body = out.stdout.partition(b"\r\n\r\n")
        ok(head.startswith(b"Status: 200"), "installed CGI answers: %r" % out.stdout[:200])
        ok("ログイン".encode() in body, "with the installed templates")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


try:
    zt.run()
finally:
    stop_cgi_server()
