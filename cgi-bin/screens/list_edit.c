/* list_edit: the 在庫連携 screen's changes — in-place edits of a total, a floor/cap and a
 * sync flag (JSON for stock.js), and the buttons 反映, 商品削除 and 連携 (一括). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/log.h"
#include "db/db_in.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/stock.h"

/* Checked rows a button takes at once (a page holds 100 SKUs; "all" pages are not sent). */
#define MAX_CHECKED 1000

/* ---- the state of listings, as stock.js redraws them ---- */

/* Adds the listings of a SKU (sku_id > 0) or one listing (listing_id > 0) to arr. */
static int listing_states(db *d, long long sku_id, long long listing_id, cJSON *arr)
{
	db_res *L = NULL;
	int rc = db_queryv(d, &L, LIST_STATE_SQL "WHERE (l.sku_id = ? OR l.id = ?)",
	                   DB_I(sku_id > 0 ? sku_id : -1), DB_I(listing_id > 0 ? listing_id : -1));
	if (rc != Z_OK)
		return rc;
	list_state_json(L, arr);
	db_res_free(L);
	return Z_OK;
}

static int json_error(web_request *r, int status, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", message);
	return web_json(r, status, o);
}

/* ---- 総在庫数 in place ---- */

/* Declared fields: the router validates them before the handler runs. */
enum { TOTAL_SKU, TOTAL_TOTAL, TOTAL_SEEN, TOTAL__N };
const web_field list_total_fields[TOTAL__N + 1] = {
	[TOTAL_SKU] = {.name = "sku", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.sku"},
	[TOTAL_TOTAL] = {.name = "total", .type = WF_INT, .required = true, .min = -STOCK_QTY_MAX,
	 .max = STOCK_QTY_MAX, .label = "msg.label.total"},
	[TOTAL_SEEN] = {.name = "seen", .type = WF_INT, .required = true, .min = -STOCK_QTY_MAX,
	 .max = STOCK_QTY_MAX, .label = "msg.label.shown_total"},
	{0},
};

/* POST /stock/total (JSON): sets a 総在庫数 unless it changed since the user saw it (409). */
int list_total_submit(web_request *r)
{
	long long sku = web_int_of(r, list_total_fields, TOTAL_SKU, 0), after = 0;
	/* Whatever was shown, -1 of an oversold SKU too, is the value the edit started from. */
	long long seen = web_int_of(r, list_total_fields, TOTAL_SEEN, 0);
	/* The move's ref "screen" is a token the SKU page shows in its reader's language; who
	 * made the change is the move's user. */
	int rc = stock_set_total(r->db, sku, web_int_of(r, list_total_fields, TOTAL_TOTAL, 0), &seen,
	                         "manual", "screen", r->user.id, &after);
	if (rc == Z_NOTFOUND)
		return json_error(r, 404, web_lang(r, "msg.list.not_found"));
	if (rc == Z_INVALID)
		return json_error(r, 400, web_lang(r, "msg.list.set_total"));
	if (rc == Z_CONFLICT) {
		char msg[300];
		web_lang_snprintf(r, msg, sizeof(msg), "msg.list.total_changed", "%lld", after);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", msg);
		cJSON_AddNumberToObject(o, "total", (double)after);
		return web_json(r, 409, o);
	}
	if (rc != Z_OK)
		return rc;
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "listings");
	cJSON_AddNumberToObject(o, "total", (double)after);
	if (listing_states(r->db, sku, 0, arr) != Z_OK) {
		cJSON_Delete(o);
		return Z_ERR;
	}
	return web_json(r, 200, o);
}

/* ---- 最小・最大 in place ---- */

/* Declared fields: the router validates them before the handler runs. */
enum { LIMITS_LISTING, LIMITS_MIN, LIMITS_MAX, LIMITS__N };
const web_field list_limits_fields[LIMITS__N + 1] = {
	[LIMITS_LISTING] = {.name = "listing", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.product"},
	[LIMITS_MIN] = {.name = "min", .type = WF_INT, .min = 0, .max = STOCK_QTY_MAX,
	 .label = "msg.label.min"},
	[LIMITS_MAX] = {.name = "max", .type = WF_INT, .min = 0, .max = STOCK_QTY_MAX,
	 .label = "msg.label.max"},
	{0},
};

static int answer_listing(web_request *r, long long listing)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "listings");
	if (listing_states(r->db, 0, listing, arr) != Z_OK) {
		cJSON_Delete(o);
		return Z_ERR;
	}
	return web_json(r, 200, o);
}

