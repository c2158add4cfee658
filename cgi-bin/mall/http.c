/* http: libcurl easy handles, one per shop; responses bounded in size. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/log.h"
#include "core/url.h"
#include "mall/http.h"

#define HTTP_MAX_BODY (64L << 20)

struct http_client {
	CURL *curl;
	long timeout_ms;
	bool verify_tls;
};

http_client *http_client_new(long timeout_ms, bool verify_tls)
{
	static bool global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	http_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	c->verify_tls = verify_tls;
	return c;
}

void http_client_free(http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	buf *b = userp;
	size_t len = size * n;
	if (b->len + len > (size_t)HTTP_MAX_BODY || buf_append(b, data, len) != Z_OK)
		return 0; /* aborts the transfer: an oversized reply is a failure */
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
	buf *b = userp;
	size_t len = size * n;
	/* A new status line starts a new response (after 100-continue or a redirect). */
	if (len > 5 && !strncmp(data, "HTTP/", 5))
		buf_reset(b);
	if (b->len + len > 65536 || buf_append(b, data, len) != Z_OK)
		return 0;
	return len;
}

int http_perform(http_client *c, const http_request *req, http_response *resp)
{
	CURL *h = c->curl;
	struct curl_slist *headers = NULL;
	buf_reset(&resp->body);
	buf_reset(&resp->headers);
	resp->status = 0;
	resp->error[0] = '\0';
	/* libcurl sends a header line as given: a token taken from a reply or from the shop's
	 * credentials must not be able to add lines of its own to the request. */
	for (const char *const *p = req->headers; p && *p; p++)
		if (!http_header_value_ok(*p)) {
			snprintf(resp->error, sizeof(resp->error), "request header with a line break");
			log_warn("http: %s %.*s: %s", req->method ? req->method : "GET",
			         (int)strcspn(req->url, "?"), req->url, resp->error);
			return Z_ERR;
		}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->verify_tls ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->verify_tls ? 2L : 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "zaiko/1.0");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp->headers);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	for (const char *const *p = req->headers; p && *p; p++)
		headers = curl_slist_append(headers, *p);
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (req->method && strcmp(req->method, "GET"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(headers);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &resp->seconds);
	if (rc != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
		/* The query is left out: some malls take a secret there (Rakuten's licenseKey). */
		log_warn("http: %s %.*s: %s", req->method ? req->method : "GET",
		         (int)strcspn(req->url, "?"), req->url, resp->error);
		return Z_ERR;
	}
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	resp->status = (int)status;
	return Z_OK;
}

void http_response_free(http_response *resp)
{
	buf_free(&resp->body);
	buf_free(&resp->headers);
}

bool http_header(const http_response *resp, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = buf_str(&resp->headers);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vlen = (size_t)((eol ? eol : v + strlen(v)) - v);
			while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
				vlen--;
			if (vlen >= outlen)
				vlen = outlen - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

bool http_header_value_ok(const char *v)
{
	return !strpbrk(v, "\r\n");
}

int http_urlencode(buf *b, const char *s)
{
	return url_encode(b, s, NULL);
}
