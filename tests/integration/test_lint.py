"""Source rules a reviewer would otherwise check by eye: templates never use ClearSilver's
unescaped or code-running commands nor inline script, and C never uses the unbounded or
unchecked library calls the style guide names."""
import glob
import os
import re
import zt
from zt import ok

ROOT = zt.ROOT


def files(pattern):
    return sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))


def test_templates_escape_by_default():
    # lvar/evar run data as template code; uvar, alt, name and escape "none" print it raw.
    banned = re.compile(r'<\?cs\s+(lvar|evar|uvar|alt|name)\s*:|escape:\s*"none"')
    found = []
    for path in files("templates/*.cs"):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if banned.search(line):
                    found.append("%s:%d" % (os.path.relpath(path, ROOT), n))
    ok(files("templates/*.cs"), "templates found")
    ok(not found, "unescaped or code-running ClearSilver commands: %s" % found)


def test_templates_have_no_inline_script():
    # The Content-Security-Policy forbids inline script; a handler attribute would be dead.
    banned = re.compile(r'<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*"', re.I)
    found = []
    for path in files("templates/*.cs"):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if banned.search(line):
                    found.append("%s:%d" % (os.path.relpath(path, ROOT), n))
    ok(not found, "inline script or on* handlers: %s" % found)


def test_c_avoids_unchecked_calls():
    banned = re.compile(r'\b(atoi|atol|atoll|sprintf|vsprintf|gets|strtok|mysql_query)\s*\(')
    found = []
    for path in files("cgi-bin/**/*.c"):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                code = line.split("//")[0]
                if banned.search(code) and "snprintf" not in code:
                    found.append("%s:%d: %s" % (os.path.relpath(path, ROOT), n, line.strip()))
    # db.c alone runs the fixed statements of transactions and migrations as plain text.
    found = [f for f in found if not f.startswith("cgi-bin/db/db.c")]
    ok(not found, "unchecked calls: %s" % found)


zt.run()
