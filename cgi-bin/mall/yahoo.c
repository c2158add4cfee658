/* yahoo: the Yahoo!ショッピング Store API adapter (setStock, getStock, orderList, orderInfo,
 * YConnect v2 token refresh, X-sws-signature public-key authentication).
 *
 * Credentials (JSON): client_id, client_secret, refresh_token (from the consent flow),
 * seller_id (ストアアカウント; also accepted as an option), public_key (PEM of 暗号鍵管理),
 * key_version (default "1"); access_token is written back by refresh.
 * Options (defaults): api_path "/ShoppingWebService/V1", token_url (Yahoo's own for a
 * *.yahooapis.jp api_base, else api_base + "/yconnect/v2/token"), token_client_auth
 * "basic" | "body", refresh_ahead_s 300, pace_ms 1150 (stock calls: 1/s and a margin),
 * order_pace_ms 300, timeout_ms 0 (the client's), retry_after_ms 1000, throttle_retry_ms 2000,
 * quota_after_ms 300000, quota_retry_ms 3600000,
 * max_reply_bytes 16 MiB, push_batch 1000, unechoed_item_error 1, sign_stock_calls 0,
 * order_content_type "application/xml; charset=UTF-8", order_page_size 100,
 * order_lookback_s 1209600 (14 days), order_fields (orderInfo's Field list). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "core/buf.h"
#include "core/jst.h"
#include "core/log.h"
#include "core/smsg.h"
#include "mall/mall.h"
#include "mall/pace.h"
#include "mall/yahoo_xml.h"

#define YAHOO_MAX_CODES 1000
#define YAHOO_PROD_TOKEN_URL "https://auth.login.yahoo.co.jp/yconnect/v2/token"

typedef struct {
	struct timespec last_stock;
	struct timespec last_order;
	/* The last X-sws-signature and what it was made from: within the same second the same
	 * plaintext would be encrypted again, so it is reused. */
	char sig[1100];
	time_t sig_at;
	char *sig_pem, *sig_seller;
	/* 403 "Your Request was Forbidden" answers since the last success: Yahoo gives the same
	 * answer to calls closer than a second and to an application past its daily quota. */
	double forbidden_since;  /* monotonic seconds of the first of them, 0 when none */
} yahoo_state;

static yahoo_state *state(mall_shop *shop)
{
	return mall_state(shop, sizeof(yahoo_state));
}

/* Waits so that calls on one clock are at least ms apart (Yahoo bans bursts for a while). */
static void pace(mall_shop *shop, bool order_api)
{
	long long ms = order_api ? mall_opt_int(shop, "order_pace_ms", 300)
	                         : mall_opt_int(shop, "pace_ms", 1150);
	yahoo_state *s = state(shop);
	if (!s)
		return;
	mall_pace(order_api ? &s->last_order : &s->last_stock, ms);
}

static int base64(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	if (4 * ((len + 2) / 3) + 1 > outlen)
		return Z_INVALID;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return Z_OK;
}

/* base64(RSA-PKCS#1-v1.5-encrypt(public key, "seller_id:unix_time")): the X-sws-signature. */
static int make_signature(const char *pem, const char *seller, time_t now, char *out, size_t outlen)
{
	int rc = Z_ERR;
	char plain[200];
	unsigned char *enc = NULL;
	size_t enclen = 0;
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	int plen = snprintf(plain, sizeof(plain), "%s:%lld", seller, (long long)now);
	if (!ctx || !seller || plen < 0 || (size_t)plen >= sizeof(plain))
		goto out;
	if (EVP_PKEY_encrypt_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &enclen, (unsigned char *)plain, (size_t)plen) <= 0)
		goto out;
	if (!(enc = malloc(enclen)) ||
	    EVP_PKEY_encrypt(ctx, enc, &enclen, (unsigned char *)plain, (size_t)plen) <= 0)
		goto out;
	rc = base64(enc, enclen, out, outlen);
out:
	free(enc);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