/* POST /stock/limits (JSON): a listing's 最小・最大; floor above cap is refused (400). */
int list_limits_submit(web_request *r)
{
	long long listing = web_int_of(r, list_limits_fields, LIMITS_LISTING, 0);
	bool has_min = web_has_of(r, list_limits_fields, LIMITS_MIN);
	bool has_max = web_has_of(r, list_limits_fields, LIMITS_MAX);
	int min = (int)web_int_of(r, list_limits_fields, LIMITS_MIN, 0);
	int max = (int)web_int_of(r, list_limits_fields, LIMITS_MAX, 0);
	const char *why = NULL;
	int rc = stock_listing_settings(r->db, listing, -1, has_min, min, has_max, max, &why);
	if (rc == Z_INVALID)
		return json_error(r, 400, web_lang(r, why ? why : "msg.list.bad_limits"));
	if (rc == Z_NOTFOUND)
		return json_error(r, 404, web_lang(r, "msg.list.not_found"));
	if (rc != Z_OK)
		return rc;
	return answer_listing(r, listing);
}

/* ---- 連携 of one listing ---- */

/* Declared fields: the router validates them before the handler runs. */
enum { SYNC_LISTING, SYNC_ON, SYNC__N };
const web_field list_sync_fields[SYNC__N + 1] = {
	[SYNC_LISTING] = {.name = "listing", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.product"},
	[SYNC_ON] = {.name = "on", .type = WF_BOOL, .required = true, .label = "msg.label.sync"},
	{0},
};

/* POST /stock/sync (JSON): one listing's 連携 on or off. */
int list_sync_submit(web_request *r)
{
	long long listing = web_int_of(r, list_sync_fields, SYNC_LISTING, 0);
	db_res *cur = NULL;
	const char *why = NULL;
	/* The settings call takes floor and cap too: pass the stored ones through unchanged. */
	int rc = db_queryv(r->db, &cur, "SELECT min_stock, max_stock FROM listing WHERE id = ?",
	                   DB_I(listing));
	if (rc != Z_OK)
		return rc;
	if (cur->nrows)
		rc = stock_listing_settings(r->db, listing,
		                            (int)web_int_of(r, list_sync_fields, SYNC_ON, 0),
		                            db_get(cur, 0, 0) != NULL, (int)db_get_ll(cur, 0, 0, 0),
		                            db_get(cur, 0, 1) != NULL, (int)db_get_ll(cur, 0, 1, 0), &why);
	else
		rc = Z_NOTFOUND;
	db_res_free(cur);
	list_count_cache_clear();
	if (rc == Z_NOTFOUND)
		return json_error(r, 404, web_lang(r, "msg.list.not_found"));
	if (rc != Z_OK)
		return rc;
	return answer_listing(r, listing);
}

/* ---- the buttons on checked rows ---- */

/* The checked rows and the search to go back to: the first fields of every button's table
 * (list_checked_listings reads them from either). */
enum { CHECKED_SKU, CHECKED_LISTING, CHECKED_BACK, CHECKED__N };
#define CHECKED_FIELDS                                                                        \
	[CHECKED_SKU] = {.name = "sku", .type = WF_INT_LIST, .min = 1, .max = 2147483647,      \
	 .max_count = MAX_CHECKED, .label = "msg.label.checked"},                              \
	[CHECKED_LISTING] = {.name = "listing", .type = WF_INT_LIST, .min = 1,                \
	 .max = 2147483647, .max_count = MAX_CHECKED, .label = "msg.label.checked"},           \
	[CHECKED_BACK] = {.name = "back", .type = WF_TEXT, .max = 1000, .label = "msg.label.back"}

/* Declared fields: the router validates them before the handler runs. */
const web_field list_push_fields[CHECKED__N + 1] = {CHECKED_FIELDS, {0}};
/* Declared fields: the router validates them before the handler runs. */
enum { DELETE_CONFIRMED = CHECKED__N, DELETE__N };
const web_field list_delete_fields[DELETE__N + 1] = {
	CHECKED_FIELDS,
	[DELETE_CONFIRMED] = {.name = "confirmed", .type = WF_BOOL, .label = "msg.label.confirmed"},
	{0},
};

/* A confirmation's counts: the products asked about (Page.n_text) and, when the page lists
 * fewer, how many it does not (Page.more, Page.more_text). */
static void confirm_counts(web_request *r, long long n, long long more)
{
	buf t = BUF_INIT;
	web_langf(r, &t, "msg.list.confirm_n", "%lld", n);
	web_set(r, "Page.n_text", buf_str(&t));
	web_set_int(r, "Page.more", more);
	if (more > 0) {
		buf_reset(&t);
		web_langf(r, &t, "msg.list.confirm_more", "%lld", more);
		web_set(r, "Page.more_text", buf_str(&t));
	}
	buf_free(&t);
}

/* Back to the list the user came from (back: its query string), with a message. */
static int back_to_list(web_request *r, const char *back, const char *msg, long long n)
{
	buf to = BUF_INIT;
	buf_printf(&to, "/?%s%smsg=%s&n=%lld", back, *back ? "&" : "", msg, n);
	int rc = web_redirect(r, buf_str(&to));
	buf_free(&to);
	return rc;
}

/* The listing ids of the checked rows: every listing of a checked SKU and every checked
 * (unlinked) listing, each once, ordered by shop and id. The lists may be longer than one
 * statement binds: they go in slices (db_query_in). *out is malloc'd (caller frees). */
static int cmp_shop_id(const void *a, const void *b)
{
	const long long *x = a, *y = b;
	if (x[0] != y[0])
		return (x[0] > y[0]) - (x[0] < y[0]);
	return (x[1] > y[1]) - (x[1] < y[1]);
}

static int list_checked_listings(web_request *r, const web_field *table, long long **out, int *n)
{
	const web_value *skus = web_value_of(r, table, CHECKED_SKU);
	const web_value *lst = web_value_of(r, table, CHECKED_LISTING);
	db_res *by_sku = NULL, *by_id = NULL;
	long long (*v)[2] = NULL;
	int m = 0;
	*out = NULL;
	*n = 0;
	int rc = db_query_in(r->db, "SELECT shop_id, id FROM listing WHERE sku_id IN ", "", NULL, 0,
	                     skus ? skus->list : NULL, skus ? skus->count : 0, &by_sku);
	if (rc == Z_OK)
		rc = db_query_in(r->db, "SELECT shop_id, id FROM listing WHERE id IN ", "", NULL, 0,
		                 lst ? lst->list : NULL, lst ? lst->count : 0, &by_id);
	int total = (by_sku ? by_sku->nrows : 0) + (by_id ? by_id->nrows : 0);
	if (rc == Z_OK) {
		v = calloc((size_t)total + 1, sizeof(*v));
		*out = calloc((size_t)total + 1, sizeof(long long));
		rc = v && *out ? Z_OK : Z_NOMEM;
	}
	for (int part = 0; rc == Z_OK && part < 2; part++) {
		const db_res *res = part ? by_id : by_sku;
		for (int i = 0; res && i < res->nrows; i++) {
			v[m][0] = db_get_ll(res, i, 0, 0);
			v[m][1] = db_get_ll(res, i, 1, 0);
			m++;
		}
	}
	if (rc == Z_OK && m) {
		qsort(v, (size_t)m, sizeof(*v), cmp_shop_id);
		for (int i = 0; i < m; i++)
			if (i == 0 || v[i][1] != v[i - 1][1])
				(*out)[(*n)++] = v[i][1];
	}
	if (rc != Z_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	free(v);
	db_res_free(by_sku);
	db_res_free(by_id);
	return rc;
}

/* POST /stock/push: 反映 of the checked rows; back to the same search. Everything that depends
 * on the size of the selection is read before the pushes are queued. */
int list_push_submit(web_request *r)
{
	long long *ids = NULL, pending = 0;
	db_res *counts = NULL;
	int n = 0;
	int rc = list_checked_listings(r, list_push_fields, &ids, &n);
	if (rc != Z_OK)
		goto out;
	if (n == 0) {
		rc = web_error(r, 400, web_lang(r, "msg.list.push_none"));
		goto out;
	}
	rc = stock_queue_listings(r->db, ids, n, r->user.id);
	if (rc != Z_OK)
		goto out;
	/* How many are now waiting: unlinked or sync-off listings are not pushed. */
	rc = db_query_in(r->db, "SELECT COUNT(*) FROM push WHERE pending_listing IN ", "", NULL, 0,
	                 ids, n, &counts);
	for (int i = 0; rc == Z_OK && i < counts->nrows; i++)
		pending += db_get_ll(counts, i, 0, 0);
	if (rc == Z_OK)
		rc = back_to_list(r, web_text_of(r, list_push_fields, CHECKED_BACK), "pushed", pending);
out:
	db_res_free(counts);
	free(ids);
	return rc;
}

/* Shows what a button would change and asks; the form posts again with confirmed=1. */
static int confirm_page(web_request *r, const char *title, const char *text, const char *action,
                        const char *yes, const long long *ids, int n)
{
	db_res *L = NULL;
	buf sql = BUF_INIT;
	int shown = n > 200 ? 200 : n, rc;
	db_val vals[200];
	buf_puts(&sql, "SELECT l.id, sh.name AS shop, l.item_code AS item, l.sub_code AS sub, "
	               "l.sku_code AS sku, l.name "
	               "FROM listing l JOIN shop sh ON sh.id = l.shop_id WHERE l.id IN (0");
	for (int i = 0; i < shown; i++) {
		buf_puts(&sql, ",?");
		vals[i] = DB_I(ids[i]);
	}
	buf_puts(&sql, ") ORDER BY l.shop_id, l.item_code");
	rc = db_query(r->db, buf_str(&sql), vals, shown, &L);
	buf_free(&sql);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.items", L, -1);
	db_res_free(L);
	if (rc != Z_OK)
		return rc;
	char key[64];
	const web_value *skus = web_value_of(r, list_delete_fields, CHECKED_SKU);
	const web_value *lst = web_value_of(r, list_delete_fields, CHECKED_LISTING);
	for (int i = 0; skus && i < skus->count; i++) {
		snprintf(key, sizeof(key), "Page.skus.%d", i);
		web_set_int(r, key, skus->list[i]);
	}
	for (int i = 0; lst && i < lst->count; i++) {
		snprintf(key, sizeof(key), "Page.listings.%d", i);
		web_set_int(r, key, lst->list[i]);
	}
	web_set(r, "Page.title", title);
	web_set(r, "Page.text", text);
	web_set(r, "Page.action", action);
	web_set(r, "Page.yes", yes);
	web_set(r, "Page.back", web_text_of(r, list_delete_fields, CHECKED_BACK));
	confirm_counts(r, n, n - shown);
	return web_render(r, "stock_confirm.cs");
}

/* POST /stock/delete: asks first; with confirmed=1 removes the checked rows from zaiko. */
int list_delete_submit(web_request *r)
{
	long long *ids = NULL;
	int n = 0;
	const web_value *skus = web_value_of(r, list_delete_fields, CHECKED_SKU);
	int rc = list_checked_listings(r, list_delete_fields, &ids, &n);
	if (rc != Z_OK)
		goto out;
	if (n == 0 && !(skus && skus->count)) {
		rc = web_error(r, 400, web_lang(r, "msg.list.delete_none"));
		goto out;
	}
	if (!web_int_of(r, list_delete_fields, DELETE_CONFIRMED, 0)) {
		rc = confirm_page(r, web_lang(r, "msg.list.delete_title"),
		                  web_lang(r, "msg.list.delete_text"),
		                  "/stock/delete", web_lang(r, "msg.list.delete_yes"), ids, n);
		goto out;
	}
	rc = stock_listing_delete(r->db, ids, n, skus ? skus->list : NULL, skus ? skus->count : 0);
	if (rc != Z_OK)
		goto out;
	log_info("stock: %s deleted %d listings", r->user.login, n);
	list_count_cache_clear();
	rc = back_to_list(r, web_text_of(r, list_delete_fields, CHECKED_BACK), "deleted", n);
out:
	free(ids);
	return rc;
}

/* ---- 連携 for every listing ---- */

/* Declared fields: the router validates them before the handler runs. */
enum { ALL_ON, ALL_BACK, ALL_CONFIRMED, ALL_JOB, ALL__N };
const web_field list_sync_all_fields[ALL__N + 1] = {
	[ALL_ON] = {.name = "on", .type = WF_BOOL, .required = true, .label = "msg.label.sync"},
	[ALL_BACK] = {.name = "back", .type = WF_TEXT, .max = 1000, .label = "msg.label.back"},
	[ALL_CONFIRMED] = {.name = "confirmed", .type = WF_BOOL, .label = "msg.label.confirmed"},
	[ALL_JOB] = {.name = "job", .type = WF_INT, .min = 1, .max = 9223372036854775807LL,
	 .label = "msg.label.job"},
	{0},
};

/* A switch's progress in its job row (kind sync_all), which stock.js polls through
 * GET /stock/csv/job while the POST runs: written between two chunks, when no transaction is
 * open, on the request's own connection. */
struct sync_all_job {
	db *d;
	long long id;
};

static void sync_all_progress(void *ctx, long long done, long long total)
{
	const struct sync_all_job *j = ctx;
	db_execv(j->d, "UPDATE job SET done = ?, total = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
	         DB_I(done), DB_I(total), DB_I(j->id));
}

/* Its end: done (result: the listings switched) or failed (why, in Japanese: the row is a
 * record; the answer to the POST tells its reader in their language). */
static void sync_all_finish(web_request *r, long long job, bool ok, long long changed)
{
	if (!job)
		return;
	buf t = BUF_INIT;
	if (ok) {
		buf_printf(&t, "%lld", changed);
		db_execv(r->db,
		         "UPDATE job SET state = 'done', done = total, result = ?, "
		         "updated_at = UTC_TIMESTAMP() WHERE id = ?",
		         DB_S(buf_str(&t)), DB_I(job));
	} else {
		if (changed > 0)
			lang_textf(r->cfg, "ja", &t, "msg.list.sync_all_cut", "%lld", changed);
		else
			buf_puts(&t, lang_text("ja", "msg.list.sync_all_failed"));
		db_execv(r->db,
		         "UPDATE job SET state = 'failed', error = ?, updated_at = UTC_TIMESTAMP() "
		         "WHERE id = ?",
		         DB_S(buf_str(&t)), DB_I(job));
	}
	buf_free(&t);
}

/* POST /stock/sync-all: asks first; with confirmed=1 switches 連携 of every listing. The
 * question comes with a job row (queued) that the answer claims: its progress shows while
 * the switch runs (a minute at 1M listings), and a second press of the same button is told
 * the first one ran. */
int list_sync_all_submit(web_request *r)
{
	bool on = web_int_of(r, list_sync_all_fields, ALL_ON, 0) == 1;
	const char *back = web_text_of(r, list_sync_all_fields, ALL_BACK);
	long long changed = 0, job = web_int_of(r, list_sync_all_fields, ALL_JOB, 0);
	if (!web_int_of(r, list_sync_all_fields, ALL_CONFIRMED, 0)) {
		long long total = 0;
		if (db_query_ll(r->db, "SELECT COUNT(*) FROM listing", NULL, 0, 0, &total) != Z_OK ||
		    db_exec(r->db,
		            "INSERT INTO job (kind, state, user_id, total, message, created_at, "
		            "updated_at) VALUES ('sync_all', 'queued', ?, 0, ?, UTC_TIMESTAMP(), "
		            "UTC_TIMESTAMP())",
		            DB_ARGS(DB_I(r->user.id), DB_S(on ? "on" : "off")), NULL, &job) != Z_OK)
			return Z_ERR;
		web_set(r, "Page.title", web_lang(r, "msg.list.sync_all_title"));
		web_set(r, "Page.text",
		        on ? web_lang(r, "msg.list.sync_all_on")
		           : web_lang(r, "msg.list.sync_all_off"));
		web_set(r, "Page.action", "/stock/sync-all");
		web_set(r, "Page.yes", web_lang(r, "msg.list.sync_all_yes"));
		web_set(r, "Page.on", on ? "1" : "0");
		web_set(r, "Page.back", back);
		web_set_int(r, "Page.job", job);
		confirm_counts(r, total, 0);
		return web_render(r, "stock_confirm.cs");
	}
	if (job) {
		long long claimed = 0;
		if (db_exec(r->db,
		            "UPDATE job SET state = 'running', updated_at = UTC_TIMESTAMP() "
		            "WHERE id = ? AND user_id = ? AND kind = 'sync_all' AND state = 'queued'",
		            DB_ARGS(DB_I(job), DB_I(r->user.id)), &claimed, NULL) != Z_OK)
			return Z_ERR;
		if (!claimed)
			return web_error(r, 409, web_lang(r, "msg.list.sync_all_claimed"));
	}
	struct sync_all_job progress = {r->db, job};
	int rc = stock_sync_all(r->db, on, &changed, job ? sync_all_progress : NULL, &progress);
	list_count_cache_clear();
	if (rc != Z_OK && changed > 0) {
		/* Cut short after some chunks had committed: say how far it got. */
		buf why = BUF_INIT;
		log_error("stock: %s switched sync %s for %lld listings, then failed", r->user.login,
		          on ? "on" : "off", changed);
		sync_all_finish(r, job, false, changed);
		web_langf(r, &why, "msg.list.sync_all_cut", "%lld", changed);
		rc = web_error(r, 503, buf_str(&why));
		buf_free(&why);
		return rc;
	}
	if (rc != Z_OK) {
		sync_all_finish(r, job, false, 0);
		return rc;
	}
	sync_all_finish(r, job, true, changed);
	log_info("stock: %s switched sync %s for %lld listings", r->user.login, on ? "on" : "off",
	         changed);
	return back_to_list(r, back, on ? "sync_on" : "sync_off", changed);
}

/* ---- 紐づけ from the 店舗メニュー ---- */

/* Declared fields: the router validates them before the handler runs. Each button names its
 * listing in its own field (one form serves every row): unlink, bycode or manual (+ sku). */
enum { LINK_UNLINK, LINK_BYCODE, LINK_MANUAL, LINK_SKU, LINK_BACK, LINK__N };
const web_field list_link_fields[LINK__N + 1] = {
	[LINK_UNLINK] = {.name = "unlink", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.unlink"},
	[LINK_BYCODE] = {.name = "bycode", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.link_by_code"},
	[LINK_MANUAL] = {.name = "manual", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.link"},
	[LINK_SKU] = {.name = "sku", .type = WF_TEXT, .max = 128, .label = "msg.label.sku_code"},
	[LINK_BACK] = {.name = "back", .type = WF_TEXT, .max = 1000, .label = "msg.label.back"},
	{0},
};

/* POST /stock/link: unlinks a listing by hand, links it to a SKU code by hand, or gives it
 * back to the SKU-code rule (stock_link_manual); back to the same search. */
int list_link_submit(web_request *r)
{
	long long listing = 0, target = 0;
	int asked = web_has_of(r, list_link_fields, LINK_UNLINK) +
	            web_has_of(r, list_link_fields, LINK_BYCODE) +
	            web_has_of(r, list_link_fields, LINK_MANUAL);
	int rc = Z_OK;
	if (asked != 1)
		return web_error(r, 400, web_lang(r, "msg.list.link_choose"));
	if (web_has_of(r, list_link_fields, LINK_MANUAL)) {
		const char *code = web_text_of(r, list_link_fields, LINK_SKU);
		listing = web_int_of(r, list_link_fields, LINK_MANUAL, 0);
		if (!*code)
			return web_error(r, 400, web_lang(r, "msg.list.link_code"));
		rc = db_query_ll(r->db, "SELECT id FROM sku WHERE code = ?", DB_ARGS(DB_S(code)), 0,
		                 &target);
		if (rc != Z_OK)
			return rc;
		if (!target)
			return web_error(r, 400, web_lang(r, "msg.list.link_unknown"));
	} else if (web_has_of(r, list_link_fields, LINK_BYCODE)) {
		listing = web_int_of(r, list_link_fields, LINK_BYCODE, 0);
		target = STOCK_LINK_BY_CODE;
	} else {
		listing = web_int_of(r, list_link_fields, LINK_UNLINK, 0);
	}
	rc = stock_link_manual(r->db, listing, target);
	if (rc == Z_NOTFOUND)
		return web_error(r, 404, web_lang(r, "msg.list.not_found"));
	if (rc != Z_OK)
		return rc;
	list_count_cache_clear();
	return back_to_list(r, web_text_of(r, list_link_fields, LINK_BACK), "linked", 1);
}
