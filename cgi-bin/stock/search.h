/* search: the keyword search of the 在庫連携 screen — text normalisation (shared by the
 * stored search documents and the typed terms), parsing of the typed keywords, and the WHERE
 * clauses the screen and the CSV export run. */
#ifndef ZAIKO_STOCK_SEARCH_H
#define ZAIKO_STOCK_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include "core/buf.h"
#include "db/db.h"

/* Keyword terms a search may hold (AND). */
#define SEARCH_MAX_TERMS 8
/* Bound values a WHERE of this module may hold (terms, filters, and room for the caller's
 * paging key and limit). */
#define SEARCH_MAX_VALS 48
/* The version of search_normalize stored documents were built with (setting
 * search_doc_version); search_docs_upgrade rebuilds every document when it differs. */
#define SEARCH_DOC_VERSION "2"
/* Characters of a term the search index probes (the q field holds at most 200). */
#define SEARCH_TERM_CHARS 200

/* Normalises text for the keyword search and appends it to out. The same function builds the
 * stored documents (sku.search_doc) and the typed terms, so they always match alike:
 * - Unicode NFKC with case folding (ICU's NFKC_Casefold): full-width letters and digits are
 *   ASCII, half-width kana are full-width (ｺｯﾄﾝ = コットン), ＡＢＣ = abc, ① = 1, ㈱ = (株);
 *   default-ignorable characters (variation selectors, zero-width spaces) are dropped.
 * - Katakana are folded to hiragana (テスト = てすと): a merchant types either.
 * - The long vowel mark and every dash or minus (ー ｰ － ‐ ‑ ‒ – — ― − -) are one '-': codes
 *   are typed with whichever the input method gives (ＡＢＣー０１ = ABC-01); 〜 and ～ are '~'.
 * - Runs of white space (any Unicode space, the ideographic one too) are one ' ', none at the
 *   ends. Invalid UTF-8 becomes U+FFFD.
 * Z_OK or Z_NOMEM (out unchanged in length beyond what was appended before the failure). */
int search_normalize(const char *in, size_t len, buf *out);

/* One typed term: a substring of the normalised document, or (typed with a trailing '*' or
 * '＊') a prefix of the SKU code as typed. text is owned by the term list. */
typedef struct {
	char *text;
	size_t len;
	bool prefix;
} search_term;

typedef struct {
	search_term t[SEARCH_MAX_TERMS];
	int n;
} search_terms;

/* Splits q into terms on ',' '、' '，' and '､' (whole characters, never bytes), trims white
 * space around each, skips empty ones and normalises the rest (a term that normalises to
 * nothing, such as a lone variation selector, is empty too). Z_OK; Z_INVALID when q holds
 * more than SEARCH_MAX_TERMS terms (out is then empty); Z_NOMEM. Free out with
 * search_terms_free, whatever the result. */
int search_parse(const char *q, search_terms *out);
void search_terms_free(search_terms *t);

/* A WHERE clause under construction: fixed SQL fragments with placeholders and the values
 * bound to them (no user text ever enters the SQL string). vals may point into owned. */
typedef struct {
	buf sql;
	db_val vals[SEARCH_MAX_VALS];
	int n;
	char *owned[SEARCH_MAX_TERMS + 1];
	int nowned;
	/* Some term is matched in the search document (a scan), not as a code prefix. */
	bool scans;
	/* The terms' candidates come from the search index (search_gram), so the LIKE checks
	 * those SKUs only, not every document. */
	bool indexed;
	/* Then: the estimated postings the index reads, and the estimated SKUs. */
	double index_rows, index_skus;
} search_where;

/* Appends " WHERE frag" or " AND frag". */
void search_where_add(search_where *w, const char *frag);
/* search_where_add with one placeholder bound to v. */
void search_where_add_value(search_where *w, const char *frag, db_val v);
/* Frees what w owns (it may be reused after). */
void search_where_free(search_where *w);

/* A LIKE pattern matching s[0..len) literally (\ escapes % _ \), with % before and/or after.
 * The caller frees it; NULL when out of memory. */
char *search_like_pattern(const char *s, size_t len, bool lead, bool trail);

/* Adds one condition per term of q: a prefix term is `column_code LIKE 'typed%'` (the unique
 * index on the code), any other `column_doc LIKE '%normalised%'`. The column names are fixed
 * strings of the caller. Z_OK, Z_INVALID (too many terms), Z_NOMEM. */
int search_where_terms(search_where *w, const char *q, const char *column_doc,
                       const char *column_code);

