"""Every text a screen shows comes from the language files: each language key the C code uses
(web_lang, web_langf, web_lang_snprintf, field labels, keys handed up by functions without a
request) exists in templates/lang/ja.hdf and en.hdf, with the same printf conversions as the
call site declares; the msg blocks of both files hold the same keys; and no Japanese string
literal is left in the C code of the screens, the web front, the stock core and the CSV
readers, but the data listed in ALLOW (the malls' own CSV column names and the like).
A static test (no stack needed); its checker is tried on made-up bad input first, so a checker
that stopped finding anything fails here too."""
import glob
import os
import re
import zt
from zt import eq, ok

ROOT = zt.ROOT
LANG = os.path.join(ROOT, "templates", "lang")
FOLDERS = ["cgi-bin/screens", "cgi-bin/web", "cgi-bin/stock", "cgi-bin/csv", "cgi-bin/mall"]
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")

# Japanese literals that are data, not text for the user, per file (exact literal pieces).
ALLOW = {
    # The last resort when no template (and so no language file) can be rendered.
    "cgi-bin/web/response.c": {
        "<!doctype html><meta charset=utf-8><title>エラー</title><p>エラーが発生しました。</p>",
    },
    # The prefix the batch writes into shop.stop_reason (a stored text), matched to split it.
    "cgi-bin/screens/list.c": {"認証エラー ("},
    # The stock_move.ref a correction on the 在庫連携 screen wrote before it wrote "screen": the
    # SKU page recognises it to name it in the reader's language.
    "cgi-bin/screens/sku.c": {"画面: %s"},
    # zaiko's own CSV columns: the file is read back by 総在庫数CSV一括更新 and 商品データ取込.
    "cgi-bin/screens/csv_export.c": {
        "店舗", "SKUコード", "商品コード", "子番号", "商品名", "選択肢", "画像URL", "JANコード",
        "価格", "在庫数", "総在庫数", "確保在庫数", "連携", "最小在庫数", "最大在庫数"},
    # zaiko's own CSV columns, read and written by the 総在庫数 and セット商品 files, and the
    # 削除 mark a set file may carry.
    "cgi-bin/csv/stockcsv.c": {
        "SKUコード", "総在庫数", "確保在庫数", "確保在庫", "商品コード", "削除", "セット商品コード",
        "セット商品名", "構成商品コード", "数量"},
    # The malls' and carts' own column names (and cell values such as 在庫管理しない) as their
    # files write them: data the reader looks for, and names a row error quotes. Those with a
    # Japanese word beside an English column name ("quantity（在庫数）") are the names zaiko's
    # Japanese messages give such columns; an English message names the column by its English
    # header alone (mallcsv.c column_name).
    "cgi-bin/csv/mallcsv.c": {
        "Available（在庫数）", "JANコード", "SKUコード", "SKU画像パス", "SKU管理番号",
        "Variant Inventory Qty（在庫数）", "Variant Price（価格）", "price（価格）", "quantity（在庫数）",
        "オプションID", "オプション名1", "オプション名2", "オプション名１", "オプション名２", "システム連携用SKU番号",
        "スマートフォンショップ用商品説明", "バリエーション項目キー", "バリエーション項目キー定義", "バリエーション項目名定義", "バリエーション項目選択肢",
        "フィーチャーフォン向けショップ用商品説明", "価格", "価格（price）", "出品者SKU", "出品者SKU（seller-sku）", "商品ID",
        "商品コード", "商品名", "商品属性（値）%d", "商品属性（項目）%d", "商品画像URL", "商品画像パス1", "商品番号", "商品管理番号",
        "商品管理番号（商品URL）", "商品説明", "在庫タイプ", "在庫数", "在庫管理", "在庫管理しない", "型番", "子番号", "広告用商品説明",
        "店舗", "数量", "数量（quantity）", "最大在庫数", "最小在庫数", "画像1", "画像URL", "登録種別", "確保在庫数", "種類ID",
        "種類コード", "種類名", "種類在庫数", "簡易説明", "総在庫数", "販売価格", "通常購入販売価格", "連携", "選択肢", "選択肢タイプ",
        "項目選択肢別在庫用在庫数", "項目選択肢別在庫用横軸選択肢", "項目選択肢別在庫用横軸選択肢子番号", "項目選択肢別在庫用横軸項目名",
        "項目選択肢別在庫用縦軸選択肢", "項目選択肢別在庫用縦軸選択肢子番号", "項目選択肢別在庫用縦軸項目名", "項目選択肢用コントロールカラム",},
}

