/* test_search: the keyword search module — normalisation in every script merchants type,
 * term parsing (the three separators, empty terms, the term limit, % and _), and the WHERE it
 * builds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "stock/search.h"

static char *norm(const char *in)
{
	static char out[4096];
	buf b = BUF_INIT;
	assert_int_equal(search_normalize(in, strlen(in), &b), Z_OK);
	assert_true(b.len < sizeof(out));
	memcpy(out, buf_str(&b), b.len + 1);
	buf_free(&b);
	return out;
}

/* The normalised form of each input, script by script. */
static void test_normalize_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} table[] = {
		/* kanji: kept (NFKC leaves unified ideographs; compatibility ones are unified) */
		{"綿100%　長袖", "綿100% 長袖"},
		{"\xEF\xA4\x80", "\xE8\xB1\x88"}, /* U+F900 豈 (compatibility) → U+8C48 */
		/* hiragana and katakana are folded together (katakana → hiragana) */
		{"みねらるうぉーたー", "みねらるうぉ-た-"},
		{"ミネラルウォーター", "みねらるうぉ-た-"},
		{"テスト", "てすと"},
		{"ヴァイオリン", "ゔぁいおりん"},
		{"ヶ月", "ゖ月"},
		/* half-width kana → full-width, voiced marks composed */
		{"ｺｯﾄﾝ", "こっとん"},
		{"ｶﾞｲﾄﾞﾌﾞｯｸ", "がいどぶっく"},
		{"ﾐﾈﾗﾙｳｫｰﾀｰ", "みねらるうぉ-た-"},
		/* full-width letters and digits, case folded */
		{"ＡＢＣ－０１", "abc-01"},
		{"ＴシャツＬＬ", "tしゃつll"},
		{"Straße", "strasse"},
		{"ΑΒΓ", "αβγ"},
		/* long vowel marks and every dash are one '-' */
		{"A-1", "a-1"},
		{"A‐1", "a-1"},  /* U+2010 */
		{"A－1", "a-1"}, /* U+FF0D */
		{"Aー1", "a-1"}, /* U+30FC */
		{"A–1", "a-1"},  /* U+2013 */
		{"A—1", "a-1"},  /* U+2014 */
		{"A−1", "a-1"},  /* U+2212 */
		{"Aｰ1", "a-1"},  /* U+FF70 */
		{"1〜3", "1~3"},
		{"1～3", "1~3"},
		/* symbols */
		{"①②", "12"},
		{"㈱ゾーン", "(株)ぞ-ん"},
		{"№５", "no5"},
		{"＆＠＃", "&@#"},
		{"50％ＯＦＦ", "50%off"},
		/* emoji: kept, variation selectors dropped */
		{"🍣寿司", "🍣寿司"},
		{"❤️ハート", "❤は-と"},
		/* white space: any kind, collapsed, trimmed */
		{"  a \t\n b  ", "a b"},
		{"a\xE3\x80\x80\xE3\x80\x80" "b", "a b"},
		{"a\xC2\xA0" "b", "a b"},
		{"", ""},
		/* invalid UTF-8 never passes through */
		{"a\xFF" "b", "a\xEF\xBF\xBD" "b"},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *got = norm(table[i].in);
		if (strcmp(got, table[i].want))
			fail_msg("normalize(%s) = \"%s\", want \"%s\"", table[i].in, got, table[i].want);
	}
}

/* What a term finds in a document, as the screen matches it (bytes of the normalised term in
 * the normalised document). */
static bool finds(const char *doc, const char *q)
{
	search_terms t;
	buf d = BUF_INIT;
	assert_int_equal(search_normalize(doc, strlen(doc), &d), Z_OK);
	assert_int_equal(search_parse(q, &t), Z_OK);
	bool all = t.n > 0;
	for (int i = 0; i < t.n; i++)
		if (t.t[i].prefix ? strncmp(doc, t.t[i].text, t.t[i].len) != 0
		                  : !strstr(buf_str(&d), t.t[i].text))
			all = false;
	search_terms_free(&t);
	buf_free(&d);
	return all;
}

