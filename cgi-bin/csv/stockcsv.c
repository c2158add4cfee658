/* csv/stockcsv: reading and writing the 総在庫数 一括更新 file and the セット商品 CSV. */
#include <stdlib.h>
#include <string.h>
#include "core/hmap.h"
#include "core/strnum.h"
#include "csv/stockcsv.h"

/* ---- Shared opening: decode, read the header ------------------------------------------------ */

typedef struct {
	buf text;
	csv_reader r;
	csv_header h;
	bool reader_open;
} opened;

/* Decodes data and reads its header row. Z_OK, Z_INVALID (reason added to errors), Z_NOMEM.
 * Always call close_file. */
static int open_file(opened *f, const char *data, size_t len, csv_encoding *enc,
		const csv_limits *lim, csv_errors *errors)
{
	memset(f, 0, sizeof *f);
	csv_limits l;
	int rc = csv_decode_upload(data, len, enc, lim, &f->text, &l, errors);
	if (rc != Z_OK)
		return rc;
	f->reader_open = true;
	if ((rc = csv_reader_init(&f->r, buf_str(&f->text), f->text.len, &l)) != Z_OK)
		return rc;
	rc = csv_next(&f->r);
	if (rc == 0) {
		csv_errors_add_key(errors, 0, "msg.csv.empty");
		return Z_INVALID;
	}
	if (rc < 0) {
		if (rc == Z_INVALID)
			csv_errors_add_text(errors, 0, buf_str(&f->r.error));
		return rc;
	}
	return csv_header_load(&f->h, &f->r);
}

static void close_file(opened *f)
{
	csv_header_free(&f->h);
	if (f->reader_open)
		csv_reader_free(&f->r);
	buf_free(&f->text);
}

/* The trimmed, unguarded cell i of the current row, copied; "" for a missing column. */
static char *cell_dup(const csv_reader *r, int i)
{
	char *t = csv_trim_dup(csv_get(r, i));
	if (!t)
		return NULL;
	const char *u = csv_unguard(t);
	if (u != t)
		memmove(t, u, strlen(u) + 1);
	return t;
}

/* ---- 総在庫数 ------------------------------------------------------------------------------- */

void stockcsv_totals_free(stockcsv_totals *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].sku_code);
	free(t->v);
	csv_errors_free(&t->errors);
	memset(t, 0, sizeof *t);
}

/* Checks one value text against the mode; Z_OK with *v, or adds a row error. signed_ok
 * (a file of CSV出力, whose totals may be below 0) lets an absolute total carry a '-'. */
static bool parse_total(const char *typed, stockcsv_mode mode, bool signed_ok, size_t line,
		csv_errors *e, long long *v)
{
	/* Numbers are read as the edit boxes read them: full-width digits and signs count. */
	char folded[64];
	const char *s = strnum_fold(typed, folded, sizeof folded) == Z_OK ? folded : typed;
	if (!*s) {
		csv_errors_add_key(e, line, "msg.csv.total_empty");
		return false;
	}
	bool sign = s[0] == '+' || s[0] == '-';
	if (mode == STOCKCSV_DELTA && !sign) {
		csv_errors_add(e, line, "msg.csv.delta_sign", "%.*s",
				csv_clip(typed, 40), typed);
		return false;
	}
	if (mode == STOCKCSV_ABSOLUTE && sign && !(signed_ok && s[0] == '-')) {
		csv_errors_add(e, line, "msg.csv.total_signed", "%.*s",
				csv_clip(typed, 40), typed);
		return false;
	}
	long long min = mode == STOCKCSV_DELTA || signed_ok ? -STOCKCSV_MAX_TOTAL : 0;
	if (strnum_ll(s, min, STOCKCSV_MAX_TOTAL, v) != Z_OK) {
		if (strnum_ll(s, -9223372036854775807LL, 9223372036854775807LL, v) == Z_OK)
			csv_errors_add(e, line, "msg.csv.total_range", "%lld%lld", min,
					STOCKCSV_MAX_TOTAL);
		else
			csv_errors_add(e, line, "msg.csv.total_nan", "%.*s", csv_clip(typed, 40),
					typed);
		return false;
	}
	return true;
}

