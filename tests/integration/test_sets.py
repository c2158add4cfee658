"""セット商品 through nginx: the set editor (save, edit, delete, the live figure and its
messages), the set CSV import (preview, all-or-nothing apply, encodings, line numbers) and
the export (CP932 by default, UTF-8 BOM on request, export→import changes nothing)."""
import os
import re
import urllib.parse
import zt
from zt import Client, eq, ok, sql, sql1

PREFIX = "TS-"
HEADER = "セット商品コード,セット商品名,構成商品コード,数量,削除\r\n"


staff_client = zt.staff_client


def admin():
    c = Client()
    c.login()
    return c


def reset(parts=None):
    """Removes the test's SKUs and sets, then adds plain SKUs {code: total}."""
    sql("DELETE sp FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id WHERE s.code LIKE 'TS-%'")
    sql("DELETE sp FROM set_part sp JOIN sku s ON s.id = sp.part_sku_id WHERE s.code LIKE 'TS-%'")
    sql("DELETE m FROM stock_move m JOIN sku s ON s.id = m.sku_id WHERE s.code LIKE 'TS-%'")
    sql("DELETE FROM sku WHERE code LIKE 'TS-%'")
    for code, total in (parts or {}).items():
        sql("INSERT INTO sku (code, name, total, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
            code, "部品" + code, total)


def parts_of(code):
    return sql("SELECT p.code, sp.quantity FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id "
               "JOIN sku p ON p.id = sp.part_sku_id WHERE s.code = ? ORDER BY p.code", code)


def save(c, code, parts, name="", original=""):
    body = [("csrf", c.csrf), ("set_code", code), ("set_name", name), ("original", original)]
    for p, q in parts:
        body += [("part_code", p), ("part_qty", str(q))]
    return c.request("POST", "/sets/save", body=body)


def preview(c, code, parts, original=""):
    q = [("set_code", code), ("original", original)]
    for p, n in parts:
        q += [("part_code", p), ("part_qty", str(n))]
    r = c.get("/sets/preview?" + urllib.parse.urlencode(q))
    eq(r.status, 200, "preview status")
    return r.json()


def upload(c, path, data, filename="sets.csv", extra=None):
    boundary = "zt" + os.urandom(8).hex()
    out = b""
    for k, v in [("csrf", c.csrf)] + list((extra or {}).items()):
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" %
                (boundary, k, v)).encode()
    out += ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
            "Content-Type: text/csv\r\n\r\n" % (boundary, filename)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return c.request("POST", path, raw_body=out,
                     headers={"Content-Type": "multipart/form-data; boundary=" + boundary})


def job_of(r):
    m = re.search(r'name="job" value="(\d+)"', r.text)
    ok(m, "the preview offers an apply button: " + r.text[-800:])
    return m.group(1)


def test_sets_need_login():
    r = Client().get("/sets/edit")
    eq(r.status, 303, "to login")
    r = Client().get("/sets/preview?set_code=x")
    eq(r.status, 401, "JSON endpoint answers 401")


def test_create_set_computes_available():
    reset({"TS-A": 10, "TS-B": 7})
    c = admin()
    r = save(c, "TS-SET1", [("TS-A", 2), ("TS-B", 1)], name="お得セット")
    eq(r.status, 303, "saved: " + r.text[-300:])
    ok("/sets/edit?msg=saved&code=TS-SET1" == r.header("Location"), r.header("Location"))
    eq(parts_of("TS-SET1"), [["TS-A", "2"], ["TS-B", "1"]], "parts stored")
    eq(sql1("SELECT is_set FROM sku WHERE code = 'TS-SET1'"), "1", "is a set")
    eq(sql1("SELECT name FROM sku WHERE code = 'TS-SET1'"), "お得セット", "name")
    r = c.get("/sets/edit?code=TS-SET1")
    eq(r.status, 200, "edit page")
    # min(10 // 2, 7 // 1) = 5
    ok(re.search(r'id="set-available">5<', r.text), "available 5 shown server-side")
    ok("お得セット" in r.text and "TS-A ×2" in c.get("/sets/edit").text, "listed")


