/* params: strict parsers for query strings, form bodies, multipart bodies and cookies. */
#ifndef ZAIKO_PARAMS_H
#define ZAIKO_PARAMS_H

#include "core/zaiko.h"

/* One name/value pair. value is NUL-terminated but may hold other NULs in a file part;
 * len is authoritative. filename is set (possibly "") only for a multipart file part. */
typedef struct {
	char *name;
	char *value;
	size_t len;
	char *filename;
	char *content_type;
} web_param;

typedef struct {
	web_param *items;
	int n, cap;
} web_params;

typedef struct {
	int max_fields;        /* pairs in one source */
	size_t max_name;       /* bytes of a name */
	size_t max_value;      /* bytes of a text value */
	size_t max_file;       /* bytes of a file part */
} web_limits;

/* The limits used for requests unless a route says otherwise. */
extern const web_limits web_default_limits;

/* Each parser appends to out and returns Z_OK, or Z_INVALID with *why set to a static
 * Japanese message (out may then hold some pairs: free it). Text names and values must be
 * well-formed UTF-8 without NUL or control characters (TAB, CR, LF allowed in values). */
int web_parse_urlencoded(const char *s, size_t n, const web_limits *lim, web_params *out,
                         const char **why);
/* content_type is the full header, with its boundary parameter. */
int web_parse_multipart(const char *body, size_t n, const char *content_type,
                        const web_limits *lim, web_params *out, const char **why);
/* A Cookie header: "a=b; c=d". Malformed pairs are skipped, as browsers send what they keep. */
int web_parse_cookies(const char *header, const web_limits *lim, web_params *out,
                      const char **why);

/* The first pair named name, or NULL; and how many there are. */
const web_param *web_params_get(const web_params *p, const char *name);
int web_params_count(const web_params *p, const char *name);
void web_params_free(web_params *p);

#endif
