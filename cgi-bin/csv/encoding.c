/* csv/encoding: encoding detection and glibc iconv conversion for CSV files. */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/utf8.h"
#include "csv/encoding.h"

/* Chunk size of csv_to_utf8: small enough that real files cross chunk borders mid-character,
 * so the carry-over path is the one every upload takes. */
#define DECODE_CHUNK 4096

struct csv_decoder {
	iconv_t cd;
	csv_encoding enc;
	unsigned char carry[8];
	size_t ncarry;
	size_t line;       /* 1-based line of the next input byte */
	size_t bad_line;
	unsigned char head[3];
	size_t nhead;
	bool at_start;     /* the first bytes are held back until the BOM check is done */
	bool failed;
};

static const char *const iconv_names[CSV_ENC__MAX] = {
	[CSV_ENC_UTF8_BOM] = "UTF-8",
	[CSV_ENC_UTF8] = "UTF-8",
	[CSV_ENC_CP932] = "CP932",
	[CSV_ENC_CP1252] = "CP1252",
};

static const char *const labels[CSV_ENC__MAX] = {
	[CSV_ENC_UTF8_BOM] = NULL, /* a text: msg.csv.utf8_bom */
	[CSV_ENC_UTF8] = "UTF-8",
	[CSV_ENC_CP932] = "Shift_JIS (CP932)",
	[CSV_ENC_CP1252] = "Windows-1252",
};

const char *csv_encoding_iconv_name(csv_encoding enc)
{
	return (unsigned)enc < CSV_ENC__MAX ? iconv_names[enc] : "UTF-8";
}

const char *csv_encoding_label(csv_encoding enc, const char *lang)
{
	if ((unsigned)enc >= CSV_ENC__MAX)
		return "?";
	if (labels[enc])
		return labels[enc];
	const char *s = lang_get(NULL, lang, "msg.csv.utf8_bom");
	return s ? s : "UTF-8 BOM";
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid or cut short. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	return utf8_decode((const char *)p, avail, NULL);
}

bool csv_utf8_valid(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

csv_encoding csv_detect_encoding(const char *data, size_t len)
{
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		return CSV_ENC_UTF8_BOM;
	/* CP932 Japanese almost never forms valid multi-byte UTF-8 (its lead bytes 0x81-0x9F
	 * are UTF-8 continuation bytes), so a file with many valid sequences and a few bad
	 * bytes is broken UTF-8: decoding it as UTF-8 names the bad line instead of turning
	 * the whole file into mojibake. */
	const unsigned char *p = (const unsigned char *)data;
	size_t good_mb = 0, bad = 0;
	bool in_bad = false;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		if (n > 1)
			good_mb++;
		/* A run of bad bytes counts once: it is one broken character. */
		if (!n && !in_bad)
			bad++;
		in_bad = !n;
		i += n ? n : 1;
	}
	if (!bad || good_mb > 10 * bad)
		return CSV_ENC_UTF8;
	return CSV_ENC_CP932;
}

int csv_decoder_open(csv_decoder **out, csv_encoding enc)
{
	*out = NULL;
	csv_decoder *d = calloc(1, sizeof *d);
	if (!d)
		return Z_NOMEM;
	d->cd = iconv_open("UTF-8", csv_encoding_iconv_name(enc));
	if (d->cd == (iconv_t)-1) {
		free(d);
		return Z_ERR;
	}
	d->enc = enc;
	d->line = 1;
	d->at_start = true;
	*out = d;
	return Z_OK;
}

void csv_decoder_free(csv_decoder *d)
{
	if (!d)
		return;
	iconv_close(d->cd);
	free(d);
}

size_t csv_decoder_error_line(const csv_decoder *d)
{
	return d->bad_line;
}

static void count_lines(csv_decoder *d, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n')
			d->line++;
}

static int fail(csv_decoder *d)
{
	d->failed = true;
	d->bad_line = d->line;
	return Z_INVALID;
}

/* Converts in[0..*inlen) into out; stops at an incomplete tail (left in *in / *inlen).
 * Lines are counted on the consumed input, so an error names the line of the bad byte. */
static int convert(csv_decoder *d, const char **in, size_t *inlen, buf *out)
{
	while (*inlen > 0) {
		/* A NUL would silently cut every C string built from this text later on. */
		const char *nul = memchr(*in, '\0', *inlen);
		size_t span = nul ? (size_t)(nul - *in) : *inlen;
		if (span == 0) {
			return fail(d);
		}
		if (buf_reserve(out, span * 3 + 16) != Z_OK)
			return Z_NOMEM;
		char *src = (char *)*in;
		size_t srclen = span;
		char *dst = out->data + out->len;
		size_t dstlen = out->cap - out->len - 1;
		size_t rc = iconv(d->cd, &src, &srclen, &dst, &dstlen);
		int err = errno;
		size_t used = span - srclen;
		count_lines(d, *in, used);
		out->len = (size_t)(dst - out->data);
		out->data[out->len] = '\0';
		*in += used;
		*inlen -= used;
		if (rc != (size_t)-1)
			continue;
		if (err == E2BIG)
			continue;
		if (err == EINVAL) {
			/* Incomplete character at the end of this span: if the span ended at a NUL
			 * the character is broken, otherwise the caller carries it over. */
			if (nul)
				return fail(d);
			return Z_OK;
		}
		return fail(d);
	}
	return Z_OK;
}

