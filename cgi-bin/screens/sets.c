/* sets: the セット商品 screens — セット登録 (edit, delete, live available stock), CSV取込
 * (preview, then all-or-nothing apply) and CSV出力. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/strnum.h"
#include "core/url.h"
#include "core/utf8.h"
#include "csv/stockcsv.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/stock.h"
#include "stock/stock_sets.h"

/* The screen's bound of parts per set (stock_set_define refuses more than 100). */
#define SET_PARTS_MAX 100
/* Sets shown on one page of the list. */
#define SET_PAGE_ROWS 100
/* Blank part rows the form offers below the known ones (JavaScript adds more). */
#define SET_BLANK_ROWS 3
/* Upload bound of a set CSV and how long a preview may be applied. */
#define SET_CSV_MAX_BYTES (8 << 20)
#define SET_CSV_PREVIEW_MINUTES 60
/* Part rows a form may send, blank ones included (at most SET_PARTS_MAX filled). */
#define SET_PART_ROWS_MAX 1000

enum { EDIT_CODE, EDIT_AFTER, EDIT_MSG, EDIT__N };
const web_field sets_edit_fields[EDIT__N + 1] = {
	[EDIT_CODE] = {.name = "code", .type = WF_TEXT, .max = 128, .label = "msg.label.set_code"},
	[EDIT_AFTER] = {.name = "after", .type = WF_TEXT, .max = 128, .label = "msg.label.page"},
	[EDIT_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

/* The part rows (part_code, part_qty, repeated in step) are declared repeated texts, bounded
 * by the router; read_parts() pairs them and checks the quantities. */
enum { SAVE_CODE, SAVE_NAME, SAVE_ORIGINAL, SAVE_PART_CODE, SAVE_PART_QTY, SAVE__N };
const web_field sets_save_fields[SAVE__N + 1] = {
	[SAVE_CODE] = {.name = "set_code", .type = WF_TEXT, .required = true, .min = 1, .max = 128,
	 .label = "msg.label.set_code"},
	[SAVE_NAME] = {.name = "set_name", .type = WF_TEXT, .max = 255,
	 .label = "msg.label.set_name"},
	[SAVE_ORIGINAL] = {.name = "original", .type = WF_TEXT, .max = 128,
	 .label = "msg.label.editing_set"},
	[SAVE_PART_CODE] = {.name = "part_code", .type = WF_TEXT_LIST, .max = 1000,
	 .max_count = SET_PART_ROWS_MAX,
	 .label = "msg.label.part_code"},
	[SAVE_PART_QTY] = {.name = "part_qty", .type = WF_TEXT_LIST, .max = 1000,
	 .max_count = SET_PART_ROWS_MAX,
	 .label = "msg.label.part_qty"},
	{0},
};

enum { PREVIEW_CODE, PREVIEW_ORIGINAL, PREVIEW_PART_CODE, PREVIEW_PART_QTY, PREVIEW__N };
const web_field sets_preview_fields[PREVIEW__N + 1] = {
	[PREVIEW_CODE] = {.name = "set_code", .type = WF_TEXT, .max = 128,
	 .label = "msg.label.set_code"},
	[PREVIEW_ORIGINAL] = {.name = "original", .type = WF_TEXT, .max = 128,
	 .label = "msg.label.editing_set"},
	[PREVIEW_PART_CODE] = {.name = "part_code", .type = WF_TEXT_LIST, .max = 1000,
	 .max_count = SET_PART_ROWS_MAX,
	 .label = "msg.label.part_code"},
	[PREVIEW_PART_QTY] = {.name = "part_qty", .type = WF_TEXT_LIST, .max = 1000,
	 .max_count = SET_PART_ROWS_MAX,
	 .label = "msg.label.part_qty"},
	{0},
};

enum { DELETE_CODE, DELETE__N };
const web_field sets_delete_fields[DELETE__N + 1] = {
	[DELETE_CODE] = {.name = "set_code", .type = WF_TEXT, .required = true, .min = 1,
	 .max = 128,
	 .label = "msg.label.set_code"},
	{0},
};

enum { IMPORT_FILE, IMPORT__N };
const web_field sets_import_fields[IMPORT__N + 1] = {
	[IMPORT_FILE] = {.name = "file", .type = WF_FILE, .required = true,
	 .max = SET_CSV_MAX_BYTES,
	 .label = "msg.label.csv_file"},
	{0},
};

enum { APPLY_JOB, APPLY__N };
const web_field sets_import_apply_fields[APPLY__N + 1] = {
	[APPLY_JOB] = {.name = "job", .type = WF_INT, .required = true, .min = 1, .max = 1LL << 62,
	 .label = "msg.label.import"},
	{0},
};

static const char *const export_encodings[] = {"cp932", "utf8", NULL};

enum { EXPORT_ENC, EXPORT__N };
const web_field sets_export_fields[EXPORT__N + 1] = {
	[EXPORT_ENC] = {.name = "enc", .type = WF_ENUM, .choices = export_encodings,
	 .label = "msg.label.encoding"},
	{0},
};

static const screen_flash set_flashes[] = {
	{"saved", "msg.sets.saved"},
	{"deleted", "msg.sets.deleted"},
	{NULL, NULL},
};

/* As language keys. */
static const char *const outcome_label[STOCK_SET__MAX] = {"msg.sets.new", "msg.sets.changed",
                                                          "msg.sets.unchanged", "msg.sets.deleted_row"};

/* Pairs the part rows of a form or query (the declared part_code and part_qty lists); rows
 * with both cells blank are skipped. */
static int read_parts(const web_request *r, const web_value *code_list,
                      const web_value *qty_list, stock_set_input **out, int *n, buf *why)
{
	const char *const *codes = code_list ? code_list->texts : NULL;
	const char *const *qtys = qty_list ? qty_list->texts : NULL;
	int nc = code_list ? code_list->count : 0, nq = qty_list ? qty_list->count : 0, rc = Z_OK;
	*out = NULL;
	*n = 0;
	if (nc != nq) {
		buf_puts(why, web_lang(r, "msg.sets.parts_rows"));
		rc = Z_INVALID;
		goto out;
	}
	*out = calloc((size_t)(nc ? nc : 1), sizeof(**out));
	if (!*out) {
		rc = Z_NOMEM;
		goto out;
	}
	for (int i = 0; i < nc; i++) {
		if (!*codes[i] && !*qtys[i])
			continue;
		if (*n >= SET_PARTS_MAX) {
			web_langf(r, why, "msg.sets.parts_count", "%d", SET_PARTS_MAX);
			rc = Z_INVALID;
			goto out;
		}
		stock_set_input *pi = &(*out)[(*n)++];
		pi->code = codes[i];
		pi->qty_text = qtys[i];
		pi->qty_ok = strnum_ll(qtys[i], -STOCK_QTY_MAX, STOCK_QTY_MAX, &pi->qty) == Z_OK;
	}
out:
	return rc;
}

/* ---- セット登録 ---- */

/* Puts the set list (a page after the code `after`) into Page.sets. */
static int load_set_list(web_request *r, const char *after)
{
	db_res *res = NULL;
	char key[128];
	int rc = db_queryv(r->db, &res,
	                   "SELECT s.id, s.code, s.name, GROUP_CONCAT(CONCAT(p.code, ' ×', sp.quantity) "
	                   "ORDER BY p.code SEPARATOR '\x1f') AS parts FROM sku s "
	                   "JOIN set_part sp ON sp.set_sku_id = s.id JOIN sku p ON p.id = sp.part_sku_id "
	                   "WHERE s.is_set = 1 AND s.code > ? GROUP BY s.id, s.code, s.name "
	                   "ORDER BY s.code LIMIT ?",
	                   DB_S(after), DB_I(SET_PAGE_ROWS + 1));
	if (rc != Z_OK)
		return rc;
	int shown = res->nrows > SET_PAGE_ROWS ? SET_PAGE_ROWS : res->nrows;
	for (int i = 0; i < shown && rc == Z_OK; i++) {
		long long avail = 0;
		snprintf(key, sizeof(key), "Page.sets.%d.code", i);
		web_set(r, key, db_get(res, i, 1));
		snprintf(key, sizeof(key), "Page.sets.%d.name", i);
		web_set(r, key, db_get(res, i, 2));
		/* The parts, joined by the reader's separator: "、", or "," and a space (a value in
		 * the language files cannot end in a space). */
		const char *sep = web_lang(r, "sets.parts_sep");
		bool spaced = *sep && (unsigned char)sep[strlen(sep) - 1] < 0x80;
		buf parts = BUF_INIT;
		for (const char *p = db_get(res, i, 3); *p; p++) {
			if (*p != '\x1f')
				buf_putc(&parts, *p);
			else if (buf_puts(&parts, sep) == Z_OK && spaced)
				buf_putc(&parts, ' ');
		}
		snprintf(key, sizeof(key), "Page.sets.%d.parts", i);
		web_set(r, key, buf_str(&parts));
		buf_free(&parts);
		rc = stock_available(r->db, db_get_ll(res, i, 0, 0), &avail);
		snprintf(key, sizeof(key), "Page.sets.%d.available", i);
		web_set_int(r, key, avail);
	}
	if (rc == Z_OK && res->nrows > SET_PAGE_ROWS)
		web_set(r, "Page.next_after", db_get(res, SET_PAGE_ROWS - 1, 1));
	db_res_free(res);
	return rc == Z_NOTFOUND ? Z_OK : rc;
}

/* Puts the parts of the set being edited into Page.parts (from the database). */
static int load_set_parts(web_request *r, const char *code)
{
	db_res *set = NULL, *parts = NULL;
	char key[128];
	int rc = db_queryv(r->db, &set, "SELECT id, code, name FROM sku WHERE code = ? AND is_set = 1",
	                   DB_S(code));
	if (rc != Z_OK)
		goto out;
	if (set->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	long long id = db_get_ll(set, 0, 0, 0), avail = 0;
	web_set(r, "Page.form.code", db_get(set, 0, 1));
	web_set(r, "Page.form.name", db_get(set, 0, 2));
	web_set(r, "Page.form.original", db_get(set, 0, 1));
	if ((rc = stock_available(r->db, id, &avail)) != Z_OK)
		goto out;
	web_set_int(r, "Page.form.available", avail);
	if ((rc = db_queryv(r->db, &parts,
	                    "SELECT p.id, p.code, p.name, sp.quantity FROM set_part sp "
	                    "JOIN sku p ON p.id = sp.part_sku_id WHERE sp.set_sku_id = ? ORDER BY p.code",
	                    DB_I(id))) != Z_OK)
		goto out;
	for (int i = 0; i < parts->nrows && rc == Z_OK; i++) {
		long long part_avail = 0;
		rc = stock_available(r->db, db_get_ll(parts, i, 0, 0), &part_avail);
		snprintf(key, sizeof(key), "Page.parts.%d.code", i);
		web_set(r, key, db_get(parts, i, 1));
		snprintf(key, sizeof(key), "Page.parts.%d.name", i);
		web_set(r, key, db_get(parts, i, 2));
		snprintf(key, sizeof(key), "Page.parts.%d.qty", i);
		web_set(r, key, db_get(parts, i, 3));
		snprintf(key, sizeof(key), "Page.parts.%d.available", i);
		web_set_int(r, key, part_avail);
	}
	web_set_int(r, "Page.nparts", parts->nrows);
out:
	db_res_free(parts);
	db_res_free(set);
	return rc;
}

/* Blank rows after n filled ones, so the form works without JavaScript. */
static void add_blank_rows(web_request *r, int n)
{
	char key[128];
	for (int i = n; i < n + SET_BLANK_ROWS; i++) {
		snprintf(key, sizeof(key), "Page.parts.%d.code", i);
		web_set(r, key, "");
	}
}

static int render_edit(web_request *r)
{
	web_set(r, "Page.title", web_lang(r, "msg.sets.edit_title"));
	return web_render(r, "sets_edit.cs");
}

/* GET /sets/edit: the set list and the editor (a new set, or ?code=). */
int sets_edit_page(web_request *r)
{
	const char *code = web_text_of(r, sets_edit_fields, EDIT_CODE);
	int rc = Z_OK;
	screen_flash_show(r, set_flashes, web_text_of(r, sets_edit_fields, EDIT_MSG));
	if (*code) {
		rc = load_set_parts(r, code);
		if (rc == Z_NOTFOUND)
			return web_error(r, 404, web_lang(r, "msg.sets.not_found"));
		if (rc != Z_OK)
			return rc;
	}
	add_blank_rows(r, (int)hdf_get_int_value(r->hdf, "Page.nparts", 0));
	if ((rc = load_set_list(r, web_text_of(r, sets_edit_fields, EDIT_AFTER))) != Z_OK)
		return rc;
	return render_edit(r);
}

/* Shows the form again with what was entered and the message (status 400). */
static int edit_refused(web_request *r, const stock_set_input *in, int n, const char *message)
{
	char key[128];
	web_set(r, "Page.form.code", web_text_of(r, sets_save_fields, SAVE_CODE));
	web_set(r, "Page.form.name", web_text_of(r, sets_save_fields, SAVE_NAME));
	web_set(r, "Page.form.original", web_text_of(r, sets_save_fields, SAVE_ORIGINAL));
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "Page.parts.%d.code", i);
		web_set(r, key, in[i].code);
		snprintf(key, sizeof(key), "Page.parts.%d.qty", i);
		web_set(r, key, in[i].qty_text);
	}
	add_blank_rows(r, n);
	if (load_set_list(r, "") != Z_OK)
		return Z_ERR;
	web_set(r, "Page.title", web_lang(r, "msg.sets.edit_title"));
	return screen_render_error(r, 400, message, "sets_edit.cs");
}

/* POST /sets/save: creates or replaces a set in one transaction; the form again on refusal. */
int sets_save(web_request *r)
{
	stock_set_input *in = NULL;
	int n = 0, rc;
	buf why = BUF_INIT, next = BUF_INIT;
	const char *code = web_text_of(r, sets_save_fields, SAVE_CODE);
	const char *original = web_text_of(r, sets_save_fields, SAVE_ORIGINAL);
	stock_set_outcome outcome;
	long long set_id = 0;
	if ((rc = read_parts(r, web_value_of(r, sets_save_fields, SAVE_PART_CODE),
	                     web_value_of(r, sets_save_fields, SAVE_PART_QTY), &in, &n, &why)) != Z_OK) {
		if (rc == Z_INVALID)
			rc = edit_refused(r, in, 0, buf_str(&why));
		goto out;
	}
	if (*original && strcmp(original, code)) {
		rc = edit_refused(r, in, n, web_lang(r, "msg.sets.code_fixed"));
		goto out;
	}
	rc = stock_set_save(r->db, r->lang, code, web_text_of(r, sets_save_fields, SAVE_NAME), in, n, !*original, &outcome,
	                    &set_id, &why);
	if (rc == Z_INVALID) {
		rc = edit_refused(r, in, n, buf_str(&why));
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	log_info("sets: user %lld saved set %lld (%s)", r->user.id, set_id, outcome_label[outcome]);
	buf_puts(&next, "/sets/edit?msg=saved&code=");
	url_encode(&next, code, NULL);
	rc = web_redirect(r, buf_str(&next));
out:
	free(in);
	buf_free(&why);
	buf_free(&next);
	return rc;
}

/* POST /sets/delete: deletes a set not used by another set. */
int sets_delete(web_request *r)
{
	buf why = BUF_INIT;
	int rc = stock_set_delete(r->db, r->lang, web_text_of(r, sets_delete_fields, DELETE_CODE), &why);
	if (rc == Z_INVALID)
		rc = web_error(r, 400, buf_str(&why));
	else if (rc == Z_OK) {
		log_info("sets: user %lld deleted a set", r->user.id);
		rc = web_redirect(r, "/sets/edit?msg=deleted");
	}
	buf_free(&why);
	return rc;
}

/* The live figure of the edit form: what the entered parts give, checked exactly as a save
 * would check them (the definition is applied in a transaction that is rolled back). */
int sets_preview_json(web_request *r)
{
	stock_set_input *in = NULL;
	int n = 0, rc;
	buf why = BUF_INIT;
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "parts");
	const char *code = web_text_of(r, sets_preview_fields, PREVIEW_CODE);
	if ((rc = read_parts(r, web_value_of(r, sets_preview_fields, PREVIEW_PART_CODE),
	                     web_value_of(r, sets_preview_fields, PREVIEW_PART_QTY), &in, &n,
	                     &why)) == Z_ERR ||
	    rc == Z_NOMEM)
		goto out;
	/* Rows that do not pair or a quantity that is no number: said like any other refusal
	 * of the preview (not a server error). */
	if (rc == Z_INVALID) {
		cJSON_AddNullToObject(root, "available");
		cJSON_AddStringToObject(root, "error", buf_str(&why));
		rc = web_json(r, 200, root);
		root = NULL;
		goto out;
	}
	for (int i = 0; i < n && rc == Z_OK; i++) {
		db_res *res = NULL;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "code", in[i].code);
		if ((rc = db_queryv(r->db, &res, "SELECT id, name FROM sku WHERE code = ?",
		                    DB_S(in[i].code))) != Z_OK)
			break;
		if (res->nrows) {
			long long avail = 0;
			cJSON_AddStringToObject(o, "name", db_get(res, 0, 1));
			rc = stock_available(r->db, db_get_ll(res, 0, 0, 0), &avail);
			cJSON_AddNumberToObject(o, "available", (double)avail);
		} else {
			cJSON_AddBoolToObject(o, "unknown", 1);
		}
		db_res_free(res);
	}
	if (rc != Z_OK)
		goto out;
	long long set_id = 0, avail = 0;
	db_res *known = NULL;
	if ((rc = db_queryv(r->db, &known, "SELECT id, total, is_set FROM sku WHERE code = ?",
	                    DB_S(code))) != Z_OK)
		goto out;
	set_id = known->nrows ? db_get_ll(known, 0, 0, 0) : 0;
	if (set_id && !db_get_ll(known, 0, 2, 0)) {
		/* Making an ordinary SKU a set retires its total: say so before the save. */
		buf note = BUF_INIT;
		web_langf(r, &note, "msg.sets.making_set", "%s%s", code, db_get(known, 0, 1));
		cJSON_AddStringToObject(root, "note", buf_str(&note));
		buf_free(&note);
	}
	db_res_free(known);
	if (!set_id) {
		/* A code not registered yet (or none typed): nothing can contain it, so no cycle is
		 * possible; the parts are checked as a save checks them, without writing anything. */
		stock_set_part *parts = calloc((size_t)(n ? n : 1), sizeof(*parts));
		long long *pavail = calloc((size_t)(n ? n : 1), sizeof(*pavail));
		int *qty = calloc((size_t)(n ? n : 1), sizeof(*qty));
		if (!parts || !pavail || !qty) {
			rc = Z_NOMEM;
		} else if (*code && !stock_set_code_ok(r->lang, code, "msg.label.set_code", &why)) {
			rc = Z_INVALID;
		} else if (n == 0) {
			buf_puts(&why, web_lang(r, "msg.sets.parts_needed"));
			rc = Z_INVALID;
		} else {
			rc = stock_set_resolve(r->db, r->lang, code, in, n, parts, &why);
		}
		for (int i = 0; rc == Z_OK && i < n; i++) {
			cJSON *a = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, i), "available");
			pavail[i] = a ? (long long)a->valuedouble : 0;
			qty[i] = parts[i].quantity;
		}
		if (rc == Z_OK)
			rc = stock_set_available_calc(pavail, qty, n, &avail);
		free(parts);
		free(pavail);
		free(qty);
		if (rc != Z_OK && rc != Z_INVALID)
			goto out;
	} else {
		/* An existing code: the definition is applied and rolled back, so the cycle and
		 * depth checks are exactly the save's. */
		rc = stock_set_check(r->db, r->lang, code, in, n, !*web_text_of(r, sets_preview_fields, PREVIEW_ORIGINAL), &avail, &why);
		if (rc != Z_OK && rc != Z_INVALID)
			goto out;
	}
	if (rc == Z_OK)
		cJSON_AddNumberToObject(root, "available", (double)avail);
	else
		cJSON_AddNullToObject(root, "available");
	if (rc == Z_INVALID && (*code || n))
		cJSON_AddStringToObject(root, "error", buf_str(&why));
	rc = web_json(r, 200, root);
	root = NULL;
