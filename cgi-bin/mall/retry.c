/* retry: refresh → throttle → request → judge, with one renewal and one wait (see retry.h). */
#include <stdio.h>
#include "core/buf.h"
#include <string.h>
#include "mall/oauth.h"
#include "mall/pace.h"
#include "mall/retry.h"

#define EXTRA_HEADERS 6

mall_outcome mall_retry_call(mall_shop *shop, const mall_retry *c, const http_request *req,
                             http_response *resp, mall_status *st)
{
	bool renewed = false, waited = false;
	const char *headers[EXTRA_HEADERS + 2];
	char auth[MALL_TOKEN_MAX + 128];
	int nh = 1;
	for (const char *const *p = c->headers; p && *p && nh <= EXTRA_HEADERS; p++)
		headers[nh++] = *p;
	headers[nh] = NULL;
	headers[0] = auth;
	memset(st, 0, sizeof(*st));
	for (;;) {
		mall_outcome rc = c->refresh(shop, renewed, st);
		if (rc != MALL_OK)
			return rc;
		if (c->throttle && (rc = c->throttle(shop, c->ctx, st)) != MALL_OK)
			return rc;
		snprintf(auth, sizeof(auth), "%s%s", c->auth, mall_cred(shop, "access_token", ""));
		http_request r = *req;
		r.headers = headers;
		int hrc = http_perform(shop->http, &r, resp);
		memset(st, 0, sizeof(*st));
		mall_retry_verdict v = c->judge(shop, c->ctx, hrc, resp, st);
		if (v == MALL_RETRY_RENEW && !renewed) {
			renewed = true;
			continue;
		}
		if (v == MALL_RETRY_WAIT && !waited && c->may_wait && mall_opt_int(shop, "rate_limit", 1) &&
		    st->retry_after_ms <= mall_opt_int(shop, "max_wait_ms", 5000)) {
			waited = true;
			mall_sleep_ms(st->retry_after_ms);
			continue;
		}
		return st->outcome;
	}
}

mall_outcome mall_retry_json(mall_shop *shop, const mall_retry *c, const char *method,
                             const char *path, const char *body, const char *ctype,
                             mall_status *st)
{
	buf url = BUF_INIT;
	char type[128];
	http_response resp;
	memset(&resp, 0, sizeof(resp));
	memset(st, 0, sizeof(*st));
	if (mall_put_url(&url, shop, path)) {
		buf_free(&url);
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	snprintf(type, sizeof(type), "Content-Type: %s", ctype ? ctype : "application/json");
	const char *headers[] = {"Accept: application/json", body ? type : NULL, NULL};
	mall_retry json = *c;
	json.headers = headers;
	http_request req = {method, buf_str(&url), NULL, body, body ? strlen(body) : 0,
	                    (long)mall_opt_int(shop, "timeout_ms", 0)};
	mall_outcome oc = mall_retry_call(shop, &json, &req, &resp, st);
	http_response_free(&resp);
	buf_free(&url);
	return oc;
}

mall_json_reply mall_judge_json(mall_shop *shop, bool only_200, int hrc, const http_response *resp,
                                cJSON **out)
{
	if (hrc != Z_OK)
		return MALL_JSON_UNREACHABLE;
	if (only_200 ? resp->status != 200 : resp->status < 200 || resp->status >= 300)
		return MALL_JSON_FAILED;
	return (*out = mall_parse_body(shop, resp)) ? MALL_JSON_READ : MALL_JSON_UNREADABLE;
}
