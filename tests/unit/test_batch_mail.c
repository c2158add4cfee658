/* Tests of the batch's mail formatting (MIME subject, base64 body, no header injection) and of
 * the cleaning of mall messages before they are stored. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "batch/mail.h"
#include "batch/shops.h"

static void formats_japanese_subject_and_body(void **state)
{
	buf out = BUF_INIT;
	assert_int_equal(mail_format("zaiko@example.jp", "a@example.jp, b@example.jp", "在庫数通知",
	                             "本文です\n", 0, &out), Z_OK);
	const char *m = buf_str(&out);
	assert_non_null(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	assert_non_null(strstr(m, "From: zaiko@example.jp\r\n"));
	assert_non_null(strstr(m, "To: a@example.jp, b@example.jp\r\n"));
	/* base64 of the UTF-8 bytes of 在庫数通知 */
	assert_non_null(strstr(m, "Subject: =?UTF-8?B?5Zyo5bqr5pWw6YCa55+l?=\r\n"));
	assert_non_null(strstr(m, "Content-Transfer-Encoding: base64\r\n\r\n5pys5paH44Gn44GZCg==\r\n"));
	assert_non_null(strstr(m, "Message-ID: <"));
	assert_non_null(strstr(m, "@example.jp>\r\n"));
	buf_free(&out);
}

static void header_values_cannot_add_headers(void **state)
{
	buf out = BUF_INIT;
	assert_int_equal(mail_format("x@example.jp\r\nBcc: evil@example.com", "y@example.jp\nBcc: e@x",
	                             "s\r\nBcc: z", "b", 0, &out), Z_OK);
	const char *m = buf_str(&out);
	assert_null(strstr(m, "\r\nBcc:"));
	assert_null(strstr(m, "\nBcc:"));
	buf_free(&out);
}

static void long_bodies_wrap_at_76(void **state)
{
	char body[400];
	memset(body, 'a', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	buf out = BUF_INIT;
	assert_int_equal(mail_format("x@example.jp", "y@example.jp", "s", body, 0, &out), Z_OK);
	const char *p = strstr(buf_str(&out), "\r\n\r\n") + 4;
	for (const char *eol; (eol = strstr(p, "\r\n")); p = eol + 2)
		assert_true(eol - p <= 76);
	buf_free(&out);
}

static void mall_messages_are_cleaned(void **state)
{
	char cut[16];
	/* "在庫" is 6 bytes; keep the first and half of the second */
	memcpy(cut, "ab\xe5\x9c\xa8\xe5\xba", 7);
	cut[7] = '\0';
	batch_clean_message(cut);
	assert_string_equal(cut, "ab在");
	char lines[] = "one\r\ntwo\tthree";
	batch_clean_message(lines);
	assert_string_equal(lines, "one  two three");
	char bad[64] = "x\xff\xfey";
	batch_clean_message(bad);
	assert_string_equal(bad, "(モールの応答を表示できません)");
	char whole[] = "在庫数";
	batch_clean_message(whole);
	assert_string_equal(whole, "在庫数");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_japanese_subject_and_body),
		cmocka_unit_test(header_values_cannot_add_headers),
		cmocka_unit_test(long_bodies_wrap_at_76),
		cmocka_unit_test(mall_messages_are_cleaned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