/* The signature for now, reused when the key, seller and second are those of the last one. */
static int signature(mall_shop *shop, const char *pem, const char *seller, char *out, size_t outlen)
{
	yahoo_state *s = state(shop);
	time_t now = time(NULL);
	if (s && s->sig_at == now && s->sig_pem && !strcmp(s->sig_pem, pem) && seller &&
	    !strcmp(s->sig_seller, seller) && strlen(s->sig) < outlen) {
		strcpy(out, s->sig);
		return Z_OK;
	}
	int rc = make_signature(pem, seller, now, out, outlen);
	if (rc == Z_OK && s && strlen(out) < sizeof(s->sig)) {
		free(s->sig_pem);
		free(s->sig_seller);
		s->sig_pem = strdup(pem);
		s->sig_seller = strdup(seller);
		s->sig_at = s->sig_pem && s->sig_seller ? now : 0;
		strcpy(s->sig, out);
	}
	return rc;
}

/* Store accounts are lowercase alphanumerics, '-' and '_' (≤128); checked once so they can go
 * into XML and forms as they are. */
static const char *seller_id(const mall_shop *shop)
{
	const char *s = mall_cred(shop, "seller_id", mall_opt(shop, "seller_id", NULL));
	if (!s || !*s || strlen(s) > 128)
		return NULL;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return NULL;
	return s;
}

static bool code_ok(const char *s, bool allow_empty)
{
	if (!s || !*s)
		return allow_empty;
	size_t n = 0;
	for (const char *p = s; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return false;
	return n <= 99;
}

static void api_url(const mall_shop *shop, const char *api, char *out, size_t outlen)
{
	const char *base = shop->api_base ? shop->api_base : "https://circus.shopping.yahooapis.jp";
	snprintf(out, outlen, "%.*s%s/%s", mall_base_len(base), base,
	         mall_opt(shop, "api_path", "/ShoppingWebService/V1"), api);
}

/* The token endpoint: option token_url, else Yahoo's own for the real API host, else the
 * api_base's /yconnect/v2/token (a simulator). */
static void token_url(const mall_shop *shop, char *out, size_t outlen)
{
	const char *u = mall_opt(shop, "token_url", NULL);
	const char *base = shop->api_base ? shop->api_base : "";
	if (u && *u)
		snprintf(out, outlen, "%s", u);
	else if (!*base || strstr(base, "yahooapis.jp"))
		snprintf(out, outlen, "%s", YAHOO_PROD_TOKEN_URL);
	else {
		snprintf(out, outlen, "%.*s/yconnect/v2/token", mall_base_len(base), base);
	}
}

/* Turns a non-2xx Yahoo answer into an outcome, with the mall's code and message. */
static mall_outcome classify(const mall_shop *shop, const http_response *r, bool order_api,
                             mall_status *st)
{
	char code[32], msg[200];
	int s = r->status;
	if (!yahoo_parse_error(buf_str(&r->body), r->body.len, code, sizeof(code), msg, sizeof(msg)))
		code[0] = msg[0] = '\0';
	if (s == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.yahoo_limited",
		                 "Yahoo!の呼び出し回数制限に達しました (%s)", msg);
		st->retry_after_ms = mall_retry_after_ms(shop, r);
		return st->outcome;
	}
	if (s == 403 && !code[0] &&
	    (strstr(msg, "Forbidden") || strstr(buf_str(&r->body), "Your Request was Forbidden"))) {
		/* Calls closer than a second (1クエリ/秒) and the daily quota per application ID
		 * both answer "Your Request was Forbidden". It is the per-second throttle (wait a
		 * moment) until it has gone on for quota_after_ms; then it is the day's quota. */
		yahoo_state *ys = shop->adapter_state;
		double now = mall_mono_now();
		if (ys && !ys->forbidden_since)
			ys->forbidden_since = now;
		double for_ms = ys ? (now - ys->forbidden_since) * 1000 : 0;
		if (for_ms < (double)mall_opt_int(shop, "quota_after_ms", 300000)) {
			mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.yahoo_interval_limited",
			                 "Yahoo!の呼び出し間隔の制限 (1秒に1回) に達しました (Your Request was "
			                 "Forbidden)。間隔をあけて再送します");
			st->retry_after_ms = (long)mall_opt_int(shop, "throttle_retry_ms", 2000);
		} else {
			mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.yahoo_day_limited",
			                 "Yahoo!の1日の呼び出し上限に達しました (Your Request was Forbidden)");
			st->retry_after_ms = (long)mall_opt_int(shop, "quota_retry_ms", 3600000);
		}
		return st->outcome;
	}
	if (!strcmp(code, "px-04102")) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.yahoo_reauthorize",
		                 "Yahoo!の再認可が必要です。公開鍵と認可を確認してください (px-04102: %s)", msg);
		return st->outcome;
	}
	if (!strcmp(code, "px-04303")) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.yahoo_order_api_not_applied",
		                 "注文APIの利用申請がされていません (px-04303)");
		return st->outcome;
	}
	if (strstr(msg, "insufficient_scope")) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.yahoo_app_not_permitted",
		                 "アプリケーションIDにストア向けAPIの権限がありません");
		return st->outcome;
	}
	if (s == 401 || s == 403) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.yahoo_auth_refused",
		                 "Yahoo!が認証を拒否しました (HTTP %d %s %s)", s, code, msg);
		return st->outcome;
	}
	if (s >= 500 || s == 408 || s == 0) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.yahoo_unavailable",
		                 "Yahoo!が一時的に応答できません (HTTP %d %s)", s, code);
		return st->outcome;
	}
	/* Another 4xx: for stock it is about the items sent; for orders our request is at fault,
	 * which no single listing can fix, so it is retried later. */
	mall_status_setk(st, order_api ? MALL_TEMPORARY : MALL_ITEM, s, "msg.mallerr.yahoo_request_refused",
	                 "Yahoo!がリクエストを拒否しました (HTTP %d %s %s)", s, code, msg);
	return st->outcome;
}

