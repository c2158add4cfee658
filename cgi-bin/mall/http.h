/* http: libcurl behind one call; a client per shop keeps its connection alive. */
#ifndef ZAIKO_HTTP_H
#define ZAIKO_HTTP_H

#include "core/buf.h"
#include "core/zaiko.h"

typedef struct http_client http_client;

typedef struct {
	const char *method;        /* "GET", "POST", "PATCH", "PUT" */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" lines; may be NULL */
	const char *body;          /* may be NULL */
	size_t body_len;
	long timeout_ms;           /* 0: the client's default */
} http_request;

typedef struct {
	int status;                /* 0 when the request did not complete */
	buf body;                  /* capped at the client's max body size */
	buf headers;               /* raw header block of the final response */
	char error[256];           /* curl's message when status is 0 */
	const char *error_key;     /* error's language key when it is zaiko's own words (a local
	                            * address refused), else NULL: callers storing error as an
	                            * argument pass it on (smsg_arg_to_key) */
	double seconds;
} http_response;

/* Whether connections to loopback, private and link-local addresses are allowed (default:
 * refused, whatever name led there; the batch allows them when conf [batch]
 * allow_local_mall_urls = 1, as the simulators of tests need). For the whole process. */
void http_allow_local(bool allow);
/* verify_tls: false only for loopback tests that use self-signed certificates. */
http_client *http_client_new(long timeout_ms, bool verify_tls);
void http_client_free(http_client *c);
/* Performs the request; resp must be zeroed or reset by the caller (http_response_free).
 * Returns Z_OK when an HTTP answer came (any status), Z_ERR on transport failure. */
int http_perform(http_client *c, const http_request *req, http_response *resp);
void http_response_free(http_response *resp);
/* The value of a response header (case-insensitive), copied into out; false if absent. */
bool http_header(const http_response *resp, const char *name, char *out, size_t outlen);
/* True when v can go into a request header line (no CR or LF to start another line). */
bool http_header_value_ok(const char *v);
/* Several requests in flight at once, each on a connection of its own (kept for the next):
 * for a mall whose limit allows more calls a second than one round trip takes. */
typedef struct http_multi http_multi;
http_multi *http_multi_new(int slots, long timeout_ms, bool verify_tls);
void http_multi_free(http_multi *m);
/* Starts req in a free slot (its url, headers and body are copied); tag comes back with the
 * answer. Z_ERR when every slot is busy or a header is refused. */
int http_multi_start(http_multi *m, const http_request *req, void *tag);
int http_multi_running(const http_multi *m);
/* Waits at most wait_ms for one request to end: 1 with its tag, its response in resp (which
 * is freed first; the caller frees it later) and *rc as http_perform would return; 0 when
 * none ended in time (or none runs); -1 on a failure of libcurl itself. */
int http_multi_next(http_multi *m, long wait_ms, void **tag, http_response *resp, int *rc);
/* Appends s percent-encoded for a query or form value (RFC 3986 unreserved kept). */
int http_urlencode(buf *b, const char *s);

#endif
