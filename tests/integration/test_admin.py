"""管理者メニュー through nginx: admin only (staff 403), CSRF on every POST, validation
messages, the effect in the database, credentials sealed and never shown again, the test mail
through the batch to a loopback SMTP sink, error deletion, 初期受注取得 and users."""
import os
import re
import subprocess
import tempfile
import zt
from zt import Client, eq, ok, sql, sql1

GET_ROUTES = ["/admin/settings", "/admin/alerts", "/admin/shops", "/admin/shops/edit",
              "/admin/errors", "/admin/initial-fetch", "/admin/users"]
POST_ROUTES = ["/admin/settings", "/admin/settings/test-mail", "/admin/alerts",
               "/admin/shops/save", "/admin/shops/test", "/admin/errors/delete",
               "/admin/initial-fetch", "/admin/users/add", "/admin/users/update",
               "/admin/users/password"]
SECRET = "s3cr3t-Value-" + os.urandom(6).hex()


staff_client = zt.staff_client


def admin():
    sql("UPDATE app_user SET disabled = 0, role = 'admin' WHERE login = 'admin'")
    c = Client()
    c.login()
    return c


def setting(name):
    return sql1("SELECT value FROM setting WHERE name = ?", name)


SETTINGS_OK = {"error_mail_enabled": "1", "error_mail_to": "ops@example.jp, boss@example.jp",
               "alert_mode": "all", "alert_threshold": "5", "show_images": "0",
               "smtp_url": "smtp://127.0.0.1:2525", "smtp_user": "mailer",
               "mail_from": "zaiko@example.jp", "expiry_warn_days": "10"}


def reset_shops():
    sql("DELETE FROM job WHERE kind = 'connection_test'")
    sql("DELETE FROM shop WHERE name LIKE 'TA-%'")


# ---- access ----

def test_staff_gets_403_everywhere():
    c = staff_client()
    for path in GET_ROUTES:
        r = c.get(path)
        eq(r.status, 403, "GET " + path)
        ok("管理者のみ" in r.text, "Japanese message on " + path)
    for path in POST_ROUTES:
        eq(c.post(path, {"id": "1"}).status, 403, "POST " + path)
    r = c.get("/")
    ok("/admin/settings" not in r.text, "staff's menu has no 管理者メニュー")


def test_admin_pages_answer():
    c = admin()
    for path in GET_ROUTES:
        r = c.get(path)
        eq(r.status, 200, "GET " + path)
    ok("/admin/users" in c.get("/").text, "admin's menu links the admin pages")


def test_posts_without_csrf_are_403():
    c = admin()
    before = sql("SELECT name, value FROM setting ORDER BY name")
    for path in POST_ROUTES:
        eq(c.post(path, dict(SETTINGS_OK, id="1"), csrf=False).status, 403, "no CSRF " + path)
        eq(c.post(path, dict(SETTINGS_OK, id="1", csrf="0" * 64)).status, 403, "bad CSRF " + path)
    eq(sql("SELECT name, value FROM setting ORDER BY name"), before, "nothing changed")


def test_needs_login():
    r = Client().get("/admin/settings")
    eq(r.status, 303, "to the login page")
    ok(r.header("Location").startswith("/login"), "login")


# ---- 共通設定 ----

def test_settings_saved():
    c = admin()
    c.get("/admin/settings")
    r = c.post("/admin/settings", dict(SETTINGS_OK, smtp_password=SECRET))
    eq(r.status, 303, "saved: " + r.text[-300:])
    for k, v in SETTINGS_OK.items():
        eq(setting(k), v, k)
    stored = setting("smtp_password")
    ok(stored.startswith("sealed:") and SECRET not in stored, "password stored sealed")
    r = c.get("/admin/settings")
    ok(SECRET not in r.text, "the SMTP password is never shown back")
    ok("設定済み" in r.text, "says a password is set")
    ok('value="smtp://127.0.0.1:2525"' in r.text, "the other values are shown")
    # An empty password field keeps the stored one; the box clears it.
    eq(c.post("/admin/settings", SETTINGS_OK).status, 303, "saved again")
    eq(setting("smtp_password"), stored, "empty field keeps the password")
    eq(c.post("/admin/settings", dict(SETTINGS_OK, smtp_password_clear="1")).status, 303, "clear")
    eq(setting("smtp_password"), None, "cleared")


