/* admin_shops: 利用店舗設定 — shops (mall, base shop, enabled, API base, credentials sealed
 * at rest and never shown again, token expiry) and the connection test queued for the batch. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jst.h"
#include "core/log.h"
#include "core/mallurl.h"
#include "core/seal.h"
#include "screens/common.h"
#include "stock/stock.h"
#include "screens/screens.h"
#include "stock/stock.h"

static const char *const malls[] = {"yahoo", "rakuten", "amazon", "shopify", "base", "colorme",
                                    NULL};

/* The fields of POST /admin/shops/save (the per-mall inputs name theirs). */
enum {
	SAVE_ID, SAVE_NAME, SAVE_MALL, SAVE_IS_BASE, SAVE_ENABLED, SAVE_API_BASE,
	SAVE_CREDENTIALS_EXPIRE_AT, SAVE_ALLOC_RATE, SAVE_YAHOO_CLIENT_ID,
	SAVE_YAHOO_CLIENT_SECRET, SAVE_YAHOO_REFRESH_TOKEN, SAVE_YAHOO_PUBLIC_KEY,
	SAVE_YAHOO_KEY_VERSION, SAVE_YAHOO_SELLER_ID, SAVE_RAKUTEN_SERVICE_SECRET,
	SAVE_RAKUTEN_LICENSE_KEY, SAVE_AMAZON_CLIENT_ID, SAVE_AMAZON_CLIENT_SECRET,
	SAVE_AMAZON_REFRESH_TOKEN, SAVE_AMAZON_SELLER_ID, SAVE_AMAZON_MARKETPLACE_ID,
	SAVE_SHOPIFY_ACCESS_TOKEN, SAVE_SHOPIFY_LOCATION_ID, SAVE_YAHOO_TOKEN_URL,
	SAVE_YAHOO_PACE_MS, SAVE_RAKUTEN_PACE_MS, SAVE_AMAZON_LWA_URL,
	SAVE_AMAZON_PRODUCT_TYPE, SAVE_SHOPIFY_CLIENT_ID, SAVE_SHOPIFY_CLIENT_SECRET,
	SAVE_SHOPIFY_API_VERSION, SAVE_OPTIONS_JSON, SAVE_BASE_CLIENT_ID,
	SAVE_BASE_CLIENT_SECRET, SAVE_BASE_REFRESH_TOKEN, SAVE_BASE_REDIRECT_URI,
	SAVE_COLORME_ACCESS_TOKEN, SAVE_COLORME_VARIANT_SEPARATOR, SAVE__N
};

/* Every per-mall input: secret ones go sealed into shop.credentials, the others (ids the
 * adapters read with mall_opt) into shop.options in the clear. */
typedef struct {
	const char *mall;
	int field;           /* the form's field (SAVE_): mall_key */
	const char *key;     /* the JSON key the adapter reads */
	const char *label;   /* a language key */
	bool secret;
	bool multiline;
	const char *help;    /* a language key: where to find it in the mall's admin */
} shop_input;