static void test_matches(void **state)
{
	(void)state;
	static const struct {
		const char *doc, *q;
		bool want;
	} table[] = {
		{"MW-500 ミネラルウォーター 500ml", "ミネラルウォーター", true},
		{"MW-500 ミネラルウォーター 500ml", "みねらるうぉーたー", true},
		{"MW-500 ミネラルウォーター 500ml", "ﾐﾈﾗﾙｳｫｰﾀｰ", true},
		{"MW-500 ミネラルウォーター 500ml", "ＭＷ－５００", true},
		{"MW-500 ミネラルウォーター 500ml", "mwー500", true},
		{"TS-01 テスト商品", "テスト", true},
		{"ML-01 ネックレス ストーン", "テスト", false}, /* 「テスト」's bytes cut into fragments */
		{"ML-01 ネックレス ストーン", "ストーン", true},
		{"ABC-01 コットンシャツ", "ＡＢＣ－０１", true},
		{"ABD-02 ボトル", "ＡＢＣ－０１", false},
		{"ABC-01 コットンシャツ", "ｺｯﾄﾝ", true},
		{"ABC-01 コットンシャツ", "コットン、シャツ", true},
		{"ABC-01 コットンシャツ", "コットン，シャツ", true},
		{"ABC-01 コットンシャツ", "コットン,シャツ", true},
		{"ABC-01 コットンシャツ", "コットン、セーター", false},
		{"ABC-01 コットンシャツ", "ABC*", true},
		{"ABC-01 コットンシャツ", "abc*", false}, /* a code prefix is as typed */
		{"XABC-01 シャツ", "ABC*", false},
		{"綿100% 長袖", "100%", true},
		{"綿1000 長袖", "100%", false},
		{"KB_01 ブーツ", "KB_", true},
		{"KBX01 ブーツ", "KB_", false},
		{"🍣寿司セット", "🍣", true},
		{"❤️ハートピアス", "❤", true},
		{"Ｔシャツ", "tしゃつ", true},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bool got = finds(table[i].doc, table[i].q);
		if (got != table[i].want)
			fail_msg("\"%s\" in \"%s\": %d, want %d", table[i].q, table[i].doc, got,
			         table[i].want);
	}
}

static void test_parse(void **state)
{
	(void)state;
	search_terms t;
	/* the three separators (and the half-width 、), whole characters, never bytes */
	assert_int_equal(search_parse("a,b、c，d､e", &t), Z_OK);
	assert_int_equal(t.n, 5);
	const char *want[] = {"a", "b", "c", "d", "e"};
	for (int i = 0; i < 5; i++) {
		assert_string_equal(t.t[i].text, want[i]);
		assert_false(t.t[i].prefix);
	}
	search_terms_free(&t);
	/* one long word is one term */
	assert_int_equal(search_parse("ミネラルウォーター", &t), Z_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.t[0].text, "みねらるうぉ-た-");
	search_terms_free(&t);
	/* empty terms and blanks around terms are skipped */
	assert_int_equal(search_parse(" ,、，　, 白 ,,  ", &t), Z_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.t[0].text, "白");
	search_terms_free(&t);
	assert_int_equal(search_parse("", &t), Z_OK);
	assert_int_equal(t.n, 0);
	assert_int_equal(search_parse(NULL, &t), Z_OK);
	assert_int_equal(t.n, 0);
	/* a term of nothing but a variation selector is empty */
	assert_int_equal(search_parse("\xEF\xB8\x8F,a", &t), Z_OK);
	assert_int_equal(t.n, 1);
	search_terms_free(&t);
	/* inner blanks stay in the term (one space) */
	assert_int_equal(search_parse("白　Ｔシャツ", &t), Z_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.t[0].text, "白 tしゃつ");
	search_terms_free(&t);
	/* the limit counts terms: 8 long Japanese words pass, 9 one-letter terms do not */
	assert_int_equal(search_parse("ミネラルウォーター、オーガニックコットン、ステンレスボトル、"
	                              "ワイヤレスイヤホン、ネックレス、ブレスレット、スニーカー、"
	                              "ハンドクリーム",
	                              &t),
	                 Z_OK);
	assert_int_equal(t.n, 8);
	search_terms_free(&t);
	assert_int_equal(search_parse("a,b,c,d,e,f,g,h,i", &t), Z_INVALID);
	assert_int_equal(t.n, 0);
	/* empty terms do not count toward the limit */
	assert_int_equal(search_parse("a,,b,,c,,d,,e,,f,,g,,h,,", &t), Z_OK);
	assert_int_equal(t.n, 8);
	search_terms_free(&t);
	/* prefix terms: '*' or '＊', the code kept as typed; a lone '*' is a plain term */
	assert_int_equal(search_parse("ABC-*、ｺｯﾄﾝ＊,*", &t), Z_OK);
	assert_int_equal(t.n, 3);
	assert_true(t.t[0].prefix);
	assert_string_equal(t.t[0].text, "ABC-");
	assert_true(t.t[1].prefix);
	assert_string_equal(t.t[1].text, "ｺｯﾄﾝ");
	assert_false(t.t[2].prefix);
	assert_string_equal(t.t[2].text, "*");
	search_terms_free(&t);
}