def test_settings_validation():
    c = admin()
    c.get("/admin/settings")
    eq(c.post("/admin/settings", SETTINGS_OK).status, 303, "baseline")
    before = sql("SELECT name, value FROM setting ORDER BY name")
    cases = [
        (dict(SETTINGS_OK, error_mail_to="not-an-address"), "メールアドレス「not-an-address」の形式"),
        (dict(SETTINGS_OK, error_mail_to=""), "通知先メールアドレスを入力してください"),
        (dict(SETTINGS_OK, alert_threshold=""), "通知する在庫数を入力してください"),
        (dict(SETTINGS_OK, alert_threshold="-1"), "通知する在庫数"),
        (dict(SETTINGS_OK, alert_mode="sometimes"), "在庫数通知"),
        (dict(SETTINGS_OK, smtp_url="http://x"), "smtp://"),
        (dict(SETTINGS_OK, mail_from="a b@c"), "送信元メールアドレス"),
        (dict(SETTINGS_OK, expiry_warn_days="999"), "有効期限の事前通知日数"),
    ]
    zt.refused(c, "/admin/settings", cases)
    eq(sql("SELECT name, value FROM setting ORDER BY name"), before, "nothing changed")
    # Off and per-SKU need no threshold; the stored one stays.
    eq(c.post("/admin/settings", dict(SETTINGS_OK, alert_mode="per_sku", alert_threshold="")).status,
       303, "per_sku without a threshold")
    eq(setting("alert_mode"), "per_sku", "mode")
    eq(setting("alert_threshold"), "5", "threshold kept")
    r = c.get("/admin/settings")
    ok('href="/admin/alerts"' in r.text, "通知設定 link appears for 商品別")
    ok('id="menu-alerts"' in c.get("/").text, "and in the 管理者メニュー of every page")
    eq(c.post("/admin/settings", SETTINGS_OK).status, 303, "back to 一括")
    ok('id="menu-alerts"' not in c.get("/").text, "gone from the menu for 一括")


def test_alert_thresholds_per_sku():
    sql("DELETE FROM sku WHERE code LIKE 'TA-%'")
    sql("INSERT INTO sku (code, name, total, updated_at) VALUES ('TA-1', 'アラート', 3, UTC_TIMESTAMP())")
    c = admin()
    r = c.get("/admin/alerts?q=TA-")
    eq(r.status, 200, "list")
    ok("TA-1" in r.text, "the SKU is listed")
    eq(c.post("/admin/alerts", {"code": "TA-1", "threshold": "4"}).status, 303, "set")
    eq(sql1("SELECT alert_threshold FROM sku WHERE code = 'TA-1'"), "4", "stored")
    eq(c.post("/admin/alerts", {"code": "TA-1", "threshold": ""}).status, 303, "cleared")
    eq(sql1("SELECT alert_threshold FROM sku WHERE code = 'TA-1'"), "NULL", "no threshold")
    r = c.post("/admin/alerts", {"code": "TA-NONE", "threshold": "1"})
    eq(r.status, 400, "unknown SKU")
    ok("登録されていません" in r.text, "message")
    r = c.post("/admin/alerts", {"code": "TA-1", "threshold": "x"})
    eq(r.status, 400, "not a number")
    sql("DELETE FROM sku WHERE code LIKE 'TA-%'")