static const shop_input inputs[] = {
	{"yahoo", SAVE_YAHOO_CLIENT_ID, "client_id", "msg.shops.yahoo_client_id", true, false,
	 "msg.shops.yahoo_client_id_help"},
	{"yahoo", SAVE_YAHOO_CLIENT_SECRET, "client_secret", "msg.shops.yahoo_client_secret", true, false,
	 "msg.shops.yahoo_client_secret_help"},
	{"yahoo", SAVE_YAHOO_REFRESH_TOKEN, "refresh_token", "msg.shops.yahoo_refresh_token", true, false,
	 "msg.shops.yahoo_refresh_token_help"},
	{"yahoo", SAVE_YAHOO_PUBLIC_KEY, "public_key", "msg.shops.yahoo_public_key", true, true,
	 "msg.shops.yahoo_public_key_help"},
	{"yahoo", SAVE_YAHOO_KEY_VERSION, "key_version", "msg.shops.yahoo_key_version", true, false,
	 "msg.shops.yahoo_key_version_help"},
	{"yahoo", SAVE_YAHOO_SELLER_ID, "seller_id", "msg.shops.yahoo_seller_id", false, false,
	 "msg.shops.yahoo_seller_id_help"},
	{"yahoo", SAVE_YAHOO_TOKEN_URL, "token_url", "msg.shops.yahoo_token_url", false, false,
	 "msg.shops.yahoo_token_url_help"},
	{"yahoo", SAVE_YAHOO_PACE_MS, "pace_ms", "msg.shops.yahoo_pace_ms", false, false,
	 "msg.shops.yahoo_pace_ms_help"},
	{"rakuten", SAVE_RAKUTEN_SERVICE_SECRET, "service_secret", "msg.shops.rakuten_service_secret", true, false,
	 "msg.shops.rakuten_service_secret_help"},
	{"rakuten", SAVE_RAKUTEN_LICENSE_KEY, "license_key", "msg.shops.rakuten_license_key", true, false,
	 "msg.shops.rakuten_license_key_help"},
	{"rakuten", SAVE_RAKUTEN_PACE_MS, "pace_ms", "msg.shops.rakuten_pace_ms", false, false,
	 "msg.shops.rakuten_pace_ms_help"},
	{"amazon", SAVE_AMAZON_CLIENT_ID, "client_id", "msg.shops.amazon_client_id", true, false,
	 "msg.shops.amazon_client_id_help"},
	{"amazon", SAVE_AMAZON_CLIENT_SECRET, "client_secret", "msg.shops.amazon_client_secret", true, false,
	 "msg.shops.amazon_client_secret_help"},
	{"amazon", SAVE_AMAZON_REFRESH_TOKEN, "refresh_token", "msg.shops.amazon_refresh_token", true, false,
	 "msg.shops.amazon_refresh_token_help"},
	{"amazon", SAVE_AMAZON_SELLER_ID, "seller_id", "msg.shops.amazon_seller_id", false, false,
	 "msg.shops.amazon_seller_id_help"},
	{"amazon", SAVE_AMAZON_MARKETPLACE_ID, "marketplace_id", "msg.shops.amazon_marketplace_id", false, false,
	 "msg.shops.amazon_marketplace_id_help"},
	{"amazon", SAVE_AMAZON_LWA_URL, "lwa_url", "msg.shops.amazon_lwa_url", false, false,
	 "msg.shops.amazon_lwa_url_help"},
	{"amazon", SAVE_AMAZON_PRODUCT_TYPE, "product_type", "msg.shops.amazon_product_type", false, false,
	 "msg.shops.amazon_product_type_help"},
	{"shopify", SAVE_SHOPIFY_ACCESS_TOKEN, "access_token", "msg.shops.shopify_access_token", true, false,
	 "msg.shops.shopify_access_token_help"},
	{"shopify", SAVE_SHOPIFY_CLIENT_ID, "client_id", "msg.shops.shopify_client_id", true, false,
	 "msg.shops.shopify_client_id_help"},
	{"shopify", SAVE_SHOPIFY_CLIENT_SECRET, "client_secret", "msg.shops.shopify_client_secret", true, false,
	 "msg.shops.shopify_client_secret_help"},
	{"shopify", SAVE_SHOPIFY_LOCATION_ID, "location_id", "msg.shops.shopify_location_id", false, false,
	 "msg.shops.shopify_location_id_help"},
	{"shopify", SAVE_SHOPIFY_API_VERSION, "api_version", "msg.shops.shopify_api_version", false, false,
	 "msg.shops.shopify_api_version_help"},
	{"base", SAVE_BASE_CLIENT_ID, "client_id", "msg.shops.base_client_id", true, false,
	 "msg.shops.base_client_id_help"},
	{"base", SAVE_BASE_CLIENT_SECRET, "client_secret", "msg.shops.base_client_secret", true, false,
	 "msg.shops.base_client_secret_help"},
	{"base", SAVE_BASE_REFRESH_TOKEN, "refresh_token", "msg.shops.base_refresh_token", true, false,
	 "msg.shops.base_refresh_token_help"},
	{"base", SAVE_BASE_REDIRECT_URI, "redirect_uri", "msg.shops.base_redirect_uri", true, false,
	 "msg.shops.base_redirect_uri_help"},
	{"colorme", SAVE_COLORME_ACCESS_TOKEN, "access_token", "msg.shops.colorme_access_token", true, false,
	 "msg.shops.colorme_access_token_help"},
	{"colorme", SAVE_COLORME_VARIANT_SEPARATOR, "variant_separator",
	 "msg.shops.colorme_variant_separator", false, false, "msg.shops.colorme_variant_separator_help"},
};