static void test_where(void **state)
{
	(void)state;
	search_where w = {0};
	search_filter f = {.q = "100%_off、ＡＢＣ*"};
	assert_int_equal(search_where_skus(&f, &w), Z_OK);
	assert_string_equal(buf_str(&w.sql), " WHERE s.search_doc LIKE ? AND s.code LIKE ?");
	assert_int_equal(w.n, 2);
	assert_true(w.scans);
	assert_string_equal(w.vals[0].s, "%100\\%\\_off%");
	assert_string_equal(w.vals[1].s, "ＡＢＣ%");
	search_where_free(&w);

	search_filter g = {.sets = true, .has_tmin = true, .tmin = -5, .has_shop = true, .shop = 3,
	                   .q = "ABC*"};
	assert_int_equal(search_where_skus(&g, &w), Z_OK);
	assert_string_equal(buf_str(&w.sql),
	                    " WHERE s.is_set = 1 AND s.total >= ? AND s.code LIKE ? AND (SELECT 1 "
	                    "FROM listing l WHERE l.sku_id = s.id AND l.shop_id = ? LIMIT 1) IS "
	                    "NOT NULL");
	assert_int_equal(w.n, 3);
	assert_false(w.scans);
	assert_int_equal(w.vals[0].i, -5);
	assert_string_equal(w.vals[1].s, "ABC%");
	assert_int_equal(w.vals[2].i, 3);
	search_where_free(&w);

	search_filter u = {.unlinked = true, .q = "ﾃｽﾄ"};
	assert_int_equal(search_where_unlinked(&u, &w), Z_OK);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.vals[0].s, "%てすと%");
	search_where_free(&w);

	search_filter many = {.q = "1,2,3,4,5,6,7,8,9"};
	assert_int_equal(search_where_skus(&many, &w), Z_INVALID);
	search_where_free(&w);

	assert_true(search_filtered(&f));
	search_filter none = {.q = ""};
	assert_false(search_filtered(&none));
	search_filter shop_only = {.has_shop = true, .shop = 1, .q = ""};
	assert_true(search_listing_only(&shop_only));
	assert_false(search_listing_only(&f));
}

/* A field far longer than the scratch space grows it; expansion (NFKC of U+FDFA is 18
 * characters) too. */
static void test_long(void **state)
{
	(void)state;
	buf in = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 2000; i++)
		buf_puts(&in, "\xEF\xB7\xBA"); /* U+FDFA */
	assert_int_equal(search_normalize(buf_str(&in), in.len, &out), Z_OK);
	assert_true(out.len > in.len * 5);
	buf_reset(&out);
	assert_int_equal(search_normalize("ｱ", 3, &out), Z_OK);
	assert_string_equal(buf_str(&out), "あ");
	buf_free(&in);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table), cmocka_unit_test(test_matches),
		cmocka_unit_test(test_parse),           cmocka_unit_test(test_where),
		cmocka_unit_test(test_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
