/* Tests of the adapters' shared OAuth 2.0 token request (mall/oauth.c) and their shared
 * refresh → throttle → request → judge loop (mall/retry.c), against tests/sim/base_sim.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>
#include "mall/mall.h"
#include "mall/oauth.h"
#include "mall/pace.h"
#include "mall/retry.h"
#include "malltest.h"

#define CREDS "{\"client_id\":\"zaiko-demo-base\",\"client_secret\":\"zaiko-demo-base-secret\"," \
              "\"refresh_token\":\"zaiko-demo-base-refresh\"," \
              "\"redirect_uri\":\"https://zaiko.example.jp/base/callback\"}"

static char token_url[128];

static int group_setup(void **state)
{
	if (sim_start(&S, "base"))
		return -1;
	snprintf(token_url, sizeof(token_url), "%s/1/oauth/token", S.base);
	return 0;
}

static int group_teardown(void **state)
{
	sim_stop(&S);
	return 0;
}

static int setup(void **state)
{
	sim_reset();
	return 0;
}

static void open_shop(mall_shop *shop, const char *creds, const char *opts)
{
	memset(shop, 0, sizeof(*shop));
	shop_init(shop, 9, "OAuthテスト", "base", S.base, cJSON_Parse(creds ? creds : CREDS),
	          cJSON_Parse(opts ? opts : "{}"), 5000);
}

static void close_shop(mall_shop *shop)
{
	cJSON_Delete(shop->credentials);
	cJSON_Delete(shop->options);
	http_client_free(shop->http);
}

/* ---- the token answer ---- */

static void test_parse_token_answers(void **state)
{
	mall_oauth strict = {.label = "T", .default_ttl = 3600, .strict_ttl = true};
	mall_oauth lax = {.label = "T", .default_ttl = 0};
	mall_token_reply t;
	char err[128];
	const char *ok = "{\"access_token\":\"abc\",\"expires_in\":120,\"refresh_token\":\"r2\"}";
	assert_int_equal(mall_oauth_parse(&strict, ok, strlen(ok), &t, err, sizeof(err)), Z_OK);
	assert_string_equal(t.access_token, "abc");
	assert_string_equal(t.refresh_token, "r2");
	assert_int_equal(t.ttl, 120);
	/* No expires_in: the mall's default (none for カラーミー, whose tokens do not expire). */
	assert_int_equal(mall_oauth_parse(&strict, "{\"access_token\":\"a\"}", 20, &t, err, sizeof(err)), Z_OK);
	assert_int_equal(t.ttl, 3600);
	assert_string_equal(t.refresh_token, "");
	assert_int_equal(mall_oauth_parse(&lax, "{\"access_token\":\"a\"}", 20, &t, err, sizeof(err)), Z_OK);
	assert_int_equal(t.ttl, 0);
	/* expires_in out of range: refused when strict (Amazon, Shopify), else the default. */
	const char *long_ttl = "{\"access_token\":\"a\",\"expires_in\":99999999}";
	assert_int_equal(mall_oauth_parse(&strict, long_ttl, strlen(long_ttl), &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, long_ttl, strlen(long_ttl), &t, err, sizeof(err)), Z_OK);
	assert_int_equal(t.ttl, 0);
	/* expires_in that is not a number is refused by every mall. */
	const char *str_ttl = "{\"access_token\":\"x\",\"expires_in\":\"1\"}";
	assert_int_equal(mall_oauth_parse(&lax, str_ttl, strlen(str_ttl), &t, err, sizeof(err)), Z_INVALID);
	/* A reply cut short, no object, no token, an empty one. */
	assert_int_equal(mall_oauth_parse(&lax, ok, 20, &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, "[]", 2, &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, NULL, 0, &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, "{\"access_token\":\"\"}", 19, &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, "{\"access_token\":7}", 18, &t, err, sizeof(err)), Z_INVALID);
	/* A token goes into a header line: one that could start another line is refused. */
	const char *split = "{\"access_token\":\"x\\r\\nHost: evil\"}";
	assert_int_equal(mall_oauth_parse(&lax, split, strlen(split), &t, err, sizeof(err)), Z_INVALID);
	/* Longer than the mall takes. */
	mall_oauth short_max = {.label = "T", .max_token = 4};
	const char *five = "{\"access_token\":\"12345\"}";
	assert_int_equal(mall_oauth_parse(&short_max, five, strlen(five), &t, err, sizeof(err)), Z_INVALID);
	assert_int_equal(mall_oauth_parse(&lax, five, strlen(five), &t, err, sizeof(err)), Z_OK);
	/* A refresh token that could split a line is not taken (the access token still is). */
	const char *bad_rt = "{\"access_token\":\"a\",\"refresh_token\":\"r\\nX: y\"}";
	assert_int_equal(mall_oauth_parse(&lax, bad_rt, strlen(bad_rt), &t, err, sizeof(err)), Z_OK);
	assert_string_equal(t.refresh_token, "");
}

