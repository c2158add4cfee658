"""A large 総在庫数 CSV (more SKUs than a per-SKU re-queue would handle) applied through the
screen: one stock_move per changed SKU with the right delta and total, and wanted stock, drift
and pending pushes left exactly as `zaiko-batch recompute` would leave them, in the same
transaction as the moves (no recompute owed afterwards)."""
import os
import zt
from test_stock_screen import totals_upload, why
from zt import Client, eq, ok, sql, sql1

TAG = "B" + os.urandom(3).hex().upper()
N = 2500                       # SKUs in the file (beyond the old 2,000-SKU switch)
_state = {}


def code(n):
    return "%s-%05d" % (TAG, n)


def client():
    c = Client()
    c.login()
    return c


def setup():
    """N SKUs, each listed in an enabled shop and (odd ones) in a disabled one, with floors,
    caps, sync off, a duplicate, shop stock already at the coming value, and two sets (one
    inside the other) made of file SKUs; then one recompute, so the state before the file is
    the recompute's own."""
    if _state:
        return _state
    for name, enabled in (("有効" + TAG, 1), ("停止" + TAG, 0)):
        sql("INSERT INTO shop (name, mall, is_base, enabled, created_at) "
            "VALUES (?, 'rakuten', 0, ?, UTC_TIMESTAMP())", name, enabled)
    on = int(sql1("SELECT id FROM shop WHERE name = ?", "有効" + TAG))
    off = int(sql1("SELECT id FROM shop WHERE name = ?", "停止" + TAG))
    sql("INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT(?, '-', LPAD(seq, 5, '0')), "
        "CONCAT('品', seq), MOD(seq, 50), UTC_TIMESTAMP() FROM seq_1_to_%d" % N, TAG)
    sql("INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at) "
        "SELECT id, total, total, 'initial', 'test', UTC_TIMESTAMP(3) FROM sku "
        "WHERE code LIKE ? AND total <> 0", TAG + "-%")
    # Of SKU n's listings in the enabled shop: every 7th has floor 5; every 11th cap 20; every
    # 13th sync off; every 17th floor > cap; every 19th the shop holds the file's value already
    # (1000 + n); the rest hold n mod 50. Odd SKUs are listed in the disabled shop too.
    n = "CAST(SUBSTRING(s.code, %d) AS UNSIGNED)" % (len(TAG) + 2)
    sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id, link_mode, sync, min_stock, "
        "max_stock, mall_stock, mall_stock_at) SELECT ?, CONCAT('i-', s.code), s.code, s.id, "
        "'code', IF(MOD(@N, 13) = 0, 0, 1), "
        "CASE WHEN MOD(@N, 17) = 0 THEN 30 WHEN MOD(@N, 7) = 0 THEN 5 END, "
        "CASE WHEN MOD(@N, 17) = 0 THEN 10 WHEN MOD(@N, 11) = 0 THEN 20 END, "
        "IF(MOD(@N, 19) = 0, 1000 + @N, MOD(@N, 50)), UTC_TIMESTAMP() "
        "FROM sku s WHERE s.code LIKE ?".replace("@N", n), on, TAG + "-%")
    sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id, link_mode, mall_stock, "
        "mall_stock_at) SELECT ?, CONCAT('i-', s.code), s.code, s.id, 'code', 3, "
        "UTC_TIMESTAMP() FROM sku s WHERE s.code LIKE ? AND MOD(@N, 2) = 1".replace("@N", n),
        off, TAG + "-%")
    sql("UPDATE listing SET state = 'duplicate' WHERE shop_id = ? AND sku_code = ?", on, code(5))
    # Set A = 2 × SKU 1 + SKU 2; set B = A + SKU 3; each listed in the enabled shop.
    sql("INSERT INTO sku (code, name, total, is_set, updated_at) VALUES "
        "(?, 'セットA', 0, 1, UTC_TIMESTAMP()), (?, 'セットB', 0, 1, UTC_TIMESTAMP())",
        TAG + "-SETA", TAG + "-SETB")
    ids = {c: int(sql1("SELECT id FROM sku WHERE code = ?", c))
           for c in (code(1), code(2), code(3), TAG + "-SETA", TAG + "-SETB")}
    sql("INSERT INTO set_part (set_sku_id, part_sku_id, quantity) VALUES (?, ?, 2), (?, ?, 1), "
        "(?, ?, 1), (?, ?, 1)", ids[TAG + "-SETA"], ids[code(1)], ids[TAG + "-SETA"], ids[code(2)],
        ids[TAG + "-SETB"], ids[TAG + "-SETA"], ids[TAG + "-SETB"], ids[code(3)])
    for c in (TAG + "-SETA", TAG + "-SETB"):
        sql("INSERT INTO listing (shop_id, item_code, sku_code, sku_id, link_mode, mall_stock, "
            "mall_stock_at) VALUES (?, ?, ?, ?, 'code', 1, UTC_TIMESTAMP())",
            on, "i-" + c, c, ids[c])
    zt.batch("recompute")
    _state.update(on=on, off=off, ids=ids)
    return _state


def snapshot():
    """Wanted and drift of every listing, drift of every SKU, the pending pushes (ids too: a
    recompute must not even rewrite one), and the recompute marker."""
    return {
        "listing": sql("SELECT id, wanted, drift FROM listing ORDER BY id"),
        "sku": sql("SELECT id, drift FROM sku ORDER BY id"),
        "push": sql("SELECT id, listing_id, shop_id, wanted, why FROM push "
                    "WHERE state = 'pending' ORDER BY id"),
        "marker": sql("SELECT COUNT(*) FROM setting WHERE name = 'recompute_pending'"),
    }


