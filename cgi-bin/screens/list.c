/* list: the 在庫連携 screen — error messages, the search, the action buttons and the list of
 * SKUs with each shop's listings, paged by key (never a large OFFSET). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cJSON.h>
#include "core/jst.h"
#include "core/strnum.h"
#include "core/url.h"
#include "core/smsg.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/search.h"
#include "stock/stock.h"

/* How the list reads, decided here:
 * - A row is a SKU, and the count is of SKUs (the seed's ①). Each shop has a column group
 *   holding its listings of that SKU (usually one; a 複数商品 duplicate shows both).
 * - 商品の紐づけ状況 = 紐づいていない switches the list to listings without a SKU: one row per
 *   listing, in its shop's column group, its own SKU code in the SKU column and no 総在庫数
 *   (there is none to edit); the row's checkbox names the listing, so 反映 skips it and
 *   商品削除/CSV出力 take it. SKU-only conditions (セット, 総在庫数, 差異) do not apply there.
 * - Conditions are GET parameters, so a search is a bookmark and the back button works.
 * - Pages are read by key (code > last / code < first, reversed), the last page as the
 *   remainder read backwards; the page number is carried for show only. The counts of the
 *   default view and of listing conditions alone (a shop, 在庫連携) are kept exact by the
 *   database (sql/210_list_counts.sql) and read, not counted; keyword counts are cached per
 *   worker for COUNT_CACHE_SECONDS; other filtered views are counted with their WHERE.
 * - Keywords: terms separated by , 、 or ， (AND), parsed and turned into the WHERE by
 *   stock/search.c (normalised alike with the stored sku.search_doc, matched as bytes; a term
 *   ending in '*' is a code prefix on the unique index instead). A keyword search is counted and paged from one scan when its
 *   count is not cached or small (keyword_page), else paged by walking the code index.
 * - The page is heavy (100 rows x every shop's 7 columns), so only what is shown goes into the
 *   HDF, flags only when true, and the 店舗メニュー's items are built by stock.js from one
 *   <template> when a menu opens. */
#define PAGE_ROWS 100
/* Parts of one set the page reads with its sets' parts (a set with more is asked of the stock
 * core alone). */
#define SET_PARTS_READ 64
/* Error messages shown above the search (newest first). */
#define ERROR_ROWS 20
/* A keyword search's count is cached per worker this long: a scan of the documents costs
 * more than the rest of the page. */
#define COUNT_CACHE_SECONDS 10

static const char *const kind_choices[] = {"all", "set", NULL};
static const char *const link_choices[] = {"linked", "unlinked", NULL};
static const char *const sync_choices[] = {"on", "off", NULL};
static const char *const msg_choices[] = {"pushed", "deleted", "sync_on", "sync_off", "applied",
                                          "imported", "linked", NULL};

/* Declared fields: the router validates them before the handler runs. The search is
 * LIST_KIND to LIST_DRIFT (the paging links carry those); CSV出力 すべて validates its back
 * query with this table too. */
