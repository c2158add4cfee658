/* test_smsg: texts stored as language keys plus arguments (core/smsg.h) render, in Japanese,
 * to exactly the text the row has always held, and in English to English; a stored form
 * that does not fit the language files falls back to the stored text. Reads the tree's
 * templates/lang (ZAIKO_TEMPLATES, else templates/ from the tree's root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/lang.h"
#include "core/smsg.h"
#include "mall/mall.h"
#include "stock/stock.h"

static conf *cfg;

static int setup(void **state)
{
	(void)state;
	const char *dir = getenv("ZAIKO_TEMPLATES");
	char text[1200];
	snprintf(text, sizeof(text), "[web]\ntemplates = %s\n", dir && *dir ? dir : "templates");
	cfg = conf_parse(text, strlen(text));
	return cfg && lang_load(cfg) == Z_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	conf_free(cfg);
	return 0;
}

static char *render(const char *lang, const char *m)
{
	static char out[1200];
	buf b = BUF_INIT;
	int rc = smsg_render(cfg, lang, m, &b);
	snprintf(out, sizeof(out), "%s", rc == Z_OK ? buf_str(&b) : "(refused)");
	buf_free(&b);
	return out;
}

typedef struct {
	const char *label;
	long long total, reserve;
	int rate, min, max; /* -1: not set */
	const char *en;
} steps_case;

/* The edges of the rule (tests/db/test_wanted_rule.c has the Japanese of each). */
static const steps_case cases[] = {
	{"総在庫", 10, 0, 100, -1, -1, "Total stock 10"},
	{"総在庫", 10, 0, 100, 3, 5, "Total stock 10 → max 5"},
	{"総在庫", 3, 0, 100, 3, 5, "Total stock 3 → min 3 or less → 0"},
	{"総在庫", -4, 0, 100, -1, -1, "Total stock -4 → 0"},
	{"総在庫", 8, 0, 100, 5, 3, "min 5 > max 3 (setting error) → 0"},
	{"総在庫", 10, 3, 100, -1, -1, "Total stock 10 − reserve 3 = 7"},
	{"総在庫", 3, 5, 100, 1, -1, "Total stock 3 − reserve 5 = -2 → min 1 or less → 0"},
	{"総在庫", 7, 0, 50, -1, -1, "Total stock 7 → × 50% = 3"},
	{"総在庫", 10, 0, 0, -1, -1, "Total stock 10 → × 0% = 0"},
	{"総在庫", 3, 5, 50, -1, -1, "Total stock 3 − reserve 5 = -2 → 0 → × 50% = 0"},
	{"総在庫", 10, 3, 50, -1, 2, "Total stock 10 − reserve 3 = 7 → × 50% = 3 → max 2"},
	{"総在庫", 1000000000, 1, 33, -1, -1,
	 "Total stock 1000000000 − reserve 1 = 999999999 → × 33% = 329999999"},
	{"セット在庫", 4, 1, 50, -1, 1, "Set stock 4 − reserve 1 = 3 → × 50% = 1 → max 1"},
};

static void push_steps_render_as_before(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const steps_case *c = &cases[i];
		stock_wanted w;
		stock_wanted_steps(c->label, c->total, c->reserve, c->rate, c->min >= 0, c->min,
		                   c->max >= 0, c->max, &w);
		print_message("case %zu: %s\n", i, w.why);
		assert_true(w.msg[0] != '\0');
		assert_string_equal(render("ja", w.msg), w.why);
		assert_string_equal(render("en", w.msg), c->en);
	}
}

/* The prefix of a 反映 and a set's arithmetic, as stock_push.c and stock_core.c join them. */
static void forced_set_push_renders_as_before(void **state)
{
	(void)state;
	buf m = BUF_INIT;
	smsg_add(&m, "msg.push.forced_user", 1, "3");
	smsg_lit(&m, " ");
	smsg_key(&m, "msg.push.set_open");
	smsg_add(&m, "msg.push.set_part", 3, "A", "5", "1");
	smsg_lit(&m, ", ");
	smsg_add(&m, "msg.push.set_part_reserve", 4, "B", "3", "2", "1");
	smsg_key(&m, "");
	smsg_argf(&m, ") = %d", 1);
	smsg_lit(&m, "; ");
	stock_wanted w;
	stock_wanted_steps("セット在庫", 1, 0, 100, false, 0, false, 0, &w);
	buf_putc(&m, SMSG_RS);
	buf_puts(&m, w.msg);
	assert_string_equal(render("ja", buf_str(&m)),
	                    "反映 (ユーザー 3): セット: min(A 5/1, B 3/2 (確保 1)) = 1; セット在庫 1");
	assert_string_equal(render("en", buf_str(&m)),
	                    "Push (user 3): Set: min(A 5/1, B 3/2 (reserve 1)) = 1; Set stock 1");
	buf_reset(&m);
	smsg_key(&m, "msg.push.forced");
	smsg_lit(&m, " ");
	smsg_add(&m, "msg.push.total", 1, "2");
	assert_string_equal(render("ja", buf_str(&m)), "反映: 総在庫 2");
	assert_string_equal(render("en", buf_str(&m)), "Push: Total stock 2");
	buf_free(&m);
}