out:
	cJSON_Delete(root);
	free(in);
	buf_free(&why);
	return rc;
}

/* ---- CSV取込 ---- */

/* What stock_set_import did with one set, for the preview and the result page. */
static void show_row(void *ctx, size_t i, const setcsv_set *s, stock_set_outcome outcome,
                     const char *parts_text, long long available)
{
	web_request *r = ctx;
	char key[128];
	snprintf(key, sizeof(key), "Page.rows.%zu.code", i);
	web_set(r, key, s->set_code);
	snprintf(key, sizeof(key), "Page.rows.%zu.name", i);
	web_set(r, key, s->set_name);
	snprintf(key, sizeof(key), "Page.rows.%zu.action", i);
	web_set(r, key, web_lang(r, outcome_label[outcome]));
	snprintf(key, sizeof(key), "Page.rows.%zu.parts", i);
	web_set(r, key, parts_text);
	if (outcome != STOCK_SET_DELETED) {
		snprintf(key, sizeof(key), "Page.rows.%zu.available", i);
		web_set_int(r, key, available);
	}
}

/* Parses and applies a file in one transaction; commits when apply and nothing failed,
 * else rolls back. *refused: the file had errors (listed in Page.errors). */
static int import_file(web_request *r, const char *data, size_t len, bool apply, bool *refused,
                       long long job_id)
{
	setcsv_result sets;
	csv_errors errors = {.lang = r->lang};
	csv_limits lim = {.max_bytes = SET_CSV_MAX_BYTES, .max_rows = 200000, .lang = r->lang};
	int counts[STOCK_SET__MAX] = {0};
	char key[64];
	*refused = false;
	int rc = setcsv_parse(data, len, CSV_ENC__MAX, &lim, &sets);
	if (rc == Z_NOMEM)
		goto out;
	web_set(r, "Page.encoding", csv_encoding_label(sets.encoding, r->lang));
	if (rc == Z_INVALID || sets.errors.n) {
		*refused = true;
		for (size_t i = 0; i < sets.errors.n; i++) {
			snprintf(key, sizeof(key), "Page.errors.%zu", i);
			web_set(r, key, sets.errors.v[i].message);
		}
		if (sets.errors.dropped)
			web_set_int(r, "Page.errors_dropped", (long long)sets.errors.dropped);
		rc = Z_OK;
		goto out;
	}
	if (sets.n == 0) {
		*refused = true;
		web_set(r, "Page.errors.0", web_lang(r, "msg.sets.import_none"));
		goto out;
	}
	if ((rc = db_begin(r->db)) != Z_OK)
		goto out;
	rc = stock_set_import(r->db, &sets, &errors, counts, show_row, r);
	if (rc == Z_OK && errors.n) {
		*refused = true;
		for (size_t i = 0; i < errors.n; i++) {
			snprintf(key, sizeof(key), "Page.errors.%zu", i);
			web_set(r, key, errors.v[i].message);
		}
	}
	if (rc == Z_OK && apply && !*refused && job_id) {
		long long affected = 0;
		/* The file is not needed once applied: the row stays as a record, without it. */
		rc = db_exec(r->db, "UPDATE job SET kind = 'set_csv_done', message = ?, payload = NULL, "
		                    "updated_at = UTC_TIMESTAMP() WHERE id = ? AND kind = 'set_csv_preview'",
		             DB_ARGS(DB_S("applied"), DB_I(job_id)), &affected, NULL);
		if (rc == Z_OK && affected != 1) {
			*refused = true;
			web_set(r, "Page.errors.0", web_lang(r, "msg.sets.import_done"));
		}
	}
	if (rc == Z_OK && apply && !*refused)
		rc = db_commit(r->db);
	else if (db_in_transaction(r->db))
		db_rollback(r->db);
	web_set_int(r, "Page.count.created", counts[STOCK_SET_CREATED]);
	web_set_int(r, "Page.count.changed", counts[STOCK_SET_CHANGED]);
	web_set_int(r, "Page.count.unchanged", counts[STOCK_SET_UNCHANGED]);
	web_set_int(r, "Page.count.deleted", counts[STOCK_SET_DELETED]);
out:
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	csv_errors_free(&errors);
	setcsv_result_free(&sets);
	return rc;
}

