/* csv_import: the 在庫連携 screen's uploads — 総在庫数CSV一括更新 and 商品データ取込 — each a
 * preview first (kept as a job row with the file in job.payload), then an all-or-nothing
 * apply in one transaction whose progress a second connection writes for the page to poll. */
/* How an upload runs, decided here:
 * - Upload: the file is parsed (encoding detected: CP932, UTF-8 with or without BOM), every row
 *   checked against the database, and nothing is changed. A file with row errors is refused
 *   with the errors and their line numbers, and nothing is stored. A good file is stored as a
 *   job row (kind csv_totals / csv_listings, state queued): the bytes in job.payload, the
 *   preview (counts, first rows before → after) in job.result. The preview page is a GET of
 *   the job, so it survives a reload.
 * - Apply: one POST claims the job (queued or failed → running, with a lease and a fresh
 *   token, so it runs once), re-reads the stored file, re-checks it and applies it in ONE
 *   transaction on the request's connection: all or nothing. The same transaction marks the
 *   job done (payload dropped) only while the lease token is still its own, so the moves and
 *   "done" commit together or not at all: a COMMIT lost with the connection leaves the job
 *   re-appliable, and a worker that was given up (lease expired, job claimed again) cannot
 *   apply it a second time. Progress goes to job.done over a second connection (visible while
 *   the transaction is open), which also renews the lease; stock.js polls GET /stock/csv/job
 *   and draws a progress bar. Without script the POST simply returns when done. A failed job
 *   keeps its file (job.message, its name, is the moves' ref) and says why in job.error; it
 *   can be applied again.
 * - A job is its uploader's: another user (admin or not) gets 404 for its preview, its apply
 *   and its progress, so nobody applies someone else's file under their own name.
 * - Pushes follow by themselves: the changed SKUs' wanted stock, drift and pending pushes are
 *   recomputed set-based inside the same transaction (stock_requeue_changed), so they commit
 *   with the moves or not at all. */
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/secret.h"
#include "core/smsg.h"
#include "core/utf8.h"
#include "csv/mallcsv.h"
#include "csv/stockcsv.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/stock.h"

/* Rows shown in a preview, and errors. */
#define PREVIEW_ROWS 300
#define PREVIEW_ERRORS 200
/* Codes looked up per query. */
#define LOOKUP_CHUNK 500
/* Listings handed to stock_import_listings per call (progress steps of a large file). */
#define IMPORT_CHUNK 10000
/* Rows between two progress writes. */
#define PROGRESS_EVERY 1000
/* A running apply's lease ([web] job_lease_seconds): renewed by every progress write; a job
 * whose lease ran out belongs to a dead worker and may be claimed again. */
#define JOB_LEASE_DEFAULT 300
/* job.error's and job.error_msg's sizes (characters; bytes here, which never exceed them). */
#define JOB_ERROR_MAX 1000
#define JOB_ERROR_MSG_MAX 2000

static long long lease_seconds(const web_request *r)
{
	return conf_int(r->cfg, "web", "job_lease_seconds", JOB_LEASE_DEFAULT, 10, 86400);
}

static const char *const mode_choices[] = {"absolute", "delta", NULL};

/* Declared fields: the router validates them before the handler runs. One table for both
 * upload pages (GET /stock/csv/totals and /stock/csv/listings). */
