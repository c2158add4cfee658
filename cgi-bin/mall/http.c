/* http: libcurl easy handles, one per shop; responses bounded in size. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include "core/log.h"
#include "core/mallurl.h"
#include "core/url.h"
#include "mall/http.h"

#define HTTP_MAX_BODY (64L << 20)

struct http_client {
	CURL *curl;
	long timeout_ms;
	bool verify_tls;
	bool refused;           /* this transfer's address was refused (see open_socket) */
};

/* Connections to local and private addresses are refused unless allowed (conf [batch]
 * allow_local_mall_urls, which the test stack sets). */
static bool allow_local;

void http_allow_local(bool allow)
{
	allow_local = allow;
}

/* Every address curl is about to connect to, after name resolution: a mall URL whose host
 * NAME resolves to a loopback or private address (a rebinding DNS name, an /etc/hosts entry)
 * gets no connection, so no credentials and no request reach it. curl tries the name's next
 * address, if any. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	http_client *c = ctx;
	if (purpose == CURLSOCKTYPE_IPCXN && !allow_local &&
	    mallurl_sockaddr_local(&a->addr, a->addrlen)) {
		c->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

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

/* Sets up c's handle for req (headers into *list, freed by the caller after the transfer).
 * Z_ERR (resp->error set) when a header would add a line of its own. */
static int setup(http_client *c, const http_request *req, http_response *resp,
                 struct curl_slist **list)
{
	CURL *h = c->curl;
	struct curl_slist *headers = NULL;
	*list = NULL;
	buf_reset(&resp->body);
	buf_reset(&resp->headers);
	resp->status = 0;
	resp->error[0] = '\0';
	resp->error_key = NULL;
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
	c->refused = false;
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c);
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
	*list = headers;
	return Z_OK;
}

/* What a finished transfer of c's handle gave (rc: its result). */
static int finish(http_client *c, const http_request *req, CURLcode rc, http_response *resp)
{
	CURL *h = c->curl;
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &resp->seconds);
	if (rc != CURLE_OK) {
		if (c->refused) {
			snprintf(resp->error, sizeof(resp->error),
			         "送信先のホスト名がローカルまたはプライベートのアドレスを指しています (接続しません)");
			resp->error_key = "msg.mallerr.host_private";
		} else {
			snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
		}
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

int http_perform(http_client *c, const http_request *req, http_response *resp)
{
	struct curl_slist *headers = NULL;
	if (setup(c, req, resp, &headers) != Z_OK)
		return Z_ERR;
	CURLcode rc = curl_easy_perform(c->curl);
	curl_slist_free_all(headers);
	return finish(c, req, rc, resp);
}

/* ---- several requests in flight ---- */

struct http_multi {
	CURLM *multi;
	int nslots, running;
	struct {
		http_client *client;
		bool busy;
		void *tag;
		http_request req;      /* url, headers and body are copies owned here */
		char *url, *body, **headers;
		struct curl_slist *list;
		http_response resp;
	} *slots;
};

http_multi *http_multi_new(int slots, long timeout_ms, bool verify_tls)
{
	http_multi *m = calloc(1, sizeof(*m));
	if (!m || slots < 1 || !(m->slots = calloc((size_t)slots, sizeof(*m->slots))) ||
	    !(m->multi = curl_multi_init())) {
		http_multi_free(m);
		return NULL;
	}
	m->nslots = slots;
	for (int i = 0; i < slots; i++)
		if (!(m->slots[i].client = http_client_new(timeout_ms, verify_tls))) {
			http_multi_free(m);
			return NULL;
		}
	return m;
}

static void slot_clear(http_multi *m, int i)
{
	free(m->slots[i].url);
	free(m->slots[i].body);
	for (char **h = m->slots[i].headers; h && *h; h++)
		free(*h);
	free(m->slots[i].headers);
	curl_slist_free_all(m->slots[i].list);
	m->slots[i].url = m->slots[i].body = NULL;
	m->slots[i].headers = NULL;
	m->slots[i].list = NULL;
	m->slots[i].busy = false;
}

void http_multi_free(http_multi *m)
{
	if (!m)
		return;
	for (int i = 0; m->slots && i < m->nslots; i++) {
		if (m->slots[i].busy && m->multi)
			curl_multi_remove_handle(m->multi, m->slots[i].client->curl);
		slot_clear(m, i);
		http_response_free(&m->slots[i].resp);
		http_client_free(m->slots[i].client);
	}
	if (m->multi)
		curl_multi_cleanup(m->multi);
	free(m->slots);
	free(m);
}

int http_multi_running(const http_multi *m)
{
	return m->running;
}

int http_multi_start(http_multi *m, const http_request *req, void *tag)
{
	int i = 0;
	while (i < m->nslots && m->slots[i].busy)
		i++;
	if (i == m->nslots)
		return Z_ERR;
	int nh = 0;
	while (req->headers && req->headers[nh])
		nh++;
	m->slots[i].url = strdup(req->url);
	m->slots[i].body = req->body ? malloc(req->body_len + 1) : NULL;
	m->slots[i].headers = calloc((size_t)nh + 1, sizeof(char *));
	bool ok = m->slots[i].url && m->slots[i].headers && (!req->body || m->slots[i].body);
	for (int k = 0; ok && k < nh; k++)
		ok = (m->slots[i].headers[k] = strdup(req->headers[k])) != NULL;
	if (!ok) {
		slot_clear(m, i);
		return Z_NOMEM;
	}
	if (req->body) {
		memcpy(m->slots[i].body, req->body, req->body_len);
		m->slots[i].body[req->body_len] = '\0';
	}
	m->slots[i].req = (http_request){req->method, m->slots[i].url,
	                                 (const char *const *)m->slots[i].headers, m->slots[i].body,
	                                 req->body_len, req->timeout_ms};
	if (setup(m->slots[i].client, &m->slots[i].req, &m->slots[i].resp, &m->slots[i].list) !=
	        Z_OK ||
	    curl_multi_add_handle(m->multi, m->slots[i].client->curl) != CURLM_OK) {
		slot_clear(m, i);
		return Z_ERR;
	}
	m->slots[i].busy = true;
	m->slots[i].tag = tag;
	m->running++;
	return Z_OK;
}

int http_multi_next(http_multi *m, long wait_ms, void **tag, http_response *resp, int *rc)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int still = 0, queued = 0;
		if (curl_multi_perform(m->multi, &still) != CURLM_OK)
			return -1;
		CURLMsg *msg;
		while ((msg = curl_multi_info_read(m->multi, &queued)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < m->nslots; i++) {
				if (!m->slots[i].busy || m->slots[i].client->curl != msg->easy_handle)
					continue;
				CURLcode res = msg->data.result;
				curl_multi_remove_handle(m->multi, msg->easy_handle);
				*rc = finish(m->slots[i].client, &m->slots[i].req, res, &m->slots[i].resp);
				/* The caller gets the response; the slot's next one starts empty. */
				http_response_free(resp);
				*resp = m->slots[i].resp;
				memset(&m->slots[i].resp, 0, sizeof(m->slots[i].resp));
				*tag = m->slots[i].tag;
				slot_clear(m, i);
				m->running--;
				return 1;
			}
		}
		if (!m->running)
			return 0;
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long spent = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		long left = wait_ms - spent;
		if (left <= 0)
			return 0;
		if (curl_multi_poll(m->multi, NULL, 0, (int)(left < 1000 ? left : 1000), NULL) != CURLM_OK)
			return -1;
	}
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