static bool token_rejected(const http_response *r)
{
	char www[512];
	if (r->status != 401)
		return false;
	if (http_header(r, "WWW-Authenticate", www, sizeof(www)) && strstr(www, "invalid_token"))
		return true;
	return strstr(buf_str(&r->body), "invalid_token") != NULL;
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	mall_outcome oc = MALL_TEMPORARY;
	time_t now = time(NULL);
	const char *tok = mall_cred(shop, "access_token", NULL);
	long long ahead = mall_opt_int(shop, "refresh_ahead_s", 300);
	char url[1024], basic[1024], idsec[600], auth[1100];
	buf body = BUF_INIT;
	http_response resp;
	cJSON *json = NULL;
	memset(&resp, 0, sizeof(resp));
	memset(st, 0, sizeof(*st));
	/* A stored token unfit for a header line is as good as none: get a new one. */
	if (!force && tok && *tok && strlen(tok) <= 2048 && http_header_value_ok(tok) &&
	    (!shop->token_expires_at || shop->token_expires_at - ahead > now)) {
		mall_status_ok(st, 0);
		return MALL_OK;
	}
	const char *cid = mall_cred(shop, "client_id", NULL);
	const char *csec = mall_cred(shop, "client_secret", NULL);
	const char *rt = mall_cred(shop, "refresh_token", NULL);
	if (!cid || !*cid || !csec || !*csec || !rt || !*rt || !shop->credentials) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.yahoo_credentials_missing",
		                 "Yahoo!の認証情報 (client_id, client_secret, refresh_token) が設定されていません");
		return MALL_AUTH;
	}
	bool in_body = !strcmp(mall_opt(shop, "token_client_auth", "basic"), "body");
	if (buf_puts(&body, "grant_type=refresh_token&refresh_token=") || http_urlencode(&body, rt))
		goto nomem;
	if (in_body && (buf_puts(&body, "&client_id=") || http_urlencode(&body, cid) ||
	                buf_puts(&body, "&client_secret=") || http_urlencode(&body, csec)))
		goto nomem;
	int l = snprintf(idsec, sizeof(idsec), "%s:%s", cid, csec);
	if (l < 0 || (size_t)l >= sizeof(idsec) ||
	    base64((unsigned char *)idsec, (size_t)l, basic, sizeof(basic)) != Z_OK) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.yahoo_client_too_long",
		                 "Yahoo!の client_id / client_secret が長すぎます");
		oc = MALL_AUTH;
		goto out;
	}
	snprintf(auth, sizeof(auth), "Authorization: Basic %s", basic);
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
	                         in_body ? NULL : auth, NULL};
	token_url(shop, url, sizeof(url));
	http_request req = {"POST", url, headers, buf_str(&body), body.len,
	                    (long)mall_opt_int(shop, "timeout_ms", 0)};
	if (http_perform(shop->http, &req, &resp) != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.yahoo_token_connect_failed",
		                 "Yahoo!のトークン発行に接続できません: %s", resp.error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp.error, resp.error_key);
		goto out;
	}
	/* A token reply is a few hundred bytes; anything huge is not one. */
	if (resp.body.len <= 65536)
		json = cJSON_ParseWithLength(buf_str(&resp.body), resp.body.len);
	if (resp.status != 200) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");
		const char *err = cJSON_IsString(e) ? e->valuestring : "";
		if (resp.status == 429) {
			mall_status_setk(st, MALL_RATE_LIMITED, 429, "msg.mallerr.yahoo_token_busy",
			                 "Yahoo!のトークン発行が混み合っています");
			st->retry_after_ms = mall_retry_after_ms(shop, &resp);
		} else if (resp.status >= 500 || resp.status == 408) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_token_unavailable",
			                 "Yahoo!のトークン発行が一時的に応答できません (HTTP %d)", resp.status);
		} else if (!strcmp(err, "invalid_grant")) {
			mall_status_setk(st, MALL_AUTH, resp.status, "msg.mallerr.yahoo_refresh_token_invalid",
			                 "Yahoo!のリフレッシュトークンが無効です。ストアクリエイターProから再認可してください (invalid_grant)");
		} else {
			mall_status_setk(st, MALL_AUTH, resp.status, "msg.mallerr.yahoo_token_refused",
			                 "Yahoo!がトークン発行を拒否しました (HTTP %d %.60s)", resp.status, err);
		}
		oc = st->outcome;
		goto out;
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(json, "access_token");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(json, "expires_in");
	const cJSON *nrt = cJSON_GetObjectItemCaseSensitive(json, "refresh_token");
	if (!cJSON_IsString(at) || !at->valuestring[0] || strlen(at->valuestring) > 2048 ||
	    !http_header_value_ok(at->valuestring) || (ex && !cJSON_IsNumber(ex))) {
		mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_token_reply_unreadable",
		                 "Yahoo!のトークン応答を解釈できません");
		goto out;
	}
	double secs = ex ? ex->valuedouble : 3600;
	if (secs < 1 || secs > 86400 * 366)
		secs = 3600;
	cJSON *nat = cJSON_CreateString(at->valuestring);
	if (!nat)
		goto nomem;
	if (cJSON_HasObjectItem(shop->credentials, "access_token"))
		cJSON_ReplaceItemInObjectCaseSensitive(shop->credentials, "access_token", nat);
	else
		cJSON_AddItemToObject(shop->credentials, "access_token", nat);
	/* A refresh normally keeps the old refresh token; take a new one if it comes. */
	if (cJSON_IsString(nrt) && nrt->valuestring[0] && strlen(nrt->valuestring) <= 2048) {
		cJSON *n = cJSON_CreateString(nrt->valuestring);
		if (n)
			cJSON_ReplaceItemInObjectCaseSensitive(shop->credentials, "refresh_token", n);
	}
	shop->credentials_changed = true;
	shop->token_expires_at = now + (time_t)secs;
	mall_status_ok(st, 200);
	oc = MALL_OK;
	goto out;
