/* oauth: the OAuth 2.0 token request every adapter with expiring tokens makes (RFC 6749: the
 * refresh-token grant of §6 for Amazon's LWA, BASE and カラーミー, the client-credentials grant
 * of §4.4 for Shopify) and the test whether the kept access token is still good. What differs
 * per mall (the endpoint, the form, how a refusal reads, whether a new refresh token comes) is
 * in the mall_oauth the adapter fills; the request, the answer's checks and the credentials
 * written back are here once. */
#ifndef ZAIKO_OAUTH_H
#define ZAIKO_OAUTH_H

#include "mall/mall.h"

/* The longest access token any adapter takes (it goes into a header line). */
#define MALL_TOKEN_MAX 2048

typedef struct mall_oauth {
	const char *label;          /* the mall's name in messages: "Amazon", "BASE", … */
	const char *label_key;      /* label's language key when it is not the same in every
	                             * language ("msg.mallerr.colorme_name"), else NULL */
	const char *url;            /* the token endpoint, or NULL: */
	const char *path;           /* the token endpoint's path under the shop's api_base */
	const char *content_type;   /* NULL: application/x-www-form-urlencoded */
	const char *const *form;    /* name, value, name, value, …, NULL; values are encoded here;
	                             * a NULL or empty value refuses the grant (MALL_AUTH) */
	size_t max_token;           /* longest access token taken; 0: MALL_TOKEN_MAX */
	long default_ttl;           /* seconds when the answer has no expires_in; 0: no expiry known */
	bool strict_ttl;            /* an expires_in outside 1 s .. 366 days refuses the answer
	                             * (else it is taken as default_ttl) */
	bool rotate;                /* a refresh_token in the answer replaces the kept one */
	/* Sets st (MALL_AUTH) for a refused grant in the mall's own words, saying what to do (a
	 * key of its own per mall, so each reader sees it whole in their language). NULL:
	 * "<label>: トークンの発行が拒否されました (HTTP <status> <code>)。アプリの再認可が必要です".
	 * sp is " " before a code, "" when there is none. */
	void (*refused_grant)(mall_status *st, int http_status, const char *sp, const char *code);
	void (*before)(mall_shop *shop); /* called just before the request (pacing); may be NULL */
	/* Reads a non-200 answer the mall's own way: true when it set st. NULL, or false: 429 is
	 * rate limited (Retry-After), 408, 5xx and the codes server_error and
	 * temporarily_unavailable temporary, anything else a refused grant (MALL_AUTH). code is the
	 * answer's "error" member, "" when none. */
	bool (*refused)(mall_shop *shop, const http_response *r, const char *code, mall_status *st);
} mall_oauth;

/* What a token answer holds, as mall_oauth_parse read it. */
typedef struct {
	char access_token[MALL_TOKEN_MAX + 1];
	char refresh_token[MALL_TOKEN_MAX + 1]; /* "" when none came */
	long ttl;                   /* seconds; default_ttl when none came */
} mall_token_reply;

/* Reads a token answer (a JSON object with access_token, optional expires_in and
 * refresh_token) under g's rules. Z_OK, or Z_INVALID with err set. */
int mall_oauth_parse(const mall_oauth *g, const char *body, size_t len, mall_token_reply *out,
                     char *err, size_t errlen);
/* Asks g->url for a new access token and writes it (and a rotated refresh token when g
 * says) into shop->credentials, setting credentials_changed and token_expires_at. */
mall_outcome mall_oauth_grant(mall_shop *shop, const mall_oauth *g, mall_status *st);
/* True when the kept access token can go into a header: present, at most max_len bytes
 * (0: MALL_TOKEN_MAX), no line break. */
bool mall_token_usable(const mall_shop *shop, size_t max_len);
/* mall_token_usable and not within ahead_s seconds of its known expiry. */
bool mall_token_fresh(const mall_shop *shop, long ahead_s, size_t max_len);

#endif