static int feed_body(csv_decoder *d, const char *chunk, size_t len, buf *out)
{
	int rc;
	/* Finish the character carried over from the last chunk first, a byte at a time. */
	while (d->ncarry > 0 && len > 0) {
		if (d->ncarry >= sizeof d->carry)
			return fail(d);
		d->carry[d->ncarry++] = (unsigned char)*chunk++;
		len--;
		const char *p = (const char *)d->carry;
		size_t n = d->ncarry;
		rc = convert(d, &p, &n, out);
		if (rc != Z_OK)
			return rc;
		if (n != d->ncarry)
			memmove(d->carry, p, n);
		d->ncarry = n;
	}
	const char *p = chunk;
	size_t n = len;
	rc = convert(d, &p, &n, out);
	if (rc != Z_OK)
		return rc;
	if (n > 0) {
		if (n >= sizeof d->carry)
			return fail(d);
		memcpy(d->carry, p, n);
		d->ncarry = n;
	}
	return Z_OK;
}

/* Passes the bytes held back while looking for a BOM on to the converter. */
static int release_head(csv_decoder *d, buf *out)
{
	d->at_start = false;
	size_t skip = 0;
	bool utf8 = d->enc == CSV_ENC_UTF8 || d->enc == CSV_ENC_UTF8_BOM;
	if (utf8 && d->nhead == 3 && memcmp(d->head, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	return feed_body(d, (const char *)d->head + skip, d->nhead - skip, out);
}

int csv_decoder_feed(csv_decoder *d, const char *chunk, size_t len, buf *out)
{
	if (d->failed)
		return Z_INVALID;
	if (d->at_start) {
		/* The BOM itself may be cut across chunks: hold the first three bytes. */
		while (d->nhead < 3 && len > 0) {
			d->head[d->nhead++] = (unsigned char)*chunk++;
			len--;
		}
		if (d->nhead < 3)
			return Z_OK;
		int rc = release_head(d, out);
		if (rc != Z_OK)
			return rc;
	}
	return feed_body(d, chunk, len, out);
}

int csv_decoder_finish(csv_decoder *d, buf *out)
{
	if (d->failed)
		return Z_INVALID;
	if (d->at_start) {
		int rc = release_head(d, out);
		if (rc != Z_OK)
			return rc;
	}
	if (d->ncarry > 0)
		return fail(d);
	return Z_OK;
}

int csv_to_utf8(const char *data, size_t len, csv_encoding *enc, buf *out, size_t *bad_line,
		buf *msg)
{
	csv_decoder *d = NULL;
	size_t start = out->len;
	if (bad_line)
		*bad_line = 0;
	if ((unsigned)*enc >= CSV_ENC__MAX)
		*enc = csv_detect_encoding(data, len);
	int rc = csv_decoder_open(&d, *enc);
	if (rc != Z_OK) {
		if (msg)
			buf_puts(msg, lang_text(NULL, "msg.csv.no_converter"));
		goto out;
	}
	for (size_t off = 0; off < len && rc == Z_OK; off += DECODE_CHUNK) {
		size_t n = len - off < DECODE_CHUNK ? len - off : DECODE_CHUNK;
		rc = csv_decoder_feed(d, data + off, n, out);
	}
	if (rc == Z_OK)
		rc = csv_decoder_finish(d, out);
	if (rc == Z_INVALID) {
		size_t line = csv_decoder_error_line(d);
		if (bad_line)
			*bad_line = line;
		if (msg) {
			buf text = BUF_INIT;
			lang_textf(NULL, NULL, &text, "msg.csv.undecodable", "%s",
			           csv_encoding_label(*enc, NULL));
			lang_textf(NULL, NULL, msg, "msg.csv.row", "%zu%s", line, buf_str(&text));
			buf_free(&text);
		}
	}
out:
	if (rc != Z_OK && out->len > start) {
		out->len = start;
		out->data[start] = '\0';
	}
	csv_decoder_free(d);
	return rc;
}

/* Converts one UTF-8 character at p (n bytes) to CP932; returns the iconv result. */
static size_t encode_one(iconv_t cd, const char *p, size_t n, char *dst, size_t *dstlen)
{
	char *src = (char *)p;
	size_t srclen = n;
	char *d = dst;
	size_t room = 8;
	size_t rc = iconv(cd, &src, &srclen, &d, &room);
	*dstlen = (size_t)(d - dst);
	return rc;
}

int csv_utf8_to_cp932(const char *data, size_t len, bool replace, buf *out, size_t *bad_offset,
		size_t *replaced)
{
	int rc = Z_OK;
	iconv_t cd = iconv_open("CP932", "UTF-8");
	if (cd == (iconv_t)-1)
		return Z_ERR;
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0;
	while (i < len) {
		/* ASCII runs are the bulk of every file and map to themselves. */
		size_t run = i;
		while (run < len && p[run] < 0x80)
			run++;
		if (run > i) {
			if (buf_append(out, data + i, run - i) != Z_OK) {
				rc = Z_NOMEM;
				goto out;
			}
			i = run;
			continue;
		}
		size_t n = utf8_seq(p + i, len - i);
		char tmp[8];
		size_t tlen = 0;
		if (n && encode_one(cd, data + i, n, tmp, &tlen) != (size_t)-1 && tlen > 0) {
			if (buf_append(out, tmp, tlen) != Z_OK) {
				rc = Z_NOMEM;
				goto out;
			}
			i += n;
			continue;
		}
		iconv(cd, NULL, NULL, NULL, NULL);
		if (!replace) {
			if (bad_offset)
				*bad_offset = i;
			rc = Z_INVALID;
			goto out;
		}
		if (buf_putc(out, '?') != Z_OK) {
			rc = Z_NOMEM;
			goto out;
		}
		if (replaced)
			(*replaced)++;
		if (n) {
			i += n;
		} else {
			/* Skip one invalid lead byte and its stray continuation bytes. */
			i++;
			while (i < len && (p[i] & 0xC0) == 0x80)
				i++;
		}
	}
out:
	iconv_close(cd);
	return rc;
}
