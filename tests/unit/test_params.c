/* Unit tests of the request parsers and field validation with hostile inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "web/params.h"
#include "web/web.h"

static int parse_q(const char *s, web_params *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	return web_parse_urlencoded(s, strlen(s), &web_default_limits, p, why);
}

static void query_basic(void **state)
{
	web_params p;
	const char *why = NULL;
	assert_int_equal(parse_q("a=1&b=%E5%9C%A8%E5%BA%AB&c=x+y&empty=&flag", &p, &why), Z_OK);
	assert_int_equal(p.n, 5);
	assert_string_equal(web_params_get(&p, "a")->value, "1");
	assert_string_equal(web_params_get(&p, "b")->value, "在庫");
	assert_string_equal(web_params_get(&p, "c")->value, "x y");
	assert_int_equal(web_params_get(&p, "empty")->len, 0);
	assert_non_null(web_params_get(&p, "flag"));
	assert_null(web_params_get(&p, "zzz"));
	web_params_free(&p);
}

static void query_hostile(void **state)
{
	const char *bad[] = {
		"a=%",          /* truncated escape */
		"a=%4",         /* truncated escape */
		"a=%zz",        /* not hex */
		"a=%00",        /* NUL */
		"a=%ff",        /* invalid UTF-8 */
		"a=%c0%af",     /* overlong '/' */
		"a=%ed%a0%80",  /* surrogate */
		"a=%f4%90%80%80", /* beyond U+10FFFF */
		"=x",           /* empty name */
		"a=%1b",        /* escape control character */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		web_params p;
		const char *why = NULL;
		assert_int_equal(parse_q(bad[i], &p, &why), Z_INVALID);
		assert_non_null(why);
		web_params_free(&p);
	}
}

static void query_bounds(void **state)
{
	web_params p;
	const char *why = NULL;
	/* Overlong value */
	size_t n = web_default_limits.max_value + 10;
	char *s = malloc(n + 3);
	memcpy(s, "a=", 2);
	memset(s + 2, 'x', n);
	s[n + 2] = '\0';
	assert_int_equal(parse_q(s, &p, &why), Z_INVALID);
	web_params_free(&p);
	free(s);
	/* Too many fields */
	size_t fields = (size_t)web_default_limits.max_fields + 1;
	s = malloc(fields * 4 + 1);
	s[0] = '\0';
	for (size_t i = 0; i < fields; i++)
		strcat(s, "a=1&");
	assert_int_equal(parse_q(s, &p, &why), Z_INVALID);
	web_params_free(&p);
	free(s);
	/* Overlong name */
	char name[200];
	memset(name, 'n', 150);
	strcpy(name + 150, "=1");
	assert_int_equal(parse_q(name, &p, &why), Z_INVALID);
	web_params_free(&p);
}

static void query_duplicates_kept_for_validation(void **state)
{
	web_params p;
	const char *why = NULL;
	assert_int_equal(parse_q("id=1&id=2&id=3", &p, &why), Z_OK);
	assert_int_equal(web_params_count(&p, "id"), 3);
	web_params_free(&p);
}

static int parse_mp(const char *body, size_t n, const char *ctype, web_params *p,
                    const char **why)
{
	memset(p, 0, sizeof(*p));
	return web_parse_multipart(body, n, ctype, &web_default_limits, p, why);
}

