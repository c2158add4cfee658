/* url: percent-encoding (RFC 3986) for every URL the program writes: links, redirects,
 * Content-Disposition's filename*, form bodies and query strings sent to the malls. */
#ifndef ZAIKO_URL_H
#define ZAIKO_URL_H

#include "core/buf.h"

/* Appends s percent-encoded: the unreserved bytes (A-Z a-z 0-9 - . _ ~) and those in keep
 * (e.g. "/" for a path) as they are, every other byte as %XX in upper-case hex. Z_OK (out of
 * memory aborts, core/buf.h). */
int url_encode(buf *b, const char *s, const char *keep);

#endif