/* A form that does not fit is refused, and the stored text shows instead; an argument
 * cannot break the form. */
static void bad_forms_fall_back_to_the_text(void **state)
{
	(void)state;
	buf m = BUF_INIT, out = BUF_INIT;
	smsg_add(&m, "msg.push.total", 1, "1\x1e" "msg.push.zero\x1f" "2");
	assert_string_equal(render("ja", buf_str(&m)), "総在庫 1 msg.push.zero 2");
	buf_reset(&m);
	smsg_add(&m, "msg.push.total", 2, "1", "2"); /* one argument too many */
	assert_string_equal(render("en", buf_str(&m)), "(refused)");
	buf_reset(&m);
	smsg_add(&m, "msg.push.no_such_key", 0);
	assert_string_equal(render("en", buf_str(&m)), "(refused)");
	buf_reset(&m);
	smsg_add(&m, "menu.stock", 0); /* only msg.* keys */
	assert_string_equal(render("ja", buf_str(&m)), "(refused)");
	assert_string_equal(render("ja", ""), "(refused)");
	smsg_show(cfg, "en", "保存された文", buf_str(&m), &out);
	assert_string_equal(buf_str(&out), "保存された文");
	buf_reset(&out);
	smsg_show(cfg, "en", "保存された文", NULL, &out);
	assert_string_equal(buf_str(&out), "保存された文");
	buf_reset(&m);
	buf_reset(&out);
	smsg_add(&m, "msg.push.rate", 2, "50", "3");
	smsg_show(cfg, "en", "x", buf_str(&m), &out);
	assert_string_equal(buf_str(&out), "→ × 50% = 3");
	buf_free(&m);
	buf_free(&out);
}

/* A mall's message kept as its key with the call's arguments (mall_status_setk): the
 * conversions (%d, %zu, %.40s) give the same pieces as the Japanese text. */
static void mall_messages_render_as_before(void **state)
{
	(void)state;
	mall_status st = {0};
	mall_status_setk(&st, MALL_ITEM, 200, "msg.mallerr.base_stock_unchanged",
	                 "BASEの在庫数が %d のままです (指定 %d)", 3, 5);
	assert_string_equal(render("ja", st.msg), st.message);
	assert_string_equal(render("en", st.msg), "The stock on BASE stays 3 (sent 5)");
	mall_status_setk(&st, MALL_TEMPORARY, 0, "msg.mallerr.rakuten_reply_too_large",
	                 "楽天の応答が大きすぎます (%zu バイト)", (size_t)123456789);
	assert_string_equal(render("ja", st.msg), "楽天の応答が大きすぎます (123456789 バイト)");
	assert_string_equal(render("en", st.msg), "The Rakuten reply is too large (123456789 bytes)");
	mall_status_setk(&st, MALL_TEMPORARY, 503, "msg.mallerr.token_unavailable",
	                 "%s: トークン取得が一時的に応答できません (HTTP %d%s%s)", "BASE", 503, ": ",
	                 "busy");
	assert_string_equal(render("ja", st.msg), st.message);
	assert_string_equal(render("en", st.msg),
	                    "BASE: getting a token cannot be answered for now (HTTP 503: busy)");
	/* A plain mall_status_set keeps no key: the text shows. */
	mall_status_set(&st, MALL_TEMPORARY, 0, "%s", "x");
	assert_string_equal(st.msg, "");
	/* Precision pieces, and a conversion the capture does not take (no key kept). */
	buf m = BUF_INIT;
	assert_int_equal(smsg_keyf(&m, "msg.mallerr.colorme_limited", "%.3s|%5d|%-4s|%x", "abcdef", 42,
	                           "z", 255), Z_OK);
	assert_string_equal(buf_str(&m), "msg.mallerr.colorme_limited\x1f" "abc\x1f   42\x1fz   \x1f" "ff");
	buf_reset(&m);
	assert_int_equal(smsg_keyf(&m, "msg.t.x", "%f", 1.5), Z_INVALID);
	assert_int_equal(m.len, 0);
	buf_free(&m);
}

