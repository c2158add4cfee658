/* The shop-add and shop-credentials commands: shops with sealed credentials, for `make run`,
 * tests and hosts without the admin screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "batch/batch.h"
#include "batch/shops.h"
#include "core/buf.h"
#include "core/log.h"

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
	    db_execv(d, "UPDATE shop SET state = 'ok', stop_reason = NULL, probe_at = NULL, "
	                "token_expires_at = NULL WHERE id = ?", DB_I(id)) == Z_OK)
		ret = BATCH_EXIT_OK;
	wipe_free(creds);
	return ret;
}
