/* Unit tests of csv/encoding and csv/csv: detection, conversion, the reader and the writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "csv/csv.h"
#include "csv/encoding.h"

/* CP932 bytes of ① ～ 髙 ㈱ and of "在庫" */
#define SJ_MARU1 "\x87\x40"
#define SJ_WAVE "\x81\x60"
#define SJ_TAKA "\xFB\xFC"
#define SJ_KABU "\x87\x8A"
#define SJ_ZAIKO "\x8D\xDD\x8C\xC9"

/* ---- Encoding ------------------------------------------------------------------------------ */

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(csv_detect_encoding("\xEF\xBB\xBF" "a,b", 6), CSV_ENC_UTF8_BOM);
	assert_int_equal(csv_detect_encoding("a,b\n", 4), CSV_ENC_UTF8);
	assert_int_equal(csv_detect_encoding("", 0), CSV_ENC_UTF8);
	const char *u = "在庫,①";
	assert_int_equal(csv_detect_encoding(u, strlen(u)), CSV_ENC_UTF8);
	const char *sj = SJ_ZAIKO "," SJ_MARU1;
	assert_int_equal(csv_detect_encoding(sj, strlen(sj)), CSV_ENC_CP932);
	/* Overlong and surrogate encodings are not UTF-8. */
	assert_false(csv_utf8_valid("\xC0\xAF", 2));
	assert_false(csv_utf8_valid("\xED\xA0\x80", 3));
	assert_false(csv_utf8_valid("\xF4\x90\x80\x80", 4));
	assert_true(csv_utf8_valid("\xF0\x9F\x98\x80", 4));
	assert_false(csv_utf8_valid("\xE5\x9C", 2)); /* cut short */
}

/* A UTF-8 file with one broken byte is reported on its line, not read as CP932. */
static void test_broken_utf8(void **state)
{
	(void)state;
	const char *in = "SKUコード,商品名,在庫数\nA,綿Tシャツ,1\nB,マグカ\xE3\x83,2\nC,タオル,3\n";
	assert_int_equal(csv_detect_encoding(in, strlen(in)), CSV_ENC_UTF8);
	buf out = BUF_INIT, msg = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	size_t bad = 0;
	assert_int_equal(csv_to_utf8(in, strlen(in), &enc, &out, &bad, &msg), Z_INVALID);
	assert_int_equal(enc, CSV_ENC_UTF8);
	assert_int_equal(bad, 3);
	assert_string_equal(buf_str(&msg), "3行目: 文字コード（UTF-8）として読めない文字があります");
	/* Real CP932 Japanese stays CP932. */
	const char *sj = "\x8F\xA4\x95\x69\x96\xBC,\x8D\xDD\x8C\xC9\x90\x94\r\n\x83\x7D\x83\x4F,1\r\n";
	assert_int_equal(csv_detect_encoding(sj, strlen(sj)), CSV_ENC_CP932);
	buf_free(&out);
	buf_free(&msg);
}

static void test_cp932_to_utf8(void **state)
{
	(void)state;
	const char *sj = SJ_MARU1 SJ_WAVE SJ_TAKA SJ_KABU "\r\n" SJ_ZAIKO;
	buf out = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	size_t bad = 99;
	assert_int_equal(csv_to_utf8(sj, strlen(sj), &enc, &out, &bad, NULL), Z_OK);
	assert_int_equal(enc, CSV_ENC_CP932);
	assert_string_equal(buf_str(&out), "①～髙㈱\r\n在庫");
	assert_int_equal(bad, 0);
	buf_free(&out);
}

static void test_utf8_bom_stripped(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	assert_int_equal(csv_to_utf8("\xEF\xBB\xBFSKU,在庫", 13, &enc, &out, NULL, NULL), Z_OK);
	assert_int_equal(enc, CSV_ENC_UTF8_BOM);
	assert_string_equal(buf_str(&out), "SKU,在庫");
	buf_free(&out);
}