nomem:
	mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
	                 "メモリが足りません");
	oc = MALL_TEMPORARY;
out:
	cJSON_Delete(json);
	http_response_free(&resp);
	buf_free(&body);
	return oc;
}

/* One API call with the token (refreshed once when Yahoo says it is invalid or expired). On
 * MALL_OK resp holds a 2xx reply within the size limit. */
static mall_outcome yahoo_call(mall_shop *shop, const char *api, bool order_api, const char *body,
                               size_t blen, http_response *resp, mall_status *st)
{
	char url[1024], auth[2200], ctype[160], sig[1200], sigver[80];
	long long max_bytes = mall_opt_int(shop, "max_reply_bytes", 16L << 20);
	api_url(shop, api, url, sizeof(url));
	for (int attempt = 0;; attempt++) {
		mall_outcome oc = refresh(shop, attempt > 0, st);
		if (oc != MALL_OK)
			return oc;
		const char *headers[6] = {NULL};
		int nh = 0;
		const char *tok = mall_cred(shop, "access_token", "");
		const char *ver = mall_cred(shop, "key_version", "1");
		/* Both go into header lines: nothing but what a token or a number holds. */
		if (strlen(tok) > 2048 || !http_header_value_ok(tok) || !*ver || strlen(ver) > 9 ||
		    strspn(ver, "0123456789") != strlen(ver)) {
			mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.yahoo_token_malformed",
			                 "Yahoo!の access_token または key_version の形式が正しくありません");
			return MALL_AUTH;
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		headers[nh++] = auth;
		const char *ct = order_api ? mall_opt(shop, "order_content_type", "application/xml; charset=UTF-8")
		                           : "application/x-www-form-urlencoded";
		if (!http_header_value_ok(ct))
			ct = "application/xml; charset=UTF-8";
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", ct);
		headers[nh++] = ctype;
		const char *pem = mall_cred(shop, "public_key", NULL);
		if (pem && *pem && (order_api || mall_opt_int(shop, "sign_stock_calls", 0))) {
			char s[1100];
			if (signature(shop, pem, seller_id(shop), s, sizeof(s)) != Z_OK) {
				mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.yahoo_public_key_unreadable",
				                 "Yahoo!の公開鍵 (public_key) を読めません");
				return MALL_AUTH;
			}
			snprintf(sig, sizeof(sig), "X-sws-signature: %s", s);
			snprintf(sigver, sizeof(sigver), "X-sws-signature-version: %s", ver);
			headers[nh++] = sig;
			headers[nh++] = sigver;
		}
		pace(shop, order_api);
		http_request req = {"POST", url, headers, body, blen, (long)mall_opt_int(shop, "timeout_ms", 0)};
		if (http_perform(shop->http, &req, resp) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.yahoo_connect_failed",
			                 "Yahoo!に接続できません (%s): %s", api, resp->error);
			smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
			return MALL_TEMPORARY;
		}
		if (resp->status >= 200 && resp->status < 300) {
			if ((long long)resp->body.len > max_bytes) {
				mall_status_setk(st, MALL_TEMPORARY, resp->status, "msg.mallerr.yahoo_reply_too_large",
				                 "Yahoo!の応答が大きすぎます (%zu バイト)", resp->body.len);
				return MALL_TEMPORARY;
			}
			yahoo_state *ys = state(shop);
			if (ys)
				ys->forbidden_since = 0;
			mall_status_ok(st, resp->status);
			return MALL_OK;
		}
		if (attempt == 0 && token_rejected(resp))
			continue;
		state(shop); /* classify keeps its count of Forbidden answers there */
		return classify(shop, resp, order_api, st);
	}
}

