/* test_search_index: the keyword search index (search_gram, sql/180) holds exactly the grams
 * of every stored search document, whichever writer wrote it, and a search narrowed by it
 * finds exactly the SKUs the scan finds, on random data in every script. */
#include "test_stock_util.h"
#include "core/buf.h"
#include "stock/search.h"
#include "stock/stock_sets.h"

/* ---- grams computed here, independently of the server's triggers ---- */

typedef struct {
	char g[8];
	size_t n;
} gram;

static int cmp_gram(const void *a, const void *b)
{
	const gram *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->g, y->g, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The distinct grams of doc (two characters at each position, the last one alone), sorted
 * as the server sorts VARBINARY. Returns how many; out holds at most max. */
static int doc_grams(const char *doc, size_t len, gram *out, int max)
{
	size_t starts[3100];
	int m = 0, n = 0;
	for (size_t i = 0; i < len && m < 3099; i++)
		if (((unsigned char)doc[i] & 0xC0) != 0x80)
			starts[m++] = i;
	starts[m] = len;
	for (int i = 0; i < m && n < max; i++) {
		size_t to = starts[i + 2 <= m ? i + 2 : m];
		out[n].n = to - starts[i];
		assert_true(out[n].n <= 8);
		memcpy(out[n].g, doc + starts[i], out[n].n);
		n++;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_gram);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (k == 0 || cmp_gram(&out[k - 1], &out[i]))
			out[k++] = out[i];
	return k;
}

/* The postings of SKU id equal the grams of its stored document. */
static void assert_postings(long long id)
{
	db_res *d = NULL, *p = NULL;
	static gram want[3100], got[3100];
	assert_int_equal(db_queryv(t_db, &d, "SELECT search_doc FROM sku WHERE id = ?", DB_I(id)),
	                 Z_OK);
	assert_int_equal(d->nrows, 1);
	int nw = doc_grams(db_get(d, 0, 0), db_len(d, 0, 0), want, 3100);
	/* The primary key leads with the gram: this reads the whole (small) test table. */
	assert_int_equal(db_queryv(t_db, &p, "SELECT gram FROM search_gram WHERE sku_id = ?",
	                           DB_I(id)),
	                 Z_OK);
	assert_true(p->nrows <= 3100);
	for (int i = 0; i < p->nrows; i++) {
		got[i].n = db_len(p, i, 0);
		assert_true(got[i].n <= 8);
		memcpy(got[i].g, db_get(p, i, 0), got[i].n);
	}
	qsort(got, (size_t)p->nrows, sizeof(*got), cmp_gram);
	if (p->nrows != nw)
		fail_msg("SKU %lld: %d postings, its document (%s) has %d grams", id, p->nrows,
		         db_get(d, 0, 0), nw);
	for (int i = 0; i < nw; i++)
		if (cmp_gram(&want[i], &got[i]))
			fail_msg("SKU %lld: posting %d is not gram %.*s", id, i, (int)want[i].n,
			         want[i].g);
	db_res_free(p);
	db_res_free(d);
}

static long long sku_id_of(const char *code)
{
	return T_LL("SELECT COALESCE(MAX(id), 0) FROM sku WHERE code = ?", DB_S(code));
}

static void test_index_is_built(void **state)
{
	(void)state;
	/* The stack's `zaiko-batch migrate` built it; everything else here depends on it. */
	assert_true(search_index_ready(t_db));
	/* Building again is a no-op once built. */
	long long grams = 0;
	assert_int_equal(search_index_build(t_db, false, &grams), Z_OK);
	assert_int_equal(grams, -1);
}

static void test_term_grams(void **state)
{
	(void)state;
	char g[SEARCH_TERM_CHARS][8];
	size_t n[SEARCH_TERM_CHARS];
	bool one = false;
	/* こっとん: 3 bigrams */
	assert_int_equal(search_term_grams("こっとん", strlen("こっとん"), g, n, 200, &one), 3);
	assert_false(one);
	assert_int_equal(n[0], 6);
	assert_memory_equal(g[0], "こっ", 6);
	assert_memory_equal(g[2], "とん", 6);
	/* one character, a 4-byte one */
	assert_int_equal(search_term_grams("😀", 4, g, n, 200, &one), 1);
	assert_true(one);
	assert_int_equal(n[0], 4);
	/* repeated bigrams once: abab → ab, ba */
	assert_int_equal(search_term_grams("abab", 4, g, n, 200, &one), 2);
	/* max is kept */
	assert_int_equal(search_term_grams("abcdef", 6, g, n, 2, &one), 2);
}

/* Every writer of a document leaves exactly its grams: the stock core, 商品データ取込 (with new
 * SKUs), セット商品, plain SQL, the rebuild of `zaiko-batch migrate`/recompute, 商品削除; a
 * rolled-back write leaves none. */
static void test_postings_follow_every_writer(void **state)
{
	(void)state;
	long long shop = t_shop(true, 0);
	char a[64], b[64], set[64];
	snprintf(a, sizeof(a), "%s", t_code("ｺｯﾄﾝA"));
	snprintf(b, sizeof(b), "%s", t_code("b"));
	snprintf(set, sizeof(set), "%s", t_code("set"));
	long long ida = 0;
	assert_int_equal(stock_sku_create(t_db, a, "オーガニックコットン Tシャツ 白 😀", 3, &ida),
	                 Z_OK);
	assert_postings(ida);

	/* 商品データ取込 into the base shop: a's listing renamed, b created from its listing */
	stock_listing_row rows[] = {
	    {.item_code = a, .sku_code = a, .name = "ﾐﾈﾗﾙｳｫｰﾀｰ ５００ｍｌ"},
	    {.item_code = b, .sku_code = b, .name = "靴下 ＡＢＣ－０１ ❤️"},
	};
	stock_import_result res;
	assert_int_equal(stock_import_listings(t_db, shop, rows, 2, true, &res), Z_OK);
	long long idb = sku_id_of(b);
	assert_true(idb > 0);
	assert_postings(ida);
	assert_postings(idb);
	assert_int_equal(T_LL("SELECT LOCATE(CAST('みねらるうぉ-た-' AS BINARY), search_doc) > 0 "
	                      "FROM sku WHERE id = ?", DB_I(ida)),
	                 1);

	/* セット商品: a new set SKU with a name; then a check that is rolled back */
	buf why = BUF_INIT;
	stock_set_input parts[] = {{.code = a, .qty = 2, .qty_ok = true, .qty_text = "2"}};
	stock_set_outcome out;
	long long idset = 0;
	assert_int_equal(stock_set_save(t_db, NULL, set, "福袋 ガイドブック", parts, 1, true, &out, &idset,
	                                &why),
	                 Z_OK);
	assert_postings(idset);
	long long before = T_LL("SELECT COUNT(*) FROM search_gram");
	long long avail = 0;
	assert_int_equal(stock_set_check(t_db, NULL, t_code("setcheck"), parts, 1, true, &avail, &why),
	                 Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM search_gram"), before);
	buf_free(&why);

	/* plain SQL, then the rebuild every document goes through on migrate and recompute */
	assert_int_equal(db_execv(t_db, "UPDATE sku SET search_doc = CAST('ぜんぜんちがう x' AS BINARY) "
	                                "WHERE id = ?", DB_I(idb)),
	                 Z_OK);
	assert_postings(idb);
	long long changed = 0;
	assert_int_equal(stock_refresh_all_docs(t_db, &changed), Z_OK);
	assert_true(changed >= 1);
	assert_postings(idb);
	assert_int_equal(T_LL("SELECT LOCATE(CAST('abc-01' AS BINARY), search_doc) > 0 FROM sku "
	                      "WHERE id = ?", DB_I(idb)),
	                 1);

	/* 商品削除: b's listing and SKU go, and its postings with them */
	long long lb = T_LL("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?", DB_I(shop),
	                    DB_S(b));
	assert_int_equal(stock_listing_delete(t_db, &lb, 1, &idb, 1), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM sku WHERE id = ?", DB_I(idb)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM search_gram WHERE sku_id = ?", DB_I(idb)), 0);
	assert_postings(ida);
}

/* ---- random data: the index's answer is the scan's ---- */

/* Pieces of names and terms in every script the search folds: kanji (and compatibility
 * forms), hiragana, katakana, half-width kana, full-width letters and digits, ー and dashes,
 * wave dashes, emoji (with variation selector, skin tone, ZWJ), symbols the LIKE escapes. */
static const char *const pieces[] = {
    "オーガニックコットン", "ｺｯﾄﾝ", "こっとん", "コットン", "Ｔシャツ", "Tシャツ", "しゃつ", "白",
    "黒", "紺", "生成り", "ミネラルウォーター", "ﾐﾈﾗﾙｳｫｰﾀｰ", "みねらるうぉーたー", "ＡＢＣ－０１",
    "abc-01", "ABC‐01", "ＡＢＣ", "１２３４", "1234", "12", "XL", "ｘｌ", "Ｌ", "ー", "ｰ", "－",
    "—", "〜", "～", "😀", "❤️", "👍🏻", "👨‍👩‍👧", "%", "_", "\\", "100%", "ß", "Ω", "①", "㈱",
    "№", "ヴ", "ゔ", "ヶ", "ガ", "ｶﾞ", "か", "髙", "﨑", "靴下", "くつした", "漢字", "ストール",
    "ｽﾄｰﾙ", "a", "Z", "ｚ", " ", "　", "・", "（株）", "ⅱ", "½",
};
#define NPIECES ((int)(sizeof(pieces) / sizeof(pieces[0])))

static unsigned long long rng_state;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static void random_text(buf *b, int min, int max)
{
	int k = min + (int)rnd((unsigned)(max - min + 1));
	for (int i = 0; i < k; i++) {
		if (i && rnd(3) == 0)
			buf_putc(b, ' ');
		buf_puts(b, pieces[rnd(NPIECES)]);
	}
}

/* A term: a piece, a part of one (whole characters), a run of pieces, or a long one. */
static void random_term(buf *b)
{
	switch (rnd(6)) {
	case 0: { /* one character of a piece */
		const char *p = pieces[rnd(NPIECES)];
		size_t n = 1;
		while (p[n] && ((unsigned char)p[n] & 0xC0) == 0x80)
			n++;
		buf_append(b, p, n);
		break;
	}
	case 1: { /* the tail of a piece from some character on */
		const char *p = pieces[rnd(NPIECES)];
		size_t len = strlen(p), at = rnd((unsigned)len);
		while (at > 0 && ((unsigned char)p[at] & 0xC0) == 0x80)
			at--;
		buf_puts(b, p + at);
		break;
	}
	case 2:
		random_text(b, 2, 3);
		break;
	case 3:
		random_text(b, 5, 9); /* long: mostly found nowhere */
		break;
	default:
		buf_puts(b, pieces[rnd(NPIECES)]);
	}
}

/* The SKU ids of the whole table matching f, in id order, as one string. */
static void ids_of(search_filter *f, buf *out, bool *indexed)
{
	search_where w = {0};
	assert_int_equal(search_where_skus(f, &w), Z_OK);
	*indexed = w.indexed;
	buf sql = BUF_INIT;
	buf_puts(&sql, "SELECT s.id FROM sku s");
	buf_puts(&sql, buf_str(&w.sql));
	buf_puts(&sql, " ORDER BY s.id");
	db_res *r = NULL;
	if (db_query(t_db, buf_str(&sql), w.vals, w.n, &r) != Z_OK)
		fail_msg("query failed: %s", buf_str(&sql));
	buf_reset(out);
	for (int i = 0; i < r->nrows; i++)
		buf_printf(out, "%s,", db_get(r, i, 0));
	db_res_free(r);
	buf_free(&sql);
	search_where_free(&w);
}

static void test_index_matches_scan_on_random_data(void **state)
{
	(void)state;
	rng_state = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	unsigned long long seed = rng_state;
	print_message("seed %llu\n", seed);
	long long shop = t_shop(true, 0);
	enum { SKUS = 240, QUERIES = 400 };
	static char codes[SKUS][96];
	static stock_listing_row rows[SKUS];
	static char names[SKUS][400];
	buf t = BUF_INIT;
	for (int i = 0; i < SKUS; i++) {
		buf_reset(&t);
		random_text(&t, 1, 5);
		snprintf(codes[i], sizeof(codes[i]), "%s", t_code(rnd(4) ? "R" : "ｺｰﾄﾞ"));
		long long id = 0;
		assert_int_equal(stock_sku_create(t_db, codes[i], buf_str(&t), 0, &id), Z_OK);
		/* some SKUs get a listing with another random name (its document grows) */
		buf_reset(&t);
		random_text(&t, 1, 6);
		snprintf(names[i], sizeof(names[i]), "%s", buf_str(&t));
		rows[i] = (stock_listing_row){.item_code = codes[i], .sku_code = codes[i],
		                              .name = names[i]};
	}
	stock_import_result res;
	assert_int_equal(stock_import_listings(t_db, shop, rows, SKUS / 2, false, &res), Z_OK);

	buf q = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	static const char *const seps[] = {",", "、", "，", " , "};
	int indexed = 0, plain = 0, found = 0;
	for (int k = 0; k < QUERIES; k++) {
		buf_reset(&q);
		int terms = 1 + (int)rnd(rnd(3) ? 2 : 4);
		for (int i = 0; i < terms; i++) {
			if (i)
				buf_puts(&q, seps[rnd(4)]);
			if (rnd(12) == 0) { /* a code prefix of this run */
				buf_printf(&q, "%.*s*", (int)strlen(t_run), t_run);
				continue;
			}
			if (rnd(3) == 0) { /* a part of a stored name, as typed */
				const char *nm = names[rnd(SKUS)];
				size_t len = strlen(nm), at = rnd((unsigned)len);
				while (at > 0 && ((unsigned char)nm[at] & 0xC0) == 0x80)
					at--;
				size_t end = at + 1 + rnd(12);
				if (end > len)
					end = len;
				while (end < len && ((unsigned char)nm[end] & 0xC0) == 0x80)
					end++;
				buf_append(&q, nm + at, end - at);
				continue;
			}
			random_term(&q);
		}
		search_filter fi = {.q = buf_str(&q), .db = t_db}, fs = {.q = buf_str(&q)};
		if (rnd(8) == 0) /* with a total range too */
			fi.has_tmax = fs.has_tmax = true;
		bool used = false, none = false;
		ids_of(&fs, &want, &none);
		assert_false(none);
		ids_of(&fi, &got, &used);
		if (strcmp(buf_str(&want), buf_str(&got)))
			fail_msg("seed %llu, search [%s]: scan %s, index %s", seed, buf_str(&q),
			         buf_str(&want), buf_str(&got));
		if (used)
			indexed++;
		else
			plain++;
		if (want.len)
			found++;
	}
	print_message("%d searches: %d narrowed by the index, %d scanned, %d found something\n",
	              QUERIES, indexed, plain, found);
	/* The comparison means something only if the index answered most searches, and they
	 * found rows. */
	assert_true(indexed >= QUERIES / 2);
	assert_true(found >= QUERIES / 5);

	/* And it can tell: without one SKU's postings (in a transaction rolled back) the index
	 * misses that SKU, and the comparison above would have failed. */
	long long victim = sku_id_of(codes[0]);
	db_res *doc = NULL;
	assert_int_equal(db_queryv(t_db, &doc, "SELECT CAST(search_doc AS CHAR) FROM sku WHERE id = ?",
	                           DB_I(victim)),
	                 Z_OK);
	buf_reset(&q);
	/* a term from its document: its code (normalised, every character from the run) */
	buf_printf(&q, "%s", codes[0]);
	search_filter fi = {.q = buf_str(&q), .db = t_db}, fs = {.q = buf_str(&q)};
	bool used = false, none = false;
	ids_of(&fs, &want, &none);
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(db_execv(t_db, "DELETE FROM search_gram WHERE sku_id = ?", DB_I(victim)),
	                 Z_OK);
	ids_of(&fi, &got, &used);
	assert_int_equal(db_rollback(t_db), Z_OK);
	assert_true(used);
	assert_true(want.len > 0);
	assert_string_not_equal(buf_str(&want), buf_str(&got));
	ids_of(&fi, &got, &used);
	assert_string_equal(buf_str(&want), buf_str(&got));
	db_res_free(doc);

	/* The run's postings are exactly their documents' grams. */
	for (int i = 0; i < SKUS; i += 7)
		assert_postings(sku_id_of(codes[i]));
	buf_free(&q);
	buf_free(&want);
	buf_free(&got);
	buf_free(&t);
}

/* setting search_index = 'off' (or not built): the scan, with the same rows. */
static void test_off_scans(void **state)
{
	(void)state;
	long long id = 0;
	char code[64];
	snprintf(code, sizeof(code), "%s", t_code("off"));
	assert_int_equal(stock_sku_create(t_db, code, "ヴィンテージ ﾃﾞﾆﾑ", 0, &id), Z_OK);
	search_filter f = {.q = "でにむ、ゔぃ", .db = t_db};
	buf a = BUF_INIT, b = BUF_INIT;
	bool used = false;
	ids_of(&f, &a, &used);
	assert_true(used);
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(db_execv(t_db, "UPDATE setting SET value = 'off' WHERE name = 'search_index'"),
	                 Z_OK);
	assert_false(search_index_ready(t_db));
	ids_of(&f, &b, &used);
	assert_false(used);
	assert_int_equal(db_rollback(t_db), Z_OK);
	assert_string_equal(buf_str(&a), buf_str(&b));
	assert_true(strstr(buf_str(&a), ",") != NULL);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_is_built),
		cmocka_unit_test(test_term_grams),
		cmocka_unit_test(test_postings_follow_every_writer),
		cmocka_unit_test(test_index_matches_scan_on_random_data),
		cmocka_unit_test(test_off_scans),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