def test_set_list_joins_parts_in_the_readers_language():
    # The registered sets' parts are joined by "、" for a Japanese reader and by ", " for an
    # English one (the codes and counts are data, the separator is the page's).
    reset({"TS-A": 10, "TS-B": 7})
    c = admin()
    eq(save(c, "TS-SET2", [("TS-A", 2), ("TS-B", 1)]).status, 303, "saved")
    try:
        for lang, want in (("ja", "TS-A ×2、TS-B ×1"), ("en", "TS-A ×2, TS-B ×1")):
            sql("UPDATE app_user SET lang = ? WHERE login = 'admin'", lang)
            text = admin().get("/sets/edit").text
            ok(want in text, "%s list: %s" % (lang, re.findall(r"TS-A ×2[^<]*", text)))
    finally:
        sql("UPDATE app_user SET lang = 'ja' WHERE login = 'admin'")


def test_live_preview_figures_and_messages():
    reset({"TS-A": 10, "TS-B": 7, "TS-C": 0})
    c = admin()
    j = preview(c, "TS-NEW", [("TS-A", 3), ("TS-B", 2)])
    eq(j.get("available"), 3, "min(10//3, 7//2)")
    eq([p.get("available") for p in j["parts"]], [10, 7], "parts' stock")
    eq(j["parts"][0]["name"], "部品TS-A", "part name")
    j = preview(c, "TS-NEW", [("TS-A", 1), ("TS-C", 1)])
    eq(j.get("available"), 0, "an empty part makes 0")
    j = preview(c, "", [("TS-A", 4)])
    eq(j.get("available"), 2, "without a code the parts still give a figure")
    j = preview(c, "TS-NEW", [("TS-NOPE", 1)])
    ok("構成商品「TS-NOPE」は登録されていません" in j.get("error", ""), j)
    ok(j["parts"][0].get("unknown"), "unknown flagged")
    j = preview(c, "TS-NEW", [("TS-A", 0)])
    ok("「TS-A」の数量は1〜" in j.get("error", ""), j)
    j = preview(c, "TS-NEW", [("TS-A", -2)])
    ok("数量" in j.get("error", ""), j)
    j = preview(c, "TS-NEW", [("TS-A", "x")])
    ok("数量" in j.get("error", ""), j)
    # Rows that do not pair (a code without its quantity) are refused in the answer, not
    # with a server error.
    r = c.get("/sets/preview?" + urllib.parse.urlencode([("set_code", "TS-NEW"),
                                                         ("part_code", "TS-A")]))
    eq(r.status, 200, "unpaired rows: preview status")
    ok("構成商品の行が正しく送信されていません" in r.json().get("error", ""), r.text)
    eq(r.json().get("available"), None, "no figure for unpaired rows")
    j = preview(c, "TS-A", [("TS-A", 1)])
    ok("セット商品コード「TS-A」を、そのセット自身の構成商品にはできません" in j.get("error", ""), j)
    j = preview(c, "TS-B", [("TS-A", 1)])
    ok("登録済みの商品「TS-B」（総在庫数 7）をセット商品にします" in j.get("note", ""), j)
    eq(j.get("available"), 10, "the figure it would have")
    eq(sql1("SELECT is_set FROM sku WHERE code = 'TS-B'"), "0", "still a plain SKU")
    # A new code is checked without writing: not even an id is taken.
    ai = "SELECT AUTO_INCREMENT FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'sku'"
    before = sql1(ai)
    for _ in range(3):
        eq(preview(c, "TS-FRESH", [("TS-A", 2)]).get("available"), 5, "new code figure")
    eq(sql1(ai), before, "no SKU id consumed by previews of a new code")
    # The preview is rolled back: nothing was created.
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-NEW'"), "0", "preview stores nothing")


def test_cycle_refused_with_message():
    reset({"TS-A": 10})
    c = admin()
    eq(save(c, "TS-S1", [("TS-A", 1)]).status, 303, "S1")
    eq(save(c, "TS-S2", [("TS-S1", 2)]).status, 303, "S2 contains S1")
    j = preview(c, "TS-S1", [("TS-S2", 1)], original="TS-S1")
    ok("循環" in j.get("error", ""), j)
    r = save(c, "TS-S1", [("TS-S2", 1)], original="TS-S1")
    eq(r.status, 400, "cycle refused")
    ok("循環" in r.text, "message says cycle")
    eq(parts_of("TS-S1"), [["TS-A", "1"]], "S1 unchanged")