enum {
	LIST_KIND, LIST_SHOP, LIST_Q, LIST_TMIN, LIST_TMAX, LIST_LINK, LIST_SYNC, LIST_DRIFT,
	LIST_AFTER, LIST_BEFORE, LIST_LAST, LIST_PAGE, LIST_MSG, LIST_N, LIST__N
};
const web_field list_fields[LIST__N + 1] = {
	[LIST_KIND] = {.name = "kind", .type = WF_ENUM, .choices = kind_choices,
	 .label = "msg.label.all_or_sets"},
	[LIST_SHOP] = {.name = "shop", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.shop"},
	[LIST_Q] = {.name = "q", .type = WF_TEXT, .max = 200, .label = "msg.label.keyword"},
	[LIST_TMIN] = {.name = "tmin", .type = WF_INT, .min = -STOCK_QTY_MAX, .max = STOCK_QTY_MAX,
	 .label = "msg.label.total_min"},
	[LIST_TMAX] = {.name = "tmax", .type = WF_INT, .min = -STOCK_QTY_MAX, .max = STOCK_QTY_MAX,
	 .label = "msg.label.total_max"},
	[LIST_LINK] = {.name = "link", .type = WF_ENUM, .choices = link_choices,
	 .label = "msg.label.link_state"},
	[LIST_SYNC] = {.name = "sync", .type = WF_ENUM, .choices = sync_choices,
	 .label = "msg.label.stock_sync"},
	[LIST_DRIFT] = {.name = "drift", .type = WF_BOOL, .label = "msg.label.diff_product"},
	[LIST_AFTER] = {.name = "after", .type = WF_TEXT, .max = 128, .label = "msg.label.page"},
	[LIST_BEFORE] = {.name = "before", .type = WF_TEXT, .max = 128, .label = "msg.label.page"},
	[LIST_LAST] = {.name = "last", .type = WF_BOOL, .label = "msg.label.page"},
	[LIST_PAGE] = {.name = "page", .type = WF_INT, .min = 1, .max = 100000000,
	 .label = "msg.label.page"},
	[LIST_MSG] = {.name = "msg", .type = WF_ENUM, .choices = msg_choices,
	 .label = "msg.label.message"},
	[LIST_N] = {.name = "n", .type = WF_INT, .min = 0, .max = 100000000,
	 .label = "msg.label.count"},
	{0},
};

/* A field of list_fields (a LIST_ value) as sent: its text ("" when absent), number or
 * presence (list_text, list_int, list_has). */
WEB_FIELD_READERS(list, list_fields)

/* The search as the request gives it (q points into the request). */
void list_search_read(web_request *r, search_filter *s)
{
	memset(s, 0, sizeof(*s));
	s->sets = list_int(r, LIST_KIND, 0) == 1;
	s->drift = list_int(r, LIST_DRIFT, 0) == 1;
	s->linked = list_has(r, LIST_LINK) && list_int(r, LIST_LINK, 0) == 0;
	s->unlinked = list_has(r, LIST_LINK) && list_int(r, LIST_LINK, 0) == 1;
	s->has_sync = list_has(r, LIST_SYNC);
	s->sync = list_int(r, LIST_SYNC, 0) == 0 ? 1 : 0;
	s->has_shop = list_has(r, LIST_SHOP);
	s->shop = list_int(r, LIST_SHOP, 0);
	s->has_tmin = list_has(r, LIST_TMIN);
	s->tmin = list_int(r, LIST_TMIN, 0);
	s->has_tmax = list_has(r, LIST_TMAX);
	s->tmax = list_int(r, LIST_TMAX, 0);
	s->q = list_text(r, LIST_Q);
	s->db = r->db; /* keywords are narrowed by the search index when it is built */
}

/* Counts of keyword searches (a scan: 0.15–0.3 s at 100k SKUs) are cached per worker for
 * COUNT_CACHE_SECONDS, keyed by the statement and its values, so paging through a result
 * counts once. A change made through this worker clears
 * them (list_count_cache_clear); other workers may show a count up to that old. */
#define COUNT_SLOTS 16
static struct {
	char *key;
	long long count;
	time_t at;
} counts[COUNT_SLOTS];

/* The cache key of a statement and its values. */
static void count_key(buf *key, const char *sql, const db_val *vals, int n)
{
	buf_puts(key, sql);
	for (int i = 0; i < n; i++) {
		if (vals[i].type == DB_TEXT) {
			buf_putc(key, '\x1f');
			buf_append(key, vals[i].s, vals[i].len);
		} else {
			buf_printf(key, "\x1e%lld", vals[i].i);
		}
	}
}

/* The cached count of the statement, if fresh. */
static bool count_peek(const char *sql, const db_val *vals, int n, long long *out)
{
	buf key = BUF_INIT;
	time_t now = time(NULL);
	bool hit = false;
	count_key(&key, sql, vals, n);
	for (int i = 0; i < COUNT_SLOTS && !hit; i++) {
		if (counts[i].key && now - counts[i].at < COUNT_CACHE_SECONDS &&
		    !strcmp(counts[i].key, buf_str(&key))) {
			*out = counts[i].count;
			hit = true;
		}
	}
	buf_free(&key);
	return hit;
}

/* Remembers count for the statement: in its own slot when it has one (a recount replaces
 * the old value), else in the oldest. */
static void count_store(const char *sql, const db_val *vals, int n, long long count)
{
	int slot = 0;
	buf key = BUF_INIT;
	count_key(&key, sql, vals, n);
	for (int i = 0; i < COUNT_SLOTS; i++) {
		if (counts[i].key && !strcmp(counts[i].key, buf_str(&key))) {
			slot = i;
			break;
		}
		if (counts[i].at < counts[slot].at)
			slot = i;
	}
	free(counts[slot].key);
	counts[slot].key = buf_detach(&key);
	counts[slot].count = count;
	counts[slot].at = time(NULL);
}

static int count_cached(db *d, const char *sql, const db_val *vals, int n, long long *out)
{
	if (count_peek(sql, vals, n, out))
		return Z_OK;
	int rc = db_query_ll(d, sql, vals, n, 0, out);
	if (rc == Z_OK)
		count_store(sql, vals, n, *out);
	return rc;
}

/* The count of a view of listing conditions alone (a shop, 在庫連携 on/off, 紐づけ済み): the SKUs
 * with a matching listing, kept by the database's triggers (sql/210_list_counts.sql) in
 * listed_sku_count, shop 0 meaning any shop and sync 2 either state; the sum of its 16 slots. */
static int count_listed_skus(web_request *r, const search_filter *s, long long *out)
{
	return db_query_ll(r->db,
	                   "SELECT COALESCE(SUM(n), 0) FROM listed_sku_count "
	                   "WHERE shop_id = ? AND sync = ?",
	                   DB_ARGS(DB_I(s->has_shop ? s->shop : 0), DB_I(s->has_sync ? s->sync : 2)),
	                   0, out);
}

/* The count of 店舗 + 差異商品 (紐づけ済み too, which a shop implies), nothing else: the drifting
 * SKUs listed in the shop, kept by the triggers of sql/240_drift_counts.sql in drift_sku_count.
 * Counted by a join it reads every drifting SKU (0.26 s at 1M listings with 60% drifting). */
static bool count_drift_kept(const search_filter *s)
{
	search_filter listing = *s;
	listing.drift = false;
	return s->drift && s->has_shop && !s->has_sync && search_listing_only(&listing);
}

static int count_drift_skus(web_request *r, const search_filter *s, long long *out)
{
	return db_query_ll(r->db, "SELECT COALESCE(SUM(n), 0) FROM drift_sku_count WHERE shop_id = ?",
	                   DB_ARGS(DB_I(s->shop)), 0, out);
}

/* The count of every SKU (the default view), kept by the triggers on sku in sku_count. */
static int count_all_skus(db *d, long long *out)
{
	return db_query_ll(d, "SELECT COALESCE(SUM(n), 0) FROM sku_count", NULL, 0, 0, out);
}

/* The count of a SKU view with listing conditions and no keyword: the SKUs joined to their
 * matching listings, counted once each (a probe of the listing index per SKU costs ~5× more:
 * shop + 差異商品 at 1M listings 0.23–0.37 s beside 1.6–2.2 s on a loaded machine). */
static int count_listing_join(web_request *r, const search_filter *filter, long long *out)
{
	search_filter s = *filter;
	search_where w = {0};
	buf sql = BUF_INIT;
	db_val vals[SEARCH_MAX_VALS + 2];
	int n = 0;
	s.listing = SEARCH_LISTING_JOINED;
	s.db = NULL;
	int rc = search_where_skus(&s, &w);
	if (rc == Z_OK) {
		buf_puts(&sql, s.drift ? "SELECT COUNT(DISTINCT s.id) FROM sku s FORCE INDEX (ix_drift)"
		                       : "SELECT COUNT(DISTINCT s.id) FROM sku s");
		search_listing_join(&s, &sql, vals, &n);
		buf_puts(&sql, buf_str(&w.sql));
		memcpy(vals + n, w.vals, sizeof(db_val) * (size_t)w.n);
		rc = db_query_ll(r->db, buf_str(&sql), vals, n + w.n, 0, out);
	}
	search_where_free(&w);
	buf_free(&sql);
	return rc;
}

/* True when a page of a result of count SKUs is read sooner from its listings (the SKUs of
 * the matching listings, sorted: about count rows) than by walking every SKU in code order,
 * which reads about PAGE_ROWS × SKUs / count of them, each with a probe of its listings. The
 * SKUs are the highest id (one index dive; at least the count, about it in practice). */
static int listing_drive_cheaper(db *d, long long count, bool *drive)
{
	long long all = 0;
	int rc = db_query_ll(d, "SELECT COALESCE(MAX(id), 0) FROM sku", NULL, 0, 0, &all);
	*drive = rc == Z_OK && (double)count * (double)count <= (double)PAGE_ROWS * (double)all;
	return rc;
}

/* Forgets this worker's cached keyword counts (after rows were added, deleted or switched). */
void list_count_cache_clear(void)
{
	for (int i = 0; i < COUNT_SLOTS; i++) {
		free(counts[i].key);
		counts[i].key = NULL;
		counts[i].at = 0;
	}
}

/* Appends the search's own parameters (not the paging) to b as a query string. */
static void search_query(web_request *r, buf *b)
{
	for (int f = LIST_KIND; f <= LIST_DRIFT; f++) {
		const char *v = list_text(r, f);
		if (!*v)
			continue;
		buf_printf(b, "%s%s=", b->len ? "&" : "", list_fields[f].name);
		url_encode(b, v, NULL);
	}
}

/* Sets name = value under node; a failure (out of memory) leaves the cell empty. */
static void put(HDF *node, const char *name, const char *value)
{
	NEOERR *err = hdf_set_value(node, name, value ? value : "");
	if (err != STATUS_OK)
		nerr_ignore(&err);
}

/* The child of parent named prefix + i (prefix alone when i < 0), created when missing;
 * NULL when out of memory. The name is built by hand: this runs for every row, cell and
 * listing of the page. */
static HDF *child(HDF *parent, const char *prefix, int i)
{
	char name[64], digits[12];
	size_t n = strlen(prefix), k = 0;
	HDF *node = NULL;
	if (n > sizeof(name) - sizeof(digits))
		return NULL;
	memcpy(name, prefix, n);
	if (i >= 0) {
		do
			digits[k++] = (char)('0' + i % 10);
		while ((i /= 10) > 0);
		while (k)
			name[n++] = digits[--k];
	}
	name[n] = '\0';
	NEOERR *err = hdf_get_node(parent, name, &node);
	if (err != STATUS_OK) {
		nerr_ignore(&err);
		return NULL;
	}
	return node;
}

static const char *const listing_cols =
	"l.id, l.sku_id, l.shop_id, l.item_code, l.sub_code, l.sku_code, l.name, l.options, "
	"l.image_url, l.price, l.sync, l.min_stock, l.max_stock, l.mall_stock, l.wanted, "
	"l.drift, l.state, l.last_error, p.id IS NOT NULL";
enum { L_ID, L_SKU_ID, L_SHOP, L_ITEM, L_SUB, L_SKU_CODE, L_NAME, L_OPTIONS, L_IMAGE, L_PRICE,
       L_SYNC, L_MIN, L_MAX, L_STOCK, L_WANTED, L_DRIFT, L_STATE, L_ERROR, L_PENDING };

/* True when column c of row is the flag value 1. */
static bool flag(const db_res *L, int row, int c)
{
	const char *v = db_get(L, row, c);
	return v && v[0] == '1' && !v[1];
}

/* One listing's cell data under node. Only what the template shows is set, and flags only
 * when true: this page sets and renders 400 listings, so every value counts (the template
 * tests presence, never "0"). */
static void set_listing(HDF *node, const db_res *L, int row, bool images)
{
	char ref[300];
	const char *sub = db_get(L, row, L_SUB), *state = db_get(L, row, L_STATE);
	const char *error = db_get(L, row, L_ERROR);
	put(node, "id", db_get(L, row, L_ID));
	if (sub && *sub) {
		snprintf(ref, sizeof(ref), "%s / %s", db_get(L, row, L_ITEM), sub);
		put(node, "ref", ref);
	} else {
		put(node, "ref", db_get(L, row, L_ITEM));
	}
	put(node, "name", db_get(L, row, L_NAME));
	put(node, "sku", db_get(L, row, L_SKU_CODE));
	put(node, "stock", db_get(L, row, L_STOCK));
	static const struct {
		int col;
		const char *name;
	} optional[] = {{L_OPTIONS, "options"}, {L_PRICE, "price"}, {L_MIN, "min"}, {L_MAX, "max"}};
	for (size_t i = 0; i < Z_ARRAY_LEN(optional); i++) {
		const char *v = db_get(L, row, optional[i].col);
		if (v && *v)
			put(node, optional[i].name, v);
	}
	if (images && db_get(L, row, L_IMAGE) && *db_get(L, row, L_IMAGE))
		put(node, "image", db_get(L, row, L_IMAGE));
	if (flag(L, row, L_SYNC))
		put(node, "sync", "1");
	if (flag(L, row, L_DRIFT)) {
		put(node, "drift", "1");
		put(node, "wanted", db_get(L, row, L_WANTED));
	}
	if (flag(L, row, L_PENDING))
		put(node, "pending", "1");
	if (state && strcmp(state, "ok")) {
		char cls[40];
		snprintf(cls, sizeof(cls), " state-%s", state);
		put(node, "cls", cls);
		put(node, "state", state);
		put(node, "warn", "1");
	}
	if (error && *error) {
		put(node, "error", error);
		put(node, "warn", "1");
	}
}

/* A stop reason the batch wrote as "認証エラー (STEP): REPLY" (batch/sync.c, cmd_check.c) is
 * shown as the step in words and the mall's reply after the banner's explanation:
 * Page.shops.I.step (fetch, push or the step's own words) and .reply. Other reasons stay
 * whole in .reason. */
static void stopped_reason(web_request *r, int i, const char *reason, const char *msg)
{
	static const char prefix[] = "認証エラー (";
	char key[64], step[64];
	const char *end;
	buf shown = BUF_INIT;
	/* Stored as keys (core/smsg.h): the reason in the reader's language; an authentication
	 * error's form is its step (msg.batch.auth_error), a space, then the mall's reply. */
	if (msg && !strncmp(msg, "msg.batch.auth_error\x1f", 21) &&
	    (end = strchr(msg, SMSG_RS)) && (end = strchr(end + 1, SMSG_RS)) &&
	    smsg_render(r->cfg, web_lang_code(r), end + 1, &shown) == Z_OK) {
		snprintf(step, sizeof(step), "%.*s", (int)strcspn(msg + 21, "\x1e\x1f"), msg + 21);
		snprintf(key, sizeof(key), "Page.shops.%d.step", i);
		web_set(r, key, step);
		snprintf(key, sizeof(key), "Page.shops.%d.reply", i);
		web_set(r, key, buf_str(&shown));
		buf_free(&shown);
		return;
	}
	buf_reset(&shown);
	if (msg && smsg_render(r->cfg, web_lang_code(r), msg, &shown) == Z_OK) {
		snprintf(key, sizeof(key), "Page.shops.%d.reason", i);
		web_set(r, key, buf_str(&shown));
		buf_free(&shown);
		return;
	}
	buf_free(&shown);
	if (!reason || strncmp(reason, prefix, sizeof(prefix) - 1))
		return;
	reason += sizeof(prefix) - 1;
	if (!(end = strstr(reason, "): ")) || (size_t)(end - reason) >= sizeof(step))
		return;
	snprintf(step, sizeof(step), "%.*s", (int)(end - reason), reason);
	snprintf(key, sizeof(key), "Page.shops.%d.step", i);
	web_set(r, key, step);
	snprintf(key, sizeof(key), "Page.shops.%d.reply", i);
	web_set(r, key, end + 3);
}

/* Stopped shops the banner lists before it folds the others (Page.stopped_shown). */
#define STOPPED_SHOWN 3

/* The shops that are shown: the searched shop first, then the base shop. */
static int load_shops(web_request *r, db_res **shops)
{
	int rc = db_queryv(r->db, shops,
	                   "SELECT id, name, mall, is_base, state, COALESCE(stop_reason, ''), "
	                   "alloc_rate, stop_reason_msg FROM shop WHERE enabled = 1 "
	                   "ORDER BY id = ? DESC, is_base DESC, id",
	                   DB_I(list_int(r, LIST_SHOP, 0)));
	if (rc != Z_OK)
		return rc;
	char key[64];
	int stopped = 0;
	for (int s = 0; s < (*shops)->nrows; s++) {
		const char *state = db_get(*shops, s, 4);
		stopped += state && !strcmp(state, "stopped");
		/* rate: the shop's 割当率, shown in its header when below 100 %. */
		static const char *const names[] = {"id", "name", "mall", "base", "state", "reason",
		                                    "rate"};
		for (int c = 0; c < 7; c++) {
			snprintf(key, sizeof(key), "Page.shops.%d.%s", s, names[c]);
			web_set(r, key, db_get(*shops, s, c));
		}
		stopped_reason(r, s, db_get(*shops, s, 5), db_get(*shops, s, 7));
	}
	/* The banner lists STOPPED_SHOWN stopped shops; the line that opens the others. */
	web_set_int(r, "Page.stopped", stopped);
	web_set_int(r, "Page.stopped_shown", STOPPED_SHOWN);
	if (stopped > STOPPED_SHOWN) {
		buf more = BUF_INIT;
		web_langf(r, &more, "msg.list.stopped_more", "%d", stopped - STOPPED_SHOWN);
		web_set(r, "Page.stopped_more", buf_str(&more));
		buf_free(&more);
	}
	return Z_OK;
}

static int shop_index(const db_res *shops, const char *shop_id)
{
	for (int s = 0; s < shops->nrows; s++)
		if (!strcmp(db_get(shops, s, 0), shop_id))
			return s;
	return -1;
}

/* Every kind the batch and the core write (stock_error), each with its own help text
 * (Lang.stock.help.KIND) and its name on エラー削除 (Lang.stock.kinds.KIND). */
static const char *const help_kinds[] = {"duplicate", "unlinked", "shop_stopped", "push",
                                         "csv", "other", "fetch", "push_item", "order",
                                         "mall_changed", NULL};

/* The help page of an error kind; kinds without a page of their own share "other". The
 * result is a static string. */
const char *list_help_kind(const char *kind)
{
	for (int i = 0; kind && help_kinds[i]; i++)
		if (!strcmp(help_kinds[i], kind))
			return kind;
	return "other";
}

/* ② the error messages, newest first. */
static int load_errors(web_request *r)
{
	db_res *e = NULL;
	int rc = db_queryv(r->db, &e,
	                   "SELECT e.id, e.level, e.kind, sh.name AS shop, k.code AS sku, e.message, "
	                   "e.message_msg, "
	                   JST_SQL("e.updated_at", JST_SQL_MINUTE) " AS `at`, e.repeat_count AS `repeat`, e.shop_id, "
	                   "COALESCE(k.code, l.sku_code, '') AS code "
	                   "FROM error_log e LEFT JOIN shop sh ON sh.id = e.shop_id "
	                   "LEFT JOIN sku k ON k.id = e.sku_id "
	                   "LEFT JOIN listing l ON l.id = e.listing_id "
	                   "ORDER BY e.updated_at DESC, e.id DESC LIMIT ?",
	                   DB_I(ERROR_ROWS));
	if (rc != Z_OK)
		return rc;
	rc = screen_hdf_rows(r, "Page.errors", e, -1);
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.errors", e, "message", "message_msg");
	char key[64];
	for (int i = 0; i < e->nrows && rc == Z_OK; i++) {
		snprintf(key, sizeof(key), "Page.errors.%d.help", i);
		rc = web_set(r, key, list_help_kind(db_get(e, i, 2)));
	}
	db_res_free(e);
	/* All of them, as エラー削除 counts them: the list shows the newest ERROR_ROWS. */
	long long total = 0;
	if (rc == Z_OK)
		rc = db_query_ll(r->db, "SELECT COUNT(*) FROM error_log", NULL, 0, 0, &total);
	if (rc == Z_OK)
		rc = web_set_int(r, "Page.errors_total", total);
	return rc;
}

/* Whether listing images are shown (共通設定). */
static int load_show_images(web_request *r, bool *show)
{
	buf value = BUF_INIT;
	int rc = screen_setting_get(r->db, "show_images", "", &value);
	*show = rc == Z_OK && !strcmp(buf_str(&value), "1");
	buf_free(&value);
	return rc;
}

/* Which way the page is read. */
typedef enum { PAGE_FIRST, PAGE_AFTER, PAGE_BEFORE, PAGE_LAST } page_dir;

/* Runs the page query of either view: keyset on key_col, reversing when read backwards.
 * base is "SELECT … FROM … " and w holds the WHERE; the key is bound last. */
static int page_query(web_request *r, const char *base, const char *key_col, search_where *w,
                      page_dir dir, const char *key, bool key_is_int, long long limit,
                      db_res **out)
{
	buf sql = BUF_INIT;
	db_val vals[SEARCH_MAX_VALS + 2];
	int n = w->n, rc;
	memcpy(vals, w->vals, sizeof(db_val) * (size_t)w->n);
	buf_puts(&sql, base);
	buf_puts(&sql, buf_str(&w->sql));
	if (dir == PAGE_AFTER || dir == PAGE_BEFORE) {
		long long k = 0;
		buf_printf(&sql, "%s%s %s ?", w->sql.len ? " AND " : " WHERE ", key_col,
		           dir == PAGE_AFTER ? ">" : "<");
		if (key_is_int) {
			if (strnum_ll(key, 0, 1LL << 40, &k) != Z_OK) {
				buf_free(&sql);
				return Z_INVALID;
			}
			vals[n++] = DB_I(k);
		} else {
			vals[n++] = DB_S(key);
		}
	}
	buf_printf(&sql, " ORDER BY %s %s LIMIT ?", key_col,
	           dir == PAGE_BEFORE || dir == PAGE_LAST ? "DESC" : "ASC");
	vals[n++] = DB_I(limit);
	rc = db_query(r->db, buf_str(&sql), vals, n, out);
	buf_free(&sql);
	return rc;
}

/* A keyword search (a scan of every search document: ~50 ms at 100k SKUs) matching at most
 * this many SKUs is paged from the scan's own result; a larger one walks the code index, where
 * its matches are dense enough that a page is found in a few thousand rows. */
#define KEYWORD_SCAN_MAX 1000

static int cmp_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first index of the sorted codes[0..n) whose code is greater than key (or, with
 * or_equal, not less than key). */
static int code_bound(const char **codes, int n, const char *key, bool or_equal)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(codes[mid], key);
		if (c < 0 || (c == 0 && !or_equal))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A keyword page from one scan: every matching code is read (which counts them), sorted here
 * (utf8mb4_bin orders by code point, as strcmp orders UTF-8), and the page's rows are read by
 * code in the direction page_query would read them. Walking the code index instead reads
 * every SKU for a rare term (~100 ms at 100k SKUs) after the count scanned them all once. */
static int keyword_page(web_request *r, bool drift, search_where *w, page_dir dir, const char *key,
                        long long *count, db_res **rows)
{
	buf sql = BUF_INIT;
	db_res *m = NULL;
	const char **codes = NULL;
	db_val vals[PAGE_ROWS + 1];
	/* 差異商品 narrowed by the index: its candidates first, each SKU read by its key. Given
	 * s.drift = 1 the optimizer would rather read every SKU and probe the candidates (250k
	 * rows, 75 ms at 1M listings, against 2.5k read by key). Not narrowed: the drifting SKUs'
	 * own index. */
	buf_puts(&sql, !drift       ? "SELECT s.code FROM sku s"
	               : w->indexed ? "SELECT s.code FROM sku s FORCE INDEX (PRIMARY)"
	                            : "SELECT s.code FROM sku s FORCE INDEX (ix_drift)");
	buf_puts(&sql, buf_str(&w->sql));
	int rc = db_query(r->db, buf_str(&sql), w->vals, w->n, &m);
	if (rc != Z_OK)
		goto out;
	int n = m->nrows, from = 0, to = 0;
	bool desc = dir == PAGE_BEFORE || dir == PAGE_LAST;
	*count = n;
	codes = calloc((size_t)n + 1, sizeof(*codes));
	if (!codes) {
		rc = Z_NOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		codes[i] = db_get(m, i, 0);
	qsort(codes, (size_t)n, sizeof(*codes), cmp_code);
	switch (dir) {
	case PAGE_FIRST:
	case PAGE_AFTER:
		from = dir == PAGE_AFTER ? code_bound(codes, n, key, false) : 0;
		to = n - from > PAGE_ROWS + 1 ? from + PAGE_ROWS + 1 : n;
		break;
	case PAGE_BEFORE:
		to = code_bound(codes, n, key, true);
		from = to > PAGE_ROWS + 1 ? to - (PAGE_ROWS + 1) : 0;
		break;
	case PAGE_LAST:
		to = n;
		from = n - (n % PAGE_ROWS ? n % PAGE_ROWS : PAGE_ROWS);
		if (from < 0)
			from = 0;
		break;
	}
	buf_reset(&sql);
	buf_puts(&sql, "SELECT s.id, s.code, s.name, s.total, s.is_set, s.drift, s.reserve FROM sku s "
	         "WHERE ");
	if (from == to) {
		buf_puts(&sql, "0 = 1");
	} else {
		buf_puts(&sql, "s.code IN (");
		for (int i = from; i < to; i++) {
			buf_puts(&sql, i > from ? ",?" : "?");
			vals[i - from] = DB_S(codes[i]);
		}
		buf_puts(&sql, desc ? ") ORDER BY s.code DESC" : ") ORDER BY s.code ASC");
	}
	rc = db_query(r->db, buf_str(&sql), vals, to - from, rows);
out:
	free(codes);
	db_res_free(m);
	buf_free(&sql);
	return rc;
}

/* Row index i of a result read in direction dir with nshown rows kept, in code order. */
static int row_at(page_dir dir, int nshown, int i)
{
	return dir == PAGE_BEFORE || dir == PAGE_LAST ? nshown - 1 - i : i;
}

/* The first row of L (ordered by column col) whose col equals key, or L->nrows. */
static int first_listing(const db_res *L, int col, long long key)
{
	int lo = 0, hi = L ? L->nrows : 0;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (db_get_ll(L, mid, col, -1) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The row's 確保在庫数 and, when there is one, 有効在庫 (what the shops share: the total as
 * the list shows it less the reserve, below 0 shown as 0, as the wanted-stock rule counts it). */
static void set_reserve(HDF *row, long long total, long long reserve)
{
	char n[24];
	snprintf(n, sizeof(n), "%lld", reserve);
	put(row, "reserve", n);
	snprintf(n, sizeof(n), "%lld", total - reserve > 0 ? total - reserve : 0);
	put(row, "avail", n);
}

/* What each set among the first nshown rows allows (a set holds no stock of its own): the
 * least, over its parts, of the part's total less its 確保在庫数 divided by the quantity, as
 * stock_available counts it. The parts of every set on the page come from one query; a part
 * that is itself a set (rare) is asked of the stock core. totals[row] is set for the rows of
 * sets only. Z_OK or the query's error. */
static int page_set_totals(db *d, const db_res *rows, int nshown, long long *totals)
{
	db_val ids[PAGE_ROWS];
	db_res *parts = NULL;
	buf sql = BUF_INIT;
	long long avail[SET_PARTS_READ];
	int qty[SET_PARTS_READ];
	int nsets = 0, rc = Z_OK;
	for (int i = 0; i < nshown && nsets < PAGE_ROWS; i++)
		if (flag(rows, i, 4))
			ids[nsets++] = DB_I(db_get_ll(rows, i, 0, 0));
	if (!nsets)
		goto out;
	buf_puts(&sql, "SELECT sp.set_sku_id, sp.part_sku_id, sp.quantity, s.total, s.is_set, "
	               "s.reserve FROM set_part sp JOIN sku s ON s.id = sp.part_sku_id "
	               "WHERE sp.set_sku_id IN (");
	for (int i = 0; i < nsets; i++)
		buf_puts(&sql, i ? ",?" : "?");
	buf_puts(&sql, ") ORDER BY sp.set_sku_id");
	if ((rc = db_query(d, buf_str(&sql), ids, nsets, &parts)) != Z_OK)
		goto out;
	for (int i = 0; i < nshown; i++) {
		if (!flag(rows, i, 4))
			continue;
		long long id = db_get_ll(rows, i, 0, 0);
		int n = 0;
		for (int k = 0; k < parts->nrows; k++) {
			if (db_get_ll(parts, k, 0, 0) != id)
				continue;
			if (n == SET_PARTS_READ) {
				/* More parts than this page reads at once: the stock core counts it. */
				n = -1;
				break;
			}
			qty[n] = (int)db_get_ll(parts, k, 2, 1);
			avail[n] = db_get_ll(parts, k, 3, 0);
			if (flag(parts, k, 4) &&
			    (rc = stock_available(d, db_get_ll(parts, k, 1, 0), &avail[n])) != Z_OK)
				goto out;
			avail[n] -= db_get_ll(parts, k, 5, 0);
			n++;
		}
		if (n < 0)
			rc = stock_available(d, id, &totals[i]);
		else if (stock_set_available_calc(avail, qty, n, &totals[i]) != Z_OK)
			totals[i] = 0;
		if (rc != Z_OK)
			goto out;
	}
out:
	db_res_free(parts);
	buf_free(&sql);
	return rc;
}

/* Page.rows.I: the row's own columns, then one cell per shown shop (in the order of
 * Page.shops) holding that shop's listings (L, ordered by the key the rows are matched on) as
 * items. */
static int page_rows(web_request *r, const db_res *shops, const db_res *rows, const db_res *L,
                     page_dir dir, int nshown, bool unlinked, bool images)
{
	int rc = Z_ERR;
	HDF **cells = NULL, **items = NULL;
	int *per_shop = NULL;
	long long *set_totals = NULL;
	cells = calloc((size_t)shops->nrows + 1, sizeof(*cells));
	items = calloc((size_t)shops->nrows + 1, sizeof(*items));
	per_shop = calloc((size_t)shops->nrows + 1, sizeof(int));
	set_totals = calloc((size_t)nshown + 1, sizeof(*set_totals));
	HDF *list = child(r->hdf, "Page.rows", -1);
	if (!cells || !items || !per_shop || !set_totals || !list)
		goto fail;
	if (!unlinked && page_set_totals(r->db, rows, nshown, set_totals) != Z_OK)
		goto fail;
	for (int i = 0; i < nshown; i++) {
		int src = row_at(dir, nshown, i);
		long long id = db_get_ll(rows, src, 0, 0);
		HDF *row = child(list, "", i);
		if (!row)
			goto fail;
		if (unlinked) {
			put(row, "listing", db_get(rows, src, 0));
		} else {
			put(row, "id", db_get(rows, src, 0));
			put(row, "code", db_get(rows, src, 1));
			put(row, "name", db_get(rows, src, 2));
			/* A set holds no stock of its own: show what its parts allow. */
			long long avail = db_get_ll(rows, src, 3, 0);
			if (flag(rows, src, 4)) {
				char n[24];
				avail = set_totals[src];
				snprintf(n, sizeof(n), "%lld", avail);
				put(row, "total", n);
			} else {
				put(row, "total", db_get(rows, src, 3));
			}
			if (flag(rows, src, 4))
				put(row, "is_set", "1");
			set_reserve(row, avail, db_get_ll(rows, src, 6, 0));
		}
		HDF *row_shops = child(row, "shops", -1);
		if (!row_shops)
			goto fail;
		for (int sh = 0; sh < shops->nrows; sh++) {
			cells[sh] = child(row_shops, "", sh);
			if (!cells[sh])
				goto fail;
			items[sh] = NULL;
			per_shop[sh] = 0;
		}
		/* The listings are ordered by the key the rows are matched on. */
		int key_col = unlinked ? L_ID : L_SKU_ID;
		for (int k = first_listing(L, key_col, id); L && k < L->nrows; k++) {
			if (db_get_ll(L, k, key_col, -1) != id)
				break;
			int sh = shop_index(shops, db_get(L, k, L_SHOP));
			if (sh < 0)
				continue;
			/* The cell's items node is made once, not looked up again by path per listing. */
			if (!items[sh] && !(items[sh] = child(cells[sh], "items", -1)))
				goto fail;
			HDF *item = child(items[sh], "", per_shop[sh]++);
			if (item)
				set_listing(item, L, k, images);
			if (unlinked) {
				put(row, "code", db_get(L, k, L_SKU_CODE));
				put(row, "name", db_get(L, k, L_NAME));
			}
		}
		/* A cell with listings: its shop (the menu button's) and its boxes' label ids,
		 * "c<row> sh<shop>" (aria-labelledby names the column, the row's code and the shop),
		 * made once here instead of three lookups for each of its boxes in the template. An
		 * empty cell shows neither, and gets neither. */
		for (int sh = 0; sh < shops->nrows; sh++) {
			if (!per_shop[sh])
				continue;
			char lab[64];
			snprintf(lab, sizeof(lab), "c%s sh%s", db_get(rows, src, 0), db_get(shops, sh, 0));
			put(cells[sh], "shop", db_get(shops, sh, 0));
			put(cells[sh], "lab", lab);
		}
	}

	rc = Z_OK;
fail:
	free(set_totals);
	free(per_shop);
	free(items);
	free(cells);
	return rc;
}

/* The paging links (they carry the search; the page number is for show only), the count and
 * the search form as asked. */
static void page_links(web_request *r, const search_filter *s, const db_res *rows, page_dir dir,
                       int nshown, bool more, long long count, long long page, long long pages)
{
	buf q = BUF_INIT, link = BUF_INIT;
	search_query(r, &q);
	web_set(r, "Page.query", buf_str(&q));
	web_set(r, "Page.title", web_lang(r, "msg.list.title"));
	web_set_int(r, "Page.count", count);
	web_set_int(r, "Page.page", page > pages ? pages : page);
	web_set_int(r, "Page.pages", pages);
	web_set(r, "Page.unlinked", s->unlinked ? "1" : "0");
	bool has_prev = dir == PAGE_AFTER || dir == PAGE_LAST || (dir == PAGE_BEFORE && more);
	bool has_next = dir == PAGE_FIRST ? more : dir == PAGE_AFTER ? more : dir == PAGE_BEFORE;
	if (dir == PAGE_LAST)
		has_next = false;
	const char *sep = q.len ? "&" : "";
	if (has_prev && nshown) {
		buf_reset(&link);
		buf_printf(&link, "/?%s%sbefore=", buf_str(&q), sep);
		const char *first = s->unlinked ? db_get(rows, row_at(dir, nshown, 0), 0)
		                               : db_get(rows, row_at(dir, nshown, 0), 1);
		url_encode(&link, first, NULL);
		buf_printf(&link, "&page=%lld", page > 1 ? page - 1 : 1);
		web_set(r, "Page.prev", buf_str(&link));
		buf_reset(&link);
		buf_printf(&link, "/?%s", buf_str(&q));
		web_set(r, "Page.first", buf_str(&link));
	}
	if (has_next && nshown) {
		buf_reset(&link);
		buf_printf(&link, "/?%s%safter=", buf_str(&q), sep);
		const char *lastk = s->unlinked ? db_get(rows, row_at(dir, nshown, nshown - 1), 0)
		                               : db_get(rows, row_at(dir, nshown, nshown - 1), 1);
		url_encode(&link, lastk, NULL);
		buf_printf(&link, "&page=%lld", page + 1);
		web_set(r, "Page.next", buf_str(&link));
		buf_reset(&link);
		buf_printf(&link, "/?%s%slast=1", buf_str(&q), sep);
		web_set(r, "Page.last", buf_str(&link));
	}
	/* The search form shows what was asked. */
	web_set(r, "Search.kind", s->sets ? "set" : "all");
	web_set(r, "Search.shop", list_text(r, LIST_SHOP));
	web_set(r, "Search.q", s->q);
	web_set(r, "Search.tmin", list_text(r, LIST_TMIN));
	web_set(r, "Search.tmax", list_text(r, LIST_TMAX));
	web_set(r, "Search.link", list_text(r, LIST_LINK));
	web_set(r, "Search.sync", list_text(r, LIST_SYNC));
	web_set(r, "Search.drift", s->drift ? "1" : "0");
	if (list_has(r, LIST_MSG)) {
		web_set(r, "Page.msg", msg_choices[list_int(r, LIST_MSG, 0)]);
		web_set_int(r, "Page.msg_n", list_int(r, LIST_N, 0));
	}
	buf_free(&q);
	buf_free(&link);
}

/* GET /: the 在庫連携 screen — errors, search, buttons and one page of the list. */
/* The count of the search (read from the database's counters when unfiltered, of listing
 * conditions alone or of 店舗 + 差異商品; cached for a keyword, else counted with the same
 * WHERE); a keyword search that scans reads its page (*rows) with it. */
static int page_count(web_request *r, const search_filter *s, search_where *w, page_dir dir,
                      const char *key, long long *count, db_res **rows)
{
	buf sql = BUF_INIT;
	int rc = Z_ERR;
	if (!search_filtered(s)) {
		if (count_all_skus(r->db, count) != Z_OK)
			goto out;
	} else if (search_listing_only(s)) {
		if (count_listed_skus(r, s, count) != Z_OK)
			goto out;
	} else if (count_drift_kept(s)) {
		if (count_drift_skus(r, s, count) != Z_OK)
			goto out;
	} else {
		/* drift is a 2-valued column: now and then the optimizer scans the table instead of
		 * the index (33 ms beside 1.5 ms at 100k SKUs); 差異 is always the rare value. */
		buf_puts(&sql, s->unlinked ? "SELECT COUNT(*) FROM listing l"
		               : s->drift  ? "SELECT COUNT(*) FROM sku s FORCE INDEX (ix_drift)"
		                          : "SELECT COUNT(*) FROM sku s");
		buf_puts(&sql, buf_str(&w->sql));
		/* Only keyword counts scan every SKU; the others ride an index and stay exact. A
		 * keyword count not cached, or a small one, comes with its page from one scan. With
		 * listing conditions and no keyword, the SKUs are joined to their listings. */
		if (!w->scans && !s->unlinked && search_has_listing(s)) {
			if (count_listing_join(r, s, count) != Z_OK)
				goto out;
		} else if (w->scans && !s->unlinked &&
		           (!count_peek(buf_str(&sql), w->vals, w->n, count) ||
		            *count <= KEYWORD_SCAN_MAX)) {
			int krc = keyword_page(r, s->drift, w, dir, key, count, rows);
			if (krc != Z_OK)
				goto out;
			count_store(buf_str(&sql), w->vals, w->n, *count);
		} else if ((*s->q ? count_cached(r->db, buf_str(&sql), w->vals, w->n, count)
		                 : db_query_ll(r->db, buf_str(&sql), w->vals, w->n, 0, count)) != Z_OK) {
			goto out;
		}
	}
	rc = Z_OK;
out:
	buf_free(&sql);
	return rc;
}

int list_page(web_request *r)
{
	db_res *shops = NULL, *rows = NULL, *L = NULL;
	search_where w = {0};
	search_filter s;
	buf sql = BUF_INIT;
	int rc = Z_ERR;
	long long count = 0, page = list_int(r, LIST_PAGE, 1);
	bool images = false;
	page_dir dir = PAGE_FIRST;
	const char *key = NULL;

	list_search_read(r, &s);
	if (list_has(r, LIST_AFTER)) {
		dir = PAGE_AFTER;
		key = list_text(r, LIST_AFTER);
	} else if (list_has(r, LIST_BEFORE)) {
		dir = PAGE_BEFORE;
		key = list_text(r, LIST_BEFORE);
	} else if (list_int(r, LIST_LAST, 0)) {
		dir = PAGE_LAST;
	}
	if (s.has_tmin && s.has_tmax && s.tmin > s.tmax) {
		rc = web_error(r, 400, web_lang(r, "msg.list.total_range"));
		goto out;
	}
	if (load_shops(r, &shops) != Z_OK)
		goto out;
	if (s.has_shop && shop_index(shops, list_text(r, LIST_SHOP)) < 0) {
		rc = web_error(r, 400, web_lang(r, "msg.list.shop_unknown"));
		goto out;
	}
	int trc = s.unlinked ? search_where_unlinked(&s, &w) : search_where_skus(&s, &w);
	if (trc == Z_INVALID) {
		rc = web_error(r, 400, web_lang(r, "msg.list.keywords_max"));
		goto out;
	}
	if (trc != Z_OK || load_errors(r) != Z_OK || load_show_images(r, &images) != Z_OK ||
	    csv_export_notice(r) != Z_OK)
		goto out;

	/* The count, and with it the page of a keyword search that scanned. */
	if (page_count(r, &s, &w, dir, key, &count, &rows) != Z_OK)
		goto out;
	/* A dense keyword result (its count known): walking the codes finds the page sooner. */
	if (!rows && search_index_walk_cheaper(&w, count, PAGE_ROWS)) {
		search_where_free(&w);
		s.db = NULL;
		if (search_where_skus(&s, &w) != Z_OK)
			goto out;
	}
	/* A rare result of listing conditions (a few listings switched off): its SKUs are read
	 * from the listing index and sorted, not found by walking every SKU. */
	bool drive = false;
	if (!rows && !s.unlinked && !w.scans && search_has_listing(&s) &&
	    listing_drive_cheaper(r->db, count, &drive) != Z_OK)
		goto out;
	if (drive) {
		search_where_free(&w);
		s.listing = SEARCH_LISTING_IN;
		if (search_where_skus(&s, &w) != Z_OK)
			goto out;
	}
	long long pages = count ? (count + PAGE_ROWS - 1) / PAGE_ROWS : 1;
	/* The last page holds the remainder, so pages read backwards from it align with pages
	 * read forwards from the first. */
	long long limit = PAGE_ROWS + 1;
	if (dir == PAGE_LAST) {
		limit = count % PAGE_ROWS ? count % PAGE_ROWS : PAGE_ROWS;
		page = pages;
	}
	int prc = rows ? Z_OK
	          : s.unlinked
	              ? page_query(r, "SELECT l.id FROM listing l", "l.id", &w, dir, key, true, limit,
	                           &rows)
	              : page_query(r, drive ? "SELECT s.id, s.code, s.name, s.total, s.is_set, "
	                                      "s.drift, s.reserve FROM sku s IGNORE INDEX FOR ORDER "
	                                      "BY (uq_code, ix_drift, ix_set)"
	                              : s.drift && !w.indexed
	                                  ? "SELECT s.id, s.code, s.name, s.total, s.is_set, "
	                                    "s.drift, s.reserve FROM sku s FORCE INDEX (ix_drift)"
	                                  : "SELECT s.id, s.code, s.name, s.total, s.is_set, "
	                                    "s.drift, s.reserve FROM sku s",
	                           "s.code", &w, dir, key, false, limit, &rows);
	if (prc == Z_INVALID) {
		rc = web_error(r, 400, web_lang(r, "msg.list.bad_page"));
		goto out;
	}
	if (prc != Z_OK)
		goto out;
	bool more = rows->nrows > PAGE_ROWS;
	int nshown = more ? PAGE_ROWS : rows->nrows;

	/* Every listing of the page in one query, with its pending push (unique index), in the
	 * order of the index it is read by (no sort): by SKU and shop, or by id when the rows
	 * are listings. */
	if (nshown) {
		db_val ids[PAGE_ROWS];
		buf_reset(&sql);
		buf_printf(&sql, "SELECT %s FROM listing l LEFT JOIN push p ON p.pending_listing = l.id "
		                 "WHERE %s IN (", listing_cols, s.unlinked ? "l.id" : "l.sku_id");
		for (int i = 0; i < nshown; i++) {
			buf_puts(&sql, i ? ",?" : "?");
			ids[i] = DB_I(db_get_ll(rows, i, 0, 0));
		}
		buf_puts(&sql, s.unlinked ? ") ORDER BY l.id" : ") ORDER BY l.sku_id, l.shop_id, l.id");
		if (db_query(r->db, buf_str(&sql), ids, nshown, &L) != Z_OK)
			goto out;
	}

	if (page_rows(r, shops, rows, L, dir, nshown, s.unlinked, images) != Z_OK)
		goto out;
	page_links(r, &s, rows, dir, nshown, more, count, page, pages);
	rc = web_render(r, "stock.cs");
out:
	search_where_free(&w);
	buf_free(&sql);
	db_res_free(shops);
	db_res_free(rows);
	db_res_free(L);
	return rc;
}

/* ---- the rows on screen, polled by stock.js ---- */

/* Rows a poll asks about: a page holds at most PAGE_ROWS. */
#define POLL_ROWS PAGE_ROWS

/* Declared fields: the router validates them before the handler runs. */
enum { ROWS_SKU, ROWS_LISTING, ROWS__N };
const web_field list_rows_fields[ROWS__N + 1] = {
	[ROWS_SKU] = {.name = "sku", .type = WF_INT_LIST, .min = 1, .max = 2147483647,
	 .max_count = POLL_ROWS, .label = "msg.label.sku"},
	[ROWS_LISTING] = {.name = "listing", .type = WF_INT_LIST, .min = 1, .max = 2147483647,
	 .max_count = POLL_ROWS, .label = "msg.label.product"},
	{0},
};

/* The SKUs' totals as the list shows them (a set: what its parts allow), with each one's
 * 確保在庫数 and 有効在庫, into arr. */
static int rows_skus(web_request *r, const web_value *skus, cJSON *arr)
{
	db_res *res = NULL;
	buf sql = BUF_INIT;
	db_val vals[POLL_ROWS];
	buf_puts(&sql, "SELECT id, total, is_set, reserve FROM sku WHERE id IN (");
	for (int i = 0; i < skus->count; i++) {
		buf_puts(&sql, i ? ",?" : "?");
		vals[i] = DB_I(skus->list[i]);
	}
	buf_puts(&sql, ")");
	int rc = db_query(r->db, buf_str(&sql), vals, skus->count, &res);
	buf_free(&sql);
	for (int i = 0; rc == Z_OK && i < res->nrows; i++) {
		long long id = db_get_ll(res, i, 0, 0), total = db_get_ll(res, i, 1, 0);
		if (flag(res, i, 2))
			rc = stock_available(r->db, id, &total);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)id);
		cJSON_AddNumberToObject(o, "total", (double)total);
		long long reserve = db_get_ll(res, i, 3, 0);
		cJSON_AddNumberToObject(o, "reserve", (double)reserve);
		cJSON_AddNumberToObject(o, "avail", (double)(total > reserve ? total - reserve : 0));
		cJSON_AddItemToArray(arr, o);
	}
	db_res_free(res);
	return rc;
}

/* The rows of a LIST_STATE_SQL query as the objects stock.js redraws a cell from. */
void list_state_json(const db_res *L, cJSON *arr)
{
	for (int i = 0; i < L->nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_get_ll(L, i, 0, 0));
		if (db_get(L, i, 1))
			cJSON_AddNumberToObject(o, "stock", (double)db_get_ll(L, i, 1, 0));
		else
			cJSON_AddNullToObject(o, "stock");
		if (db_get(L, i, 2))
			cJSON_AddNumberToObject(o, "wanted", (double)db_get_ll(L, i, 2, 0));
		cJSON_AddBoolToObject(o, "drift", flag(L, i, 3));
		cJSON_AddBoolToObject(o, "pending", flag(L, i, 4));
		cJSON_AddBoolToObject(o, "sync", flag(L, i, 5));
		cJSON_AddStringToObject(o, "min", db_get(L, i, 6) ? db_get(L, i, 6) : "");
		cJSON_AddStringToObject(o, "max", db_get(L, i, 7) ? db_get(L, i, 7) : "");
		cJSON_AddItemToArray(arr, o);
	}
}

