/* oauth: the OAuth 2.0 token request shared by the adapters (see oauth.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/buf.h"
#include "core/smsg.h"
#include "mall/json_field.h"
#include "mall/oauth.h"

#define TTL_MAX (366 * 86400.0)

static size_t max_token(const mall_oauth *g)
{
	return g->max_token && g->max_token < MALL_TOKEN_MAX ? g->max_token : MALL_TOKEN_MAX;
}

int mall_oauth_parse(const mall_oauth *g, const char *body, size_t len, mall_token_reply *out,
                     char *err, size_t errlen)
{
	int rc = Z_INVALID;
	memset(out, 0, sizeof(*out));
	cJSON *root = cJSON_ParseWithLength(body ? body : "", body ? len : 0);
	const cJSON *at = json_member(root, "access_token"), *ex = json_member(root, "expires_in");
	const cJSON *rt = json_member(root, "refresh_token");
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "token reply is not a JSON object");
		goto out;
	}
	if (!cJSON_IsString(at) || !at->valuestring[0] || strlen(at->valuestring) > max_token(g) ||
	    !http_header_value_ok(at->valuestring)) {
		snprintf(err, errlen, "token reply without a usable access_token");
		goto out;
	}
	out->ttl = g->default_ttl;
	if (ex && !cJSON_IsNull(ex)) {
		bool in_range = cJSON_IsNumber(ex) && ex->valuedouble >= 1 && ex->valuedouble <= TTL_MAX;
		if (!cJSON_IsNumber(ex) || (g->strict_ttl && !in_range)) {
			snprintf(err, errlen, "token reply with a bad expires_in");
			goto out;
		}
		if (in_range)
			out->ttl = (long)ex->valuedouble;
	}
	snprintf(out->access_token, sizeof(out->access_token), "%s", at->valuestring);
	if (cJSON_IsString(rt) && rt->valuestring[0] && strlen(rt->valuestring) <= MALL_TOKEN_MAX &&
	    http_header_value_ok(rt->valuestring))
		snprintf(out->refresh_token, sizeof(out->refresh_token), "%s", rt->valuestring);
	rc = Z_OK;
out:
	cJSON_Delete(root);
	return rc;
}

/* The answer's "error" member (RFC 6749 §5.2), printable ASCII only; "" when none. */
static void error_code(const http_response *r, char *code, size_t len)
{
	cJSON *j = r->body.data ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
	if (json_copy_str(j, "error", false, code, len) != Z_OK)
		code[0] = '\0';
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	cJSON_Delete(j);
}

/* A non-200 answer of the token endpoint → st. */
static void refused(mall_shop *shop, const mall_oauth *g, const http_response *r, mall_status *st)
{
	char code[64];
	int s = r->status;
	error_code(r, code, sizeof(code));
	if (g->refused && g->refused(shop, r, code, st))
		return;
	if (s == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.token_limited",
		                 "%s: トークン取得の呼び出し上限に達しました", g->label);
		st->retry_after_ms = mall_retry_after_ms(shop, r);
	} else if (s == 408 || s >= 500 || !strcmp(code, "server_error") ||
	           !strcmp(code, "temporarily_unavailable")) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.token_unavailable",
		                 "%s: トークン取得が一時的に応答できません (HTTP %d%s%s)",
		                 g->label, s, code[0] ? " " : "", code);
	} else if (g->refused_grant) {
		g->refused_grant(st, s, code[0] ? " " : "", code);
	} else {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.token_refused",
		                 "%s: トークンの発行が拒否されました (HTTP %d%s%s)。アプリの再認可が必要です",
		                 g->label, s, code[0] ? " " : "", code);
	}
}

/* The form: each name=value with the value percent-encoded. Z_NOTFOUND (*missing set) when a
 * value is empty. */
static int put_form(buf *form, const mall_oauth *g, const char **missing)
{
	for (const char *const *p = g->form; p && p[0]; p += 2) {
		if (!p[1] || !p[1][0]) {
			*missing = p[0];
			return Z_NOTFOUND;
		}
		if ((form->len && buf_putc(form, '&')) || buf_puts(form, p[0]) || buf_putc(form, '=') ||
		    http_urlencode(form, p[1]))
			return Z_NOMEM;
	}
	return Z_OK;
}