/* Reads a 確保在庫数 cell: 0..STOCKCSV_MAX_TOTAL without a sign; or adds a row error. */
static bool parse_reserve(const char *typed, size_t line, csv_errors *e, long long *v)
{
	char folded[64];
	const char *s = strnum_fold(typed, folded, sizeof folded) == Z_OK ? folded : typed;
	if (s[0] == '+' || s[0] == '-') {
		csv_errors_add(e, line, "msg.csv.reserve_signed", "%lld%.*s",
				STOCKCSV_MAX_TOTAL, csv_clip(typed, 40), typed);
		return false;
	}
	if (strnum_ll(s, 0, STOCKCSV_MAX_TOTAL, v) != Z_OK) {
		if (strnum_ll(s, 0, 9223372036854775807LL, v) == Z_OK)
			csv_errors_add(e, line, "msg.csv.reserve_range", "%lld", STOCKCSV_MAX_TOTAL);
		else
			csv_errors_add(e, line, "msg.csv.reserve_nan", "%.*s", csv_clip(typed, 40),
					typed);
		return false;
	}
	return true;
}

/* Appends row, taking its code on Z_OK; seen maps each code to its row. Z_OK or Z_NOMEM. */
static int add_total(stockcsv_totals *out, hmap *seen, const stockcsv_row *row)
{
	array_grow(&out->v, &out->cap, out->n, sizeof *out->v);
	hmap_puts(seen, row->sku_code, out->n);
	out->v[out->n++] = *row;
	return Z_OK;
}

int stockcsv_parse_totals(const char *data, size_t len, csv_encoding enc, stockcsv_mode mode,
		const csv_limits *lim, stockcsv_totals *out)
{
	memset(out, 0, sizeof *out);
	out->mode = mode;
	opened f;
	hmap seen = {0};
	char *code = NULL, *value = NULL, *reserve = NULL;
	int rc = open_file(&f, data, len, &enc, lim, &out->errors);
	out->encoding = enc;
	if (rc != Z_OK)
		goto out;
	int ci = csv_header_find_any(&f.h, (const char *const[]){"SKUコード", "SKU", "sku_code",
			NULL});
	int ti = csv_header_find_any(&f.h, (const char *const[]){"総在庫数", "total",
			"total_stock", NULL});
	int ri = csv_header_find_any(&f.h, (const char *const[]){"確保在庫数", "確保在庫",
			"reserve", NULL});
	out->has_total_column = ti >= 0;
	out->has_reserve_column = ri >= 0;
	if (ci < 0 || (ti < 0 && ri < 0)) {
		rc = Z_INVALID;
		csv_errors_add_key(&out->errors, f.h.line, "msg.csv.totals_header");
		goto out;
	}
	if (ri >= 0 && mode == STOCKCSV_DELTA) {
		rc = Z_INVALID;
		csv_errors_add_key(&out->errors, f.h.line, "msg.csv.reserve_delta");
		goto out;
	}
	/* A file of CSV出力 (商品コード beside the two columns) repeats a SKU's total on each of
	 * its listings' rows, leaves it blank on listings without a SKU, and may hold totals
	 * below 0 (oversold): it goes back unchanged. */
	bool exported = csv_header_find(&f.h, "商品コード") >= 0;
	out->exported = exported;
	while ((rc = csv_next(&f.r)) == 1) {
		if (csv_row_blank(&f.r))
			continue;
		size_t line = f.r.row_line;
		if (exported && ti >= 0 && !*csv_get(&f.r, ti))
			continue;
		code = cell_dup(&f.r, ci);
		value = csv_trim_dup(ti >= 0 ? csv_get(&f.r, ti) : "");
		reserve = csv_trim_dup(ri >= 0 ? csv_get(&f.r, ri) : "");
		if (!code || !value || !reserve) {
			rc = Z_NOMEM;
			goto out;
		}
		stockcsv_row row = {.sku_code = code, .line = line};
		bool good = true;
		if (!*code) {
			csv_errors_add_key(&out->errors, line, "msg.csv.code_empty");
			good = false;
		} else if (ti >= 0 && ri >= 0 && !*value && !*reserve) {
			csv_errors_add_key(&out->errors, line, "msg.csv.both_empty");
			good = false;
		} else if (ti < 0 && !*reserve) {
			csv_errors_add_key(&out->errors, line, "msg.csv.reserve_empty");
			good = false;
		} else {
			/* With a 確保在庫数 column a blank total leaves the total as it is. */
			if (ti >= 0 && (*value || ri < 0)) {
				row.has_value = parse_total(value, mode,
						exported && mode == STOCKCSV_ABSOLUTE, line, &out->errors,
						&row.value);
				good = row.has_value;
			}
			if (ri >= 0 && *reserve) {
				row.has_reserve = parse_reserve(reserve, line, &out->errors, &row.reserve);
				good = good && row.has_reserve;
			}
		}
		if (good) {
			size_t prev = hmap_gets(&seen, code);
			const stockcsv_row *p = prev != HMAP_NONE ? &out->v[prev] : NULL;
			if (p && exported && mode == STOCKCSV_ABSOLUTE && p->has_value == row.has_value &&
					p->value == row.value && p->has_reserve == row.has_reserve &&
					p->reserve == row.reserve)
				; /* the same SKU columns on another listing's row of the SKU */
			else if (p)
				csv_errors_add(&out->errors, line, "msg.csv.code_twice", "%.*s%zu",
						csv_clip(code, 60), code, p->line);
			else if ((rc = add_total(out, &seen, &row)) != Z_OK)
				goto out;
			else
				code = NULL;
		}
		free(code);
		free(value);
		free(reserve);
		code = value = reserve = NULL;
	}
	if (rc == Z_INVALID)
		csv_errors_add_text(&out->errors, 0, buf_str(&f.r.error));
	if (rc == 0)
		rc = Z_OK;
out:
	if (rc != Z_OK) {
		/* Half a file must not look like a whole one. */
		for (size_t i = 0; i < out->n; i++)
			free(out->v[i].sku_code);
		out->n = 0;
	}
	free(code);
	free(value);
	free(reserve);
	hmap_free(&seen);
	close_file(&f);
	return rc;
}

