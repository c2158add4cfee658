#!/usr/bin/python3
"""Where a shop's credentials may go, and every shop setting changed after shop-add: a changed
API URL (or token URL) needs the credentials entered again on 利用店舗設定 and with
`zaiko-batch shop-edit`, and the batch never sends sealed credentials to a place they were not
entered for; http:// and private addresses only where the configuration allows them;
`zaiko-batch shop-delete` takes the shop's listings and queue and keeps its history."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_batch as tb  # noqa: E402
import zt  # noqa: E402
from zt import Client, eq, ok, sql, sql1  # noqa: E402

SECRET = "lk-" + os.urandom(6).hex()


def admin():
    sql("UPDATE app_user SET disabled = 0, role = 'admin' WHERE login = 'admin'")
    c = Client()
    c.login()
    return c


def fields(**kw):
    f = {"name": "TS-Rakuten", "mall": "rakuten", "is_base": "1", "enabled": "0",
         "api_base": "https://api.rms.rakuten.co.jp"}
    f.update(kw)
    return f


def test_screen_refuses_a_new_api_url_without_new_credentials():
    sql("DELETE FROM shop WHERE name LIKE 'TS-%'")
    c = admin()
    c.get("/admin/shops/edit")
    r = c.post("/admin/shops/save", fields(rakuten_service_secret="ss-" + SECRET,
                                           rakuten_license_key=SECRET))
    eq(r.status, 303, "saved: " + re.sub(r"\s+", " ", r.text)[-600:])
    sid = int(sql1("SELECT id FROM shop WHERE name = 'TS-Rakuten'"))
    sealed = sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", sid)
    # Another host, credentials left empty: refused, nothing changes.
    c.get("/admin/shops/edit?id=%d" % sid)
    r = c.post("/admin/shops/save", fields(id=sid, api_base="https://collector.example.net"))
    eq(r.status, 400, "refused")
    ok("認証情報をすべて入力し直してください" in r.text, "says why")
    eq(sql1("SELECT api_base FROM shop WHERE id = ?", sid), "https://api.rms.rakuten.co.jp",
       "API URL unchanged")
    eq(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", sid), sealed, "credentials unchanged")
    # The same host edited otherwise keeps them.
    eq(c.post("/admin/shops/save", fields(id=sid, enabled="1")).status, 303, "other edit")
    eq(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", sid), sealed, "kept")
    # A new host with credentials entered again: saved, the old ones are not carried over.
    eq(c.post("/admin/shops/save", fields(id=sid, api_base="https://rms2.example.net",
                                          rakuten_license_key="lk2-" + SECRET)).status, 303,
       "new URL with new credentials")
    eq(sql1("SELECT api_base FROM shop WHERE id = ?", sid), "https://rms2.example.net", "moved")
    r = c.get("/admin/shops/edit?id=%d" % sid)
    eq(len(re.findall(r"（登録済み）", r.text)), 1, "only the re-entered secret is stored")
    sql("DELETE FROM shop WHERE name LIKE 'TS-%'")


def test_batch_sends_no_credentials_to_a_place_they_were_not_entered_for():
    w = tb.World("dst", malls=["rakuten"])
    w.sku("A", 4, malls=["rakuten"])
    tb.recompute()
    tb.cycle()
    zt.eq(w.stock_in("rakuten", "A"), 4, "pushed where the credentials belong")
    # The row is changed behind the screen's back: the batch still refuses.
    sql("UPDATE shop SET api_base = ? WHERE id = ?", tb.SIMS["amazon"], w.shops["rakuten"])
    sql("UPDATE sku SET total = 3 WHERE id = ?", w.skus["A"])
    tb.recompute()
    before = len(tb.ctl("amazon", "log")["requests"])
    r = tb.cycle(check=False)
    eq(r.returncode, 1, "the shop fails")
    eq(len(tb.ctl("amazon", "log")["requests"]), before, "nothing sent to the new place")
    ok("送信先" in sql1("SELECT stop_reason FROM shop WHERE id = ?", w.shops["rakuten"]),
       "stopped with the reason")


def test_conf_without_local_urls_refuses_http_and_loopback():
    w = tb.World("loc", malls=["yahoo"])
    conf = os.environ.get("ZAIKO_CONF", os.path.join(zt.STACK, "zaiko.conf"))
    text = open(conf).read()
    strict = re.sub(r"(?m)^allow_local_mall_urls.*$", "allow_local_mall_urls = 0", text)
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(strict)
    try:
        env = dict(os.environ, ZAIKO_CONF=f.name)
        r = subprocess.run([zt.BATCH, "shop-add", "TS-loop-%s" % w.tag, "yahoo", "--base-url",
                            "http://127.0.0.1:9"], capture_output=True, env=env)
        eq(r.returncode, 2, "shop-add refuses http:// loopback")
        ok("http://" in r.stderr.decode(), "says why")
        r = subprocess.run([zt.BATCH, "shop-add", "TS-priv-%s" % w.tag, "yahoo", "--base-url",
                            "https://169.254.169.254/"], capture_output=True, env=env)
        eq(r.returncode, 2, "shop-add refuses a link-local address")
        r = subprocess.run([zt.BATCH, "fetch", "%s-yahoo" % w.tag], capture_output=True, env=env)
        eq(r.returncode, 1, "the batch refuses to call a loopback simulator")
        ok("APIのURLに認証情報を送れません" in sql1("SELECT stop_reason FROM shop WHERE id = ?",
                                                w.shops["yahoo"]), "stop reason")
    finally:
        os.unlink(f.name)


def test_shop_edit_and_delete():
    w = tb.World("edit", malls=["amazon", "yahoo"])
    w.sku("A", 6, malls=["amazon", "yahoo"])
    tb.recompute()
    tb.cycle()
    name = "%s-amazon" % w.tag
    # Options merge; the token URL decides where the refresh token goes.
    zt.batch("shop-edit", name, "--options", json.dumps({"product_type": "LUGGAGE",
                                                         "rate_limit": None}))
    opts = json.loads(sql1("SELECT options FROM shop WHERE id = ?", w.shops["amazon"]))
    eq(opts.get("product_type"), "LUGGAGE", "set")
    ok("rate_limit" not in opts and opts.get("seller_id") == "AZAIKODEMO1", "merged, null removes")
    r = zt.batch("shop-edit", name, "--options", json.dumps({"lwa_url": "https://lwa.example.net/t"}),
                 check=False)
    eq(r.returncode, 2, "a new token URL without credentials is refused")
    ok("credentials again" in r.stderr.decode(), "says why")
    creds, _ = tb.shop_credentials("amazon")
    zt.batch("shop-edit", name, "--options", json.dumps({"product_type": None}), "--disable",
             "--name", name + "x")
    eq(sql1("SELECT CONCAT(name, enabled) FROM shop WHERE id = ?", w.shops["amazon"]),
       name + "x0", "renamed and disabled")
    zt.batch("shop-edit", name + "x", "--name", name, "--enable", "--base-url", tb.SIMS["amazon"] + "/",
             "--credentials-stdin", input=json.dumps(creds))
    tb.cycle()
    # Delete: listings and queue go, history stays.
    o = w.order("amazon", [("A", 1)])
    tb.cycle()
    sql("UPDATE sku SET total = 2 WHERE id = ?", w.skus["A"])
    tb.recompute()
    r = zt.batch("shop-delete", name, check=False)
    eq(r.returncode, 2, "needs --yes")
    zt.batch("shop-delete", name, "--yes")
    sid = w.shops["amazon"]
    eq(sql1("SELECT COUNT(*) FROM shop WHERE id = ?", sid), "0", "shop gone")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE shop_id = ?", sid), "0", "listings gone")
    eq(sql1("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'", sid), "0",
       "queue gone")
    eq(sql1("SELECT COUNT(*) FROM mall_order WHERE shop_id = ? AND order_no = ?", sid, o), "1",
       "orders stay")
    ok(int(sql1("SELECT COUNT(*) FROM stock_move WHERE ref = ? AND sku_id = ?", o, w.skus["A"])) == 1,
       "stock moves stay")
    eq(w.total("A"), 2, "the total is untouched")
    tb.cycle()
    eq(w.stock_in("yahoo", "A"), 2, "the other shop goes on")


def test_screen_shows_every_setting_with_help_and_deletes_a_shop():
    sql("DELETE FROM shop WHERE name LIKE 'TS-%'")
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", fields(name="TS-Amazon", mall="amazon",
                                          api_base="https://sellingpartnerapi-fe.amazon.com",
                                          amazon_seller_id="A1SELLER",
                                          amazon_client_id="cid-" + SECRET)).status, 303, "saved")
    sid = int(sql1("SELECT id FROM shop WHERE name = 'TS-Amazon'"))
    sql("UPDATE shop SET options = JSON_SET(options, '$.patch_in_flight', 3) WHERE id = ?", sid)
    r = c.get("/admin/shops/edit?id=%d" % sid)
    ok("出品者トークン" in r.text, "help says where the seller id is in Seller Central")
    ok("patch_in_flight" in r.text, "an option set by SQL is visible (詳細設定)")
    ok("lwa_url" not in r.text or "amazon_lwa_url" in r.text, "the token URL has its input")
    # Edited as JSON: the whole options; a named input wins over the JSON.
    eq(c.post("/admin/shops/save", fields(
        id=sid, name="TS-Amazon", mall="amazon", api_base="https://sellingpartnerapi-fe.amazon.com",
        amazon_seller_id="A1SELLER",
        options_json='{"seller_id": "OTHER", "push_batch": 20, "patch_in_flight": 4}')).status,
       303, "options saved")
    import json as _json
    opts = _json.loads(sql1("SELECT options FROM shop WHERE id = ?", sid))
    eq((opts.get("seller_id"), opts.get("push_batch"), opts.get("patch_in_flight")),
       ("A1SELLER", 20, 4), "JSON and inputs together")
    r = c.post("/admin/shops/save", fields(id=sid, name="TS-Amazon", mall="amazon",
                                           api_base="https://sellingpartnerapi-fe.amazon.com",
                                           options_json="[1, 2"))
    eq(r.status, 400, "bad JSON refused")
    ok("JSON のオブジェクト" in r.text, "says why")
    # Delete: confirmed by the shop's name.
    sql("INSERT INTO listing (shop_id, item_code, sku_code, name) VALUES (?, 'TS-L1', 'TS-L1', 'x')", sid)
    r = c.post("/admin/shops/delete", {"id": str(sid), "confirm_name": "TS-Amazo"})
    eq(r.status, 400, "a wrong name refuses")
    # The refusal shows the stored shop (the delete form sends no shop fields to show again).
    ok('name="name" value="TS-Amazon"' in r.text, "the refused delete shows the shop's name")
    ok('name="api_base" value="https://sellingpartnerapi-fe.amazon.com"' in r.text,
       "and its API URL")
    eq(sql1("SELECT COUNT(*) FROM shop WHERE id = ?", sid), "1", "still there")
    r = c.post("/admin/shops/delete", {"id": str(sid), "confirm_name": "TS-Amazon"})
    eq(r.status, 303, "deleted")
    eq(sql1("SELECT COUNT(*) FROM shop WHERE id = ?", sid), "0", "shop gone")
    eq(sql1("SELECT COUNT(*) FROM listing WHERE shop_id = ?", sid), "0", "its listings gone")


if __name__ == "__main__":
    zt.run()
