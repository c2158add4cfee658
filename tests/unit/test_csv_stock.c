/* Unit tests of csv/stockcsv: the 総在庫数 一括更新 file and the セット商品 CSV. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csv/stockcsv.h"
#include "csvtest.h"

static int totals(const char *text, stockcsv_mode mode, stockcsv_totals *t)
{
	return stockcsv_parse_totals(text, strlen(text), CSV_ENC__MAX, mode, NULL, t);
}

static void test_totals_sample(void **state)
{
	(void)state;
	size_t len;
	char *data = slurp("stock_totals.csv", &len);
	stockcsv_totals t;
	assert_int_equal(stockcsv_parse_totals(data, len, CSV_ENC__MAX, STOCKCSV_ABSOLUTE, NULL, &t),
			Z_OK);
	assert_int_equal(t.encoding, CSV_ENC_CP932);
	assert_int_equal(t.errors.n, 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].sku_code, "TEE-001-WH-S");
	assert_int_equal(t.v[0].value, 5);
	assert_int_equal(t.v[1].value, 0);
	assert_int_equal(t.v[2].value, 1000000000);
	assert_int_equal(t.v[2].line, 4);
	stockcsv_totals_free(&t);
	free(data);
}

static void test_totals_english_and_delta(void **state)
{
	(void)state;
	stockcsv_totals t;
	assert_int_equal(totals("sku_code,total\r\nA,+5\r\nB,-3\r\nC,+0\r\n", STOCKCSV_DELTA, &t),
			Z_OK);
	assert_int_equal(t.errors.n, 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.v[0].value, 5);
	assert_int_equal(t.v[1].value, -3);
	assert_int_equal(t.mode, STOCKCSV_DELTA);
	stockcsv_totals_free(&t);
	/* Signs and digits as a Japanese IME types them, read as the edit box reads them. */
	assert_int_equal(totals("sku_code,total\r\nA,＋５\r\nB,－３\r\nC,ー１２\r\nD,−７\r\n"
			"E,+　4\r\nF,５\r\n", STOCKCSV_DELTA, &t), Z_OK);
	assert_int_equal(t.n, 5);
	assert_int_equal(t.v[0].value, 5);
	assert_int_equal(t.v[1].value, -3);
	assert_int_equal(t.v[2].value, -12);
	assert_int_equal(t.v[3].value, -7);
	assert_int_equal(t.v[4].value, 4);
	assert_int_equal(t.errors.n, 1);
	assert_string_equal(t.errors.v[0].message,
			"7行目: 差分モードでは +5 や -3 のように符号を付けてください（５）");
	stockcsv_totals_free(&t);
}

static void test_totals_errors(void **state)
{
	(void)state;
	stockcsv_totals t;
	const char *in = "SKUコード,総在庫数\n"
			"A,5\n"
			"B,5.0\n"
			"C,１０\n"
			"D,1000000001\n"
			"A,7\n"
			",3\n"
			",,\n"
			"E,\n"
			"F,+2\n"
			"G, 8 \n"
			"H,99999999999999999999\n";
	assert_int_equal(totals(in, STOCKCSV_ABSOLUTE, &t), Z_OK);
	/* Full-width digits count, as in the screen's edit box (「１０」 is 10). */
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[1].sku_code, "C");
	assert_int_equal(t.v[1].value, 10);
	assert_string_equal(t.v[2].sku_code, "G");
	assert_int_equal(t.v[2].value, 8);
	assert_int_equal(t.errors.n, 7);
	assert_string_equal(t.errors.v[0].message, "3行目: 総在庫数が数値ではありません（5.0）");
	assert_string_equal(t.errors.v[1].message, "5行目: 総在庫数が範囲外です（0〜1000000000）");
	assert_string_equal(t.errors.v[2].message, "6行目: SKUコード A が2行目と重複しています");
	assert_string_equal(t.errors.v[3].message, "7行目: SKUコードが空です");
	assert_string_equal(t.errors.v[4].message, "9行目: 総在庫数が空です");
	assert_non_null(strstr(t.errors.v[5].message, "10行目: 総在庫数に符号は付けられません"));
	assert_string_equal(t.errors.v[6].message,
			"12行目: 総在庫数が数値ではありません（99999999999999999999）");
	stockcsv_totals_free(&t);
	/* Delta mode wants signs, and stays within ±10^9. */
	assert_int_equal(totals("SKUコード,総在庫数\nA,5\nB,-1000000001\nC,-1000000000\n",
			STOCKCSV_DELTA, &t), Z_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].value, -1000000000);
	assert_int_equal(t.errors.n, 2);
	assert_non_null(strstr(t.errors.v[0].message, "2行目: 差分モードでは"));
	assert_string_equal(t.errors.v[1].message,
			"3行目: 総在庫数が範囲外です（-1000000000〜1000000000）");
	stockcsv_totals_free(&t);
}