static void multipart_basic(void **state)
{
	const char body[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"mode\"\r\n\r\n"
		"delta\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\dir\\\\../../etc/zaiko.csv\"\r\n"
		"Content-Type: text/csv\r\n\r\n"
		"a,b\r\n\x82\xa0,\0x\r\n"
		"--XyZ--\r\n";
	web_params p;
	const char *why = NULL;
	assert_int_equal(parse_mp(body, sizeof(body) - 1, "multipart/form-data; boundary=XyZ", &p, &why),
	                 Z_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(web_params_get(&p, "mode")->value, "delta");
	const web_param *f = web_params_get(&p, "file");
	assert_non_null(f->filename);
	assert_string_equal(f->filename, "zaiko.csv"); /* no path survives */
	assert_int_equal(f->len, 10);                  /* binary bytes kept, NUL included */
	assert_memory_equal(f->value, "a,b\r\n\x82\xa0,\0x", 10);
	web_params_free(&p);
}

static void multipart_quoted_boundary_and_preamble(void **state)
{
	const char body[] = "preamble\r\n--b\"q\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b\"q--";
	web_params p;
	const char *why = NULL;
	/* A boundary with a quote cannot be expressed quoted; unquoted it ends at ';' or space. */
	assert_int_equal(parse_mp(body, sizeof(body) - 1, "multipart/form-data; boundary=b\"q", &p, &why),
	                 Z_OK);
	assert_string_equal(web_params_get(&p, "x")->value, "1");
	web_params_free(&p);
}

static void multipart_hostile(void **state)
{
	struct { const char *body, *ctype; } cases[] = {
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1", "multipart/form-data; boundary=B"}, /* no end */
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--B--", "multipart/form-data"}, /* no boundary */
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n1\r\n--B--", "multipart/form-data; boundary=B"}, /* no blank line */
		{"--B\r\nContent-Disposition: form-data\r\n\r\n1\r\n--B--", "multipart/form-data; boundary=B"}, /* no name */
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\xff\r\n--B--", "multipart/form-data; boundary=B"}, /* bad UTF-8 text */
		{"--B\r\nContent-Disposition: form-data; name=\"x\r\n\r\n1\r\n--B--", "multipart/form-data; boundary=B"}, /* unterminated quote */
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\nContent-Disposition: form-data; name=\"y\"\r\n\r\n1\r\n--B--", "multipart/form-data; boundary=B"}, /* two dispositions */
		{"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--BX", "multipart/form-data; boundary=B"}, /* delimiter prefix only */
		{"", "multipart/form-data; boundary=B"},
		{"--B", "multipart/form-data; boundary=B"},
		{"--B\r\n", "multipart/form-data; boundary=B"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		web_params p;
		const char *why = NULL;
		int rc = parse_mp(cases[i].body, strlen(cases[i].body), cases[i].ctype, &p, &why);
		if (rc != Z_INVALID)
			fail_msg("case %zu accepted", i);
		web_params_free(&p);
	}
}

static void multipart_boundary_inside_data_needs_crlf(void **state)
{
	/* "--B" inside a value without a preceding CRLF is data, not a delimiter. */
	const char body[] = "--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\na--Bb\r\n--B--";
	web_params p;
	const char *why = NULL;
	assert_int_equal(parse_mp(body, sizeof(body) - 1, "multipart/form-data; boundary=B", &p, &why), Z_OK);
	assert_string_equal(web_params_get(&p, "x")->value, "a--Bb");
	web_params_free(&p);
}

static void cookies(void **state)
{
	web_params p;
	const char *why = NULL;
	memset(&p, 0, sizeof(p));
	assert_int_equal(web_parse_cookies("a=1; zaiko_session=abc;b=; =x; junk; c=\xff", &web_default_limits,
	                                   &p, &why), Z_OK);
	assert_string_equal(web_params_get(&p, "a")->value, "1");
	assert_string_equal(web_params_get(&p, "zaiko_session")->value, "abc");
	assert_string_equal(web_params_get(&p, "b")->value, "");
	assert_null(web_params_get(&p, "junk"));
	assert_null(web_params_get(&p, "c")); /* invalid UTF-8 dropped */
	web_params_free(&p);
	memset(&p, 0, sizeof(p));
	assert_int_equal(web_parse_cookies(NULL, &web_default_limits, &p, &why), Z_OK);
	assert_int_equal(p.n, 0);
}

static const char *const modes[] = {"absolute", "delta", NULL};
static const web_field fields[] = {
	{.name = "total", .type = WF_INT, .required = true, .min = -10, .max = 1000, .label = "msg.label.total"},
	{.name = "name", .type = WF_TEXT, .max = 3, .label = "msg.label.name"},
	{.name = "mode", .type = WF_ENUM, .choices = modes, .label = "msg.label.mode"},
	{.name = "id", .type = WF_INT_LIST, .min = 1, .max = 99, .max_count = 3, .label = "msg.label.product"},
	{.name = "sync", .type = WF_BOOL, .label = "msg.label.sync"},
	{0},
};

static conf *test_cfg(void);

/* Messages come from the tree's own language files (templates/lang; ZAIKO_ROOT or the
 * current directory, as tests/run.sh runs). */
static int validate(const char *q, web_value *v, char *msg)
{
	conf *cfg = test_cfg();
	web_request r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	web_params p;
	const char *why;
	memset(&p, 0, sizeof(p));
	assert_int_equal(web_parse_urlencoded(q, strlen(q), &web_default_limits, &p, &why), Z_OK);
	int rc = web_validate(&r, fields, &p, v, msg, 300);
	web_values_free(fields, v);
	web_params_free(&p);
	return rc;
}

static conf *test_cfg(void)
{
	static conf *cfg;
	if (!cfg) {
		const char *root = getenv("ZAIKO_ROOT");
		char text[4200];
		snprintf(text, sizeof(text), "[web]\ntemplates = %s/templates\n",
		         root && *root ? root : ".");
		cfg = conf_parse(text, strlen(text));
		assert_non_null(cfg);
	}
	return cfg;
}

static void field_validation(void **state)
{
	web_value v[WEB_MAX_FIELDS];
	char msg[300];
	assert_int_equal(validate("total=5&name=%E5%9C%A8%E5%BA%AB%E6%95%B0&mode=delta&id=1&id=2&sync=1",
	                          v, msg), Z_OK);
	assert_int_equal(v[0].num, 5);
	assert_int_equal(v[2].num, 1);
	assert_int_equal(v[3].count, 2);
	assert_int_equal(v[4].num, 1);
	const char *bad[] = {
		"",                 /* required */
		"total=abc",        /* not a number */
		"total=1001",       /* above max */
		"total=-11",        /* below min */
		"total=1&total=2",  /* duplicated scalar */
		"total= 5",         /* spaces */
		"total=5&name=abcd", /* 4 characters > 3 */
		"total=5&mode=other",
		"total=5&id=1&id=2&id=3&id=4", /* too many */
		"total=5&id=0",
		"total=5&sync=yes",
		"total=99999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (validate(bad[i], v, msg) != Z_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strstr(msg, "「") != NULL); /* names the field in Japanese */
	}
	assert_int_equal(validate("total=x", v, msg), Z_INVALID);
	assert_string_equal(msg, "「総在庫数」は-10〜1000の整数で入力してください。");
}

/* Fields by name: an enum indexes the table; repeated texts keep their order and their
 * blanks, are bounded in number and length; a table that is not the route's reads as absent. */
enum { L_CODE, L_QTY, L_NOTE, L__N };
static const web_field list_fields[L__N + 1] = {
	[L_CODE] = {.name = "code", .type = WF_TEXT_LIST, .max = 3, .max_count = 3,
	            .label = "msg.label.part_code"},
	[L_QTY] = {.name = "qty", .type = WF_TEXT_LIST, .max_count = 3, .label = "msg.label.part_qty"},
	[L_NOTE] = {.name = "note", .type = WF_TEXT, .label = "msg.label.set_code"},
	{0},
};

static int validate_list(web_request *r, const char *q, web_params *p, char *msg)
{
	const char *why;
	memset(p, 0, sizeof(*p));
	assert_int_equal(web_parse_urlencoded(q, strlen(q), &web_default_limits, p, &why), Z_OK);
	return web_validate(r, list_fields, p, r->values, msg, 300);
}

static void text_lists_by_name(void **state)
{
	web_route route = {.fields = list_fields};
	web_request r;
	web_params p;
	char msg[300];
	memset(&r, 0, sizeof(r));
	r.cfg = test_cfg();
	r.route = &route;
	assert_int_equal(validate_list(&r, "code=A&qty=1&code=&qty=&code=%E5%9C%A8&qty=2&note=x", &p,
	                               msg),
	                 Z_OK);
	const web_value *codes = web_value_of(&r, list_fields, L_CODE);
	assert_non_null(codes);
	assert_int_equal(codes->count, 3);
	assert_string_equal(codes->texts[0], "A");
	assert_string_equal(codes->texts[1], ""); /* a blank row keeps its place */
	assert_string_equal(codes->texts[2], "在");
	assert_int_equal(web_value_of(&r, list_fields, L_QTY)->count, 3);
	assert_string_equal(web_text_of(&r, list_fields, L_NOTE), "x");
	assert_true(web_has_of(&r, list_fields, L_NOTE));
	/* Another route's table: absent, not another field's value. */
	assert_null(web_value_of(&r, fields, 0));
	assert_string_equal(web_text_of(&r, fields, 1), "");
	assert_int_equal(web_int_of(&r, fields, 0, 7), 7);
	web_values_free(list_fields, r.values);
	web_params_free(&p);
	const char *bad[] = {"code=1&code=2&code=3&code=4", "code=abcd", "qty=1&qty=2&qty=3&qty=4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (validate_list(&r, bad[i], &p, msg) != Z_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strstr(msg, "「") != NULL);
		web_values_free(list_fields, r.values);
		web_params_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_basic),
		cmocka_unit_test(query_hostile),
		cmocka_unit_test(query_bounds),
		cmocka_unit_test(query_duplicates_kept_for_validation),
		cmocka_unit_test(multipart_basic),
		cmocka_unit_test(multipart_quoted_boundary_and_preamble),
		cmocka_unit_test(multipart_hostile),
		cmocka_unit_test(multipart_boundary_inside_data_needs_crlf),
		cmocka_unit_test(cookies),
		cmocka_unit_test(field_validation),
		cmocka_unit_test(text_lists_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