static mall_outcome no_seller(mall_status *st)
{
	mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.yahoo_seller_id_bad",
	                 "Yahoo!のストアアカウント (seller_id) が未設定か形式が正しくありません");
	return MALL_AUTH;
}

/* Appends "code" or "code%3Asub" (the colon of item_code:sub_code percent-encoded). */
static int put_code(buf *b, const char *item, const char *sub)
{
	if (http_urlencode(b, item))
		return Z_NOMEM;
	if (sub && *sub && (buf_puts(b, "%3A") || http_urlencode(b, sub)))
		return Z_NOMEM;
	return Z_OK;
}

static const yahoo_stock_row *find_row(const yahoo_stock_row *rows, int n, const char *item,
                                       const char *sub)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].item_code, item) && !strcmp(rows[i].sub_code, sub ? sub : ""))
			return &rows[i];
	return NULL;
}

static mall_outcome push_chunk(mall_shop *shop, const char *seller, mall_push_item *items, int n,
                               mall_status *st)
{
	buf body = BUF_INIT, qty = BUF_INIT;
	http_response resp;
	yahoo_stock_row *rows = NULL;
	int nrows = 0, nsent = 0;
	char err[200];
	mall_outcome oc = MALL_TEMPORARY;
	memset(&resp, 0, sizeof(resp));
	if (buf_puts(&body, "seller_id=") || http_urlencode(&body, seller) || buf_puts(&body, "&item_code="))
		goto nomem;
	for (int i = 0; i < n; i++) {
		mall_push_item *it = &items[i];
		if (!code_ok(it->item_code, false) || !code_ok(it->sub_code, true)) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.yahoo_code_invalid",
			                 "商品コードまたは個別商品コードに使えない文字があるか、長すぎます（英数字と-、99文字まで）");
			continue;
		}
		if (it->wanted < 0 || it->wanted > 999999999) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.yahoo_stock_range",
			                 "在庫数 %d は送れません", it->wanted);
			continue;
		}
		mall_status_ok(&it->status, 0);
		if ((nsent && (buf_putc(&body, ',') || buf_putc(&qty, ','))) ||
		    put_code(&body, it->item_code, it->sub_code) || buf_printf(&qty, "%d", it->wanted))
			goto nomem;
		nsent++;
	}
	if (!nsent) {
		mall_status_ok(st, 0);
		oc = MALL_OK;
		goto out;
	}
	if (buf_puts(&body, "&quantity=") || buf_puts(&body, buf_str(&qty)))
		goto nomem;
	oc = yahoo_call(shop, "setStock", false, buf_str(&body), body.len, &resp, st);
	if (oc == MALL_OK && yahoo_parse_stock(buf_str(&resp.body), resp.body.len, &rows, &nrows, err,
	                                       sizeof(err)) != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_set_stock_unreadable",
		                 "Yahoo!のsetStock応答を解釈できません: %s", err);
		oc = MALL_TEMPORARY;
	}
	bool unechoed_is_error = mall_opt_int(shop, "unechoed_item_error", 1) != 0;
	for (int i = 0; i < n; i++) {
		mall_push_item *it = &items[i];
		if (it->status.outcome != MALL_OK)
			continue;
		if (oc != MALL_OK) {
			it->status = *st;
			continue;
		}
		const yahoo_stock_row *r = find_row(rows, nrows, it->item_code, it->sub_code);
		if (r && r->has_quantity) {
			mall_status_ok(&it->status, resp.status);
			if (r->quantity != it->wanted)
				log_warn("yahoo: shop %lld: %s:%s set to %d but reported %lld", shop->id,
				         it->item_code, it->sub_code ? it->sub_code : "", it->wanted, r->quantity);
		} else if (unechoed_is_error) {
			/* Yahoo stores stock of unknown codes silently and lists only registered items. */
			mall_status_setk(&it->status, MALL_ITEM, resp.status, "msg.mallerr.yahoo_item_missing",
			                 "Yahoo!ショッピングにこの商品コードの商品が見つかりません");
		}
	}
	goto out;
