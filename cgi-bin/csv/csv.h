/* csv/csv: bounded RFC 4180 reader and writer over in-memory UTF-8, with per-row error lists. */
#ifndef ZAIKO_CSV_H
#define ZAIKO_CSV_H

#include "core/buf.h"
#include "csv/encoding.h"

/* ---- Bounds ------------------------------------------------------------------------------ */

/* Every reader is bounded; going over a bound is an error with a line number, never a
 * truncation. Zero in a member means "use the default" below. */
typedef struct {
	size_t max_bytes;     /* whole input (raw bytes, before decoding) */
	size_t max_rows;      /* records, header included */
	size_t max_fields;    /* fields in one record */
	size_t max_field_len; /* bytes of one field after unquoting */
	char delim;           /* ',' or '\t'; 0 = guess from the first record */
	bool literal_quotes;  /* '"' is an ordinary character (Amazon's tab-separated reports) */
	const char *lang;     /* the language of the messages ("ja", "en"; NULL: Japanese) */
} csv_limits;

#define CSV_DEFAULT_MAX_BYTES     (64u * 1024 * 1024)
#define CSV_DEFAULT_MAX_ROWS      500000u
#define CSV_DEFAULT_MAX_FIELDS    1000u
#define CSV_DEFAULT_MAX_FIELD_LEN (256u * 1024)

/* ---- Row errors ---------------------------------------------------------------------------- */

/* One problem in one input line; message is in the list's language and starts with the
 * line's number (msg.csv.row: "N行目: …"). */
typedef struct {
	size_t line;
	char *message;
} csv_row_error;

/* A list of row errors. At most CSV_MAX_ERRORS are kept; `dropped` counts the rest. lang is
 * the language its messages are written in ("ja", "en"; NULL: Japanese): the readers set it
 * from csv_limits.lang. */
typedef struct {
	csv_row_error *v;
	size_t n, cap;
	size_t dropped;
	const char *lang;
} csv_errors;

#define CSV_MAX_ERRORS 1000u

/* Adds the text of the language key in e->lang (core/lang.h: spec is the conversions it holds,
 * checked by the compiler), after the line's number (msg.csv.row; line 0: the text alone).
 * Z_OK or Z_NOMEM. */
int csv_errors_add(csv_errors *e, size_t line, const char *key, const char *spec, ...)
	Z_PRINTF(4, 5);
/* Adds the text of a language key without conversions, as csv_errors_add. */
int csv_errors_add_key(csv_errors *e, size_t line, const char *key);
/* Adds a text already in e->lang, after the line's number as csv_errors_add. */
int csv_errors_add_text(csv_errors *e, size_t line, const char *text);
/* How many bytes of s a message quotes: at most max, cut on a character boundary so the
 * message stays valid UTF-8 (a plain "%.40s" may split a character). For "%.*s". */
int csv_clip(const char *s, size_t max);
/* Orders the errors by line, keeping the order of errors on one line. */
void csv_errors_sort(csv_errors *e);
/* Frees every message; the list is empty and reusable. */
void csv_errors_free(csv_errors *e);
/* Appends every message to out, one per line ('\n'), plus msg.csv.more ("ほかN件") when some
 * were dropped. */
int csv_errors_join(const csv_errors *e, buf *out);

/* ---- Reader ------------------------------------------------------------------------------ */

/* One field of the current record: NUL-terminated UTF-8 (quotes already undone) and its
 * length. Valid until the next csv_next() or csv_reader_free(). */
typedef struct {
	const char *ptr;
	size_t len;
} csv_field;

/* Reader over an in-memory buffer the caller keeps alive. Read the public members only:
 *   fields[0..nfields)  the current record
 *   row_line            physical line (1-based) where the current record starts
 *   delim               the delimiter in use (after guessing)
 *   error / err_line    the message and line after csv_next() returned Z_INVALID
 * Rules: "" inside quotes is one quote; quoted fields may hold delimiters and line breaks
 * (kept as written); CRLF, LF and lone CR end a record; a quote inside an unquoted field is
 * kept literally; after a closing quote only a delimiter or a line end may follow; a line
 * with no bytes at all is skipped (not a record); a NUL byte is an error. */
typedef struct {
	const csv_field *fields;
	size_t nfields;
	size_t row_line;
	size_t rows;          /* records returned so far */
	char delim;
	buf error;
	size_t err_line;
	/* private */
	const char *data;
	size_t len, pos, line;
	csv_limits lim;
	buf cells;
	size_t *offs;
	csv_field *fv;
	size_t cap;
	bool failed;
} csv_reader;

/* Starts reading data[0..len) with lim (NULL = defaults). Z_INVALID when len is over
 * max_bytes (message in r->error); Z_OK otherwise. Always call csv_reader_free. */
