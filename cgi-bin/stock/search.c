/* search: keyword normalisation (ICU NFKC_Casefold plus zaiko's kana and dash folding), term
 * parsing and the WHERE clauses of the 在庫連携 search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include "core/log.h"
#include "stock/search.h"
#include "stock/stock.h"

/* ---- normalisation ---- */

/* UTF-16 scratch space kept per process: documents are normalised field by field, thousands
 * a second during a rebuild. Grown on demand, never shrunk (a field is at most a few KB). */
static UChar *scratch_a, *scratch_b;
static int32_t scratch_cap;

static int scratch_reserve(int32_t need)
{
	if (need <= scratch_cap)
		return Z_OK;
	int32_t cap = scratch_cap ? scratch_cap : 256;
	while (cap < need) {
		if (cap > (1 << 26))
			return Z_NOMEM;
		cap *= 2;
	}
	UChar *a = realloc(scratch_a, sizeof(UChar) * (size_t)cap);
	if (!a)
		return Z_NOMEM;
	scratch_a = a;
	UChar *b = realloc(scratch_b, sizeof(UChar) * (size_t)cap);
	if (!b)
		return Z_NOMEM;
	scratch_b = b;
	scratch_cap = cap;
	return Z_OK;
}

/* zaiko's folding after NFKC_Casefold, one UTF-16 unit at a time (every character folded
 * here is in the BMP): 0 means "white space". */
static UChar fold_unit(UChar c)
{
	if (c >= 0x30A1 && c <= 0x30F6) /* katakana ァ..ヶ → hiragana ぁ..ゖ */
		return (UChar)(c - 0x60);
	if (c == 0x30FD || c == 0x30FE) /* ヽ ヾ → ゝ ゞ */
		return (UChar)(c - 0x60);
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2043 || c == 0x2212 || c == 0x30FC ||
	    c == 0x2E3A || c == 0x2E3B || c == 0x23AF || c == 0x2500 || c == 0x2501)
		return '-';
	if (c == 0x301C || c == 0x3030) /* 〜 〰 (～ is '~' after NFKC) */
		return '~';
	if (c < 0x20 || c == 0x7F || u_isUWhiteSpace(c))
		return 0;
	return c;
}

int search_normalize(const char *in, size_t len, buf *out)
{
	UErrorCode e = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&e);
	if (U_FAILURE(e) || !nfkc) {
		log_error("search: ICU NFKC_Casefold unavailable: %s", u_errorName(e));
		return Z_ERR;
	}
	if (len == 0)
		return Z_OK;
	if (len > (1u << 24))
		return Z_NOMEM;
	/* UTF-8 → UTF-16 never needs more units than bytes. */
	if (scratch_reserve((int32_t)len + 1) != Z_OK)
		return Z_NOMEM;
	int32_t n16 = 0;
	u_strFromUTF8WithSub(scratch_a, scratch_cap, &n16, in, (int32_t)len, 0xFFFD, NULL, &e);
	if (U_FAILURE(e))
		return Z_NOMEM;
	int32_t nn;
	for (;;) {
		e = U_ZERO_ERROR;
		nn = unorm2_normalize(nfkc, scratch_a, n16, scratch_b, scratch_cap, &e);
		if (e != U_BUFFER_OVERFLOW_ERROR)
			break;
		/* The source must survive the regrowth: copy it aside first. */
		UChar *keep = malloc(sizeof(UChar) * (size_t)n16);
		if (!keep)
			return Z_NOMEM;
		memcpy(keep, scratch_a, sizeof(UChar) * (size_t)n16);
		int rc = scratch_reserve(nn + 1);
		if (rc == Z_OK)
			memcpy(scratch_a, keep, sizeof(UChar) * (size_t)n16);
		free(keep);
		if (rc != Z_OK)
			return rc;
	}
	if (U_FAILURE(e))
		return Z_NOMEM;
	/* Fold and collapse white space in place. */
	int32_t w = 0;
	bool space = false;
	for (int32_t i = 0; i < nn; i++) {
		UChar c = fold_unit(scratch_b[i]);
		if (!c) {
			space = true;
			continue;
		}
		if (space && w > 0)
			scratch_b[w++] = ' ';
		space = false;
		scratch_b[w++] = c;
	}
	/* UTF-16 → UTF-8: at most 3 bytes a unit. */
	size_t before = out->len;
	if (buf_reserve(out, (size_t)w * 3 + 1) != Z_OK)
		return Z_NOMEM;
	int32_t n8 = 0;
	e = U_ZERO_ERROR;
	u_strToUTF8WithSub(out->data + before, (int32_t)((size_t)w * 3 + 1), &n8, scratch_b, w,
	                   0xFFFD, NULL, &e);
	if (U_FAILURE(e))
		return Z_NOMEM;
	out->len = before + (size_t)n8;
	out->data[out->len] = '\0';
	return Z_OK;
}