static void test_totals_file_errors(void **state)
{
	(void)state;
	stockcsv_totals t;
	assert_int_equal(totals("", STOCKCSV_ABSOLUTE, &t), Z_INVALID);
	assert_string_equal(t.errors.v[0].message, "ファイルが空です");
	stockcsv_totals_free(&t);
	assert_int_equal(totals("SKUコード,在庫\nA,1\n", STOCKCSV_ABSOLUTE, &t), Z_INVALID);
	assert_non_null(strstr(t.errors.v[0].message, "1行目: 見出し行に"));
	stockcsv_totals_free(&t);
	assert_int_equal(totals("SKUコード,総在庫数\n", STOCKCSV_ABSOLUTE, &t), Z_OK);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.errors.n, 0);
	stockcsv_totals_free(&t);
	assert_int_equal(totals("SKUコード,総在庫数\nA,1\n\"B,2\n", STOCKCSV_ABSOLUTE, &t),
			Z_INVALID);
	assert_non_null(strstr(t.errors.v[0].message, "3行目: 引用符"));
	assert_int_equal(t.n, 0);
	stockcsv_totals_free(&t);
}

/* 確保在庫数 beside 総在庫数, or alone: a blank cell leaves that value, both blank is an error,
 * a sign or a number out of range is refused, and delta files cannot carry it. */
static void test_totals_reserve(void **state)
{
	(void)state;
	stockcsv_totals t;
	assert_int_equal(totals("SKUコード,総在庫数,確保在庫数\nA,10,3\nB,,２\nC,7,\nD,,\n"
			"E,1,-1\nF,1,1000000001\nG,1,abc\n", STOCKCSV_ABSOLUTE, &t), Z_OK);
	assert_true(t.has_total_column);
	assert_true(t.has_reserve_column);
	assert_int_equal(t.n, 3);
	assert_true(t.v[0].has_value && t.v[0].value == 10);
	assert_true(t.v[0].has_reserve && t.v[0].reserve == 3);
	assert_false(t.v[1].has_value);
	assert_true(t.v[1].has_reserve && t.v[1].reserve == 2);
	assert_true(t.v[2].has_value && t.v[2].value == 7);
	assert_false(t.v[2].has_reserve);
	assert_int_equal(t.errors.n, 4);
	assert_string_equal(t.errors.v[0].message, "5行目: 総在庫数と確保在庫数が空です");
	assert_non_null(strstr(t.errors.v[1].message, "6行目: 確保在庫数は0〜1000000000の数で、符号を付けずに"));
	assert_string_equal(t.errors.v[2].message, "7行目: 確保在庫数が範囲外です（0〜1000000000）");
	assert_string_equal(t.errors.v[3].message, "8行目: 確保在庫数が数値ではありません（abc）");
	stockcsv_totals_free(&t);
	/* The reserve alone (English name too). */
	assert_int_equal(totals("sku_code,reserve\nA,0\nB,5\nC,\n", STOCKCSV_ABSOLUTE, &t), Z_OK);
	assert_false(t.has_total_column);
	assert_int_equal(t.n, 2);
	assert_false(t.v[1].has_value);
	assert_int_equal(t.v[1].reserve, 5);
	assert_int_equal(t.errors.n, 1);
	assert_string_equal(t.errors.v[0].message, "4行目: 確保在庫数が空です");
	stockcsv_totals_free(&t);
	/* Not in a delta file: the whole file is refused. */
	assert_int_equal(totals("SKUコード,総在庫数,確保在庫数\nA,+1,2\n", STOCKCSV_DELTA, &t),
			Z_INVALID);
	assert_int_equal(t.n, 0);
	assert_non_null(strstr(t.errors.v[0].message, "確保在庫数は増減では取り込めません"));
	stockcsv_totals_free(&t);
	/* A file of CSV出力: a SKU's rows repeat both values (one row); a different reserve on
	 * another row of the same SKU is a duplicate. */
	assert_int_equal(totals("店舗,SKUコード,商品コード,総在庫数,確保在庫数\n"
			"s1,A,a1,5,2\ns2,A,a2,5,2\ns1,,x,,\ns1,B,b1,4,0\ns2,B,b2,4,1\n",
			STOCKCSV_ABSOLUTE, &t), Z_OK);
	assert_true(t.exported);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[0].reserve, 2);
	assert_int_equal(t.errors.n, 1);
	assert_string_equal(t.errors.v[0].message, "6行目: SKUコード B が5行目と重複しています");
	stockcsv_totals_free(&t);
}

