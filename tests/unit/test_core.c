/* Unit tests of the core: strict numbers, UTF-8, the config parser, buffers, secrets and
 * the template escaping every page relies on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ClearSilver.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/buf.h"
#include "core/conf.h"
#include "core/hmap.h"
#include "core/jst.h"
#include "core/secret.h"
#include "core/strnum.h"
#include "core/url.h"
#include "core/utf8.h"

static void strict_numbers(void **state)
{
	long long v = 7;
	assert_int_equal(strnum_ll("0", 0, 10, &v), Z_OK);
	assert_int_equal(v, 0);
	assert_int_equal(strnum_ll("-5", -10, 10, &v), Z_OK);
	assert_int_equal(v, -5);
	assert_int_equal(strnum_ll("+5", -10, 10, &v), Z_OK);
	assert_int_equal(strnum_ll("9223372036854775807", 0, LLONG_MAX, &v), Z_OK);
	const char *bad[] = {"", " 1", "1 ", "1x", "0x10", "1e3", "--1", "-", "+", "１",
	                     "9223372036854775808", "11"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		assert_int_equal(strnum_ll(bad[i], -10, 10, &v), Z_INVALID);
		assert_int_equal(v, 42); /* untouched on failure */
	}
	int x;
	assert_int_equal(strnum_int("2147483648", INT_MIN, INT_MAX, &x), Z_INVALID);
	/* What a person types, folded as the edit boxes fold it. */
	char f[16];
	const char *typed[][2] = {{"１２", "12"}, {"＋５", "+5"}, {"－３", "-3"}, {"ー３", "-3"},
	                          {"ｰ３", "-3"}, {"−７", "-7"}, {"‐１", "-1"}, {" 7 ", "7"},
	                          {"1　000", "1000"}, {"5.5", "5.5"}, {"十", "十"}, {"", ""}};
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		assert_int_equal(strnum_fold(typed[i][0], f, sizeof f), Z_OK);
		assert_string_equal(f, typed[i][1]);
	}
	assert_int_equal(strnum_fold("12345678901234567890", f, sizeof f), Z_INVALID);
}

static void utf8_rules(void **state)
{
	assert_true(utf8_valid_text("在庫 abc\t\r\n", strlen("在庫 abc\t\r\n")));
	assert_true(utf8_valid_text("🍣", 4));
	assert_false(utf8_valid_text("a\0b", 3));
	assert_false(utf8_valid_text("\x1b[1m", 4));
	assert_false(utf8_valid_text("\xc0\xaf", 2));
	assert_false(utf8_valid_text("\xe3\x81", 2)); /* truncated */
	assert_false(utf8_valid_text("\xed\xa0\x80", 3));
	assert_false(utf8_valid_text("\x7f", 1));
	/* A prefix never splits a character. */
	const char *s = "あいう"; /* 9 bytes */
	assert_int_equal(utf8_prefix(s, 9, 4), 3);
	assert_int_equal(utf8_prefix(s, 9, 6), 6);
	assert_int_equal(utf8_prefix(s, 9, 20), 9);
	assert_int_equal(utf8_count(s, 9), 3);
	/* A character cut at the end is dropped; whole ones stay. */
	assert_int_equal(utf8_complete(s, 9), 9);
	assert_int_equal(utf8_complete(s, 8), 6);
	assert_int_equal(utf8_complete(s, 7), 6);
	assert_int_equal(utf8_complete(s, 6), 6);
	assert_int_equal(utf8_complete("ab", 2), 2);
	assert_int_equal(utf8_complete("\x80\x80", 2), 0);
	assert_int_equal(utf8_complete("", 0), 0);
}

