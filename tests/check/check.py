#!/usr/bin/python3
"""make check: source rules that need no database, each with a name. Prints one line per
finding, "RULE: path:line: what", and exits 1 if there was any.

  check.py [--root DIR] [--cs-parse BIN] [--rule NAME]...
  check.py --selftest      every rule fires on its bad fixture in tests/check/fixtures/NAME/
                           (and only that rule), and the clean fixture passes

Rules:
  template-parse     every templates/*.cs parses with ClearSilver's own parser (cs_parse.c)
  template-escape    no ClearSilver command that prints raw data or runs it as template code
  inline-script      no inline <script> or on* handler attribute in a template (the CSP forbids
                     them; they would be dead)
  c-unchecked-calls  no atoi/atol/atoll/sprintf/vsprintf/gets/strtok/mysql_query in cgi-bin/
                     (db.c alone runs fixed statements as plain text)
  strtok-utf8        no strtok/strtok_r whose delimiter set has a non-ASCII byte (it splits
                     UTF-8 text inside characters), nor one whose set cannot be read here
  stock-write        no write to sku.total or stock_move outside cgi-bin/stock/ (every change
                     of a total is a stock_move row written by the stock core)
  web-sql            no SQL text in cgi-bin/web/ (the web front calls cgi-bin/db, users and the
                     screens)
  long-function      no C function in cgi-bin/ longer than 150 lines (its opening brace to its
                     closing one) unless the comment above it says why it is "one piece"
  field-by-name      no field read by name in cgi-bin/screens/ (web_int, web_text, web_has,
                     web_field_value, web_query_raw, web_params_get/count, a request's
                     query_params or body_params): a screen reads its declared fields through
                     its enum (web_*_of), so a misspelt field does not compile. No exemptions.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Files that break a rule today and are being moved or fixed; the rule holds everywhere else.
# Remove an entry as soon as its file complies (make check then keeps it so).
PENDING = {
    # Stock writes still in the screens; `structure` moves them into cgi-bin/stock/.
    "stock-write": {
    },
    # Empty: the login session's SQL lives in cgi-bin/users/sessions.c.
    "web-sql": {
    },
    # 保存期間's rows print their language key with name: (keys of ja.hdf, not user data);
    # `scale` replaces it with an escaped var:.
    "template-escape": {
        "templates/admin_settings.cs",
    },
    "strtok-utf8": {
    },
    # Functions over 150 lines: mallcsv.c's parse_utf8 and sync.c's sync_push (mall/, csv/ and
    # batch/ are split by `mallhouse`, issue 17); list.c's list_page (its query and render are
    # being split by the list rendering work).
    "long-function": set(),
}

# The longest function (lines from its opening brace to its closing one) without a reason.
LONG_FUNCTION_LINES = 150
ONE_PIECE = re.compile(r"\bone piece\b", re.I)

RULES = ["template-parse", "template-escape", "inline-script", "c-unchecked-calls",
         "strtok-utf8", "stock-write", "web-sql", "long-function", "field-by-name"]

# A field read by name, or a raw parameter of the request, in code (comments blanked by
# lex_c, string literals emptied).
FIELD_BY_NAME = re.compile(r"\b(web_int|web_text|web_has|web_field_value|web_query_raw|"
                           r"web_params_get|web_params_count)\s*\(|"
                           r"(?:->|\.)\s*(query_params|body_params)\b")


class Findings:
    def __init__(self):
        self.items = []

    def add(self, rule, path, line, what):
        self.items.append("%s: %s:%d: %s" % (rule, path, line, what))


def rel(root, path):
    return os.path.relpath(path, root)


def lex_c(text):
    """The C source split into code (comments blanked, string literals replaced by "") and the
    string literals, adjacent ones joined: [(line, joined literal text)]. Line numbers are of
    the first literal of a run."""
    code = []
    literals = []
    i, n, line = 0, len(text), 1
    run, run_line, after_lit = None, 0, False
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            code.append(c)
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            code.append("\n" * text.count("\n", i, j) or " ")
            i = j
            continue
        if c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            code.append("' '")
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            lit = text[i + 1:j]
            if run is not None and after_lit:
                run += lit
            else:
                if run is not None:
                    literals.append((run_line, run))
                run, run_line = lit, line
            line += text.count("\n", i, j)
            code.append('"' + lit.replace("\n", "") + '"')
            i = j + 1
            after_lit = True
            continue
        if not c.isspace():
            after_lit = False
        code.append(c)
        i += 1
    if run is not None:
        literals.append((run_line, run))
    return "".join(code), literals


def literal_bytes(lit):
    """The bytes a C string literal's text stands for (escapes decoded)."""
    out = bytearray()
    raw = lit.encode("utf-8")
    i = 0
    while i < len(raw):
        b = raw[i]
        if b != 0x5C:  # backslash
            out.append(b)
            i += 1
            continue
        i += 1
        if i >= len(raw):
            break
        e = chr(raw[i])
        if e == "x":
            m = re.match(rb"[0-9a-fA-F]+", raw[i + 1:])
            out.append(int(m.group(0), 16) & 0xFF if m else 0)
            i += 1 + (len(m.group(0)) if m else 0)
        elif e in "01234567":
            m = re.match(rb"[0-7]{1,3}", raw[i:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += len(m.group(0))
        else:
            out.append({"n": 10, "t": 9, "r": 13, "0": 0}.get(e, raw[i]))
            i += 1
    return bytes(out)


def c_files(root):
    return sorted(glob.glob(os.path.join(root, "cgi-bin", "**", "*.[ch]"), recursive=True))


def templates(root):
    return sorted(glob.glob(os.path.join(root, "templates", "*.cs")))


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def rule_template_parse(root, f, cs_parse):
    files = templates(root)
    if not files:
        return
    if not cs_parse or not os.access(cs_parse, os.X_OK):
        f.add("template-parse", "templates", 0, "no parser program (make build/tools/cs_parse)")
        return
    r = subprocess.run([cs_parse] + files, capture_output=True, text=True, timeout=60)
    for out in r.stdout.splitlines():
        m = re.match(r"template-parse: (.*?): (.*)", out)
        if m:
            f.add("template-parse", rel(root, m.group(1)), 0, m.group(2))
    if r.returncode != 0 and not r.stdout.strip():
        f.add("template-parse", "templates", 0, "cs_parse failed: %s" % r.stderr.strip()[:200])


def rule_template_lines(root, f):
    # lvar/evar run data as template code; uvar, alt, name and escape "none" print it raw.
    escape = re.compile(r'<\?cs\s+(lvar|evar|uvar|alt|name)\s*:|escape:\s*"none"')
    script = re.compile(r'<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*["\']?', re.I)
    for path in templates(root):
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if escape.search(line) and rel(root, path) not in PENDING["template-escape"]:
                    f.add("template-escape", rel(root, path), n, line.strip()[:120])
                if script.search(line):
                    f.add("inline-script", rel(root, path), n, line.strip()[:120])


def rule_c(root, f):
    unchecked = re.compile(r'\b(atoi|atol|atoll|sprintf|vsprintf|gets|strtok|mysql_query)\s*\(')
    tok = re.compile(r'\bstrtok(_r)?\s*\(')
    for path in c_files(root):
        name = rel(root, path)
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        code, literals = lex_c(text)
        # c-unchecked-calls
        if name != "cgi-bin/db/db.c":
            bare = re.sub(r'"[^"]*"', '""', code)
            for m in unchecked.finditer(bare):
                f.add("c-unchecked-calls", name, line_of(bare, m.start()), m.group(1) + "()")
        # strtok-utf8: the second argument must be a literal (or a #define / array of one)
        # whose bytes are all ASCII.
        if name not in PENDING["strtok-utf8"]:
            for m in tok.finditer(code):
                delim = strtok_delimiter(text, code, m.end())
                where = line_of(code, m.start())
                if delim is None:
                    f.add("strtok-utf8", name, where,
                          "delimiter set is not a string literal this check can read")
                elif any(b >= 0x80 for b in literal_bytes(delim)):
                    f.add("strtok-utf8", name, where,
                          "non-ASCII delimiter set \"%s\" splits UTF-8 by byte" % delim)
        # stock-write
        if not name.startswith("cgi-bin/stock/") and name not in PENDING["stock-write"]:
            for n, lit in literals:
                what = stock_write(lit)
                if what:
                    f.add("stock-write", name, n, what)
        # web-sql
        if name.startswith("cgi-bin/web/") and name not in PENDING["web-sql"]:
            for n, lit in literals:
                if SQL.search(lit):
                    f.add("web-sql", name, n, "SQL text: %s" % lit.strip()[:80])
        # field-by-name
        if name.startswith("cgi-bin/screens/"):
            emptied = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)
            for m in FIELD_BY_NAME.finditer(emptied):
                what = m.group(1) + "()" if m.group(1) else "the request's " + m.group(2)
                f.add("field-by-name", name, line_of(emptied, m.start()),
                      "%s: read the field through the route's enum (web_*_of)" % what)
        # long-function
        if name not in PENDING["long-function"]:
            for fn, n, length in long_functions(text, code):
                f.add("long-function", name, n,
                      "%s() is %d lines (over %d) with no comment saying why it is one piece"
                      % (fn, length, LONG_FUNCTION_LINES))


def long_functions(text, code):
    """[(name, line of its opening brace, lines)] of the functions in code (comments blanked,
    literals emptied) longer than LONG_FUNCTION_LINES whose comments since the previous
    top-level declaration (in text, line for line the same) do not say "one piece"."""
    out = []
    lines = text.split("\n")
    depth, line, last_end, last_end_line = 0, 1, 0, 1
    start = None
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            if depth == 0:
                head = code[last_end:i]
                # A function body follows its parameter list; an initializer follows "=", a
                # struct, union or enum its tag.
                start = (line, head, last_end_line) if head.rstrip().endswith(")") else None
            depth += 1
        elif c == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                if start and line - start[0] + 1 > LONG_FUNCTION_LINES:
                    said = "\n".join(lines[start[2] - 1:start[0]])
                    if not ONE_PIECE.search(said):
                        m = re.search(r"(\w+)\s*\(", start[1])
                        out.append((m.group(1) if m else "?", start[0], line - start[0] + 1))
                last_end, last_end_line = i + 1, line
        elif c == ";" and depth == 0:
            last_end, last_end_line = i + 1, line
    return out


def strtok_delimiter(text, code, pos):
    """The delimiter literal of the strtok call whose '(' ends at pos in code, or None."""
    depth, i, arg = 0, pos, 0
    start = None
    while i < len(code):
        c = code[i]
        if c == '"':
            j = code.index('"', i + 1)
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0:
            arg += 1
            if arg == 1:
                start = i + 1
            elif arg == 2:
                break
        i += 1
    if start is None:
        return None
    expr = code[start:i].strip()
    m = re.fullmatch(r'((?:"[^"]*"\s*)+)', expr)
    if m:
        return "".join(re.findall(r'"([^"]*)"', expr))
    m = re.fullmatch(r"[A-Za-z_]\w*", expr)
    if m:
        d = re.search(r"#\s*define\s+%s\s+((?:\"[^\"]*\"\s*)+)" % expr, code) or \
            re.search(r"\b%s\s*\[\s*\]\s*=\s*((?:\"[^\"]*\"\s*)+)" % expr, code)
        if d:
            return "".join(re.findall(r'"([^"]*)"', d.group(1)))
    return None


STOCK_MOVE = re.compile(r"\b(?:(?:INSERT|REPLACE)(?:\s+IGNORE)?\s+INTO|UPDATE|"
                        r"DELETE\s+(?:\w+\s+)?FROM|TRUNCATE(?:\s+TABLE)?)\s+`?stock_move`?\b",
                        re.I)
UPDATE_SET = re.compile(r"\bUPDATE\s+(?P<tables>.*?)\bSET\b(?P<set>.*?)(?:\bWHERE\b|$)",
                        re.I | re.S)
INSERT_SKU = re.compile(r"\b(?:INSERT|REPLACE)(?:\s+IGNORE)?\s+INTO\s+`?sku`?\s*\((?P<cols>[^)]*)\)"
                        r"|\bINSERT\b.*\bINTO\s+`?sku`?\b.*\bON\s+DUPLICATE\s+KEY\s+UPDATE\b"
                        r"(?P<dup>.*)", re.I | re.S)
TOTAL_SET = re.compile(r"(?:^|[\s,.`])total`?\s*=", re.I)
SQL = re.compile(r"\b(?:SELECT\b.*\bFROM|INSERT(?:\s+IGNORE)?\s+INTO|REPLACE\s+INTO|"
                 r"UPDATE\s+\S+.*\bSET|DELETE\s+FROM|CREATE\s+TABLE|ALTER\s+TABLE|"
                 r"DROP\s+TABLE|TRUNCATE)\b", re.S)


def stock_write(sql):
    if STOCK_MOVE.search(sql):
        return "writes stock_move: %s" % sql.strip()[:80]
    for m in UPDATE_SET.finditer(sql):
        if re.search(r"(?:^|[\s,`(])sku\b", m.group("tables"), re.I) and \
                TOTAL_SET.search(m.group("set")):
            return "sets sku.total: %s" % sql.strip()[:80]
    m = INSERT_SKU.search(sql)
    if m and ((m.group("cols") and re.search(r"\btotal\b", m.group("cols"), re.I)) or
              (m.group("dup") and TOTAL_SET.search(m.group("dup")))):
        return "writes sku.total: %s" % sql.strip()[:80]
    return None


def check(root, cs_parse, rules):
    f = Findings()
    if "template-parse" in rules:
        rule_template_parse(root, f, cs_parse)
    rule_template_lines(root, f)
    rule_c(root, f)
    return [x for x in f.items if x.split(":", 1)[0] in rules]


def selftest(cs_parse):
    """Each rule fires on fixtures/RULE (a tree with one bad file) and no other rule does;
    fixtures/clean passes every rule."""
    bad = 0
    fixtures = os.path.join(HERE, "fixtures")
    for rule in RULES:
        found = check(os.path.join(fixtures, rule), cs_parse, RULES)
        mine = [x for x in found if x.startswith(rule + ":")]
        other = [x for x in found if not x.startswith(rule + ":")]
        if not mine or other:
            bad += 1
            print("selftest: rule %s on fixtures/%s: fired %d time(s), others %r"
                  % (rule, rule, len(mine), other))
    found = check(os.path.join(fixtures, "clean"), cs_parse, RULES)
    if found:
        bad += 1
        print("selftest: fixtures/clean breaks rules: %r" % found)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=REPO)
    ap.add_argument("--cs-parse", default=os.path.join(REPO, os.environ.get("BUILD", "build"),
                                                       "tools", "cs_parse"))
    ap.add_argument("--rule", action="append", choices=RULES)
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        bad = selftest(a.cs_parse)
        if bad:
            print("check: selftest FAILED: %d problem(s)" % bad)
        else:
            print("check: selftest: each of the %d rules fires on its fixture; the clean "
                  "fixture passes" % len(RULES))
        return 1 if bad else 0
    found = check(os.path.abspath(a.root), a.cs_parse, a.rule or RULES)
    for x in found:
        print(x)
    print("check: %d rule(s), %d finding(s)" % (len(a.rule or RULES), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