def test_save_validation_messages_change_nothing():
    reset({"TS-A": 10})
    c = admin()
    cases = [
        ([("TS-ZZ", 1)], "構成商品「TS-ZZ」は登録されていません"),
        ([("TS-A", 0)], "「TS-A」の数量は1〜"),
        ([("TS-X1", 1)], "登録されていません"),
        ([("TS-A", 1), ("TS-A", 2)], "2回指定されています"),
        ([("TS-BAD", 1)], "セット商品コード「TS-BAD」を、そのセット自身の構成商品にはできません"),
        ([], "構成商品を1件以上入力してください"),
    ]
    for parts, message in cases:
        r = save(c, "TS-BAD", parts)
        eq(r.status, 400, "refused: %r" % (parts,))
        ok(message in r.text, "message %s in page" % message)
        ok('value="TS-BAD"' in r.text, "the form keeps what was entered")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-BAD'"), "0", "nothing created")


def test_existing_set_not_overwritten_by_new_form_and_code_fixed():
    reset({"TS-A": 10, "TS-B": 4})
    c = admin()
    eq(save(c, "TS-S", [("TS-A", 1)]).status, 303, "first")
    r = save(c, "TS-S", [("TS-B", 1)])
    eq(r.status, 400, "a second 'new' with the same code is refused")
    ok("すでに登録されています" in r.text, "says it exists")
    r = save(c, "TS-S2", [("TS-B", 1)], original="TS-S")
    eq(r.status, 400, "code cannot change while editing")
    eq(save(c, "TS-S", [("TS-B", 2)], original="TS-S").status, 303, "edit replaces the parts")
    eq(parts_of("TS-S"), [["TS-B", "2"]], "replaced")


def test_delete_set():
    reset({"TS-A": 10})
    c = admin()
    eq(save(c, "TS-S1", [("TS-A", 1)]).status, 303, "S1")
    eq(save(c, "TS-S2", [("TS-S1", 1)]).status, 303, "S2")
    r = c.post("/sets/delete", {"set_code": "TS-S1"})
    eq(r.status, 400, "a set inside another cannot go")
    ok("TS-S2" in r.text, "names the set that uses it")
    r = c.post("/sets/delete", {"set_code": "TS-S2"})
    eq(r.status, 303, "deleted")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-S2'"), "0", "SKU gone (nothing refers to it)")
    eq(parts_of("TS-S2"), [], "parts gone")
    r = c.post("/sets/delete", {"set_code": "TS-A"})
    eq(r.status, 400, "a plain SKU is not a set")
    eq(sql1("SELECT total FROM sku WHERE code = 'TS-A'"), "10", "plain SKU untouched")


def test_posts_need_csrf():
    reset({"TS-A": 10})
    c = admin()
    r = c.request("POST", "/sets/save", body=[("set_code", "TS-S"), ("part_code", "TS-A"),
                                              ("part_qty", "1")])
    eq(r.status, 403, "save without CSRF")
    r = c.post("/sets/delete", {"set_code": "TS-S"}, csrf=False)
    eq(r.status, 403, "delete without CSRF")
    r = upload(c, "/sets/import", HEADER.encode(), extra={})
    ok(r.status != 403, "with CSRF the upload is accepted")
    c.csrf = "0" * 64
    r = upload(c, "/sets/import", HEADER.encode())
    eq(r.status, 403, "import with a wrong CSRF")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-S'"), "0", "nothing created")


def test_staff_may_use_sets():
    reset({"TS-A": 3})
    c = staff_client()
    eq(c.get("/sets/edit").status, 200, "staff sees the set screen")
    eq(save(c, "TS-STAFF", [("TS-A", 1)]).status, 303, "staff saves a set")