/* The batch's error rows: frame keys, then the mall's message, as batch/sync.c joins them;
 * the Japanese is the row's message column exactly. */
static void batch_rows_render_as_before(void **state)
{
	(void)state;
	mall_status st = {0};
	mall_status_setk(&st, MALL_AUTH, 401, "msg.mallerr.yahoo_auth_refused",
	                 "Yahoo!が認証を拒否しました (HTTP %d %s %s)", 401, "px-1", "invalid token");
	buf m = BUF_INIT;
	smsg_keyf(&m, "msg.batch.push_failed", "店舗「%s」の在庫反映に失敗しました (再試行します):", "本店");
	smsg_lit(&m, " ");
	buf_putc(&m, SMSG_RS);
	buf_puts(&m, st.msg);
	char ja[400];
	snprintf(ja, sizeof(ja), "店舗「%s」の%sに失敗しました (再試行します): %s", "本店", "在庫反映",
	         st.message);
	assert_string_equal(render("ja", buf_str(&m)), ja);
	assert_string_equal(render("en", buf_str(&m)), "Updating stock of shop “本店” failed (will retry): "
	                    "Yahoo! refused the authentication (HTTP 401 px-1 invalid token)");
	buf_reset(&m);
	smsg_keyf(&m, "msg.batch.mall_changed",
	          "モール側で在庫数が変更されています: 店舗「%s」商品 %s%s%s "
	          "(最後に反映した在庫数 %s、モールの在庫数 %d)",
	          "本店", "A-1", " / ", "red", "5", 7);
	assert_string_equal(render("ja", buf_str(&m)),
	                    "モール側で在庫数が変更されています: 店舗「本店」商品 A-1 / red "
	                    "(最後に反映した在庫数 5、モールの在庫数 7)");
	assert_string_equal(render("en", buf_str(&m)),
	                    "The stock was changed on the mall side: shop “本店”, item A-1 / red "
	                    "(last pushed 5, now on the mall 7)");
	buf_free(&m);
}

/* Rows stored before the mall keys had names hold numbered keys (msg.mallerr.amazon_10): they
 * render through the links the language files keep from each old key to its new one, in
 * Japanese as the row's text and in English as the new key's text; an old key whose call
 * now takes other arguments (base_03: the "1日" it was given is a key of its own now) has
 * no link, so its row shows its stored Japanese text. */
static void numbered_mall_keys_still_render(void **state)
{
	(void)state;
	const char *listing = "msg.mallerr.amazon_10\x1fHTTP 500";
	assert_string_equal(render("ja", listing), "Amazon: 出品情報の応答が不正です (HTTP 500)");
	assert_string_equal(render("en", listing), "Amazon: the listing reply is invalid (HTTP 500)");
	const char *memory = "msg.mallerr.retry_01";
	assert_string_equal(render("ja", memory), "メモリ不足");
	assert_string_equal(render("en", memory), "Out of memory");
	/* As the batch stored it: its frame, then the mall's old key. */
	const char *row = "msg.batch.push_failed\x1f本店\x1e\x1f \x1emsg.mallerr.yahoo_07\x1f"
	                  "401\x1fpx-1\x1finvalid token";
	assert_string_equal(render("en", row), "Updating stock of shop “本店” failed (will retry): "
	                    "Yahoo! refused the authentication (HTTP 401 px-1 invalid token)");
	/* Every old key: either a link to a text in both languages, or none at all. */
	static const char *const old[] = {"amazon", "base", "colorme", "oauth", "rakuten",
	                                  "retry", "shopify", "yahoo"};
	int linked = 0, unlinked = 0;
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		for (int n = 1; n <= 40; n++) {
			char key[64];
			snprintf(key, sizeof(key), "msg.mallerr.%s_%02d", old[i], n);
			const char *ja = lang_get(cfg, "ja", key), *en = lang_get(cfg, "en", key);
			assert_true((ja == NULL) == (en == NULL));
			if (!ja) {
				unlinked++;
				continue;
			}
			linked++;
			assert_null(strstr(ja, "Lang."));
			assert_null(strstr(en, "Lang."));
			assert_string_not_equal(ja, en);
		}
	assert_int_equal(linked, 136);
	assert_int_equal(unlinked, 8 * 40 - 136);
	/* A key whose arguments changed: no link, the stored text shows. */
	buf out = BUF_INIT;
	smsg_show(cfg, "en", "BASEの1日の呼び出し上限に達しました (day_api_limit)",
	          "msg.mallerr.base_03\x1f" "1日\x1f" "day_api_limit", &out);
	assert_string_equal(buf_str(&out), "BASEの1日の呼び出し上限に達しました (day_api_limit)");
	buf_free(&out);
}