enum { PAGE_JOB, PAGE_SHOP, PAGE__N };
const web_field csv_page_fields[PAGE__N + 1] = {
	[PAGE_JOB] = {.name = "job", .type = WF_INT, .min = 1, .max = 1LL << 62,
	 .label = "msg.label.action"},
	[PAGE_SHOP] = {.name = "shop", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.shop"},
	{0},
};

/* Declared fields: the router validates them before the handler runs. */
enum { TOTALS_FILE, TOTALS_MODE, TOTALS__N };
const web_field csv_totals_fields[TOTALS__N + 1] = {
	[TOTALS_FILE] = {.name = "file", .type = WF_FILE, .required = true, .max = 16 << 20,
	 .label = "msg.label.csv_file"},
	[TOTALS_MODE] = {.name = "mode", .type = WF_ENUM, .required = true, .choices = mode_choices,
	 .label = "msg.label.update_mode"},
	{0},
};

/* Declared fields: the router validates them before the handler runs. */
enum { LISTINGS_FILE, LISTINGS_FILE2, LISTINGS_SHOP, LISTINGS__N };
const web_field csv_listings_fields[LISTINGS__N + 1] = {
	[LISTINGS_FILE] = {.name = "file", .type = WF_FILE, .required = true, .max = 16 << 20,
	 .label = "msg.label.csv_file", .second = "file2"},
	/* Rakuten's older format is two files (item.csv + select.csv), uploaded together. */
	[LISTINGS_FILE2] = {.name = "file2", .type = WF_FILE, .max = 16 << 20,
	 .label = "msg.label.csv_file2"},
	[LISTINGS_SHOP] = {.name = "shop", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.shop"},
	{0},
};

/* A job's payload holding two files: this line, the first file's length in decimal and a
 * newline, then both files' bytes. */
#define PAIR_MAGIC "zaiko-pair-1\n"

/* Packs two uploaded files into one payload (see PAIR_MAGIC). Z_OK or Z_NOMEM. */
static int pack_pair(const web_value *a, const web_value *b, buf *out)
{
	if (buf_puts(out, PAIR_MAGIC) != Z_OK || buf_printf(out, "%zu\n", a->len) != Z_OK ||
	    buf_append(out, a->text, a->len) != Z_OK || buf_append(out, b->text, b->len) != Z_OK)
		return Z_NOMEM;
	return Z_OK;
}

/* Splits a packed payload; false when data is one file. */
static bool unpack_pair(const char *data, size_t len, const char **a, size_t *alen,
                        const char **b, size_t *blen)
{
	size_t m = strlen(PAIR_MAGIC);
	if (len < m || memcmp(data, PAIR_MAGIC, m) != 0)
		return false;
	size_t i = m, n = 0;
	while (i < len && data[i] >= '0' && data[i] <= '9' && n < ((size_t)1 << 40))
		n = n * 10 + (size_t)(data[i++] - '0');
	if (i >= len || data[i] != '\n' || n > len - i - 1)
		return false;
	*a = data + i + 1;
	*alen = n;
	*b = *a + n;
	*blen = len - (i + 1) - n;
	return true;
}

/* Declared fields: the router validates them before the handler runs. */
enum { APPLY_JOB, APPLY__N };
const web_field csv_apply_fields[APPLY__N + 1] = {
	[APPLY_JOB] = {.name = "job", .type = WF_INT, .required = true, .min = 1, .max = 1LL << 62,
	 .label = "msg.label.action"},
	{0},
};

/* Declared fields: the router validates them before the handler runs. */
enum { JOB_JOB, JOB__N };
const web_field csv_job_fields[JOB__N + 1] = {
	[JOB_JOB] = {.name = "job", .type = WF_INT, .required = true, .min = 1, .max = 1LL << 62,
	 .label = "msg.label.action"},
	{0},
};

/* ---- SKU lookup by code ---- */

typedef struct {
	long long id, total, reserve;
	bool is_set;
} sku_info;

static int cmp_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fills info[i] for codes[i] (id 0 when unknown), LOOKUP_CHUNK codes per query. */
static int lookup_skus(db *d, const stockcsv_row *rows, size_t n, sku_info *info)
{
	int rc = Z_OK;
	for (size_t at = 0; at < n && rc == Z_OK; at += LOOKUP_CHUNK) {
		size_t m = n - at < LOOKUP_CHUNK ? n - at : LOOKUP_CHUNK;
		db_val vals[LOOKUP_CHUNK];
		db_res *res = NULL;
		buf sql = BUF_INIT;
		buf_puts(&sql, "SELECT code, id, total, is_set, reserve FROM sku WHERE code IN (");
		for (size_t i = 0; i < m; i++) {
			buf_puts(&sql, i ? ",?" : "?");
			vals[i] = DB_S(rows[at + i].sku_code);
		}
		/* utf8mb4_bin orders by code point, which is UTF-8 byte order: strcmp agrees. */
		buf_puts(&sql, ") ORDER BY code");
		rc = db_query(d, buf_str(&sql), vals, (int)m, &res);
		buf_free(&sql);
		if (rc != Z_OK)
			break;
		const char **codes = calloc((size_t)res->nrows + 1, sizeof(char *));
		if (!codes) {
			db_res_free(res);
			return Z_NOMEM;
		}
		for (int k = 0; k < res->nrows; k++)
			codes[k] = db_get(res, k, 0);
		for (size_t i = 0; i < m; i++) {
			const char *key = rows[at + i].sku_code;
			const char **hit = bsearch(&key, codes, (size_t)res->nrows, sizeof(char *), cmp_code);
			sku_info *s = &info[at + i];
			memset(s, 0, sizeof(*s));
			if (hit) {
				int k = (int)(hit - codes);
				s->id = db_get_ll(res, k, 1, 0);
				s->total = db_get_ll(res, k, 2, 0);
				s->is_set = db_get_ll(res, k, 3, 0) == 1;
				s->reserve = db_get_ll(res, k, 4, 0);
			}
		}
		free(codes);
		db_res_free(res);
	}
	return rc;
}

/* Checks each row against the database: unknown codes, sets, totals out of bounds. A set's
 * total is what its parts allow: a file of CSV出力 carries it as written, which is dropped; any
 * other total of a set is refused. Its 確保在庫数 is the set's own and is taken. */
/* Adds the text of key, formatted, to e as the error of line (web_langf). */
static int error_text(const web_request *r, csv_errors *e, size_t line, const char *key,
                      const char *spec, ...) Z_PRINTF(5, 6);
static int error_text(const web_request *r, csv_errors *e, size_t line, const char *key,
                      const char *spec, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, spec);
	int rc = web_vlangf(r, &b, key, spec, ap);
	va_end(ap);
	if (rc == Z_OK)
		rc = csv_errors_add_text(e, line, buf_str(&b));
	buf_free(&b);
	return rc;
}

static int check_totals(const web_request *r, stockcsv_totals *t, sku_info *info)
{
	db *d = r->db;
	int rc = lookup_skus(d, t->v, t->n, info);
	for (size_t i = 0; rc == Z_OK && i < t->n; i++) {
		stockcsv_row *row = &t->v[i];
		long long after, avail = 0;
		if (!info[i].id) {
			rc = error_text(r, &t->errors, row->line, "msg.csv_import.sku_unknown", "%s",
			                row->sku_code);
		} else if (info[i].is_set && row->has_value) {
			if (t->exported && t->mode == STOCKCSV_ABSOLUTE &&
			    (rc = stock_available(d, info[i].id, &avail)) == Z_OK && avail == row->value) {
				row->has_value = false;
				info[i].total = avail;
			} else if (rc == Z_OK) {
				rc = error_text(r, &t->errors, row->line, "msg.csv_import.is_set", "%s",
				                row->sku_code);
			}
		} else if (row->has_value && t->mode == STOCKCSV_DELTA &&
		           stock_check_delta(info[i].total, row->value, &after) != Z_OK) {
			rc = csv_errors_add_key(&t->errors, row->line, "msg.csv_import.delta_range");
		}
	}
	return rc;
}

/* ---- pages ---- */

static void set_errors(web_request *r, const csv_errors *e)
{
	char key[64];
	size_t shown = e->n < PREVIEW_ERRORS ? e->n : PREVIEW_ERRORS;
	for (size_t i = 0; i < shown; i++) {
		snprintf(key, sizeof(key), "Page.errors.%zu", i);
		web_set(r, key, e->v[i].message);
	}
	web_set_int(r, "Page.nerrors", (long long)(e->n + e->dropped));
}

static int load_shops(web_request *r)
{
	db_res *s = NULL;
	int rc = db_query(r->db,
	                  "SELECT id, name, mall, is_base AS base FROM shop ORDER BY is_base DESC, id",
	                  NULL, 0, &s);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.shops", s, -1);
	db_res_free(s);
	return rc;
}

/* Copies a JSON object's members (numbers and strings) under prefix, and its "list" of row
 * arrays as prefix.list.I.J. */
static void json_to_hdf(web_request *r, const char *prefix, const cJSON *o)
{
	char key[128];
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		snprintf(key, sizeof(key), "%s.%s", prefix, it->string);
		if (cJSON_IsString(it))
			web_set(r, key, it->valuestring);
		else if (cJSON_IsNumber(it))
			web_setf(r, key, "%.0f", it->valuedouble);
		else if (cJSON_IsArray(it)) {
			int i = 0;
			const cJSON *row;
			cJSON_ArrayForEach(row, it) {
				int j = 0;
				const cJSON *cell;
				cJSON_ArrayForEach(cell, row) {
					snprintf(key, sizeof(key), "%s.%s.%d.%d", prefix, it->string, i, j++);
					if (cJSON_IsString(cell))
						web_set(r, key, cell->valuestring);
					else if (cJSON_IsNumber(cell))
						web_setf(r, key, "%.0f", cell->valuedouble);
				}
				i++;
			}
		}
	}
}

