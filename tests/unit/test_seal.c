/* Tests of core/seal: AES-256-GCM sealing of credentials with a key file. */
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
#include "core/seal.h"

static char dir[64];
static char key_a[128], key_b[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/zaiko-seal-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(key_a, sizeof(key_a), "%s/a.key", dir);
	snprintf(key_b, sizeof(key_b), "%s/b.key", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(key_a);
	unlink(key_b);
	rmdir(dir);
	return 0;
}

static void round_trip_and_key_file(void **state)
{
	const char *plain = "{\"refresh_token\":\"秘密のトークン\"}";
	buf sealed = BUF_INIT, opened = BUF_INIT;
	assert_int_equal(seal_encrypt(key_a, plain, strlen(plain), &sealed), Z_OK);
	assert_int_equal(sealed.len, strlen(plain) + SEAL_OVERHEAD);
	assert_int_equal((unsigned char)sealed.data[0], SEAL_VERSION);
	assert_null(memmem(sealed.data, sealed.len, "refresh_token", 13));
	struct stat st;
	assert_int_equal(stat(key_a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SEAL_KEY_LEN);
	assert_int_equal(seal_decrypt(key_a, sealed.data, sealed.len, &opened), Z_OK);
	assert_string_equal(buf_str(&opened), plain);
	/* Two seals of one text differ (fresh nonce). */
	buf again = BUF_INIT;
	assert_int_equal(seal_encrypt(key_a, plain, strlen(plain), &again), Z_OK);
	assert_int_not_equal(memcmp(again.data, sealed.data, sealed.len), 0);
	buf_free(&sealed);
	buf_free(&opened);
	buf_free(&again);
}

static void refuses_wrong_key_tamper_truncation(void **state)
{
	const char *plain = "abc";
	buf sealed = BUF_INIT, opened = BUF_INIT;
	assert_int_equal(seal_encrypt(key_a, plain, 3, &sealed), Z_OK);
	assert_int_equal(seal_decrypt(key_b, sealed.data, sealed.len, &opened), Z_INVALID);
	assert_int_equal(opened.len, 0);
	for (size_t i = 0; i < sealed.len; i++) {
		sealed.data[i] ^= 1;
		assert_int_equal(seal_decrypt(key_a, sealed.data, sealed.len, &opened), Z_INVALID);
		sealed.data[i] ^= 1;
	}
	assert_int_equal(seal_decrypt(key_a, sealed.data, sealed.len - 1, &opened), Z_INVALID);
	assert_int_equal(seal_decrypt(key_a, sealed.data, 5, &opened), Z_INVALID);
	assert_int_equal(opened.len, 0);
	assert_int_equal(seal_decrypt(key_a, sealed.data, sealed.len, &opened), Z_OK);
	assert_string_equal(buf_str(&opened), "abc");
	buf_free(&sealed);
	buf_free(&opened);
}

static void refuses_short_key_file(void **state)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/short.key", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("short", f);
	fclose(f);
	buf sealed = BUF_INIT;
	assert_int_equal(seal_encrypt(path, "x", 1, &sealed), Z_ERR);
	assert_int_equal(sealed.len, 0);
	unlink(path);
	buf_free(&sealed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_key_file),
		cmocka_unit_test(refuses_wrong_key_tamper_truncation),
		cmocka_unit_test(refuses_short_key_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
