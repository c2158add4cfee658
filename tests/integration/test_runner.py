"""tests/run.sh itself, on a throwaway tree: a test program that hangs is ended by the per-test
timeout and the run goes on; a test whose program was not built fails; a stack that does not
serve pages stops the run at once with the reason; CI runs make check before make test."""
import os
import shutil
import subprocess
import tempfile
import time
import zt
from zt import eq, ok


def tree():
    top = tempfile.mkdtemp(prefix="zaiko-runner-")
    for d in ("tests/unit", "build/tests", "tests/stack", "conf", "templates", "htdocs", "sql"):
        os.makedirs(os.path.join(top, d), exist_ok=True)
    shutil.copy2(os.path.join(zt.ROOT, "tests/run.sh"), os.path.join(top, "tests/run.sh"))
    return top


def script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)


def run(top, env):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("ZAIKO_") and k not in ("T", "ONLY", "TEST_TIMEOUT", "TEST_STACK_DIR",
                                                     "TEST_PORT", "BUILD")}
    # The throwaway tree keeps its programs in build/, whatever build this run tests
    # (make sanitize exports BUILD=build-asan).
    e["ZAIKO_AMAZON_MODELS"] = os.environ.get("ZAIKO_AMAZON_MODELS") or os.path.join(
        zt.ROOT, "tests", "sim", "amazon-models")
    e.update(env)
    t0 = time.time()
    r = subprocess.run([os.path.join(top, "tests/run.sh")], cwd=top, env=e,
                       capture_output=True, text=True, timeout=300)
    return r, time.time() - t0


def test_hung_test_is_ended_and_missing_binary_fails():
    top = tree()
    try:
        for name in ("test_a_hangs", "test_b_passes", "test_c_not_built"):
            open(os.path.join(top, "tests/unit", name + ".c"), "w").close()
        script(os.path.join(top, "build/tests/test_a_hangs"), "sleep 300\n")
        script(os.path.join(top, "build/tests/test_b_passes"),
               "echo '[  PASSED  ] 3 tests.'\n")
        r, took = run(top, {"ONLY": "unit", "TEST_TIMEOUT": "3"})
        out = r.stdout + r.stderr
        ok(took < 60, "the hung test did not hold the run (%.0f s)" % took)
        ok(r.returncode != 0, "the run fails")
        eq(out.strip().splitlines()[-1], "3 passed, 2 failed", "the tally:\n" + out)
        ok("test_a_hangs" in out and "did not finish within TEST_TIMEOUT=3" in out,
           "the timeout is named:\n" + out)
        ok("test_c_not_built was not built" in out, "the missing program is named:\n" + out)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_stack_that_serves_no_page_stops_the_run():
    """The real stack scripts and a zaiko.fcgi that exits at once: the preflight stops the run
    with the workers' stderr, before any layer runs."""
    top = tree()
    try:
        for d in ("tests/stack", "conf", "templates", "htdocs", "sql"):
            shutil.rmtree(os.path.join(top, d))
            shutil.copytree(os.path.join(zt.ROOT, d), os.path.join(top, d),
                            ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(os.path.join(zt.BUILD, "zaiko-batch"), os.path.join(top, "build"))
        script(os.path.join(top, "build/zaiko.fcgi"),
               "echo 'zaiko.fcgi: simulated start failure' >&2\nexit 1\n")
        os.makedirs(os.path.join(top, "tests/integration"))
        with open(os.path.join(top, "tests/integration/test_never.py"), "w") as f:
            f.write("print('1 passed, 0 failed')\n")
        r, took = run(top, {"ONLY": "integration", "WORKERS": "1", "BUFFER_POOL": "32M"})
        out = r.stdout + r.stderr
        ok(r.returncode != 0, "the run fails")
        ok("does not serve pages; stopping here" in out, "stops with the reason:\n" + out)
        ok("simulated start failure" in out, "the workers' stderr is shown:\n" + out)
        ok("test_never" not in out and "== integration" not in out, "no layer ran:\n" + out)
        eq(out.strip().splitlines()[-1], "0 passed, 1 failed", "the tally")
        print("runner: a stack without workers stopped the run after %.0f s" % took)
    finally:
        subprocess.run([os.path.join(top, "tests/stack/stack.sh"), "stop",
                        os.path.join(top, "var/test-stack")], capture_output=True)
        shutil.rmtree(top, ignore_errors=True)


def test_missing_amazon_models_stop_the_run_with_the_reason():
    top = tree()
    try:
        r, _ = run(top, {"ONLY": "unit", "ZAIKO_AMAZON_MODELS": os.path.join(top, "nowhere")})
        out = r.stdout + r.stderr
        ok(r.returncode != 0, "the run fails")
        ok("SP-API models are not in" in out and "ZAIKO_AMAZON_MODELS" in out,
           "says what is missing and how to fix it:\n" + out)
        eq(out.strip().splitlines()[-1], "0 passed, 1 failed", "the tally")
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_ci_runs_make_check_first():
    with open(os.path.join(zt.ROOT, ".ci/run")) as f:
        lines = [x.strip() for x in f if x.strip() and not x.startswith("#")]
    ok("make check" in lines, ".ci/run runs make check")
    ok(lines.index("make check") < min(i for i, x in enumerate(lines) if x.startswith("make test")),
       "before make test")
    ok("set -eu -o pipefail" in lines, "and stops at its failure")


zt.run()