/* What every answer of csv.cs shows: the shops, the mode with its title, the chosen shop
 * (0: none). */
static int page_head(web_request *r, const char *mode, long long shop)
{
	int rc = load_shops(r);
	if (rc != Z_OK)
		return rc;
	web_set(r, "Page.mode", mode);
	web_set(r, "Page.title", web_lang(r, !strcmp(mode, "totals") ? "msg.csv_import.totals_title"
	                                                             : "msg.csv_import.listings_title"));
	if (shop)
		web_set_int(r, "Page.shop", shop);
	return Z_OK;
}

/* True when label is name's label in one of the languages. */
static bool label_of(const char *label, const char *(*of)(int, const char *), int name)
{
	static const char *const langs[] = {"ja", "en"};
	for (size_t i = 0; i < Z_ARRAY_LEN(langs); i++)
		if (!strcmp(label, of(name, langs[i])))
			return true;
	return false;
}

static const char *kind_label(int k, const char *lang)
{
	return mallcsv_kind_label((mallcsv_kind)k, lang);
}

static const char *encoding_label(int e, const char *lang)
{
	return csv_encoding_label((csv_encoding)e, lang);
}

/* The preview's file kind and encoding in the reader's language: the upload stored them as
 * labels in its own, which name one kind and one encoding in every language. */
static void preview_labels(web_request *r, const cJSON *pv)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(pv, "kind");
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(pv, "encoding");
	for (int k = 1; cJSON_IsString(kind) && k < MALLCSV__MAX; k++)
		if (label_of(kind->valuestring, kind_label, k))
			web_set(r, "Page.preview.kind", kind_label(k, r->lang));
	for (int e = 0; cJSON_IsString(enc) && e < CSV_ENC__MAX; e++)
		if (label_of(enc->valuestring, encoding_label, e))
			web_set(r, "Page.preview.encoding", encoding_label(e, r->lang));
}

/* The upload page, with the preview of a job when one is named. */
static int show_page(web_request *r, const char *kind, const char *tmpl_mode)
{
	db_res *j = NULL;
	int rc = page_head(r, tmpl_mode, web_int_of(r, csv_page_fields, PAGE_SHOP, 0));
	if (rc != Z_OK)
		return rc;
	if (web_has_of(r, csv_page_fields, PAGE_JOB)) {
		rc = db_queryv(r->db, &j,
		               "SELECT id, state, total, done, message, result, shop_id, error, "
		               "state = 'queued' OR state = 'failed' AND payload IS NOT NULL OR "
		               "state = 'running' AND (lease_until IS NULL OR "
		               "lease_until < UTC_TIMESTAMP()), error_msg FROM job "
		               "WHERE id = ? AND kind = ? AND user_id = ?",
		               DB_I(web_int_of(r, csv_page_fields, PAGE_JOB, 0)), DB_S(kind),
		               DB_I(r->user.id));
		if (rc != Z_OK)
			return rc;
		if (!j->nrows) {
			db_res_free(j);
			return web_error(r, 404, web_lang(r, "msg.csv_import.job_not_found"));
		}
		static const char *const names[] = {"id", "state", "total", "done", "message"};
		char key[64];
		for (int c = 0; c < 5; c++) {
			snprintf(key, sizeof(key), "Page.job.%s", names[c]);
			web_set(r, key, db_get(j, 0, c));
		}
		web_set(r, "Page.shop", db_get(j, 0, 6));
		/* A reason kept as keys reads in the reader's language; an older one (or one of
		 * text alone) is shown as stored, marked as data. */
		buf error = BUF_INIT;
		const char *m = db_get(j, 0, 9);
		bool shown = m && smsg_render(r->cfg, web_lang_code(r), m, &error) == Z_OK;
		web_set(r, "Page.job.error", shown ? buf_str(&error) : db_get(j, 0, 7));
		web_set(r, "Page.job.error_shown", shown ? "1" : "0");
		buf_free(&error);
		web_set(r, "Page.job.appliable", db_get_ll(j, 0, 8, 0) ? "1" : "0");
		cJSON *res = db_get(j, 0, 5) ? cJSON_Parse(db_get(j, 0, 5)) : NULL;
		if (res) {
			json_to_hdf(r, "Page.preview", res);
			preview_labels(r, res);
		}
		cJSON_Delete(res);
		db_res_free(j);
	}
	return web_render(r, "csv.cs");
}

