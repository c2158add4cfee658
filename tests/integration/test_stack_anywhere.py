"""The private stack works wherever the clone is and whoever runs it: a copy of the tree in a
0700 directory (as root's home or any `mktemp -d` is) started as the user running the tests
(root in CI) serves the login page, logs in and lists; started by a throwaway normal user
(created here when the tests run as root, removed after) in their 0700 home, the same. The
stack is private (that user cannot use the other stack's MariaDB root), a killed worker is
restarted, and the workers' stderr reaches DIR/fcgi.log."""
import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import zt
from zt import Client, eq, ok

PARTS = ["tests/stack", "conf", "templates", "htdocs", "sql"]
STACK_ENV = {"WORKERS": "2", "BUFFER_POOL": "32M", "BUILD": "build"}


def copy_tree(dst):
    """What `make run` needs of a clone, with the built programs."""
    for part in PARTS:
        shutil.copytree(os.path.join(zt.ROOT, part), os.path.join(dst, part), symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(dst, "build"))
    for prog in ("zaiko.fcgi", "zaiko-batch"):
        shutil.copy2(os.path.join(zt.BUILD, prog), os.path.join(dst, "build", prog))


# An ordinary user's PATH on Debian (/etc/login.defs ENV_PATH).
USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"


def wait_until(cond, what, timeout=30.0):
    zt.wait_until(cond, what, timeout, step=0.1)


def as_user(user, argv, **kw):
    """argv run as user (runuser) when user is given, else as ourselves. The user gets the
    PATH a Debian login gives an ordinary user (login.defs' ENV_PATH): no sbin, where
    mariadbd and nginx live."""
    if user:
        argv = ["runuser", "-u", user, "--", "env", "HOME=" + pwd.getpwnam(user).pw_dir,
                "PATH=" + USER_PATH] + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 300),
                          **kw)


class Stack:
    def __init__(self, clone, user=None):
        self.clone, self.user = clone, user
        self.dir = os.path.join(clone, "var", "run")
        self.port = zt.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.env = dict(os.environ, **STACK_ENV)
        for k in ("ZAIKO_CONF", "ZAIKO_STACK_DIR"):
            self.env.pop(k, None)

    def sh(self, *args, check=True):
        argv = ["env"] + ["%s=%s" % kv for kv in STACK_ENV.items()] + \
            [os.path.join(self.clone, "tests/stack/stack.sh")] + list(args)
        r = as_user(self.user, argv, cwd=self.clone)
        if check and r.returncode != 0:
            log = ""
            for name in ("mysql-install.log", "mysql.log", "fcgi.log", "nginx/logs/error.log", "batch.log"):
                p = os.path.join(self.dir, name)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        log += "\n-- %s:\n%s" % (name, f.read()[-1500:])
            raise AssertionError("stack.sh %s as %s exited %d: %s%s%s" % (
                " ".join(args), self.user or "us", r.returncode, r.stdout[-800:],
                r.stderr[-1500:], log))
        return r

    def start(self):
        self.sh("start", self.dir, str(self.port))

    def stop(self):
        self.sh("stop", self.dir, check=False)

    def batch(self, *args, stdin=None):
        argv = ["env", "ZAIKO_CONF=" + os.path.join(self.dir, "zaiko.conf"),
                os.path.join(self.clone, "build", "zaiko-batch")] + list(args)
        return as_user(self.user, argv, input=stdin)

    def worker_pids(self):
        try:
            with open(os.path.join(self.dir, "fcgi.pids")) as f:
                return sorted(int(x) for x in f.read().split())
        except OSError:
            return []


def serves_and_logs_in(st, who):
    """The login page, a login with a password made here, and the list, through nginx."""
    c = Client(st.base)
    r = c.get("/login")
    eq(r.status, 200, "%s: GET /login (a 502 means nginx cannot reach the workers)" % who)
    ok('name="password"' in r.text, "%s: the login form" % who)
    css = c.get("/static/css/zaiko.css")
    eq(css.status, 200, "%s: a static file from the clone" % who)
    pw = "Any-" + os.urandom(6).hex()
    r = st.batch("useradd", "admin", "--role", "admin", "--password-stdin", stdin=pw + "\n")
    eq(r.returncode, 0, "%s: useradd: %s" % (who, r.stderr[-500:]))
    c.login("admin", pw)
    page = c.get("/")
    eq(page.status, 200, "%s: the list after login" % who)
    ok("在庫" in page.text, "%s: the list page" % who)


