/* mallurl: where a shop's credentials may go (see mallurl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "core/buf.h"
#include "core/mallurl.h"
#include "core/secret.h"

const char *const mallurl_destination_keys[] = {"token_url", "lwa_url", NULL};

bool mallurl_allow_local(const conf *cfg)
{
	return cfg && conf_int(cfg, "batch", "allow_local_mall_urls", 0, 0, 1) == 1;
}

static bool say(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
	return false;
}

/* An address no mall lives at: loopback, private, link-local, CGNAT, unspecified, mapped. */
static bool local_v4(const unsigned char a[4])
{
	return a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

static bool local_v6(const unsigned char a[16])
{
	static const unsigned char zero[16];
	bool mapped = !memcmp(a, zero, 10) && a[10] == 0xff && a[11] == 0xff;
	if (mapped)
		return local_v4(a + 12);
	return !memcmp(a, zero, 15) /* :: and ::1 */ || (a[0] & 0xfe) == 0xfc ||
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

bool mallurl_sockaddr_local(const void *sa, size_t len)
{
	const struct sockaddr *s = sa;
	if (!s || len < sizeof(s->sa_family))
		return true;
	if (s->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return local_v4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (s->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return local_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return true; /* a Unix socket or anything else is no mall */
}

static bool local_host(const char *host)
{
	unsigned char a[16];
	size_t n = strlen(host);
	if (!strcasecmp(host, "localhost") ||
	    (n > 10 && !strcasecmp(host + n - 10, ".localhost")) ||
	    (n > 6 && !strcasecmp(host + n - 6, ".local")))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return local_v4(a);
	if (inet_pton(AF_INET6, host, a) == 1)
		return local_v6(a);
	/* A bare number (2130706433) or a dotted form inet_pton does not take (0x7f.1) is an
	 * address some resolvers still read: not a host name a mall would use. */
	bool digits = true;
	for (const char *p = host; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == 'x' || *p == 'X' ||
		      (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			digits = false;
	return digits && strchr("0123456789", host[0]) != NULL;
}

bool mallurl_ok(const char *url, bool allow_local, char *why, size_t whylen)
{
	if (!url || !*url)
		return true;
	const char *rest;
	bool https = !strncasecmp(url, "https://", 8);
	if (https)
		rest = url + 8;
	else if (!strncasecmp(url, "http://", 7))
		rest = url + 7;
	else
		return say(why, whylen, "URLは https:// で始めてください。");
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return say(why, whylen, "URLに使えない文字が含まれています。");
	size_t hl = strcspn(rest, "/?#");
	char host[256];
	if (hl == 0 || hl >= sizeof(host))
		return say(why, whylen, "URLにホスト名がありません。");
	memcpy(host, rest, hl);
	host[hl] = '\0';
	if (strchr(host, '@'))
		return say(why, whylen, "URLに利用者名やパスワード（@）を含めないでください。");
	/* [v6]:port or host:port */
	char *h = host;
	if (*h == '[') {
		char *end = strchr(h, ']');
		if (!end || (end[1] && end[1] != ':'))
			return say(why, whylen, "URLのホスト名が正しくありません。");
		*end = '\0';
		h++;
	} else {
		char *colon = strchr(h, ':');
		if (colon)
			*colon = '\0';
	}
	if (!*h)
		return say(why, whylen, "URLにホスト名がありません。");
	if (allow_local)
		return true;
	if (!https)
		return say(why, whylen, "認証情報は暗号化されない http:// には送れません。https:// のURLを入力してください。");
	if (local_host(h))
		return say(why, whylen, "ローカルやプライベートのアドレスには認証情報を送れません。モールのAPIのURLを入力してください。");
	return true;
}

bool mallurl_shop_ok(const char *api_base, const cJSON *options, bool allow_local, char *why,
                     size_t whylen)
{
	if (!mallurl_ok(api_base, allow_local, why, whylen))
		return false;
	for (int i = 0; mallurl_destination_keys[i]; i++) {
		const cJSON *v = options ? cJSON_GetObjectItemCaseSensitive(options,
		                                                            mallurl_destination_keys[i])
		                         : NULL;
		if (v && !cJSON_IsString(v))
			return say(why, whylen, "トークン取得のURLは文字列で指定してください。");
		if (v && !mallurl_ok(v->valuestring, allow_local, why, whylen))
			return false;
	}
	return true;
}

void mallurl_destination(const char *mall, const char *api_base, const cJSON *options,
                         char out[65])
{
	buf b = BUF_INIT;
	unsigned char md[32];
	buf_printf(&b, "%s\n%s\n", mall ? mall : "", api_base ? api_base : "");
	for (int i = 0; mallurl_destination_keys[i]; i++) {
		const cJSON *v = options ? cJSON_GetObjectItemCaseSensitive(options,
		                                                            mallurl_destination_keys[i])
		                         : NULL;
		buf_printf(&b, "%s=%s\n", mallurl_destination_keys[i],
		           cJSON_IsString(v) ? v->valuestring : "");
	}
	secret_sha256(b.data ? b.data : "", b.len, md);
	secret_hex(md, sizeof(md), out);
	buf_free(&b);
}