/* GET /sets/import: the upload form. */
int sets_import_page(web_request *r)
{
	web_set(r, "Page.title", web_lang(r, "msg.sets.import_title"));
	return web_render(r, "sets_import.cs");
}

/* POST /sets/import: checks the file by applying it in a rolled-back transaction, and keeps
 * it in a job row for the apply button. */
int sets_import_preview(web_request *r)
{
	const web_value *file = web_value_of(r, sets_import_fields, IMPORT_FILE);
	bool refused = false;
	long long job_id = 0;
	web_set(r, "Page.title", web_lang(r, "msg.sets.import_title"));
	web_set(r, "Page.filename", file->filename);
	int rc = import_file(r, file->text, file->len, false, &refused, 0);
	if (rc != Z_OK)
		return rc;
	if (refused) {
		r->status = 400;
		web_set(r, "Page.refused", "1");
		return web_render(r, "sets_import.cs");
	}
	/* The file waits in a job row until the user confirms the preview; previews never
	 * confirmed are dropped once they can no longer be applied. */
	rc = db_execv(r->db, "DELETE FROM job WHERE kind = 'set_csv_preview' AND "
	                     "created_at < UTC_TIMESTAMP() - INTERVAL ? MINUTE",
	              DB_I(SET_CSV_PREVIEW_MINUTES));
	if (rc != Z_OK)
		return rc;
	rc = db_exec(r->db, "INSERT INTO job (kind, state, user_id, total, message, payload, "
	                    "created_at, updated_at) VALUES ('set_csv_preview', 'done', ?, 0, ?, ?, "
	                    "UTC_TIMESTAMP(), UTC_TIMESTAMP())",
	             DB_ARGS(DB_I(r->user.id), DB_SN(file->filename, utf8_prefix(file->filename,
	                                                  strlen(file->filename), 900)),
	                     DB_SN(file->text, file->len)),
	             NULL, &job_id);
	if (rc != Z_OK)
		return rc;
	web_set_int(r, "Page.job", job_id);
	web_set(r, "Page.preview", "1");
	return web_render(r, "sets_import.cs");
}

