"""共通設定 › 保存期間 through nginx, and `zaiko-batch purge` using what the screen stored:
periods shown with their defaults, saved all or none, a period under its least refused in
Japanese with nothing changed, admin only and CSRF-checked; then a purge with a period of 7
days deletes an 8-day-old push and keeps a 6-day-old one."""
import zt
from zt import Client, eq, ok, sql, sql1

PERIODS = {"retention_push_days": "90", "retention_order_days": "365",
           "retention_login_failure_days": "30", "retention_mail_days": "90",
           "retention_job_days": "30"}


def admin():
    sql("UPDATE app_user SET disabled = 0, role = 'admin' WHERE login = 'admin'")
    c = Client()
    c.login("admin", zt.admin_password())
    return c


def stored():
    return dict(sql("SELECT name, value FROM setting WHERE name LIKE 'retention\\_%'"))


def test_defaults_shown():
    sql("DELETE FROM setting WHERE name LIKE 'retention\\_%'")
    r = admin().get("/admin/settings")
    eq(r.status, 200, "GET")
    ok("保存期間" in r.text, "the section is there")
    for name, days in PERIODS.items():
        ok('name="%s" value="%s"' % (name, days) in r.text, "default of %s shown" % name)
    ok("取得した受注" in r.text and "90日以上" in r.text, "the orders' least is said")


def test_saved_and_refused():
    c = admin()
    c.get("/admin/settings")
    want = {"retention_push_days": "14", "retention_order_days": "0",
            "retention_login_failure_days": "7", "retention_mail_days": "30",
            "retention_job_days": "3"}
    r = c.post("/admin/settings/retention", want)
    eq(r.status, 303, "saved: " + r.text[-300:])
    eq(stored(), want, "all five stored")
    r = c.get("/admin/settings?msg=retention_saved")
    ok("保存期間を保存しました" in r.text, "flash")
    ok('name="retention_order_days" value="0"' in r.text, "0 (無期限) shown back")
    cases = [
        (dict(want, retention_order_days="30"), "取得した受注の保存期間は90日以上"),
        (dict(want, retention_push_days="3"), "在庫更新の履歴の保存期間は7日以上"),
        (dict(want, retention_mail_days="-1"), "送信済みメールの保存期間"),
        (dict(want, retention_job_days="99999"), "終了した処理の保存期間"),
        (dict(want, retention_job_days="三十"), "終了した処理の保存期間"),
    ]
    zt.refused(c, "/admin/settings/retention", cases,
               after=lambda fields: eq(stored(), want, "nothing changed by %r" % fields))
    r = c.post("/admin/settings/retention", dict(want, retention_order_days="30"))
    ok('name="retention_order_days" value="30"' in r.text, "the refused value is shown back")
    eq(c.post("/admin/settings/retention", want, csrf=False).status, 403, "no CSRF")
    eq(zt.staff_client().post("/admin/settings/retention", want).status, 403, "staff")
    eq(stored(), want, "nothing changed")


def test_purge_uses_the_screens_period():
    c = admin()
    c.get("/admin/settings")
    eq(c.post("/admin/settings/retention", dict(PERIODS, retention_push_days="7")).status, 303,
       "saved")
    sql("INSERT INTO shop (name, mall, created_at) VALUES ('TP-purge', 'yahoo', UTC_TIMESTAMP()) "
        "ON DUPLICATE KEY UPDATE mall = 'yahoo'")
    shop = sql1("SELECT id FROM shop WHERE name = 'TP-purge'")
    sql("DELETE FROM push WHERE why LIKE 'TP-purge-%'")
    sql("INSERT INTO push (listing_id, shop_id, wanted, why, state, created_at, sent_at) VALUES "
        "(0, ?, 1, 'TP-purge-8', 'done', UTC_TIMESTAMP() - INTERVAL 8 DAY, "
        " UTC_TIMESTAMP() - INTERVAL 8 DAY), "
        "(0, ?, 1, 'TP-purge-6', 'done', UTC_TIMESTAMP() - INTERVAL 6 DAY, "
        " UTC_TIMESTAMP() - INTERVAL 6 DAY)", int(shop), int(shop))
    r = zt.batch("purge")
    out = r.stdout.decode()
    ok(out.startswith("purge: ") and "rows/s" in out, "purge reports: %r" % out)
    eq([x[0] for x in sql("SELECT why FROM push WHERE why LIKE 'TP-purge-%'")], ["TP-purge-6"],
       "the 8-day-old push went, the 6-day-old stayed")
    eq(zt.batch("purge", "--pause-ms", "x", check=False).returncode, 2, "bad option: usage")
    sql("DELETE FROM push WHERE why LIKE 'TP-purge-%'")
    sql("DELETE FROM shop WHERE name = 'TP-purge'")
    sql("DELETE FROM setting WHERE name LIKE 'retention\\_%'")


if __name__ == "__main__":
    zt.run()
