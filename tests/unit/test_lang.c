/* Unit tests of the language files templates/lang/ja.hdf and en.hdf: the same keys in both,
 * per key the same printf conversions in the same order and the same {name} placeholders
 * (the scripts' words), and no Japanese in an English value but where the value is a name
 * (a mall's, a language's) or a column heading a file must carry in Japanese. The files are
 * read from ZAIKO_TEMPLATES (the tree's templates/ by default, run from the tree's root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ClearSilver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"

/* English values that may hold Japanese: names that stay as they are, and the Japanese
 * column headings a file must have (shown as data on the page). */
static const char *const japanese_allowed[] = {
	"langs.ja",
	"admin.malls.yahoo",
	"admin.malls.rakuten",
	"admin.malls.colorme",
	"sets.format_header",
	"stock.csv.format_totals_columns",
	NULL,
};

/* And the help of a shop's credential fields (msg.shops.*_help): it names the menus of the
 * mall's own admin screens as the merchant sees them there, in Japanese (「クライアントID」,
 * セラーセントラル › 設定); the page marks it data-mall-words. */
static bool mall_words(const char *path)
{
	size_t n = strlen(path);
	return !strncmp(path, "msg.shops.", 10) && n > 5 && !strcmp(path + n - 5, "_help");
}

static HDF *ja, *en;

static HDF *read_lang(const char *name)
{
	const char *dir = getenv("ZAIKO_TEMPLATES");
	char path[1024];
	HDF *h = NULL;
	snprintf(path, sizeof(path), "%s/lang/%s", dir && *dir ? dir : "templates", name);
	if (hdf_init(&h) != STATUS_OK)
		return NULL;
	NEOERR *err = hdf_read_file(h, path);
	if (err != STATUS_OK) {
		STRING s;
		string_init(&s);
		nerr_error_string(err, &s);
		fprintf(stderr, "cannot read %s: %s\n", path, s.buf ? s.buf : "");
		string_clear(&s);
		nerr_ignore(&err);
		hdf_destroy(&h);
		return NULL;
	}
	return h;
}

static int setup(void **state)
{
	ja = read_lang("ja.hdf");
	en = read_lang("en.hdf");
	return ja && en ? 0 : -1;
}

static int teardown(void **state)
{
	hdf_destroy(&ja);
	hdf_destroy(&en);
	return 0;
}

/* Calls fn(path, value, ctx) for every node of h that has a value, path "a.b.c". */
static void walk(HDF *h, const char *prefix, void (*fn)(const char *, const char *, void *),
                 void *ctx)
{
	for (HDF *c = hdf_obj_child(h); c; c = hdf_obj_next(c)) {
		char path[512];
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", hdf_obj_name(c));
		const char *v = hdf_obj_value(c);
		if (v)
			fn(path, v, ctx);
		walk(c, path, fn, ctx);
	}
}

typedef struct {
	HDF *other;
	const char *other_name;
	int missing;
	int count;
} missing_ctx;

static void check_present(const char *path, const char *value, void *vctx)
{
	missing_ctx *m = vctx;
	(void)value;
	m->count++;
	if (!hdf_get_value(m->other, path, NULL)) {
		fprintf(stderr, "%s lacks %s\n", m->other_name, path);
		m->missing++;
	}
}

static void same_keys(void **state)
{
	missing_ctx a = {en, "en.hdf", 0, 0}, b = {ja, "ja.hdf", 0, 0};
	walk(ja, "", check_present, &a);
	walk(en, "", check_present, &b);
	assert_int_equal(a.missing, 0);
	assert_int_equal(b.missing, 0);
	assert_int_equal(a.count, b.count);
	/* The files hold the screens' labels, not a handful. */
	assert_true(a.count > 400);
}

/* The printf conversions of s in order ("%s %lld %%" → "s lld %"), and its {name}
 * placeholders sorted, into out. */