/* A CP932 character cut between two feeds is carried over, at every cut position. */
static void test_split_across_buffers(void **state)
{
	(void)state;
	const char *sj = "a," SJ_MARU1 SJ_TAKA "\n" SJ_ZAIKO SJ_KABU;
	size_t len = strlen(sj);
	for (size_t cut = 0; cut <= len; cut++) {
		csv_decoder *d = NULL;
		buf out = BUF_INIT;
		assert_int_equal(csv_decoder_open(&d, CSV_ENC_CP932), Z_OK);
		assert_int_equal(csv_decoder_feed(d, sj, cut, &out), Z_OK);
		assert_int_equal(csv_decoder_feed(d, sj + cut, len - cut, &out), Z_OK);
		assert_int_equal(csv_decoder_finish(d, &out), Z_OK);
		assert_string_equal(buf_str(&out), "a,①髙\n在庫㈱");
		csv_decoder_free(d);
		buf_free(&out);
	}
	/* One byte per feed, UTF-8 with BOM: the BOM is cut too. */
	const char *u = "\xEF\xBB\xBF①a";
	csv_decoder *d = NULL;
	buf out = BUF_INIT;
	assert_int_equal(csv_decoder_open(&d, CSV_ENC_UTF8_BOM), Z_OK);
	for (size_t i = 0; i < strlen(u); i++)
		assert_int_equal(csv_decoder_feed(d, u + i, 1, &out), Z_OK);
	assert_int_equal(csv_decoder_finish(d, &out), Z_OK);
	assert_string_equal(buf_str(&out), "①a");
	csv_decoder_free(d);
	buf_free(&out);
}

/* csv_to_utf8 works in 4 KiB chunks: a character straddling the border survives. */
static void test_chunk_border(void **state)
{
	(void)state;
	buf in = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 4095; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, SJ_TAKA SJ_KABU);
	csv_encoding enc = CSV_ENC_CP932;
	assert_int_equal(csv_to_utf8(in.data, in.len, &enc, &out, NULL, NULL), Z_OK);
	assert_int_equal(out.len, 4095 + 6);
	assert_string_equal(out.data + 4095, "髙㈱");
	buf_free(&in);
	buf_free(&out);
}

static void test_invalid_sequence_line(void **state)
{
	(void)state;
	/* 0x81 followed by 0x20 is no CP932 character; it sits on line 3. */
	const char *sj = "a\r\nb\r\nc\x81\x20x\r\n";
	buf out = BUF_INIT, msg = BUF_INIT;
	csv_encoding enc = CSV_ENC_CP932;
	size_t bad = 0;
	assert_int_equal(csv_to_utf8(sj, strlen(sj), &enc, &out, &bad, &msg), Z_INVALID);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(buf_str(&msg), "3行目"));
	assert_int_equal(out.len, 0);
	/* A lead byte at the very end is an incomplete character. */
	buf_reset(&msg);
	enc = CSV_ENC_CP932;
	assert_int_equal(csv_to_utf8("ab\n\x88", 4, &enc, &out, &bad, &msg), Z_INVALID);
	assert_int_equal(bad, 2);
	/* Invalid UTF-8 when UTF-8 is forced. */
	enc = CSV_ENC_UTF8;
	assert_int_equal(csv_to_utf8("ok\n\xC3(", 5, &enc, &out, &bad, NULL), Z_INVALID);
	assert_int_equal(bad, 2);
	buf_free(&out);
	buf_free(&msg);
}

/* EU Amazon reports come as Windows-1252; a caller names it, detection never guesses it. */
static void test_cp1252_explicit(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_encoding enc = CSV_ENC_CP1252;
	const char *in = "seller-sku\tname\nA\tCaf\xE9 \x80" "5\n";
	assert_int_equal(csv_to_utf8(in, strlen(in), &enc, &out, NULL, NULL), Z_OK);
	assert_string_equal(buf_str(&out), "seller-sku\tname\nA\tCafé €5\n");
	buf_free(&out);
}

