/* test_stock_core: the stock core against the real MariaDB: orders once, cancellations,
 * sets, cycles, unlinked lines, duplicates, manual links, the push queue, stale edits. */
#include "core/lang.h"
#include "test_stock_util.h"

static void test_order_applied_once(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("sku");
	long long sku = t_sku(code, 10);
	long long listing = t_listing(shop, code, code, 10);
	stock_order_result res;
	const char *no = t_code("order");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t_order1(shop, no, code, 2, false, &res), Z_OK);
		assert_int_equal(res.new_lines, i == 0);
		assert_int_equal(res.changed_lines, i == 0);
		assert_int_equal(t_total(sku), 8);
	}
	assert_int_equal(t_moves(sku), 2); /* initial + the order */
	/* the quantity changes at the mall (2 → 3): one more taken, once */
	for (int i = 0; i < 2; i++)
		assert_int_equal(t_order1(shop, no, code, 3, false, &res), Z_OK);
	assert_int_equal(t_total(sku), 7);
	/* cancelled, fetched three times: returns exactly the 3 taken, once */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t_order1(shop, no, code, 3, true, &res), Z_OK);
		assert_int_equal(t_total(sku), 10);
	}
	assert_int_equal(t_sum_moves(sku), 10);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM stock_move WHERE sku_id = ? AND reason = 'cancel' "
	                      "AND ref = ?", DB_I(sku), DB_S(no)),
	                 1);
	assert_int_equal(T_LL("SELECT applied FROM mall_order_line l JOIN mall_order o "
	                      "ON o.id = l.order_id WHERE o.order_no = ?", DB_S(no)),
	                 0);
	/* the listing's wanted follows the total, and a push waits for it */
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(listing)), 10);
}

static void test_order_pages(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("page");
	long long sku = t_sku(code, 100);
	t_listing(shop, code, code, 100);
	stock_order_line ln[3] = {{.line_key = "1", .item_code = code, .quantity = 1},
	                          {.line_key = "1", .item_code = code, .quantity = 2},
	                          {.line_key = "1", .item_code = code, .quantity = 4}};
	stock_order o[3];
	for (int i = 0; i < 3; i++)
		o[i] = (stock_order){.order_no = t_code("po"), .ordered_at = time(NULL), .nlines = 1,
		                     .lines = &ln[i]};
	stock_order_result res[3];
	int rcs[3];
	assert_int_equal(stock_apply_orders(t_db, shop, o, 3, res, rcs), Z_OK);
	assert_int_equal(t_total(sku), 93);
	assert_int_equal(res[2].changed_lines, 1);
	/* again, with one bad order in the page: the others are still applied (once) */
	ln[1].quantity = -5;
	o[0].cancelled = true;
	assert_int_equal(stock_apply_orders(t_db, shop, o, 3, res, rcs), Z_INVALID);
	assert_int_equal(rcs[0], Z_OK);
	assert_int_equal(rcs[1], Z_INVALID);
	assert_int_equal(rcs[2], Z_OK);
	assert_int_equal(t_total(sku), 94);
	assert_int_equal(res[2].changed_lines, 0);
}

static void test_line_cancel_and_before_cursor(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1), fresh = t_shop(true, -1);
	const char *a = t_code("a"), *b = t_code("b");
	long long sa = t_sku(a, 5), sb = t_sku(b, 5);
	t_listing(shop, a, a, -1);
	t_listing(shop, b, b, -1);
	t_listing(fresh, a, a, -1);
	stock_order_line lines[] = {{.line_key = "x", .item_code = a, .quantity = 1},
	                            {.line_key = "y", .item_code = b, .quantity = 2}};
	stock_order o = {.order_no = t_code("o"), .ordered_at = time(NULL), .nlines = 2,
	                 .lines = lines};
	stock_order_result res;
	assert_int_equal(stock_apply_order(t_db, shop, &o, &res), Z_OK);
	assert_int_equal(res.skus_touched, 2);
	assert_int_equal(t_total(sa), 4);
	assert_int_equal(t_total(sb), 3);
	lines[1].cancelled = true; /* one line cancelled at the mall */
	assert_int_equal(stock_apply_order(t_db, shop, &o, &res), Z_OK);
	assert_int_equal(stock_apply_order(t_db, shop, &o, &res), Z_OK);
	assert_int_equal(t_total(sa), 4);
	assert_int_equal(t_total(sb), 5);
	/* placed before 初期受注取得 (cursor 1 day ago) */
	stock_order old = o;
	old.order_no = t_code("old");
	old.ordered_at = time(NULL) - 3 * 86400;
	lines[1].cancelled = false;
	assert_int_equal(stock_apply_order(t_db, shop, &old, &res), Z_OK);
	assert_int_equal(res.before_cursor_lines, 2);
	assert_int_equal(t_total(sa), 4);
	assert_int_equal(t_total(sb), 5);
	/* 初期受注取得 done again later: orders already applied keep what they took, and a
	 * cancellation still returns it */
	assert_int_equal(db_execv(t_db, "UPDATE shop SET order_cursor = UTC_TIMESTAMP() + INTERVAL 1 "
	                                "DAY WHERE id = ?", DB_I(shop)),
	                 Z_OK);
	lines[1].cancelled = true;
	assert_int_equal(stock_apply_order(t_db, shop, &o, &res), Z_OK);
	assert_int_equal(res.changed_lines, 0);
	assert_int_equal(t_total(sa), 4);
	o.cancelled = true;
	assert_int_equal(stock_apply_order(t_db, shop, &o, &res), Z_OK);
	assert_int_equal(t_total(sa), 5);
	assert_int_equal(t_total(sb), 5);
	/* a shop whose cursor is not set yet moves nothing */
	stock_order_line one = {.line_key = "1", .item_code = a, .quantity = 1};
	stock_order f = {.order_no = t_code("f"), .ordered_at = time(NULL), .nlines = 1,
	                 .lines = &one};
	assert_int_equal(stock_apply_order(t_db, fresh, &f, &res), Z_OK);
	assert_int_equal(res.before_cursor_lines, 1);
	assert_int_equal(t_total(sa), 5);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mall_order_line l JOIN mall_order o ON "
	                      "o.id = l.order_id WHERE o.order_no = ? AND l.state = 'before_cursor'",
	                      DB_S(f.order_no)),
	                 1);
	/* bad orders are refused whole */
	stock_order_line neg = {.line_key = "1", .item_code = a, .quantity = -1};
	stock_order bad = {.order_no = t_code("bad"), .nlines = 1, .lines = &neg};
	assert_int_equal(stock_apply_order(t_db, shop, &bad, &res), Z_INVALID);
	stock_order_line dup[] = {{.line_key = "1", .item_code = a, .quantity = 1},
	                          {.line_key = "1", .item_code = a, .quantity = 1}};
	bad.lines = dup;
	bad.nlines = 2;
	assert_int_equal(stock_apply_order(t_db, shop, &bad, &res), Z_INVALID);
	/* text the database would refuse (not UTF-8, longer than its column) is refused here,
	 * as a malformed order the batch sets aside, not as a failure that stops the fetch */
	stock_order_line badtext = {.line_key = "1", .item_code = "\xff\xfe", .quantity = 1};
	bad.lines = &badtext;
	bad.nlines = 1;
	assert_int_equal(stock_apply_order(t_db, shop, &bad, &res), Z_INVALID);
	char longcode[200];
	memset(longcode, 'x', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	badtext.item_code = a;
	badtext.sku_code = longcode;
	assert_int_equal(stock_apply_order(t_db, shop, &bad, &res), Z_INVALID);
	stock_order badno = {.order_no = "\xc3(", .nlines = 1, .lines = &one};
	assert_int_equal(stock_apply_order(t_db, shop, &badno, &res), Z_INVALID);
	assert_int_equal(t_total(sa), 5);
}