/* The listings of the SKUs and the listings themselves: what a cell shows. */
static int rows_listings(web_request *r, const web_value *skus, const web_value *lst,
                         cJSON *arr)
{
	db_res *L = NULL;
	buf sql = BUF_INIT;
	db_val vals[2 * POLL_ROWS];
	int ns = skus ? skus->count : 0, nl = lst ? lst->count : 0;
	buf_puts(&sql, LIST_STATE_SQL "WHERE l.sku_id IN (0");
	for (int i = 0; i < ns; i++) {
		buf_puts(&sql, ",?");
		vals[i] = DB_I(skus->list[i]);
	}
	buf_puts(&sql, ") OR l.id IN (0");
	for (int i = 0; i < nl; i++) {
		buf_puts(&sql, ",?");
		vals[ns + i] = DB_I(lst->list[i]);
	}
	buf_puts(&sql, ")");
	int rc = db_query(r->db, buf_str(&sql), vals, ns + nl, &L);
	buf_free(&sql);
	if (rc == Z_OK)
		list_state_json(L, arr);
	db_res_free(L);
	return rc;
}

/* GET /stock/rows?sku=…&listing=… (JSON): what the rows on screen show now — each SKU's
 * total, each listing's mall stock, 反映待ち, drift and settings — and which shops are
 * stopped, so the list follows the malls without a reload. Two indexed reads. */
