/* stock: the 在庫連携 screen — the list of SKUs with each shop's listing. */
#include <stdio.h>
#include <string.h>
#include "screens/screens.h"

#define PAGE_ROWS 100

const web_field stock_list_fields[] = {
	{.name = "page", .type = WF_INT, .min = 1, .max = 1000000, .label = "ページ"},
	{0},
};

int stock_list_page(web_request *r)
{
	db_res *shops = NULL, *skus = NULL, *cells = NULL;
	int rc = Z_ERR;
	long long page = web_int(r, "page", 1), count = 0;
	long long offset = (page - 1) * PAGE_ROWS;
	char key[128];

	if (db_query(r->db, "SELECT id, name, mall FROM shop WHERE enabled = 1 "
	                    "ORDER BY is_base DESC, id", NULL, 0, &shops) != Z_OK ||
	    db_query_ll(r->db, "SELECT COUNT(*) FROM sku", NULL, 0, 0, &count) != Z_OK ||
	    db_queryv(r->db, &skus,
	              "SELECT id, code, name, total, is_set FROM sku ORDER BY code LIMIT ? OFFSET ?",
	              DB_I(PAGE_ROWS), DB_I(offset)) != Z_OK ||
	    db_queryv(r->db, &cells,
	              "SELECT l.sku_id, l.shop_id, l.item_code, l.mall_stock, l.sync, l.wanted, "
	              "l.drift FROM listing l JOIN (SELECT id FROM sku ORDER BY code LIMIT ? OFFSET ?) "
	              "page ON page.id = l.sku_id",
	              DB_I(PAGE_ROWS), DB_I(offset)) != Z_OK)
		goto out;

	web_set(r, "Page.title", "在庫連携");
	web_set_int(r, "Page.count", count);
	web_set_int(r, "Page.page", page);
	web_set_int(r, "Page.pages", (count + PAGE_ROWS - 1) / PAGE_ROWS);
	if (page > 1)
		web_set_int(r, "Page.prev", page - 1);
	if (page * PAGE_ROWS < count)
		web_set_int(r, "Page.next", page + 1);
	for (int s = 0; s < shops->nrows; s++) {
		snprintf(key, sizeof(key), "Page.shops.%d.name", s);
		web_set(r, key, db_get(shops, s, 1));
		snprintf(key, sizeof(key), "Page.shops.%d.mall", s);
		web_set(r, key, db_get(shops, s, 2));
	}
	for (int i = 0; i < skus->nrows; i++) {
		const char *sku_id = db_get(skus, i, 0);
		snprintf(key, sizeof(key), "Page.rows.%d.code", i);
		web_set(r, key, db_get(skus, i, 1));
		snprintf(key, sizeof(key), "Page.rows.%d.name", i);
		web_set(r, key, db_get(skus, i, 2));
		snprintf(key, sizeof(key), "Page.rows.%d.total", i);
		web_set(r, key, db_get(skus, i, 3));
		for (int s = 0; s < shops->nrows; s++) {
			/* At most a few hundred cells a page: a scan beats a hash here. */
			for (int c = 0; c < cells->nrows; c++) {
				if (strcmp(db_get(cells, c, 0), sku_id) ||
				    strcmp(db_get(cells, c, 1), db_get(shops, s, 0)))
					continue;
				const char *fields[] = {"item", "stock", "sync", "wanted", "drift"};
				for (int f = 0; f < 5; f++) {
					snprintf(key, sizeof(key), "Page.rows.%d.shops.%d.%s", i, s, fields[f]);
					web_set(r, key, db_get(cells, c, 2 + f));
				}
			}
		}
	}
	rc = web_render(r, "stock.cs");
out:
	db_res_free(shops);
	db_res_free(skus);
	db_res_free(cells);
	return rc;
}
