/* mallurl: where a shop's credentials may be sent. The screen, the shop commands and the batch
 * ask the same questions: is this URL a place to send secrets, and has the place changed since
 * the credentials were entered. */
#ifndef ZAIKO_MALLURL_H
#define ZAIKO_MALLURL_H

#include <cJSON.h>
#include "core/conf.h"
#include "core/zaiko.h"

/* The options that, besides api_base, decide where credentials go: an OAuth token endpoint
 * (Yahoo's token_url, Amazon's lwa_url). NULL-terminated. */
extern const char *const mallurl_destination_keys[];

/* true when conf [batch] allow_local_mall_urls = 1: http:// and loopback or private addresses
 * are accepted (the simulators of tests and `make run`). */
bool mallurl_allow_local(const conf *cfg);

/* Whether a socket address (struct sockaddr_in or sockaddr_in6, len bytes) is one no mall
 * lives at: loopback, private, link-local, CGNAT, unspecified, multicast, IPv6 ULA/link-local
 * or an IPv4 one mapped. The HTTP client asks it of the address it is about to connect to, so
 * a host NAME that resolves to such an address is caught too. */
bool mallurl_sockaddr_local(const void *sa, size_t len);

/* Whether credentials may be sent to url: empty (the mall's default), or https:// to a host
 * that is not a loopback, private, link-local or unspecified address (nor localhost); http://
 * and such hosts only with allow_local. No user:password@ part, no spaces or quotes. On false
 * why holds the reason in Japanese. */
bool mallurl_ok(const char *url, bool allow_local, char *why, size_t whylen);

/* Checks api_base and every destination option of options (may be NULL). */
bool mallurl_shop_ok(const char *api_base, const cJSON *options, bool allow_local, char *why,
                     size_t whylen);

/* The destination fingerprint sealed with the credentials (key "_dest"): SHA-256 hex of the
 * mall, api_base and the destination options. Credentials whose fingerprint differs from the
 * shop's are not sent. */
void mallurl_destination(const char *mall, const char *api_base, const cJSON *options,
                         char out[65]);

#endif