# Texts the database keeps in Japanese beside their language keys: the push breakdown
# (push.why beside push.why_msg; the msg.push keys render to these texts exactly, as
# tests/unit/test_smsg.c and tests/db/test_wanted_rule.c check). The Japanese formats of calls
# that store a key with its arguments (smsg_keyf, stock_error_k, KEYED: checked against ja.hdf
# by test_stored_keys_render_the_written_text) need no entry here.
STORED = {
    # The set line of the push breakdown (stock_available_why, for stock_push.c).
    "cgi-bin/stock/stock_core.c": {"セット: min(", " (確保 "},
    # The breakdown of the SQL path (SQL_WHY), its labels and the prefixes of a 反映.
    "cgi-bin/stock/stock_push.c": {
        "CONCAT('総在庫 ', s.total, ", "IF(s.reserve <> 0, CONCAT(' − 確保 ', s.reserve, ' = ', ",
        "THEN CONCAT('最小 ', l.min_stock, ' > 最大 ', l.max_stock, ' (設定エラー) → 0') ",
        ", ' → 最小 ', l.min_stock, ' 以下 → 0') ", ", ' → 最大 ', l.max_stock) ",
        "セット在庫", "総在庫", "反映 (ユーザー %lld): ", "反映: "},
    # カラーミーショップ's name in the OAuth messages' Japanese text; the stored form holds the
    # key msg.mallerr.colorme_name in its place (smsg_arg_to_key).
    "cgi-bin/mall/colorme.c": {"カラーミーショップ"},
    # The refusal of a local or private address, the %s of the connection messages' Japanese
    # text; the stored form holds the key msg.mallerr.host_private in its place.
    "cgi-bin/mall/http.c": {"送信先のホスト名がローカルまたはプライベートのアドレスを指しています (接続しません)"},
    # The breakdown of stock_wanted_steps (push.why).
    "cgi-bin/stock/stock_rules.c": {
        "最小 %d > 最大 %d (設定エラー) → 0", "セット在庫", " − 確保 %lld = %lld",
        "%s → 最小 %d 以下 → 0", "%s → 最大 %d", "総在庫"},
}

# Files whose literals are not moved yet: reported by test_pending_files_listed, not checked.
PENDING = set("""
""".split())


