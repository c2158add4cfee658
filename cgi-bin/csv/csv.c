/* csv/csv: the bounded RFC 4180 reader, header lookup, row error lists and the CSV writer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/utf8.h"
#include "csv/csv.h"

/* ---- Row errors ---------------------------------------------------------------------------- */

/* Adds the message text (taken), after the line's number. */
static int errors_take(csv_errors *e, size_t line, buf *text)
{
	if (e->n >= CSV_MAX_ERRORS) {
		e->dropped++;
		buf_free(text);
		return Z_OK;
	}
	array_grow(&e->v, &e->cap, e->n, sizeof *e->v);
	buf b = BUF_INIT;
	int rc = line ? lang_textf(NULL, e->lang, &b, "msg.csv.row", "%zu%s", line, buf_str(text))
	              : buf_puts(&b, buf_str(text));
	buf_free(text);
	if (rc != Z_OK) {
		buf_free(&b);
		return Z_NOMEM;
	}
	e->v[e->n].line = line;
	e->v[e->n].message = buf_detach(&b);
	e->n++;
	return Z_OK;
}

int csv_errors_add(csv_errors *e, size_t line, const char *key, const char *spec, ...)
{
	buf text = BUF_INIT;
	va_list ap;
	va_start(ap, spec);
	int rc = lang_vtextf(NULL, e->lang, &text, key, spec, ap);
	va_end(ap);
	if (rc != Z_OK) {
		buf_free(&text);
		return Z_NOMEM;
	}
	return errors_take(e, line, &text);
}

int csv_errors_add_key(csv_errors *e, size_t line, const char *key)
{
	return csv_errors_add_text(e, line, lang_text(e->lang, key));
}

int csv_errors_add_text(csv_errors *e, size_t line, const char *text)
{
	buf b = BUF_INIT;
	if (buf_puts(&b, text) != Z_OK) {
		buf_free(&b);
		return Z_NOMEM;
	}
	return errors_take(e, line, &b);
}

int csv_clip(const char *s, size_t max)
{
	return (int)utf8_prefix(s, strlen(s), max);
}

void csv_errors_sort(csv_errors *e)
{
	/* Insertion sort: stable, and the list is short (CSV_MAX_ERRORS) and nearly sorted. */
	for (size_t i = 1; i < e->n; i++) {
		csv_row_error x = e->v[i];
		size_t j = i;
		while (j > 0 && e->v[j - 1].line > x.line) {
			e->v[j] = e->v[j - 1];
			j--;
		}
		e->v[j] = x;
	}
}

void csv_errors_free(csv_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].message);
	free(e->v);
	const char *lang = e->lang;
	memset(e, 0, sizeof *e);
	e->lang = lang;
}

int csv_errors_join(const csv_errors *e, buf *out)
{
	for (size_t i = 0; i < e->n; i++)
		if (buf_puts(out, e->v[i].message) != Z_OK || buf_putc(out, '\n') != Z_OK)
			return Z_NOMEM;
	if (e->dropped && (lang_textf(NULL, e->lang, out, "msg.csv.more", "%zu", e->dropped) != Z_OK ||
	                   buf_putc(out, '\n') != Z_OK))
		return Z_NOMEM;
	return Z_OK;
}

/* ---- Reader ------------------------------------------------------------------------------ */

static size_t or_default(size_t v, size_t def)
{
	return v ? v : def;
}