/* True when s holds kana or a kanji (U+3040..U+30FF, U+4E00..U+9FFF). */
static bool has_japanese(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (p[0] < 0xe3 || p[0] > 0xe9 || !p[1] || !p[2])
			continue;
		unsigned cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
		if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x4e00 && cp <= 0x9fff))
			return true;
	}
	return false;
}

/* A mall's message reads wholly in English: no English text of msg.mallerr holds Japanese
 * (a mall's Japanese word belongs in a key of its own, never in an argument or a text). */
static void mall_texts_are_english(void **state)
{
	(void)state;
	HDF *node = hdf_get_obj(lang_hdf("en"), "Lang.msg.mallerr");
	assert_non_null(node);
	int n = 0;
	for (HDF *k = hdf_obj_child(node); k; k = hdf_obj_next(k)) {
		char key[160];
		snprintf(key, sizeof(key), "msg.mallerr.%s", hdf_obj_name(k));
		const char *en = lang_get(cfg, "en", key), *ja = lang_get(cfg, "ja", key);
		assert_non_null(en);
		if (has_japanese(en))
			fail_msg("%s in en.hdf: %s", key, en);
		assert_non_null(ja);
		n++;
	}
	assert_true(has_japanese("カラーミー") && !has_japanese("Color Me “Shop” – 1"));
	assert_true(n > 150);
}

/* An argument that is itself a key (smsg_argkey, smsg_arg_to_key): the mall's name and zaiko's
 * refusal of a local address, which the Japanese text holds in Japanese, read in the reader's
 * language; the Japanese text (and its rendering) is the same as without the key. */
static void key_arguments_render_in_each_language(void **state)
{
	(void)state;
	static const char refusal[] =
		"送信先のホスト名がローカルまたはプライベートのアドレスを指しています (接続しません)";
	mall_status st = {0};
	mall_status_setk(&st, MALL_RATE_LIMITED, 429, "msg.mallerr.token_limited",
	                 "%s: トークン取得の呼び出し上限に達しました", "カラーミーショップ");
	assert_int_equal(smsg_arg_to_key(st.msg, sizeof(st.msg), "カラーミーショップ",
	                                 "msg.mallerr.colorme_name"), Z_OK);
	assert_string_equal(st.msg, "msg.mallerr.token_limited\x1f\x1dmsg.mallerr.colorme_name");
	assert_true(smsg_storable(st.msg));
	assert_string_equal(st.message, "カラーミーショップ: トークン取得の呼び出し上限に達しました");
	assert_string_equal(render("ja", st.msg), st.message);
	assert_string_equal(render("en", st.msg),
	                    "Color Me Shop: the call limit for getting tokens was reached");
	/* Both at once, as oauth.c's token_connect_failed. */
	mall_status_setk(&st, MALL_TEMPORARY, 0, "msg.mallerr.token_connect_failed",
	                 "%s: トークン取得の通信に失敗しました (%s)", "カラーミーショップ", refusal);
	assert_int_equal(smsg_arg_to_key(st.msg, sizeof(st.msg), "カラーミーショップ",
	                                 "msg.mallerr.colorme_name"), Z_OK);
	assert_int_equal(smsg_arg_to_key(st.msg, sizeof(st.msg), refusal, "msg.mallerr.host_private"),
	                 Z_OK);
	assert_true(smsg_storable(st.msg));
	assert_string_equal(render("ja", st.msg), st.message);
	assert_string_equal(render("en", st.msg),
	                    "Color Me Shop: the connection for getting a token failed (the host name "
	                    "points to a local or private address (not connecting))");
	mall_status_setk(&st, MALL_TEMPORARY, 0, "msg.mallerr.rakuten_connect_failed",
	                 "楽天に接続できません: %s", refusal);
	assert_int_equal(smsg_arg_to_key(st.msg, sizeof(st.msg), refusal, "msg.mallerr.host_private"),
	                 Z_OK);
	assert_string_equal(render("ja", st.msg), st.message);
	assert_string_equal(render("en", st.msg), "Cannot connect to Rakuten: the host name points to "
	                    "a local or private address (not connecting)");
	/* Nothing to change: no such argument (a longer one is not it), no key, too small. */
	char m[80] = "msg.mallerr.rakuten_connect_failed\x1f" "Couldn't resolve host nameX";
	assert_int_equal(smsg_arg_to_key(m, sizeof(m), "Couldn't resolve host name", "msg.a.b"),
	                 Z_NOTFOUND);
	assert_int_equal(smsg_arg_to_key(m, sizeof(m), "Couldn't resolve host nameX", NULL), Z_NOTFOUND);
	assert_int_equal(smsg_arg_to_key(m, sizeof(m), "", "msg.a.b"), Z_NOTFOUND);
	assert_int_equal(smsg_arg_to_key(m, 40, "Couldn't resolve host nameX",
	                                 "msg.mallerr.host_private"), Z_NOMEM);
	assert_string_equal(m, "msg.mallerr.rakuten_connect_failed\x1f" "Couldn't resolve host nameX");
	/* Built directly, also inside a literal segment. */
	buf b = BUF_INIT;
	smsg_key(&b, "msg.mallerr.token_url_missing");
	smsg_argkey(&b, "msg.mallerr.colorme_name");
	smsg_lit(&b, " / ");
	smsg_argkey(&b, "msg.mallerr.colorme_name");
	assert_string_equal(render("ja", buf_str(&b)),
	                    "カラーミーショップ: トークンのURLが未設定です / カラーミーショップ");
	assert_string_equal(render("en", buf_str(&b)),
	                    "Color Me Shop: the token URL is not set / Color Me Shop");
	buf_free(&b);
}