def same_as_recompute(what):
    before = snapshot()
    zt.batch("recompute")
    after = snapshot()
    for k in before:
        if before[k] != after[k]:
            diff = [r for r in after[k] if r not in before[k]][:5]
            gone = [r for r in before[k] if r not in after[k]][:5]
            raise AssertionError("%s: recompute changed %s (new %r, gone %r)" %
                                 (what, k, diff, gone))
    eq(before["marker"], [["0"]], what + ": no recompute owed")


def apply(c, text, mode):
    r = totals_upload(c, text.encode("utf-8"), mode=mode, name="bulk.csv")
    eq(r.status, 303, "preview: " + why(r))
    job = int(r.header("Location").split("=")[1])
    r = c.post("/stock/csv/apply", {"job": job})
    eq(r.status, 303, "applied: " + why(r))
    eq(sql1("SELECT state FROM job WHERE id = ?", job), "done", "job done")


def totals():
    return {r[0]: int(r[1]) for r in sql("SELECT code, total FROM sku WHERE code LIKE ? "
                                         "AND is_set = 0", TAG + "-%")}


def test_large_stocktake_leaves_what_a_recompute_would():
    s = setup()
    c = client()
    before = totals()
    moves = int(sql1("SELECT COUNT(*) FROM stock_move WHERE reason = 'csv'"))
    # Every 4th row keeps its count (no move); the rest get 1000 + n.
    rows = []
    for n in range(1, N + 1):
        rows.append("%s,%d" % (code(n), before[code(n)] if n % 4 == 0 else 1000 + n))
    apply(c, "SKUコード,総在庫数\n" + "\n".join(rows) + "\n", "absolute")
    after = totals()
    changed = [n for n in range(1, N + 1) if n % 4]
    for n in range(1, N + 1):
        eq(after[code(n)], before[code(n)] if n % 4 == 0 else 1000 + n, "total of " + code(n))
    got = sql("SELECT s.code, m.delta, m.total_after, m.ref FROM stock_move m "
              "JOIN sku s ON s.id = m.sku_id WHERE m.reason = 'csv' AND s.code LIKE ? "
              "ORDER BY s.code", TAG + "-%")
    eq(len(got), len(changed), "one move per changed SKU")
    eq(int(sql1("SELECT COUNT(*) FROM stock_move WHERE reason = 'csv'")), moves + len(changed),
       "no other moves")
    for (cd, delta, total_after, ref), n in zip(got, changed):
        eq((cd, int(delta), int(total_after), ref),
           (code(n), 1000 + n - before[code(n)], 1000 + n, "bulk.csv"), "move of " + cd)
    # A few listings by hand, then everything against a full recompute.
    on = s["on"]
    p = sql("SELECT l.wanted, COUNT(p.id) FROM listing l LEFT JOIN push p "
            "ON p.pending_listing = l.id WHERE l.shop_id = ? AND l.sku_code = ? GROUP BY l.id",
            on, code(2))
    eq(p, [["1002", "1"]], "a changed SKU's listing wants the new total and has its push")
    eq(sql("SELECT l.wanted, l.mall_stock, COUNT(p.id) FROM listing l LEFT JOIN push p "
           "ON p.pending_listing = l.id WHERE l.shop_id = ? AND l.sku_code = ? GROUP BY l.id",
           on, code(19)), [["1019", "1019", "0"]],
       "the shop holds the new value already: its older pending push is dropped")
    eq(sql1("SELECT COUNT(*) FROM push p JOIN listing l ON p.pending_listing = l.id "
            "WHERE l.shop_id = ?", s["off"]), "0", "a disabled shop gets no push")
    eq(sql1("SELECT why FROM push p JOIN listing l ON p.pending_listing = l.id "
            "WHERE l.sku_id = ?", s["ids"][TAG + "-SETA"]).startswith("セット"), True,
       "the set's push says its arithmetic")
    eq(sql1("SELECT wanted FROM listing WHERE sku_id = ?", s["ids"][TAG + "-SETA"]), "500",
       "set A = min(1001 / 2, 1002)")
    eq(sql1("SELECT wanted FROM listing WHERE sku_id = ?", s["ids"][TAG + "-SETB"]), "500",
       "set B = min(A, 1003)")
    same_as_recompute("stocktake")


def test_large_delta_leaves_what_a_recompute_would():
    setup()
    c = client()
    before = totals()
    rows = ["%s,%s" % (code(n), "-%d" % (n % 9) if n % 3 == 0 else "+%d" % (n % 5))
            for n in range(1, N + 1)]
    apply(c, "SKUコード,総在庫数\n" + "\n".join(rows) + "\n", "delta")
    after = totals()
    for n in range(1, N + 1):
        d = -(n % 9) if n % 3 == 0 else n % 5
        eq(after[code(n)], before[code(n)] + d, "total of " + code(n))
    eq(int(sql1("SELECT COUNT(*) FROM stock_move m JOIN sku s ON s.id = m.sku_id "
                "WHERE m.reason = 'csv' AND m.ref = 'bulk.csv' AND s.code LIKE ? "
                "AND m.delta <> 0", TAG + "-%")),
       int(sql1("SELECT COUNT(*) FROM stock_move m JOIN sku s ON s.id = m.sku_id "
                "WHERE m.reason = 'csv' AND m.ref = 'bulk.csv' AND s.code LIKE ?", TAG + "-%")),
       "no move of 0")
    same_as_recompute("delta")


if __name__ == "__main__":
    zt.run()
