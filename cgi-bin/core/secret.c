/* secret: getrandom, libcrypto's SHA-256, libcrypt's yescrypt. */
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>
#include <sys/random.h>
#include "core/log.h"
#include "core/secret.h"

int secret_random(void *out, size_t n)
{
	unsigned char *p = out;
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			log_error("secret: getrandom failed");
			return Z_ERR;
		}
		p += got;
		n -= (size_t)got;
	}
	return Z_OK;
}

void secret_hex(const void *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void secret_sha256(const void *in, size_t n, unsigned char out[32])
{
	SHA256(in, n, out);
}

int secret_hash_password(const char *password, char *out, size_t outlen)
{
	unsigned char rnd[32];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	if (secret_random(rnd, sizeof(rnd)) != Z_OK)
		return Z_ERR;
	if (!crypt_gensalt_rn("$y$", 0, (const char *)rnd, sizeof(rnd), setting, sizeof(setting)))
		return Z_ERR;
	memset(&data, 0, sizeof(data));
	const char *h = crypt_r(password, setting, &data);
	if (!h || h[0] == '*' || strlen(h) >= outlen)
		return Z_ERR;
	strcpy(out, h);
	return Z_OK;
}

bool secret_check_password(const char *password, const char *hash)
{
	/* A user that does not exist still costs one hash, so timing tells nothing. */
	static const char dummy[] = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7";
	struct crypt_data data;
	memset(&data, 0, sizeof(data));
	const char *h = crypt_r(password, hash && *hash ? hash : dummy, &data);
	if (!h || h[0] == '*' || !hash || !*hash)
		return false;
	size_t n = strlen(hash);
	return strlen(h) == n && secret_equal(h, hash, n);
}

bool secret_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
