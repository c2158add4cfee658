/* libFuzzer target for the CSV layer: detect + convert + read + mall mapping + stock/set files,
 * plus properties: written CSV reads back field for field, CP932 output decodes, listings
 * and sets exported in zaiko's formats import unchanged.
 * Build: clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Icgi-bin -I/usr/include/cjson \
 *   tests/fuzz/fuzz_csv.c cgi-bin/csv/[a-z]*.c cgi-bin/core/buf.c cgi-bin/core/strnum.c -lcjson
 * Run:   ./fuzz_csv tests/fuzz/corpus/csv */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "csv/csv.h"
#include "csv/encoding.h"
#include "csv/mallcsv.h"
#include "csv/stockcsv.h"


/* Small bounds so the fuzzer reaches every limit quickly. */
static const csv_limits small = {
	.max_bytes = 1 << 20,
	.max_rows = 200,
	.max_fields = 64,
	.max_field_len = 512,
};

/* Re-writes every record of text with the writer (no guard) and checks the reader returns
 * the same fields. */
static void check_round_trip(const char *text, size_t len)
{
	csv_reader r, back;
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_UTF8_BOM);
	w.no_guard = true;
	if (csv_reader_init(&r, text, len, &small) != Z_OK)
		goto out;
	size_t rows = 0;
	while (csv_next(&r) == 1) {
		for (size_t i = 0; i < r.nfields; i++)
			csv_writer_field(&w, r.fields[i].ptr, r.fields[i].len);
		if (csv_writer_end_row(&w) != Z_OK)
			abort();
		rows++;
	}
	csv_reader_free(&r);
	if (csv_reader_init(&r, text, len, &small) != Z_OK)
		goto out;
	csv_limits big = {.delim = ','};
	csv_reader_init(&back, out.data ? out.data : "", out.len, &big);
	for (size_t k = 0; k < rows; k++) {
		if (csv_next(&r) != 1 || csv_next(&back) != 1)
			abort();
		/* A record of one empty field is written as "" and reads back as one field. */
		if (r.nfields != back.nfields)
			abort();
		for (size_t i = 0; i < r.nfields; i++)
			if (r.fields[i].len != back.fields[i].len ||
					memcmp(r.fields[i].ptr, back.fields[i].ptr, r.fields[i].len) != 0)
				abort();
	}
	if (csv_next(&back) != 0)
		abort();
	csv_reader_free(&back);
out:
	csv_reader_free(&r);
	csv_writer_free(&w);
	buf_free(&out);
}

/* What CP932 encoding writes must decode again. */
static void check_cp932(const char *text, size_t len)
{
	buf sj = BUF_INIT, back = BUF_INIT;
	size_t replaced = 0;
	if (csv_utf8_to_cp932(text, len, true, &sj, NULL, &replaced) == Z_OK && sj.len) {
		csv_encoding enc = CSV_ENC_CP932;
		if (csv_to_utf8(sj.data, sj.len, &enc, &back, NULL, NULL) != Z_OK)
			abort();
	}
	buf_free(&sj);
	buf_free(&back);
}

/* Row errors quote untrusted cells; every message must still be valid UTF-8. */
static void check_errors(const csv_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (!csv_utf8_valid(e->v[i].message, strlen(e->v[i].message)))
			abort();
}

/* Listings with a SKU code, exported in zaiko's format, read back field for field. */
static void check_zaiko_round_trip(const mallcsv_result *res)
{
	mallcsv_listing *keep = calloc(res->n + 1, sizeof *keep);
	size_t n = 0;
	for (size_t i = 0; i < res->n; i++)
		if (res->v[i].sku_code[0])
			keep[n++] = res->v[i];
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_UTF8_BOM);
	if (mallcsv_write_zaiko(&w, keep, n) != Z_OK)
		abort();
	mallcsv_result back;
	if (mallcsv_parse(out.data, out.len, CSV_ENC__MAX, MALLCSV_ZAIKO, NULL, &back) != Z_OK ||
			back.errors.n || back.n != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		const mallcsv_listing *a = &keep[i], *b = &back.v[i];
		if (strcmp(a->sku_code, b->sku_code) || strcmp(a->item_code, b->item_code) ||
				strcmp(a->sub_code, b->sub_code) || strcmp(a->name, b->name) ||
				strcmp(a->options, b->options) || strcmp(a->image_url, b->image_url) ||
				strcmp(a->jan, b->jan) || a->has_price != b->has_price ||
				a->price != b->price || a->has_stock != b->has_stock ||
				a->stock != b->stock)
			abort();
	}
	mallcsv_result_free(&back);
	csv_writer_free(&w);
	buf_free(&out);
	free(keep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	buf text = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	if (csv_to_utf8(in, size, &enc, &text, NULL, NULL) == Z_OK) {
		const char *t = text.data ? text.data : "";
		check_round_trip(t, text.len);
		check_cp932(t, text.len);
		csv_reader r;
		csv_header h;
		if (csv_reader_init(&r, t, text.len, &small) == Z_OK && csv_next(&r) == 1 &&
				csv_header_load(&h, &r) == Z_OK) {
			mallcsv_detect(&h);
			csv_header_find(&h, "SKUコード");
			csv_header_free(&h);
		}
		csv_reader_free(&r);
	}
	buf_free(&text);

	mallcsv_result res;
	int rc = mallcsv_parse(in, size, CSV_ENC__MAX, MALLCSV_UNKNOWN, &small, &res);
	if (rc != Z_OK && res.n)
		abort();
	check_errors(&res.errors);
	for (size_t i = 0; i < res.n; i++)
		if (!res.v[i].extra || res.v[i].extra[0] != '{')
			abort();
	check_zaiko_round_trip(&res);
	mallcsv_result_free(&res);

	stockcsv_totals tot;
	stockcsv_parse_totals(in, size, CSV_ENC__MAX, size % 2 ? STOCKCSV_DELTA : STOCKCSV_ABSOLUTE,
			&small, &tot);
	check_errors(&tot.errors);
	stockcsv_totals_free(&tot);

	setcsv_result sets;
	int sets_rc = setcsv_parse(in, size, CSV_ENC__MAX, &small, &sets);
	check_errors(&sets.errors);
	if (sets_rc == Z_OK && sets.errors.n == 0) {
		/* A clean set file exports and imports to the same sets. */
		buf out = BUF_INIT;
		csv_writer w;
		csv_writer_init(&w, &out, CSV_OUT_UTF8_BOM);
		if (setcsv_write(&w, sets.v, sets.n) != Z_OK)
			abort();
		setcsv_result again;
		if (setcsv_parse(out.data, out.len, CSV_ENC__MAX, NULL, &again) != Z_OK ||
				again.errors.n != 0 || again.n != sets.n)
			abort();
		for (size_t i = 0; i < sets.n; i++)
			if (strcmp(again.v[i].set_code, sets.v[i].set_code) != 0 ||
					again.v[i].nparts != sets.v[i].nparts)
				abort();
		setcsv_result_free(&again);
		csv_writer_free(&w);
		buf_free(&out);
	}
	setcsv_result_free(&sets);
	return 0;
}
