/* zaiko.fcgi: the FastCGI accept loop; started without a FastCGI socket it answers one
 * request as plain CGI (shared hosting), with the same code path. */
#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/strnum.h"
#include "web/web.h"

static volatile sig_atomic_t stopping;

/* libfcgi retries an accept() interrupted by a signal unless told that shutdown is pending
 * (its own SIGTERM handler would tell it, but ours replaces that one). */
static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "OK";
	}
}

/* Where a request comes from and its answer goes: a FastCGI request, or the process's
 * environment and standard streams in plain CGI. */
typedef struct {
	FCGX_Request *fcgi; /* NULL in plain CGI */
} io;

static const char *param(io *x, const char *name)
{
	const char *v = x->fcgi ? FCGX_GetParam(name, x->fcgi->envp) : getenv(name);
	return v ? v : "";
}

static int read_some(io *x, char *dst, int n)
{
	if (x->fcgi)
		return FCGX_GetStr(dst, n, x->fcgi->in);
	size_t got = fread(dst, 1, (size_t)n, stdin);
	return (int)got;
}

static void write_bytes(io *x, const char *s, size_t n)
{
	if (x->fcgi)
		FCGX_PutStr(s, (int)n, x->fcgi->out);
	else
		fwrite(s, 1, n, stdout);
}

static void put(io *x, const char *s)
{
	write_bytes(x, s, strlen(s));
}