static void test_unlinked_line(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *item = t_code("nolink");
	t_listing(shop, item, "", -1); /* a listing with no SKU code */
	stock_order_result res;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t_order1(shop, t_code("u"), item, 1, false, &res), Z_OK);
		assert_int_equal(res.unlinked_lines, 1);
		assert_int_equal(res.skus_touched, 0);
	}
	/* one error row for the repeated problem, counted */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM error_log WHERE kind = 'unlinked' AND shop_id = ?",
	                      DB_I(shop)),
	                 1);
	assert_int_equal(T_LL("SELECT repeat_count FROM error_log WHERE kind = 'unlinked' "
	                      "AND shop_id = ?", DB_I(shop)),
	                 3);
	/* linked later: the next fetch of that order takes the stock */
	const char *code = t_code("late");
	long long sku = t_sku(code, 4);
	long long listing = T_LL("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?",
	                         DB_I(shop), DB_S(item));
	assert_int_equal(stock_link_manual(t_db, listing, sku), Z_OK);
	const char *no = t_code("u");
	assert_int_equal(t_order1(shop, no, item, 1, false, &res), Z_OK);
	assert_int_equal(res.unlinked_lines, 0);
	assert_int_equal(t_total(sku), 3);
	/* and a later unlink does not change where its cancellation goes */
	assert_int_equal(stock_link_manual(t_db, listing, 0), Z_OK);
	assert_int_equal(t_order1(shop, no, item, 1, true, &res), Z_OK);
	assert_int_equal(t_total(sku), 4);
}

static void test_sets_of_sets(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *ca = t_code("A"), *cb = t_code("B"), *cc = t_code("C");
	const char *cs = t_code("S"), *cs2 = t_code("S2");
	long long a = t_sku(ca, 7), b = t_sku(cb, 9), c = t_sku(cc, 5);
	long long s = t_sku(cs, 0), s2 = t_sku(cs2, 0);
	long long ls = t_listing(shop, cs, cs, -1), ls2 = t_listing(shop, cs2, cs2, -1);
	const char *why = NULL;
	stock_set_part ps[] = {{a, 2}, {b, 3}};
	assert_int_equal(stock_set_define(t_db, s, ps, 2, &why), Z_OK);
	long long avail = -1;
	assert_int_equal(stock_available(t_db, s, &avail), Z_OK);
	assert_int_equal(avail, 3); /* min(7/2, 9/3) */
	stock_set_part ps2[] = {{s, 1}, {c, 2}};
	assert_int_equal(stock_set_define(t_db, s2, ps2, 2, &why), Z_OK);
	assert_int_equal(stock_available(t_db, s2, &avail), Z_OK);
	assert_int_equal(avail, 2); /* min(3, 5/2) */
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(ls)), 3);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(ls2)), 2);
	/* the push of a set says how its number came about */
	db_res *r = NULL;
	assert_int_equal(db_queryv(t_db, &r, "SELECT why FROM push WHERE pending_listing = ?",
	                           DB_I(ls)),
	                 Z_OK);
	assert_int_equal(r->nrows, 1);
	assert_non_null(strstr(db_get(r, 0, 0), "セット: min("));
	db_res_free(r);
	/* selling one S2 takes 2 A, 3 B (through S) and 2 C */
	stock_order_result res;
	const char *no = t_code("setorder");
	assert_int_equal(t_order1(shop, no, cs2, 1, false, &res), Z_OK);
	assert_int_equal(t_total(a), 5);
	assert_int_equal(t_total(b), 6);
	assert_int_equal(t_total(c), 3);
	assert_int_equal(t_total(s2), 0); /* a set's own total never moves */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM stock_move WHERE reason = 'set' AND sku_id = ?",
	                      DB_I(a)),
	                 1);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(ls2)), 1);
	assert_int_equal(t_order1(shop, no, cs2, 1, false, &res), Z_OK);
	assert_int_equal(t_total(a), 5);
	assert_int_equal(t_order1(shop, no, cs2, 1, true, &res), Z_OK);
	assert_int_equal(t_total(a), 7);
	assert_int_equal(t_total(b), 9);
	assert_int_equal(t_total(c), 5);
	/* a set's total cannot be edited: its stock comes from its parts */
	assert_int_equal(stock_change_total(t_db, s, 1, "manual", NULL, 0, NULL), Z_INVALID);
	/* refusals: cycles (direct and through a nested set), self, bad quantities, unknown */
	stock_set_part cyc[] = {{s2, 1}};
	assert_int_equal(stock_set_define(t_db, s, cyc, 1, &why), Z_INVALID);
	/* The refusal is a language key, worded by the caller's language file. */
	assert_string_equal(why, "msg.set_define.cycle");
	assert_non_null(strstr(lang_text(NULL, why), "循環"));
	assert_non_null(strstr(lang_text("en", why), "cycle"));
	stock_set_part cyc2[] = {{s2, 1}};
	assert_int_equal(stock_set_define(t_db, a, cyc2, 1, &why), Z_INVALID);
	stock_set_part self[] = {{s, 1}};
	assert_int_equal(stock_set_define(t_db, s, self, 1, &why), Z_INVALID);
	stock_set_part zero[] = {{a, 0}};
	assert_int_equal(stock_set_define(t_db, s, zero, 1, &why), Z_INVALID);
	stock_set_part huge[] = {{a, 1000001}};
	assert_int_equal(stock_set_define(t_db, s, huge, 1, &why), Z_INVALID);
	stock_set_part unknown[] = {{999999999, 1}};
	assert_int_equal(stock_set_define(t_db, s, unknown, 1, &why), Z_INVALID);
	stock_set_part twice[] = {{a, 1}, {a, 2}};
	assert_int_equal(stock_set_define(t_db, s, twice, 2, &why), Z_INVALID);
	/* nothing changed by the refusals */
	assert_int_equal(stock_available(t_db, s, &avail), Z_OK);
	assert_int_equal(avail, 3);
	/* a part's edit re-queues the sets above it */
	assert_int_equal(stock_change_total(t_db, c, -5, "manual", "test", 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(ls2)), 0);
	/* an empty set sells nothing; n = 0 makes it plain again */
	long long e = t_sku(t_code("E"), 0);
	assert_int_equal(db_execv(t_db, "UPDATE sku SET is_set = 1 WHERE id = ?", DB_I(e)), Z_OK);
	assert_int_equal(stock_available(t_db, e, &avail), Z_OK);
	assert_int_equal(avail, 0);
	assert_int_equal(stock_set_define(t_db, s2, NULL, 0, &why), Z_OK);
	assert_int_equal(T_LL("SELECT is_set FROM sku WHERE id = ?", DB_I(s2)), 0);
}

