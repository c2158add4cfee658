"""Mall files read as the malls produce them (商品データ取込) and CSV出力 that always works and
goes back unchanged, through nginx: an Amazon report whose names start with a quote, Yahoo
quantity.csv with negative quantities (preview = apply), errors named by the physical line, the
Rakuten item.csv + select.csv pair in one upload, names in every script, emoji in CP932 and
UTF-8 exports, 選択/すべて re-uploaded to 総在庫数CSV一括更新 with 0 changes and to 商品データ取込,
and 選択 of more SKUs than one statement may bind."""
import os
import re
import urllib.parse
import zt
from zt import Client, eq, ok, sql, sql1
from test_stock_screen import multipart, post_list, why

TAG = "F" + os.urandom(3).hex().upper()
_shops = {}


def shop(mall, base=False, enabled=True):
    """A shop of this run for the mall (created once)."""
    key = (mall, base, enabled)
    if key not in _shops:
        name = "%s店%s%s%s" % (mall, "B" if base else "", "" if enabled else "off", TAG)
        sql("INSERT INTO shop (name, mall, is_base, enabled, created_at) "
            "VALUES (?, ?, ?, ?, UTC_TIMESTAMP())", name, mall, 1 if base else 0,
            1 if enabled else 0)
        _shops[key] = (int(sql1("SELECT id FROM shop WHERE name = ?", name)), name)
    return _shops[key][0]


def client():
    c = Client()
    c.login()
    c.get("/stock/csv/listings")
    return c


def upload_files(c, path, fields, files):
    fields = dict(fields)
    fields["csrf"] = c.csrf
    body, ctype = multipart(fields, files)
    return c.request("POST", path, raw_body=body, headers={"Content-Type": ctype})


def import_listings(c, shop_id, files, apply=True):
    """Uploads files {field: (name, bytes)}; returns (preview page, apply response or None)."""
    r = upload_files(c, "/stock/csv/listings", {"shop": shop_id}, files)
    if r.status != 303:
        return r, None
    page = c.get(r.header("Location"))
    if not apply:
        return page, None
    job = int(r.header("Location").split("=")[1])
    return page, c.post("/stock/csv/apply", {"job": job})


def listings(shop_id):
    rows = sql("SELECT item_code, sub_code, sku_code, name, options, IFNULL(mall_stock, '') "
               "FROM listing WHERE shop_id = ? ORDER BY item_code, sub_code", shop_id)
    return [tuple(r) for r in rows]


# ---- Amazon ----------------------------------------------------------------------------------

def test_amazon_report_quotes_are_ordinary_characters():
    s = shop("amazon")
    head = "商品名\t出品ID\t出品者SKU\t価格\t数量\t出品日\t商品IDタイプ\tコンディション\t商品ID\tフルフィルメント・チャンネル\tステータス"
    rows = [
        ('"幻の"コーヒー豆 200g', "%s-A1" % TAG, "1980", "5"),
        ('"', "%s-A2" % TAG, "100", "1"),
        ('ミネラルウォーター "南アルプス" 2L', "%s-A3" % TAG, "120", "0"),
        ('ｺｯﾄﾝ ﾀｵﾙ', "%s-A4" % TAG, "500", "7"),
        ('ＡＢＣ－０１ 全角', "%s-A5" % TAG, "300", ""),
    ]
    lines = [head] + ["%s\t0720X%d\t%s\t%s\t%s\t2024/07/20 12:34:56 JST\t1\t11\tB0T%d\t%s\tActive"
                      % (n, i, sku, p, q, i, "AMAZON_JP" if q == "" else "DEFAULT")
                      for i, (n, sku, p, q) in enumerate(rows)]
    data = ("\r\n".join(lines) + "\r\n").encode("cp932")
    page, r = import_listings(client(), s, {"file": ("%s.txt" % TAG, data)})
    eq(page.status, 200, "preview: " + why(page))
    ok("Amazon" in page.text and 'id="preview-new">5<' in page.text, "5 new: " + why(page))
    eq(r.status, 303, "apply: " + why(r))
    got = {(l[0]): (l[3], l[5]) for l in listings(s)}
    for n, sku, p, q in rows:
        eq(got.get(sku), (n, q), "listing " + sku)


# ---- Yahoo -----------------------------------------------------------------------------------