def test_import_preview_then_apply_cp932():
    reset({"TS-A": 10, "TS-B": 6})
    c = admin()
    text = HEADER + ("TS-I1,詰め合わせ①,TS-A,2,\r\nTS-I1,詰め合わせ①,TS-B,1,\r\n"
                     "TS-I2,ペア,TS-I1,2,\r\n")
    r = upload(c, "/sets/import", text.encode("cp932"))
    eq(r.status, 200, "preview: " + r.text[-500:])
    ok("Shift_JIS" in r.text, "encoding detected as CP932")
    ok(re.search(r'id="n-created">2<', r.text), "2 new sets")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code LIKE 'TS-I%'"), "0", "preview changes nothing")
    job = job_of(r)
    r = c.post("/sets/import/apply", {"job": job})
    eq(r.status, 200, "applied: " + r.text[-400:])
    ok("取込が完了しました" in r.text, "done message")
    eq(parts_of("TS-I1"), [["TS-A", "2"], ["TS-B", "1"]], "I1 parts")
    eq(parts_of("TS-I2"), [["TS-I1", "2"]], "a set that names a set of the same file")
    eq(sql1("SELECT name FROM sku WHERE code = 'TS-I1'"), "詰め合わせ①", "CP932 name decoded")
    r = c.post("/sets/import/apply", {"job": job})
    eq(r.status, 409, "the same preview cannot be applied twice")
    eq(sql1("SELECT payload IS NULL FROM job WHERE id = ?", int(job)), "1", "the file is dropped once applied")


def test_stale_previews_expire():
    reset({"TS-A": 10})
    c = admin()
    r = upload(c, "/sets/import", (HEADER + "TS-OLD,古い,TS-A,1,\r\n").encode())
    job = job_of(r)
    sql("UPDATE job SET created_at = UTC_TIMESTAMP() - INTERVAL 2 HOUR WHERE id = ?", int(job))
    r = c.post("/sets/import/apply", {"job": job})
    eq(r.status, 409, "an hour-old preview cannot be applied")
    ok("有効期限" in r.text, "says it expired")
    upload(c, "/sets/import", (HEADER + "TS-NEW2,新,TS-A,1,\r\n").encode())
    eq(sql1("SELECT COUNT(*) FROM job WHERE id = ?", int(job)), "0", "the stale preview is dropped")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-OLD'"), "0", "never applied")


def test_import_errors_with_line_numbers_all_or_nothing():
    reset({"TS-A": 10})
    c = admin()
    text = HEADER + "TS-OK,良いセット,TS-A,1,\r\nTS-NG,悪いセット,TS-A,1,\r\nTS-NG,悪いセット,TS-MISSING,1,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "refused")
    ok("4行目" in r.text and "TS-MISSING" in r.text, "line 4 names the unknown part: " + r.text[-800:])
    ok('name="job"' not in r.text, "no apply button")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code IN ('TS-OK', 'TS-NG')"), "0", "nothing applied")
    text = HEADER + "TS-Q,数量,TS-A,0,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "quantity 0 refused")
    ok("2行目" in r.text, "line number of the quantity")
    text = HEADER + "TS-OK,良い,TS-A,1,\r\nTS-LONG," + "長" * 300 + ",TS-A,1,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "a name over 255 characters refused, not a server error")
    ok("3行目" in r.text and "255文字" in r.text, "line and limit: " + r.text[-500:])
    text = HEADER + "TS-" + "x" * 130 + ",長いコード,TS-A,1,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "a code over 128 characters refused")
    ok("2行目" in r.text, "its line")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-OK'"), "0", "nothing applied")
    text = HEADER + "TS-SELF,自分,TS-SELF,1,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "a set made of itself refused")
    ok("2行目" in r.text, "line of the self part")


def test_import_cycle_refused():
    reset({"TS-A": 10})
    c = admin()
    eq(save(c, "TS-C1", [("TS-A", 1)]).status, 303, "C1")
    text = HEADER + "TS-C2,二,TS-C1,1,\r\nTS-C1,一,TS-C2,1,\r\n"
    r = upload(c, "/sets/import", text.encode("utf-8"))
    eq(r.status, 400, "cycle refused")
    ok("循環" in r.text and "3行目" in r.text, "cycle message with its line: " + r.text[-600:])
    eq(parts_of("TS-C1"), [["TS-A", "1"]], "unchanged")


def test_import_delete_marker_and_utf8_bom():
    reset({"TS-A": 10})
    c = admin()
    eq(save(c, "TS-D", [("TS-A", 1)]).status, 303, "set to delete")
    text = HEADER + "TS-D,,,,1\r\n"
    r = upload(c, "/sets/import", b"\xef\xbb\xbf" + text.encode("utf-8"))
    eq(r.status, 200, "preview: " + r.text[-500:])
    ok("UTF-8" in r.text, "UTF-8 detected")
    ok(re.search(r'id="n-deleted">1<', r.text), "one deletion")
    r = c.post("/sets/import/apply", {"job": job_of(r)})
    eq(r.status, 200, "applied")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-D'"), "0", "deleted")