/* The nesting bound counts the levels below the new parts and the sets above the set. */
static void test_set_nesting_bound(void **state)
{
	(void)state;
	const char *why = NULL;
	long long p = t_sku(t_code("NP"), 5);
	/* Below: a chain of sets each holding the previous one, as deep as allowed. */
	long long below = p;
	for (int depth = 1; depth <= STOCK_SET_MAX_DEPTH; depth++) {
		long long s = t_sku(t_code("NB"), 0);
		stock_set_part part[] = {{below, 1}};
		assert_int_equal(stock_set_define(t_db, s, part, 1, &why), Z_OK);
		below = s;
	}
	long long over = t_sku(t_code("NB"), 0);
	stock_set_part too_deep[] = {{below, 1}};
	assert_int_equal(stock_set_define(t_db, over, too_deep, 1, &why), Z_INVALID);
	assert_string_equal(why, "msg.set_define.too_deep");
	assert_non_null(strstr(lang_text(NULL, why), "深すぎ"));
	/* Above: sets stacked on a plain SKU q; q may become a set only while the stack leaves
	 * room for its own level. */
	long long q = t_sku(t_code("NQ"), 0), top = q;
	for (int depth = 1; depth <= STOCK_SET_MAX_DEPTH; depth++) {
		long long s = t_sku(t_code("NA"), 0);
		stock_set_part part[] = {{top, 1}};
		assert_int_equal(stock_set_define(t_db, s, part, 1, &why), Z_OK);
		top = s;
	}
	stock_set_part qpart[] = {{p, 1}};
	assert_int_equal(stock_set_define(t_db, q, qpart, 1, &why), Z_INVALID);
	assert_string_equal(why, "msg.set_define.too_deep");
	assert_non_null(strstr(lang_text(NULL, why), "深すぎ"));
	assert_int_equal(stock_set_define(t_db, top, NULL, 0, &why), Z_OK);
	assert_int_equal(stock_set_define(t_db, q, qpart, 1, &why), Z_OK);
}

static void test_duplicates(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("dup");
	long long sku = t_sku(code, 5);
	long long l1 = t_listing(shop, t_code("item1"), code, 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l1)), 1);
	const char *item2 = t_code("item2");
	long long l2 = t_listing(shop, item2, code, 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM listing WHERE id IN (?, ?) AND state = 'duplicate'",
	                      DB_I(l1), DB_I(l2)),
	                 2);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing IN (?, ?)", DB_I(l1),
	                      DB_I(l2)),
	                 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM error_log WHERE kind = 'duplicate' AND shop_id = ? "
	                      "AND message LIKE '%複数の商品が紐づいています%'", DB_I(shop)),
	                 1);
	/* a total change does not push either of them */
	assert_int_equal(stock_change_total(t_db, sku, -1, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing IN (?, ?)", DB_I(l1),
	                      DB_I(l2)),
	                 0);
	/* solved by giving the second listing another SKU code: both are pushed again */
	t_listing(shop, item2, t_code("other"), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM listing WHERE id IN (?, ?) AND state = 'ok'",
	                      DB_I(l1), DB_I(l2)),
	                 2);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l1)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM error_log WHERE kind = 'duplicate' AND shop_id = ?",
	                      DB_I(shop)),
	                 0);
}