def test_yahoo_negative_quantities_preview_equals_apply():
    s = shop("yahoo")
    text = ("code,name,sub-code,quantity,allow-overdraft,stock-close\r\n"
            "%(t)s-tee,綿Tシャツ,%(t)s-tee-wh-s,5,0,\r\n"
            "%(t)s-tee,綿Tシャツ,%(t)s-tee-wh-m,-1,1,\r\n"
            "%(t)s-tee,綿Tシャツ,%(t)s-tee-bk-s,-12,1,\r\n"
            "%(t)s-mug,マグカップ,,12,0,0\r\n" % {"t": TAG})
    page, r = import_listings(client(), s, {"file": ("quantity.csv", text.encode("cp932"))})
    eq(page.status, 200, "preview: " + why(page))
    eq(r.status, 303, "the apply takes what the preview showed: " + why(r))
    job = int(page.text.split('data-job="')[1].split('"')[0]) if 'data-job="' in page.text else None
    if job:
        eq(sql1("SELECT state FROM job WHERE id = ?", job), "done", "job done")
    got = {(l[0], l[1]): l[5] for l in listings(s)}
    eq(got[(TAG + "-tee", TAG + "-tee-wh-m")], "-1", "negative stock stored")
    eq(got[(TAG + "-tee", TAG + "-tee-bk-s")], "-12", "negative stock stored")
    eq(got[(TAG + "-tee", TAG + "-tee-wh-s")], "5", "positive")
    eq(got[(TAG + "-mug", "")], "12", "single item")
    # shown on the screen (the listing's 在庫数 cell)
    c = client()
    page = c.get("/?" + urllib.parse.urlencode({"link": "unlinked", "shop": s, "q": TAG + "-tee"}))
    eq(page.status, 200, "list")
    ok(re.search(r">-12<", page.text), "the mall's -12 is shown")


def test_errors_name_the_physical_line():
    """A quoted cell with line breaks makes physical lines differ from records: the preview's
    message names the physical line, and nothing is applied."""
    s = shop("yahoo")
    long_code = TAG + "-" + "x" * 130
    text = ('path,name,code,sub-code,price,options,jan\r\n'
            '"a","複数行","%s-ml","","100","カラー 白\r\n\r\n黒\r\nサイズ S M",""\r\n'
            '"a","長いコード","%s","","100","",""\r\n' % (TAG, long_code))
    c = client()
    r = upload_files(c, "/stock/csv/listings", {"shop": s},
                     {"file": ("data.csv", text.encode("cp932"))})
    eq(r.status, 400, "refused at preview, as the apply would")
    m = re.search(r"<li>([^<]*)</li>", r.text)
    ok(m and m.group(1).startswith("6行目"), "physical line 6 named: %s" % (m and m.group(1)))
    eq(sql1("SELECT COUNT(*) FROM listing WHERE shop_id = ? AND item_code = ?", s, TAG + "-ml"),
       "0", "nothing applied")


# ---- Rakuten pair ----------------------------------------------------------------------------

ITEM = ("コントロールカラム,商品管理番号（商品URL）,商品番号,商品名,販売価格,在庫タイプ,在庫数,"
        "項目選択肢別在庫用横軸項目名,項目選択肢別在庫用縦軸項目名,商品画像URL\r\n"
        "n,%(t)s-tee,%(T)s-TEE,オーガニックコットンTシャツ,2980,2,,カラー,サイズ,\r\n"
        "n,%(t)s-mug,%(T)s-MUG,マグカップ,1200,1,12,,,https://img.example/m.jpg\r\n"
        "n,%(t)s-cap,%(T)s-CAP,キャップ,1500,2,,カラー,,\r\n")
SELECT = ("項目選択肢用コントロールカラム,商品管理番号（商品URL）,選択肢タイプ,項目選択肢項目名,項目選択肢,"
          "項目選択肢別在庫用横軸選択肢,項目選択肢別在庫用横軸選択肢子番号,項目選択肢別在庫用縦軸選択肢,"
          "項目選択肢別在庫用縦軸選択肢子番号,項目選択肢別在庫用取り寄せ可能表示,項目選択肢別在庫用在庫数\r\n"
          "n,%(t)s-tee,i,,,白,-wh,S,-s,,5\r\n"
          "n,%(t)s-tee,i,,,黒,=\"-bk\",M,-m,,0\r\n"
          "n,%(t)s-tee,s,ラッピング,不要,,,,,,\r\n"
          "n,%(t)s-cap,i,,,紺,-nv,,,,3\r\n")