/* GET /stock/csv/totals[?job=]: the upload form, and the preview of a stored job. */
int csv_totals_page(web_request *r)
{
	return show_page(r, "csv_totals", "totals");
}

/* GET /stock/csv/listings[?job=|shop=]: the same for 商品データ取込. */
int csv_listings_page(web_request *r)
{
	return show_page(r, "csv_listings", "listings");
}

/* A refused file: the page again, with the row errors; nothing was stored or changed. */
static int refuse(web_request *r, const char *mode, long long shop, const csv_errors *e)
{
	int rc = page_head(r, mode, shop);
	if (rc != Z_OK)
		return rc;
	set_errors(r, e);
	r->status = 400;
	return web_render(r, "csv.cs");
}

/* Stores the upload f (its bytes, or payload when given) and its preview as a queued job;
 * redirects to its preview page. */
static int store_job(web_request *r, const web_value *f, const char *kind, long long shop_id,
                     long long rows, cJSON *preview, const char *page, const buf *payload)
{
	char *json = cJSON_PrintUnformatted(preview);
	long long id = 0;
	if (!json)
		return Z_NOMEM;
	int rc = db_exec(r->db,
	                 "INSERT INTO job (kind, state, user_id, shop_id, total, message, payload, "
	                 "result, created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, "
	                 "UTC_TIMESTAMP(), UTC_TIMESTAMP())",
	                 DB_ARGS(DB_S(kind), DB_I(r->user.id), shop_id ? DB_I(shop_id) : DB_NUL,
	                         DB_I(rows), DB_S(f->filename ? f->filename : ""),
	                         payload ? DB_SN(payload->data, payload->len) : DB_SN(f->text, f->len),
	                         DB_S(json)),
	                 NULL, &id);
	free(json);
	if (rc != Z_OK)
		return rc;
	char to[96];
	snprintf(to, sizeof(to), "%s?job=%lld", page, id);
	return web_redirect(r, to);
}

/* POST /stock/csv/totals: checks a 総在庫数 file; stores it as a job and shows its preview. */
int csv_totals_upload(web_request *r)
{
	const web_value *f = web_value_of(r, csv_totals_fields, TOTALS_FILE);
	stockcsv_mode mode = web_int_of(r, csv_totals_fields, TOTALS_MODE, 0) == 1 ? STOCKCSV_DELTA
	                                                                           : STOCKCSV_ABSOLUTE;
	stockcsv_totals t;
	sku_info *info = NULL;
	cJSON *pv = NULL;
	const csv_limits lim = {.lang = r->lang};
	int rc = stockcsv_parse_totals(f->text, f->len, CSV_ENC__MAX, mode, &lim, &t);
	if (rc == Z_NOMEM)
		goto out;
	if (rc == Z_OK && t.n == 0 && t.errors.n == 0)
		csv_errors_add_text(&t.errors, 0, web_lang(r, "msg.csv_import.no_rows"));
	if (rc == Z_OK && t.n) {
		info = calloc(t.n, sizeof(*info));
		if (!info) {
			rc = Z_NOMEM;
			goto out;
		}
		rc = check_totals(r, &t, info);
		if (rc != Z_OK)
			goto out;
	}
	if (t.errors.n) {
		rc = refuse(r, "totals", 0, &t.errors);
		goto out;
	}
	pv = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(pv, "list");
	cJSON *rlist = cJSON_AddArrayToObject(pv, "reserves");
	long long changes = 0, rchanges = 0, same = 0;
	for (size_t i = 0; i < t.n; i++) {
		const stockcsv_row *v = &t.v[i];
		bool rchange = v->has_reserve && v->reserve != info[i].reserve;
		if (rchange && rchanges++ < PREVIEW_ROWS) {
			cJSON *row = cJSON_CreateArray();
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)v->line));
			cJSON_AddItemToArray(row, cJSON_CreateString(v->sku_code));
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)info[i].reserve));
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)v->reserve));
			cJSON_AddItemToArray(rlist, row);
		}
		long long after = !v->has_value ? info[i].total
		                  : mode == STOCKCSV_DELTA ? info[i].total + v->value : v->value;
		if (after == info[i].total) {
			same += !rchange;
			continue;
		}
		if (changes++ < PREVIEW_ROWS) {
			cJSON *row = cJSON_CreateArray();
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)t.v[i].line));
			cJSON_AddItemToArray(row, cJSON_CreateString(t.v[i].sku_code));
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)info[i].total));
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)after));
			cJSON_AddItemToArray(list, row);
		}
	}
	cJSON_AddStringToObject(pv, "mode", mode == STOCKCSV_DELTA ? "delta" : "absolute");
	cJSON_AddStringToObject(pv, "encoding", csv_encoding_label(t.encoding, r->lang));
	cJSON_AddNumberToObject(pv, "rows", (double)t.n);
	cJSON_AddNumberToObject(pv, "changes", (double)changes);
	cJSON_AddNumberToObject(pv, "same", (double)same);
	cJSON_AddStringToObject(pv, "has_reserve", t.has_reserve_column ? "1" : "0");
	cJSON_AddNumberToObject(pv, "reserve_changes", (double)rchanges);
	rc = store_job(r, f, "csv_totals", 0, (long long)t.n, pv, "/stock/csv/totals", NULL);
out:
	cJSON_Delete(pv);
	free(info);
	stockcsv_totals_free(&t);
	return rc;
}

