/* stock_int: helpers shared by the stock core's files; not for other layers. */
#ifndef ZAIKO_STOCK_INT_H
#define ZAIKO_STOCK_INT_H

#include "core/hmap.h"
#include "stock/stock.h"

/* A growable set of positive ids (kept unique, in insertion order), with a hash index (the
 * core's hmap, keyed by the id's bytes) so that relinking a whole shop stays linear.
 * Zero-initialise; free with idset_free. */
typedef struct {
	long long *v;
	int n, cap;
	hmap index;
} idset;

/* Adds id (> 0; others are ignored) unless present; Z_OK or Z_NOMEM. */
int idset_add(idset *s, long long id);
bool idset_has(const idset *s, long long id);
void idset_sort(idset *s);
void idset_free(idset *s);

/* stock_wanted_calc with the word naming the available stock ("総在庫", "セット在庫"). */
int stock_wanted_label(const char *label, long long available, bool has_min, int min,
                       bool has_max, int max, stock_wanted *out);

/* Inside a transaction: locks the SKU row, checks bounds, writes the total and a stock_move.
 * No re-queue (the caller re-queues once for all moves). Z_OK, Z_NOTFOUND, Z_INVALID. */
int stock_move_locked(db *d, long long sku_id, long long delta, const char *reason,
                      const char *ref, long long user_id, long long *total_after);

/* Available stock of a SKU (set arithmetic recursively); why (may be NULL) gets the set
 * arithmetic "セット: min(A 7/2, B 9/3) = 3" for sets, msg (may be NULL) the same as stored
 * keys (core/smsg.h). *is_set may be NULL. */
int stock_available_why(db *d, long long sku_id, long long *out, bool *is_set, buf *why,
                        buf *msg);

/* Recomputes one SKU's listings (wanted, pending pushes) and its drift flag. When force_ids
 * is given, those listings get a push even if the shop holds the value (反映), with prefix
 * in front of the why. Z_OK or Z_ERR. */
int stock_requeue_one(db *d, long long sku_id, const idset *force_ids, const char *prefix);

/* Marks duplicates within a shop and clears solved ones; adds the SKUs whose listings changed
 * state to touched (may be NULL). Z_OK or Z_ERR. */
int stock_check_duplicates(db *d, long long shop_id, idset *touched);

/* Appends one normalised field to a search document, space-separated; an empty field adds
 * nothing. Z_OK or Z_NOMEM. */
int stock_doc_append(buf *doc, const char *text);

/* The duplicate check of one SKU within one shop (cheap: by index), marking or clearing its
 * listings; adds the SKU to touched (may be NULL) when a state changed. Z_OK or Z_ERR. */
int stock_check_duplicate_sku(db *d, long long shop_id, long long sku_id, idset *touched);

/* Wanted, pending pushes and drift for every listing (shop_id 0) or one shop, in bulk SQL
 * (sets handled one by one). Counts may be NULL. Z_OK or Z_ERR. */
int stock_recompute_sql(db *d, long long shop_id, long long *listings, long long *queued);

#endif