int stockcsv_write_totals(csv_writer *w, const char *const *codes, const long long *totals,
		size_t n)
{
	int rc = csv_writer_row(w, (const char *const[]){"SKUコード", "総在庫数"}, 2);
	for (size_t i = 0; i < n && rc == Z_OK; i++) {
		if ((rc = csv_writer_str(w, codes[i])) != Z_OK ||
				(rc = csv_writer_ll(w, totals[i])) != Z_OK)
			break;
		rc = csv_writer_end_row(w);
	}
	return rc;
}

/* ---- セット商品 ------------------------------------------------------------------------------- */

void setcsv_result_free(setcsv_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		setcsv_set *s = &r->v[i];
		free(s->set_code);
		free(s->set_name);
		for (size_t j = 0; j < s->nparts; j++)
			free(s->parts[j].part_code);
		free(s->parts);
	}
	free(r->v);
	csv_errors_free(&r->errors);
	memset(r, 0, sizeof *r);
}

/* Reads the 削除 cell: 1 = delete, 0 = keep, -1 = not understood. */
static int delete_flag(const char *s)
{
	if (!*s || strcmp(s, "0") == 0)
		return 0;
	if (strcmp(s, "1") == 0 || strcmp(s, "削除") == 0 || strcasecmp(s, "d") == 0 ||
			strcasecmp(s, "delete") == 0)
		return 1;
	return -1;
}

static int add_part(setcsv_set *s, char *part, int quantity, size_t line)
{
	array_grow(&s->parts, &s->cap, s->nparts, sizeof *s->parts);
	s->parts[s->nparts++] = (setcsv_part){part, quantity, line};
	return Z_OK;
}

typedef struct {
	int set, name, part, qty, del;
} set_cols;

/* Reads one row into its set; row problems become errors, not failures. */
static int set_row(setcsv_result *out, const csv_reader *r, const set_cols *c,
		hmap *sets)
{
	size_t line = r->row_line;
	char *code = cell_dup(r, c->set), *name = cell_dup(r, c->name);
	char *part = cell_dup(r, c->part), *qty = csv_trim_dup(csv_get(r, c->qty));
	char *del = csv_trim_dup(csv_get(r, c->del));
	int rc = Z_NOMEM;
	if (!code || !name || !part || !qty || !del)
		goto out;
	rc = Z_OK;
	if (!*code) {
		csv_errors_add_key(&out->errors, line, "msg.csv.set_code_empty");
		goto out;
	}
	int flag = delete_flag(del);
	if (flag < 0) {
		csv_errors_add_key(&out->errors, line, "msg.csv.delete_flag");
		goto out;
	}
	int quantity = 0;
	if (!flag) {
		if (!*part) {
			csv_errors_add_key(&out->errors, line, "msg.csv.part_code_empty");
			goto out;
		}
		if (strcmp(part, code) == 0) {
			csv_errors_add(&out->errors, line, "msg.csv.set_self", "%.*s", csv_clip(code, 60),
					code);
			goto out;
		}
		if (strnum_int(qty, 1, SETCSV_MAX_QUANTITY, &quantity) != Z_OK) {
			csv_errors_add(&out->errors, line, "msg.csv.quantity", "%d%.*s",
					SETCSV_MAX_QUANTITY, csv_clip(qty, 40), qty);
			goto out;
		}
	}
	size_t idx = hmap_gets(sets, code);
	setcsv_set *s;
	if (idx == HMAP_NONE) {
		array_grow(&out->v, &out->cap, out->n, sizeof *out->v);
		s = &out->v[out->n];
		memset(s, 0, sizeof *s);
		s->set_code = code;
		s->set_name = name;
		s->delete = flag;
		s->line = line;
		code = name = NULL;
		out->n++;
		hmap_puts(sets, s->set_code, out->n - 1);
	} else {
		s = &out->v[idx];
		if (s->delete != (bool)flag) {
			csv_errors_add(&out->errors, line, "msg.csv.delete_differs", "%.*s%zu",
					csv_clip(s->set_code, 60), s->set_code, s->line);
			goto out;
		}
		if (*name && !*s->set_name) {
			free(s->set_name);
			s->set_name = name;
			name = NULL;
		} else if (*name && strcmp(name, s->set_name) != 0) {
			csv_errors_add(&out->errors, line, "msg.csv.name_differs", "%.*s%zu",
					csv_clip(s->set_code, 60), s->set_code, s->line);
			goto out;
		}
	}
	if (flag)
		goto out;
	for (size_t j = 0; j < s->nparts; j++) {
		if (strcmp(s->parts[j].part_code, part) == 0) {
			csv_errors_add(&out->errors, line, "msg.csv.part_twice", "%.*s%.*s%zu",
					csv_clip(part, 60), part, csv_clip(s->set_code, 60), s->set_code,
					s->parts[j].line);
			goto out;
		}
	}
	if ((rc = add_part(s, part, quantity, line)) != Z_OK)
		goto out;
	part = NULL;
out:
	free(code);
	free(name);
	free(part);
	free(qty);
	free(del);
	return rc;
}