static void config_file(void **state)
{
	const char text[] = "# comment\n[database]\nsocket = /tmp/x.sock\n; other\nport=3307\n"
	                    "password = \"a b\"\n[web]\nsession_idle_hours = nine\n";
	conf *c = conf_parse(text, sizeof(text) - 1);
	assert_non_null(c);
	assert_string_equal(conf_get(c, "database", "socket", NULL), "/tmp/x.sock");
	assert_string_equal(conf_get(c, "database", "password", NULL), "a b");
	assert_int_equal(conf_int(c, "database", "port", 1, 1, 65535), 3307);
	assert_int_equal(conf_int(c, "web", "session_idle_hours", 8, 1, 100), 8); /* invalid → default */
	assert_null(conf_get(c, "web", "socket", NULL));
	conf_free(c);
	assert_null(conf_parse("[broken\n", 8));
	assert_null(conf_parse("novalue\n", 8));
	assert_null(conf_parse("a=1\0b=2", 7));
}

static void buffers(void **state)
{
	buf b = BUF_INIT;
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), Z_OK);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, "a\0b", 3), Z_OK);
	assert_int_equal(b.len, 3);
	char *s = buf_detach(&b);
	assert_memory_equal(s, "a\0b", 3);
	free(s);
	assert_null(b.data);
}

static void growable_arrays(void **state)
{
	long long *a = NULL;
	int cap = 0;
	assert_int_equal(array_reserve(&a, &cap, 1, sizeof(*a)), Z_OK);
	assert_int_equal(cap, 8);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(array_reserve(&a, &cap, i + 1, sizeof(*a)), Z_OK);
		a[i] = i;
	}
	assert_true(cap >= 1000 && cap <= 2048);
	assert_int_equal(a[999], 999);
	int before = cap;
	assert_int_equal(array_reserve(&a, &cap, 10, sizeof(*a)), Z_OK); /* already room */
	assert_int_equal(cap, before);
	/* An impossible size fails and leaves the array and its capacity as they were. */
	assert_int_equal(array_reserve(&a, &cap, INT_MAX, SIZE_MAX / 4), Z_NOMEM);
	assert_int_equal(cap, before);
	assert_int_equal(a[500], 500);
	free(a);
	/* size_t counts (array_grow): doubles from 16 only when the list is full; the elements
	 * already there are kept. */
	size_t *z = NULL, zcap = 0;
	for (size_t i = 0; i < 1000; i++) {
		array_grow(&z, &zcap, i, sizeof(*z));
		z[i] = i;
		assert_true(zcap > i);
	}
	assert_int_equal(zcap, 1024);
	array_grow(&z, &zcap, 1000, sizeof(*z)); /* room left: unchanged */
	assert_int_equal(zcap, 1024);
	assert_int_equal(z[0] + z[999], 999);
	free(z);
}

/* Runs fn in a child process; true when the child died of SIGABRT (the out-of-memory policy)
 * instead of returning. */