static void test_nul_refused(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	size_t bad = 0;
	assert_int_equal(csv_to_utf8("a,b\nc\0d\n", 8, &enc, &out, &bad, NULL), Z_INVALID);
	assert_int_equal(bad, 2);
	buf_free(&out);
}

static void test_utf8_to_cp932(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	size_t off = 0, replaced = 0;
	const char *u = "①～髙㈱〜−a";
	assert_int_equal(csv_utf8_to_cp932(u, strlen(u), false, &out, &off, &replaced), Z_OK);
	assert_int_equal(out.len, 13);
	assert_memory_equal(out.data, SJ_MARU1 SJ_WAVE SJ_TAKA SJ_KABU "\x81\x60\x81\x7C" "a", 13);
	/* 〜 and − read back as ～ and －. */
	buf back = BUF_INIT;
	csv_encoding enc = CSV_ENC_CP932;
	assert_int_equal(csv_to_utf8(out.data, out.len, &enc, &back, NULL, NULL), Z_OK);
	assert_string_equal(buf_str(&back), "①～髙㈱～－a");
	buf_free(&back);
	/* An emoji fails with its offset unless replacement is asked for. */
	buf_reset(&out);
	const char *e = "ab😀c";
	assert_int_equal(csv_utf8_to_cp932(e, strlen(e), false, &out, &off, &replaced), Z_INVALID);
	assert_int_equal(off, 2);
	buf_reset(&out);
	assert_int_equal(csv_utf8_to_cp932(e, strlen(e), true, &out, &off, &replaced), Z_OK);
	assert_string_equal(buf_str(&out), "ab?c");
	assert_int_equal(replaced, 1);
	buf_free(&out);
}

/* ---- Reader ------------------------------------------------------------------------------ */

static int read_all(const char *data, const csv_limits *lim, buf *dump, size_t *err_line)
{
	csv_reader r;
	int rc = csv_reader_init(&r, data, strlen(data), lim);
	while (rc >= 0 && (rc = csv_next(&r)) == 1) {
		buf_printf(dump, "%zu:", r.row_line);
		for (size_t i = 0; i < r.nfields; i++)
			buf_printf(dump, "[%s]", r.fields[i].ptr);
		buf_putc(dump, '\n');
	}
	if (err_line)
		*err_line = r.err_line;
	csv_reader_free(&r);
	return rc;
}

static void test_reader_rfc4180(void **state)
{
	(void)state;
	buf d = BUF_INIT;
	const char *in = "a,\"b,c\",\"d\"\"e\"\r\n"
			"\"multi\r\nline\",x\n"
			"\n"
			",,\n"
			"last,\"\"";
	assert_int_equal(read_all(in, NULL, &d, NULL), 0);
	assert_string_equal(buf_str(&d), "1:[a][b,c][d\"e]\n"
			"2:[multi\r\nline][x]\n"
			"5:[][][]\n"
			"6:[last][]\n");
	buf_free(&d);
}

static void test_reader_lengths_and_blank(void **state)
{
	(void)state;
	csv_reader r;
	const char *in = "ab,\"c\"\"\"\n,\n";
	assert_int_equal(csv_reader_init(&r, in, strlen(in), NULL), Z_OK);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(r.nfields, 2);
	assert_int_equal(r.fields[0].len, 2);
	assert_int_equal(r.fields[1].len, 2);
	assert_string_equal(csv_get(&r, 1), "c\"");
	assert_string_equal(csv_get(&r, 5), "");
	assert_string_equal(csv_get(&r, -1), "");
	assert_false(csv_row_blank(&r));
	assert_int_equal(csv_next(&r), 1);
	assert_true(csv_row_blank(&r));
	assert_int_equal(csv_next(&r), 0);
	assert_int_equal(csv_next(&r), 0);
	csv_reader_free(&r);
}