int csv_reader_init(csv_reader *r, const char *data, size_t len, const csv_limits *lim);
/* Reads the next record: 1 = a record is in r->fields, 0 = end of input, Z_INVALID = bad
 * input or a bound (r->error, r->err_line; further calls return Z_INVALID), Z_NOMEM. */
int csv_next(csv_reader *r);
/* The i-th field of the current record as a C string; "" when i is negative or past the end. */
const char *csv_get(const csv_reader *r, int i);
/* Frees the reader's memory (not the input). */
void csv_reader_free(csv_reader *r);

/* Checks an uploaded file's raw size against lim (NULL = defaults) and decodes it into text
 * (as csv_to_utf8: *enc CSV_ENC__MAX detects, and receives the encoding used). *text_lim
 * gets lim with max_bytes lifted to fit text, since the bound counts raw bytes and CP932
 * grows by half in UTF-8. Z_OK; Z_INVALID with the reason added to errors; Z_NOMEM. */
int csv_decode_upload(const char *data, size_t len, csv_encoding *enc, const csv_limits *lim,
		buf *text, csv_limits *text_lim, csv_errors *errors);

/* True when every field of the current record is empty (Excel's trailing ",,,," lines). */
bool csv_row_blank(const csv_reader *r);

/* ---- Header ------------------------------------------------------------------------------ */

/* A copy of a header record with names normalised for lookup: leading BOM dropped, ASCII
 * and ideographic spaces trimmed, full-width ASCII (（）Ａ１) folded to half-width. */
typedef struct {
	char **names;
	size_t n;
	size_t line;
} csv_header;

/* Copies the reader's current record as the header. Z_OK or Z_NOMEM. Free with
 * csv_header_free. */
int csv_header_load(csv_header *h, const csv_reader *r);
/* Index of the column whose normalised name equals name's (ASCII letters compared without
 * case), or -1. */
int csv_header_find(const csv_header *h, const char *name);
/* The first of a NULL-terminated list of alternative names that exists, or -1. */
int csv_header_find_any(const csv_header *h, const char *const *names);
/* Frees the names. */
void csv_header_free(csv_header *h);
/* Appends the normalised form of s[0..len) to out (what csv_header_find compares). */
int csv_header_normalise(const char *s, size_t len, buf *out);

/* ---- Values ------------------------------------------------------------------------------ */

/* Undoes csv_writer's formula guard: "'=1" → "=1", "'-a" → "-a"; other text unchanged.
 * Returns a pointer into s. Used when reading zaiko's own files back. */
const char *csv_unguard(const char *s);
/* Copies s with ASCII spaces/tabs and U+3000 trimmed at both ends; caller frees. NULL on
 * no memory. */
char *csv_trim_dup(const char *s);

/* ---- Writer ------------------------------------------------------------------------------ */

/* Writes rows to out: fields quoted when they hold the delimiter, a quote, CR or LF (or
 * start/end with a space); rows end in CRLF; a field starting with = + - @ TAB or CR is
 * prefixed with ' (formula injection guard) unless it is a plain number such as -5 or +1.5;
 * a field that already starts with ' and one of those gets one more ', so csv_unguard
 * restores every value exactly.
 * Each row is encoded as a whole, so an unencodable character is reported with its row. */
typedef struct {
	buf *out;
	csv_out_encoding enc;
	char delim;                /* ',' (default) or '\t' */
	bool replace_unmappable;   /* CP932: write '?' instead of failing; counted in replaced */
	bool no_guard;             /* skip the formula guard (for files a mall reads back) */
	size_t rows;               /* rows written, header included */
	size_t replaced;           /* characters written as '?' */
	size_t bad_row;            /* 1-based row of the first unencodable character, or 0 */
	char bad_char[5];          /* that character (UTF-8), for the message */
	/* private */
	buf row;
	size_t nfields;
	bool started;
} csv_writer;

/* Prepares a writer appending to out (the caller owns out). Call csv_writer_free at the end. */
void csv_writer_init(csv_writer *w, buf *out, csv_out_encoding enc);
/* Adds one field (UTF-8, s[0..len)) to the current row. Z_OK or Z_NOMEM. */
int csv_writer_field(csv_writer *w, const char *s, size_t len);
/* Adds a NUL-terminated field (NULL writes an empty field). */
int csv_writer_str(csv_writer *w, const char *s);
/* Adds an integer field. */
int csv_writer_ll(csv_writer *w, long long v);
/* Ends the row: encodes it and appends it with CRLF. Writes the UTF-8 BOM before the first
 * row when enc is CSV_OUT_UTF8_BOM. Z_INVALID when the row has a character CP932 cannot hold
 * and replace_unmappable is false: w->bad_row tells which row, and nothing of it is written. */
int csv_writer_end_row(csv_writer *w);
/* Writes a whole row of n NUL-terminated fields (NULL entries are empty). */
int csv_writer_row(csv_writer *w, const char *const *fields, size_t n);
/* Frees the writer's scratch memory (not out). */
void csv_writer_free(csv_writer *w);

#endif