mall_outcome mall_oauth_grant(mall_shop *shop, const mall_oauth *g, mall_status *st)
{
	mall_outcome rc = MALL_TEMPORARY;
	buf form = BUF_INIT, url = BUF_INIT;
	http_response resp;
	mall_token_reply tok;
	const char *missing = "";
	memset(&resp, 0, sizeof(resp));
	memset(st, 0, sizeof(*st));
	int e = shop->credentials ? put_form(&form, g, &missing) : Z_NOTFOUND;
	if (e == Z_NOTFOUND) {
		rc = MALL_AUTH;
		mall_status_setk(st, rc, 0, "msg.mallerr.credential_missing",
		                 "%s: 認証情報 %s が未設定です", g->label,
		                 missing[0] ? missing : "");
		goto out;
	}
	if (!e && !g->url && g->path)
		e = mall_put_url(&url, shop, g->path);
	const char *to = g->url ? g->url : buf_str(&url);
	if (e || !to[0]) {
		if (e)
			mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory", "メモリ不足");
		else
			mall_status_setk(st, rc, 0, "msg.mallerr.token_url_missing",
			                 "%s: トークンのURLが未設定です", g->label);
		goto out;
	}
	char ctype[128];
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
	         g->content_type ? g->content_type : "application/x-www-form-urlencoded");
	const char *headers[] = {ctype, "Accept: application/json", NULL};
	http_request req = {"POST", to, headers, buf_str(&form), form.len,
	                    (long)mall_opt_int(shop, "timeout_ms", 0)};
	if (g->before)
		g->before(shop);
	if (http_perform(shop->http, &req, &resp) != Z_OK) {
		mall_status_setk(st, rc, 0, "msg.mallerr.token_connect_failed",
		                 "%s: トークン取得の通信に失敗しました (%s)", g->label, resp.error);
		goto out;
	}
	if (resp.status != 200) {
		refused(shop, g, &resp, st);
		rc = st->outcome;
		goto out;
	}
	char err[128];
	if (mall_oauth_parse(g, resp.body.data, resp.body.len, &tok, err, sizeof(err))) {
		mall_status_setk(st, rc, resp.status, "msg.mallerr.token_reply_bad",
		                 "%s: トークン応答が不正です (%s)", g->label, err);
		goto out;
	}
	if (mall_cred_set(shop, "access_token", tok.access_token) ||
	    (g->rotate && tok.refresh_token[0] &&
	     mall_cred_set(shop, "refresh_token", tok.refresh_token))) {
		mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto out;
	}
	shop->credentials_changed = true;
	shop->token_expires_at = tok.ttl > 0 ? time(NULL) + (time_t)tok.ttl : 0;
	mall_status_ok(st, resp.status);
	rc = MALL_OK;
out:
	/* The stored forms above hold label and the transport's error as they read in Japanese;
	 * those with a key of their own are shown in the reader's language. */
	smsg_arg_to_key(st->msg, sizeof(st->msg), g->label, g->label_key);
	smsg_arg_to_key(st->msg, sizeof(st->msg), resp.error, resp.error_key);
	buf_free(&form);
	buf_free(&url);
	http_response_free(&resp);
	return rc;
}

bool mall_token_usable(const mall_shop *shop, size_t max_len)
{
	const char *tok = mall_cred(shop, "access_token", "");
	size_t n = strlen(tok);
	return n && n <= (max_len && max_len < MALL_TOKEN_MAX ? max_len : MALL_TOKEN_MAX) &&
	       http_header_value_ok(tok);
}

bool mall_token_fresh(const mall_shop *shop, long ahead_s, size_t max_len)
{
	return mall_token_usable(shop, max_len) &&
	       (!shop->token_expires_at || shop->token_expires_at > time(NULL) + ahead_s);
}