int csv_reader_init(csv_reader *r, const char *data, size_t len, const csv_limits *lim)
{
	memset(r, 0, sizeof *r);
	r->data = data;
	r->len = len;
	r->line = 1;
	if (lim)
		r->lim = *lim;
	r->lim.max_bytes = or_default(r->lim.max_bytes, CSV_DEFAULT_MAX_BYTES);
	r->lim.max_rows = or_default(r->lim.max_rows, CSV_DEFAULT_MAX_ROWS);
	r->lim.max_fields = or_default(r->lim.max_fields, CSV_DEFAULT_MAX_FIELDS);
	r->lim.max_field_len = or_default(r->lim.max_field_len, CSV_DEFAULT_MAX_FIELD_LEN);
	r->delim = r->lim.delim;
	if (len > r->lim.max_bytes) {
		r->failed = true;
		lang_textf(NULL, r->lim.lang, &r->error, "msg.csv.too_big", "%zu", r->lim.max_bytes);
		return Z_INVALID;
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	return Z_OK;
}

void csv_reader_free(csv_reader *r)
{
	buf_free(&r->cells);
	buf_free(&r->error);
	free(r->offs);
	free(r->fv);
	r->offs = NULL;
	r->fv = NULL;
	r->fields = NULL;
	r->nfields = 0;
}

int csv_decode_upload(const char *data, size_t len, csv_encoding *enc, const csv_limits *lim,
		buf *text, csv_limits *text_lim, csv_errors *errors)
{
	size_t bad_line = 0;
	*text_lim = lim ? *lim : (csv_limits){0};
	errors->lang = text_lim->lang;
	size_t max = or_default(text_lim->max_bytes, CSV_DEFAULT_MAX_BYTES);
	int rc;
	if (len > max) {
		rc = Z_INVALID;
		csv_errors_add(errors, 0, "msg.csv.too_big", "%zu", max);
		goto out;
	}
	rc = csv_to_utf8(data, len, enc, text, &bad_line, NULL);
	if (rc == Z_INVALID && bad_line)
		csv_errors_add(errors, bad_line, "msg.csv.undecodable", "%s",
		               csv_encoding_label(*enc, errors->lang));
	else if (rc == Z_INVALID)
		csv_errors_add_key(errors, 0, "msg.csv.no_converter");
	text_lim->max_bytes = text->len + 1;
out:
	return rc;
}

/* Counts tabs and commas outside quotes in the first record to choose the delimiter. */
static char guess_delim(const char *p, size_t len)
{
	size_t tabs = 0, commas = 0;
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted && c == '\t')
			tabs++;
		else if (!quoted && c == ',')
			commas++;
	}
	return tabs > commas ? '\t' : ',';
}

/* Stops the reader with the text as the error of line. */
static int reader_fail_text(csv_reader *r, size_t line, const char *text)
{
	r->failed = true;
	r->err_line = line;
	buf_reset(&r->error);
	lang_textf(NULL, r->lim.lang, &r->error, "msg.csv.row", "%zu%s", line, text);
	return Z_INVALID;
}

static int reader_fail(csv_reader *r, size_t line, const char *key, const char *spec, ...)
	Z_PRINTF(4, 5);
static int reader_fail(csv_reader *r, size_t line, const char *key, const char *spec, ...)
{
	va_list ap;
	buf text = BUF_INIT;
	va_start(ap, spec);
	lang_vtextf(NULL, r->lim.lang, &text, key, spec, ap);
	va_end(ap);
	reader_fail_text(r, line, buf_str(&text));
	buf_free(&text);
	return Z_INVALID;
}

static int reader_fail_key(csv_reader *r, size_t line, const char *key)
{
	return reader_fail_text(r, line, lang_text(r->lim.lang, key));
}

/* Closes the field being built in r->cells: records its offset, checks the bounds. */
static int end_field(csv_reader *r, size_t start)
{
	if (r->nfields >= r->lim.max_fields)
		return reader_fail(r, r->row_line, "msg.csv.too_many_columns", "%zu", r->lim.max_fields);
	if (r->nfields == r->cap) {
		size_t cap = array_doubled(r->cap);
		r->offs = z_reallocarray(r->offs, cap, sizeof *r->offs);
		r->fv = z_reallocarray(r->fv, cap, sizeof *r->fv);
		r->cap = cap;
	}
	r->offs[r->nfields++] = start;
	if (buf_putc(&r->cells, '\0') != Z_OK)
		return Z_NOMEM;
	return Z_OK;
}

/* Appends field bytes, refusing to grow a field past max_field_len. */
static int add_bytes(csv_reader *r, size_t start, const char *p, size_t n)
{
	if (r->cells.len - start + n > r->lim.max_field_len)
		return reader_fail(r, r->line, "msg.csv.field_too_long", "%zu",
				r->lim.max_field_len);
	return buf_append(&r->cells, p, n) == Z_OK ? Z_OK : Z_NOMEM;
}