/* The status line and headers; Content-Length only when the body is whole (not streamed). */
static void send_head(io *fr, web_request *r, bool whole)
{
	char line[256];
	int status = r->status ? r->status : 200;
	snprintf(line, sizeof(line), "Status: %d %s\r\n", status, status_text(status));
	put(fr, line);
	if (r->content_type_out) {
		snprintf(line, sizeof(line), "Content-Type: %s\r\n", r->content_type_out);
		put(fr, line);
	}
	if (whole) {
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n", r->body.len);
		put(fr, line);
	}
	put(fr,
	    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data: https:; object-src 'none'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Cache-Control: no-store\r\n");
	snprintf(line, sizeof(line), "X-Request-Id: %s\r\n", r->request_id);
	put(fr, line);
	write_bytes(fr, buf_str(&r->headers), r->headers.len);
	put(fr, "\r\n");
}

static void send_response(io *fr, web_request *r)
{
	send_head(fr, r, true);
	if (strcmp(r->method, "HEAD") && r->body.len)
		write_bytes(fr, r->body.data, r->body.len);
}

static void stream_head(web_request *r)
{
	send_head(r->io, r, false);
}

static void stream_write(web_request *r, const char *s, size_t n)
{
	write_bytes(r->io, s, n);
}

/* Reads exactly len bytes of body; false when the client sent fewer. */
static bool read_body(io *fr, buf *b, size_t len)
{
	if (buf_reserve(b, len) != Z_OK)
		return false;
	while (b->len < len) {
		int n = read_some(fr, b->data + b->len,
		                  (int)(len - b->len > 65536 ? 65536 : len - b->len));
		if (n <= 0)
			return false;
		b->len += (size_t)n;
	}
	b->data[b->len] = '\0';
	return true;
}

/* Reads and drops up to n bytes of request body. A CGI server may write the whole body before
 * it reads the answer (fcgiwrap does, and answers 502 when the pipe closes early), so a body
 * refused with 413 is drained without being stored. libfcgi does this itself for FastCGI. */
static void discard_input(io *x, size_t n)
{
	char sink[65536];
	while (n > 0) {
		int got = read_some(x, sink, (int)(n > sizeof(sink) ? sizeof(sink) : n));
		if (got <= 0)
			return;
		n -= (size_t)got;
	}
}

static void handle(io *fr, const conf *cfg, db **dbp)
{
	web_request r;
	buf body = BUF_INIT;
	unsigned char rid[8];
	memset(&r, 0, sizeof(r));
	secret_random(rid, sizeof(rid));
	secret_hex(rid, sizeof(rid), r.request_id);
	log_set_context(r.request_id);
	r.method = param(fr, "REQUEST_METHOD");
	r.path = param(fr, "PATH_INFO");
	if (!*r.path)
		r.path = param(fr, "DOCUMENT_URI");
	if (!*r.path)
		r.path = "/";
	r.query = param(fr, "QUERY_STRING");
	r.remote_addr = param(fr, "REMOTE_ADDR");
	r.content_type = param(fr, "CONTENT_TYPE");
	r.cookie_header = param(fr, "HTTP_COOKIE");
	r.accept_language = param(fr, "HTTP_ACCEPT_LANGUAGE");
	r.https = !strcmp(param(fr, "HTTPS"), "on");
	r.cfg = cfg;
	r.io = fr;
	r.io_head = stream_head;
	r.io_write = stream_write;
	hdf_init(&r.hdf);
	/* Escaping must be on before any template is parsed: every var: is HTML-escaped. */
	hdf_set_value(r.hdf, "Config.VarEscapeMode", "html");

	long long len = 0;
	const char *cl = param(fr, "CONTENT_LENGTH");
	size_t max = (size_t)conf_int(cfg, "web", "max_body_bytes", 32 << 20, 1024, 1LL << 30);
	size_t route_max = web_route_max_body(r.method, r.path);
	if (route_max < max)
		max = route_max;
	if (*cl && strnum_ll(cl, 0, 1LL << 40, &len) != Z_OK) {
		web_error(&r, 400, web_lang(&r, "msg.web.bad_request"));
	} else if ((size_t)len > max + 65536) {
		/* The cap holds before anything is allocated; multipart framing gets some room. */
		web_error(&r, 413, web_lang(&r, "msg.web.too_large"));
		web_header(&r, "Connection", "close");
	} else if (len > 0 && !read_body(fr, &body, (size_t)len)) {
		web_error(&r, 400, web_lang(&r, "msg.web.truncated"));
	} else {
		if (!*dbp)
			*dbp = db_open(cfg);
		if (!*dbp) {
			web_error(&r, 503, web_lang(&r, "msg.web.db_down"));
		} else {
			r.db = *dbp;
			web_dispatch(&r, buf_str(&body), body.len);
		}
	}
	if (!r.sent)
		send_response(fr, &r);
	if (!fr->fcgi && len > 0 && body.len < (size_t)len) {
		fflush(stdout);
		discard_input(fr, (size_t)len - body.len);
	}
	log_info("%s %s %d %zu", r.method, r.path, r.status ? r.status : 200,
	         r.sent ? r.streamed : r.body.len);
	if (r.route)
		web_values_free(r.route->fields, r.values);
	web_params_free(&r.query_params);
	web_params_free(&r.body_params);
	web_params_free(&r.cookies);
	buf_free(&r.headers);
	buf_free(&r.body);
	buf_free(&body);
	hdf_destroy(&r.hdf);
	log_set_context("-");
}

int main(void)
{
	conf *cfg = conf_load(NULL);
	db *d = NULL;
	FCGX_Request fr;
	if (!cfg)
		return 1;
#ifdef M_MXFAST
	/* No fast bins: a request builds and frees ~25,000 small blocks (the HDF, ClearSilver's
	 * strings), and with fast bins the next request's first large allocation (libfcgi's, in
	 * FCGX_Accept_r) merged them all at once, walking memory long out of cache: 15 % of a
	 * worker's time on the 在庫連携 list. Freed blocks now merge as they are freed. */
	mallopt(M_MXFAST, 0);
#endif
	/* The language files, before any request: handlers hand them to the stock core and the
	 * CSV readers, which read them without a configuration (logged when unreadable; pages
	 * then fail to render). */
	lang_load(cfg);
	if (FCGX_Init() != 0)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept() must return so the loop ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_IsCGI()) {
		io x = {NULL};
		handle(&x, cfg, &d);
		fflush(stdout);
	} else {
		FCGX_InitRequest(&fr, 0, 0);
		while (!stopping && FCGX_Accept_r(&fr) >= 0) {
			io x = {&fr};
			handle(&x, cfg, &d);
			FCGX_Finish_r(&fr);
		}
	}
	db_close(d);
	conf_free(cfg);
	return 0;
}