def test_rakuten_item_and_select_in_one_upload():
    s = shop("rakuten")
    v = {"t": TAG.lower(), "T": TAG}
    c = client()
    page, r = import_listings(c, s, {"file": ("dl-select.csv", (SELECT % v).encode("cp932")),
                                     "file2": ("dl-item.csv", (ITEM % v).encode("cp932"))})
    eq(page.status, 200, "preview: " + why(page))
    ok('id="preview-new">4<' in page.text, "4 SKUs (mug, 2 tee, cap): " + why(page))
    eq(r.status, 303, "apply: " + why(r))
    t = TAG.lower()
    want = [
        (t + "-cap", "-nv", t + "-cap-nv", "キャップ", "カラー:紺", "3"),
        (t + "-mug", "", TAG + "-MUG", "マグカップ", "", "12"),
        (t + "-tee", "-bk-m", t + "-tee-bk-m", "オーガニックコットンTシャツ",
         "カラー:黒 / サイズ:M", "0"),
        (t + "-tee", "-wh-s", t + "-tee-wh-s", "オーガニックコットンTシャツ",
         "カラー:白 / サイズ:S", "5"),
    ]
    eq(listings(s), want, "every SKU, name, option and stock")


def test_rakuten_pair_refuses_other_files():
    s = shop("rakuten")
    c = client()
    yahoo = "code,name,sub-code,quantity\r\nx,y,,1\r\n".encode("cp932")
    r = upload_files(c, "/stock/csv/listings", {"shop": s},
                     {"file": ("a.csv", (ITEM % {"t": "z", "T": "Z"}).encode("cp932")),
                      "file2": ("b.csv", yahoo)})
    eq(r.status, 400, "not a pair")
    ok("item.csv と select.csv" in r.text, "says which pair: " + why(r))



def test_second_box_left_empty_is_no_second_file():
    # A browser sends a file box nobody filled as a part with an empty name and no bytes:
    # one file chosen is one file, not a pair whose second is empty. A second file chosen
    # but empty is still refused as empty.
    s = shop("yahoo")
    c = client()
    quantity = ("code,sub-code,quantity\r\n%s-E1,,3\r\n" % TAG).encode("cp932")
    r = upload_files(c, "/stock/csv/listings", {"shop": s},
                     {"file": ("quantity.csv", quantity), "file2": ("", b"")})
    eq(r.status, 303, "one file with the second box empty: " + why(r))
    r = upload_files(c, "/stock/csv/listings", {"shop": s},
                     {"file": ("quantity.csv", quantity), "file2": ("b.csv", b"")})
    eq(r.status, 400, "a chosen second file that is empty: " + why(r))
    ok("ファイルが空です" in r.text, "says it is empty: " + why(r))
    # The first box left empty (the same nameless part) asks for a file, on every upload form.
    for path, extra in (("/stock/csv/listings", {"shop": s}), ("/stock/csv/totals", {"mode": "absolute"}),
                        ("/sets/import", {})):
        r = upload_files(c, path, extra, {"file": ("", b"")})
        eq(r.status, 400, "%s with no file chosen: %s" % (path, why(r)))
        ok("ファイルを選択してください" in r.text, "%s asks for a file: %s" % (path, why(r)))