/* Counts how many of the file's listings the shop has already. */
static int count_existing(db *d, long long shop, const mallcsv_result *m, long long *out)
{
	*out = 0;
	for (size_t at = 0; at < m->n; at += LOOKUP_CHUNK) {
		size_t k = m->n - at < LOOKUP_CHUNK ? m->n - at : LOOKUP_CHUNK;
		db_val vals[LOOKUP_CHUNK * 2 + 1];
		buf sql = BUF_INIT;
		long long c = 0;
		vals[0] = DB_I(shop);
		buf_puts(&sql, "SELECT COUNT(*) FROM listing WHERE shop_id = ? AND (item_code, sub_code) IN (");
		for (size_t i = 0; i < k; i++) {
			buf_puts(&sql, i ? ",(?,?)" : "(?,?)");
			vals[1 + 2 * i] = DB_S(m->v[at + i].item_code);
			vals[2 + 2 * i] = DB_S(m->v[at + i].sub_code);
		}
		buf_puts(&sql, ")");
		int rc = db_query_ll(d, buf_str(&sql), vals, (int)(1 + 2 * k), 0, &c);
		buf_free(&sql);
		if (rc != Z_OK)
			return rc;
		*out += c;
	}
	return Z_OK;
}

/* The shop's mall and whether it is the base shop; Z_NOTFOUND when there is no such shop. */
static int shop_info(db *d, long long shop, char *mall, size_t mall_size, bool *is_base,
                     char *name, size_t name_size)
{
	db_res *s = NULL;
	int rc = db_queryv(d, &s, "SELECT mall, is_base, name FROM shop WHERE id = ?", DB_I(shop));
	if (rc != Z_OK)
		return rc;
	if (!s->nrows) {
		db_res_free(s);
		return Z_NOTFOUND;
	}
	snprintf(mall, mall_size, "%s", db_get(s, 0, 0));
	*is_base = db_get_ll(s, 0, 1, 0) == 1;
	snprintf(name, name_size, "%s", db_get(s, 0, 2));
	db_res_free(s);
	return Z_OK;
}

/* The mall file's kind must be the shop's mall (zaiko's own file fits every shop). */
static void check_mall(const web_request *r, const mallcsv_result *m, const char *mall,
                       csv_errors *e)
{
	const char *km = mallcsv_kind_mall(m->kind);
	if (km && strcmp(km, mall))
		error_text(r, e, 0, "msg.csv_import.other_mall", "%s", mallcsv_kind_label(m->kind, r->lang));
}

/* The stock layer's row of l (strings borrowed from l). */
static stock_listing_row listing_row(const mallcsv_listing *l)
{
	return (stock_listing_row){
		.item_code = l->item_code, .sub_code = l->sub_code, .sku_code = l->sku_code,
		.name = l->name, .options = l->options, .image_url = l->image_url, .jan = l->jan,
		.has_price = l->has_price, .price = (int)l->price, .has_stock = l->has_stock,
		.stock = (int)l->stock, .extra_json = *l->extra ? l->extra : NULL,
		.line = (int)l->line};
}

/* Reads an uploaded listing file for shop as both the preview and the apply read it, so what
 * the preview accepts the apply accepts: parse, the shop's mall, the rows of the shop (a
 * CSV出力 file holds every shop's), and each row checked by the stock layer's own rule with
 * the file's physical line. Z_OK with m->errors empty, Z_INVALID (errors in m->errors), or
 * Z_NOMEM / Z_ERR. */
static int read_listing_file(const web_request *r, const char *data, size_t len,
                             const char *mall, const char *shop_name, mallcsv_result *m)
{
	const char *a, *b;
	size_t alen, blen;
	const csv_limits lim = {.lang = r->lang};
	int rc = unpack_pair(data, len, &a, &alen, &b, &blen)
	             ? mallcsv_parse_pair(a, alen, b, blen, &lim, m)
	             : mallcsv_parse(data, len, CSV_ENC__MAX, MALLCSV_UNKNOWN, &lim, m);
	if (rc != Z_OK)
		return rc;
	check_mall(r, m, mall, &m->errors);
	mallcsv_keep_shop(m, shop_name);
	for (size_t i = 0; i < m->n; i++) {
		stock_listing_row row = listing_row(&m->v[i]);
		const char *problem = stock_listing_row_problem(&row);
		if (problem && csv_errors_add_key(&m->errors, m->v[i].line, problem) != Z_OK)
			return Z_NOMEM;
	}
	csv_errors_sort(&m->errors);
	return m->errors.n ? Z_INVALID : Z_OK;
}


/* POST /stock/csv/listings: checks a mall's product file for a shop; stores it as a job. */
int csv_listings_upload(web_request *r)
{
	const web_value *f = web_value_of(r, csv_listings_fields, LISTINGS_FILE);
	long long shop = web_int_of(r, csv_listings_fields, LISTINGS_SHOP, 0), existing = 0;
	mallcsv_result m;
	cJSON *pv = NULL;
	char mall[32], shop_name[256];
	bool is_base = false;
	buf pair = BUF_INIT;
	memset(&m, 0, sizeof(m));
	int rc = shop_info(r->db, shop, mall, sizeof(mall), &is_base, shop_name, sizeof(shop_name));
	if (rc == Z_NOTFOUND) {
		rc = web_error(r, 400, web_lang(r, "msg.csv_import.shop_not_found"));
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	const web_value *f2 = web_value_of(r, csv_listings_fields, LISTINGS_FILE2);
	if (f2 && f2->present) {
		if (pack_pair(f, f2, &pair) != Z_OK) {
			rc = Z_NOMEM;
			goto out;
		}
		rc = read_listing_file(r, pair.data, pair.len, mall, shop_name, &m);
	} else {
		rc = read_listing_file(r, f->text, f->len, mall, shop_name, &m);
	}
	if (rc != Z_OK && rc != Z_INVALID)
		goto out;
	if (rc == Z_OK && m.n == 0 && m.errors.n == 0)
		csv_errors_add_text(&m.errors, 0, web_lang(r, "msg.csv_import.no_listings"));
	if (m.errors.n) {
		rc = refuse(r, "listings", shop, &m.errors);
		goto out;
	}
	rc = count_existing(r->db, shop, &m, &existing);
	if (rc != Z_OK)
		goto out;
	pv = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(pv, "list");
	for (size_t i = 0; i < m.n && i < PREVIEW_ROWS; i++) {
		const mallcsv_listing *l = &m.v[i];
		cJSON *row = cJSON_CreateArray();
		cJSON_AddItemToArray(row, cJSON_CreateNumber((double)l->line));
		cJSON_AddItemToArray(row, cJSON_CreateString(l->item_code));
		cJSON_AddItemToArray(row, cJSON_CreateString(l->sub_code));
		cJSON_AddItemToArray(row, cJSON_CreateString(l->sku_code));
		cJSON_AddItemToArray(row, cJSON_CreateString(l->name));
		if (l->has_stock)
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)l->stock));
		else
			cJSON_AddItemToArray(row, cJSON_CreateString(""));
		cJSON_AddItemToArray(list, row);
	}
	cJSON_AddStringToObject(pv, "kind", mallcsv_kind_label(m.kind, r->lang));
	cJSON_AddStringToObject(pv, "encoding", csv_encoding_label(m.encoding, r->lang));
	cJSON_AddNumberToObject(pv, "rows", (double)m.n);
	cJSON_AddNumberToObject(pv, "new", (double)((long long)m.n - existing));
	cJSON_AddNumberToObject(pv, "updated", (double)existing);
	cJSON_AddNumberToObject(pv, "skipped", (double)m.skipped);
	cJSON_AddStringToObject(pv, "base", is_base ? "1" : "0");
	rc = store_job(r, f, "csv_listings", shop, (long long)m.n, pv, "/stock/csv/listings",
	               pair.len ? &pair : NULL);