/* ---- terms ---- */

/* Length of the separator at p (',' 、 ， ､), or 0. */
static size_t separator_at(const unsigned char *p)
{
	if (p[0] == ',')
		return 1;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x81) /* 、 U+3001 */
		return 3;
	if (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8C) /* ， U+FF0C */
		return 3;
	if (p[0] == 0xEF && p[1] == 0xBD && p[2] == 0xA4) /* ､ U+FF64 */
		return 3;
	return 0;
}

/* Length of the white space at p (ASCII blanks, U+3000), or 0. */
static size_t blank_at(const unsigned char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		return 1;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	return 0;
}

/* Adds the term s[0..len) (untrimmed) to out unless it is empty. */
static int add_term(search_terms *out, const char *s, size_t len)
{
	const unsigned char *b = (const unsigned char *)s, *e = b + len;
	size_t k;
	while (b < e && (k = blank_at(b)) && b + k <= e)
		b += k;
	/* Trailing blanks: step back over ASCII blanks and U+3000. */
	for (;;) {
		if (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - b >= 3 && e[-3] == 0xE3 && e[-2] == 0x80 && e[-1] == 0x80)
			e -= 3;
		else
			break;
	}
	if (b == e)
		return Z_OK;
	size_t n = (size_t)(e - b);
	bool prefix = false;
	if (n > 1 && e[-1] == '*') {
		prefix = true;
		n -= 1;
	} else if (n > 3 && e[-3] == 0xEF && e[-2] == 0xBC && e[-1] == 0x8A) { /* ＊ */
		prefix = true;
		n -= 3;
	}
	buf t = BUF_INIT;
	int rc = prefix ? buf_append(&t, b, n) : search_normalize((const char *)b, n, &t);
	if (rc != Z_OK) {
		buf_free(&t);
		return rc;
	}
	if (t.len == 0) {
		buf_free(&t);
		return Z_OK;
	}
	if (out->n >= SEARCH_MAX_TERMS) {
		buf_free(&t);
		return Z_INVALID;
	}
	search_term *term = &out->t[out->n++];
	term->len = t.len;
	term->prefix = prefix;
	term->text = buf_detach(&t);
	return Z_OK;
}

int search_parse(const char *q, search_terms *out)
{
	memset(out, 0, sizeof(*out));
	const unsigned char *p = (const unsigned char *)(q ? q : ""), *start = p;
	int rc = Z_OK;
	for (;;) {
		size_t k = *p ? separator_at(p) : 0;
		if (!*p || k) {
			rc = add_term(out, (const char *)start, (size_t)(p - start));
			if (rc != Z_OK || !*p)
				break;
			p += k;
			start = p;
		} else {
			p++;
		}
	}
	if (rc != Z_OK)
		search_terms_free(out);
	return rc;
}

void search_terms_free(search_terms *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->t[i].text);
	t->n = 0;
}

/* ---- WHERE ---- */

void search_where_add(search_where *w, const char *frag)
{
	buf_puts(&w->sql, w->sql.len ? " AND " : " WHERE ");
	buf_puts(&w->sql, frag);
}

void search_where_add_value(search_where *w, const char *frag, db_val v)
{
	search_where_add(w, frag);
	if (w->n < SEARCH_MAX_VALS)
		w->vals[w->n++] = v;
}

void search_where_free(search_where *w)
{
	buf_free(&w->sql);
	for (int i = 0; i < w->nowned; i++)
		free(w->owned[i]);
	w->nowned = 0;
	w->n = 0;
	w->scans = false;
	w->indexed = false;
	w->index_rows = w->index_skus = 0;
}