static bool child_aborts(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A small address space, so a large allocation fails here for real. */
		struct rlimit lim = {256 << 20, 256 << 20};
		setrlimit(RLIMIT_AS, &lim);
		fn();
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void grow_past_memory(void)
{
	buf b = BUF_INIT;
	/* 64 KB at a time up to 4 GB: realloc fails under the child's 256 MB limit. */
	static char chunk[1 << 16];
	for (int i = 0; i < 65536; i++)
		if (buf_append(&b, chunk, sizeof(chunk)) != Z_OK)
			_exit(3); /* a failure returned: the policy is broken */
	_exit(4);
}

static void impossible_buffer(void)
{
	buf b = BUF_INIT;
	buf_putc(&b, 'x');
	buf_reserve(&b, SIZE_MAX - 1);
	_exit(3);
}

static void impossible_calloc(void)
{
	void *p = z_calloc(SIZE_MAX / 2, 4);
	(void)p;
	_exit(3);
}

static void impossible_list(void)
{
	size_t cap = SIZE_MAX / 2 + 1;
	(void)array_doubled(cap);
	_exit(3);
}

static void impossible_array(void)
{
	void *p = z_reallocarray(NULL, SIZE_MAX / 8, 16);
	(void)p;
	_exit(3);
}

static void fine_allocations(void)
{
	char *s = z_strdup("在庫");
	int *v = z_calloc(1000, sizeof(*v));
	s = z_realloc(s, 100);
	void *m = z_malloc(0);
	if (v[999] != 0 || strcmp(s, "在庫"))
		_exit(3);
	free(m);
	free(v);
	free(s);
}

/* Out of memory ends the process (core/buf.h): a buffer never returns a failure, and a size no
 * memory could hold aborts too; ordinary allocations return usable memory. */
static void out_of_memory_aborts(void **state)
{
#if !defined(__SANITIZE_ADDRESS__)
	/* Under ASan its own allocator reports a failing malloc before ours sees NULL. */
	assert_true(child_aborts(grow_past_memory));
#endif
	assert_true(child_aborts(impossible_buffer));
	assert_true(child_aborts(impossible_calloc));
	assert_true(child_aborts(impossible_list));
	assert_true(child_aborts(impossible_array));
	assert_false(child_aborts(fine_allocations));
}

/* One percent-encoder for every URL: unreserved bytes kept, the rest %XX upper-case, keep
 * adds bytes a caller's context allows (a path's '/'). */
static void percent_encoding(void **state)
{
	buf b = BUF_INIT;
	assert_int_equal(url_encode(&b, "aZ09-._~ /?&=+%#在", NULL), Z_OK);
	assert_string_equal(buf_str(&b), "aZ09-._~%20%2F%3F%26%3D%2B%25%23%E5%9C%A8");
	buf_reset(&b);
	url_encode(&b, "/stock/csv/totals?x=1", "/");
	assert_string_equal(buf_str(&b), "/stock/csv/totals%3Fx%3D1");
	buf_reset(&b);
	url_encode(&b, "\x01\x7f\xff", "");
	assert_string_equal(buf_str(&b), "%01%7F%FF");
	buf_reset(&b);
	url_encode(&b, "", NULL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* The one UTF-8 decoder: code points of 1..4-byte characters, and 0 for every malformed
 * form (the validator, the CSV encoding detector and the CSV header reader all call it). */
static void utf8_decoding(void **state)
{
	uint32_t cp = 0;
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xC2\xA9", 2, &cp), 2);
	assert_int_equal(cp, 0xA9);
	assert_int_equal(utf8_decode("在", 3, &cp), 3);
	assert_int_equal(cp, 0x5728);
	assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(utf8_decode("\xF4\x8F\xBF\xBF", 4, NULL), 4); /* U+10FFFF */
	cp = 7;
	const char *bad[] = {"\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80",
	                     "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
	                     "\xE5\x9C", "\xE5\x41\x41", "\xFF"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(utf8_decode(bad[i], strlen(bad[i]), &cp), 0);
	assert_int_equal(cp, 7); /* untouched on failure */
	assert_int_equal(utf8_decode("在", 2, &cp), 0); /* cut short by n */
	assert_int_equal(utf8_decode("", 0, &cp), 0);
}

static void session_tokens(void **state)
{
	unsigned char a[32], b[32];
	char hex[65];
	assert_int_equal(secret_random(a, sizeof(a)), Z_OK);
	assert_int_equal(secret_random(b, sizeof(b)), Z_OK);
	assert_memory_not_equal(a, b, 32);
	secret_hex(a, 32, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
	unsigned char h[32];
	secret_sha256("abc", 3, h);
	secret_hex(h, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(secret_equal("same", "same", 4));
	assert_false(secret_equal("same", "samf", 4));
}

static void password_hashes(void **state)
{
	char h1[256], h2[256];
	assert_int_equal(secret_hash_password("correct horse", h1, sizeof(h1)), Z_OK);
	assert_int_equal(secret_hash_password("correct horse", h2, sizeof(h2)), Z_OK);
	assert_true(strncmp(h1, "$y$", 3) == 0);      /* yescrypt */
	assert_string_not_equal(h1, h2);              /* salted */
	assert_true(secret_check_password("correct horse", h1));
	assert_false(secret_check_password("correct horsf", h1));
	assert_false(secret_check_password("correct horse", ""));
	assert_false(secret_check_password("correct horse", NULL));
	assert_false(secret_check_password("x", "*0"));
}

static NEOERR *collect(void *ctx, char *s)
{
	buf_puts(ctx, s);
	return STATUS_OK;
}

/* Renders tpl with X set to value, the escape mode set as zaiko sets it. */
static void render(const char *tpl, const char *value, buf *out)
{
	HDF *hdf;
	CSPARSE *cs;
	assert_null(hdf_init(&hdf));
	assert_null(hdf_set_value(hdf, "Config.VarEscapeMode", "html"));
	assert_null(hdf_set_value(hdf, "X", value));
	assert_null(cs_init(&cs, hdf));
	assert_null(cgi_register_strfuncs(cs));
	char *copy = strdup(tpl);
	assert_null(cs_parse_string(cs, copy, strlen(copy))); /* cs takes the string */
	assert_null(cs_render(cs, out, collect));
	cs_destroy(&cs);
	hdf_destroy(&hdf);
}

static void template_escaping(void **state)
{
	buf out = BUF_INIT;
	render("<p><?cs var:X ?></p>", "<script>alert('x')</script>&\"", &out);
	assert_string_equal(buf_str(&out),
	                    "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</p>");
	buf_reset(&out);
	render("<a title=\"<?cs var:X ?>\">", "\" onmouseover=\"x", &out);
	assert_null(strstr(buf_str(&out), "\" onmouseover"));
	buf_reset(&out);
	/* url_escape for query values */
	render("<a href=\"/?q=<?cs var:url_escape(X) ?>\">", "a&b=c 在", &out);
	assert_string_equal(buf_str(&out), "<a href=\"/?q=a%26b%3Dc+%E5%9C%A8\">");
	buf_free(&out);
}

/* JST for people: form entries ("YYYY-MM-DD", "YYYY-MM-DD HH:MM") to UTC, real dates only;
 * JST_PAGE and jst_tm show UTC instants on the merchant's clock across midnight and years. */
static void jst_entries_and_pages(void **state)
{
	time_t t = 0;
	assert_int_equal(jst_parse_entry("2030-01-02 03:04", &t), Z_OK);
	assert_int_equal(t, 1893553440 - 9 * 3600); /* 2030-01-02T03:04:00Z less nine hours */
	assert_int_equal(jst_parse_entry("2026-12-31", &t), Z_OK);
	assert_int_equal(t, 1798675200 - 9 * 3600); /* 2026-12-31T00:00:00+09:00 */
	assert_int_equal(jst_parse_entry("2028-02-29 23:59", &t), Z_OK); /* a leap day */
	const char *bad[] = {"", "2026-02-31", "2027-02-29", "2100-02-29", "31/12/2030",
	                     "2026-12-31 24:00", "2026-12-31 23:60", "2026-12-31T23:59",
	                     "2026-12-31 23:59:00", "1999-12-31", "2101-01-01", "2026-1-31",
	                     "2026-13-01", "2026-00-10", "2026-12-00", "２０２６-12-31",
	                     "2026-12-31 9:05"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		assert_int_equal(jst_parse_entry(bad[i], &t), Z_INVALID);
		assert_int_equal(t, 42);
	}
	assert_int_equal(jst_parse_entry(NULL, &t), Z_INVALID);
	char s[32];
	jst_format(1798761599, JST_PAGE, s, sizeof s); /* 2026-12-31T23:59:59Z */
	assert_string_equal(s, "2027-01-01 08:59:59");
	jst_format(1798729200 - 1, JST_PAGE, s, sizeof s); /* 15:00Z less a second */
	assert_string_equal(s, "2026-12-31 23:59:59");
	assert_int_equal(jst_parse_entry("2027-01-01 08:59", &t), Z_OK);
	jst_format(t, JST_PAGE, s, sizeof s);
	assert_string_equal(s, "2027-01-01 08:59:00"); /* a round trip */
	struct tm tm;
	jst_tm(1798729200, &tm); /* 2026-12-31T15:00:00Z: midnight in Japan */
	assert_int_equal(tm.tm_year + 1900, 2027);
	assert_int_equal(tm.tm_mon, 0);
	assert_int_equal(tm.tm_mday, 1);
	assert_int_equal(tm.tm_hour, 0);
}

/* The one hash table: strings and binary keys, replacing values, growth past many
 * doublings with every key still found, collisions of the slot index, reset and reuse. */
static void hash_map(void **state)
{
	hmap m = {0};
	assert_int_equal(hmap_gets(&m, "A-1"), HMAP_NONE); /* empty, never allocated */
	assert_int_equal(hmap_puts(&m, "A-1", 7), HMAP_NONE);
	assert_int_equal(hmap_puts(&m, "A-10", 8), HMAP_NONE);
	assert_int_equal(hmap_puts(&m, "", 9), HMAP_NONE);
	assert_int_equal(hmap_puts(&m, "在庫", 10), HMAP_NONE);
	assert_int_equal(hmap_gets(&m, "A-1"), 7);
	assert_int_equal(hmap_gets(&m, "A-10"), 8);
	assert_int_equal(hmap_gets(&m, ""), 9);
	assert_int_equal(hmap_gets(&m, "在庫"), 10);
	assert_int_equal(hmap_gets(&m, "A-"), HMAP_NONE);
	assert_int_equal(hmap_gets(&m, "a-1"), HMAP_NONE);
	assert_int_equal(hmap_puts(&m, "A-1", 70), 7); /* replaced, the old value answered */
	assert_int_equal(hmap_gets(&m, "A-1"), 70);
	assert_int_equal(m.n, 4);
	/* Binary keys (ids): a NUL inside is part of the key. */
	long long ids[] = {1, 256, 1LL << 40, -1};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(hmap_put(&m, &ids[i], sizeof ids[i], 100 + i), HMAP_NONE);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(hmap_get(&m, &ids[i], sizeof ids[i]), 100 + i);
	long long other = 2;
	assert_int_equal(hmap_get(&m, &other, sizeof other), HMAP_NONE);
	assert_int_equal(hmap_get(&m, "A-1", 2), HMAP_NONE); /* a prefix is another key */

	/* 100,000 keys: many doublings; each found with its own value, none invented. */
	hmap_reset(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(hmap_gets(&m, "A-1"), HMAP_NONE);
	char k[32];
	for (size_t i = 0; i < 100000; i++) {
		snprintf(k, sizeof k, "SKU-%zu", i);
		assert_int_equal(hmap_puts(&m, k, i), HMAP_NONE);
	}
	assert_int_equal(m.n, 100000);
	assert_true(m.nslots >= 200000); /* at most half full */
	for (size_t i = 0; i < 100000; i++) {
		snprintf(k, sizeof k, "SKU-%zu", i);
		assert_int_equal(hmap_gets(&m, k), i);
	}
	snprintf(k, sizeof k, "SKU-%d", 100000);
	assert_int_equal(hmap_gets(&m, k), HMAP_NONE);
	/* Keys whose hashes share the slot index probe on to their own slot. */
	hmap_free(&m);
	size_t mask = 63, want = SIZE_MAX, found = 0;
	char same[4][32];
	for (size_t i = 0; found < 4 && i < 1000000; i++) {
		snprintf(k, sizeof k, "c%zu", i);
		size_t slot = (size_t)hmap_hash(k, strlen(k)) & mask;
		if (want == SIZE_MAX)
			want = slot;
		if (slot == want)
			snprintf(same[found++], sizeof same[0], "%s", k);
	}
	assert_int_equal(found, 4);
	for (size_t i = 0; i < 4; i++)
		hmap_puts(&m, same[i], i);
	assert_int_equal(m.nslots, 64); /* still the first size, so they did collide */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(hmap_gets(&m, same[i]), i);
	hmap_free(&m);
	assert_null(m.slots);
	assert_int_equal(m.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_numbers), cmocka_unit_test(utf8_rules), cmocka_unit_test(hash_map),
		cmocka_unit_test(jst_entries_and_pages),
		cmocka_unit_test(config_file),    cmocka_unit_test(buffers),
		cmocka_unit_test(growable_arrays), cmocka_unit_test(out_of_memory_aborts),
		cmocka_unit_test(percent_encoding), cmocka_unit_test(utf8_decoding),
		cmocka_unit_test(session_tokens), cmocka_unit_test(password_hashes),
		cmocka_unit_test(template_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