def hdf_keys(path):
    """The flat keys of an HDF file (name = value, name { ... }, name << EOM heredocs)."""
    keys, stack = {}, []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line == "}":
            ok(stack, "%s:%d: } without {" % (path, i))
            stack.pop()
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*\{$", line)
        if m:
            stack.append(m.group(1))
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*<<\s*(\w+)$", line)
        if m:
            body = []
            while i < len(lines) and lines[i] != m.group(2):
                body.append(lines[i])
                i += 1
            i += 1
            keys[".".join(stack + [m.group(1)])] = "\n".join(body)
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*[:=]\s?(.*)$", line)
        ok(m, "%s:%d: not HDF: %r" % (path, i, line))
        keys[".".join(stack + [m.group(1)])] = m.group(2).strip()
    eq(stack, [], "%s: every { closed" % path)
    return keys


def conversions(fmt):
    """The printf conversions of fmt without flags and widths, as web_lang_format_agrees
    reads them; None for a positional or unknown one."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] != "%":
            i += 1
            continue
        m = re.match(r"%(%|[-+ #0-9]*(\.(\*|[0-9]*))?([hlLqjzt]*)([diouxXeEfFgGaAcsp]))", fmt[i:])
        if not m:
            return None
        i += len(m.group(0))
        if m.group(1) == "%":
            continue
        out.append("%" + (".*" if m.group(3) == "*" else "") + m.group(4) + m.group(5))
    return out


def c_tokens(text):
    """The string literals of C source, comments and character constants skipped:
    (line, value) per literal piece, escapes left as written."""
    out, i, line, n = [], 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                out.append((line, text[i + 1:j]))
            i = j + 1
        else:
            i += 1
    return out


def japanese_literals(path, text, allow):
    return ["%s:%d: \"%s\"" % (path, ln, v) for ln, v in c_tokens(text)
            if JAPANESE.search(v) and v not in allow]


KEY = re.compile(r'^msg\.[a-z0-9_]+\.[a-z0-9_]+$')


def used_keys(text):
    """(key, spec or None) for each language key literal of C source: "msg.x.y", followed by
    a spec literal when the call formats."""
    toks = c_tokens(text)
    out = []
    for k, (ln, v) in enumerate(toks):
        if KEY.match(v):
            spec = None
            if k + 1 < len(toks) and toks[k + 1][0] - ln <= 1 and "%" in toks[k + 1][1] and \
                    conversions(toks[k + 1][1]) is not None and \
                    re.sub(r"%[-+ #0-9.*hlLqjzt]*[a-zA-Z%]", "", toks[k + 1][1]) == "":
                spec = toks[k + 1][1]
            out.append((ln, v, spec))
    return out


def key_problems(path, text, ja, en):
    probs = []
    for ln, key, spec in used_keys(text):
        for name, keys in (("ja", ja), ("en", en)):
            if "Lang." + key not in keys:
                probs.append("%s:%d: %s is not in %s.hdf" % (path, ln, key, name))
            elif spec is not None and conversions(keys["Lang." + key]) != conversions(spec):
                probs.append("%s:%d: %s in %s.hdf does not hold the conversions %s: %r"
                             % (path, ln, key, name, spec, keys["Lang." + key]))
    return probs


def sources():
    for folder in ["cgi-bin"]:
        for path in sorted(glob.glob(os.path.join(ROOT, folder, "**", "*.[ch]"), recursive=True)):
            yield os.path.relpath(path, ROOT), open(path, encoding="utf-8").read()


def lang_files():
    ja = {"Lang." + k: v for k, v in hdf_keys(os.path.join(LANG, "ja.hdf")).items()}
    en = {"Lang." + k: v for k, v in hdf_keys(os.path.join(LANG, "en.hdf")).items()}
    return ja, en


def test_checker_finds_what_it_must():
    bad = ('/* 日本語 in a comment */ web_error(r, 400, "見つかりません。");\n'
           'char c = \'"\'; x = "ok"; // 日本語\n'
           'web_lang_snprintf(r, m, n, "msg.t.count",\n "%s%lld", a, b);\n'
           'web_lang(r, "msg.t.gone");')
    eq(japanese_literals("x.c", bad, set()), ['x.c:1: "見つかりません。"'], "the Japanese literal")
    eq(japanese_literals("x.c", bad, {"見つかりません。"}), [], "allowed")
    ja = {"Lang.msg.t.count": "%s は %lld 件"}
    en = {"Lang.msg.t.count": "%lld of %s", "Lang.msg.t.gone": "gone"}
    probs = key_problems("x.c", bad, ja, en)
    eq(probs, ["x.c:3: msg.t.count in en.hdf does not hold the conversions %s%lld: '%lld of %s'",
               "x.c:5: msg.t.gone is not in ja.hdf"], "problems")
    eq(conversions("「%s」は%5lld〜%-lld 100%%"), ["%s", "%lld", "%lld"], "conversions")
    eq(conversions("%1$s"), None, "positional")


def test_every_key_used_is_in_both_files():
    ja, en = lang_files()
    probs, n = [], 0
    for path, text in sources():
        n += len(used_keys(text))
        probs += key_problems(path, text, ja, en)
    ok(n > 50, "language keys found in the C code: %d" % n)
    eq(probs, [], "keys missing or with other conversions")


def test_msg_blocks_hold_the_same_keys_and_conversions():
    ja, en = lang_files()
    jm = {k for k in ja if k.startswith("Lang.msg.")}
    emk = {k for k in en if k.startswith("Lang.msg.")}
    eq(sorted(jm - emk), [], "msg keys in ja.hdf only")
    eq(sorted(emk - jm), [], "msg keys in en.hdf only")
    differ = [k for k in jm if conversions(ja[k]) != conversions(en[k])]
    eq(differ, [], "msg texts whose conversions differ between ja and en")
    empty = [k for k in emk if not en[k].strip()]
    eq(empty, [], "empty English texts")


STORED_SECTIONS = ("Lang.msg.push.", "Lang.msg.batch.", "Lang.msg.mallerr.", "Lang.msg.job.",
                   "Lang.msg.stock_error.")
KEYF_CALL = re.compile(r"\b(smsg_keyf|smsg_vkeyf|mall_status_setk|load_fail|stock_error_k|KEYED)"
                       r"\s*\(")
LITERAL_RUN = re.compile(r'\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
AS_STRING = re.compile(r"%(?!%)[-+ #0-9]*(\.(\*|[0-9]*))?(hh|h|ll|l|z)?[diuxcs]")


def keyf_calls(text, pieces=None):
    """(line, key, format) of each call that stores a message as a key with the arguments
    of a printf format (core/smsg.h): the key literal, then the format's literal pieces
    joined as the compiler joins them (each piece added to the set pieces, when given)."""
    out = []
    for m in KEYF_CALL.finditer(text):
        k = re.compile(r'"(msg\.[a-z0-9_]+\.[a-z0-9_]+)"\s*,').search(text, m.end(), m.end() + 200)
        if not k:
            continue
        run = LITERAL_RUN.match(text, k.end())
        if not run:
            continue
        found = re.findall(r'"((?:[^"\\]|\\.)*)"', run.group(1))
        if pieces is not None:
            pieces.update(found)
        fmt = "".join(found)
        out.append((text.count("\n", 0, m.start()) + 1, k.group(1), fmt))
    return out


def keyf_problems(path, text, ja, en):
    """A stored key's Japanese text must be its call's format with every conversion made %s
    (so a Japanese reader sees exactly what the row's text column holds), and its English
    text must take as many %s."""
    probs = []
    for ln, key, fmt in keyf_calls(text):
        want = AS_STRING.sub("%s", fmt).replace('\\"', '"')
        got = ja.get("Lang." + key)
        if got != want:
            probs.append("%s:%d: %s in ja.hdf is %r, the call's format gives %r"
                         % (path, ln, key, got, want))
        e = en.get("Lang." + key)
        if e is None or conversions(e) != conversions(want):
            probs.append("%s:%d: %s in en.hdf does not take the %d arguments: %r"
                         % (path, ln, key, len(conversions(want) or []), e))
    return probs


def test_stored_keys_render_the_written_text():
    # Texts the database keeps as keys (push why, error rows, stop reasons, mall errors):
    # every key the batch, the malls, the stock core and SQL store exists in both files,
    # takes %s only, and the keyf calls' Japanese texts are their formats.
    ja, en = lang_files()
    probs, calls, by_folder = [], 0, {}
    for path, text in sources():
        found = keyf_calls(text)
        calls += len(found)
        probs += keyf_problems(path, text, ja, en)
        for ln, key, spec in used_keys(text):
            folder = path.split("/")[1]
            by_folder[folder] = by_folder.get(folder, 0) + 1
        for key in re.findall(r"'(msg\.[a-z0-9_]+\.[a-z0-9_]+)'", text):  # keys inside SQL
            for name, keys in (("ja", ja), ("en", en)):
                if "Lang." + key not in keys:
                    probs.append("%s: %s (in SQL) is not in %s.hdf" % (path, key, name))
    for name, keys in (("ja", ja), ("en", en)):
        for k, v in keys.items():
            if k.startswith(STORED_SECTIONS) and re.search(r"%(?!s)", v.replace("%%", "")):
                probs.append("%s.hdf: %s takes a conversion other than %%s: %r" % (name, k, v))
    ok(calls >= 10, "keyf calls found: %d" % calls)
    ok(by_folder.get("batch", 0) >= 10 and by_folder.get("mall", 0) >= 5,
       "keys used by the batch and the malls: %r" % by_folder)
    eq(probs, [], "stored keys missing, or not their call's text")


def test_keyf_checker_finds_what_it_must():
    bad = ('smsg_keyf(&m, "msg.t.a", "店舗「%s」は %ld 秒"\n  "後",\n x, y);\n'
           'mall_status_setk(st, MALL_ITEM, 0, "msg.t.b", "%.*s: %d", n, p, 3);\n'
           'smsg_keyf(&m, "msg.t.c", "x %s", a);')
    eq(keyf_calls(bad), [(1, "msg.t.a", "店舗「%s」は %ld 秒後"), (4, "msg.t.b", "%.*s: %d"),
                         (5, "msg.t.c", "x %s")], "calls")
    ja = {"Lang.msg.t.a": "店舗「%s」は %s 秒後", "Lang.msg.t.b": "%s: %s", "Lang.msg.t.c": "x"}
    en = {"Lang.msg.t.a": "Shop %s in %s s", "Lang.msg.t.b": "%s", "Lang.msg.t.c": "x %s"}
    eq(keyf_problems("x.c", bad, ja, en),
       ["x.c:4: msg.t.b in en.hdf does not take the 2 arguments: '%s'",
        "x.c:5: msg.t.c in ja.hdf is 'x', the call's format gives 'x %s'"], "problems")
    more = ('stock_error_k(d, 8, "unlinked", 1, 0, 2, key, "msg.t.d",\n "注文 %s "\n "SKU %s",'
            ' a, b);\nKEYED("msg.t.e", "置き換え")')
    pieces = set()
    eq(keyf_calls(more, pieces), [(1, "msg.t.d", "注文 %s SKU %s"), (4, "msg.t.e", "置き換え")],
       "stock_error_k and KEYED")
    eq(pieces, {"注文 %s ", "SKU %s", "置き換え"}, "their literal pieces")


def test_no_japanese_literal_left():
    # The Japanese format of a keyf call is its key's text in ja.hdf (checked by
    # test_stored_keys_render_the_written_text), so it is allowed where it stands.
    found = []
    for path, text in sources():
        if not any(path.startswith(f + "/") for f in FOLDERS) or path in PENDING:
            continue
        keyed = set()
        keyf_calls(text, keyed)
        found += japanese_literals(path, text,
                                   ALLOW.get(path, set()) | STORED.get(path, set()) | keyed)
    eq(found, [], "Japanese literals outside the language files")


def test_served_messages_come_from_the_files():
    # Through nginx and the workers: messages built in C are the texts of ja.hdf (the
    # request's language is Japanese today), the field label included.
    import html
    ja, _ = lang_files()
    r = zt.Client().get("/no-such-page")
    eq(r.status, 404, "status")
    ok(html.escape(ja["Lang.msg.web.not_found"], quote=False) in r.text,
       "404 page shows msg.web.not_found: " + r.text[:400])
    c = zt.Client()
    c.login()
    r = c.get("/?tmin=abc")
    eq(r.status, 400, "a bad number")
    want = ja["Lang.msg.field.integer"].replace("%s", ja["Lang.msg.label.total_min"], 1)
    want = want.split("%lld")[0]
    ok(html.escape(want, quote=False) in r.text, "the field message with its label (%r): %s"
       % (want, r.text[:600]))


def test_pending_files_listed():
    # PENDING, ALLOW and STORED name files that exist, so none outlives a rename silently.
    for path in sorted(PENDING | set(ALLOW) | set(STORED)):
        ok(os.path.exists(os.path.join(ROOT, path)), "no file " + path)
    print("not yet moved to the language files: %d file(s): %s" % (len(PENDING),
                                                                    " ".join(sorted(PENDING))))
    print("stored texts left in Japanese: %d literal(s) in %s" % (
        sum(len(v) for v in STORED.values()), " ".join(sorted(STORED))))


zt.run()
