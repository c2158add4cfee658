/* The shop-add, shop-credentials, shop-edit and shop-delete commands: shops with sealed
 * credentials, for `make run`, tests and hosts without the admin screen. Credentials go only
 * to an API URL fit for them (core/mallurl) and only to the one they were entered for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "batch/batch.h"
#include "batch/shops.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mallurl.h"
#include "stock/stock.h"

/* Reads all of standard input (at most 64 KiB) as a JSON object; returns its compact text
 * (caller frees with cJSON_free) or NULL. */
static char *read_credentials(void)
{
	buf in = BUF_INIT;
	char chunk[4096];
	size_t got;
	char *out = NULL;
	while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && in.len < 65536)
		buf_append(&in, chunk, got);
	cJSON *j = in.len && in.len < 65536 ? cJSON_Parse(buf_str(&in)) : NULL;
	if (cJSON_IsObject(j))
		out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (in.data)
		memset(in.data, 0, in.len);
	buf_free(&in);
	return out;
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		cJSON_free(s);
	}
}

int batch_shop_add(const conf *cfg, db *d, int argc, char **argv)
{
	const char *name = NULL, *mall = NULL, *base_url = NULL, *options = NULL, *expire = NULL;
	bool is_base = false, from_stdin = false, disabled = false;
	char *creds = NULL;
	long long id = 0;
	int ret = BATCH_EXIT_FAILED;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--base-url") && i + 1 < argc)
			base_url = argv[++i];
		else if (!strcmp(argv[i], "--options") && i + 1 < argc)
			options = argv[++i];
		else if (!strcmp(argv[i], "--credentials-expire") && i + 1 < argc)
			expire = argv[++i];
		else if (!strcmp(argv[i], "--base"))
			is_base = true;
		else if (!strcmp(argv[i], "--disabled"))
			disabled = true;
		else if (!strcmp(argv[i], "--credentials-stdin"))
			from_stdin = true;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else if (argv[i][0] != '-' && !mall)
			mall = argv[i];
		else
			goto usage;
	}
	if (!name || !mall || !base_url || !mall_adapter_for(mall))
		goto usage;
	if (options) {
		cJSON *o = cJSON_Parse(options);
		bool okj = cJSON_IsObject(o);
		cJSON_Delete(o);
		if (!okj) {
			fprintf(stderr, "shop-add: --options is not a JSON object\n");
			return BATCH_EXIT_USAGE;
		}
	}
	{
		char why[200];
		cJSON *o = options ? cJSON_Parse(options) : NULL;
		bool fit = mallurl_shop_ok(base_url, o, mallurl_allow_local(cfg), why, sizeof(why));
		cJSON_Delete(o);
		if (!fit) {
			fprintf(stderr, "shop-add: %s\n", why);
			return BATCH_EXIT_USAGE;
		}
	}
	if (from_stdin && !(creds = read_credentials())) {
		fprintf(stderr, "shop-add: standard input is not a JSON object\n");
		return BATCH_EXIT_USAGE;
	}
	int rc = db_exec(d, "INSERT INTO shop (name, mall, is_base, enabled, api_base, options, "
	                    "credentials_expire_at, created_at) "
	                    "VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
	                 DB_ARGS(DB_S(name), DB_S(mall), DB_I(is_base), DB_I(!disabled),
	                         DB_S(base_url), DB_SOPT(options), DB_SOPT(expire)),
	                 NULL, &id);
	if (rc != Z_OK) {
		fprintf(stderr, "shop-add: could not add shop '%s' (does it exist already?)\n", name);
		goto out;
	}
	if (creds && batch_seal_credentials(d, cfg, id, creds) != Z_OK)
		goto out;
	printf("%lld\n", id);
	ret = BATCH_EXIT_OK;
out:
	wipe_free(creds);
	return ret;
usage:
	fprintf(stderr, "usage: zaiko-batch shop-add NAME yahoo|rakuten|amazon|shopify|base|colorme --base-url URL "
	                "[--base] [--disabled] [--credentials-stdin] [--options JSON] "
	                "[--credentials-expire 'YYYY-MM-DD HH:MM:SS']\n");
	return BATCH_EXIT_USAGE;
}