/* Consumes one line break at pos (CRLF, LF or CR) and counts it; returns false if none. */
static bool eat_eol(csv_reader *r)
{
	if (r->pos >= r->len)
		return false;
	if (r->data[r->pos] == '\r') {
		r->pos++;
		if (r->pos < r->len && r->data[r->pos] == '\n')
			r->pos++;
		r->line++;
		return true;
	}
	if (r->data[r->pos] == '\n') {
		r->pos++;
		r->line++;
		return true;
	}
	return false;
}

static int read_record(csv_reader *r);

int csv_next(csv_reader *r)
{
	if (r->failed)
		return Z_INVALID;
	int rc = read_record(r);
	/* Out of memory mid-record leaves the position inside it: stop there for good. */
	if (rc < 0)
		r->failed = true;
	return rc;
}

/* Reads one record into r->fields; see csv_next. */
static int read_record(csv_reader *r)
{
	/* Lines with no bytes at all are not records. */
	while (eat_eol(r))
		;
	if (r->pos >= r->len)
		return 0;
	if (!r->delim)
		r->delim = guess_delim(r->data + r->pos, r->len - r->pos);
	if (r->rows >= r->lim.max_rows)
		return reader_fail(r, r->line, "msg.csv.too_many_rows", "%zu", r->lim.max_rows);
	buf_reset(&r->cells);
	r->nfields = 0;
	r->row_line = r->line;
	const char *d = r->data;
	char delim = r->delim;
	int rc;
	for (;;) {
		size_t start = r->cells.len;
		if (r->pos < r->len && d[r->pos] == '"' && !r->lim.literal_quotes) {
			size_t open_line = r->line;
			r->pos++;
			for (;;) {
				if (r->pos >= r->len)
					return reader_fail_key(r, open_line, "msg.csv.quote_open");
				size_t run = r->pos;
				while (run < r->len && d[run] != '"' && d[run] != '\n' &&
						d[run] != '\r' && d[run] != '\0')
					run++;
				if ((rc = add_bytes(r, start, d + r->pos, run - r->pos)) != Z_OK)
					return rc;
				r->pos = run;
				if (r->pos >= r->len)
					continue;
				char c = d[r->pos];
				if (c == '\0')
					return reader_fail_key(r, r->line, "msg.csv.nul");
				if (c == '"') {
					if (r->pos + 1 < r->len && d[r->pos + 1] == '"') {
						if ((rc = add_bytes(r, start, "\"", 1)) != Z_OK)
							return rc;
						r->pos += 2;
						continue;
					}
					r->pos++;
					break;
				}
				/* A line break inside quotes belongs to the field, as written. */
				size_t before = r->pos;
				eat_eol(r);
				if ((rc = add_bytes(r, start, d + before, r->pos - before)) != Z_OK)
					return rc;
			}
			if (r->pos < r->len && d[r->pos] != delim && d[r->pos] != '\n' &&
					d[r->pos] != '\r') {
				if (d[r->pos] == '\0')
					return reader_fail_key(r, r->line, "msg.csv.nul");
				return reader_fail_key(r, r->line, "msg.csv.after_quote");
			}
		} else {
			size_t run = r->pos;
			while (run < r->len && d[run] != delim && d[run] != '\n' && d[run] != '\r' &&
					d[run] != '\0')
				run++;
			if (run < r->len && d[run] == '\0')
				return reader_fail_key(r, r->line, "msg.csv.nul");
			if ((rc = add_bytes(r, start, d + r->pos, run - r->pos)) != Z_OK)
				return rc;
			r->pos = run;
		}
		if ((rc = end_field(r, start)) != Z_OK)
			return rc;
		if (r->pos < r->len && d[r->pos] == delim) {
			r->pos++;
			continue;
		}
		eat_eol(r);
		break;
	}
	for (size_t i = 0; i < r->nfields; i++) {
		r->fv[i].ptr = r->cells.data + r->offs[i];
		size_t end = i + 1 < r->nfields ? r->offs[i + 1] - 1 : r->cells.len - 1;
		r->fv[i].len = end - r->offs[i];
	}
	r->fields = r->fv;
	r->rows++;
	return 1;
}

