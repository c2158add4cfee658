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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push_steps_render_as_before),
		cmocka_unit_test(forced_set_push_renders_as_before),
		cmocka_unit_test(bad_forms_fall_back_to_the_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
