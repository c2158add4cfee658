/* csv/stockcsv: zaiko's own files: 総在庫数 一括更新 and セット商品 CSV (import and export). */
#ifndef ZAIKO_CSV_STOCKCSV_H
#define ZAIKO_CSV_STOCKCSV_H

#include "csv/csv.h"

/* ---- 総在庫数 一括更新 ----------------------------------------------------------------------
 * Header (any order, other columns ignored):
 *   SKUコード (also: SKU, sku_code, sku)   総在庫数 (also: total, total_stock)
 * ABSOLUTE: each value is the new total, 0..1,000,000,000, written without a sign.
 * DELTA:    each value is a change with its sign, "+5" or "-3", within ±1,000,000,000; an
 *           unsigned value is refused so an absolute file uploaded as delta cannot slip by.
 * One SKU twice in one file is an error naming both lines. Rows with every cell blank are
 * skipped. A leading ' added by zaiko's export guard is removed from codes.
 * A file of CSV出力 (it has a 商品コード column too) goes back unchanged: in ABSOLUTE mode a SKU
 * repeated with the same 総在庫数 (and 確保在庫数) is one row, a blank 総在庫数 (a listing without a
 * SKU) is skipped, and a total below 0 (oversold) is read as it is.
 *
 * 確保在庫数 (also: 確保在庫, reserve), optional: the SKU's new reserve, 0..1,000,000,000 without
 * a sign (a setting, never a change: refused in DELTA mode). A file may carry 総在庫数, 確保在庫数
 * or both; with both, a blank cell leaves that value as it is (a row with both blank is an
 * error). Full-width digits are read as the edit boxes read them. */

#define STOCKCSV_MAX_TOTAL 1000000000LL

typedef enum {
	STOCKCSV_ABSOLUTE,
	STOCKCSV_DELTA
} stockcsv_mode;

typedef struct {
	char *sku_code;
	bool has_value;   /* false: the row leaves the total as it is (blank, or no column) */
	long long value;  /* the new total (ABSOLUTE) or the change (DELTA) */
	bool has_reserve; /* a 確保在庫数 was given */
	long long reserve;
	size_t line;
} stockcsv_row;

typedef struct {
	stockcsv_mode mode;
	csv_encoding encoding;
	stockcsv_row *v;
	size_t n, cap;
	bool has_total_column, has_reserve_column;
	bool exported;    /* a file of CSV出力 (商品コード beside the SKU columns) */
	csv_errors errors;
} stockcsv_totals;

/* Decodes (CSV_ENC__MAX = detect) and reads a total-stock file into out (zeroed first).
 * Z_OK when read to the end (row errors may be in out->errors: the import is all-or-nothing,
 * so a caller refuses the file when out->errors.n > 0); Z_INVALID when unreadable (reason in
 * out->errors, no rows kept); Z_NOMEM. Free with stockcsv_totals_free. */
int stockcsv_parse_totals(const char *data, size_t len, csv_encoding enc, stockcsv_mode mode,
		const csv_limits *lim, stockcsv_totals *out);
void stockcsv_totals_free(stockcsv_totals *t);

/* Writes a total-stock file (header SKUコード,総在庫数 then one row per code) with w.
 * codes/totals have n entries. Z_OK, Z_NOMEM, or Z_INVALID as csv_writer_end_row. */
int stockcsv_write_totals(csv_writer *w, const char *const *codes, const long long *totals,
		size_t n);

/* ---- セット商品 CSV -----------------------------------------------------------------------
 * One row per part of a set:
 *   セット商品コード,セット商品名,構成商品コード,数量,削除
 * English names accepted: set_code,set_name,part_code,quantity,delete.
 * The rows of one set (they need not be adjacent) are its complete part list: an import
 * replaces the set's parts with them. 削除 = 1 (or 削除, d, delete) on the rows of a set means
 * "delete this set"; it must then be on every row of that set (parts may be blank).
 * 数量 is 1..9999. A part listed twice in one set, a set that contains itself, and two
 * different names for one set are errors naming the lines. Cycles between sets need the
 * database and are checked by the stock layer. */

#define SETCSV_MAX_QUANTITY 9999

typedef struct {
	char *part_code;
	int quantity;
	size_t line;
} setcsv_part;

typedef struct {
	char *set_code;
	char *set_name;   /* "" when no row named it */
	bool delete;
	setcsv_part *parts;
	size_t nparts, cap;
	size_t line;      /* the set's first row */
} setcsv_set;

typedef struct {
	csv_encoding encoding;
	setcsv_set *v;    /* in the order each set first appears */
	size_t n, cap;
	csv_errors errors;
} setcsv_result;

/* Decodes and reads a set file into out (zeroed first); return values as
 * stockcsv_parse_totals. Free with setcsv_result_free. */
int setcsv_parse(const char *data, size_t len, csv_encoding enc, const csv_limits *lim,
		setcsv_result *out);
void setcsv_result_free(setcsv_result *r);

/* Writes sets in the same format (header, then one row per part, 削除 blank) with w; what
 * it writes reads back through setcsv_parse as the same sets. Z_OK, Z_NOMEM, or Z_INVALID
 * when a name cannot be encoded (w->bad_row). */
int setcsv_write(csv_writer *w, const setcsv_set *sets, size_t n);

#endif
