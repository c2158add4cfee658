/* Unit tests of web_render: templates parsed once per worker and rendered with each request's
 * own data — escaped, with nothing of one request left in the next. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "web/web.h"
#include "core/lang.h"

static char dir[] = "/tmp/zaiko-render-XXXXXX";
static conf *cfg;

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[256], text[512];
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/lang", dir);
	if (mkdir(path, 0700))
		return -1;
	write_file("lang/ja.hdf", "greeting = こんにちは\nonly_ja = 日本語だけ\n"
	                          "msg {\n  count = %s は %lld 件です。\n  wrong = 件数 %s\n"
	                          "  long = あいうえお%s\n}\n");
	write_file("lang/en.hdf", "greeting = Hello\n");
	write_file("part.cs", "[<?cs var:Page.name ?>]");
	/* A set: writes into the data of the render; the second request must not see it. */
	write_file("page.cs", "<?cs var:Lang.greeting ?> <?cs include:\"part.cs\" ?> "
	                      "<?cs if:Page.mark ?>mark=<?cs var:Page.mark ?><?cs /if ?>"
	                      "<?cs set:Page.mark = Page.name ?>"
	                      "<?cs each:i = Page.items ?>(<?cs var:i ?>)<?cs /each ?>");
	snprintf(text, sizeof(text), "[web]\ntemplates = %s\n", dir);
	cfg = conf_parse(text, strlen(text));
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	const char *names[] = {"lang/ja.hdf", "lang/en.hdf", "lang.cs", "part.cs", "page.cs", "lang", ""};
	char path[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		remove(path);
	}
	conf_free(cfg);
	return 0;
}

/* Renders page.cs with a fresh request whose Page.name is name and Page.items the list. */
static void render(const char *name, const char *const *items, int n, const char *want)
{
	web_request r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	assert_null(hdf_init(&r.hdf));
	web_set(&r, "Page.name", name);
	for (int i = 0; i < n; i++) {
		char key[32];
		snprintf(key, sizeof(key), "Page.items.%d", i);
		web_set(&r, key, items[i]);
	}
	assert_int_equal(web_render(&r, "page.cs"), Z_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_str(&r.body), want);
	/* The set: went into this request's data. */
	assert_string_equal(hdf_get_value(r.hdf, "Page.mark", ""), name);
	buf_free(&r.body);
	buf_free(&r.headers);
	hdf_destroy(&r.hdf);
}

static void render_twice_then_file_changed(void **state)
{
	const char *a[] = {"x", "<y>"}, *b[] = {"z"};
	render("<b>", a, 2, "こんにちは [&lt;b&gt;] (x)(&lt;y&gt;)");
	render("two", b, 1, "こんにちは [two] (z)");
	render("three", NULL, 0, "こんにちは [three] ");
	/* Parsed once per worker: a template changed on disk is not read again. */
	write_file("page.cs", "changed");
	render("four", NULL, 0, "こんにちは [four] ");
}

static void render_refuses_paths_and_missing(void **state)
{
	web_request r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	assert_null(hdf_init(&r.hdf));
	assert_int_equal(web_render(&r, "../page.cs"), Z_ERR);
	assert_int_equal(web_render(&r, "lang/ja.hdf"), Z_ERR);
	assert_int_equal(web_render(&r, "missing.cs"), Z_ERR);
	/* A failed parse is not cached: the file appearing later renders. */
	write_file("missing.cs", "now <?cs var:Page.x ?>");
	web_set(&r, "Page.x", "here");
	assert_int_equal(web_render(&r, "missing.cs"), Z_OK);
	assert_string_equal(buf_str(&r.body), "now here");
	char path[256];
	snprintf(path, sizeof(path), "%s/missing.cs", dir);
	remove(path);
	buf_free(&r.body);
	hdf_destroy(&r.hdf);
}

/* web_lang and web_langf: the text of a key; formatted only with the conversions the call
 * site declares (a text that differs is not used); the key itself when no text exists. */