int batch_shop_credentials(const conf *cfg, db *d, int argc, char **argv)
{
	long long id = 0;
	int ret = BATCH_EXIT_FAILED;
	char *creds = NULL;
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: zaiko-batch shop-credentials SHOP < credentials.json\n");
		return BATCH_EXIT_USAGE;
	}
	if (db_query_ll(d, "SELECT id FROM shop WHERE name = ?", DB_ARGS(DB_S(argv[1])), 0, &id) !=
	    Z_OK)
		return BATCH_EXIT_FAILED;
	if (!id) {
		fprintf(stderr, "shop-credentials: no shop named '%s'\n", argv[1]);
		return BATCH_EXIT_USAGE;
	}
	if (!(creds = read_credentials())) {
		fprintf(stderr, "shop-credentials: standard input is not a JSON object\n");
		return BATCH_EXIT_USAGE;
	}
	/* New credentials are the admin's fix for a stopped shop: it resumes on the next cycle. */
	if (batch_seal_credentials(d, cfg, id, creds) == Z_OK &&
	    db_execv(d, "UPDATE shop SET state = 'ok', stop_reason = NULL, stop_reason_msg = NULL, "
	                "probe_at = NULL, token_expires_at = NULL WHERE id = ?", DB_I(id)) == Z_OK)
		ret = BATCH_EXIT_OK;
	wipe_free(creds);
	return ret;
}

/* The shop id of name, or 0 (a message printed). */
static long long shop_by_name(db *d, const char *cmd, const char *name)
{
	long long id = 0;
	if (db_query_ll(d, "SELECT id FROM shop WHERE name = ?", DB_ARGS(DB_S(name)), 0, &id) != Z_OK)
		return -1;
	if (!id)
		fprintf(stderr, "%s: no shop named '%s'\n", cmd, name);
	return id;
}

int batch_shop_edit(const conf *cfg, db *d, int argc, char **argv)
{
	const char *shop = NULL, *new_name = NULL, *base_url = NULL, *options = NULL, *expire = NULL;
	int enable = -1, is_base = -1;
	bool from_stdin = false, has_expire = false;
	char *creds = NULL, *opts_text = NULL, why[200], old_dest[65], new_dest[65];
	db_res *r = NULL;
	cJSON *opts = NULL, *patch = NULL;
	int ret = BATCH_EXIT_FAILED;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			new_name = argv[++i];
		else if (!strcmp(argv[i], "--base-url") && i + 1 < argc)
			base_url = argv[++i];
		else if (!strcmp(argv[i], "--options") && i + 1 < argc)
			options = argv[++i];
		else if (!strcmp(argv[i], "--credentials-expire") && i + 1 < argc)
			expire = argv[++i], has_expire = true;
		else if (!strcmp(argv[i], "--enable"))
			enable = 1;
		else if (!strcmp(argv[i], "--disable"))
			enable = 0;
		else if (!strcmp(argv[i], "--base"))
			is_base = 1;
		else if (!strcmp(argv[i], "--credentials-stdin"))
			from_stdin = true;
		else if (argv[i][0] != '-' && !shop)
			shop = argv[i];
		else
			goto usage;
	}
	if (!shop)
		goto usage;
	if (options && !cJSON_IsObject(patch = cJSON_Parse(options))) {
		fprintf(stderr, "shop-edit: --options is not a JSON object\n");
		ret = BATCH_EXIT_USAGE;
		goto out;
	}
	long long id = shop_by_name(d, "shop-edit", shop);
	if (id <= 0) {
		ret = id < 0 ? BATCH_EXIT_FAILED : BATCH_EXIT_USAGE;
		goto out;
	}
	if (db_queryv(d, &r, "SELECT mall, api_base, COALESCE(options, ''), credentials IS NOT NULL "
	                     "FROM shop WHERE id = ?", DB_I(id)) != Z_OK || !r->nrows)
		goto out;
	const char *mall = db_get(r, 0, 0);
	opts = cJSON_Parse(db_get(r, 0, 2));
	if (!cJSON_IsObject(opts)) {
		cJSON_Delete(opts);
		opts = cJSON_CreateObject();
	}
	mallurl_destination(mall, db_get(r, 0, 1), opts, old_dest);
	const cJSON *it;
	cJSON_ArrayForEach(it, patch)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(opts, it->string);
		if (!cJSON_IsNull(it))
			cJSON_AddItemToObject(opts, it->string, cJSON_Duplicate(it, true));
	}
	const char *api = base_url ? base_url : db_get(r, 0, 1);
	if (!mallurl_shop_ok(api, opts, mallurl_allow_local(cfg), why, sizeof(why))) {
		fprintf(stderr, "shop-edit: %s\n", why);
		ret = BATCH_EXIT_USAGE;
		goto out;
	}
	mallurl_destination(mall, api, opts, new_dest);
	bool moved = strcmp(old_dest, new_dest) != 0;
	if (moved && db_get_ll(r, 0, 3, 0) && !from_stdin) {
		fprintf(stderr, "shop-edit: the API or token URL changes: enter the credentials again "
		                "(--credentials-stdin); the stored ones are never sent to a new place\n");
		ret = BATCH_EXIT_USAGE;
		goto out;
	}
	if (from_stdin && !(creds = read_credentials())) {
		fprintf(stderr, "shop-edit: standard input is not a JSON object\n");
		ret = BATCH_EXIT_USAGE;
		goto out;
	}
	if (!(opts_text = cJSON_PrintUnformatted(opts)))
		goto out;
	if (db_begin(d) != Z_OK)
		goto out;
	int rc = db_execv(d, "UPDATE shop SET name = COALESCE(?, name), api_base = ?, options = ?, "
	                     "enabled = IF(? < 0, enabled, ?), credentials_expire_at = IF(?, ?, "
	                     "credentials_expire_at), credentials = IF(?, NULL, credentials) WHERE id = ?",
	                  DB_SOPT(new_name), DB_S(api), DB_S(opts_text), DB_I(enable), DB_I(enable),
	                  DB_I(has_expire), has_expire && *expire ? DB_S(expire) : DB_NUL,
	                  DB_I(moved), DB_I(id));
	if (rc == Z_OK && is_base == 1)
		rc = db_execv(d, "UPDATE shop SET is_base = (id = ?)", DB_I(id));
	/* New credentials are sealed for the place now stored, and resume a stopped shop. */
	if (rc == Z_OK && creds)
		rc = batch_seal_credentials(d, cfg, id, creds);
	if (rc == Z_OK && creds)
		rc = db_execv(d, "UPDATE shop SET state = 'ok', stop_reason = NULL, stop_reason_msg = NULL, "
		                 "probe_at = NULL, token_expires_at = NULL WHERE id = ?", DB_I(id));
	if (rc == Z_OK)
		rc = db_commit(d);
	if (rc != Z_OK) {
		if (db_in_transaction(d))
			db_rollback(d);
		fprintf(stderr, "shop-edit: could not save shop '%s'%s\n", shop,
		        db_errno(d) == 1062 ? " (that name is taken)" : "");
		goto out;
	}
	log_info("shop-edit: shop %lld saved%s", id, moved ? " (API URL changed)" : "");
	ret = BATCH_EXIT_OK;