static void test_manual_link_survives_import(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *cx = t_code("X"), *cy = t_code("Y"), *item = t_code("item");
	long long x = t_sku(cx, 3), y = t_sku(cy, 8);
	long long l = t_listing(shop, item, cx, -1);
	assert_int_equal(T_LL("SELECT sku_id FROM listing WHERE id = ?", DB_I(l)), x);
	assert_int_equal(stock_link_manual(t_db, l, y), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 8);
	/* re-import with its SKU code still X, plus sync/min/max set on the screen meanwhile */
	assert_int_equal(db_execv(t_db, "UPDATE listing SET min_stock = 1, max_stock = 5 WHERE id = ?",
	                          DB_I(l)),
	                 Z_OK);
	t_listing(shop, item, cx, 2);
	assert_int_equal(stock_relink_shop(t_db, shop), Z_OK);
	assert_int_equal(T_LL("SELECT sku_id FROM listing WHERE id = ?", DB_I(l)), y);
	assert_int_equal(T_LL("SELECT max_stock FROM listing WHERE id = ?", DB_I(l)), 5);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 5);
	assert_int_equal(T_LL("SELECT mall_stock FROM listing WHERE id = ?", DB_I(l)), 2);
	/* unlinked by hand stays unlinked; back to the code rule links X again */
	assert_int_equal(stock_link_manual(t_db, l, 0), Z_OK);
	assert_int_equal(stock_relink_shop(t_db, shop), Z_OK);
	assert_int_equal(T_LL("SELECT COALESCE(sku_id, 0) FROM listing WHERE id = ?", DB_I(l)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	assert_int_equal(stock_link_manual(t_db, l, STOCK_LINK_BY_CODE), Z_OK);
	assert_int_equal(T_LL("SELECT sku_id FROM listing WHERE id = ?", DB_I(l)), x);
	assert_int_equal(stock_link_manual(t_db, l, 999999999), Z_NOTFOUND);
}

static void test_pushes_coalesced(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1), off = t_shop(false, 1);
	const char *code = t_code("push");
	long long sku = t_sku(code, 10);
	long long l = t_listing(shop, code, code, 10);
	long long loff = t_listing(off, code, code, -1);
	/* the shop holds what is wanted: nothing queued */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE listing_id = ?", DB_I(l)), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(stock_change_total(t_db, sku, -1, "manual", NULL, 7, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE listing_id = ?", DB_I(l)), 1);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 5);
	/* a disabled shop (利用店舗設定 off) gets nothing */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE listing_id = ?", DB_I(loff)), 0);
	/* back to what the shop holds: the pending push is dropped, not sent */
	assert_int_equal(stock_change_total(t_db, sku, 5, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	/* drift is flagged when the shop holds another value */
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(sku)), 0);
	assert_int_equal(stock_change_total(t_db, sku, -2, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(sku)), 1);
	/* 反映 queues even when equal */
	long long l2 = t_listing(shop, t_code("eq"), t_code("nosku"), 0);
	(void)l2;
	assert_int_equal(stock_queue_listings(t_db, &l, 1, 3), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 1);
	/* a stopped shop keeps its queue */
	assert_int_equal(db_execv(t_db, "UPDATE shop SET state = 'stopped' WHERE id = ?", DB_I(shop)),
	                 Z_OK);
	assert_int_equal(stock_change_total(t_db, sku, -1, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 7);
	/* a cap set on the screen re-queues at once; floor > cap is refused */
	const char *why = NULL;
	assert_int_equal(stock_listing_settings(t_db, l, -1, false, 0, true, 4, &why), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 4);
	assert_int_equal(stock_listing_settings(t_db, l, -1, true, 5, true, 4, &why), Z_INVALID);
	assert_non_null(why);
	/* sync off: the pending push goes, and no new one comes */
	assert_int_equal(stock_listing_settings(t_db, l, 0, false, 0, false, 0, &why), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	assert_int_equal(stock_change_total(t_db, sku, -1, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
}

static void test_claims(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("claim");
	long long sku = t_sku(code, 10);
	long long l = t_listing(shop, code, code, -1);
	stock_push *p = NULL, *p2 = NULL;
	int n = 0, n2 = 0;
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].listing_id, l);
	assert_int_equal(p[0].wanted, 10);
	assert_string_equal(p[0].item_code, code);
	/* a second batch finds nothing to claim */
	db *other = t_open();
	assert_int_equal(stock_claim_pushes(other, shop, 10, &p2, &n2), Z_OK);
	assert_int_equal(n2, 0);
	/* an order while the push is on the wire queues a newer push, which survives success */
	assert_int_equal(stock_change_total(t_db, sku, -4, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_push_done(t_db, p[0].id, true, 10, "ok", 0), Z_OK);
	assert_int_equal(T_LL("SELECT mall_stock FROM listing WHERE id = ?", DB_I(l)), 10);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 6);
	assert_int_equal(stock_push_done(t_db, p[0].id, true, 10, "ok", 0), Z_NOTFOUND);
	free(p);
	/* temporary failure: back to pending, later, one attempt more */
	assert_int_equal(stock_claim_pushes(other, shop, 10, &p2, &n2), Z_OK);
	assert_int_equal(n2, 1);
	assert_int_equal(stock_push_done(other, p2[0].id, false, 0, "HTTP 503", 120), Z_OK);
	assert_int_equal(T_LL("SELECT attempts FROM push WHERE id = ?", DB_I(p2[0].id)), 1);
	assert_true(T_LL("SELECT next_try_at > UTC_TIMESTAMP() + INTERVAL 100 SECOND FROM push "
	                 "WHERE id = ?", DB_I(p2[0].id)) == 1);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 0); /* not yet due */
	/* due now; claimed; the batch stops early: released back to the queue */
	assert_int_equal(db_execv(t_db, "UPDATE push SET next_try_at = UTC_TIMESTAMP() WHERE id = ?",
	                          DB_I(p2[0].id)),
	                 Z_OK);
	free(p2);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(stock_release_claims(t_db, shop), Z_OK);
	assert_int_equal(T_LL("SELECT state = 'pending' FROM push WHERE id = ?", DB_I(p[0].id)), 1);
	free(p);
	/* a crashed batch: 'sending' for 11 minutes is claimed again */
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	long long id = p[0].id;
	free(p);
	assert_int_equal(db_execv(t_db, "UPDATE push SET claimed_at = UTC_TIMESTAMP() - INTERVAL 11 "
	                                "MINUTE WHERE id = ?", DB_I(id)),
	                 Z_OK);
	assert_int_equal(stock_claim_pushes(other, shop, 10, &p2, &n2), Z_OK);
	assert_int_equal(n2, 1);
	assert_int_equal(p2[0].id, id);
	/* permanent failure: failed, the listing shows the error */
	assert_int_equal(stock_push_done(other, id, false, 0, "商品が存在しません", -1), Z_OK);
	assert_int_equal(T_LL("SELECT state = 'failed' FROM push WHERE id = ?", DB_I(id)), 1);
	assert_int_equal(T_LL("SELECT last_error IS NOT NULL FROM listing WHERE id = ?", DB_I(l)), 1);
	free(p2);
	/* a bulk call's outcomes in one transaction: one sent, one to retry */
	const char *c2 = t_code("claim");
	t_sku(c2, 4);
	long long l2 = t_listing(shop, c2, c2, -1);
	assert_int_equal(stock_change_total(t_db, sku, -1, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(other, shop, 10, &p2, &n2), Z_OK);
	assert_int_equal(n2, 2);
	stock_push_outcome o[2];
	for (int i = 0; i < 2; i++)
		o[i] = (stock_push_outcome){p2[i].id, p2[i].listing_id == l2, p2[i].wanted, "bulk",
		                            p2[i].listing_id == l2 ? 0 : 30};
	assert_int_equal(stock_push_done_many(other, o, 2), Z_OK);
	assert_int_equal(T_LL("SELECT mall_stock FROM listing WHERE id = ?", DB_I(l2)), 4);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ? AND attempts = 1",
	                      DB_I(l)),
	                 1);
	free(p2);
	db_close(other);
}