static void test_reader_tab_guess(void **state)
{
	(void)state;
	buf d = BUF_INIT;
	assert_int_equal(read_all("seller-sku\tquantity\tname\nA,1\t5\tx,y\n", NULL, &d, NULL), 0);
	assert_string_equal(buf_str(&d), "1:[seller-sku][quantity][name]\n2:[A,1][5][x,y]\n");
	buf_free(&d);
}

static void test_reader_unterminated_quote(void **state)
{
	(void)state;
	buf d = BUF_INIT;
	size_t line = 0;
	assert_int_equal(read_all("a,b\nc,\"open\nmore\n", NULL, &d, &line), Z_INVALID);
	assert_int_equal(line, 2);
	csv_reader r;
	const char *in = "x\n\"abc\"def\n";
	csv_reader_init(&r, in, strlen(in), NULL);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(csv_next(&r), Z_INVALID);
	assert_int_equal(r.err_line, 2);
	assert_non_null(strstr(buf_str(&r.error), "2行目"));
	assert_int_equal(csv_next(&r), Z_INVALID); /* stays failed */
	csv_reader_free(&r);
	buf_free(&d);
}

static void test_reader_embedded_nul(void **state)
{
	(void)state;
	csv_reader r;
	const char in[] = "a,b\nc,d\0e\n";
	csv_reader_init(&r, in, sizeof in - 1, NULL);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(csv_next(&r), Z_INVALID);
	assert_int_equal(r.err_line, 2);
	assert_non_null(strstr(buf_str(&r.error), "NUL"));
	csv_reader_free(&r);
	const char q[] = "\"a\0\"\n";
	csv_reader_init(&r, q, sizeof q - 1, NULL);
	assert_int_equal(csv_next(&r), Z_INVALID);
	csv_reader_free(&r);
}

static void test_reader_bounds(void **state)
{
	(void)state;
	buf d = BUF_INIT;
	size_t line = 0;
	csv_limits lim = {.max_field_len = 4};
	assert_int_equal(read_all("abcd,x\nabcde,x\n", &lim, &d, &line), Z_INVALID);
	assert_int_equal(line, 2);
	buf_reset(&d);
	/* A quoted field spanning lines is measured whole. */
	assert_int_equal(read_all("\"ab\ncd\"\n", &lim, &d, &line), Z_INVALID);
	buf_reset(&d);
	lim = (csv_limits){.max_fields = 3};
	assert_int_equal(read_all("a,b,c\na,b,c,d\n", &lim, &d, &line), Z_INVALID);
	assert_int_equal(line, 2);
	buf_reset(&d);
	lim = (csv_limits){.max_rows = 2};
	assert_int_equal(read_all("h\n1\n2\n", &lim, &d, &line), Z_INVALID);
	assert_int_equal(line, 3);
	assert_string_equal(buf_str(&d), "1:[h]\n2:[1]\n");
	buf_reset(&d);
	csv_reader r;
	lim = (csv_limits){.max_bytes = 3};
	assert_int_equal(csv_reader_init(&r, "abcd", 4, &lim), Z_INVALID);
	assert_int_equal(csv_next(&r), Z_INVALID);
	csv_reader_free(&r);
	buf_free(&d);
}

static void test_reader_empty(void **state)
{
	(void)state;
	csv_reader r;
	csv_reader_init(&r, "", 0, NULL);
	assert_int_equal(csv_next(&r), 0);
	csv_reader_free(&r);
	csv_reader_init(&r, "\xEF\xBB\xBF\r\n\r\n", 7, NULL);
	assert_int_equal(csv_next(&r), 0);
	csv_reader_free(&r);
}