static void test_token_fresh(void **state)
{
	mall_shop shop;
	open_shop(&shop, "{}", NULL);
	assert_false(mall_token_usable(&shop, 0));
	json_set_str(shop.credentials, "access_token", "tok");
	assert_true(mall_token_fresh(&shop, 300, 0)); /* no known expiry */
	shop.token_expires_at = time(NULL) + 200;
	assert_false(mall_token_fresh(&shop, 300, 0));
	assert_true(mall_token_fresh(&shop, 100, 0));
	assert_true(mall_token_usable(&shop, 0));
	assert_false(mall_token_usable(&shop, 2));
	json_set_str(shop.credentials, "access_token", "a\r\nb");
	assert_false(mall_token_usable(&shop, 0));
	close_shop(&shop);
}

/* ---- the token request ---- */

static bool limit_code(mall_shop *shop, const http_response *r, const char *code, mall_status *st)
{
	if (strcmp(code, "invalid_request"))
		return false;
	mall_status_set(st, MALL_RATE_LIMITED, r->status, "own rule %s", code);
	st->retry_after_ms = 7;
	return true;
}

static int paced;

static void count_pace(mall_shop *shop)
{
	paced++;
}

static mall_oauth grant_of(mall_shop *shop, const char **form, bool rotate)
{
	form[0] = "grant_type";
	form[1] = "refresh_token";
	form[2] = "client_id";
	form[3] = mall_cred(shop, "client_id", "");
	form[4] = "client_secret";
	form[5] = mall_cred(shop, "client_secret", "");
	form[6] = "refresh_token";
	form[7] = mall_cred(shop, "refresh_token", "");
	form[8] = "redirect_uri";
	form[9] = mall_cred(shop, "redirect_uri", "");
	form[10] = NULL;
	return (mall_oauth){.label = "BASE", .url = token_url, .form = form, .default_ttl = 3600,
	                    .rotate = rotate, .before = count_pace};
}

static void test_grant(void **state)
{
	mall_shop shop;
	mall_status st;
	const char *form[11];
	open_shop(&shop, NULL, NULL);
	mall_oauth g = grant_of(&shop, form, false);
	paced = 0;
	time_t t0 = time(NULL);
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_OK);
	assert_int_equal(st.outcome, MALL_OK);
	assert_int_equal(paced, 1);
	assert_true(shop.credentials_changed);
	assert_true(shop.token_expires_at >= t0 + 3600 && shop.token_expires_at <= time(NULL) + 3600);
	assert_true(mall_token_fresh(&shop, 300, 0));
	/* Not rotating: the kept refresh token stays. */
	assert_string_equal(mall_cred(&shop, "refresh_token", ""), "zaiko-demo-base-refresh");
	char first[64];
	snprintf(first, sizeof(first), "%s", mall_cred(&shop, "access_token", ""));
	g = grant_of(&shop, form, true);
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_OK);
	assert_string_not_equal(mall_cred(&shop, "access_token", ""), first);
	assert_string_not_equal(mall_cred(&shop, "refresh_token", ""), "zaiko-demo-base-refresh");
	/* The rotated refresh token works for the next grant; the endpoint given as a path
	 * under the shop's api_base. */
	g = grant_of(&shop, form, true);
	g.url = NULL;
	g.path = "/1/oauth/token";
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_OK);
	assert_int_equal(sim_calls("/1/oauth/token"), 3);
	/* Neither: refused before any request. */
	g = grant_of(&shop, form, true);
	g.url = NULL;
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_TEMPORARY);
	assert_non_null(strstr(st.message, "URL"));
	assert_int_equal(sim_calls("/1/oauth/token"), 3);
	close_shop(&shop);
}

