/* stock_sets: セット商品 as the screens and commands define them by code — one set saved or
 * deleted, a set file imported — over stock_set_define, with reasons for refusals in the
 * caller's language (the msg.stock_sets texts of the language files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/utf8.h"
#include "stock/stock_int.h"
#include "stock/stock_sets.h"

/* Checks a set code as the stock core will (1..128 characters, no controls, no edge
 * spaces), with a message. */
bool stock_set_code_ok(const char *lang, const char *code, const char *what, buf *why)
{
	size_t len = strlen(code);
	const char *label = lang_get(NULL, lang, what);
	if (!label)
		label = what;
	if (!len) {
		lang_textf(NULL, lang, why, "msg.stock_sets.code_needed", "%s", label);
		return false;
	}
	if (!utf8_valid_text(code, len) || utf8_count(code, len) > 128 || strpbrk(code, "\t\r\n") ||
	    code[0] == ' ' || code[len - 1] == ' ') {
		lang_textf(NULL, lang, why, "msg.stock_sets.code_bad", "%s%s", label, code);
		return false;
	}
	return true;
}

/* The text of a stock core refusal (a language key, static) in lang; fallback for none. */
static const char *core_text(const char *lang, const char *key, const char *fallback)
{
	const char *s = lang_get(NULL, lang, key ? key : fallback);
	return s ? s : key ? key : fallback;
}

/* Resolves the part codes to SKU ids, with a message naming the first bad row. */
int stock_set_resolve(db *d, const char *lang, const char *set_code, const stock_set_input *in,
                      int n, stock_set_part *parts, buf *why)
{
	for (int i = 0; i < n; i++) {
		const char *code = in[i].code;
		if (!stock_set_code_ok(lang, code, "msg.label.part_code", why))
			return Z_INVALID;
		if (!strcmp(code, set_code)) {
			lang_textf(NULL, lang, why, "msg.stock_sets.part_is_set", "%s", code);
			return Z_INVALID;
		}
		if (!in[i].qty_ok || in[i].qty <= 0 || in[i].qty > STOCK_PART_QTY_MAX) {
			lang_textf(NULL, lang, why, "msg.stock_sets.part_qty", "%s%d%s", code,
			           STOCK_PART_QTY_MAX, in[i].qty_text ? in[i].qty_text : "");
			return Z_INVALID;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(in[j].code, code)) {
				lang_textf(NULL, lang, why, "msg.stock_sets.part_twice", "%s", code);
				return Z_INVALID;
			}
		long long id = 0;
		if (db_query_ll(d, "SELECT id FROM sku WHERE code = ?", DB_ARGS(DB_S(code)), 0, &id) !=
		    Z_OK)
			return Z_ERR;
		if (!id) {
			lang_textf(NULL, lang, why, "msg.stock_sets.part_unknown", "%s", code);
			return Z_INVALID;
		}
		parts[i].part_sku_id = id;
		parts[i].quantity = (int)in[i].qty;
	}
	return Z_OK;
}

/* True when the stored parts of set_id are exactly parts[0..n). */
static int same_parts(db *d, long long set_id, const stock_set_part *parts, int n, bool *same)
{
	db_res *res = NULL;
	*same = false;
	if (db_queryv(d, &res, "SELECT part_sku_id, quantity FROM set_part WHERE set_sku_id = ?",
	              DB_I(set_id)) != Z_OK)
		return Z_ERR;
	if (res->nrows == n) {
		int found = 0;
		for (int i = 0; i < res->nrows; i++)
			for (int k = 0; k < n; k++)
				if (parts[k].part_sku_id == db_get_ll(res, i, 0, 0) &&
				    parts[k].quantity == db_get_ll(res, i, 1, 0))
					found++;
		*same = found == n;
	}
	db_res_free(res);
	return Z_OK;
}

/* Defines (creates or replaces) one set inside the caller's transaction. A new code gets a
 * SKU (total 0); a name, when given, replaces the stored one. is_new: the form for a new set
 * (refuses an existing set). Z_OK with *outcome and *set_id; Z_INVALID with why; Z_ERR. */
