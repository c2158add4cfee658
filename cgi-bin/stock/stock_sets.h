/* stock_sets: セット商品 by code — save, delete, check and import — for the セット商品 screens
 * and any command; the sets' stock rules themselves are stock_set_define's (stock.h). */
#ifndef ZAIKO_STOCK_SETS_H
#define ZAIKO_STOCK_SETS_H

#include "csv/stockcsv.h"
#include "stock/stock.h"

/* One part row as entered: a code and its quantity as typed (qty_ok: qty_text was an integer;
 * qty_text is quoted back in the message of a bad quantity). Strings are borrowed. */
typedef struct {
	const char *code;
	long long qty;
	bool qty_ok;
	const char *qty_text;
} stock_set_input;

/* What saving or importing one set did (or would do). */
typedef enum {
	STOCK_SET_CREATED,
	STOCK_SET_CHANGED,
	STOCK_SET_UNCHANGED,
	STOCK_SET_DELETED,
	STOCK_SET__MAX
} stock_set_outcome;

/* Every message below is in lang ("ja", "en"; NULL: Japanese), from the language files'
 * msg.stock_sets texts (core/lang.h). */

/* True when code is a valid SKU code (1..128 characters, valid UTF-8, no tab or line break, no
 * edge spaces); else false with a message naming what (the language key of its label, e.g.
 * "msg.label.set_code") appended to why. */
bool stock_set_code_ok(const char *lang, const char *code, const char *what, buf *why);

/* Resolves the part codes of in[0..n) to parts[0..n) (SKU ids and quantities), refusing a bad
 * code, the set itself, a quantity outside 1..STOCK_PART_QTY_MAX, a part twice, an unknown
 * code: Z_INVALID with a message naming the first bad row appended to why. Z_OK, Z_ERR. */
int stock_set_resolve(db *d, const char *lang, const char *set_code, const stock_set_input *in,
                      int n, stock_set_part *parts, buf *why);

/* Creates or replaces one set: a new code gets a SKU (total 0), a set_name other than ""
 * replaces the stored name, the parts go through stock_set_define (cycles, depth). is_new:
 * refuse a code that is a set already (the form for a new set). why is emptied, then holds the
 * reason on Z_INVALID. One transaction (the caller's, or its own retried on
 * deadlock). Z_OK with *outcome and *set_id, Z_INVALID, Z_NOMEM, Z_ERR. */
int stock_set_save(db *d, const char *lang, const char *set_code, const char *set_name,
                   const stock_set_input *in, int n, bool is_new, stock_set_outcome *outcome,
                   long long *set_id, buf *why);

/* What stock_set_save would do, without keeping it: the set is saved in a transaction that is
 * rolled back, so the checks (cycles, depth) are exactly a save's. The caller must not hold a
 * transaction. Z_OK with *available (the set's available stock after the save), Z_INVALID
 * with why, Z_ERR. */
int stock_set_check(db *d, const char *lang, const char *set_code, const stock_set_input *in,
                    int n, bool is_new, long long *available, buf *why);

/* Deletes a set not used by another set: its parts go, and its SKU too when nothing else
 * refers to it (no listing linked, no stock moves); else it stays as an ordinary SKU. why is
 * emptied, then holds the reason on Z_INVALID. One transaction (the caller's, or its
 * own). Z_OK, Z_INVALID, Z_ERR. */
int stock_set_delete(db *d, const char *lang, const char *set_code, buf *why);

/* Called by stock_set_import for each set applied: its index in the file, the set, what was
 * done, its parts as "CODE ×N、…" (msg.stock_sets.part_first and part_next, in errors->lang),
 * its available stock (0 when deleted). */
typedef void (*stock_set_row_fn)(void *ctx, size_t i, const setcsv_set *s,
                                 stock_set_outcome outcome, const char *parts_text,
                                 long long available);

/* Applies every set of a parsed set file inside the caller's transaction (the caller commits,
 * or rolls back when errors->n > 0 afterwards): new set codes get their SKU first, so sets may
 * name sets that appear later; then each set is saved or deleted. Row errors (with line
 * numbers) go to errors, in errors->lang; counts[outcome] counts the sets applied; row (may
 * be NULL) is told of each. Z_OK (also with row errors), Z_NOMEM, Z_ERR. */
int stock_set_import(db *d, const setcsv_result *sets, csv_errors *errors,
                     int counts[STOCK_SET__MAX], stock_set_row_fn row, void *ctx);

#endif