def test_test_mail_queued():
    c = admin()
    c.get("/admin/settings")
    eq(c.post("/admin/settings", dict(SETTINGS_OK, smtp_url="")).status, 303, "no SMTP")
    r = c.post("/admin/settings/test-mail", {"to": ""})
    eq(r.status, 400, "needs an SMTP server first")
    ok("SMTPサーバー" in r.text, "says so")
    eq(c.post("/admin/settings", SETTINGS_OK).status, 303, "SMTP set")
    r = c.post("/admin/settings/test-mail", {"to": "bad address"})
    eq(r.status, 400, "bad recipient")
    n = int(sql1("SELECT COUNT(*) FROM mail_queue WHERE kind = 'test'"))
    r = c.post("/admin/settings/test-mail", {"to": ""})
    eq(r.status, 303, "queued")
    row = sql("SELECT recipients, state, subject FROM mail_queue WHERE kind = 'test' ORDER BY id DESC LIMIT 1")[0]
    eq(row[0], "ops@example.jp, boss@example.jp", "to the error address by default")
    eq(row[1], "queued", "waits for the batch")
    ok("テストメール" in row[2], "subject")
    eq(int(sql1("SELECT COUNT(*) FROM mail_queue WHERE kind = 'test'")), n + 1, "one row")
    r = c.get("/admin/settings?msg=test_queued")
    ok("送信待ち" in r.text, "the page shows it waiting")