static void test_header_lookup(void **state)
{
	(void)state;
	csv_reader r;
	const char *in = "\xEF\xBB\xBF SKUコード ,商品管理番号(商品URL),Option1 name,\xE3\x80\x80在庫数\xE3\x80\x80\n";
	csv_header h;
	csv_reader_init(&r, in, strlen(in), NULL);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(csv_header_load(&h, &r), Z_OK);
	assert_int_equal(csv_header_find(&h, "SKUコード"), 0);
	assert_int_equal(csv_header_find(&h, "商品管理番号（商品URL）"), 1);
	assert_int_equal(csv_header_find(&h, "Option1 Name"), 2);
	assert_int_equal(csv_header_find(&h, "在庫数"), 3);
	assert_int_equal(csv_header_find(&h, "在庫"), -1);
	assert_int_equal(csv_header_find_any(&h, (const char *const[]){"x", "在庫数", NULL}), 3);
	csv_header_free(&h);
	csv_reader_free(&r);
}

/* ---- Writer ------------------------------------------------------------------------------ */

static void test_writer_quoting_utf8(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_UTF8_BOM);
	assert_int_equal(csv_writer_row(&w, (const char *const[]){"a,b", "say \"hi\"", "two\nlines",
			"plain", NULL}, 5), Z_OK);
	assert_int_equal(csv_writer_row(&w, (const char *const[]){""}, 1), Z_OK);
	assert_string_equal(buf_str(&out),
			"\xEF\xBB\xBF\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain,\r\n\"\"\r\n");
	assert_int_equal(w.rows, 2);
	csv_writer_free(&w);
	buf_free(&out);
}

static void test_writer_formula_guard(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_UTF8_BOM);
	const char *row[] = {"=1+2", "+81", "-5", "-x", "@SUM(A1)", "\tx", "\rx", "+1.5", "-", "a=b",
		"'=x", "'-5", "'a"};
	assert_int_equal(csv_writer_row(&w, row, Z_ARRAY_LEN(row)), Z_OK);
	assert_string_equal(buf_str(&out) + 3,
			"'=1+2,+81,-5,'-x,'@SUM(A1),'\tx,\"'\rx\",+1.5,'-,a=b,''=x,'-5,'a\r\n");
	/* The guard is undone for zaiko's own files. */
	assert_string_equal(csv_unguard("'=1+2"), "=1+2");
	assert_string_equal(csv_unguard("'-x"), "-x");
	assert_string_equal(csv_unguard("'abc"), "'abc");
	assert_string_equal(csv_unguard("-5"), "-5");
	csv_writer_free(&w);
	/* Reading the output back gives the guarded texts, which unguard to the originals. */
	csv_reader r;
	csv_reader_init(&r, out.data, out.len, NULL);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(r.nfields, Z_ARRAY_LEN(row));
	for (size_t i = 0; i < r.nfields; i++)
		assert_string_equal(csv_unguard(r.fields[i].ptr), row[i]);
	csv_reader_free(&r);
	buf_free(&out);
}

static void test_writer_cp932(void **state)
{
	(void)state;
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_CP932);
	assert_int_equal(csv_writer_row(&w, (const char *const[]){"SKUコード", "在庫"}, 2), Z_OK);
	assert_int_equal(csv_writer_row(&w, (const char *const[]){"A", "①"}, 2), Z_OK);
	size_t good = out.len;
	assert_int_equal(csv_writer_row(&w, (const char *const[]){"B", "犬🐶"}, 2), Z_INVALID);
	assert_int_equal(w.bad_row, 3);
	assert_string_equal(w.bad_char, "🐶");
	assert_int_equal(out.len, good); /* nothing of the bad row */
	assert_int_equal(w.rows, 2);
	w.replace_unmappable = true;
	assert_int_equal(csv_writer_row(&w, (const char *const[]){"B", "犬🐶"}, 2), Z_OK);
	assert_int_equal(w.replaced, 1);
	csv_writer_free(&w);
	buf text = BUF_INIT;
	csv_encoding enc = CSV_ENC__MAX;
	assert_int_equal(csv_to_utf8(out.data, out.len, &enc, &text, NULL, NULL), Z_OK);
	assert_int_equal(enc, CSV_ENC_CP932);
	assert_string_equal(buf_str(&text), "SKUコード,在庫\r\nA,①\r\nB,犬?\r\n");
	buf_free(&text);
	buf_free(&out);
}