/* GET /admin/shops: the flash of the last change. */
enum { LIST_MSG, LIST__N };
const web_field admin_shops_page_fields[LIST__N + 1] = {
	[LIST_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

/* GET /admin/shops/edit: a new shop, or shop ?id=. */
enum { EDIT_ID, EDIT__N };
const web_field admin_shops_fields[EDIT__N + 1] = {
	[EDIT_ID] = {.name = "id", .type = WF_INT, .min = 1, .max = 2147483647,
	 .label = "msg.label.shop"},
	{0},
};

const web_field admin_shop_save_fields[SAVE__N + 1] = {
	[SAVE_ID] = {.name = "id", .type = WF_INT, .min = 1, .max = 2147483647, .label = "msg.label.shop"},
	[SAVE_NAME] = {.name = "name", .type = WF_TEXT, .required = true, .min = 1, .max = 100, .label = "msg.label.shop_name"},
	[SAVE_MALL] = {.name = "mall", .type = WF_ENUM, .required = true, .choices = malls, .label = "msg.label.mall"},
	[SAVE_IS_BASE] = {.name = "is_base", .type = WF_BOOL, .label = "msg.label.base_mall"},
	[SAVE_ENABLED] = {.name = "enabled", .type = WF_BOOL, .label = "msg.label.stock_sync"},
	[SAVE_API_BASE] = {.name = "api_base", .type = WF_TEXT, .max = 255, .label = "msg.label.api_url"},
	[SAVE_CREDENTIALS_EXPIRE_AT] = {.name = "credentials_expire_at", .type = WF_TEXT, .max = 16, .label = "msg.label.credential_expiry"},
	[SAVE_ALLOC_RATE] = {.name = "alloc_rate", .type = WF_INT, .min = 0, .max = 100, .label = "msg.label.rate"},
	[SAVE_YAHOO_CLIENT_ID] = {.name = "yahoo_client_id", .type = WF_TEXT, .max = 500},
	[SAVE_YAHOO_CLIENT_SECRET] = {.name = "yahoo_client_secret", .type = WF_TEXT, .max = 500},
	[SAVE_YAHOO_REFRESH_TOKEN] = {.name = "yahoo_refresh_token", .type = WF_TEXT, .max = 2000},
	[SAVE_YAHOO_PUBLIC_KEY] = {.name = "yahoo_public_key", .type = WF_TEXT, .max = 4000},
	[SAVE_YAHOO_KEY_VERSION] = {.name = "yahoo_key_version", .type = WF_TEXT, .max = 20},
	[SAVE_YAHOO_SELLER_ID] = {.name = "yahoo_seller_id", .type = WF_TEXT, .max = 100},
	[SAVE_RAKUTEN_SERVICE_SECRET] = {.name = "rakuten_service_secret", .type = WF_TEXT, .max = 500},
	[SAVE_RAKUTEN_LICENSE_KEY] = {.name = "rakuten_license_key", .type = WF_TEXT, .max = 500},
	[SAVE_AMAZON_CLIENT_ID] = {.name = "amazon_client_id", .type = WF_TEXT, .max = 500},
	[SAVE_AMAZON_CLIENT_SECRET] = {.name = "amazon_client_secret", .type = WF_TEXT, .max = 500},
	[SAVE_AMAZON_REFRESH_TOKEN] = {.name = "amazon_refresh_token", .type = WF_TEXT, .max = 2000},
	[SAVE_AMAZON_SELLER_ID] = {.name = "amazon_seller_id", .type = WF_TEXT, .max = 100},
	[SAVE_AMAZON_MARKETPLACE_ID] = {.name = "amazon_marketplace_id", .type = WF_TEXT, .max = 100},
	[SAVE_SHOPIFY_ACCESS_TOKEN] = {.name = "shopify_access_token", .type = WF_TEXT, .max = 500},
	[SAVE_SHOPIFY_LOCATION_ID] = {.name = "shopify_location_id", .type = WF_TEXT, .max = 100},
	[SAVE_YAHOO_TOKEN_URL] = {.name = "yahoo_token_url", .type = WF_TEXT, .max = 255},
	[SAVE_YAHOO_PACE_MS] = {.name = "yahoo_pace_ms", .type = WF_TEXT, .max = 10},
	[SAVE_RAKUTEN_PACE_MS] = {.name = "rakuten_pace_ms", .type = WF_TEXT, .max = 10},
	[SAVE_AMAZON_LWA_URL] = {.name = "amazon_lwa_url", .type = WF_TEXT, .max = 255},
	[SAVE_AMAZON_PRODUCT_TYPE] = {.name = "amazon_product_type", .type = WF_TEXT, .max = 100},
	[SAVE_SHOPIFY_CLIENT_ID] = {.name = "shopify_client_id", .type = WF_TEXT, .max = 500},
	[SAVE_SHOPIFY_CLIENT_SECRET] = {.name = "shopify_client_secret", .type = WF_TEXT, .max = 500},
	[SAVE_SHOPIFY_API_VERSION] = {.name = "shopify_api_version", .type = WF_TEXT, .max = 20},
	[SAVE_OPTIONS_JSON] = {.name = "options_json", .type = WF_TEXT, .max = 8000, .label = "msg.label.extra_json"},
	[SAVE_BASE_CLIENT_ID] = {.name = "base_client_id", .type = WF_TEXT, .max = 500},
	[SAVE_BASE_CLIENT_SECRET] = {.name = "base_client_secret", .type = WF_TEXT, .max = 500},
	[SAVE_BASE_REFRESH_TOKEN] = {.name = "base_refresh_token", .type = WF_TEXT, .max = 2000},
	[SAVE_BASE_REDIRECT_URI] = {.name = "base_redirect_uri", .type = WF_TEXT, .max = 500},
	[SAVE_COLORME_ACCESS_TOKEN] = {.name = "colorme_access_token", .type = WF_TEXT, .max = 2000},
	[SAVE_COLORME_VARIANT_SEPARATOR] = {.name = "colorme_variant_separator", .type = WF_TEXT, .max = 8},
	{0},
};

enum { DELETE_ID, DELETE_CONFIRM_NAME, DELETE__N };
const web_field admin_shop_delete_fields[DELETE__N + 1] = {
	[DELETE_ID] = {.name = "id", .type = WF_INT, .required = true, .min = 1, .max = 2147483647,
	 .label = "msg.label.shop"},
	[DELETE_CONFIRM_NAME] = {.name = "confirm_name", .type = WF_TEXT, .max = 100,
	 .label = "msg.label.confirm_shop_name"},
	{0},
};

enum { TEST_ID, TEST__N };
const web_field admin_shop_test_fields[TEST__N + 1] = {
	[TEST_ID] = {.name = "id", .type = WF_INT, .required = true, .min = 1, .max = 2147483647,
	 .label = "msg.label.shop"},
	{0},
};

/* The fields of admin_shop_save_fields (a SAVE_ value): save_text, save_int. */
WEB_FIELD_READERS(save, admin_shop_save_fields)

static const screen_flash shop_flashes[] = {
	{"saved", "msg.shops.saved"},
	{"deleted", "msg.shops.deleted"},
	{"test_queued", "msg.shops.test_queued"},
	{NULL, NULL},
};

static const char *key_file(const web_request *r)
{
	return conf_get(r->cfg, "batch", "key_file", NULL);
}

/* The stored credentials of a shop, opened; *out NULL when none. Z_INVALID when they cannot
 * be opened with this key. */
static int open_credentials(web_request *r, const char *sealed, size_t len, cJSON **out)
{
	buf plain = BUF_INIT;
	int rc = Z_OK;
	*out = NULL;
	if (!sealed || !len)
		return Z_OK;
	if (!key_file(r))
		return Z_INVALID;
	rc = seal_decrypt(key_file(r), sealed, len, &plain);
	if (rc == Z_OK) {
		*out = cJSON_Parse(buf_str(&plain));
		if (!*out || !cJSON_IsObject(*out)) {
			cJSON_Delete(*out);
			*out = NULL;
			rc = Z_INVALID;
		}
	}
	/* The plain text held secrets: wipe it before the memory goes back. */
	if (plain.data)
		memset(plain.data, 0, plain.cap);
	buf_free(&plain);
	return rc;
}

/* When the shop's long-lived credential ends (Yahoo's refresh token, Rakuten's licenseKey):
 * what the batch warns about (batch/sync.c). token_expires_at is the short access token the
 * batch renews itself, except on Rakuten where it is the licenseKey's. */
#define SHOP_EXPIRY "COALESCE(s.credentials_expire_at, IF(s.mall = 'rakuten', s.token_expires_at, NULL))"

/* Page.shops: every shop, its state, token countdown and last connection test. */
static int load_shops(web_request *r)
{
	db_res *res = NULL;
	int rc = db_query(r->db,
	                  "SELECT s.id, s.name, s.mall, s.is_base, s.enabled, s.state, "
	                  "COALESCE(s.stop_reason, '') AS stop_reason, s.stop_reason_msg, s.api_base, "
	                  "s.credentials IS NOT NULL AS has_credentials, "
	                  "COALESCE(" JST_SQL(SHOP_EXPIRY, JST_SQL_MINUTE) ", '') AS token_expires, "
	                  "COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), " SHOP_EXPIRY "), '') "
	                  "AS token_seconds, "
	                  "COALESCE(FLOOR(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), " SHOP_EXPIRY ") / 86400), '') "
	                  "AS token_days, "
	                  "COALESCE(" JST_SQL("s.token_expires_at", JST_SQL_MINUTE) ", '') AS access_token_expires, "
	                  "COALESCE(" JST_SQL("s.last_fetch_at", JST_SQL_MINUTE) ", '') AS last_fetch, "
	                  "COALESCE(" JST_SQL("s.initial_fetch_at", JST_SQL_MINUTE) ", '') AS initial_fetch, "
	                  "COALESCE(j.state, '') AS test_state, COALESCE(j.message, '') AS test_message, "
	                  "j.message_msg AS test_message_msg, "
	                  "COALESCE(" JST_SQL("j.updated_at", JST_SQL_MINUTE) ", '') AS test_at "
	                  "FROM shop s LEFT JOIN job j ON j.id = (SELECT MAX(id) FROM job "
	                  "WHERE kind = 'connection_test' AND shop_id = s.id) "
	                  "ORDER BY s.is_base DESC, s.id",
	                  NULL, 0, &res);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.shops", res, -1);
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.shops", res, "stop_reason", "stop_reason_msg");
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.shops", res, "test_message", "test_message_msg");
	db_res_free(res);
	return rc;
}

/* GET /admin/shops: every shop, its state, expiry countdown and last connection test. */
int admin_shops_page(web_request *r)
{
	if (load_shops(r) != Z_OK)
		return Z_ERR;
	screen_flash_show(r, shop_flashes, web_text_of(r, admin_shops_page_fields, LIST_MSG));
	web_set(r, "Page.title", web_lang(r, "msg.shops.title"));
	return web_render(r, "admin_shops.cs");
}

/* The per-mall inputs for the template: Page.inputs.<i>.{mall,field,label,secret,
 * multiline,stored,value}. creds/options are the shop's (may be NULL). */
static void set_inputs(web_request *r, const cJSON *creds, const cJSON *options, bool from_form)
{
	char key[96];
	for (size_t i = 0; i < Z_ARRAY_LEN(inputs); i++) {
		const shop_input *in = &inputs[i];
		const cJSON *src = in->secret ? creds : options;
		const cJSON *v = src ? cJSON_GetObjectItemCaseSensitive(src, in->key) : NULL;
		bool stored = cJSON_IsString(v) && v->valuestring[0];
		snprintf(key, sizeof(key), "Page.inputs.%zu.mall", i);
		web_set(r, key, in->mall);
		snprintf(key, sizeof(key), "Page.inputs.%zu.field", i);
		web_set(r, key, admin_shop_save_fields[in->field].name);
		snprintf(key, sizeof(key), "Page.inputs.%zu.label", i);
		web_set(r, key, web_lang(r, in->label));
		snprintf(key, sizeof(key), "Page.inputs.%zu.secret", i);
		web_set(r, key, in->secret ? "1" : "0");
		snprintf(key, sizeof(key), "Page.inputs.%zu.multiline", i);
		web_set(r, key, in->multiline ? "1" : "0");
		snprintf(key, sizeof(key), "Page.inputs.%zu.help", i);
		web_set(r, key, in->help ? web_lang(r, in->help) : "");
		snprintf(key, sizeof(key), "Page.inputs.%zu.stored", i);
		web_set(r, key, stored ? "1" : "0");
		/* A secret is never written back into a page, not even the one refusing a save. */
		snprintf(key, sizeof(key), "Page.inputs.%zu.value", i);
		if (!in->secret)
			web_set(r, key, from_form ? save_text(r, in->field) : stored ? v->valuestring : "");
	}
}

/* The edit form of shop id (0: a new one); with an error, from_form shows the values the
 * save sent (the fields of admin_shop_save_fields), else the stored ones. */
static int render_edit(web_request *r, long long id, int status, const char *error,
                       bool from_form)
{
	db_res *res = NULL;
	cJSON *creds = NULL, *options = NULL;
	int rc = Z_OK;
	web_set(r, "Page.title", web_lang(r, "msg.shops.title"));
	if (id) {
		rc = db_queryv(r->db, &res,
		               "SELECT id, name, mall, is_base, enabled, api_base, credentials, "
		               "COALESCE(options, '') AS options, COALESCE(" JST_SQL("credentials_expire_at", JST_SQL_MINUTE)
		               ", '') AS credentials_expire_at, COALESCE(" JST_SQL("token_expires_at", JST_SQL_MINUTE)
		               ", '') AS token_expires_at, alloc_rate FROM shop WHERE id = ?",
		               DB_I(id));
		if (rc != Z_OK)
			goto out;
		if (!res->nrows) {
			rc = web_error(r, 404, web_lang(r, "msg.shops.not_found"));
			goto out;
		}
		web_set(r, "Page.shop.id", db_get(res, 0, 0));
		web_set(r, "Page.shop.name", db_get(res, 0, 1));
		web_set(r, "Page.shop.mall", db_get(res, 0, 2));
		web_set(r, "Page.shop.is_base", db_get(res, 0, 3));
		web_set(r, "Page.shop.enabled", db_get(res, 0, 4));
		web_set(r, "Page.shop.api_base", db_get(res, 0, 5));
		web_set(r, "Page.shop.credentials_expire_at", db_get(res, 0, 8));
		web_set(r, "Page.shop.token_expires_at", db_get(res, 0, 9));
		web_set(r, "Page.shop.alloc_rate", db_get(res, 0, 10));
		if (open_credentials(r, db_get(res, 0, 6), db_len(res, 0, 6), &creds) == Z_INVALID)
			web_set(r, "Page.creds_unreadable", "1");
		options = cJSON_Parse(db_get(res, 0, 7));
	} else {
		web_set(r, "Page.shop.enabled", "1");
		web_set(r, "Page.shop.mall", "yahoo");
		web_set(r, "Page.shop.alloc_rate", "100");
	}
	if (from_form) {
		web_set(r, "Page.shop.name", save_text(r, SAVE_NAME));
		web_set(r, "Page.shop.mall", malls[save_int(r, SAVE_MALL, 0)]);
		web_set(r, "Page.shop.is_base", save_int(r, SAVE_IS_BASE, 0) ? "1" : "0");
		web_set(r, "Page.shop.enabled", save_int(r, SAVE_ENABLED, 0) ? "1" : "0");
		web_set(r, "Page.shop.api_base", save_text(r, SAVE_API_BASE));
		web_set(r, "Page.shop.credentials_expire_at", save_text(r, SAVE_CREDENTIALS_EXPIRE_AT));
		web_set_int(r, "Page.shop.alloc_rate", save_int(r, SAVE_ALLOC_RATE, 100));
	}
	set_inputs(r, creds, options, from_form);
	if (from_form) {
		web_set(r, "Page.shop.options_json", save_text(r, SAVE_OPTIONS_JSON));
	} else if (options) {
		char *pretty = cJSON_Print(options);
		web_set(r, "Page.shop.options_json", pretty ? pretty : "");
		cJSON_free(pretty);
	}
	rc = error ? screen_render_error(r, status, error, "admin_shop_edit.cs")
	           : web_render(r, "admin_shop_edit.cs");
out:
	cJSON_Delete(creds);
	cJSON_Delete(options);
	db_res_free(res);
	return rc;
}

/* GET /admin/shops/edit: the form for a new shop, or shop ?id= (secrets never shown). */
int admin_shop_edit_page(web_request *r)
{
	return render_edit(r, web_int_of(r, admin_shops_fields, EDIT_ID, 0), 200, NULL, false);
}

static bool url_ok(const char *url)
{
	if (!*url)
		return true;
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
			return false;
	return true;
}

/* The stored shop row (mall, is_base, credentials, options, alloc_rate, api_base): its
 * credentials (NULL when unreadable: whatever is entered now replaces them), options (NULL
 * unless an object), 割当率 and where the credentials were entered for (api_base and token
 * URLs). */
static void read_stored(web_request *r, const db_res *res, const char *mall, cJSON **creds,
                        cJSON **options, long long *old_rate, char *old_dest)
{
	if (open_credentials(r, db_get(res, 0, 2), db_len(res, 0, 2), creds) != Z_OK)
		*creds = NULL;
	*options = cJSON_Parse(db_get(res, 0, 3));
	*old_rate = db_get_ll(res, 0, 4, 100);
	if (!cJSON_IsObject(*options)) {
		cJSON_Delete(*options);
		*options = NULL;
	}
	mallurl_destination(mall, db_get(res, 0, 5), *options, old_dest);
}

/* 詳細設定 (JSON): every option the adapters read, edited as a whole, replaces *options
 * when sent (the named inputs, applied after it, win; sent as shown, it changes nothing);
 * *options is an object afterwards. False when what was sent is not a JSON object. */
static bool take_options_json(web_request *r, cJSON **options)
{
	const char *oj = save_text(r, SAVE_OPTIONS_JSON);
	if (*oj) {
		cJSON *edited = cJSON_Parse(oj);
		if (!cJSON_IsObject(edited)) {
			cJSON_Delete(edited);
			return false;
		}
		cJSON_Delete(*options);
		*options = edited;
	}
	if (!cJSON_IsObject(*options)) {
		cJSON_Delete(*options);
		*options = cJSON_CreateObject();
	}
	return true;
}

/* The mall's named inputs into the stored credentials and options: an entered secret replaces
 * the stored one (*creds_entered, and *token_entered for an access token); an empty secret
 * keeps it; an empty option is removed. */
static void apply_inputs(web_request *r, const char *mall, cJSON *creds, cJSON *options,
                         bool *creds_entered, bool *token_entered)
{
	for (size_t i = 0; i < Z_ARRAY_LEN(inputs); i++) {
		const shop_input *in = &inputs[i];
		if (strcmp(in->mall, mall))
			continue;
		const char *v = save_text(r, in->field);
		if (in->secret) {
			/* Empty keeps what is stored: the page never shows it to be sent back. */
			if (!*v)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(creds, in->key);
			cJSON_AddStringToObject(creds, in->key, v);
			*creds_entered = true;
			*token_entered = *token_entered || !strcmp(in->key, "access_token");
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(options, in->key);
			if (*v)
				cJSON_AddStringToObject(options, in->key, v);
		}
	}
}

/* Only the secrets entered now (the stored ones stay behind when the API URL changed), or
 * NULL without memory. */
static cJSON *entered_credentials(web_request *r, const char *mall)
{
	cJSON *fresh = cJSON_CreateObject();
	for (size_t i = 0; fresh && i < Z_ARRAY_LEN(inputs); i++) {
		const char *v = save_text(r, inputs[i].field);
		if (!strcmp(inputs[i].mall, mall) && inputs[i].secret && *v)
			cJSON_AddStringToObject(fresh, inputs[i].key, v);
	}
	return fresh;
}

/* What admin_shop_save writes to the shop row. */
typedef struct {
	long long id; /* 0: a new shop */
	const char *mall;
	bool is_base, creds_entered;
	db_val expires;
	const char *options_text;
	const buf *sealed;
	long long rate, old_rate;
} shop_write;

/* Inside the save's transaction: updates shop w->id (marking the recompute for a new 割当率,
 * resuming a stopped shop on new credentials) or inserts a new one (*new_id). */
static int write_shop(web_request *r, const shop_write *w, long long *new_id)
{
	int rc;
	if (w->id) {
		rc = db_execv(r->db,
		              "UPDATE shop SET name = ?, is_base = ?, enabled = ?, api_base = ?, "
		              "options = ?, credentials_expire_at = FROM_UNIXTIME(?), "
		              "credentials = IF(?, ?, credentials), alloc_rate = ? WHERE id = ?",
		              DB_S(save_text(r, SAVE_NAME)), DB_I(w->is_base), DB_I(save_int(r, SAVE_ENABLED, 0)),
		              DB_S(save_text(r, SAVE_API_BASE)), DB_S(w->options_text), w->expires,
		              DB_I(w->creds_entered), DB_SN(buf_str(w->sealed), w->sealed->len),
		              DB_I(w->rate), DB_I(w->id));
		/* A new 割当率 changes every listing's wanted stock in this shop: the recompute is
		 * marked in this transaction and done by the batch's next cycle (as a big stocktake). */
		if (rc == Z_OK && w->rate != w->old_rate)
			rc = stock_recompute_mark(r->db);
		/* New credentials are the fix for a stopped shop: it resumes on the next cycle, and
		 * the old access token's expiry no longer applies (as `zaiko-batch shop-credentials`). */
		if (rc == Z_OK && w->creds_entered)
			rc = db_execv(r->db, "UPDATE shop SET state = 'ok', stop_reason = NULL, "
			                     "stop_reason_msg = NULL, probe_at = NULL, "
			                     "token_expires_at = NULL WHERE id = ?",
			              DB_I(w->id));
	} else {
		rc = db_exec(r->db,
		             "INSERT INTO shop (name, mall, is_base, enabled, api_base, options, "
		             "credentials_expire_at, credentials, alloc_rate, created_at) VALUES (?, ?, ?, "
		             "?, ?, ?, FROM_UNIXTIME(?), ?, ?, UTC_TIMESTAMP())",
		             DB_ARGS(DB_S(save_text(r, SAVE_NAME)), DB_S(w->mall), DB_I(w->is_base),
		                     DB_I(save_int(r, SAVE_ENABLED, 0)), DB_S(save_text(r, SAVE_API_BASE)),
		                     DB_S(w->options_text), w->expires,
		                     w->creds_entered ? DB_SN(buf_str(w->sealed), w->sealed->len) : DB_NUL,
		                     DB_I(w->rate)),
		             NULL, new_id);
	}
	return rc;
}

/* POST /admin/shops/save: adds or updates a shop; entered secrets are merged and sealed. */
int admin_shop_save(web_request *r)
{
	db_res *res = NULL;
	cJSON *creds = NULL, *options = NULL;
	char *creds_text = NULL, *options_text = NULL;
	buf sealed = BUF_INIT;
	time_t expires = 0;
	long long id = save_int(r, SAVE_ID, 0), new_id = 0, others_base = 0;
	char old_dest[65] = "", new_dest[65], why[200];
	bool had_creds = false;
	const char *mall = malls[save_int(r, SAVE_MALL, 0)];
	const char *exp_text = save_text(r, SAVE_CREDENTIALS_EXPIRE_AT);
	bool is_base = save_int(r, SAVE_IS_BASE, 0) != 0, creds_entered = false, token_entered = false;
	/* 割当率: the share of the available stock this shop is offered (absent: all of it). */
	long long rate = save_int(r, SAVE_ALLOC_RATE, 100), old_rate = 100;
	int rc;

	if (!url_ok(save_text(r, SAVE_API_BASE))) {
		rc = render_edit(r, id, 400, web_lang(r, "msg.shops.bad_api_url"), true);
		goto out;
	}
	if (*exp_text && jst_parse_entry(exp_text, &expires) != Z_OK) {
		rc = render_edit(r, id, 400, web_lang(r, "msg.shops.bad_expiry"), true);
		goto out;
	}
	if ((rc = db_begin(r->db)) != Z_OK)
		goto out;
	if (id) {
		rc = db_queryv(r->db, &res,
		               "SELECT mall, is_base, credentials, COALESCE(options, ''), alloc_rate, "
		               "api_base FROM shop WHERE id = ? FOR UPDATE",
		               DB_I(id));
		if (rc != Z_OK)
			goto out;
		if (!res->nrows) {
			db_rollback(r->db);
			rc = web_error(r, 404, web_lang(r, "msg.shops.not_found"));
			goto out;
		}
		if (strcmp(db_get(res, 0, 0), mall)) {
			db_rollback(r->db);
			rc = render_edit(r, id, 400, web_lang(r, "msg.shops.mall_fixed"), true);
			goto out;
		}
		read_stored(r, res, mall, &creds, &options, &old_rate, old_dest);
		had_creds = db_len(res, 0, 2) > 0;
	}
	if ((rc = db_query_ll(r->db, "SELECT COUNT(*) FROM shop WHERE is_base = 1 AND id <> ?",
	                      DB_ARGS(DB_I(id)), 0, &others_base)) != Z_OK)
		goto out;
	if (!is_base && !others_base) {
		db_rollback(r->db);
		rc = render_edit(r, id, 400, web_lang(r, "msg.shops.base_needed"), true);
		goto out;
	}
	if (!creds)
		creds = cJSON_CreateObject();
	if (!take_options_json(r, &options)) {
		db_rollback(r->db);
		rc = render_edit(r, id, 400, web_lang(r, "msg.shops.bad_json"), true);
		goto out;
	}
	apply_inputs(r, mall, creds, options, &creds_entered, &token_entered);
	/* Credentials go only where they were entered for: a new API URL or token URL needs them
	 * entered again (the stored ones are dropped, never sent to the new place), and the place
	 * must be one fit for secrets. */
	if (!mallurl_shop_ok(save_text(r, SAVE_API_BASE), options, mallurl_allow_local(r->cfg), why,
	                     sizeof(why))) {
		db_rollback(r->db);
		rc = render_edit(r, id, 400, why, true);
		goto out;
	}
	mallurl_destination(mall, save_text(r, SAVE_API_BASE), options, new_dest);
	if (id && had_creds && strcmp(old_dest, new_dest)) {
		if (!creds_entered) {
			db_rollback(r->db);
			rc = render_edit(r, id, 400, web_lang(r, "msg.shops.dest_changed"), true);
			goto out;
		}
		cJSON *fresh = entered_credentials(r, mall);
		if (!fresh) {
			rc = Z_NOMEM;
			goto out;
		}
		cJSON_Delete(creds);
		creds = fresh;
		log_info("shops: shop %lld's API URL changed: its stored credentials are replaced", id);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(creds, "_dest");
	cJSON_AddStringToObject(creds, "_dest", new_dest);
	/* New long-lived credentials make a cached access token of the old ones worthless (where
	 * the access token is itself what was entered — Shopify, カラーミー — it stays). */
	if (creds_entered && !token_entered && strcmp(mall, "shopify"))
		cJSON_DeleteItemFromObjectCaseSensitive(creds, "access_token");
	if (!(options_text = cJSON_PrintUnformatted(options))) {
		rc = Z_NOMEM;
		goto out;
	}
	if (creds_entered) {
		if (!key_file(r)) {
			db_rollback(r->db);
			rc = render_edit(r, id, 500, web_lang(r, "msg.shops.no_key_file"), true);
			goto out;
		}
		if (!(creds_text = cJSON_PrintUnformatted(creds))) {
			rc = Z_NOMEM;
			goto out;
		}
		if ((rc = seal_encrypt(key_file(r), creds_text, strlen(creds_text), &sealed)) != Z_OK)
			goto out;
	}
	if (is_base && (rc = db_execv(r->db, "UPDATE shop SET is_base = 0 WHERE id <> ? AND is_base = 1",
	                              DB_I(id))) != Z_OK)
		goto out;
	db_val exp = *exp_text ? DB_I((long long)expires) : DB_NUL;
	shop_write w = {.id = id, .mall = mall, .is_base = is_base, .creds_entered = creds_entered,
	                .expires = exp, .options_text = options_text, .sealed = &sealed,
	                .rate = rate, .old_rate = old_rate};
	rc = write_shop(r, &w, &new_id);
	if (rc == Z_OK) {
		rc = db_commit(r->db);
	} else if (db_errno(r->db) == 1062) {
		db_rollback(r->db);
		rc = render_edit(r, id, 400, web_lang(r, "msg.shops.name_taken"), true);
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	log_info("shops: shop %lld saved by user %lld%s", id ? id : new_id, r->user.id,
	         creds_entered ? " (credentials replaced)" : "");
	rc = web_redirect(r, "/admin/shops?msg=saved");
out:
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	if (creds_text) {
		memset(creds_text, 0, strlen(creds_text));
		free(creds_text);
	}
	free(options_text);
	cJSON_Delete(creds);
	cJSON_Delete(options);
	buf_free(&sealed);
	db_res_free(res);
	return rc;
}

/* POST /admin/shops/test: queues a 'connection_test' job for the batch (one at a time). */
int admin_shop_test(web_request *r)
{
	long long id = web_int_of(r, admin_shop_test_fields, TEST_ID, 0), exists = 0, busy = 0;
	if (db_query_ll(r->db, "SELECT COUNT(*) FROM shop WHERE id = ?", DB_ARGS(DB_I(id)), 0,
	                &exists) != Z_OK)
		return Z_ERR;
	if (!exists)
		return web_error(r, 404, web_lang(r, "msg.shops.not_found"));
	/* One waiting test per shop is enough: a second click does not queue another. */
	if (db_query_ll(r->db, "SELECT COUNT(*) FROM job WHERE kind = 'connection_test' AND "
	                       "shop_id = ? AND state IN ('queued', 'running')",
	                DB_ARGS(DB_I(id)), 0, &busy) != Z_OK)
		return Z_ERR;
	if (!busy &&
	    db_execv(r->db, "INSERT INTO job (kind, state, user_id, shop_id, message, created_at, "
	                    "updated_at) VALUES ('connection_test', 'queued', ?, ?, '', "
	                    "UTC_TIMESTAMP(), UTC_TIMESTAMP())",
	             DB_I(r->user.id), DB_I(id)) != Z_OK)
		return Z_ERR;
	return web_redirect(r, "/admin/shops?msg=test_queued");
}

/* POST /admin/shops/delete: the shop goes with its listings and queued pushes (as 商品削除
 * does them); its orders, stock moves and sent pushes stay as history. The admin confirms by
 * typing the shop's name. */
int admin_shop_delete(web_request *r)
{
	long long id = web_int_of(r, admin_shop_delete_fields, DELETE_ID, 0), deleted = 0;
	db_res *res = NULL;
	if (db_queryv(r->db, &res, "SELECT name FROM shop WHERE id = ?", DB_I(id)) != Z_OK)
		return Z_ERR;
	if (!res->nrows) {
		db_res_free(res);
		return web_error(r, 404, web_lang(r, "msg.shops.not_found"));
	}
	bool confirmed = !strcmp(db_get(res, 0, 0),
	                         web_text_of(r, admin_shop_delete_fields, DELETE_CONFIRM_NAME));
	db_res_free(res);
	if (!confirmed)
		return render_edit(r, id, 400, web_lang(r, "msg.shops.delete_confirm"), false);
	if (db_execv(r->db, "UPDATE shop SET enabled = 0 WHERE id = ?", DB_I(id)) != Z_OK)
		return Z_ERR;
	for (;;) {
		long long ids[500];
		int n = 0;
		if (db_queryv(r->db, &res, "SELECT id FROM listing WHERE shop_id = ? ORDER BY id LIMIT 500",
		              DB_I(id)) != Z_OK)
			return Z_ERR;
		n = res->nrows;
		for (int i = 0; i < n; i++)
			ids[i] = db_get_ll(res, i, 0, 0);
		db_res_free(res);
		res = NULL;
		if (!n)
			break;
		if (stock_listing_delete(r->db, ids, n, NULL, 0) != Z_OK)
			return Z_ERR;
		deleted += n;
	}
	if (db_execv(r->db, "DELETE FROM push WHERE shop_id = ? AND state IN ('pending', 'sending')",
	             DB_I(id)) != Z_OK ||
	    db_execv(r->db, "DELETE FROM job WHERE shop_id = ? AND state IN ('queued', 'running')",
	             DB_I(id)) != Z_OK ||
	    db_execv(r->db, "DELETE FROM shop WHERE id = ?", DB_I(id)) != Z_OK)
		return Z_ERR;
	log_info("shops: shop %lld deleted by user %lld with %lld listings", id, r->user.id, deleted);
	return web_redirect(r, "/admin/shops?msg=deleted");
}