int setcsv_parse(const char *data, size_t len, csv_encoding enc, const csv_limits *lim,
		setcsv_result *out)
{
	memset(out, 0, sizeof *out);
	opened f;
	hmap sets = {0};
	int rc = open_file(&f, data, len, &enc, lim, &out->errors);
	out->encoding = enc;
	if (rc != Z_OK)
		goto out;
	set_cols c = {
		csv_header_find_any(&f.h, (const char *const[]){"セット商品コード", "set_code", NULL}),
		csv_header_find_any(&f.h, (const char *const[]){"セット商品名", "set_name", NULL}),
		csv_header_find_any(&f.h, (const char *const[]){"構成商品コード", "part_code", NULL}),
		csv_header_find_any(&f.h, (const char *const[]){"数量", "quantity", NULL}),
		csv_header_find_any(&f.h, (const char *const[]){"削除", "delete", NULL}),
	};
	if (c.set < 0 || c.part < 0 || c.qty < 0) {
		rc = Z_INVALID;
		csv_errors_add_key(&out->errors, f.h.line, "msg.csv.sets_header");
		goto out;
	}
	while ((rc = csv_next(&f.r)) == 1) {
		if (csv_row_blank(&f.r))
			continue;
		if ((rc = set_row(out, &f.r, &c, &sets)) != Z_OK)
			goto out;
	}
	if (rc == Z_INVALID)
		csv_errors_add_text(&out->errors, 0, buf_str(&f.r.error));
	if (rc == 0)
		rc = Z_OK;
out:
	if (rc != Z_OK) {
		/* Half a file must not look like a whole one; keep only the errors. */
		csv_errors keep = out->errors;
		memset(&out->errors, 0, sizeof out->errors);
		setcsv_result_free(out);
		out->errors = keep;
		out->encoding = enc;
	}
	hmap_free(&sets);
	close_file(&f);
	return rc;
}

int setcsv_write(csv_writer *w, const setcsv_set *sets, size_t n)
{
	static const char *const header[] = {"セット商品コード", "セット商品名", "構成商品コード",
		"数量", "削除"};
	int rc = csv_writer_row(w, header, Z_ARRAY_LEN(header));
	for (size_t i = 0; i < n && rc == Z_OK; i++) {
		const setcsv_set *s = &sets[i];
		if (s->delete) {
			const char *row[] = {s->set_code, s->set_name, "", "", "1"};
			rc = csv_writer_row(w, row, Z_ARRAY_LEN(row));
			continue;
		}
		for (size_t j = 0; j < s->nparts && rc == Z_OK; j++) {
			if ((rc = csv_writer_str(w, s->set_code)) != Z_OK ||
					(rc = csv_writer_str(w, s->set_name)) != Z_OK ||
					(rc = csv_writer_str(w, s->parts[j].part_code)) != Z_OK ||
					(rc = csv_writer_ll(w, s->parts[j].quantity)) != Z_OK ||
					(rc = csv_writer_str(w, "")) != Z_OK)
				break;
			rc = csv_writer_end_row(w);
		}
	}
	return rc;
}