const char *csv_get(const csv_reader *r, int i)
{
	if (i < 0 || (size_t)i >= r->nfields)
		return "";
	return r->fields[i].ptr;
}

bool csv_row_blank(const csv_reader *r)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].len)
			return false;
	return true;
}

/* ---- Header ------------------------------------------------------------------------------ */

/* Decodes the UTF-8 character at s (len bytes left) into *cp; returns its length (1 for a
 * bad byte, taken as is). */
static size_t next_cp(const unsigned char *s, size_t len, unsigned *cp)
{
	uint32_t v = 0;
	size_t n = utf8_decode((const char *)s, len, &v);
	*cp = n ? v : s[0];
	return n ? n : 1;
}

static bool is_space_at(const unsigned char *s, size_t len, size_t *n)
{
	if (len >= 1 && (s[0] == ' ' || s[0] == '\t')) {
		*n = 1;
		return true;
	}
	if (len >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) {
		*n = 3;
		return true;
	}
	return false;
}

/* Drops ASCII spaces, TABs and U+3000 at both ends of (*s, len): advances *s and returns
 * the length left. */
static size_t trim_spaces(const unsigned char **s, size_t len)
{
	size_t n;
	while (len && is_space_at(*s, len, &n)) {
		*s += n;
		len -= n;
	}
	/* The end is found walking forward by characters, so a space is never matched inside
	 * the bytes of another character. */
	size_t end = 0;
	for (size_t i = 0; i < len;) {
		if (is_space_at(*s + i, len - i, &n)) {
			i += n;
			continue;
		}
		unsigned cp;
		i += next_cp(*s + i, len - i, &cp);
		end = i;
	}
	return end;
}

int csv_header_normalise(const char *str, size_t len, buf *out)
{
	const unsigned char *s = (const unsigned char *)str;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	size_t end = trim_spaces(&s, len);
	for (size_t i = 0; i < end;) {
		unsigned cp;
		size_t k = next_cp(s + i, end - i, &cp);
		int rc;
		/* Full-width ASCII (U+FF01..FF5E) and U+3000: the part of NFKC header names need. */
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			rc = buf_putc(out, (char)(cp - 0xFEE0));
		else if (cp == 0x3000)
			rc = buf_putc(out, ' ');
		else
			rc = buf_append(out, s + i, k);
		if (rc != Z_OK)
			return Z_NOMEM;
		i += k;
	}
	if (!out->data)
		return buf_append(out, "", 0);
	return Z_OK;
}

int csv_header_load(csv_header *h, const csv_reader *r)
{
	memset(h, 0, sizeof *h);
	h->line = r->row_line;
	if (!r->nfields)
		return Z_OK;
	h->names = calloc(r->nfields, sizeof *h->names);
	if (!h->names)
		return Z_NOMEM;
	h->n = r->nfields;
	for (size_t i = 0; i < r->nfields; i++) {
		buf b = BUF_INIT;
		if (csv_header_normalise(r->fields[i].ptr, r->fields[i].len, &b) != Z_OK) {
			buf_free(&b);
			csv_header_free(h);
			return Z_NOMEM;
		}
		h->names[i] = buf_detach(&b);
		if (!h->names[i]) {
			csv_header_free(h);
			return Z_NOMEM;
		}
	}
	return Z_OK;
}

void csv_header_free(csv_header *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
	h->names = NULL;
	h->n = 0;
}

int csv_header_find(const csv_header *h, const char *name)
{
	buf want = BUF_INIT;
	int found = -1;
	if (csv_header_normalise(name, strlen(name), &want) != Z_OK)
		goto out;
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->names[i], buf_str(&want)) == 0) {
			found = (int)i;
			break;
		}
	}
out:
	buf_free(&want);
	return found;
}

int csv_header_find_any(const csv_header *h, const char *const *names)
{
	for (; *names; names++) {
		int i = csv_header_find(h, *names);
		if (i >= 0)
			return i;
	}
	return -1;
}

/* ---- Values ------------------------------------------------------------------------------ */

static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A plain decimal number: [+-]digits[.digits]. Such cells stay numbers in a spreadsheet. */
static bool plain_number(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	size_t digits = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (!digits)
		return false;
	if (i < len && s[i] == '.') {
		i++;
		size_t frac = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			frac++;
		}
		if (!frac)
			return false;
	}
	return i == len;
}