def start_sink():
    """tests/smtp_sink.py on a free loopback port: (process, its directory, the port)."""
    sink = os.path.join(zt.ROOT, "tests", "smtp_sink.py")
    ok(os.path.exists(sink), "tests/smtp_sink.py exists")
    d = tempfile.mkdtemp(prefix="zaiko-sink-")
    p, port = zt.smtp_sink(d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, d, port


def mail_settings(port, **fields):
    """共通設定 saved with the sink at port as the SMTP server (and fields); earlier queued
    mails are set aside so the sink gets only the test's. The admin's client."""
    sql("UPDATE mail_queue SET state = 'failed' WHERE state = 'queued'")
    c = admin()
    c.get("/admin/settings")
    eq(c.post("/admin/settings", dict(SETTINGS_OK, smtp_url="smtp://127.0.0.1:%d" % port,
                                      **fields)).status, 303, "共通設定 with the SMTP sink")
    return c


def sink_mails(d):
    """The mails in the sink, in order: (envelope recipients, subject, body), decoded."""
    import email
    import email.header
    out = []
    for f in sorted(x for x in os.listdir(d) if x.endswith(".eml")):
        m = email.message_from_bytes(open(os.path.join(d, f), "rb").read())
        subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
        out.append((m["X-Envelope-To"], subject, m.get_payload(decode=True).decode("utf-8")))
    return out


def test_test_mail_sent_by_batch_to_sink():
    p, d, port = start_sink()
    try:
        c = mail_settings(port, smtp_password="pw-" + SECRET)
        eq(c.post("/admin/settings/test-mail", {"to": "tester@example.jp"}).status, 303, "queued")
        zt.batch("mail")
        mails = [f for f in os.listdir(d) if f.endswith(".eml")]
        eq(len(mails), 1, "one mail in the sink")
        text = open(os.path.join(d, mails[0]), "rb").read().decode("utf-8", "replace")
        ok("tester@example.jp" in text, "recipient")
        ok("zaiko@example.jp" in text, "sender from the settings")
        eq(sql1("SELECT state FROM mail_queue WHERE kind = 'test' ORDER BY id DESC LIMIT 1"), "sent",
           "marked sent")
        r = c.get("/admin/settings")
        ok("送信済み" in r.text, "the page shows the result")
    finally:
        p.terminate()
        p.wait(5)


JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def test_test_mail_in_each_recipients_language():
    # 共通設定's test button, with no address typed, mails each list in its language: the
    # Japanese list in Japanese, the English list (英語で送る通知先) in English. A typed address
    # gets the language of the list that names it.
    p, d, port = start_sink()
    try:
        c = mail_settings(port, error_mail_to="ja-ops@example.jp",
                          error_mail_to_en="en-ops@example.jp, Boss@example.com")
        eq(setting("error_mail_to_en"), "en-ops@example.jp, Boss@example.com", "stored")
        eq(c.post("/admin/settings/test-mail", {"to": ""}).status, 303, "queued")
        eq(c.post("/admin/settings/test-mail", {"to": "boss@example.com"}).status, 303, "typed")
        eq(c.post("/admin/settings/test-mail", {"to": "ja-ops@example.jp"}).status, 303, "typed")
        zt.batch("mail")
        got = sink_mails(d)
        eq(len(got), 4, "four mails: %r" % [(m[0], m[1]) for m in got])
        english = [m for m in got if m[1] == "[zaiko] Test mail"]
        japanese = [m for m in got if m[1] == "【zaiko】テストメール"]
        eq(len(english), 2, "two in English")
        eq(len(japanese), 2, "two in Japanese")
        eq(sorted(a.strip(" <>") for m in english for a in m[0].split(",")),
           ["Boss@example.com", "boss@example.com", "en-ops@example.jp"],
           "the English list and the address typed from it")
        eq([a.strip(" <>") for m in japanese for a in m[0].split(",")],
           ["ja-ops@example.jp", "ja-ops@example.jp"], "the Japanese list, as a list and typed")
        for to, subject, body in english:
            ok("mail sending is set up correctly" in body and "user: admin" in body,
               "English body to %s: %r" % (to, body))
            ok(not JAPANESE.search(subject + body), "no Japanese in the mail to %s: %r"
               % (to, body))
        for to, subject, body in japanese:
            ok("メール送信の設定は正しく動作しています" in body and "ユーザー: admin" in body,
               "Japanese body: %r" % body)
    finally:
        p.terminate()
        p.wait(5)
        c = admin()
        c.get("/admin/settings")
        c.post("/admin/settings", SETTINGS_OK)


# ---- 利用店舗設定 ----

def shop_fields(**kw):
    f = {"name": "TA-Yahoo", "mall": "yahoo", "is_base": "1", "enabled": "1",
         "api_base": "https://127.0.0.1:9/", "credentials_expire_at": "2030-01-02 03:04"}
    f.update(kw)
    return f


def test_shop_add_with_sealed_credentials():
    reset_shops()
    c = admin()
    c.get("/admin/shops/edit")
    r = c.post("/admin/shops/save", shop_fields(
        yahoo_client_id="cid-" + SECRET, yahoo_client_secret="sec-" + SECRET,
        yahoo_refresh_token="rt-" + SECRET, yahoo_seller_id="store-1",
        amazon_client_id="ignored-" + SECRET))
    eq(r.status, 303, "saved: " + r.text[-400:])
    row = sql("SELECT mall, is_base, enabled, api_base, HEX(credentials), options, "
              "credentials_expire_at FROM shop WHERE name = 'TA-Yahoo'")[0]
    eq(row[:4], ["yahoo", "1", "1", "https://127.0.0.1:9/"], "columns")
    sealed = bytes.fromhex(row[4])
    ok(sealed[0] == 1 and len(sealed) > 29, "sealed format (version 1, nonce, tag)")
    ok(SECRET.encode() not in sealed and b"client_secret" not in sealed, "not in the clear")
    eq(row[5], '{"seller_id":"store-1"}', "ids in options, in the clear")
    eq(row[6], "2030-01-01 18:04:00", "expiry stored in UTC")
    for page in ("/admin/shops", "/admin/shops/edit?id=" + sql1("SELECT id FROM shop WHERE name = 'TA-Yahoo'")):
        r = c.get(page)
        eq(r.status, 200, page)
        ok(SECRET not in r.text, "no secret in " + page)
    r = c.get("/admin/shops")
    ok("登録済み" in r.text and "2030-01-02 03:04" in r.text, "credentials set, expiry in JST")
    ok('href="/stock/csv/listings?shop=' in r.text, "link to the listing import (在庫連携's CSV page)")


def test_shop_credentials_readable_by_batch_and_kept_on_edit():
    reset_shops()
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", shop_fields(
        name="TA-Rakuten", mall="rakuten", rakuten_service_secret="ss-" + SECRET,
        rakuten_license_key="lk-" + SECRET)).status, 303, "saved")
    sid = sql1("SELECT id FROM shop WHERE name = 'TA-Rakuten'")
    sealed = sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", int(sid))
    # Editing other fields with the secret inputs empty keeps the sealed bytes as they are.
    sql("UPDATE shop SET state = 'stopped', stop_reason = 'licenseKey expired' WHERE id = ?", int(sid))
    eq(c.post("/admin/shops/save", shop_fields(id=sid, name="TA-Rakuten", mall="rakuten",
                                               enabled="0")).status, 303, "edit")
    eq(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", int(sid)), sealed, "credentials kept")
    eq(sql1("SELECT enabled FROM shop WHERE id = ?", int(sid)), "0", "enabled off")
    eq(sql1("SELECT state FROM shop WHERE id = ?", int(sid)), "stopped", "still stopped")
    # Entering one credential re-seals, keeps the other, and resumes the shop.
    eq(c.post("/admin/shops/save", shop_fields(id=sid, name="TA-Rakuten", mall="rakuten",
                                               rakuten_license_key="lk2-" + SECRET)).status, 303,
       "new key")
    ok(sql1("SELECT HEX(credentials) FROM shop WHERE id = ?", int(sid)) != sealed, "re-sealed")
    eq(sql1("SELECT state FROM shop WHERE id = ?", int(sid)), "ok", "resumed")
    r = c.get("/admin/shops/edit?id=" + sid)
    ok(SECRET not in r.text, "not shown")
    eq(len(re.findall(r"（登録済み）", r.text)), 2, "both rakuten secrets marked as stored")
    # The batch opens them with the same key file: its connection test gets past loading
    # the credentials and fails only on the unreachable API address.
    c.get("/admin/shops")
    eq(c.post("/admin/shops/test", {"id": sid}).status, 303, "connection test queued")
    zt.batch("cycle", check=False, timeout=120)
    state, message = sql("SELECT state, message FROM job WHERE kind = 'connection_test' AND "
                         "shop_id = ? ORDER BY id DESC LIMIT 1", int(sid))[0]
    eq(state, "failed", "the test ran and failed (no server at port 9)")
    ok(message.startswith("接続できません"), "credentials opened, the call failed: " + message)


def test_shop_validation():
    reset_shops()
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", shop_fields()).status, 303, "first shop")
    cases = [
        (shop_fields(name="TA-2", is_base="0", api_base="ftp://x"), "https://"),
        (shop_fields(name="TA-2", is_base="0", credentials_expire_at="31/12/2030"), "2026-12-31 23:59"),
        (shop_fields(name="TA-2", is_base="0", credentials_expire_at="2026-02-31"), "2026-12-31 23:59"),
        (shop_fields(name="TA-Yahoo"), "同じ名前の店舗"),
        (shop_fields(name="", is_base="0"), "店舗名"),
        (shop_fields(name="TA-2", mall="ebay"), "モール・カート"),
    ]
    zt.refused(c, "/admin/shops/save", cases)
    eq(sql1("SELECT COUNT(*) FROM shop WHERE name LIKE 'TA-%'"), "1", "nothing added")
    sid = sql1("SELECT id FROM shop WHERE name = 'TA-Yahoo'")
    r = c.post("/admin/shops/save", shop_fields(id=sid, mall="amazon"))
    eq(r.status, 400, "the mall of a shop is fixed")
    r = c.post("/admin/shops/save", shop_fields(id=sid, is_base="0"))
    eq(r.status, 400, "the only base shop cannot stop being base")
    ok("基本モールの店舗が1つ必要" in r.text, "message")


def test_exactly_one_base_shop():
    reset_shops()
    sql("UPDATE shop SET is_base = 0")
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", shop_fields()).status, 303, "base 1")
    eq(c.post("/admin/shops/save", shop_fields(name="TA-Shopify", mall="shopify",
                                               shopify_access_token="tok-" + SECRET,
                                               shopify_location_id="gid://shopify/Location/1")).status,
       303, "base 2")
    eq(sql("SELECT name FROM shop WHERE is_base = 1"), [["TA-Shopify"]], "the new base replaced the old")
    eq(sql1("SELECT options FROM shop WHERE name = 'TA-Shopify'"),
       '{"location_id":"gid://shopify/Location/1"}', "location id in options")


def test_connection_test_queued_once():
    reset_shops()
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", shop_fields()).status, 303, "shop")
    sid = int(sql1("SELECT id FROM shop WHERE name = 'TA-Yahoo'"))
    c.get("/admin/shops")
    eq(c.post("/admin/shops/test", {"id": str(sid)}).status, 303, "queued")
    eq(c.post("/admin/shops/test", {"id": str(sid)}).status, 303, "again")
    eq(sql("SELECT state FROM job WHERE kind = 'connection_test' AND shop_id = ?", sid),
       [["queued"]], "one queued job")
    ok("実行待ち" in c.get("/admin/shops").text, "shown as waiting")
    sql("UPDATE job SET state = 'failed', message = '接続できません: 401' WHERE kind = 'connection_test'")
    ok("失敗" in c.get("/admin/shops").text and "接続できません: 401" in c.get("/admin/shops").text,
       "the result is shown")
    eq(c.post("/admin/shops/test", {"id": "999999"}).status, 404, "unknown shop")


# ---- エラー削除 ----

def add_error(kind, message):
    sql("INSERT INTO error_log (level, kind, message, created_at, updated_at) VALUES "
        "(8, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", kind, message)


def test_errors_delete_needs_confirmation_then_by_kind_then_all():
    sql("DELETE FROM error_log")
    add_error("push", "在庫更新に失敗 <b>1</b>")
    add_error("push", "在庫更新に失敗 2")
    add_error("unlinked", "紐づいていない商品")
    c = admin()
    r = c.get("/admin/errors")
    ok(re.search(r'id="error-total">3<', r.text), "3 errors shown")
    ok("&lt;b&gt;" in r.text or "在庫更新に失敗 2" in r.text, "messages escaped")
    r = c.post("/admin/errors/delete", {"kind": "push"})
    eq(r.status, 400, "no confirmation")
    ok("確認" in r.text, "asks to confirm")
    eq(sql1("SELECT COUNT(*) FROM error_log"), "3", "nothing deleted")
    r = c.post("/admin/errors/delete", {"kind": "push", "confirm": "1"})
    eq(r.status, 303, "deleted one kind")
    eq(sql("SELECT kind FROM error_log"), [["unlinked"]], "only that kind went")
    ok("2件削除しました" in c.get(r.header("Location")).text, "says how many")
    eq(c.post("/admin/errors/delete", {"confirm": "1"}).status, 303, "delete all")
    eq(sql1("SELECT COUNT(*) FROM error_log"), "0", "all gone")


# ---- 初期受注取得 ----

def test_initial_fetch():
    reset_shops()
    c = admin()
    c.get("/admin/shops/edit")
    eq(c.post("/admin/shops/save", shop_fields()).status, 303, "shop")
    sid = sql1("SELECT id FROM shop WHERE name = 'TA-Yahoo'")
    r = c.get("/admin/initial-fetch")
    ok("未実行" in r.text, "not done yet")
    ok("在庫は動きません" in r.text, "explains what it means")
    r = c.post("/admin/initial-fetch", {"shop": sid})
    eq(r.status, 400, "needs confirmation")
    eq(sql1("SELECT order_cursor FROM shop WHERE id = ?", int(sid)), "NULL", "not set")
    eq(c.post("/admin/initial-fetch", {"shop": sid, "confirm": "1"}).status, 303, "done")
    row = sql("SELECT TIMESTAMPDIFF(SECOND, order_cursor, UTC_TIMESTAMP()), "
              "order_cursor = initial_fetch_at, fetch_cursor = order_cursor FROM shop WHERE id = ?",
              int(sid))[0]
    ok(0 <= int(row[0]) < 60, "order_cursor is now")
    eq(row[1:], ["1", "1"], "initial_fetch_at and fetch_cursor set with it")
    jst = sql1("SELECT DATE_FORMAT(initial_fetch_at + INTERVAL 9 HOUR, '%%Y-%%m-%%d %%H:%%i') FROM shop "
               "WHERE id = ?", int(sid))
    ok(jst in c.get("/admin/initial-fetch").text, "shows when, in JST")
    eq(c.post("/admin/initial-fetch", {"shop": "999999", "confirm": "1"}).status, 404, "unknown")


# ---- users ----

def test_users_add_role_disable_password():
    sql("DELETE FROM app_user WHERE login LIKE 'ta-%'")
    c = admin()
    c.get("/admin/users")
    pw = "Pass-" + os.urandom(6).hex()
    eq(c.post("/admin/users/add", {"login": "ta-user", "password": pw, "role": "staff"}).status,
       303, "added")
    eq(sql1("SELECT role FROM app_user WHERE login = 'ta-user'"), "staff", "role")
    r = c.post("/admin/users/add", {"login": "ta-user", "password": pw, "role": "staff"})
    eq(r.status, 400, "duplicate")
    ok("すでに使われています" in r.text, "message")
    r = c.post("/admin/users/add", {"login": "ta-short", "password": "short", "role": "staff"})
    eq(r.status, 400, "short password")
    ok("10文字以上" in r.text, "message")
    r = c.post("/admin/users/add", {"login": "ta bad!", "password": pw, "role": "staff"})
    eq(r.status, 400, "bad login")
    ok(pw not in r.text, "the password is not echoed")
    u = Client()
    u.login("ta-user", pw)
    eq(u.get("/admin/users").status, 403, "staff")
    uid = sql1("SELECT id FROM app_user WHERE login = 'ta-user'")
    eq(c.post("/admin/users/update", {"id": uid, "role": "admin"}).status, 303, "promoted")
    eq(u.get("/admin/users").status, 200, "now an admin, at once")
    eq(c.post("/admin/users/update", {"id": uid, "role": "staff", "disabled": "1"}).status, 303,
       "disabled")
    eq(u.get("/").status, 303, "the disabled user's session ended")
    u2 = Client()
    u2.get("/login")
    eq(u2.post("/login", {"login": "ta-user", "password": pw}).status, 401, "cannot log in")
    eq(c.post("/admin/users/update", {"id": uid, "role": "staff"}).status, 303, "enabled")
    pw2 = "Other-" + os.urandom(6).hex()
    r = c.post("/admin/users/password", {"id": uid, "password": "short"})
    eq(r.status, 400, "short new password")
    eq(c.post("/admin/users/password", {"id": uid, "password": pw2}).status, 303, "reset")
    u3 = Client()
    u3.login("ta-user", pw2)
    eq(u3.get("/").status, 200, "logs in with the new password")
    sql("DELETE FROM login_failure")


def test_last_admin_protected():
    sql("DELETE FROM app_user WHERE login LIKE 'ta-%'")
    sql("UPDATE app_user SET role = 'staff' WHERE login <> 'admin'")
    c = admin()
    c.get("/admin/users")
    me = sql1("SELECT id FROM app_user WHERE login = 'admin'")
    r = c.post("/admin/users/update", {"id": me, "role": "staff"})
    eq(r.status, 400, "demoting the last admin")
    ok("最後の管理者" in r.text, "message")
    r = c.post("/admin/users/update", {"id": me, "role": "admin", "disabled": "1"})
    eq(r.status, 400, "disabling the last admin")
    eq(sql("SELECT role, disabled FROM app_user WHERE id = ?", int(me)), [["admin", "0"]], "unchanged")
    eq(c.post("/admin/users/update", {"id": "999999", "role": "staff"}).status, 404, "unknown")
    # With a second admin, the first may step down.
    pw = "Pass-" + os.urandom(6).hex()
    eq(c.post("/admin/users/add", {"login": "ta-admin2", "password": pw, "role": "admin"}).status,
       303, "second admin")
    eq(c.post("/admin/users/update", {"id": me, "role": "staff"}).status, 303, "demoted")
    eq(c.get("/admin/users").status, 403, "no longer an admin")
    sql("UPDATE app_user SET role = 'admin' WHERE login = 'admin'")
    sql("DELETE FROM app_user WHERE login LIKE 'ta-%'")


def test_concurrent_demotions_leave_an_admin():
    """Two admins demoting each other at the same moment: the row locks make one wait and
    see the other's change, so one admin always remains."""
    import threading
    sql("DELETE FROM app_user WHERE login LIKE 'ta-%'")
    a = admin()
    a.get("/admin/users")
    pw = "Pass-" + os.urandom(6).hex()
    for round_no in range(5):
        sql("DELETE FROM app_user WHERE login = 'ta-rival'")
        eq(a.post("/admin/users/add", {"login": "ta-rival", "password": pw, "role": "admin"}).status,
           303, "rival admin")
        sql("UPDATE app_user SET role = 'admin', disabled = 0 WHERE login = 'admin'")
        b = Client()
        b.login("ta-rival", pw)
        b.get("/admin/users")
        me = sql1("SELECT id FROM app_user WHERE login = 'admin'")
        rival = sql1("SELECT id FROM app_user WHERE login = 'ta-rival'")
        results = {}
        t1 = threading.Thread(target=lambda: results.__setitem__(
            "a", a.post("/admin/users/update", {"id": rival, "role": "staff"}).status))
        t2 = threading.Thread(target=lambda: results.__setitem__(
            "b", b.post("/admin/users/update", {"id": me, "role": "staff"}).status))
        t1.start(); t2.start(); t1.join(); t2.join()
        admins = sql1("SELECT COUNT(*) FROM app_user WHERE role = 'admin' AND disabled = 0 "
                      "AND login IN ('admin', 'ta-rival')")
        eq(admins, "1", "round %d: exactly one admin left (%r)" % (round_no, results))
        ok(sorted(results.values()) in ([303, 400], [303, 403]), "one refused: %r" % results)
        sql("UPDATE app_user SET role = 'admin' WHERE login = 'admin'")
        a = admin()
        a.get("/admin/users")
    sql("DELETE FROM app_user WHERE login LIKE 'ta-%'")


def test_zz_cleanup():
    """Leaves the stack as the other test files expect it: no test shops, jobs or mails,
    the settings this file wrote removed, the admins it found restored."""
    reset_shops()
    sql("DELETE FROM mail_queue WHERE kind = 'test'")
    sql("DELETE FROM setting WHERE name IN (%s)" % ", ".join(
        "'%s'" % k for k in list(SETTINGS_OK) + ["smtp_password"]))
    sql("UPDATE app_user SET role = 'admin' WHERE login IN (%s)" % ", ".join(
        ["'admin'"] + ["'%s'" % a for a in ADMINS_AT_START if "'" not in a]))
    eq(sql1("SELECT COUNT(*) FROM shop WHERE name LIKE 'TA-%'"), "0", "no test shops left")


# Admins other tests may have made; test_last_admin_protected demotes them for a while.
ADMINS_AT_START = [r[0] for r in sql("SELECT login FROM app_user WHERE role = 'admin' AND disabled = 0")]

zt.run()