/* POST /sets/import/apply: applies the previewed file of this user, all or nothing, once. */
int sets_import_apply(web_request *r)
{
	db_res *job = NULL;
	bool refused = false;
	long long job_id = web_int_of(r, sets_import_apply_fields, APPLY_JOB, 0);
	web_set(r, "Page.title", web_lang(r, "msg.sets.import_title"));
	int rc = db_queryv(r->db, &job,
	                   "SELECT payload, message FROM job WHERE id = ? AND kind = 'set_csv_preview' "
	                   "AND user_id = ? AND created_at > UTC_TIMESTAMP() - INTERVAL ? MINUTE",
	                   DB_I(job_id), DB_I(r->user.id), DB_I(SET_CSV_PREVIEW_MINUTES));
	if (rc != Z_OK)
		return rc;
	if (job->nrows == 0) {
		db_res_free(job);
		return web_error(r, 409, web_lang(r, "msg.sets.import_expired"));
	}
	web_set(r, "Page.filename", db_get(job, 0, 1));
	rc = import_file(r, db_get(job, 0, 0) ? db_get(job, 0, 0) : "", db_len(job, 0, 0), true,
	                 &refused, job_id);
	db_res_free(job);
	if (rc != Z_OK)
		return rc;
	if (refused) {
		r->status = 409;
		web_set(r, "Page.refused", "1");
	} else {
		web_set(r, "Page.applied", "1");
		log_info("sets: user %lld imported set CSV job %lld", r->user.id, job_id);
	}
	return web_render(r, "sets_import.cs");
}