static void test_grant_refusals(void **state)
{
	mall_shop shop;
	mall_status st;
	const char *form[11];
	/* A missing credential: refused before any request, naming it. */
	open_shop(&shop, "{\"client_id\":\"zaiko-demo-base\"}", NULL);
	mall_oauth g = grant_of(&shop, form, true);
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_AUTH);
	assert_non_null(strstr(st.message, "client_secret"));
	assert_false(shop.credentials_changed);
	assert_int_equal(sim_calls("/1/oauth/token"), 0);
	close_shop(&shop);
	open_shop(&shop, NULL, NULL);
	g = grant_of(&shop, form, true);
	/* Refused: MALL_AUTH with the answer's error code and, without a mall's own words
	 * (refused_grant), the advice every mall's app takes. */
	control("base", "{\"refresh_ok\":false}");
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_AUTH);
	assert_int_equal(st.http_status, 400);
	assert_non_null(strstr(st.message, "invalid_request"));
	assert_non_null(strstr(st.message, "アプリの再認可が必要です"));
	assert_non_null(strstr(st.msg, "msg.mallerr.token_refused"));
	assert_false(shop.credentials_changed);
	/* The mall's own reading comes first. */
	g.refused = limit_code;
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 7);
	assert_string_equal(st.message, "own rule invalid_request");
	g.refused = NULL;
	control("base", "{\"refresh_ok\":true}");
	/* 5xx: temporary; 429: rate limited for Retry-After; a broken answer: temporary. */
	control("fault", "{\"kind\":\"500\",\"path\":\"/1/oauth/token\"}");
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	control("fault", "{\"kind\":\"429\",\"path\":\"/1/oauth/token\"}");
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	control("fault", "{\"kind\":\"malformed\",\"path\":\"/1/oauth/token\"}");
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_TEMPORARY);
	assert_non_null(strstr(st.message, "トークン応答が不正です"));
	assert_false(shop.credentials_changed);
	/* Nobody listening: temporary. */
	g.url = "http://127.0.0.1:1/token";
	assert_int_equal(mall_oauth_grant(&shop, &g, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 0);
	assert_false(shop.credentials_changed);
	close_shop(&shop);
}

/* ---- the retry loop ---- */

/* A scripted mall: judge answers verdicts[i] for the i-th answer (the last one repeated). */
typedef struct {
	int refreshes, forced, throttles, answers;
	mall_outcome refresh_rc, throttle_rc;
	mall_retry_verdict verdicts[4];
	int nverdicts;
	long wait_ms;
	int statuses[4];
} script;

static script *SC;

static mall_outcome fake_refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	SC->refreshes++;
	SC->forced += force;
	if (SC->refresh_rc != MALL_OK)
		mall_status_set(st, SC->refresh_rc, 0, "refresh refused");
	return SC->refresh_rc;
}

static mall_outcome fake_throttle(mall_shop *shop, void *ctx, mall_status *st)
{
	assert_ptr_equal(ctx, SC);
	SC->throttles++;
	if (SC->throttle_rc != MALL_OK)
		mall_status_set(st, SC->throttle_rc, 0, "throttled");
	return SC->throttle_rc;
}

static mall_retry_verdict fake_judge(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
                                     mall_status *st)
{
	script *s = ctx;
	assert_int_equal(hrc, Z_OK);
	if (s->answers < 4)
		s->statuses[s->answers] = resp->status;
	mall_retry_verdict v = s->verdicts[s->answers < s->nverdicts ? s->answers : s->nverdicts - 1];
	s->answers++;
	if (v == MALL_RETRY_RENEW)
		mall_status_set(st, MALL_AUTH, resp->status, "token refused");
	else if (v == MALL_RETRY_WAIT) {
		mall_status_set(st, MALL_RATE_LIMITED, resp->status, "slow down");
		st->retry_after_ms = s->wait_ms;
	} else
		mall_status_ok(st, resp->status);
	return v;
}

/* Runs one call of the script against the simulator's /1/zz; returns its outcome. */
static mall_outcome run(mall_shop *shop, script *s, bool may_wait, mall_status *st)
{
	char url[128];
	http_response resp;
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/1/zz", S.base);
	SC = s;
	const char *headers[] = {"Accept: application/json", NULL};
	const mall_retry c = {.refresh = fake_refresh, .throttle = fake_throttle, .judge = fake_judge,
	                      .ctx = s, .auth = "Authorization: Bearer ", .headers = headers,
	                      .may_wait = may_wait};
	http_request req = {"GET", url, NULL, NULL, 0, 0};
	mall_outcome o = mall_retry_call(shop, &c, &req, &resp, st);
	http_response_free(&resp);
	return o;
}