def check_privacy(st, other_user, other_stack_dir):
    """The stack directory is the owner's alone; another local user cannot use MariaDB's root
    (no password) through its socket."""
    mode = os.stat(st.dir).st_mode & 0o777
    eq(mode, 0o700, "%s is 0700" % st.dir)
    eq(os.stat(os.path.join(st.dir, "fcgi.sock")).st_mode & 0o077, 0,
       "the FastCGI socket is owner-only")
    if other_user:
        r = as_user(other_user, ["mariadb", "--no-defaults",
                                 "--socket=" + os.path.join(other_stack_dir, "mysql.sock"),
                                 "-uroot", "-N", "-e", "SELECT 1"], timeout=30)
        ok(r.returncode != 0, "user %s cannot use the other stack's MariaDB root: %r"
           % (other_user, r.stdout + r.stderr))


def check_supervision(st, who):
    before = st.worker_pids()
    eq(len(before), 2, "%s: two workers listed" % who)
    os.kill(before[0], signal.SIGKILL)
    wait_until(lambda: len(st.worker_pids()) == 2 and before[0] not in st.worker_pids() and
               all(zt.alive(p) for p in st.worker_pids()), "%s: the killed worker replaced" % who)
    eq(Client(st.base).get("/login").status, 200, "%s: served after the restart" % who)
    log = os.path.join(st.dir, "fcgi.log")
    with open(log, errors="replace") as f:
        text = f.read()
    ok(re.search(r"GET /login 200", text), "%s: the workers' log lines are in fcgi.log" % who)
    ok("worker %d ended" % before[0] in text, "%s: the restart is logged" % who)


def test_root_or_self_in_0700_directory():
    """As the user running the tests (root in CI), in a fresh 0700 directory."""
    top = tempfile.mkdtemp(prefix="zaiko-0700-")
    os.chmod(top, 0o700)
    clone = os.path.join(top, "clone")
    copy_tree(clone)
    st = Stack(clone)
    try:
        st.start()
        serves_and_logs_in(st, "as %s" % pwd.getpwuid(os.getuid()).pw_name)
        check_privacy(st, None, None)
        check_supervision(st, "as %s" % pwd.getpwuid(os.getuid()).pw_name)
    finally:
        st.stop()
        shutil.rmtree(top, ignore_errors=True)


def test_normal_user_in_0700_home():
    """A throwaway normal user in their own 0700 home (created here when root). Without root,
    the user running the tests is that normal user, in a 0700 directory of their home."""
    if os.getuid() != 0:
        top = tempfile.mkdtemp(prefix="zaiko-home-", dir=os.path.expanduser("~"))
        os.chmod(top, 0o700)
        st = Stack(os.path.join(top, "clone"))
        copy_tree(st.clone)
        try:
            st.start()
            serves_and_logs_in(st, "as ourselves in our home")
            check_privacy(st, None, None)
        finally:
            st.stop()
            shutil.rmtree(top, ignore_errors=True)
        print("stack anywhere: as a normal user in their home: login page, login, list")
        return
    name = "zt%s" % os.urandom(3).hex()
    home = tempfile.mkdtemp(prefix="zaiko-home-")
    os.rmdir(home)
    r = subprocess.run(["useradd", "--system", "--shell", "/bin/sh", "--home-dir", home,
                        "--create-home", "--user-group", name], capture_output=True, text=True)
    eq(r.returncode, 0, "useradd %s: %s" % (name, r.stderr))
    st = None
    try:
        os.chmod(home, 0o700)
        clone = os.path.join(home, "clone")
        copy_tree(clone)
        uid, gid = pwd.getpwnam(name).pw_uid, grp.getgrnam(name).gr_gid
        for d, dirs, files in os.walk(home):
            for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                os.lchown(n, uid, gid)
        st = Stack(clone, user=name)
        st.start()
        # Every process of that stack runs as that user: nginx's workers too.
        with open(os.path.join(st.dir, "nginx", "nginx.pid")) as f:
            master = int(f.read())
        eq(os.stat("/proc/%d" % master).st_uid, uid, "nginx runs as %s" % name)
        for p in st.worker_pids():
            eq(os.stat("/proc/%d" % p).st_uid, uid, "worker %d runs as %s" % (p, name))
        serves_and_logs_in(st, "as %s in %s" % (name, home))
        # Private both ways: this user cannot reach the test stack's MariaDB root.
        check_privacy(st, name, os.path.abspath(zt.STACK))
        check_supervision(st, "as %s" % name)
        print("stack anywhere: user %s in a 0700 home: login page, login, list; cannot use "
              "another stack's MariaDB root; a killed worker restarted" % name)
    finally:
        if st:
            st.stop()
        # Anything of that user still running (nothing should be) ends before userdel.
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    if os.stat("/proc/" + p).st_uid == pwd.getpwnam(name).pw_uid:
                        os.kill(int(p), signal.SIGKILL)
                except (OSError, KeyError):
                    pass
        subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


zt.run()