static void test_errors_list(void **state)
{
	(void)state;
	csv_errors e = {0};
	for (size_t i = 1; i <= CSV_MAX_ERRORS + 5; i++)
		assert_int_equal(csv_errors_add(&e, i, "msg.csv.column_empty", "%s", "在庫数"), Z_OK);
	assert_int_equal(e.n, CSV_MAX_ERRORS);
	assert_int_equal(e.dropped, 5);
	assert_string_equal(e.v[11].message, "12行目: 在庫数が空です");
	buf out = BUF_INIT;
	assert_int_equal(csv_errors_join(&e, &out), Z_OK);
	assert_non_null(strstr(buf_str(&out), "ほか5件"));
	buf_free(&out);
	csv_errors_free(&e);
	assert_int_equal(e.n, 0);
}

/* The same list in English: each message, its line and the count of the dropped ones come
 * from en.hdf; a text given as it is keeps its words. */
static void test_errors_list_english(void **state)
{
	(void)state;
	csv_errors e = {.lang = "en"};
	for (size_t i = 1; i <= CSV_MAX_ERRORS + 2; i++)
		assert_int_equal(csv_errors_add(&e, i, "msg.csv.total_nan", "%.*s", 3, "abcdef"), Z_OK);
	assert_string_equal(e.v[0].message, "Line 1: The total stock is not a number (abc)");
	csv_errors_free(&e);
	assert_string_equal(e.lang, "en");
	assert_int_equal(csv_errors_add_key(&e, 7, "msg.csv.code_empty"), Z_OK);
	assert_int_equal(csv_errors_add_text(&e, 0, "as given"), Z_OK);
	e.dropped = 2;
	buf out = BUF_INIT;
	assert_int_equal(csv_errors_join(&e, &out), Z_OK);
	assert_string_equal(buf_str(&out), "Line 7: The SKU code is empty\nas given\nand 2 more\n");
	buf_free(&out);
	csv_errors_free(&e);
	/* The reader's own errors follow its limits' language. */
	csv_limits lim = {.max_fields = 2, .lang = "en"};
	csv_reader r;
	assert_int_equal(csv_reader_init(&r, "a,b\nc,d,e\n", 10, &lim), Z_OK);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(csv_next(&r), Z_INVALID);
	assert_string_equal(buf_str(&r.error), "Line 2: Too many columns (at most 2)");
	csv_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_broken_utf8),
		cmocka_unit_test(test_cp932_to_utf8),
		cmocka_unit_test(test_utf8_bom_stripped),
		cmocka_unit_test(test_split_across_buffers),
		cmocka_unit_test(test_chunk_border),
		cmocka_unit_test(test_invalid_sequence_line),
		cmocka_unit_test(test_cp1252_explicit),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_utf8_to_cp932),
		cmocka_unit_test(test_reader_rfc4180),
		cmocka_unit_test(test_reader_lengths_and_blank),
		cmocka_unit_test(test_reader_tab_guess),
		cmocka_unit_test(test_reader_unterminated_quote),
		cmocka_unit_test(test_reader_embedded_nul),
		cmocka_unit_test(test_reader_bounds),
		cmocka_unit_test(test_reader_empty),
		cmocka_unit_test(test_header_lookup),
		cmocka_unit_test(test_writer_quoting_utf8),
		cmocka_unit_test(test_writer_formula_guard),
		cmocka_unit_test(test_writer_cp932),
		cmocka_unit_test(test_errors_list),
		cmocka_unit_test(test_errors_list_english),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