out:
	buf_free(&pair);
	cJSON_Delete(pv);
	mallcsv_result_free(&m);
	return rc;
}

/* ---- apply ---- */

/* A failed apply's reason is kept as language keys with their arguments (core/smsg.h), so the
 * job's page and its progress answer read in their reader's language. Row errors of a
 * re-check and the stock layer's refusals come as text in the applier's language: they go in
 * as a literal piece, and a reason of such text alone is kept as that text. */

/* Appends the row errors e (or text) to why as a literal piece. */
static void why_text(buf *why, const csv_errors *e, const char *text)
{
	buf t = BUF_INIT;
	if (e)
		csv_errors_join(e, &t);
	smsg_lit(why, e ? buf_str(&t) : text);
	buf_free(&t);
}

/* True when the form m holds a language key (not only literal pieces). */
static bool form_keyed(const char *m)
{
	for (const char *seg = m; seg; seg = strchr(seg, SMSG_RS)) {
		if (*seg == SMSG_RS)
			seg++;
		if (*seg && *seg != SMSG_US)
			return true;
	}
	return false;
}

/* The job's failure: job.error its Japanese text (cut to the column), job.error_msg the form
 * when it holds a key and fits. Only while the job is still this apply's (token). */
static void job_failed(web_request *r, long long job, const char *token, const char *why)
{
	buf ja = BUF_INIT;
	smsg_show(r->cfg, "ja", "", why, &ja);
	bool keep = form_keyed(why) && strlen(why) <= JOB_ERROR_MSG_MAX && smsg_storable(why);
	db_execv(r->db, "UPDATE job SET state = 'failed', error = ?, error_msg = ?, "
	                "lease_until = NULL, lease_token = NULL, updated_at = UTC_TIMESTAMP() "
	                "WHERE id = ? AND state = 'running' AND lease_token = ?",
	         DB_SN(buf_str(&ja), utf8_prefix(buf_str(&ja), ja.len, JOB_ERROR_MAX)),
	         keep ? DB_S(why) : DB_NUL, DB_I(job), DB_S(token));
	buf_free(&ja);
}

/* Progress, written on its own connection so the page sees it while the transaction runs. */
typedef struct {
	db *conn;
	long long job;
	const char *token;    /* the lease token of this apply */
	long long lease;      /* seconds */
} progress;

/* Writes progress and renews the lease, while the job is still this apply's. */
static void progress_set(progress *p, long long done)
{
	if (p->conn)
		db_execv(p->conn,
		         "UPDATE job SET done = ?, lease_until = UTC_TIMESTAMP() + INTERVAL ? SECOND, "
		         "updated_at = UTC_TIMESTAMP() WHERE id = ? AND lease_token = ?",
		         DB_I(done), DB_I(p->lease), DB_I(p->job), DB_S(p->token));
}

/* The share of the progress bar the scratch table's rows take; re-queueing takes the rest. */
#define PROGRESS_LOAD_PART 5

struct totals_progress {
	progress *p;
	long long rows;
};

static void totals_progress(void *vctx, int phase, long long done, long long total)
{
	struct totals_progress *c = vctx;
	long long first = c->rows / PROGRESS_LOAD_PART;
	if (phase == STOCK_PHASE_LOAD)
		progress_set(c->p, done / PROGRESS_LOAD_PART);
	else
		progress_set(c->p, first + (c->rows - first) * done / (total ? total : 1));
}

/* The file's totals and 確保在庫数 through stock_bulk_stock, inside the caller's transaction. A stocktake
 * (absolute) sets the count as of now: an order after the preview is counted in the file's
 * number, as the preview said. */
static int bulk_totals(web_request *r, const stockcsv_totals *t, const sku_info *info,
                       const char *file, progress *p, buf *why, long long *changed)
{
	stock_total_row *rows = calloc(t->n ? t->n : 1, sizeof(*rows));
	stock_total_row *reserves = calloc(t->n ? t->n : 1, sizeof(*reserves));
	size_t nt = 0, nr = 0;
	int rc = Z_NOMEM;
	if (!rows || !reserves)
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].has_value)
			rows[nt++] = (stock_total_row){info[i].id, t->v[i].value};
		if (t->v[i].has_reserve)
			reserves[nr++] = (stock_total_row){info[i].id, t->v[i].reserve};
	}
	struct totals_progress tp = {p, (long long)nt};
	rc = stock_bulk_stock(r->db, rows, nt, reserves, nr, t->mode == STOCKCSV_DELTA, file,
	                      r->user.id, totals_progress, &tp, r->lang, why, changed);