/* A key argument that does not fit the files refuses the form (the stored text shows); a GS
 * anywhere but at an argument's start is not storable, and smsg_arg never writes one, so rows
 * written before keep rendering as they did. */
static void bad_key_arguments_fall_back(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"msg.mallerr.token_limited\x1f\x1d",                          /* no key */
		"msg.mallerr.token_limited\x1f\x1dmsg.mallerr.no_such_key",   /* unknown */
		"msg.mallerr.token_limited\x1f\x1dmsg.mallerr.token_limited", /* takes an argument */
		"msg.mallerr.token_limited\x1f\x1dmenu.stock",                /* not a msg key */
		"msg.mallerr.token_limited\x1f\x1dmsg.mallerr.colorme_name\x1dx",
		"\x1f\x1dmsg.mallerr.no_such_key",                            /* in a literal */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_string_equal(render("en", bad[i]), "(refused)");
		assert_string_equal(render("ja", bad[i]), "(refused)");
	}
	buf out = BUF_INIT;
	smsg_show(cfg, "en", "保存された文", bad[1], &out);
	assert_string_equal(buf_str(&out), "保存された文");
	buf_free(&out);
	assert_false(smsg_storable("msg.mallerr.token_limited\x1d"));
	assert_false(smsg_storable("\x1dmsg.mallerr.colorme_name"));
	assert_false(smsg_storable("msg.mallerr.token_limited\x1fx\x1dmsg.mallerr.colorme_name"));
	assert_true(smsg_storable("msg.mallerr.token_limited\x1f\x1dmsg.mallerr.colorme_name"));
	buf m = BUF_INIT;
	smsg_key(&m, "msg.mallerr.token_limited");
	smsg_arg(&m, "\x1dmsg.mallerr.colorme_name");
	assert_string_equal(render("en", buf_str(&m)),
	                    " msg.mallerr.colorme_name: the call limit for getting tokens was reached");
	buf_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push_steps_render_as_before),
		cmocka_unit_test(forced_set_push_renders_as_before),
		cmocka_unit_test(bad_forms_fall_back_to_the_text),
		cmocka_unit_test(mall_messages_render_as_before),
		cmocka_unit_test(batch_rows_render_as_before),
		cmocka_unit_test(numbered_mall_keys_still_render),
		cmocka_unit_test(mall_texts_are_english),
		cmocka_unit_test(key_arguments_render_in_each_language),
		cmocka_unit_test(bad_key_arguments_fall_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