def colorme_fixture(name):
    """A unit-test fixture of カラーミーショップ's downloads (CP932), its codes made this run's."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "data", "csv", name)
    text = open(path, "rb").read().decode("cp932")
    for code in ("SHIRT", "MUG-01", "BOOK"):
        text = text.replace('"%s' % code, '"%s-%s' % (TAG, code))
    return text.encode("cp932")


def test_colorme_products_and_options_in_one_upload():
    s = shop("colorme")
    c = client()
    page, r = import_listings(c, s, {"file": ("option_csv_download.csv",
                                              colorme_fixture("colorme_options.csv")),
                                     "file2": ("product.csv", colorme_fixture("colorme_products.csv"))})
    eq(page.status, 200, "preview: " + why(page))
    ok("カラーミーショップ 商品データ + 商品オプションデータ" in page.text, "the kind named: " + why(page))
    ok('id="preview-new">7<' in page.text, "2 products without options, 5 options: " + why(page))
    eq(r.status, 303, "apply: " + why(r))
    T = TAG
    want = [
        ("41000001", "白|M", T + "-SHIRT-WH-M", "麻のシャツ", "カラー:白 / サイズ:M", "4"),
        ("41000001", "白|S", T + "-SHIRT-WH-S", "麻のシャツ", "カラー:白 / サイズ:S", "3"),
        ("41000001", "紺|M", T + "-SHIRT-NV-M", "麻のシャツ", "カラー:紺 / サイズ:M", "0"),
        ("41000002", "", T + "-MUG-01", "陶器のマグ", "", "12"),
        ("41000003", "", "", "手ぬぐい", "", ""),
        ("41000004", "１年生", "", "問題集", "学年:１年生", ""),
        ("41000004", "２年生", "", "問題集", "学年:２年生", ""),
    ]
    eq(listings(s), want, "every option and product, names from the product file")
    # The same files are another mall's files for a Yahoo shop: refused, nothing stored.
    y = shop("yahoo")
    r = upload_files(c, "/stock/csv/listings", {"shop": y},
                     {"file": ("product.csv", colorme_fixture("colorme_products.csv"))})
    eq(r.status, 400, "a カラーミー file for a Yahoo shop")
    ok("この店舗のモール・カートのものではありません" in r.text, "says why: " + why(r))


# ---- every script, export and re-import -------------------------------------------------------

NAMES = [
    ("K1", "漢字の湯呑み 髙橋", "カラー:藍"),
    ("H1", "ひらがなのおちゃわん", ""),
    ("T1", "カタカナノマグカップ", "サイズ:L"),
    ("W1", "ﾊﾝｶｸｶﾅ ﾀｵﾙ", ""),
    ("Z1", "ＺＥＮＫＡＫＵ　１２３", ""),
    ("D1", "長音ー全角－ハイフン‐-", ""),
    ("S1", "記号 ①㈱※ & <b> \"引用\" 50%_off", ""),
    ("E1", "🍣寿司ソックス ❤️", "柄:🐟"),
]


def setup_export():
    if "export" in _shops:
        return _shops["export"]
    base = shop("shopify", base=True)
    other = shop("shopify")
    off = shop("rakuten", enabled=False)
    rows = ["SKUコード,商品コード,商品名,選択肢,価格,在庫数"]
    for i, (suf, name, opt) in enumerate(NAMES, 1):
        rows.append('%s-%s,%s-%s,"%s",%s,%d,%d' % (TAG, suf, TAG.lower(), suf.lower(),
                                                 name.replace('"', '""'), opt, 100 * i, i))
    page, r = import_listings(client(), base, {"file": ("items.csv",
                                                        ("\r\n".join(rows) + "\r\n").encode())})
    eq(r.status, 303, "base import: " + why(page))
    for suf, _, _ in NAMES[:3]:
        for sid, prefix in ((other, "y-"), (off, "r-")):
            sql("INSERT INTO listing (shop_id, item_code, sku_code, name, mall_stock, sku_id) "
                "SELECT ?, ?, code, name, 1, id FROM sku WHERE code = ?",
                sid, prefix + TAG + suf, "%s-%s" % (TAG, suf))
    # an oversold SKU: its total below 0 goes back unchanged
    sql("UPDATE sku SET total = -3 WHERE code = ?", TAG + "-H1")
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at) "
        "SELECT id, -5, -3, 'manual', 'test', UTC_TIMESTAMP(3) FROM sku WHERE code = ?",
        TAG + "-H1")
    ids = {suf: int(sql1("SELECT id FROM sku WHERE code = ?", "%s-%s" % (TAG, suf)))
           for suf, _, _ in NAMES}
    _shops["export"] = (base, other, off, ids)
    return _shops["export"]


def test_every_script_imported_as_written():
    base, _, _, ids = setup_export()
    got = {l[2]: (l[3], l[4], l[5]) for l in listings(base)}
    for i, (suf, name, opt) in enumerate(NAMES, 1):
        eq(got.get("%s-%s" % (TAG, suf)), (name, opt, str(i)), "listing " + suf)
        eq(sql1("SELECT total FROM sku WHERE id = ?", ids[suf]),
           "-3" if suf == "H1" else str(i), "total " + suf)


def export(c, pairs):
    c.get("/")
    return post_list(c, "/stock/export", pairs)


def totals_preview(c, data):
    c.get("/stock/csv/totals")
    r = upload_files(c, "/stock/csv/totals", {"mode": "absolute"}, {"file": ("export.csv", data)})
    eq(r.status, 303, "totals preview stored: " + why(r))
    return c.get(r.header("Location")).text


def test_export_selected_round_trips_with_zero_changes():
    base, other, off, ids = setup_export()
    c = Client()
    c.login()
    r = export(c, [("scope", "selected")] + [("sku", v) for v in ids.values()])
    eq(r.status, 200, "export")
    text = r.body.decode("cp932")
    lines = text.splitlines()
    eq(lines[0], "店舗,SKUコード,商品コード,子番号,商品名,選択肢,画像URL,JANコード,価格,在庫数,"
       "総在庫数,確保在庫数,連携,最小在庫数,最大在庫数", "header")
    eq(len(lines) - 1, len(NAMES) + 3, "one row per listing of enabled shops")
    ok(("rakuten店off" + TAG) not in text, "no row of the disabled shop")
    ok("?寿司ソックス" in text, "emoji written as ?")
    page = totals_preview(c, r.body)
    ok('id="preview-changes">0<' in page, "0 changes: " + why_text(page))
    # the notice of replaced cells, with the UTF-8 way
    page = c.get("/").text
    m = re.search(r'id="export-replaced-n">(\d+)<', page)
    ok(m is not None, "the screen says cells were replaced")
    eq(m.group(1), "2", "the name and the option cell of the emoji SKU")
    ok('id="export-replaced"' not in c.get("/").text, "shown once")
    # UTF-8 keeps every character and round-trips as well
    r = export(c, [("scope", "selected"), ("enc", "utf8")] + [("sku", v) for v in ids.values()])
    text = r.body.decode("utf-8-sig")
    for _, name, _ in NAMES:
        ok(name in text or name.replace('"', '""') in text, "UTF-8 keeps " + name)
    page = totals_preview(c, r.body)
    ok('id="preview-changes">0<' in page, "UTF-8: 0 changes: " + why_text(page))
    # and 商品データ取込 takes it back for the base shop: its rows only, nothing new
    page, ar = import_listings(c, base, {"file": ("export.csv", r.body)})
    eq(page.status, 200, "listing preview: " + why(page))
    ok('id="preview-new">0<' in page.text, "nothing new: " + why(page))
    eq(ar.status, 303, "applied: " + why(ar))
    got = {l[2]: (l[3], l[4], l[5]) for l in listings(base)}
    for i, (suf, name, opt) in enumerate(NAMES, 1):
        eq(got.get("%s-%s" % (TAG, suf)), (name, opt, str(i)), "unchanged " + suf)


def why_text(page):
    i = max(page.find("<main>"), 0)
    return re.sub(r"<[^>]+>|\s+", " ", page[i:i + 1500])


def test_export_all_is_the_search_result():
    base, _, _, ids = setup_export()
    c = Client()
    c.login()
    back = urllib.parse.urlencode({"q": TAG + "-K1,湯呑み"})
    r = export(c, [("scope", "all"), ("enc", "utf8"), ("back", back)])
    eq(r.status, 200, "export")
    text = r.body.decode("utf-8-sig")
    rows = [l for l in text.splitlines()[1:] if l]
    ok(rows and all(("," + TAG + "-K1,") in l for l in rows), "only the search result: %r" % rows)
    eq(len(rows), 2, "its listings in the base and the other enabled shop")
    ok(rows[0].startswith("shopify店B"), "the base shop's row first")
    # every SKU of the run by a code prefix
    r = export(c, [("scope", "all"), ("back", urllib.parse.urlencode({"q": TAG + "-*"}))])
    codes = set(re.findall(re.escape(TAG) + r"-([A-Z]\d)", r.body.decode("cp932")))
    eq(codes, set(ids), "every SKU of the search")
    page = totals_preview(c, r.body)
    ok('id="preview-changes">0<' in page, "すべて: 0 changes: " + why_text(page))
    eq(export(c, [("scope", "all"), ("back", "q=a,b,c,d,e,f,g,h,i")]).status, 400,
       "a search the screen refuses is refused")
    page = c.get("/").text
    ok("「すべて」は今の検索結果" in page, "the screen says what each button exports")


def test_export_selected_beyond_one_statement():
    """600 SKUs checked × 2 shops: more ids than one statement may bind."""
    base, other, _, _ = setup_export()
    prefix = TAG + "-M"
    sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, LPAD(seq, 4, '0')), "
        "'大量', seq, UTC_TIMESTAMP() FROM seq_1_to_600", prefix)
    for sid in (base, other):
        sql("INSERT INTO listing (shop_id, item_code, sku_code, name, sku_id) "
            "SELECT ?, CONCAT(code, '-', ?), code, name, id FROM sku WHERE code LIKE ?",
            sid, sid, prefix + "%")
    ids = [r[0] for r in sql("SELECT id FROM sku WHERE code LIKE ?", prefix + "%")]
    eq(len(ids), 600, "600 SKUs")
    c = Client()
    c.login()
    r = export(c, [("scope", "selected"), ("enc", "utf8")] + [("sku", i) for i in ids])
    eq(r.status, 200, "export of 600 checked SKUs")
    rows = [l for l in r.body.decode("utf-8-sig").splitlines()[1:] if prefix in l]
    eq(len(rows), 1200, "every listing once")


if __name__ == "__main__":
    zt.run()
