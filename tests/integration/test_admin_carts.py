#!/usr/bin/python3
"""利用店舗設定 with BASE and カラーミーショップ shops: added on the screen against their
simulators, credentials sealed and never shown again, opened by the batch's connection test
(which also stores BASE's renewed refresh token), and a カラーミー access token entered on the
screen is the one kept."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zt  # noqa: E402
from zt import Client, eq, ok, sql, sql1  # noqa: E402

SECRET = "cart-" + os.urandom(6).hex()


def sims():
    subprocess.run([os.path.join(zt.ROOT, "tests/stack/sims.sh"), "start", zt.STACK], check=True)
    out = {}
    for m in ("base", "colorme"):
        with open(os.path.join(zt.STACK, "sims", m + ".port")) as f:
            out[m] = "http://127.0.0.1:%s" % f.read().strip()
    return out


def admin():
    sql("UPDATE app_user SET disabled = 0, role = 'admin' WHERE login = 'admin'")
    c = Client()
    c.login()
    return c


def reset():
    sql("DELETE FROM job WHERE kind = 'connection_test' AND shop_id IN "
        "(SELECT id FROM shop WHERE name LIKE 'TC-%')")
    sql("DELETE FROM shop WHERE name LIKE 'TC-%'")


def fields(**kw):
    # The shop is the base shop only when there is none (a fresh stack).
    has_base = sql1("SELECT COUNT(*) FROM shop WHERE is_base = 1 AND name NOT LIKE 'TC-%'") != "0"
    f = {"is_base": "0" if has_base else "1", "enabled": "0"}
    f.update(kw)
    return f


def connection_test(c, sid):
    c.get("/admin/shops")
    eq(c.post("/admin/shops/test", {"id": sid}).status, 303, "connection test queued")
    zt.batch("cycle", check=False, timeout=120)
    return sql("SELECT state, message FROM job WHERE kind = 'connection_test' AND shop_id = ? "
               "ORDER BY id DESC LIMIT 1", int(sid))[0]


def test_base_shop_on_the_screen():
    reset()
    urls = sims()
    c = admin()
    r = c.get("/admin/shops/edit")
    ok('value="base"' in r.text and "BASE" in r.text, "BASE among the malls")
    ok('name="base_refresh_token"' in r.text and 'name="base_redirect_uri"' in r.text,
       "the BASE inputs")
    r = c.post("/admin/shops/save", fields(
        name="TC-BASE", mall="base", api_base=urls["base"],
        base_client_id="zaiko-demo-base", base_client_secret="zaiko-demo-base-secret",
        base_refresh_token="zaiko-demo-base-refresh",
        base_redirect_uri="https://zaiko.example.jp/base/callback"))
    eq(r.status, 303, "saved: " + r.text[-300:])
    sid = sql1("SELECT id FROM shop WHERE name = 'TC-BASE'")
    eq(sql1("SELECT mall FROM shop WHERE id = ?", int(sid)), "base", "mall")
    sealed = bytes.fromhex(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", int(sid)))
    ok(b"zaiko-demo-base-secret" not in sealed and b"refresh" not in sealed, "sealed")
    r = c.get("/admin/shops/edit?id=" + sid)
    ok("zaiko-demo-base-secret" not in r.text and "zaiko-demo-base-refresh" not in r.text,
       "never shown again")
    blocks = re.findall(r'data-mall="base">(.*?)</p>', r.text, re.S)
    eq(len(blocks), 4, "four BASE inputs")
    eq(sum("（登録済み）" in b for b in blocks), 4, "the four BASE credentials stored")
    state, message = connection_test(c, sid)
    eq(state, "done", "connection test: " + message)
    ok(message.startswith("接続できました"), message)
    # The grant gave a new refresh token; the batch sealed it in.
    ok(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", int(sid)) != sealed.hex().upper(),
       "the renewed credentials are stored")
    # A wrong client secret entered on the screen: the test says the grant was refused.
    eq(c.post("/admin/shops/save", fields(id=sid, name="TC-BASE", mall="base",
                                          api_base=urls["base"],
                                          base_client_secret="wrong-" + SECRET)).status, 303,
       "new secret")
    state, message = connection_test(c, sid)
    eq(state, "failed", "refused")
    ok("BASE" in message and SECRET not in message, message)
    reset()


def test_colorme_shop_on_the_screen():
    reset()
    urls = sims()
    c = admin()
    r = c.get("/admin/shops/edit")
    ok('value="colorme"' in r.text and "カラーミーショップ" in r.text, "カラーミー among the malls")
    r = c.post("/admin/shops/save", fields(
        name="TC-ColorMe", mall="colorme", api_base=urls["colorme"],
        colorme_access_token="zaiko-demo-colorme-token", colorme_variant_separator="/"))
    eq(r.status, 303, "saved: " + r.text[-300:])
    sid = sql1("SELECT id FROM shop WHERE name = 'TC-ColorMe'")
    eq(sql1("SELECT options FROM shop WHERE id = ?", int(sid)), '{"variant_separator":"/"}',
       "the separator is an option, in the clear")
    state, message = connection_test(c, sid)
    eq(state, "done", "connection test: " + message)
    # A revoked token stops the test; the token entered anew is kept (not dropped as a
    # cached token would be) and works.
    eq(c.post("/admin/shops/save", fields(id=sid, name="TC-ColorMe", mall="colorme",
                                          api_base=urls["colorme"],
                                          colorme_access_token="revoked-" + SECRET)).status, 303,
       "a bad token")
    state, message = connection_test(c, sid)
    eq(state, "failed", "a bad token fails: " + message)
    ok(SECRET not in message, "the token is not in the message")
    eq(c.post("/admin/shops/save", fields(id=sid, name="TC-ColorMe", mall="colorme",
                                          api_base=urls["colorme"],
                                          colorme_access_token="zaiko-demo-colorme-token",
                                          colorme_variant_separator="/")).status, 303, "fixed")
    state, message = connection_test(c, sid)
    eq(state, "done", "the entered token is used: " + message)
    reset()


if __name__ == "__main__":
    zt.run()
