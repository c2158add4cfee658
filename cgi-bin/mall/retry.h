/* retry: the loop every call that carries an access token goes through (Amazon, Shopify, BASE,
 * カラーミー): a usable token (refresh), the mall's pace (throttle), the request, and then, as
 * the mall reads the answer (judge): done; once more with a renewed token when the token was
 * refused; once more after a wait when the mall asks for a short one. Each happens at most
 * once, so a call makes at most three requests. */
#ifndef ZAIKO_RETRY_H
#define ZAIKO_RETRY_H

#include "mall/mall.h"

typedef enum {
	MALL_RETRY_DONE,        /* st says how the call ended */
	MALL_RETRY_RENEW,       /* the token was refused: renew it and ask once more */
	MALL_RETRY_WAIT,        /* rate limited: wait st->retry_after_ms and ask once more */
} mall_retry_verdict;

typedef struct {
	/* Makes shop's access token usable (force: a new one whatever is kept). */
	mall_outcome (*refresh)(mall_shop *shop, bool force, mall_status *st);
	/* Waits for the mall's pace before each request, or says why the call cannot go now;
	 * may be NULL. */
	mall_outcome (*throttle)(mall_shop *shop, void *ctx, mall_status *st);
	/* Reads one answer into st (hrc: what http_perform returned, resp its response). */
	mall_retry_verdict (*judge)(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
	                            mall_status *st);
	void *ctx;
	const char *auth;           /* the token's header line up to the token: "Authorization: Bearer " */
	const char *const *headers; /* further header lines, NULL-terminated (at most 6); may be NULL */
	/* A WAIT verdict is slept only when this is set, the shop's rate_limit option is on and
	 * the wait is at most its max_wait_ms (5000); otherwise the call ends rate limited. */
	bool may_wait;
} mall_retry;

/* Runs req (its headers are the auth line and c->headers) under c's loop. resp holds the last
 * answer (zeroed by the caller, freed by the caller). Returns st->outcome. */
mall_outcome mall_retry_call(mall_shop *shop, const mall_retry *c, const http_request *req,
                             http_response *resp, mall_status *st);

/* mall_retry_call for a JSON API at the shop's api_base: the request goes to api_base + path
 * with body (may be NULL) of type ctype, asking for JSON; c's headers are not used. */
mall_outcome mall_retry_json(mall_shop *shop, const mall_retry *c, const char *method,
                             const char *path, const char *body, const char *ctype,
                             mall_status *st);
/* What mall_judge_json read of an answer. */
typedef enum {
	MALL_JSON_READ,        /* a success, parsed into *out */
	MALL_JSON_UNREACHABLE, /* the transfer failed (resp->error says why): temporary */
	MALL_JSON_UNREADABLE,  /* a success whose body does not parse: temporary */
	MALL_JSON_FAILED,      /* an HTTP failure, which the mall reads its own way */
} mall_json_reply;

/* What the judges of the JSON malls (BASE, カラーミー) read alike: a success (200, or any 2xx
 * unless only_200) is parsed into *out (mall_parse_body; the caller deletes it). The caller
 * words the failures in its own keys, so the mall's name reads in each reader's language. */
mall_json_reply mall_judge_json(mall_shop *shop, bool only_200, int hrc, const http_response *resp,
                                cJSON **out);

#endif