nomem:
	mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
	                 "メモリが足りません");
	oc = MALL_TEMPORARY;
	for (int i = 0; i < n; i++)
		if (items[i].status.outcome == MALL_OK)
			items[i].status = *st;
out:
	free(rows);
	http_response_free(&resp);
	buf_free(&body);
	buf_free(&qty);
	return oc;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	const char *seller = seller_id(shop);
	long long chunk = mall_opt_int(shop, "push_batch", YAHOO_MAX_CODES);
	mall_outcome oc = MALL_OK;
	memset(st, 0, sizeof(*st));
	if (chunk < 1 || chunk > YAHOO_MAX_CODES)
		chunk = YAHOO_MAX_CODES;
	if (!seller)
		oc = no_seller(st);
	else
		mall_status_ok(st, 0);
	for (int i = 0; i < n; i += (int)chunk) {
		int m = n - i < chunk ? n - i : (int)chunk;
		if (oc == MALL_OK)
			oc = push_chunk(shop, seller, items + i, m, st);
		else
			for (int k = i; k < i + m; k++)
				items[k].status = *st;
	}
	return oc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	const char *seller = seller_id(shop);
	buf body = BUF_INIT;
	http_response resp;
	yahoo_stock_row *rows = NULL;
	int nrows = 0;
	char err[200];
	mall_outcome oc = MALL_OK;
	memset(&resp, 0, sizeof(resp));
	memset(st, 0, sizeof(*st));
	mall_status_ok(st, 0);
	if (!seller)
		return no_seller(st);
	for (int start = 0; start < n && oc == MALL_OK; start += YAHOO_MAX_CODES) {
		int end = n - start > YAHOO_MAX_CODES ? start + YAHOO_MAX_CODES : n, nsent = 0;
		buf_reset(&body);
		if (buf_puts(&body, "seller_id=") || http_urlencode(&body, seller) ||
		    buf_puts(&body, "&item_code="))
			goto nomem;
		for (int i = start; i < end; i++) {
			items[i].found = false;
			items[i].stock = 0;
			if (!code_ok(items[i].item_code, false) || !code_ok(items[i].sub_code, true))
				continue;
			if ((nsent && buf_putc(&body, ',')) || put_code(&body, items[i].item_code, items[i].sub_code))
				goto nomem;
			nsent++;
		}
		if (!nsent)
			continue;
		oc = yahoo_call(shop, "getStock", false, buf_str(&body), body.len, &resp, st);
		if (oc != MALL_OK)
			break;
		free(rows);
		rows = NULL;
		if (yahoo_parse_stock(buf_str(&resp.body), resp.body.len, &rows, &nrows, err,
		                      sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_get_stock_unreadable",
			                 "Yahoo!のgetStock応答を解釈できません: %s", err);
			oc = MALL_TEMPORARY;
			break;
		}
		for (int i = start; i < end; i++) {
			const yahoo_stock_row *r = find_row(rows, nrows, items[i].item_code, items[i].sub_code);
			/* Status 0 = no stock record; an empty Quantity was "unlimited", which no longer exists. */
			if (r && r->status != 0 && r->has_quantity && r->quantity >= -999999999 &&
			    r->quantity <= 999999999) {
				items[i].found = true;
				items[i].stock = (int)r->quantity;
			}
		}
	}
	goto out;