/* ---- CSV出力 ---- */

int sets_export_page(web_request *r)
{
	long long n = 0;
	if (db_query_ll(r->db, "SELECT COUNT(*) FROM sku WHERE is_set = 1", NULL, 0, 0, &n) != Z_OK)
		return Z_ERR;
	web_set(r, "Page.title", web_lang(r, "msg.sets.export_title"));
	web_set_int(r, "Page.count", n);
	return web_render(r, "sets_export.cs");
}

/* GET /sets/export/download: every set as CSV, CP932 (default) or UTF-8 with BOM. */
int sets_export_download(web_request *r)
{
	db_res *res = NULL;
	setcsv_set *sets = NULL;
	setcsv_part *parts = NULL;
	size_t nsets = 0;
	buf out = BUF_INIT;
	csv_writer w;
	bool utf8 = web_int_of(r, sets_export_fields, EXPORT_ENC, 0) == 1;
	int rc = db_query(r->db,
	                  "SELECT s.code, s.name, p.code, sp.quantity FROM sku s "
	                  "JOIN set_part sp ON sp.set_sku_id = s.id JOIN sku p ON p.id = sp.part_sku_id "
	                  "WHERE s.is_set = 1 ORDER BY s.code, p.code",
	                  NULL, 0, &res);
	if (rc != Z_OK)
		return rc;
	csv_writer_init(&w, &out, utf8 ? CSV_OUT_UTF8_BOM : CSV_OUT_CP932);
	sets = calloc((size_t)(res->nrows ? res->nrows : 1), sizeof(*sets));
	parts = calloc((size_t)(res->nrows ? res->nrows : 1), sizeof(*parts));
	if (!sets || !parts) {
		rc = Z_NOMEM;
		goto out;
	}
	/* The rows are in set order, so each set's parts are one run of the parts array. */
	for (int i = 0; i < res->nrows; i++) {
		if (!nsets || strcmp(sets[nsets - 1].set_code, db_get(res, i, 0))) {
			setcsv_set *s = &sets[nsets++];
			s->set_code = (char *)db_get(res, i, 0);
			s->set_name = (char *)db_get(res, i, 1);
			s->parts = &parts[i];
		}
		parts[i].part_code = (char *)db_get(res, i, 2);
		parts[i].quantity = (int)db_get_ll(res, i, 3, 0);
		sets[nsets - 1].nparts++;
	}
	rc = setcsv_write(&w, sets, nsets);
	if (rc == Z_INVALID) {
		buf msg = BUF_INIT;
		web_langf(r, &msg, "msg.sets.not_encodable", "%zu", w.bad_row);
		rc = web_error(r, 422, buf_str(&msg));
		buf_free(&msg);
		goto out;
	}
	if (rc == Z_OK)
		rc = web_download(r, utf8 ? "text/csv; charset=utf-8" : "text/csv; charset=Shift_JIS",
		                  "sets.csv", &out);
out:
	csv_writer_free(&w);
	buf_free(&out);
	free(sets);
	free(parts);
	db_res_free(res);
	return rc;
}