static int set_save_tx(db *d, const char *lang, const char *set_code, const char *set_name,
                       const stock_set_input *in, int n, bool is_new, stock_set_outcome *outcome,
                       long long *set_id, buf *why)
{
	db_res *res = NULL;
	stock_set_part *parts = NULL;
	const char *core_why = NULL;
	int rc;
	*set_id = 0;
	if (!stock_set_code_ok(lang, set_code, "msg.label.set_code", why))
		return Z_INVALID;
	if (n == 0) {
		buf_puts(why, lang_text(lang, "msg.stock_sets.parts_needed"));
		return Z_INVALID;
	}
	if (!(parts = calloc((size_t)n, sizeof(*parts))))
		return Z_NOMEM;
	if ((rc = stock_set_resolve(d, lang, set_code, in, n, parts, why)) != Z_OK)
		goto out;
	if ((rc = db_queryv(d, &res, "SELECT id, name, is_set FROM sku WHERE code = ? FOR UPDATE",
	                    DB_S(set_code))) != Z_OK)
		goto out;
	if (res->nrows == 0) {
		rc = stock_sku_create(d, set_code, set_name, 0, set_id);
		if (rc == Z_INVALID)
			lang_textf(NULL, lang, why, "msg.stock_sets.code_refused", "%s", set_code);
		if (rc == Z_CONFLICT) {
			/* Another request created the code a moment ago. */
			lang_textf(NULL, lang, why, "msg.stock_sets.code_raced", "%s", set_code);
			rc = Z_INVALID;
		}
		if (rc != Z_OK)
			goto out;
		*outcome = STOCK_SET_CREATED;
	} else {
		*set_id = db_get_ll(res, 0, 0, 0);
		bool was_set = db_get_ll(res, 0, 2, 0) != 0;
		if (is_new && was_set) {
			lang_textf(NULL, lang, why, "msg.stock_sets.code_taken", "%s", set_code);
			rc = Z_INVALID;
			goto out;
		}
		bool same = false;
		if ((rc = same_parts(d, *set_id, parts, n, &same)) != Z_OK)
			goto out;
		bool renamed = *set_name && strcmp(set_name, db_get(res, 0, 1));
		*outcome = same && was_set && !renamed ? STOCK_SET_UNCHANGED : STOCK_SET_CHANGED;
		if (renamed &&
		    ((rc = db_execv(d, "UPDATE sku SET name = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
		                    DB_S(set_name), DB_I(*set_id))) != Z_OK ||
		     (rc = stock_refresh_search_doc(d, *set_id)) != Z_OK))
			goto out;
		if (same && was_set)
			goto out;
	}
	rc = stock_set_define(d, *set_id, parts, n, &core_why);
	if (rc == Z_INVALID || rc == Z_NOTFOUND) {
		lang_textf(NULL, lang, why, "msg.stock_sets.set_refused", "%s%s", set_code,
		           core_text(lang, core_why, "msg.stock_sets.cannot_save"));
		rc = Z_INVALID;
	}
out:
	free(parts);
	db_res_free(res);
	return rc;
}

/* Deletes a set inside the caller's transaction: its parts go, and its SKU too when nothing
 * else refers to it (no listing linked, no stock moves); else it stays as an ordinary SKU. */
static int set_delete_tx(db *d, const char *lang, const char *set_code, buf *why)
{
	db_res *res = NULL, *users = NULL;
	const char *core_why = NULL;
	long long refs = 0;
	int rc = db_queryv(d, &res, "SELECT id, is_set FROM sku WHERE code = ? FOR UPDATE",
	                   DB_S(set_code));
	if (rc != Z_OK)
		goto out;
	if (res->nrows == 0 || !db_get_ll(res, 0, 1, 0)) {
		lang_textf(NULL, lang, why, "msg.stock_sets.not_a_set", "%s", set_code);
		rc = Z_INVALID;
		goto out;
	}
	long long id = db_get_ll(res, 0, 0, 0);
	if ((rc = db_queryv(d, &users,
	                    "SELECT s.code FROM set_part sp JOIN sku s ON s.id = sp.set_sku_id "
	                    "WHERE sp.part_sku_id = ? ORDER BY s.code LIMIT 1",
	                    DB_I(id))) != Z_OK)
		goto out;
	if (users->nrows) {
		lang_textf(NULL, lang, why, "msg.stock_sets.used_by", "%s%s", set_code,
		           db_get(users, 0, 0));
		rc = Z_INVALID;
		goto out;
	}
	if ((rc = stock_set_define(d, id, NULL, 0, &core_why)) != Z_OK) {
		if (rc == Z_INVALID)
			buf_puts(why, core_text(lang, core_why, "msg.stock_sets.cannot_delete"));
		goto out;
	}
	if ((rc = db_query_ll(d, "SELECT (SELECT COUNT(*) FROM listing WHERE sku_id = ?) + "
	                         "(SELECT COUNT(*) FROM stock_move WHERE sku_id = ?)",
	                      DB_ARGS(DB_I(id), DB_I(id)), 0, &refs)) != Z_OK)
		goto out;
	if (refs == 0)
		rc = db_execv(d, "DELETE FROM sku WHERE id = ?", DB_I(id));
out:
	db_res_free(users);
	db_res_free(res);
	return rc;
}