/* A claim cut off (kill -9, a stopped batch) goes back with the wanted stock of now: the
 * total may have returned to what zaiko last recorded the shop as holding while the claimed
 * value went out, so no newer push exists to correct the shop. */
static void test_released_claim_sends_the_wanted_of_now(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("rel");
	long long sku = t_sku(code, 10);
	long long l = t_listing(shop, code, code, 10); /* the shop holds 10: nothing to send */
	stock_push *p = NULL;
	int n = 0;
	assert_int_equal(stock_change_total(t_db, sku, 2, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].wanted, 12); /* 12 goes out; the batch dies before it is recorded */
	assert_int_equal(stock_change_total(t_db, sku, -2, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	assert_int_equal(stock_release_claims(t_db, shop), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 10);
	free(p);
}

/* A bulk change (here a recompute after the shop reported 0 for every listing) queues many
 * pushes; an order or an edit afterwards queues a few. The claim takes the few first, and a
 * listing already waiting in the backlog is promoted with its newer value (one pending push
 * per listing, the newest wanted stock). */
static void test_edit_pushes_go_before_a_bulk_backlog(void **state)
{
	(void)state;
	enum { N = 120 };
	long long shop = t_shop(true, 1);
	long long skus[N], listings[N];
	for (int i = 0; i < N; i++) {
		const char *code = t_code("prio");
		skus[i] = t_sku(code, 10);
		listings[i] = t_listing(shop, code, code, 10); /* the shop holds 10: nothing owed */
	}
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'",
	                      DB_I(shop)),
	                 0);
	assert_int_equal(db_execv(t_db, "UPDATE listing SET mall_stock = 0 WHERE shop_id = ?",
	                          DB_I(shop)),
	                 Z_OK);
	long long l = 0, s = 0, q = 0;
	assert_int_equal(stock_recompute_all(t_db, &l, &s, &q), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending' "
	                      "AND bulk = 1 AND wanted = 10",
	                      DB_I(shop)),
	                 N);
	/* Orders on the last listing (already in the backlog) and on the one before it. */
	assert_int_equal(stock_change_total(t_db, skus[N - 1], -3, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_change_total(t_db, skus[N - 2], -1, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?",
	                      DB_I(listings[N - 1])),
	                 1);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?",
	                      DB_I(listings[N - 1])),
	                 7);
	/* A later bulk change does not demote them. */
	assert_int_equal(stock_recompute_all(t_db, &l, &s, &q), Z_OK);
	stock_push *p = NULL;
	int n = 0;
	assert_int_equal(stock_claim_pushes(t_db, shop, 5, &p, &n), Z_OK);
	assert_int_equal(n, 5);
	/* The two edits first (in the order their pushes were first queued), then the backlog in
	 * its own order. */
	assert_int_equal(p[0].listing_id, listings[N - 2]);
	assert_int_equal(p[0].wanted, 9);
	assert_int_equal(p[1].listing_id, listings[N - 1]);
	assert_int_equal(p[1].wanted, 7);
	assert_int_equal(p[2].listing_id, listings[0]);
	assert_int_equal(p[2].wanted, 10);
	/* An edit while its listing's bulk push is on the wire: the newer value waits, first in
	 * line, and wins over the one being sent. */
	assert_int_equal(stock_change_total(t_db, skus[0], -2, "manual", NULL, 0, NULL), Z_OK);
	for (int i = 0; i < n; i++)
		assert_int_equal(stock_push_done(t_db, p[i].id, true, p[i].wanted, "ok", 0), Z_OK);
	free(p);
	assert_int_equal(stock_claim_pushes(t_db, shop, 1, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].listing_id, listings[0]);
	assert_int_equal(p[0].wanted, 8);
	assert_int_equal(stock_push_done(t_db, p[0].id, true, 8, "ok", 0), Z_OK);
	assert_int_equal(T_LL("SELECT mall_stock FROM listing WHERE id = ?", DB_I(listings[0])), 8);
	free(p);
	/* The claim reads the queue through its index. */
	assert_int_equal(t_ll("SELECT COUNT(*) FROM information_schema.statistics WHERE "
	                      "table_schema = DATABASE() AND table_name = 'push' AND "
	                      "index_name = 'ix_queue_shop_bulk' AND column_name = 'bulk' "
	                      "AND seq_in_index = 3", NULL, 0),
	                 1);
}

/* A claim whose run died after the mall took the value (kill -9 between the call and its
 * record): what the shop holds is unknown. Whatever the wanted stock does afterwards, a push
 * stays owed until one lands; before, the released claim was superseded by a newer push, the
 * total went back to the last recorded mall stock, the newer push was dropped as "the shop
 * holds it" and the shop kept the value of the dead run (927 against a wanted 812). */
