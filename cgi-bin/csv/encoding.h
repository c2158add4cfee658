/* csv/encoding: detect and convert the character encodings of uploaded and exported CSV files. */
#ifndef ZAIKO_CSV_ENCODING_H
#define ZAIKO_CSV_ENCODING_H

#include "core/buf.h"

/* What an input file is written in. CP932 is Shift_JIS as Excel and the JP malls write it
 * (it also holds ① ㈱ 髙 ～, which strict SHIFT_JIS rejects). CP1252 is never detected,
 * only chosen by a caller (EU Amazon reports). */
typedef enum {
	CSV_ENC_UTF8_BOM,
	CSV_ENC_UTF8,
	CSV_ENC_CP932,
	CSV_ENC_CP1252,
	CSV_ENC__MAX
} csv_encoding;

/* How an export is written: CP932 (what Excel and the malls read) or UTF-8 with a BOM
 * (so Excel recognises UTF-8; needed when a cell holds characters CP932 lacks). */
typedef enum {
	CSV_OUT_CP932,
	CSV_OUT_UTF8_BOM,
	CSV_OUT__MAX
} csv_out_encoding;

/* Guesses the encoding of raw file bytes: a UTF-8 BOM wins, then valid UTF-8 (pure ASCII
 * counts as UTF-8), else CP932 — except that text which is UTF-8 but for a few bad bytes
 * (more than ten valid multi-byte characters per bad byte) is called UTF-8, so that
 * converting it fails on the bad line rather than yielding mojibake. Never fails. */
csv_encoding csv_detect_encoding(const char *data, size_t len);

/* Returns the iconv name / a display name in lang ("UTF-8 (BOM付き)", "Shift_JIS (CP932)";
 * lang NULL: Japanese); static. */
const char *csv_encoding_iconv_name(csv_encoding enc);
const char *csv_encoding_label(csv_encoding enc, const char *lang);

/* True when data[0..len) is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
bool csv_utf8_valid(const char *data, size_t len);

/* A streaming decoder to UTF-8. Bytes of one character split across two chunks are carried
 * to the next feed (iconv's EINVAL), so the input may be cut anywhere. A UTF-8 BOM at the
 * start is dropped. NUL bytes are refused (they would cut C strings later). */
typedef struct csv_decoder csv_decoder;

/* Opens a decoder from enc to UTF-8 into *out. Z_OK, Z_NOMEM, or Z_ERR when iconv lacks the
 * encoding. Free with csv_decoder_free. */
int csv_decoder_open(csv_decoder **out, csv_encoding enc);
/* Decodes one chunk, appending UTF-8 to out. Z_OK, Z_NOMEM, or Z_INVALID on an undecodable
 * byte or a NUL; then csv_decoder_error_line() tells the 1-based physical line and the
 * decoder refuses further input. */
int csv_decoder_feed(csv_decoder *d, const char *chunk, size_t len, buf *out);
/* Ends the input: Z_INVALID if a character was left incomplete at the end. */
int csv_decoder_finish(csv_decoder *d, buf *out);
/* The 1-based line of the first undecodable byte (0 when none). */
size_t csv_decoder_error_line(const csv_decoder *d);
/* Frees the decoder (NULL is fine). */
void csv_decoder_free(csv_decoder *d);

/* Detects (when *enc is CSV_ENC__MAX on entry) and converts a whole file to UTF-8, appended
 * to out without BOM; *enc receives the encoding used. On Z_INVALID, *bad_line (if not NULL)
 * holds the 1-based line of the undecodable byte and msg (if not NULL) gets the Japanese
 * message (msg.csv.undecodable, "3行目: 文字コード（UTF-8）として読めない文字があります"; a
 * caller with a language words it itself from *bad_line, as csv_decode_upload does). */
int csv_to_utf8(const char *data, size_t len, csv_encoding *enc, buf *out, size_t *bad_line,
		buf *msg);

/* Encodes UTF-8 to CP932, appending to out. Characters CP932 cannot hold (emoji, 𠮷) and
 * invalid UTF-8: with replace false, returns Z_INVALID and sets *bad_offset (byte offset in
 * the input, may be NULL) with out unchanged past the last good character; with replace
 * true, writes '?' for each and adds their number to *replaced (may be NULL).
 * 〜 (U+301C) and − (U+2212) are written as CP932 0x8160 / 0x817C, which read back as
 * ～ (U+FF5E) and － (U+FF0D). */
int csv_utf8_to_cp932(const char *data, size_t len, bool replace, buf *out, size_t *bad_offset,
		size_t *replaced);

#endif
