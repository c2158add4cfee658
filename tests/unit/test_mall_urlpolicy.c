/* Where a shop's credentials may be sent (core/mallurl): https:// to public hosts, http:// and
 * local addresses only where the configuration allows them, and the destination fingerprint
 * sealed with the credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "core/mallurl.h"

static void test_public_https_only(void **state)
{
	(void)state;
	char why[200];
	const char *good[] = {"", "https://api.rms.rakuten.co.jp", "https://sellingpartnerapi-fe.amazon.com/",
	                      "https://shop.myshopify.com:443/admin", "https://[2001:db8::1]/"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(mallurl_ok(good[i], false, why, sizeof(why)));
	const char *bad[] = {"http://api.rms.rakuten.co.jp", "https://127.0.0.1:8080", "https://localhost/",
	                     "https://10.1.2.3", "https://172.20.0.1", "https://192.168.1.1/",
	                     "https://169.254.169.254/latest", "https://[::1]:9/", "https://[fd00::5]/",
	                     "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://2130706433/",
	                     "https://user:pw@api.example.com/", "ftp://x", "https://", "https://a b/",
	                     "https://shop.local/", "https://100.64.1.1/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why[0] = '\0';
		assert_false(mallurl_ok(bad[i], false, why, sizeof(why)));
		assert_true(why[0] != '\0');
	}
	/* Test stacks and demos: the simulators on loopback over http://. */
	assert_true(mallurl_ok("http://127.0.0.1:5000", true, why, sizeof(why)));
	assert_false(mallurl_ok("https://user@127.0.0.1/", true, why, sizeof(why)));
}

static void test_destination_options_and_fingerprint(void **state)
{
	(void)state;
	char why[200], a[65], b[65], c[65];
	cJSON *o = cJSON_Parse("{\"lwa_url\":\"http://10.0.0.1/auth/o2/token\",\"seller_id\":\"X\"}");
	assert_false(mallurl_shop_ok("https://sellingpartnerapi-fe.amazon.com", o, false, why, sizeof(why)));
	assert_true(mallurl_shop_ok("https://sellingpartnerapi-fe.amazon.com", o, true, why, sizeof(why)));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, a);
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* The token URL decides where the refresh token goes: it is part of the place. */
	cJSON_ReplaceItemInObject(o, "lwa_url", cJSON_CreateString("https://evil.example/token"));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, c);
	assert_string_not_equal(a, c);
	/* Other options are not. */
	cJSON_ReplaceItemInObject(o, "lwa_url", cJSON_CreateString("http://10.0.0.1/auth/o2/token"));
	cJSON_ReplaceItemInObject(o, "seller_id", cJSON_CreateString("Y"));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, c);
	assert_string_equal(a, c);
	mallurl_destination("amazon", "https://other.example", o, c);
	assert_string_not_equal(a, c);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_https_only),
		cmocka_unit_test(test_destination_options_and_fingerprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