def test_import_job_belongs_to_its_user():
    reset({"TS-A": 10})
    c = admin()
    r = upload(c, "/sets/import", (HEADER + "TS-J,J,TS-A,1,\r\n").encode())
    job = job_of(r)
    s = staff_client()
    s.get("/sets/import")
    eq(s.post("/sets/import/apply", {"job": job}).status, 409, "another user's preview")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code = 'TS-J'"), "0", "not applied")


def test_export_cp932_default_and_utf8_bom():
    reset({"TS-A": 10, "TS-B": 2})
    c = admin()
    eq(save(c, "TS-E", [("TS-A", 2), ("TS-B", 1)], name="髙島屋㈱セット～").status, 303, "set")
    r = c.get("/sets/export/download")
    eq(r.status, 200, "download")
    ok("Shift_JIS" in r.header("Content-Type"), "CP932 by default")
    text = r.body.decode("cp932")
    ok("TS-E,髙島屋㈱セット～,TS-A,2," in text, "row in CP932: " + text[:300])
    ok(text.startswith("セット商品コード,"), "header")
    r = c.get("/sets/export/download?enc=utf8")
    ok(r.body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM")
    ok("TS-E,髙島屋㈱セット～,TS-B,1," in r.body.decode("utf-8-sig"), "UTF-8 row")
    ok("attachment" in r.header("Content-Disposition"), "a download")


def test_export_then_import_changes_nothing():
    reset({"TS-A": 10, "TS-B": 2})
    c = admin()
    eq(save(c, "TS-R1", [("TS-A", 2), ("TS-B", 1)], name="往復").status, 303, "R1")
    eq(save(c, "TS-R2", [("TS-R1", 3)], name="入れ子").status, 303, "R2")
    eq(save(c, "TS-R3", [("TS-A", 1)], name="=HYPERLINK(\"x\")").status, 303, "a formula-like name")
    before = sql("SELECT s.code, s.name, s.updated_at, p.code, sp.quantity FROM set_part sp "
                 "JOIN sku s ON s.id = sp.set_sku_id JOIN sku p ON p.id = sp.part_sku_id "
                 "ORDER BY s.code, p.code")
    moves = sql1("SELECT COUNT(*) FROM stock_move")
    pushes = sql1("SELECT COUNT(*) FROM push")
    data = c.get("/sets/export/download").body
    ok("'=HYPERLINK".encode() in data, "the export guards a formula-like cell")
    r = upload(c, "/sets/import", data)
    eq(r.status, 200, "preview of the export: " + r.text[-500:])
    ok(re.search(r'id="n-created">0<', r.text) and re.search(r'id="n-changed">0<', r.text),
       "nothing new or changed")
    r = c.post("/sets/import/apply", {"job": job_of(r)})
    eq(r.status, 200, "applied")
    after = sql("SELECT s.code, s.name, s.updated_at, p.code, sp.quantity FROM set_part sp "
                "JOIN sku s ON s.id = sp.set_sku_id JOIN sku p ON p.id = sp.part_sku_id "
                "ORDER BY s.code, p.code")
    eq(after, before, "sets, names and their update times unchanged")
    eq(sql1("SELECT COUNT(*) FROM stock_move"), moves, "no stock moves")
    eq(sql1("SELECT COUNT(*) FROM push"), pushes, "no pushes")


def test_names_escaped():
    reset({"TS-A": 1})
    c = admin()
    eq(save(c, "TS-X<b>", [("TS-A", 1)], name="<script>alert(1)</script>").status, 303, "saved")
    r = c.get("/sets/edit")
    ok("<script>alert(1)" not in r.text, "no raw script")
    ok("&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, "escaped")
    ok("code=TS-X%3Cb%3E" in r.text, "the edit link is URL-escaped")


def test_zz_cleanup():
    """Removes this file's SKUs and sets, so other test files count only their own."""
    reset()
    sql("DELETE FROM job WHERE kind IN ('set_csv_preview', 'set_csv_done')")
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code LIKE 'TS-%'"), "0", "no test SKUs left")


zt.run()