/* A quoted cell is cut on a character boundary: the message stays valid UTF-8. */
static void test_totals_error_quotes_whole_characters(void **state)
{
	(void)state;
	stockcsv_totals t;
	const char *in = "SKUコード,総在庫数\n"
			"A,ああああああああああああああああああああ\n";
	assert_int_equal(totals(in, STOCKCSV_ABSOLUTE, &t), Z_OK);
	assert_int_equal(t.errors.n, 1);
	const char *msg = t.errors.v[0].message;
	assert_true(csv_utf8_valid(msg, strlen(msg)));
	assert_string_equal(msg, "2行目: 総在庫数が数値ではありません（あああああああああああああ）");
	stockcsv_totals_free(&t);
}

static void test_totals_write_read(void **state)
{
	(void)state;
	const char *codes[] = {"A-1", "-B", "髙①"};
	const long long vals[] = {0, 12, 1000000000};
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_CP932);
	assert_int_equal(stockcsv_write_totals(&w, codes, vals, 3), Z_OK);
	csv_writer_free(&w);
	stockcsv_totals t;
	assert_int_equal(stockcsv_parse_totals(out.data, out.len, CSV_ENC__MAX, STOCKCSV_ABSOLUTE,
				NULL, &t), Z_OK);
	assert_int_equal(t.errors.n, 0);
	assert_int_equal(t.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(t.v[i].sku_code, codes[i]);
		assert_int_equal(t.v[i].value, vals[i]);
	}
	stockcsv_totals_free(&t);
	buf_free(&out);
}

static void test_sets_sample(void **state)
{
	(void)state;
	size_t len;
	char *data = slurp("sets.csv", &len);
	setcsv_result r;
	assert_int_equal(setcsv_parse(data, len, CSV_ENC__MAX, NULL, &r), Z_OK);
	assert_int_equal(r.errors.n, 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].set_code, "SET-GIFT");
	assert_string_equal(r.v[0].set_name, "ギフトセット ㈱髙橋");
	assert_int_equal(r.v[0].nparts, 2);
	assert_string_equal(r.v[0].parts[0].part_code, "MUG-010");
	assert_int_equal(r.v[0].parts[0].quantity, 2);
	assert_string_equal(r.v[0].parts[1].part_code, "TOWEL-3");
	assert_int_equal(r.v[0].parts[1].line, 3);
	assert_true(r.v[1].delete);
	assert_int_equal(r.v[1].nparts, 0);
	assert_int_equal(r.v[2].parts[0].quantity, 3);
	setcsv_result_free(&r);
	free(data);
}

static void test_sets_errors(void **state)
{
	(void)state;
	setcsv_result r;
	const char *in = "set_code,set_name,part_code,quantity,delete\n"
			"S1,セット1,P1,1,\n"
			"S2,セット2,P9,2,\n"      /* interleaved sets are grouped */
			"S1,,P2,0,\n"             /* quantity out of range */
			"S1,,P1,3,\n"             /* duplicate part */
			"S1,別名,P3,1,\n"         /* a second name */
			"S1,,S1,1,\n"             /* contains itself */
			"S1,,P4,1,1\n"            /* delete on one row only */
			"S2,,P8,2,x\n"            /* bad delete marker */
			",,P5,1,\n"               /* no set code */
			"S3,,,1,\n"               /* no part */
			"S2,,P7,10000,\n"
			"S2,,P6,2,\n";
	assert_int_equal(setcsv_parse(in, strlen(in), CSV_ENC__MAX, NULL, &r), Z_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].nparts, 1);
	assert_int_equal(r.v[1].nparts, 2);
	assert_string_equal(r.v[1].parts[1].part_code, "P6");
	assert_int_equal(r.errors.n, 9);
	assert_string_equal(r.errors.v[0].message,
			"4行目: 数量は1〜9999の整数で入力してください（0）");
	assert_string_equal(r.errors.v[1].message,
			"5行目: 構成商品 P1 がセット商品 S1 の2行目と重複しています");
	assert_string_equal(r.errors.v[2].message, "6行目: セット商品 S1 の名前が2行目と異なります");
	assert_string_equal(r.errors.v[3].message,
			"7行目: セット商品 S1 が自分自身を構成商品にしています");
	assert_non_null(strstr(r.errors.v[4].message, "8行目: セット商品 S1 の削除が2行目と"));
	assert_string_equal(r.errors.v[5].message, "9行目: 削除の値が正しくありません（1 または空欄）");
	assert_string_equal(r.errors.v[6].message, "10行目: セット商品コードが空です");
	assert_string_equal(r.errors.v[7].message, "11行目: 構成商品コードが空です");
	assert_int_equal(r.errors.v[8].line, 12);
	setcsv_result_free(&r);
	/* Unreadable: no sets are handed out, only the reason. */
	const char *broken = "セット商品コード,構成商品コード,数量\nS,P,1\nS,\"Q,1\n";
	assert_int_equal(setcsv_parse(broken, strlen(broken), CSV_ENC__MAX, NULL, &r), Z_INVALID);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.errors.n, 1);
	assert_non_null(strstr(r.errors.v[0].message, "3行目: 引用符"));
	setcsv_result_free(&r);
	/* Missing required column. */
	const char *missing = "セット商品コード,数量\nA,1\n";
	assert_int_equal(setcsv_parse(missing, strlen(missing), CSV_ENC__MAX, NULL, &r), Z_INVALID);
	assert_non_null(strstr(r.errors.v[0].message, "構成商品コード"));
	setcsv_result_free(&r);
}

