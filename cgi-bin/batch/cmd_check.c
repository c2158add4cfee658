/* The check-stock command: reads each shop's stock back to find drift (差異) and stock changed
 * on the mall's side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/batch.h"
#include "batch/sync.h"
#include "core/log.h"
#include "core/smsg.h"
#include "stock/stock.h"

typedef struct {
	int read, found, changed_by_mall;
} check_stats;

/* A value differing from what zaiko last pushed is explained by a push not yet sent or by an
 * order placed (or fetched) since that push; anything else was changed on the mall's side. */
static int explained(db *d, long long listing_id, bool *yes)
{
	long long n = 0;
	int rc = db_query_ll(d,
	                     "SELECT (SELECT COUNT(*) FROM push WHERE listing_id = ? AND "
	                     "state IN ('pending', 'sending')) + "
	                     "(SELECT COUNT(*) FROM mall_order_line ol JOIN mall_order o ON "
	                     "o.id = ol.order_id JOIN listing l ON l.id = ol.listing_id WHERE "
	                     "ol.listing_id = ? AND (o.ordered_at >= l.pushed_at OR "
	                     "o.mall_updated_at >= l.pushed_at OR o.fetched_at >= l.pushed_at))",
	                     DB_ARGS(DB_I(listing_id), DB_I(listing_id)), 0, &n);
	*yes = n > 0;
	return rc;
}

static int check_chunk(db *d, batch_shop *s, db_res *r, check_stats *cs)
{
	mall_status st = {0};
	int n = r->nrows, rc = Z_OK;
	mall_stock_item *items = calloc((size_t)n, sizeof(*items));
	if (!items)
		return Z_NOMEM;
	for (int i = 0; i < n; i++)
		items[i] = (mall_stock_item){db_get_ll(r, i, 0, 0), db_get(r, i, 1), db_get(r, i, 2),
		                             db_get(r, i, 3), db_get(r, i, 4), 0, false};
	mall_outcome out = s->adapter->read_stock(&s->ms, items, n, &st);
	if (out != MALL_OK) {
		batch_clean_message(st.message);
		log_warn("check-stock: shop %lld: %s", s->ms.id, st.message);
		if (out == MALL_AUTH) {
			char reason[400];
			snprintf(reason, sizeof(reason), "認証エラー (在庫確認): %s", st.message);
			buf m = BUF_INIT;
			smsg_key(&m, "msg.batch.auth_error_check");
			smsg_lit(&m, " ");
			batch_msg_mall(&m, st.msg, st.message);
			batch_shop_stop_m(d, s, reason, buf_str(&m));
			buf_free(&m);
		}
		rc = Z_ERR;
		goto out;
	}
	for (int i = 0; rc == Z_OK && i < n; i++) {
		mall_stock_item *it = &items[i];
		cs->read++;
		if (!it->found)
			continue;
		cs->found++;
		rc = db_execv(d, "UPDATE listing SET mall_stock = ?, mall_stock_at = UTC_TIMESTAMP() "
		                 "WHERE id = ?", DB_I(it->stock), DB_I(it->listing_id));
		long long sku_id = db_get_ll(r, i, 6, 0);
		if (rc == Z_OK && sku_id)
			rc = db_execv(d, "UPDATE sku SET drift = EXISTS (SELECT 1 FROM listing l WHERE "
			                 "l.sku_id = sku.id AND l.drift = 1) WHERE id = ?", DB_I(sku_id));
		if (rc != Z_OK || !db_get(r, i, 5) || db_get_ll(r, i, 5, 0) == it->stock)
			continue;
		bool yes = false;
		if ((rc = explained(d, it->listing_id, &yes)) != Z_OK || yes)
			continue;
		cs->changed_by_mall++;
		char key[64];
		snprintf(key, sizeof(key), "mall_changed:%lld", it->listing_id);
		buf m = BUF_INIT;
		smsg_keyf(&m, "msg.batch.mall_changed",
		          "モール側で在庫数が変更されています: 店舗「%s」商品 %s%s%s "
		          "(最後に反映した在庫数 %s、モールの在庫数 %d)",
		          s->name, it->item_code, *it->sub_code ? " / " : "", it->sub_code,
		          db_get(r, i, 5), it->stock);
		rc = stock_error_m(d, 8, "mall_changed", s->ms.id, sku_id, it->listing_id, key,
		                   buf_str(&m),
		                   "モール側で在庫数が変更されています: 店舗「%s」商品 %s%s%s "
		                   "(最後に反映した在庫数 %s、モールの在庫数 %d)",
		                   s->name, it->item_code, *it->sub_code ? " / " : "", it->sub_code,
		                   db_get(r, i, 5), it->stock);
		buf_free(&m);
	}
out:
	free(items);
	return rc;
}

static int check_shop(db *d, const conf *cfg, long long id, check_stats *cs, bool *failed)
{
	batch_shop s;
	db_res *r = NULL;
	sync_stats stats = {0};
	long long after = 0;
	int rc = batch_shop_open(d, cfg, id, &s);
	if (rc != Z_OK)
		return rc;
	if (s.stopped || !s.loaded) {
		log_info("check-stock: shop %lld skipped (%s)", id, s.stopped ? "stopped" : s.load_error);
		*failed = true;
		goto out;
	}
	/* Orders first, so a sale the mall already counted is not taken for a change by hand. */
	if (sync_fetch(d, cfg, &s, &stats) != Z_OK || stats.failed) {
		*failed = true;
		goto out;
	}
	int chunk = s.adapter->max_read_batch > 0 ? s.adapter->max_read_batch : 1;
	for (;;) {
		db_res_free(r);
		r = NULL;
		rc = db_queryv(d, &r,
		               "SELECT id, item_code, sub_code, sku_code, mall_ref, pushed_value, sku_id "
		               "FROM listing WHERE shop_id = ? AND id > ? ORDER BY id LIMIT ?",
		               DB_I(id), DB_I(after), DB_I(chunk));
		if (rc != Z_OK || r->nrows == 0)
			break;
		after = db_get_ll(r, r->nrows - 1, 0, 0);
		if ((rc = check_chunk(d, &s, r, cs)) != Z_OK) {
			*failed = true;
			rc = Z_OK;
			break;
		}
	}
	batch_shop_save_credentials(d, cfg, &s);
out:
	db_res_free(r);
	batch_shop_close(&s);
	return rc;
}

int batch_check_stock(const conf *cfg, db *d, int argc, char **argv)
{
	long long *ids = NULL;
	int n = 0;
	bool failed = false;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: zaiko-batch check-stock [SHOP]\n");
		return BATCH_EXIT_USAGE;
	}
	int rc = batch_shop_ids(d, argc == 2 ? argv[1] : NULL, &ids, &n);
	if (rc == Z_NOTFOUND) {
		fprintf(stderr, "check-stock: no shop named '%s'\n", argv[1]);
		return BATCH_EXIT_USAGE;
	}
	for (int i = 0; rc == Z_OK && i < n; i++) {
		check_stats cs = {0};
		if (!batch_shop_lock(d, ids[i])) {
			log_info("check-stock: shop %lld held by another run, skipped", ids[i]);
			continue;
		}
		rc = check_shop(d, cfg, ids[i], &cs, &failed);
		batch_shop_unlock(d, ids[i]);
		printf("shop %lld: read %d, found %d, changed on the mall %d\n", ids[i], cs.read,
		       cs.found, cs.changed_by_mall);
	}
	free(ids);
	return rc != Z_OK ? BATCH_EXIT_FAILED : failed ? BATCH_EXIT_FAILED : BATCH_EXIT_OK;
}