static void test_released_claim_of_a_dead_run_keeps_a_push_owed(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("doubt");
	long long sku = t_sku(code, 812);
	long long l = t_listing(shop, code, code, 812);
	stock_push *p = NULL;
	int n = 0;
	/* 927 is claimed and reaches the shop; the run dies before recording it. */
	assert_int_equal(stock_change_total(t_db, sku, 115, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].wanted, 927);
	free(p);
	/* A newer value is queued, the next run releases the dead claim (superseded). */
	assert_int_equal(stock_change_total(t_db, sku, -27, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_release_claims(t_db, shop), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE listing_id = ? AND state = 'failed'",
	                      DB_I(l)),
	                 1);
	/* Back to what zaiko last recorded the shop as holding: the push must stay. */
	assert_int_equal(stock_change_total(t_db, sku, -88, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 812);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].wanted, 812);
	assert_int_equal(stock_push_done(t_db, p[0].id, true, 812, "ok", 0), Z_OK);
	assert_int_equal(T_LL("SELECT mall_stock FROM listing WHERE id = ?", DB_I(l)), 812);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	free(p);
	/* The same without a newer value before the release: the claim goes back, the total
	 * returns to the recorded value, the push still goes out. */
	assert_int_equal(stock_change_total(t_db, sku, 115, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	free(p);
	assert_int_equal(stock_release_claims(t_db, shop), Z_OK);
	assert_int_equal(stock_change_total(t_db, sku, -115, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 812);
	/* A stale claim found by the next claim (its run died 11 minutes ago) is the same. */
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(stock_push_done(t_db, p[0].id, true, 812, "ok", 0), Z_OK);
	free(p);
	assert_int_equal(stock_change_total(t_db, sku, 115, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK);
	assert_int_equal(n, 1);
	long long dead = p[0].id;
	free(p);
	assert_int_equal(db_execv(t_db, "UPDATE push SET claimed_at = UTC_TIMESTAMP() - INTERVAL 11 "
	                                "MINUTE WHERE id = ?", DB_I(dead)),
	                 Z_OK);
	assert_int_equal(stock_change_total(t_db, sku, -27, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_claim_pushes(t_db, shop, 10, &p, &n), Z_OK); /* takes 900 */
	assert_int_equal(n, 1);
	assert_int_equal(p[0].wanted, 900);
	assert_int_equal(T_LL("SELECT state = 'failed' FROM push WHERE id = ?", DB_I(dead)), 1);
	/* 900 fails for now and goes back; the total returns to 812: still owed. */
	assert_int_equal(stock_push_done(t_db, p[0].id, false, 900, "HTTP 503", 0), Z_OK);
	free(p);
	assert_int_equal(stock_change_total(t_db, sku, -88, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 812);
}

static void test_stale_set_total(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("stale");
	long long sku = t_sku(code, 10);
	t_listing(shop, code, code, 10);
	long long after = 0;
	/* the user saw 10; an order took 2 meanwhile */
	assert_int_equal(t_order1(shop, t_code("o"), code, 2, false, NULL), Z_OK);
	long long seen = 10;
	assert_int_equal(stock_set_total(t_db, sku, 15, &seen, "manual", NULL, 1, &after),
	                 Z_CONFLICT);
	assert_int_equal(after, 8);
	assert_int_equal(t_total(sku), 8);
	seen = 8;
	assert_int_equal(stock_set_total(t_db, sku, 15, &seen, "manual", NULL, 1, &after), Z_OK);
	assert_int_equal(after, 15);
	/* a stocktake does not check */
	assert_int_equal(stock_set_total(t_db, sku, 20, NULL, "csv", "棚卸.csv", 0, &after), Z_OK);
	assert_int_equal(t_total(sku), 20);
	assert_int_equal(t_sum_moves(sku), 20);
	/* -1 (what an oversold SKU shows) is a value like any other, never "no check" */
	seen = -1;
	assert_int_equal(stock_set_total(t_db, sku, 3, &seen, "manual", NULL, 1, &after), Z_CONFLICT);
	assert_int_equal(after, 20);
	assert_int_equal(stock_change_total(t_db, sku, -21, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(stock_set_total(t_db, sku, 3, &seen, "manual", NULL, 1, &after), Z_OK);
	assert_int_equal(stock_set_total(t_db, sku, 4, &seen, "manual", NULL, 1, &after), Z_CONFLICT);
	assert_int_equal(after, 3);
	assert_int_equal(stock_set_total(t_db, sku, 20, NULL, "csv", NULL, 0, &after), Z_OK);
	assert_int_equal(t_sum_moves(sku), 20);
	/* bounds */
	assert_int_equal(stock_set_total(t_db, sku, 1000000001LL, NULL, "csv", NULL, 0, NULL),
	                 Z_INVALID);
	assert_int_equal(stock_change_total(t_db, sku, 1000000000LL, "manual", NULL, 0, NULL),
	                 Z_INVALID);
	assert_int_equal(stock_change_total(t_db, sku, 1, "bogus", NULL, 0, NULL), Z_INVALID);
	assert_int_equal(stock_change_total(t_db, 999999999, 1, "manual", NULL, 0, NULL),
	                 Z_NOTFOUND);
	assert_int_equal(t_total(sku), 20);
	/* inside the caller's transaction: rolled back with it */
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(stock_change_total(t_db, sku, -5, "manual", NULL, 0, NULL), Z_OK);
	assert_int_equal(db_rollback(t_db), Z_OK);
	assert_int_equal(t_total(sku), 20);
}

static void test_import_and_search(void **state)
{
	(void)state;
	long long base = t_shop(true, 1), other = t_shop(true, 1);
	const char *c1 = t_code("IMP"), *c2 = t_code("IMP");
	/* the other shop's listing comes first and waits for its SKU */
	long long lo = t_listing(other, c1, c1, 0);
	assert_int_equal(T_LL("SELECT COALESCE(sku_id, 0) FROM listing WHERE id = ?", DB_I(lo)), 0);
	stock_listing_row rows[] = {
		{.item_code = c1, .sku_code = c1, .name = "オーガニックコットン Ｔシャツ 白 M",
		 .has_stock = true, .stock = 12, .has_price = true, .price = 2980},
		{.item_code = c2, .sku_code = c2, .name = "リネン シャツ", .has_stock = true, .stock = 0},
		{.item_code = "", .sku_code = "x", .name = "bad"},
	};
	stock_import_result res;
	assert_int_equal(stock_import_listings(t_db, base, rows, 3, true, &res), Z_OK);
	assert_int_equal(res.inserted, 2);
	assert_int_equal(res.skus_created, 2);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(res.first_error, "msg.stock_link.item_code_empty");
	assert_int_equal(res.first_error_line, 3);
	long long s1 = T_LL("SELECT id FROM sku WHERE code = ?", DB_S(c1));
	assert_int_equal(t_total(s1), 12);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM stock_move WHERE sku_id = ? AND reason = 'initial'",
	                      DB_I(s1)),
	                 1);
	/* the waiting listing is linked now and wants 12 (it holds 0: drift and a push) */
	assert_int_equal(T_LL("SELECT sku_id FROM listing WHERE id = ?", DB_I(lo)), s1);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(lo)), 12);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(s1)), 1);
	long long drifting = 0;
	assert_int_equal(stock_drift_count(t_db, &drifting), Z_OK);
	assert_true(drifting >= 1);
	/* the search document: NFKC, case folded, katakana as hiragana, with listing codes */
	buf term = BUF_INIT;
	assert_int_equal(stock_search_normalize("ＴＳＨＩＲＴ", &term), Z_OK);
	assert_string_equal(buf_str(&term), "tshirt");
	buf_free(&term);
	assert_int_equal(T_LL("SELECT LOCATE(CAST('tしゃつ 白 m' AS BINARY), search_doc) > 0 FROM sku "
	                      "WHERE id = ?", DB_I(s1)),
	                 1);
	/* re-import: the stock of an existing SKU is the shop's, not a new total */
	rows[0].stock = 50;
	assert_int_equal(stock_import_listings(t_db, base, rows, 2, true, &res), Z_OK);
	assert_int_equal(res.skus_created, 0);
	assert_int_equal(res.updated + res.unchanged, 2);
	assert_int_equal(res.inserted, 0);
	assert_int_equal(t_total(s1), 12);
	/* a caller's transaction makes the import all-or-nothing */
	const char *c3 = t_code("IMP");
	stock_listing_row r3 = {.item_code = c3, .sku_code = c3, .has_stock = true, .stock = 3};
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(stock_import_listings(t_db, base, &r3, 1, true, &res), Z_OK);
	assert_int_equal(db_rollback(t_db), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM sku WHERE code = ?", DB_S(c3)), 0);
	/* the bulk recompute agrees with the incremental one */
	long long wanted_before = T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(lo));
	long long listings = 0, skus = 0, queued = 0;
	assert_int_equal(stock_recompute_all(t_db, &listings, &skus, &queued), Z_OK);
	assert_true(listings > 0);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(lo)), wanted_before);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(s1)), 1);
}