static void lang_texts(void **state)
{
	web_request r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	assert_string_equal(web_lang(&r, "greeting"), "こんにちは");
	assert_string_equal(web_lang(&r, "msg.missing"), "msg.missing");
	buf b = BUF_INIT;
	assert_int_equal(web_langf(&r, &b, "msg.count", "%s%lld", "在庫", 3LL), Z_OK);
	assert_string_equal(buf_str(&b), "在庫 は 3 件です。");
	buf_reset(&b);
	/* The text holds %s where the call passes a number: the key, not a crash. */
	web_langf(&r, &b, "msg.wrong", "%lld", 5LL);
	assert_string_equal(buf_str(&b), "msg.wrong");
	buf_free(&b);
	char small[8];
	/* Cut at a character boundary: 7 bytes hold two 3-byte characters. */
	web_lang_snprintf(&r, small, sizeof(small), "msg.long", "%s", "");
	assert_string_equal(small, "あい");
	assert_true(web_lang_format_agrees("「%s」は%lld〜%lld", "%s%lld%lld"));
	assert_true(web_lang_format_agrees("%5lld%% %-s", "%lld%s"));
	assert_false(web_lang_format_agrees("%s %s", "%s"));
	assert_false(web_lang_format_agrees("%d", "%lld"));
	assert_false(web_lang_format_agrees("%1$s", "%s"));
	assert_false(web_lang_format_agrees("50%", ""));
	/* In English: the English text, Japanese for a key English lacks. */
	r.lang = "en";
	assert_string_equal(web_lang(&r, "greeting"), "Hello");
	assert_string_equal(web_lang(&r, "only_ja"), "日本語だけ");
}

/* The request's language picks the file a render reads; a key English lacks falls back to
 * Japanese; <html lang> material (Req.lang) follows. */
static void render_in_request_language(void **state)
{
	write_file("lang.cs", "<?cs var:Req.lang ?>:<?cs var:Lang.greeting ?>/<?cs var:Lang.only_ja ?>");
	const char *langs[] = {"en", "ja", NULL, "en"};
	const char *want[] = {"en:Hello/日本語だけ", "ja:こんにちは/日本語だけ", "ja:こんにちは/日本語だけ",
	                      "en:Hello/日本語だけ"};
	for (int i = 0; i < 4; i++) {
		web_request r;
		memset(&r, 0, sizeof(r));
		r.cfg = cfg;
		r.lang = langs[i];
		assert_null(hdf_init(&r.hdf));
		assert_int_equal(web_render(&r, "lang.cs"), Z_OK);
		assert_string_equal(buf_str(&r.body), want[i]);
		buf_free(&r.body);
		buf_free(&r.headers);
		hdf_destroy(&r.hdf);
	}
	assert_string_equal(lang_get(cfg, "en", "greeting"), "Hello");
	assert_string_equal(lang_get(cfg, "en", "only_ja"), "日本語だけ");
	assert_string_equal(lang_get(cfg, "ja", "greeting"), "こんにちは");
	assert_null(lang_get(cfg, "en", "nowhere"));
}

/* Before login: the cookie, else Accept-Language by q, else Japanese. */
static void choose_language_before_login(void **state)
{
	struct {
		const char *cookie, *accept, *want;
	} cases[] = {
		{NULL, NULL, "ja"},
		{NULL, "en-US,en;q=0.9", "en"},
		{NULL, "ja,en-US;q=0.8,en;q=0.7", "ja"},
		{NULL, "fr-FR, en;q=0.5, ja;q=0.4", "en"},
		{NULL, "fr-FR, ja;q=0.6, en;q=0.5", "ja"},
		{NULL, "de, fr", "ja"},
		{NULL, "en;q=0", "ja"},
		{NULL, "english, eng", "ja"},
		{"zaiko_lang=en", "ja", "en"},
		{"zaiko_lang=ja", "en", "ja"},
		{"zaiko_lang=xx", "en", "en"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		web_request r;
		const char *why = NULL;
		memset(&r, 0, sizeof(r));
		r.accept_language = cases[i].accept;
		assert_int_equal(web_parse_cookies(cases[i].cookie, &web_default_limits, &r.cookies, &why),
		                 Z_OK);
		web_lang_choose(&r);
		assert_string_equal(web_lang_code(&r), cases[i].want);
		web_params_free(&r.cookies);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_twice_then_file_changed),
		cmocka_unit_test(render_refuses_paths_and_missing),
		cmocka_unit_test(lang_texts),
		cmocka_unit_test(render_in_request_language),
		cmocka_unit_test(choose_language_before_login),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