static void test_retry_done_renew_wait(void **state)
{
	mall_shop shop;
	mall_status st;
	open_shop(&shop, "{\"access_token\":\"t\"}", NULL);
	/* Done at once: one request. */
	script s = {.verdicts = {MALL_RETRY_DONE}, .nverdicts = 1};
	assert_int_equal(run(&shop, &s, true, &st), MALL_OK);
	assert_int_equal(s.answers, 1);
	assert_int_equal(s.statuses[0], 400); /* the simulator refuses the made-up token */
	assert_int_equal(s.refreshes, 1);
	assert_int_equal(s.forced, 0);
	assert_int_equal(sim_calls("/1/zz"), 1);
	/* A refused token is renewed (forced) once; refused again, the call ends MALL_AUTH. */
	s = (script){.verdicts = {MALL_RETRY_RENEW}, .nverdicts = 1};
	assert_int_equal(run(&shop, &s, true, &st), MALL_AUTH);
	assert_int_equal(s.answers, 2);
	assert_int_equal(s.forced, 1);
	assert_int_equal(s.throttles, 2);
	/* Renewed, then fine. */
	s = (script){.verdicts = {MALL_RETRY_RENEW, MALL_RETRY_DONE}, .nverdicts = 2};
	assert_int_equal(run(&shop, &s, true, &st), MALL_OK);
	assert_int_equal(s.answers, 2);
	/* A short wait is slept once, then the call ends rate limited with the wait it asks for. */
	s = (script){.verdicts = {MALL_RETRY_WAIT}, .nverdicts = 1, .wait_ms = 150};
	double t0 = mall_mono_now();
	assert_int_equal(run(&shop, &s, true, &st), MALL_RATE_LIMITED);
	assert_true(mall_mono_now() - t0 >= 0.14);
	assert_int_equal(s.answers, 2);
	assert_int_equal(st.retry_after_ms, 150);
	/* One renewal and one wait at the most: three requests. */
	s = (script){.verdicts = {MALL_RETRY_RENEW, MALL_RETRY_WAIT, MALL_RETRY_RENEW}, .nverdicts = 3,
	             .wait_ms = 10};
	assert_int_equal(run(&shop, &s, true, &st), MALL_AUTH);
	assert_int_equal(s.answers, 3);
	s = (script){.verdicts = {MALL_RETRY_WAIT, MALL_RETRY_RENEW, MALL_RETRY_WAIT}, .nverdicts = 3,
	             .wait_ms = 10};
	assert_int_equal(run(&shop, &s, true, &st), MALL_RATE_LIMITED);
	assert_int_equal(s.answers, 3);
	assert_int_equal(sim_calls("/1/zz"), 1 + 2 + 2 + 2 + 3 + 3);
	close_shop(&shop);
}

static void test_retry_wait_only_when_allowed(void **state)
{
	mall_shop shop;
	mall_status st;
	open_shop(&shop, "{\"access_token\":\"t\"}", "{\"max_wait_ms\":500}");
	/* The mall does not wait (BASE, カラーミー). */
	script s = {.verdicts = {MALL_RETRY_WAIT}, .nverdicts = 1, .wait_ms = 10};
	assert_int_equal(run(&shop, &s, false, &st), MALL_RATE_LIMITED);
	assert_int_equal(s.answers, 1);
	/* Longer than max_wait_ms. */
	s = (script){.verdicts = {MALL_RETRY_WAIT}, .nverdicts = 1, .wait_ms = 501};
	assert_int_equal(run(&shop, &s, true, &st), MALL_RATE_LIMITED);
	assert_int_equal(s.answers, 1);
	assert_int_equal(st.retry_after_ms, 501);
	/* The shop's pacing is off (rate_limit 0): nothing is waited. */
	json_set_num(shop.options, "rate_limit", 0);
	s = (script){.verdicts = {MALL_RETRY_WAIT}, .nverdicts = 1, .wait_ms = 10};
	assert_int_equal(run(&shop, &s, true, &st), MALL_RATE_LIMITED);
	assert_int_equal(s.answers, 1);
	/* No usable token, or the pace says no: no request at all. */
	s = (script){.verdicts = {MALL_RETRY_DONE}, .nverdicts = 1, .refresh_rc = MALL_AUTH};
	assert_int_equal(run(&shop, &s, true, &st), MALL_AUTH);
	assert_string_equal(st.message, "refresh refused");
	assert_int_equal(s.throttles, 0);
	s = (script){.verdicts = {MALL_RETRY_DONE}, .nverdicts = 1, .throttle_rc = MALL_RATE_LIMITED};
	assert_int_equal(run(&shop, &s, true, &st), MALL_RATE_LIMITED);
	assert_string_equal(st.message, "throttled");
	assert_int_equal(s.answers, 0);
	assert_int_equal(sim_calls("/1/zz"), 3);
	close_shop(&shop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_token_answers),
		cmocka_unit_test(test_token_fresh),
		cmocka_unit_test_setup(test_grant, setup),
		cmocka_unit_test_setup(test_grant_refusals, setup),
		cmocka_unit_test_setup(test_retry_done_renew_wait, setup),
		cmocka_unit_test_setup(test_retry_wait_only_when_allowed, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