/* Above 2,000 rows the import re-queues in bulk SQL: the same outcome as row by row. */
static void test_import_bulk(void **state)
{
	(void)state;
	enum { N = 2500 };
	long long base = t_shop(true, 1), other = t_shop(true, 1);
	static char codes[N][64], names[N][64];
	static stock_listing_row rows[N];
	for (int i = 0; i < N; i++) {
		snprintf(codes[i], sizeof(codes[i]), "%s", t_code("bulk"));
		snprintf(names[i], sizeof(names[i]), "リネン シャツ %d", i);
		rows[i] = (stock_listing_row){.item_code = codes[i], .sku_code = codes[i],
		                              .name = names[i], .has_stock = true, .stock = i % 7};
	}
	t_listing(other, codes[5], codes[5], 0);
	stock_import_result res;
	assert_int_equal(stock_import_listings(t_db, base, rows, N, true, &res), Z_OK);
	assert_int_equal(res.inserted, N);
	assert_int_equal(res.skus_created, N);
	long long s5 = T_LL("SELECT id FROM sku WHERE code = ?", DB_S(codes[5]));
	assert_int_equal(t_total(s5), 5);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM listing WHERE shop_id = ? AND wanted IS NULL",
	                      DB_I(base)),
	                 0);
	/* the base shop holds what it reported: nothing to push there; the other shop needs 5 */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE shop_id = ? AND state = 'pending'",
	                      DB_I(base)),
	                 0);
	assert_int_equal(T_LL("SELECT p.wanted FROM push p JOIN listing l ON l.id = p.listing_id "
	                      "WHERE l.shop_id = ? AND p.state = 'pending'", DB_I(other)),
	                 5);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(s5)), 1);
	assert_int_equal(T_LL("SELECT LOCATE(CAST('りねん しゃつ 2499' AS BINARY), search_doc) > 0 "
	                      "FROM sku WHERE code = ?", DB_S(codes[2499])),
	                 1);
}

/* A big change commits its pending-recompute marker with it; a crash before the recompute
 * loses nothing, since the next stock_recompute_pending does the work. */
static void test_recompute_marker_survives_a_crash(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *code = t_code("mark");
	long long sku = t_sku(code, 10);
	long long l = t_listing(shop, code, code, 10);
	db_execv(t_db, "DELETE FROM setting WHERE name = 'recompute_pending'");
	/* A rolled-back change leaves no marker. */
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(stock_recompute_mark(t_db), Z_OK);
	assert_int_equal(db_rollback(t_db), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM setting WHERE name = ?", DB_S("recompute_pending")), 0);
	/* A bulk change the way the screens make one: totals moved by SQL, no re-queue, marker
	 * committed; then the request dies (nothing else runs). */
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(db_execv(t_db, "UPDATE sku SET total = 3 WHERE id = ?", DB_I(sku)), Z_OK);
	assert_int_equal(stock_recompute_mark(t_db), Z_OK);
	assert_int_equal(db_commit(t_db), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
	/* The next caller (the batch's cycle) finds the marker and queues what is owed. */
	assert_int_equal(stock_recompute_pending(t_db), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)), 3);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM setting WHERE name = ?", DB_S("recompute_pending")), 0);
	/* With no marker it does nothing (and costs one read). */
	assert_int_equal(stock_recompute_pending(t_db), Z_OK);
}

/* 一括切替 commits SYNC_ALL_CHUNK (5,000) listing ids at a time, so the batch can apply orders
 * while it runs: a listing held by another transaction in a later chunk stops the switch
 * there (a lock wait timeout), the chunks before it stay switched with the recompute marked,
 * and asking again finishes it. */
struct sync_all_seen {
	long long calls, last, total, backwards;
};

static void sync_all_progress(void *ctx, long long done, long long total)
{
	struct sync_all_seen *seen = ctx;
	if (done < seen->last || total != (seen->calls ? seen->total : total))
		seen->backwards++;
	seen->calls++;
	seen->last = done;
	seen->total = total;
}