static void conversions(const char *s, buf *out)
{
	buf_reset(out);
	for (const char *p = s; *p; p++) {
		if (*p != '%')
			continue;
		const char *q = p + 1;
		q += strspn(q, "-+#0'");
		q += strspn(q, "0123456789*");
		if (*q == '.') {
			q++;
			q += strspn(q, "0123456789*");
		}
		size_t len = strspn(q, "hlLqjzt");
		/* Anything else is a plain percent sign of a label read by a template ("100%で");
		 * a value used as a format writes it %%. */
		if (q[len] && strchr("diouxXeEfgGcsp%", q[len])) {
			buf_printf(out, "%.*s ", (int)(len + 1), q);
			p = q + len;
		}
	}
	/* {name} placeholders: few per value, so collect and sort by insertion. */
	char names[16][64];
	int n = 0;
	for (const char *p = strchr(s, '{'); p && n < 16; p = strchr(p + 1, '{')) {
		size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_0123456789");
		if (len && len < 64 && p[1 + len] == '}') {
			snprintf(names[n], sizeof(names[n]), "%.*s", (int)len, p + 1);
			int i = n++;
			while (i > 0 && strcmp(names[i - 1], names[i]) > 0) {
				char t[64];
				strcpy(t, names[i]);
				strcpy(names[i], names[i - 1]);
				strcpy(names[i - 1], t);
				i--;
			}
		}
	}
	for (int i = 0; i < n; i++)
		buf_printf(out, "{%s} ", names[i]);
}

typedef struct {
	int differ;
} spec_ctx;

static void check_specs(const char *path, const char *value, void *vctx)
{
	spec_ctx *c = vctx;
	const char *other = hdf_get_value(en, path, NULL);
	if (!other)
		return; /* same_keys reports it */
	buf a = BUF_INIT, b = BUF_INIT;
	conversions(value, &a);
	conversions(other, &b);
	if (strcmp(buf_str(&a), buf_str(&b))) {
		fprintf(stderr, "%s: ja has [%s], en has [%s]\n", path, buf_str(&a), buf_str(&b));
		c->differ++;
	}
	buf_free(&a);
	buf_free(&b);
}

static void same_conversions(void **state)
{
	spec_ctx c = {0};
	walk(ja, "", check_specs, &c);
	assert_int_equal(c.differ, 0);
}

/* A character of Japanese script or a full-width form: hiragana, katakana, CJK ideographs,
 * CJK punctuation (、。「」〜), full-width and half-width forms (（）／＋ｰ). */
static bool japanese_char(unsigned cp)
{
	return (cp >= 0x3000 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x31f0 && cp <= 0x31ff);
}

static bool has_japanese(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp = *p;
		int more = 0;
		if (cp >= 0xf0) {
			cp &= 0x07;
			more = 3;
		} else if (cp >= 0xe0) {
			cp &= 0x0f;
			more = 2;
		} else if (cp >= 0xc0) {
			cp &= 0x1f;
			more = 1;
		}
		p++;
		for (; more && (*p & 0xc0) == 0x80; more--, p++)
			cp = (cp << 6) | (*p & 0x3f);
		if (japanese_char(cp))
			return true;
	}
	return false;
}

typedef struct {
	int found;
} jp_ctx;

static void check_english(const char *path, const char *value, void *vctx)
{
	jp_ctx *c = vctx;
	for (const char *const *a = japanese_allowed; *a; a++)
		if (!strcmp(*a, path))
			return;
	if (mall_words(path))
		return;
	if (has_japanese(value)) {
		fprintf(stderr, "en.hdf %s is Japanese: %s\n", path, value);
		c->found++;
	}
}

static void english_is_english(void **state)
{
	jp_ctx c = {0};
	assert_true(has_japanese("在庫"));
	assert_true(has_japanese("（"));
	assert_false(has_japanese("Stock – “x” ⋯ ¥1"));
	walk(en, "", check_english, &c);
	assert_int_equal(c.found, 0);
	/* And the Japanese file is Japanese: a label copied over untranslated would pass above. */
	assert_true(has_japanese(hdf_get_value(ja, "menu.stock", "")));
}

static void conversions_compare(void **state)
{
	buf a = BUF_INIT;
	conversions("%s は %lld 件 {n} %% {b}", &a);
	assert_string_equal(buf_str(&a), "s lld % {b} {n} ");
	conversions("%-5d %.*s %zu", &a);
	assert_string_equal(buf_str(&a), "d s zu ");
	conversions("100%で 100% of", &a);
	assert_string_equal(buf_str(&a), "");
	buf_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conversions_compare),
		cmocka_unit_test(same_keys),
		cmocka_unit_test(same_conversions),
		cmocka_unit_test(english_is_english),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
