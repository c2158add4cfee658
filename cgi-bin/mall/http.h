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
	double seconds;
} http_response;

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
/* Appends s percent-encoded for a query or form value (RFC 3986 unreserved kept). */
int http_urlencode(buf *b, const char *s);

#endif