int list_rows_json(web_request *r)
{
	const web_value *skus = web_value_of(r, list_rows_fields, ROWS_SKU);
	const web_value *lst = web_value_of(r, list_rows_fields, ROWS_LISTING);
	db_res *shops = NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *as = cJSON_AddArrayToObject(o, "skus"), *al = cJSON_AddArrayToObject(o, "listings");
	cJSON *ash = cJSON_AddArrayToObject(o, "stopped");
	int rc = Z_OK;
	if (skus && skus->count)
		rc = rows_skus(r, skus, as);
	if (rc == Z_OK && ((skus && skus->count) || (lst && lst->count)))
		rc = rows_listings(r, skus, lst, al);
	if (rc == Z_OK)
		rc = db_query(r->db, "SELECT id FROM shop WHERE enabled = 1 AND state = 'stopped'",
		              NULL, 0, &shops);
	for (int i = 0; rc == Z_OK && i < shops->nrows; i++)
		cJSON_AddItemToArray(ash, cJSON_CreateNumber((double)db_get_ll(shops, i, 0, 0)));
	db_res_free(shops);
	if (rc != Z_OK) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json(r, 200, o);
}

/* ---- help pages of the error kinds ---- */

/* Declared fields: the router validates them before the handler runs. */
enum { HELP_KIND, HELP__N };
const web_field list_help_fields[HELP__N + 1] = {
	[HELP_KIND] = {.name = "kind", .type = WF_ENUM, .choices = help_kinds, .required = true,
	 .label = "msg.label.error_kind"},
	{0},
};

/* GET /stock/help?kind=: how to solve one kind of error message. */
int list_help_page(web_request *r)
{
	web_set(r, "Page.title", web_lang(r, "msg.list.help_title"));
	web_set(r, "Page.kind", help_kinds[web_int_of(r, list_help_fields, HELP_KIND, 0)]);
	return web_render(r, "stock_help.cs");
}
