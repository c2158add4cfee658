"""`zaiko-batch migrate` waits on a long statement with a read timeout of its own ([batch]
migrate_timeout, default an hour), not the ordinary [database] rw_timeout: a migration that
outlasts rw_timeout (a stated ALGORITHM=COPY of a large table) is applied and recorded, not cut
off with a lost connection. Connector/C's read timeout is the client's, so it is proved with a
statement that runs longer than it: a migration in a temporary directory doing DO SLEEP(5) with
rw_timeout = 1. The same migration with migrate_timeout = 1 loses its connection (the test
would see a migrate that fell back to rw_timeout)."""
import os
import shutil
import tempfile

import zt
from zt import eq, ok, sql, sql1

# A number no migration of sql/ will have; its row is deleted afterwards.
VERSION = 990001
NAME = "%d_sleep_past_rw_timeout.sql" % VERSION


def conf_with(tmp, extra_batch=""):
    """The stack's configuration with rw_timeout = 1, sql_dir = tmp and extra [batch] lines."""
    with open(os.environ["ZAIKO_CONF"]) as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        if line.startswith("rw_timeout") or line.startswith("sql_dir") or \
                line.startswith("migrate_timeout"):
            continue
        out.append(line)
        if line == "[database]":
            out.append("rw_timeout = 1")
        elif line == "[batch]":
            out.append("sql_dir = " + tmp)
            if extra_batch:
                out.append(extra_batch)
    path = os.path.join(tmp, "zaiko.conf")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def recorded():
    return int(sql1("SELECT COUNT(*) FROM schema_version WHERE version = ?", VERSION))


def test_migrate_outlasts_the_ordinary_read_timeout():
    tmp = tempfile.mkdtemp(prefix="zaiko-migrate-timeout-")
    try:
        with open(os.path.join(tmp, NAME), "w") as f:
            f.write("-- longer than rw_timeout (1 s) of the configuration\nDO SLEEP(5);\n")
        sql("DELETE FROM schema_version WHERE version = ?", VERSION)

        # migrate_timeout = 1: the sleep outlasts it and the connection counts as lost.
        r = zt.batch("migrate", env={"ZAIKO_CONF": conf_with(tmp, "migrate_timeout = 1")},
                     check=False, timeout=120)
        err = r.stderr.decode("utf-8", "replace")
        ok(r.returncode != 0, "a 1 s migrate timeout fails on a 5 s statement (exit %d)" %
           r.returncode)
        ok("Lost connection" in err or "2013" in err or "timeout" in err.lower(),
           "it says the connection was lost: %s" % err[-500:])
        eq(recorded(), 0, "the step is not recorded")

        # Default migrate_timeout with rw_timeout = 1: applied and recorded.
        r = zt.batch("migrate", env={"ZAIKO_CONF": conf_with(tmp)}, check=False, timeout=180)
        err = r.stderr.decode("utf-8", "replace")
        eq(r.returncode, 0, "migrate with the default migrate_timeout: %s" % err[-800:])
        eq(recorded(), 1, "the step is recorded")
    finally:
        sql("DELETE FROM schema_version WHERE version = ?", VERSION)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    zt.run()