int stock_set_import(db *d, const setcsv_result *sets, csv_errors *errors,
                     int counts[STOCK_SET__MAX], stock_set_row_fn row, void *ctx)
{
	int rc = Z_OK;
	buf why = BUF_INIT, parts_text = BUF_INIT;
	if (!db_in_transaction(d))
		return Z_ERR;
	bool *created = calloc(sets->n ? sets->n : 1, sizeof(*created));
	if (!created)
		return Z_NOMEM;
	/* Every new set code gets its SKU first, so sets may name sets that appear later. */
	for (size_t i = 0; i < sets->n && rc == Z_OK; i++) {
		const setcsv_set *s = &sets->v[i];
		long long id = 0;
		if (s->delete)
			continue;
		buf_reset(&why);
		if (!stock_set_code_ok(errors->lang, s->set_code, "msg.label.set_code", &why)) {
			csv_errors_add_text(errors, s->line, buf_str(&why));
			continue;
		}
		if ((rc = db_query_ll(d, "SELECT id FROM sku WHERE code = ?",
		                      DB_ARGS(DB_S(s->set_code)), 0, &id)) != Z_OK)
			break;
		if (utf8_count(s->set_name, strlen(s->set_name)) > 255) {
			csv_errors_add_key(errors, s->line, "msg.stock_sets.name_long");
			continue;
		}
		if (!id) {
			rc = stock_sku_create(d, s->set_code, s->set_name, 0, &id);
			created[i] = rc == Z_OK;
			if (rc == Z_INVALID || rc == Z_CONFLICT) {
				csv_errors_add(errors, s->line, "msg.stock_sets.code_refused", "%s",
				               s->set_code);
				rc = Z_OK;
			}
		}
	}
	/* A file with bad set codes or names goes no further: its errors are all reported. */
	if (rc == Z_OK && errors->n)
		goto out;
	for (size_t i = 0; i < sets->n && rc == Z_OK; i++) {
		const setcsv_set *s = &sets->v[i];
		stock_set_input *in = calloc(s->nparts ? s->nparts : 1, sizeof(*in));
		stock_set_outcome outcome = STOCK_SET_DELETED;
		long long set_id = 0, avail = 0;
		if (!in) {
			rc = Z_NOMEM;
			break;
		}
		buf_reset(&why);
		buf_reset(&parts_text);
		for (size_t k = 0; k < s->nparts; k++) {
			in[k].code = s->parts[k].part_code;
			in[k].qty = s->parts[k].quantity;
			in[k].qty_ok = true;
			in[k].qty_text = "";
			lang_textf(NULL, errors->lang, &parts_text,
			           k ? "msg.stock_sets.part_next" : "msg.stock_sets.part_first", "%s%d",
			           s->parts[k].part_code, s->parts[k].quantity);
		}
		if (s->delete)
			rc = set_delete_tx(d, errors->lang, s->set_code, &why);
		else
			rc = set_save_tx(d, errors->lang, s->set_code, s->set_name, in, (int)s->nparts,
			                 false, &outcome, &set_id, &why);
		free(in);
		if (rc == Z_INVALID) {
			/* Name the row of the part at fault when the message names a part. */
			size_t line = s->line;
			for (size_t k = 0; k < s->nparts; k++)
				if (strstr(buf_str(&why), s->parts[k].part_code) &&
				    strcmp(s->parts[k].part_code, s->set_code)) {
					line = s->parts[k].line;
					break;
				}
			csv_errors_add_text(errors, line, buf_str(&why));
			rc = Z_OK;
			continue;
		}
		if (rc != Z_OK)
			break;
		/* Sets whose SKU the first pass created report as new. */
		if (outcome == STOCK_SET_CHANGED && created[i])
			outcome = STOCK_SET_CREATED;
		if (outcome != STOCK_SET_DELETED && (rc = stock_available(d, set_id, &avail)) != Z_OK)
			break;
		counts[outcome]++;
		if (row)
			row(ctx, i, s, outcome, buf_str(&parts_text), avail);
	}
out:
	free(created);
	buf_free(&why);
	buf_free(&parts_text);
	return rc;
}


struct save_ctx {
	const char *lang, *set_code, *set_name;
	const stock_set_input *in;
	int n;
	bool is_new;
	stock_set_outcome *outcome;
	long long *set_id;
	buf *why;
};

static int save_attempt(db *d, void *vctx)
{
	struct save_ctx *c = vctx;
	buf_reset(c->why);
	return set_save_tx(d, c->lang, c->set_code, c->set_name, c->in, c->n, c->is_new, c->outcome,
	                   c->set_id, c->why);
}

int stock_set_save(db *d, const char *lang, const char *set_code, const char *set_name,
                   const stock_set_input *in, int n, bool is_new, stock_set_outcome *outcome,
                   long long *set_id, buf *why)
{
	struct save_ctx c = {lang, set_code, set_name, in, n, is_new, outcome, set_id, why};
	return stock_tx(d, save_attempt, &c);
}

int stock_set_check(db *d, const char *lang, const char *set_code, const stock_set_input *in,
                    int n, bool is_new, long long *available, buf *why)
{
	stock_set_outcome outcome;
	long long set_id = 0;
	*available = 0;
	int rc = db_begin(d);
	if (rc != Z_OK)
		return rc;
	rc = set_save_tx(d, lang, set_code, "", in, n, is_new, &outcome, &set_id, why);
	if (rc == Z_OK)
		rc = stock_available(d, set_id, available);
	db_rollback(d);
	return rc;
}

struct delete_ctx {
	const char *lang, *set_code;
	buf *why;
};

static int delete_attempt(db *d, void *vctx)
{
	struct delete_ctx *c = vctx;
	buf_reset(c->why);
	return set_delete_tx(d, c->lang, c->set_code, c->why);
}

int stock_set_delete(db *d, const char *lang, const char *set_code, buf *why)
{
	struct delete_ctx c = {lang, set_code, why};
	return stock_tx(d, delete_attempt, &c);
}