/* Export, then import: the same sets come back, including codes and names that the formula
 * guard had to protect, and names that need quoting. */
static void test_sets_round_trip(void **state)
{
	(void)state;
	setcsv_part p1[] = {{"MUG-010", 2, 0}, {"-TOWEL", 1, 0}};
	setcsv_part p2[] = {{"=1+1", 9999, 0}};
	setcsv_set sets[] = {
		{"SET-①", "ギフト,\"特製\" ㈱髙橋〜", false, p1, 2, 2, 0},
		{"+SET2", "=HYPERLINK(\"x\")", false, p2, 1, 1, 0},
		{"SET-OLD", "", true, NULL, 0, 0, 0},
	};
	for (int enc = 0; enc < CSV_OUT__MAX; enc++) {
		buf out = BUF_INIT;
		csv_writer w;
		csv_writer_init(&w, &out, (csv_out_encoding)enc);
		assert_int_equal(setcsv_write(&w, sets, Z_ARRAY_LEN(sets)), Z_OK);
		assert_int_equal(w.rows, 5);
		csv_writer_free(&w);
		/* No cell starts a formula. */
		assert_null(strstr(buf_str(&out), ",="));
		assert_null(strstr(buf_str(&out), "\n+"));
		setcsv_result r;
		assert_int_equal(setcsv_parse(out.data, out.len, CSV_ENC__MAX, NULL, &r), Z_OK);
		assert_int_equal(r.errors.n, 0);
		assert_int_equal(r.n, Z_ARRAY_LEN(sets));
		for (size_t i = 0; i < r.n; i++) {
			assert_string_equal(r.v[i].set_code, sets[i].set_code);
			/* CP932 turns 〜 into ～; UTF-8 keeps it. */
			if (enc == CSV_OUT_CP932 && i == 0)
				assert_string_equal(r.v[i].set_name, "ギフト,\"特製\" ㈱髙橋～");
			else
				assert_string_equal(r.v[i].set_name, sets[i].set_name);
			assert_int_equal(r.v[i].delete, sets[i].delete);
			assert_int_equal(r.v[i].nparts, sets[i].nparts);
			for (size_t j = 0; j < r.v[i].nparts; j++) {
				assert_string_equal(r.v[i].parts[j].part_code, sets[i].parts[j].part_code);
				assert_int_equal(r.v[i].parts[j].quantity, sets[i].parts[j].quantity);
			}
		}
		/* Twice round: byte-identical output. */
		buf again = BUF_INIT;
		csv_writer_init(&w, &again, (csv_out_encoding)enc);
		assert_int_equal(setcsv_write(&w, r.v, r.n), Z_OK);
		csv_writer_free(&w);
		assert_int_equal(again.len, out.len);
		assert_memory_equal(again.data, out.data, out.len);
		buf_free(&again);
		setcsv_result_free(&r);
		buf_free(&out);
	}
}

static void test_sets_emoji_export(void **state)
{
	(void)state;
	setcsv_part p[] = {{"A", 1, 0}};
	setcsv_set sets[] = {
		{"S1", "ふつう", false, p, 1, 1, 0},
		{"S2", "🎁ギフト", false, p, 1, 1, 0},
	};
	buf out = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, CSV_OUT_CP932);
	assert_int_equal(setcsv_write(&w, sets, 2), Z_INVALID);
	assert_int_equal(w.bad_row, 3); /* header, S1, then S2 */
	csv_writer_free(&w);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_sample),
		cmocka_unit_test(test_totals_english_and_delta),
		cmocka_unit_test(test_totals_errors),
		cmocka_unit_test(test_totals_file_errors),
		cmocka_unit_test(test_totals_reserve),
		cmocka_unit_test(test_totals_error_quotes_whole_characters),
		cmocka_unit_test(test_totals_write_read),
		cmocka_unit_test(test_sets_sample),
		cmocka_unit_test(test_sets_errors),
		cmocka_unit_test(test_sets_round_trip),
		cmocka_unit_test(test_sets_emoji_export),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
