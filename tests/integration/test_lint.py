"""make check's rules (tests/check/check.py) as tests: the tree passes every rule, and each
rule fires, under its own name, on its bad fixture in tests/check/fixtures/RULE/ (and no other
rule fires there), so a rule that silently stopped working fails here."""
import os
import subprocess
import sys
import zt
from zt import eq, ok

ROOT = zt.ROOT
CHECK = os.path.join(ROOT, "tests", "check", "check.py")
CS_PARSE = os.path.join(zt.BUILD, "tools", "cs_parse")
RULES = ["template-parse", "template-escape", "inline-script", "c-unchecked-calls",
         "strtok-utf8", "stock-write", "web-sql", "long-function", "field-by-name"]


def cs_parse():
    if not os.access(CS_PARSE, os.X_OK):
        build = os.path.basename(zt.BUILD)
        subprocess.run(["make", "--no-print-directory", "-s", "BUILD=" + build,
                        os.path.join(build, "tools", "cs_parse")], cwd=ROOT, check=True,
                       timeout=120)
    return CS_PARSE


def check(*args):
    r = subprocess.run([sys.executable, CHECK, "--cs-parse", cs_parse()] + list(args),
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def test_rule_list_is_complete():
    import importlib.util
    spec = importlib.util.spec_from_file_location("check", CHECK)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    eq(mod.RULES, RULES, "the rules this test covers")


def test_tree_passes_make_check():
    rc, out = check()
    eq(rc, 0, "make check on the tree:\n" + out)
    ok("0 finding(s)" in out, out)


def make_fires(rule):
    def t():
        fixture = os.path.join(ROOT, "tests", "check", "fixtures", rule)
        ok(os.path.isdir(fixture), "fixture " + fixture)
        rc, out = check("--root", fixture)
        eq(rc, 1, "make check on fixtures/%s fails:\n%s" % (rule, out))
        lines = [x for x in out.splitlines() if not x.startswith("check: ")]
        ok(lines and all(x.startswith(rule + ": ") for x in lines),
           "only %s fires on its fixture: %r" % (rule, lines))
        # Limited to that rule, the same; limited to the others, the fixture passes.
        others = sum([["--rule", x] for x in RULES if x != rule], [])
        rc2, out2 = check("--root", fixture, *others)
        eq(rc2, 0, "the other rules pass fixtures/%s:\n%s" % (rule, out2))
    t.__name__ = "test_rule_fires_" + rule.replace("-", "_")
    return t


for _r in RULES:
    globals()["test_rule_fires_" + _r.replace("-", "_")] = make_fires(_r)


def test_long_function_names_the_function_and_its_length():
    fixture = os.path.join(ROOT, "tests", "check", "fixtures", "long-function")
    rc, out = check("--root", fixture, "--rule", "long-function")
    eq(rc, 1, out)
    ok("long-function: cgi-bin/screens/long.c:3: long_handler() is 151 lines (over 150)" in out,
       out)
    # fixtures/clean holds one of exactly 150 lines and a longer one whose comment says why
    # it is one piece: neither is a finding (test_clean_fixture_passes).
    clean = os.path.join(ROOT, "tests", "check", "fixtures", "clean", "cgi-bin", "core",
                         "long_ok.c")
    with open(clean, encoding="utf-8") as fh:
        text = fh.read()
    ok("int at_the_limit(" in text and "One piece:" in text, "the clean fixture's long functions")


def test_clean_fixture_passes():
    rc, out = check("--root", os.path.join(ROOT, "tests", "check", "fixtures", "clean"))
    eq(rc, 0, "fixtures/clean passes every rule:\n" + out)


def test_selftest_passes():
    rc, out = check("--selftest")
    eq(rc, 0, out)


zt.run()