nomem:
	mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
	                 "メモリが足りません");
	oc = MALL_TEMPORARY;
out:
	free(rows);
	http_response_free(&resp);
	buf_free(&body);
	return oc;
}

static int xml_escape(buf *b, const char *s)
{
	for (; *s; s++) {
		int rc;
		switch (*s) {
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '"': rc = buf_puts(b, "&quot;"); break;
		default: rc = buf_putc(b, *s);
		}
		if (rc)
			return rc;
	}
	return Z_OK;
}

static bool in_range(time_t t, time_t since, time_t until)
{
	return t && t >= since && t < until;
}

static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	const char *seller = seller_id(shop);
	long long lookback = mall_opt_int(shop, "order_lookback_s", 14 * 86400);
	long long page = mall_opt_int(shop, "order_page_size", 100);
	const char *fields = mall_opt(shop, "order_fields",
	                              "OrderId,OrderTime,LastUpdateTime,OrderStatus,CancelReason,"
	                              "LineId,ItemId,SubCode,Quantity");
	buf body = BUF_INIT;
	http_response resp;
	yahoo_order_ref *all = NULL, *refs = NULL;
	int nall = 0, nrefs = 0;
	long long total = 0, start = 1;
	char from[20], to[20], err[200];
	mall_order order;
	mall_outcome oc = MALL_OK;
	memset(&resp, 0, sizeof(resp));
	memset(&order, 0, sizeof(order));
	memset(st, 0, sizeof(*st));
	mall_status_ok(st, 0);
	if (!seller)
		return no_seller(st);
	if (page < 1 || page > 2000)
		page = 100;
	if (lookback < 0)
		lookback = 0;
	/* orderList filters by order time only: look back to catch changes (cancellations) of
	 * older orders, and skip those whose LastUpdateTime says they did not change. */
	jst_format(since - (time_t)lookback, JST_COMPACT, from, sizeof(from));
	jst_format(until - 1, JST_COMPACT, to, sizeof(to));
	for (;;) {
		buf_reset(&body);
		if (buf_printf(&body,
		               "<Req><Search><Result>%lld</Result><Start>%lld</Start><Sort>+order_time</Sort>"
		               "<Condition><OrderTimeFrom>%s</OrderTimeFrom><OrderTimeTo>%s</OrderTimeTo>"
		               "</Condition><Field>OrderId,OrderTime,LastUpdateTime,OrderStatus</Field>"
		               "</Search><SellerId>%s</SellerId></Req>",
		               page, start, from, to, seller))
			goto nomem;
		oc = yahoo_call(shop, "orderList", true, buf_str(&body), body.len, &resp, st);
		if (oc != MALL_OK)
			goto out;
		free(refs);
		refs = NULL;
		if (yahoo_parse_order_list(buf_str(&resp.body), resp.body.len, &total, &refs, &nrefs, err,
		                           sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_order_list_unreadable",
			                 "Yahoo!のorderList応答を解釈できません: %s", err);
			oc = MALL_TEMPORARY;
			goto out;
		}
		if (nrefs) {
			yahoo_order_ref *grown = realloc(all, (size_t)(nall + nrefs) * sizeof(*all));
			if (!grown)
				goto nomem;
			all = grown;
			memcpy(all + nall, refs, (size_t)nrefs * sizeof(*refs));
			nall += nrefs;
		}
		if (nrefs == 0 || start - 1 + nrefs >= total || nall >= 1000000)
			break;
		start += nrefs;
	}
	for (int i = 0; i < nall; i++) {
		const yahoo_order_ref *r = &all[i];
		if (r->last_update && r->last_update < since && r->order_time && r->order_time < since)
			continue;
		buf_reset(&body);
		if (buf_puts(&body, "<Req><Target><OrderId>") || xml_escape(&body, r->order_id) ||
		    buf_puts(&body, "</OrderId><Field>") || xml_escape(&body, fields) ||
		    buf_printf(&body, "</Field></Target><SellerId>%s</SellerId></Req>", seller))
			goto nomem;
		oc = yahoo_call(shop, "orderInfo", true, buf_str(&body), body.len, &resp, st);
		if (oc != MALL_OK)
			goto out;
		yahoo_order_clear(&order);
		if (yahoo_parse_order_info(buf_str(&resp.body), resp.body.len, &order, err, sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.yahoo_order_info_unreadable",
			                 "Yahoo!のorderInfo応答 (%s) を解釈できません: %s", r->order_id, err);
			oc = MALL_TEMPORARY;
			goto out;
		}
		if (order.updated_at && !in_range(order.ordered_at, since, until) &&
		    !in_range(order.updated_at, since, until))
			continue;
		if (!order.updated_at)
			order.updated_at = order.ordered_at;
		if (cb(&order, ctx)) {
			mall_status_set(st, MALL_OK, resp.status, "stopped by the caller at %s", order.order_no);
			goto out;
		}
	}
	goto out;
nomem:
	mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
	                 "メモリが足りません");
	oc = MALL_TEMPORARY;
out:
	yahoo_order_clear(&order);
	free(all);
	free(refs);
	http_response_free(&resp);
	buf_free(&body);
	return oc;
}

static void release(mall_shop *shop)
{
	yahoo_state *s = shop->adapter_state;
	if (s) {
		free(s->sig_pem);
		free(s->sig_seller);
	}
	free(shop->adapter_state);
	shop->adapter_state = NULL;
}

const mall_adapter mall_yahoo = {"yahoo", YAHOO_MAX_CODES, YAHOO_MAX_CODES, push, fetch_orders,
                                 read_stock, refresh, release, NULL};