out:
	wipe_free(creds);
	free(opts_text);
	cJSON_Delete(opts);
	cJSON_Delete(patch);
	db_res_free(r);
	return ret;
usage:
	fprintf(stderr, "usage: zaiko-batch shop-edit SHOP [--name NEW] [--base-url URL] [--options JSON] "
	                "[--enable|--disable] [--base] [--credentials-stdin] "
	                "[--credentials-expire 'YYYY-MM-DD HH:MM:SS'|'']\n");
	return BATCH_EXIT_USAGE;
}

int batch_shop_delete(const conf *cfg, db *d, int argc, char **argv)
{
	(void)cfg;
	if (argc != 3 || strcmp(argv[2], "--yes") || argv[1][0] == '-') {
		fprintf(stderr, "usage: zaiko-batch shop-delete SHOP --yes\n");
		return BATCH_EXIT_USAGE;
	}
	long long id = shop_by_name(d, "shop-delete", argv[1]), deleted = 0;
	if (id <= 0)
		return id < 0 ? BATCH_EXIT_FAILED : BATCH_EXIT_USAGE;
	/* Off first, so no cycle starts on it; then its listings in chunks (with their pending
	 * pushes, links and SKU documents, as 商品削除 does), then the shop. Orders, stock moves
	 * and sent pushes stay as the record. */
	if (db_execv(d, "UPDATE shop SET enabled = 0 WHERE id = ?", DB_I(id)) != Z_OK)
		return BATCH_EXIT_FAILED;
	for (;;) {
		db_res *r = NULL;
		if (db_queryv(d, &r, "SELECT id FROM listing WHERE shop_id = ? ORDER BY id LIMIT 500",
		              DB_I(id)) != Z_OK)
			return BATCH_EXIT_FAILED;
		int n = r->nrows;
		long long ids[500];
		for (int i = 0; i < n; i++)
			ids[i] = db_get_ll(r, i, 0, 0);
		db_res_free(r);
		if (!n)
			break;
		if (stock_listing_delete(d, ids, n, NULL, 0) != Z_OK)
			return BATCH_EXIT_FAILED;
		deleted += n;
	}
	if (db_execv(d, "DELETE FROM push WHERE shop_id = ? AND state IN ('pending', 'sending')",
	             DB_I(id)) != Z_OK ||
	    db_execv(d, "DELETE FROM job WHERE shop_id = ? AND state IN ('queued', 'running')",
	             DB_I(id)) != Z_OK ||
	    db_execv(d, "DELETE FROM shop WHERE id = ?", DB_I(id)) != Z_OK)
		return BATCH_EXIT_FAILED;
	log_info("shop-delete: shop %lld deleted with %lld listings", id, deleted);
	printf("%lld\n", deleted);
	return BATCH_EXIT_OK;
}