out:
	free(rows);
	free(reserves);
	return rc;
}

static int apply_totals(web_request *r, const char *data, size_t len, const char *mode,
                        const char *file, progress *p, buf *why, long long *changed)
{
	stockcsv_totals t;
	sku_info *info = NULL;
	stockcsv_mode m = !strcmp(mode, "delta") ? STOCKCSV_DELTA : STOCKCSV_ABSOLUTE;
	const csv_limits lim = {.lang = r->lang};
	int rc = stockcsv_parse_totals(data, len, CSV_ENC__MAX, m, &lim, &t);
	if (rc == Z_OK && t.n) {
		info = calloc(t.n, sizeof(*info));
		rc = info ? check_totals(r, &t, info) : Z_NOMEM;
	}
	if (rc == Z_OK && t.errors.n)
		rc = Z_INVALID;
	if (rc == Z_INVALID) {
		why_text(why, &t.errors, NULL);
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	buf refused = BUF_INIT;
	rc = bulk_totals(r, &t, info, file, p, &refused, changed);
	if (refused.len)
		why_text(why, NULL, buf_str(&refused));
	buf_free(&refused);
out:
	free(info);
	stockcsv_totals_free(&t);
	return rc;
}

static int apply_listings(web_request *r, long long shop, const char *data, size_t len,
                          progress *p, buf *why, long long *changed)
{
	mallcsv_result m;
	char mall[32], shop_name[256];
	bool is_base = false;
	stock_listing_row *rows = NULL;
	int rc = shop_info(r->db, shop, mall, sizeof(mall), &is_base, shop_name, sizeof(shop_name));
	memset(&m, 0, sizeof(m));
	if (rc == Z_NOTFOUND) {
		smsg_key(why, "msg.csv_import.shop_gone");
		rc = Z_INVALID;
	}
	if (rc != Z_OK)
		goto out;
	rc = read_listing_file(r, data, len, mall, shop_name, &m);
	if (rc == Z_INVALID || m.errors.n) {
		why_text(why, &m.errors, NULL);
		rc = Z_INVALID;
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	rows = calloc(IMPORT_CHUNK, sizeof(*rows));
	if (!rows) {
		rc = Z_NOMEM;
		goto out;
	}
	for (size_t at = 0; at < m.n && rc == Z_OK; at += IMPORT_CHUNK) {
		size_t k = m.n - at < IMPORT_CHUNK ? m.n - at : IMPORT_CHUNK;
		for (size_t i = 0; i < k; i++)
			rows[i] = listing_row(&m.v[at + i]);
		stock_import_result res;
		memset(&res, 0, sizeof(res));
		rc = stock_import_listings(r->db, shop, rows, (int)k, is_base, &res);
		if (rc == Z_OK && res.rejected) {
			smsg_key(why, "msg.job.rows_rejected");
			smsg_argll(why, res.rejected);
			smsg_argll(why, res.first_error_line);
			smsg_lit(why, " ");
			smsg_key(why, res.first_error);
			rc = Z_INVALID;
		}
		*changed += res.inserted + res.updated;
		progress_set(p, (long long)(at + k));
	}
out:
	free(rows);
	mallcsv_result_free(&m);
	return rc;
}

/* One attempt at applying a stored job inside stock_tx's transaction. A large file locks
 * many SKUs and listings: when it meets an order in a deadlock and is the one rolled back,
 * the whole apply runs again from the stored file. */
struct apply_ctx {
	web_request *r;
	const db_res *job;
	bool totals;
	const char *mode;
	progress *p;
	buf *why;             /* why it failed, as language keys (core/smsg.h) */
	long long *changed;
};

static int apply_tx(db *d, void *vctx)
{
	struct apply_ctx *c = vctx;
	const db_res *j = c->job;
	long long mine = 0;
	buf_reset(c->why);
	*c->changed = 0;
	int rc = c->totals ? apply_totals(c->r, db_get(j, 0, 3), db_len(j, 0, 3), c->mode,
	                                  db_get(j, 0, 2), c->p, c->why, c->changed)
	                   : apply_listings(c->r, db_get_ll(j, 0, 1, 0), db_get(j, 0, 3),
	                                    db_len(j, 0, 3), c->p, c->why, c->changed);
	/* Done commits with the moves, and only while this apply still holds the lease. */
	if (rc == Z_OK)
		rc = db_exec(d,
		             "UPDATE job SET state = 'done', done = total, payload = NULL, "
		             "lease_until = NULL, lease_token = NULL, error = '', error_msg = NULL, "
		             "updated_at = UTC_TIMESTAMP() "
		             "WHERE id = ? AND state = 'running' AND lease_token = ?",
		             DB_ARGS(DB_I(c->p->job), DB_S(c->p->token)), &mine, NULL);
	if (rc == Z_OK && mine != 1) {
		buf_reset(c->why);
		smsg_key(c->why, "msg.csv_import.applied_elsewhere");
		rc = Z_CONFLICT;
	}
	return rc;
}

/* Why a job could not be claimed: 404 when it is not this user's, 409 otherwise. */
static int not_claimed(web_request *r, long long job)
{
	db_res *j = NULL;
	int rc = db_queryv(r->db, &j,
	                   "SELECT state FROM job WHERE id = ? AND user_id = ? "
	                   "AND kind IN ('csv_totals', 'csv_listings')",
	                   DB_I(job), DB_I(r->user.id));
	if (rc != Z_OK)
		return rc;
	const char *state = j->nrows ? db_get(j, 0, 0) : NULL;
	if (!state)
		rc = web_error(r, 404, web_lang(r, "msg.csv_import.job_not_found"));
	else if (!strcmp(state, "running"))
		rc = web_error(r, 409, web_lang(r, "msg.csv_import.running"));
	else
		rc = web_error(r, 409, web_lang(r, "msg.csv_import.already_applied"));
	db_res_free(j);
	return rc;
}

/* POST /stock/csv/apply: applies a stored job once, all or nothing. Its uploader may apply a
 * queued or failed job, or one whose worker died (lease run out). */
int csv_apply_submit(web_request *r)
{
	long long job = web_int_of(r, csv_apply_fields, APPLY_JOB, 0), claimed = 0, changed = 0;
	db_res *j = NULL;
	buf why = BUF_INIT;
	unsigned char raw[16];
	char token[33];
	progress p = {NULL, job, token, lease_seconds(r)};
	cJSON *pv = NULL;
	if (secret_random(raw, sizeof(raw)) != Z_OK)
		return Z_ERR;
	secret_hex(raw, sizeof(raw), token);
	int rc = db_exec(r->db,
	                 "UPDATE job SET state = 'running', done = 0, error = '', error_msg = NULL, "
	                 "lease_token = ?, "
	                 "lease_until = UTC_TIMESTAMP() + INTERVAL ? SECOND, "
	                 "updated_at = UTC_TIMESTAMP() "
	                 "WHERE id = ? AND user_id = ? AND kind IN ('csv_totals', 'csv_listings') "
	                 "AND payload IS NOT NULL AND (state IN ('queued', 'failed') OR "
	                 "state = 'running' AND (lease_until IS NULL OR lease_until < UTC_TIMESTAMP()))",
	                 DB_ARGS(DB_S(token), DB_I(p.lease), DB_I(job), DB_I(r->user.id)), &claimed,
	                 NULL);
	if (rc != Z_OK)
		goto out;
	if (!claimed) {
		rc = not_claimed(r, job);
		goto out;
	}
	rc = db_queryv(r->db, &j, "SELECT kind, shop_id, message, payload, result FROM job WHERE id = ?",
	               DB_I(job));
	if (rc != Z_OK)
		goto out;
	bool totals = !strcmp(db_get(j, 0, 0), "csv_totals");
	pv = cJSON_Parse(db_get(j, 0, 4) ? db_get(j, 0, 4) : "{}");
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(pv, "mode");
	p.conn = db_open(r->cfg);
	struct apply_ctx c = {r, j, totals, cJSON_IsString(mode) ? mode->valuestring : "absolute",
	                      &p, &why, &changed};
	rc = stock_tx(r->db, apply_tx, &c);
	if (rc != Z_OK) {
		/* Still this apply's job (never one a later claim took over, nor one whose COMMIT
		 * went through after all): failed, file kept, to be applied again. */
		bool unknown = db_take_commit_unknown(r->db);
		if (unknown || !why.len) {
			buf_reset(&why);
			smsg_key(&why, unknown ? WEB_MSG_COMMIT_UNKNOWN : "msg.csv_import.apply_failed");
		}
		job_failed(r, job, token, buf_str(&why));
		if (unknown) {
			rc = web_error(r, 503, web_lang(r, WEB_MSG_COMMIT_UNKNOWN));
		} else if (rc == Z_INVALID || rc == Z_CONFLICT) {
			buf msg = BUF_INIT, shown = BUF_INIT;
			smsg_show(r->cfg, web_lang_code(r), "", buf_str(&why), &shown);
			web_langf(r, &msg, "msg.csv_import.not_applied", "%s", buf_str(&shown));
			rc = web_error(r, rc == Z_INVALID ? 400 : 409, buf_str(&msg));
			buf_free(&shown);
			buf_free(&msg);
		}
		goto out;
	}
	log_info("csv: job %lld applied by %s, %lld rows changed", job, r->user.login, changed);
	list_count_cache_clear();
	char to[64];
	snprintf(to, sizeof(to), "/?msg=%s&n=%lld", totals ? "applied" : "imported", changed);
	rc = web_redirect(r, to);
out:
	if (p.conn)
		db_close(p.conn);
	cJSON_Delete(pv);
	buf_free(&why);
	db_res_free(j);
	return rc;
}

/* GET /stock/csv/job (JSON): a job's state and progress, for the progress bar of a CSV apply
 * or of a 一括切替 (list_edit.c). */
int csv_job_json(web_request *r)
{
	db_res *j = NULL;
	int rc = db_queryv(r->db, &j, "SELECT state, total, done, message, error, error_msg FROM job "
	                              "WHERE id = ? "
	                              "AND user_id = ? AND kind IN ('csv_totals', 'csv_listings', 'sync_all')",
	                   DB_I(web_int_of(r, csv_job_fields, JOB_JOB, 0)), DB_I(r->user.id));
	if (rc != Z_OK)
		return rc;
	cJSON *o = cJSON_CreateObject();
	if (!j->nrows) {
		cJSON_AddStringToObject(o, "error", web_lang(r, "msg.csv_import.job_not_found"));
		db_res_free(j);
		return web_json(r, 404, o);
	}
	cJSON_AddStringToObject(o, "state", db_get(j, 0, 0));
	cJSON_AddNumberToObject(o, "total", (double)db_get_ll(j, 0, 1, 0));
	cJSON_AddNumberToObject(o, "done", (double)db_get_ll(j, 0, 2, 0));
	cJSON_AddStringToObject(o, "message", db_get(j, 0, 3));
	buf error = BUF_INIT;
	smsg_show(r->cfg, web_lang_code(r), db_get(j, 0, 4), db_get(j, 0, 5), &error);
	cJSON_AddStringToObject(o, "error", buf_str(&error));
	buf_free(&error);
	db_res_free(j);
	return web_json(r, 200, o);
}