static void test_sync_all_commits_chunk_by_chunk(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1), changed = 0;
	const char *a = t_code("all"), *b = t_code("all");
	t_sku(a, 5);
	long long sb = t_sku(b, 5), la = t_listing(shop, a, a, 5);
	long long lb = la + 12000; /* two chunks or more after la's */
	assert_int_equal(db_execv(t_db,
	                          "INSERT INTO listing (id, shop_id, item_code, sku_code, sku_id, "
	                          "link_mode) VALUES (?, ?, ?, ?, ?, 'code')",
	                          DB_I(lb), DB_I(shop), DB_S(b), DB_S(b), DB_I(sb)),
	                 Z_OK);
	/* Progress after each chunk: the listing ids passed, up to the highest. */
	struct sync_all_seen seen = {0};
	assert_int_equal(stock_sync_all(t_db, true, &changed, sync_all_progress, &seen), Z_OK);
	assert_int_equal(t_ll("SELECT COUNT(*) FROM listing WHERE sync = 0", NULL, 0), 0);
	assert_true(seen.calls >= 3);
	assert_int_equal(seen.backwards, 0);
	assert_int_equal(seen.last, seen.total);
	assert_int_equal(seen.total, t_ll("SELECT MAX(id) FROM listing", NULL, 0));
	db_execv(t_db, "DELETE FROM setting WHERE name = 'recompute_pending'");

	db *other = t_open();
	assert_int_equal(db_begin(other), Z_OK);
	assert_int_equal(db_execv(other, "UPDATE listing SET min_stock = 1 WHERE id = ?", DB_I(lb)),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "SET SESSION innodb_lock_wait_timeout = 1"), Z_OK);
	assert_int_not_equal(stock_sync_all(t_db, false, &changed, NULL, NULL), Z_OK);
	assert_int_equal(db_execv(t_db, "SET SESSION innodb_lock_wait_timeout = DEFAULT"), Z_OK);
	/* Read by a third connection: committed, not this one's open work. */
	db *reader = t_open();
	long long a_sync = -1, b_sync = -1, marked = -1;
	assert_int_equal(db_query_ll(reader, "SELECT sync FROM listing WHERE id = ?",
	                             DB_ARGS(DB_I(la)), -1, &a_sync),
	                 Z_OK);
	assert_int_equal(db_query_ll(reader, "SELECT sync FROM listing WHERE id = ?",
	                             DB_ARGS(DB_I(lb)), -1, &b_sync),
	                 Z_OK);
	assert_int_equal(db_query_ll(reader, "SELECT COUNT(*) FROM setting "
	                                     "WHERE name = 'recompute_pending'",
	                             NULL, 0, -1, &marked),
	                 Z_OK);
	db_close(reader);
	assert_int_equal(a_sync, 0);
	assert_int_equal(b_sync, 1);
	assert_int_equal(marked, 1);
	assert_true(changed >= 1);
	assert_int_equal(db_rollback(other), Z_OK);
	db_close(other);

	/* Asked again: the rest is switched, and the recompute has run. */
	assert_int_equal(stock_sync_all(t_db, false, &changed, NULL, NULL), Z_OK);
	assert_true(changed >= 1);
	assert_int_equal(t_ll("SELECT COUNT(*) FROM listing WHERE sync = 1", NULL, 0), 0);
	assert_int_equal(t_ll("SELECT COUNT(*) FROM setting WHERE name = 'recompute_pending'", NULL, 0), 0);
	assert_int_equal(stock_sync_all(t_db, true, &changed, NULL, NULL), Z_OK);
	assert_int_equal(t_ll("SELECT COUNT(*) FROM listing WHERE sync = 0", NULL, 0), 0);
}

/* The bulk recompute sets the SKUs' drift flags a chunk of SKU ids at a time: a SKU far past
 * the first chunk gets its flag set (a drifting listing) or cleared (none) as one in it does. */
static void test_recompute_drift_flags_past_the_first_chunk(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	long long far = T_LL("SELECT MAX(id) FROM sku") + 45000; /* two chunks or more away */
	const char *a = t_code("far"), *b = t_code("far");
	assert_int_equal(db_execv(t_db, "INSERT INTO sku (id, code, name, total, updated_at) "
	                                "VALUES (?, ?, 'x', 7, UTC_TIMESTAMP()), "
	                                "(?, ?, 'x', 7, UTC_TIMESTAMP())",
	                          DB_I(far), DB_S(a), DB_I(far + 1), DB_S(b)),
	                 Z_OK);
	/* a: its listing holds 3 where 7 is wanted (drift); b: flagged with nothing drifting. */
	assert_int_equal(db_execv(t_db, "INSERT INTO listing (shop_id, item_code, sku_code, sku_id, "
	                                "mall_stock, link_mode) VALUES (?, ?, ?, ?, 3, 'code')",
	                          DB_I(shop), DB_S(a), DB_S(a), DB_I(far)),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "UPDATE sku SET drift = 1 WHERE id = ?", DB_I(far + 1)), Z_OK);
	long long l = 0, k = 0, q = 0;
	assert_int_equal(stock_recompute_all(t_db, &l, &k, &q), Z_OK);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(far)), 1);
	assert_int_equal(T_LL("SELECT drift FROM sku WHERE id = ?", DB_I(far + 1)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_applied_once),
		cmocka_unit_test(test_order_pages),
		cmocka_unit_test(test_line_cancel_and_before_cursor),
		cmocka_unit_test(test_unlinked_line),
		cmocka_unit_test(test_sets_of_sets),
		cmocka_unit_test(test_set_nesting_bound),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_manual_link_survives_import),
		cmocka_unit_test(test_pushes_coalesced),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_released_claim_sends_the_wanted_of_now),
		cmocka_unit_test(test_edit_pushes_go_before_a_bulk_backlog),
		cmocka_unit_test(test_released_claim_of_a_dead_run_keeps_a_push_owed),
		cmocka_unit_test(test_stale_set_total),
		cmocka_unit_test(test_import_and_search),
		cmocka_unit_test(test_import_bulk),
		cmocka_unit_test(test_recompute_marker_survives_a_crash),
		cmocka_unit_test(test_sync_all_commits_chunk_by_chunk),
		cmocka_unit_test(test_recompute_drift_flags_past_the_first_chunk),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