/* True when a spreadsheet could run the value as a formula: it starts with = + - @ TAB CR
 * and is not a plain number. Leading quotes are looked through, so a value that itself looks
 * guarded ('=x) is guarded once more and csv_unguard gives back exactly what was written. */
static bool needs_guard(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] == '\'')
		i++;
	return i < len && formula_start(s[i]) && !plain_number(s + i, len - i);
}

const char *csv_unguard(const char *s)
{
	if (s[0] == '\'' && needs_guard(s + 1, strlen(s + 1)))
		return s + 1;
	return s;
}

char *csv_trim_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = trim_spaces(&p, strlen(s));
	return strndup((const char *)p, len);
}

/* ---- Writer ------------------------------------------------------------------------------ */

void csv_writer_init(csv_writer *w, buf *out, csv_out_encoding enc)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->enc = enc;
	w->delim = ',';
}

void csv_writer_free(csv_writer *w)
{
	buf_free(&w->row);
}

int csv_writer_field(csv_writer *w, const char *s, size_t len)
{
	char delim = w->delim ? w->delim : ',';
	bool guard = !w->no_guard && needs_guard(s, len);
	bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
	for (size_t i = 0; i < len && !quote; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (w->nfields > 0 && buf_putc(&w->row, delim) != Z_OK)
		return Z_NOMEM;
	w->nfields++;
	if (quote && buf_putc(&w->row, '"') != Z_OK)
		return Z_NOMEM;
	if (guard && buf_putc(&w->row, '\'') != Z_OK)
		return Z_NOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' && buf_putc(&w->row, '"') != Z_OK)
			return Z_NOMEM;
		if (buf_putc(&w->row, s[i]) != Z_OK)
			return Z_NOMEM;
	}
	if (quote && buf_putc(&w->row, '"') != Z_OK)
		return Z_NOMEM;
	return Z_OK;
}

int csv_writer_str(csv_writer *w, const char *s)
{
	return csv_writer_field(w, s ? s : "", s ? strlen(s) : 0);
}

int csv_writer_ll(csv_writer *w, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);
	return csv_writer_field(w, tmp, (size_t)n);
}

int csv_writer_end_row(csv_writer *w)
{
	int rc = Z_OK;
	size_t mark = w->out->len;
	if (!w->started && w->enc == CSV_OUT_UTF8_BOM) {
		if (buf_append(w->out, "\xEF\xBB\xBF", 3) != Z_OK)
			return Z_NOMEM;
	}
	w->started = true;
	/* A lone empty field must not become an empty line, which readers skip. */
	if (w->nfields == 1 && w->row.len == 0 && buf_puts(&w->row, "\"\"") != Z_OK) {
		rc = Z_NOMEM;
		goto out;
	}
	if (buf_puts(&w->row, "\r\n") != Z_OK) {
		rc = Z_NOMEM;
		goto out;
	}
	if (w->enc == CSV_OUT_CP932) {
		size_t bad = 0;
		rc = csv_utf8_to_cp932(w->row.data, w->row.len, w->replace_unmappable, w->out, &bad,
				&w->replaced);
		if (rc == Z_INVALID && !w->bad_row) {
			w->bad_row = w->rows + 1;
			unsigned cp;
			size_t n = next_cp((const unsigned char *)w->row.data + bad, w->row.len - bad, &cp);
			memcpy(w->bad_char, w->row.data + bad, n < 5 ? n : 4);
			w->bad_char[n < 5 ? n : 4] = '\0';
		}
	} else {
		rc = buf_append(w->out, w->row.data, w->row.len);
	}
out:
	if (rc == Z_OK) {
		w->rows++;
	} else if (w->out->data) {
		/* Nothing of a failed row stays in the output. */
		w->out->len = mark;
		w->out->data[mark] = '\0';
		if (mark == 0)
			w->started = false;
	}
	buf_reset(&w->row);
	w->nfields = 0;
	return rc;
}

int csv_writer_row(csv_writer *w, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (csv_writer_str(w, fields[i]) != Z_OK)
			return Z_NOMEM;
	return csv_writer_end_row(w);
}
