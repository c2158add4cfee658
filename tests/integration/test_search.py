"""The keyword search end to end through the 在庫連携 screen: products named in every script a
merchant uses are imported through 商品データ取込 (which builds their search documents), and
each search of the table finds exactly the SKUs it should; the migration's rebuild of stored
documents; the term limit and its message."""
import os
import re
import urllib.parse
import zt
from zt import Client, eq, ok, sql, sql1
from test_stock_screen import upload, why

TAG = "Q" + os.urandom(3).hex().upper()
SHOP = "検索店" + TAG
_state = {}

# (suffix of the SKU code, product name, option)
PRODUCTS = [
    ("MW", "ミネラルウォーター 500ml", "本数:24"),
    ("TS", "テスト用サンプル", ""),
    ("NK", "ネックレス ストーン", "カラー:シルバー"),
    ("AB", "ＡＢＣ－０１ コットンシャツ", "サイズ:Ｌ"),
    ("HK", "ｺｯﾄﾝ ﾊﾝｶﾁ", ""),
    ("KJ", "綿１００％ 長袖 肌着", "サイズ:M"),
    ("HI", "ほうじちゃ ティーバッグ", ""),
    ("EM", "🍣寿司ソックス", "サイズ:フリー"),
    ("HT", "❤️ハートピアス", ""),
    ("DS", "ケーブル USB‐C 1m", ""),
    ("UL", "KB_01 ブーツ", ""),
    ("PC", "マグ 100% 陶器", ""),
]


def code(suffix):
    return "%s-%s" % (TAG, suffix)


def setup():
    if _state:
        return _state
    _state["shop"] = zt.new_shop(SHOP)
    c = Client()
    c.login()
    zt.import_listings(c, _state["shop"],
                       ['%s,%s,"%s",%s,%d,%d' % (code(suffix), code(suffix).lower(), name, opt,
                                                 100 * i, i)
                        for i, (suffix, name, opt) in enumerate(PRODUCTS, 1)])
    eq(sql1("SELECT COUNT(*) FROM sku WHERE code LIKE ?", TAG + "-%"), str(len(PRODUCTS)),
       "every product has its SKU")
    _state["c"] = c
    return _state


def found(c, query):
    """The codes of this run the screen lists for the keyword (with the shop condition)."""
    r = c.get("/?" + urllib.parse.urlencode({"shop": setup()["shop"], "q": query}))
    eq(r.status, 200, "search %r: %s" % (query, why(r)))
    codes = set(re.findall(re.escape(TAG) + r"-([A-Z]{2})\b", r.text))
    m = re.search(r'id="count">(\d+)<', r.text)
    eq(int(m.group(1)), len(codes), "count of %r matches the rows shown" % query)
    return codes


TABLE = [
    # (query, suffixes found)
    ("ミネラルウォーター", {"MW"}),            # one word is one term (was refused as >8 terms)
    ("みねらるうぉーたー", {"MW"}),            # hiragana finds katakana
    ("ﾐﾈﾗﾙｳｫｰﾀｰ", {"MW"}),                   # half-width kana
    ("テスト", {"TS"}),                         # not 「ネックレス ストーン」 (byte fragments)
    ("ＡＢＣ－０１", {"AB"}),                   # full-width code, dash
    ("abcー01", {"AB"}),                        # long vowel mark for the hyphen
    ("コットン", {"AB", "HK"}),                 # full-width and half-width kana alike
    ("ｺｯﾄﾝ", {"AB", "HK"}),
    ("綿100%", {"KJ"}),                         # full-width digits and %
    ("100%", {"KJ", "PC"}),                     # % is literal
    ("_", {"UL"}),                              # _ is literal
    ("KB_0", {"UL"}),
    ("ホウジチャ", {"HI"}),                     # katakana finds hiragana
    ("🍣", {"EM"}),                             # emoji
    ("❤", {"HT"}),                              # emoji without its variation selector
    ("usb-c", {"DS"}),                          # U+2010 in the name, '-' typed
    ("ＵＳＢ－Ｃ", {"DS"}),
    ("コットン、シャツ", {"AB"}),               # 、 separates (AND)
    ("コットン，シャツ", {"AB"}),               # ，
    ("コットン,シャツ", {"AB"}),                # ,
    ("コットン,,、 ,シャツ", {"AB"}),           # empty terms are skipped
    ("コットン、ソックス", set()),
    ("肌着 ", {"KJ"}),
    ("サイズ", set()),                          # options are not in the document
    (code("N") + "*", {"NK"}),                  # code prefix
]


def test_table_through_the_screen():
    s = setup()
    for query, want in TABLE:
        eq(found(s["c"], query), want, "search %r" % query)


def test_term_limit_counts_terms():
    s = setup()
    eight = "、".join(["ミネラルウォーター", "ウォーター", "ミネラル", "500ml", "500", "ml",
                      "ミネ", "ラル"])
    eq(found(s["c"], eight), {"MW"}, "8 Japanese terms pass")
    r = s["c"].get("/?" + urllib.parse.urlencode({"q": "a,b,c,d,e,f,g,h,i"}))
    eq(r.status, 400, "9 terms refused")
    ok("8個まで" in r.text, "the message says the limit")


def test_hint_says_how_kana_match():
    r = setup()["c"].get("/")
    ok("ひらがなとカタカナ" in r.text and "区別せずに探します" in r.text, "the search hint states the kana folding")


def test_migration_rebuilds_stored_documents():
    """Documents of the old normalisation (katakana as typed) are rebuilt by migrate."""
    s = setup()
    sku = int(sql1("SELECT id FROM sku WHERE code = ?", code("MW")))
    sql("UPDATE sku SET search_doc = CAST(? AS BINARY) WHERE id = ?",
        code("MW").lower() + " ミネラルウォーター 500ml", sku)
    eq(found(s["c"], "みねらるうぉーたー"), set(), "a stale document misses the hiragana term")
    sql("DELETE FROM setting WHERE name = 'search_doc_version'")
    sql("DELETE FROM migration WHERE version = 110") if _has_migration_table() else None
    zt.batch("migrate")
    eq(sql1("SELECT value FROM setting WHERE name = 'search_doc_version'"), "2",
       "the version is recorded")
    doc = sql1("SELECT CAST(search_doc AS CHAR) FROM sku WHERE id = ?", sku)
    ok("みねらるうぉ-た-" in doc, "rebuilt document: " + doc)
    eq(found(s["c"], "みねらるうぉーたー"), {"MW"}, "found again")


def _has_migration_table():
    return sql1("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                "AND table_name = 'migration'") == "1"


if __name__ == "__main__":
    zt.run()