/* How search_where_skus puts the listing conditions (shop, sync, linked). */
typedef enum {
	/* A probe of the listing index per SKU (`(SELECT 1 FROM listing l WHERE l.sku_id = s.id
	 * …) IS NOT NULL`): a page walked in code order stops after its rows. */
	SEARCH_LISTING_PROBE = 0,
	/* `s.id IN (SELECT l.sku_id FROM listing l WHERE …)`: the SKUs of the matching listings
	 * are read from the listing index first (a rare result: a few listings switched off). */
	SEARCH_LISTING_IN,
	/* Left out: the caller joins `listing l` itself (search_listing_join), as the count of a
	 * SKU view with listing conditions does (a join is ~5× cheaper than the probe per SKU). */
	SEARCH_LISTING_JOINED,
} search_listing_mode;

/* The conditions of the 在庫連携 search, as validated by the screen. */
typedef struct {
	bool sets, drift, unlinked, linked, has_sync, has_shop, has_tmin, has_tmax;
	long long shop, tmin, tmax;
	int sync; /* 1 on, 0 off */
	const char *q;
	/* Where the search index is read (search_where_skus); NULL: every document is scanned. */
	db *db;
	search_listing_mode listing;
} search_filter;

/* True when any condition is set. */
bool search_filtered(const search_filter *s);
/* True when only listing conditions filter (a shop, sync, linked). */
bool search_listing_only(const search_filter *s);
/* True when some listing condition filters (a shop, sync, linked). */
bool search_has_listing(const search_filter *s);
/* Appends " JOIN listing l ON l.sku_id = s.id" and the listing conditions to sql, their values
 * to vals[*n…] (at most 2). For SEARCH_LISTING_JOINED. */
void search_listing_join(const search_filter *s, buf *sql, db_val *vals, int *n);

/* The WHERE of the SKU view over `sku s`: flags and totals, the keyword terms on
 * s.search_doc / s.code, then the listing conditions as one probe of the listing index.
 * With s->db set and the search index built (setting search_index = 'built'), the terms'
 * rarest grams narrow the SKUs first (`s.id IN (SELECT … FROM search_gram …)`); the LIKE of
 * every term still decides, so the rows are those of the scan. Z_OK, Z_INVALID (too many
 * terms), Z_NOMEM; a failure to read the index leaves the scan (logged), never an error. */
int search_where_skus(const search_filter *s, search_where *w);

/* The WHERE of the unlinked view over `listing l` (listings without a SKU): the terms match
 * the listing's own columns. Z_OK, Z_INVALID, Z_NOMEM. */
int search_where_unlinked(const search_filter *s, search_where *w);

/* Rebuilds every stored search document when setting search_doc_version is not
 * SEARCH_DOC_VERSION (a migration resets it), then records the version. *rebuilt (may be
 * NULL) gets the number of documents changed, -1 when none needed a rebuild. Z_OK or Z_ERR. */
int search_docs_upgrade(db *d, long long *rebuilt);

/* ---- the search index (sql/180_search_gram.sql) ----
 * search_gram holds (gram, sku_id) for every gram of each stored document: the two characters
 * at each position, the last character alone at the end. Triggers on sku keep it in the
 * transaction that writes a document. */

/* The grams of a normalised term, as search_where_skus probes them: n grams (at most max) of
 * two characters, or for a one-character term that character (a prefix of grams). Each gram is
 * out[i*8 .. +lens[i]) (at most 8 bytes); grams repeated in the term are given once. Returns n,
 * and *one_char tells a one-character term. */
int search_term_grams(const char *term, size_t len, char (*out)[8], size_t *lens, int max,
                      bool *one_char);

/* True when w was narrowed by the index, yet a page of page_rows rows of a result of count
 * SKUs is found sooner by walking the code index and checking each document (a dense
 * result: the screen pages it without the index once it knows the count). */
bool search_index_walk_cheaper(const search_where *w, long long count, int page_rows);

/* True when setting search_index is 'built' (the screen may read the index). */
bool search_index_ready(db *d);

/* Fills search_gram for every document (chunks of 1000 SKUs, a commit each; the triggers
 * cover documents written meanwhile), then sets search_index = 'built'. Does nothing when it
 * is already 'built' or set to 'off' (the scan on purpose), unless force. *grams (may be NULL)
 * gets the postings written, -1 when nothing was needed. Z_OK or Z_ERR. */
int search_index_build(db *d, bool force, long long *grams);

#endif