char *search_like_pattern(const char *s, size_t len, bool lead, bool trail)
{
	buf b = BUF_INIT;
	int rc = lead ? buf_putc(&b, '%') : Z_OK;
	for (size_t i = 0; i < len && rc == Z_OK; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			rc = buf_putc(&b, '\\');
		if (rc == Z_OK)
			rc = buf_putc(&b, s[i]);
	}
	if (rc == Z_OK && trail)
		rc = buf_putc(&b, '%');
	if (rc != Z_OK || !buf_str(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int search_where_terms(search_where *w, const char *q, const char *column_doc,
                       const char *column_code)
{
	search_terms terms;
	int rc = search_parse(q, &terms);
	if (rc != Z_OK)
		return rc;
	buf frag = BUF_INIT;
	for (int i = 0; i < terms.n && rc == Z_OK; i++) {
		const search_term *t = &terms.t[i];
		char *pat = search_like_pattern(t->text, t->len, !t->prefix, true);
		if (!pat || w->nowned >= SEARCH_MAX_TERMS) {
			free(pat);
			rc = Z_NOMEM;
			break;
		}
		w->owned[w->nowned++] = pat;
		buf_reset(&frag);
		buf_printf(&frag, "%s LIKE ?", t->prefix ? column_code : column_doc);
		search_where_add_value(w, buf_str(&frag), DB_S(pat));
		if (!t->prefix)
			w->scans = true;
	}
	buf_free(&frag);
	search_terms_free(&terms);
	return rc;
}

bool search_filtered(const search_filter *s)
{
	return s->sets || s->drift || s->unlinked || s->linked || s->has_sync || s->has_shop ||
	       s->has_tmin || s->has_tmax || (s->q && *s->q);
}

bool search_listing_only(const search_filter *s)
{
	return !s->sets && !s->drift && !s->has_tmin && !s->has_tmax && !(s->q && *s->q) &&
	       !s->unlinked && (s->has_shop || s->has_sync || s->linked);
}

bool search_has_listing(const search_filter *s)
{
	return s->has_shop || s->has_sync || s->linked;
}

/* The listing conditions after "l.sku_id …": " AND l.shop_id = ? AND l.sync = ?". */
static void listing_conditions(const search_filter *s, buf *sql, db_val *vals, int *n)
{
	if (s->has_shop) {
		buf_puts(sql, " AND l.shop_id = ?");
		vals[(*n)++] = DB_I(s->shop);
	}
	if (s->has_sync) {
		buf_puts(sql, " AND l.sync = ?");
		vals[(*n)++] = DB_I(s->sync);
	}
}

void search_listing_join(const search_filter *s, buf *sql, db_val *vals, int *n)
{
	buf_puts(sql, " JOIN listing l ON l.sku_id = s.id");
	listing_conditions(s, sql, vals, n);
}

/* ---- the search index ---- */

int search_term_grams(const char *term, size_t len, char (*out)[8], size_t *lens, int max,
                      bool *one_char)
{
	/* Start of each character (UTF-8 lead bytes); a term longer than SEARCH_TERM_CHARS is
	 * probed by its first characters (a part of its grams still holds every document that
	 * has it). */
	size_t starts[SEARCH_TERM_CHARS + 1];
	int m = 0;
	for (size_t i = 0; i < len && m <= SEARCH_TERM_CHARS; i++)
		if (((unsigned char)term[i] & 0xC0) != 0x80)
			starts[m++] = i;
	int chars = m > SEARCH_TERM_CHARS ? SEARCH_TERM_CHARS : m;
	if (m <= SEARCH_TERM_CHARS)
		starts[m] = len;
	*one_char = m == 1;
	int n = 0;
	for (int i = 0; i < (chars == 1 ? 1 : chars - 1) && n < max; i++) {
		size_t from = starts[i], to = starts[chars == 1 ? 1 : i + 2];
		if (to <= from || to - from > 8)
			continue;
		bool seen = false;
		for (int k = 0; k < n && !seen; k++)
			seen = lens[k] == to - from && !memcmp(out[k], term + from, to - from);
		if (seen)
			continue;
		memcpy(out[n], term + from, to - from);
		lens[n++] = to - from;
	}
	return n;
}

bool search_index_ready(db *d)
{
	db_res *v = NULL;
	bool ready = false;
	if (db_queryv(d, &v, "SELECT value FROM setting WHERE name = 'search_index'") == Z_OK)
		ready = v->nrows == 1 && db_get(v, 0, 0) && !strcmp(db_get(v, 0, 0), "built");
	db_res_free(v);
	return ready;
}

/* Grams of a search whose postings are estimated, and how many at most a term gives. */
#define INDEX_KEYS 24
#define INDEX_KEYS_TERM 6
/* The rarest gram narrows alone when its postings are at most this many; above, up to
 * INDEX_JOIN more grams are intersected with it (each a primary-key probe of search_gram per
 * posting, cheaper than reading the SKU row and its document). */
#define INDEX_ALONE 1500
#define INDEX_JOIN 2
/* The scan is kept when even the rarest gram is in more than 1/INDEX_SCAN_SHARE of the SKUs:
 * reading that many documents by key costs about what reading them all in order does. */
#define INDEX_SCAN_SHARE 3

typedef struct {
	char gram[8];
	size_t len;
	bool prefix; /* a one-character term: every gram starting with it */
	double est;
	int term, pos; /* which term, and where in it */
} index_key;

static int cmp_key(const void *a, const void *b)
{
	double x = ((const index_key *)a)->est, y = ((const index_key *)b)->est;
	return x < y ? -1 : x > y;
}

/* The grams of the terms to estimate (at most INDEX_KEYS, INDEX_KEYS_TERM a term, spread
 * over each term). */
static int index_keys(const search_terms *terms, index_key *keys)
{
	int n = 0;
	for (int i = 0; i < terms->n && n < INDEX_KEYS; i++) {
		const search_term *t = &terms->t[i];
		if (t->prefix)
			continue;
		char grams[SEARCH_TERM_CHARS][8];
		size_t lens[SEARCH_TERM_CHARS];
		bool one = false;
		int ng = search_term_grams(t->text, t->len, grams, lens, SEARCH_TERM_CHARS, &one);
		int take = ng < INDEX_KEYS_TERM ? ng : INDEX_KEYS_TERM;
		for (int k = 0; k < take && n < INDEX_KEYS; k++) {
			int g = take == 1 ? 0 : (int)((long)k * (ng - 1) / (take - 1));
			bool seen = false;
			for (int j = 0; j < n && !seen; j++)
				seen = keys[j].prefix == one && keys[j].len == lens[g] &&
				       !memcmp(keys[j].gram, grams[g], lens[g]);
			if (seen)
				continue;
			memcpy(keys[n].gram, grams[g], lens[g]);
			keys[n].len = lens[g];
			keys[n].prefix = one;
			keys[n].est = 0;
			keys[n].term = i;
			keys[n].pos = g;
			n++;
		}
	}
	return n;
}

/* The condition on one gram of search_gram alias a (one placeholder, two for a prefix). */
static void key_condition(buf *sql, const char *a, const index_key *k)
{
	if (k->prefix)
		buf_printf(sql, "%s.gram >= ? AND %s.gram < CONCAT(?, x'FF')", a, a);
	else
		buf_printf(sql, "%s.gram = ?", a);
}

/* The server's own estimate of each gram's postings (an EXPLAIN: index dives, no rows read),
 * of the SKUs, and with drift of the 差異商品 SKUs (*drifting), in one round trip. Z_OK or
 * Z_ERR. */
static int index_estimate(db *d, index_key *keys, int n, double *skus, bool drift,
                          double *drifting)
{
	buf sql = BUF_INIT;
	db_val vals[2 * INDEX_KEYS];
	int nv = 0;
	buf_puts(&sql, "EXPLAIN SELECT 1 FROM sku");
	for (int i = 0; i < n; i++) {
		buf_puts(&sql, " UNION ALL SELECT 1 FROM search_gram g WHERE ");
		key_condition(&sql, "g", &keys[i]);
		vals[nv++] = DB_SN(keys[i].gram, keys[i].len);
		if (keys[i].prefix)
			vals[nv++] = DB_SN(keys[i].gram, keys[i].len);
	}
	if (drift)
		buf_puts(&sql, " UNION ALL SELECT 1 FROM sku s FORCE INDEX (ix_drift) WHERE s.drift = 1");
	db_res *r = NULL;
	int rc = buf_str(&sql) ? db_query(d, buf_str(&sql), vals, nv, &r) : Z_NOMEM;
	int cid = -1, crows = -1;
	for (int c = 0; rc == Z_OK && c < r->ncols; c++) {
		if (!strcmp(r->names[c], "id"))
			cid = c;
		else if (!strcmp(r->names[c], "rows"))
			crows = c;
	}
	if (rc == Z_OK && (cid < 0 || crows < 0))
		rc = Z_ERR;
	int seen = 0;
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		long long id = db_get_ll(r, i, cid, 0);
		/* No rows column (NULL) when the server knew without looking: no posting. */
		double rows = (double)db_get_ll(r, i, crows, 0);
		if (id == 1) {
			*skus = rows;
			seen++;
		} else if (id >= 2 && id <= n + 1) {
			keys[id - 2].est = rows;
			seen++;
		} else if (drift && id == n + 2) {
			*drifting = rows;
			seen++;
		}
	}
	if (rc == Z_OK && seen != n + 1 + drift)
		rc = Z_ERR;
	db_res_free(r);
	buf_free(&sql);
	return rc;
}

/* Narrows w to the SKUs the index holds for every term: the rarest gram's postings (the
 * driver), intersected, when they are many, with the rarest gram of other terms (found together
 * less often than the grams of one word), else with a distant gram of the same term. A
 * one-character term's grams are a range, never probed by key: it may only drive, and it does
 * when it is about as rare as the rarest gram and another term can be joined to it. Leaves w
 * as it is (the scan) when the index is not built, cannot be read, or would not narrow much.
 * With drift (差異商品), the scan of the drifting SKUs' documents is kept unless the rarest
 * gram has fewer postings than there are drifting SKUs. */
static int index_narrow(db *d, const search_terms *terms, search_where *w, bool drift)
{
	index_key keys[INDEX_KEYS];
	int n = index_keys(terms, keys);
	double skus = 0, drifting = 0;
	if (n == 0 || !search_index_ready(d))
		return Z_OK;
	if (index_estimate(d, keys, n, &skus, drift, &drifting) != Z_OK) {
		log_error("search: the index's estimates could not be read; scanning");
		return Z_OK;
	}
	qsort(keys, (size_t)n, sizeof(keys[0]), cmp_key);
	if (keys[0].est * INDEX_SCAN_SHARE > skus && skus > 0)
		return Z_OK;
	if (drift && keys[0].est >= drifting)
		return Z_OK;
	int drv = 0;
	for (int i = 1; i < n && !keys[0].prefix && keys[0].est > INDEX_ALONE; i++)
		if (keys[i].prefix && keys[i].est <= 2 * keys[0].est && keys[i].term != keys[0].term) {
			drv = i;
			break;
		}
	int use[1 + INDEX_JOIN], nuse = 0;
	use[nuse++] = drv;
	/* Other terms' rarest grams (keys are sorted), then the same term's farthest one. */
	for (int i = 0; i < n && nuse < 1 + INDEX_JOIN && keys[drv].est > INDEX_ALONE; i++) {
		bool taken = false;
		for (int k = 0; k < nuse; k++)
			taken = taken || keys[use[k]].term == keys[i].term;
		if (!keys[i].prefix && !taken)
			use[nuse++] = i;
	}
	if (nuse == 1 && keys[drv].est > INDEX_ALONE) {
		int far = -1;
		for (int i = 0; i < n; i++)
			if (i != drv && !keys[i].prefix && keys[i].term == keys[drv].term &&
			    (far < 0 || abs(keys[i].pos - keys[drv].pos) > abs(keys[far].pos - keys[drv].pos)))
				far = i;
		if (far >= 0 && abs(keys[far].pos - keys[drv].pos) > 1)
			use[nuse++] = far;
	}
	if (w->n + nuse + 1 > SEARCH_MAX_VALS - 4 || w->nowned >= SEARCH_MAX_TERMS + 1)
		return Z_OK;
	/* The grams' bytes, owned by w (the values point into it). */
	char *store = malloc(8 * (size_t)nuse);
	if (!store)
		return Z_NOMEM;
	w->owned[w->nowned++] = store;
	/* STRAIGHT_JOIN: the driver's postings first, each probing the others' by primary key,
	 * all before any SKU row is read (the optimizer would read the SKU between probes).
	 * Placeholders bind in the order they appear: each joined gram, then the driver's. */
	buf frag = BUF_INIT;
	buf_puts(&frag, nuse > 1 ? "s.id IN (SELECT STRAIGHT_JOIN g0.sku_id FROM search_gram g0"
	                         : "s.id IN (SELECT g0.sku_id FROM search_gram g0");
	for (int i = 1; i < nuse; i++) {
		char a[8];
		snprintf(a, sizeof(a), "g%d", i);
		buf_printf(&frag, " JOIN search_gram %s ON %s.sku_id = g0.sku_id AND ", a, a);
		key_condition(&frag, a, &keys[use[i]]);
	}
	buf_puts(&frag, " WHERE ");
	key_condition(&frag, "g0", &keys[use[0]]);
	buf_puts(&frag, ")");
	if (!buf_str(&frag)) {
		buf_free(&frag);
		return Z_NOMEM;
	}
	search_where_add(w, buf_str(&frag));
	buf_free(&frag);
	for (int j = 1; j <= nuse; j++) {
		int i = j < nuse ? j : 0; /* the joined grams first, the driver last */
		const index_key *k = &keys[use[i]];
		char *g = store + 8 * i;
		memcpy(g, k->gram, k->len);
		w->vals[w->n++] = DB_SN(g, k->len);
		if (k->prefix)
			w->vals[w->n++] = DB_SN(g, k->len);
	}
	w->indexed = true;
	w->index_rows = keys[drv].est;
	w->index_skus = skus;
	return Z_OK;
}

bool search_index_walk_cheaper(const search_where *w, long long count, int page_rows)
{
	/* Walking the codes in order reads about page_rows × SKUs / count rows for a page; the
	 * index reads the driver's postings whatever the page. */
	return w->indexed && count > 0 &&
	       (double)page_rows * w->index_skus / (double)count < w->index_rows;
}

/* Cheapest tests first (the server evaluates them in this order): indexed flags and totals,
 * the keyword terms on the row itself, and last the listing conditions (shop, sync, linked)
 * as one probe of the listing index (shop_id, sku_id, sync). */
int search_where_skus(const search_filter *s, search_where *w)
{
	if (s->sets)
		search_where_add(w, "s.is_set = 1");
	if (s->drift)
		search_where_add(w, "s.drift = 1");
	if (s->has_tmin)
		search_where_add_value(w, "s.total >= ?", DB_I(s->tmin));
	if (s->has_tmax)
		search_where_add_value(w, "s.total <= ?", DB_I(s->tmax));
	int rc = search_where_terms(w, s->q ? s->q : "", "s.search_doc", "s.code");
	if (rc != Z_OK)
		return rc;
	/* セット商品 is a small view of its own index (50 SKUs in 250k): its documents are checked
	 * faster than the postings of a gram are read. 差異商品 (~10 % of the SKUs) is narrowed
	 * when the rarest gram holds fewer SKUs than it (index_narrow). */
	if (s->db && w->scans && !s->sets) {
		search_terms terms;
		rc = search_parse(s->q, &terms);
		if (rc == Z_OK)
			rc = index_narrow(s->db, &terms, w, s->drift);
		search_terms_free(&terms);
		if (rc != Z_OK)
			return rc;
	}
	if (search_has_listing(s) && s->listing != SEARCH_LISTING_JOINED) {
		buf e = BUF_INIT;
		if (s->listing == SEARCH_LISTING_IN) {
			/* The listing index first: (sync, sku_id) or (shop_id, sku_id, sync). */
			buf_puts(&e, "s.id IN (SELECT l.sku_id FROM listing l WHERE l.sku_id IS NOT NULL");
			listing_conditions(s, &e, w->vals, &w->n);
			buf_puts(&e, ")");
		} else {
			/* A scalar subquery, not EXISTS: MariaDB turns EXISTS into a semi-join that reads
			 * every listing of the shop first (0.97 s beside 0.16 s at 400k listings). */
			buf_puts(&e, "(SELECT 1 FROM listing l WHERE l.sku_id = s.id");
			listing_conditions(s, &e, w->vals, &w->n);
			buf_puts(&e, " LIMIT 1) IS NOT NULL");
		}
		search_where_add(w, buf_str(&e));
		buf_free(&e);
	}
	return Z_OK;
}

/* Listings without a SKU have no search document (documents belong to SKUs), so the terms
 * match the listing's own columns, under the table's accent-, case- and width-insensitive
 * collation (the codes' binary collation would miss a normalised, lower-cased term). */
int search_where_unlinked(const search_filter *s, search_where *w)
{
	search_where_add(w, "l.sku_id IS NULL");
	if (s->has_shop)
		search_where_add_value(w, "l.shop_id = ?", DB_I(s->shop));
	if (s->has_sync)
		search_where_add_value(w, "l.sync = ?", DB_I(s->sync));
	return search_where_terms(w, s->q ? s->q : "",
	                          "CONCAT_WS(' ', l.item_code, l.sub_code, l.sku_code, l.name) "
	                          "COLLATE utf8mb4_unicode_ci",
	                          "l.item_code");
}

/* ---- stored documents ---- */

int search_docs_upgrade(db *d, long long *rebuilt)
{
	db_res *v = NULL;
	long long changed = -1;
	int rc = db_queryv(d, &v, "SELECT value FROM setting WHERE name = 'search_doc_version'");
	if (rc != Z_OK)
		return Z_ERR;
	bool current = v->nrows == 1 && !strcmp(db_get(v, 0, 0), SEARCH_DOC_VERSION);
	db_res_free(v);
	if (!current) {
		rc = stock_refresh_all_docs(d, &changed);
		if (rc == Z_OK)
			rc = db_execv(d,
			              "INSERT INTO setting (name, value) VALUES ('search_doc_version', ?) "
			              "ON DUPLICATE KEY UPDATE value = VALUES(value)",
			              DB_S(SEARCH_DOC_VERSION));
		if (rc == Z_OK)
			log_info("search: rebuilt %lld search documents (version %s)", changed,
			         SEARCH_DOC_VERSION);
	}
	if (rebuilt)
		*rebuilt = changed;
	return rc == Z_OK ? Z_OK : Z_ERR;
}

/* Postings are filled this many SKU ids at a time, each chunk its own commit. */
#define INDEX_CHUNK 1000

int search_index_build(db *d, bool force, long long *grams)
{
	db_res *v = NULL;
	long long total = -1, max_id = 0, table = 0;
	/* A database migrated only part of the way (before sql/180) has no index to fill. */
	int rc = db_query_ll(d,
	                     "SELECT COUNT(*) FROM information_schema.tables WHERE "
	                     "table_schema = DATABASE() AND table_name = 'search_gram'",
	                     NULL, 0, 0, &table);
	if (rc != Z_OK || !table) {
		if (grams)
			*grams = -1;
		return rc == Z_OK ? Z_OK : Z_ERR;
	}
	rc = db_queryv(d, &v, "SELECT value FROM setting WHERE name = 'search_index'");
	if (rc != Z_OK)
		return Z_ERR;
	bool skip = v->nrows == 1 && db_get(v, 0, 0) &&
	            (!strcmp(db_get(v, 0, 0), "built") || !strcmp(db_get(v, 0, 0), "off"));
	db_res_free(v);
	if (skip && !force)
		goto out;
	/* The screen scans from here until the postings are whole again. */
	rc = db_execv(d, "DELETE FROM setting WHERE name = 'search_index'");
	if (rc == Z_OK && force)
		rc = db_execv(d, "TRUNCATE TABLE search_gram");
	if (rc == Z_OK)
		rc = db_query_ll(d, "SELECT COALESCE(MAX(id), 0) FROM sku", NULL, 0, 0, &max_id);
	total = 0;
	/* SKUs added after max_id are the triggers' (sql/180). The grams are the triggers' own
	 * expression: two characters at each position of the stored bytes read as utf8mb4. */
	for (long long lo = 0; rc == Z_OK && lo < max_id; lo += INDEX_CHUNK) {
		long long n = 0;
		db_val p[] = {DB_I(lo), DB_I(lo + INDEX_CHUNK)};
		rc = db_exec(d,
		             "INSERT IGNORE INTO search_gram (gram, sku_id) "
		             "SELECT DISTINCT CAST(SUBSTRING(CONVERT(s.search_doc USING utf8mb4), q.seq, 2) "
		             "AS BINARY), s.id FROM sku s JOIN seq_1_to_3000 q "
		             "ON q.seq <= CHAR_LENGTH(CONVERT(s.search_doc USING utf8mb4)) "
		             "WHERE s.id > ? AND s.id <= ?",
		             p, 2, &n, NULL);
		total += n;
	}
	if (rc == Z_OK)
		rc = db_execv(d, "INSERT INTO setting (name, value) VALUES ('search_index', 'built') "
		                 "ON DUPLICATE KEY UPDATE value = VALUES(value)");
	if (rc == Z_OK)
		log_info("search: index built, %lld postings", total);
out:
	if (grams)
		*grams = total;
	return rc == Z_OK ? Z_OK : Z_ERR;
}
