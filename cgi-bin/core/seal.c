/* seal: AES-256-GCM with libcrypto's EVP interface; the key lives in a 0600 file. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/log.h"
#include "core/seal.h"
#include "core/secret.h"

/* Reads exactly n bytes or fails (a short key file is refused, never padded). */
static int read_exact(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return Z_ERR;
		p += got;
		n -= (size_t)got;
	}
	return Z_OK;
}

static int create_key(const char *key_path)
{
	unsigned char key[SEAL_KEY_LEN];
	int rc = Z_ERR;
	int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* Another process created it first: use theirs. */
		return errno == EEXIST ? Z_OK : Z_ERR;
	}
	if (secret_random(key, sizeof(key)) != Z_OK)
		goto out;
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) != 0)
		goto out;
	rc = Z_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	close(fd);
	if (rc != Z_OK)
		unlink(key_path);
	return rc;
}

int seal_load_key(const char *key_path, unsigned char key[SEAL_KEY_LEN])
{
	int rc = Z_ERR;
	int fd = -1;
	struct stat st;
	if (!key_path || !*key_path) {
		log_error("seal: no key file configured ([batch] key_file)");
		return Z_ERR;
	}
	fd = open(key_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (create_key(key_path) != Z_OK) {
			log_error("seal: cannot create key file %s: %s", key_path, strerror(errno));
			goto out;
		}
		log_info("seal: created key file %s", key_path);
		fd = open(key_path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		log_error("seal: cannot open key file %s: %s", key_path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || st.st_size != SEAL_KEY_LEN) {
		log_error("seal: key file %s is not %d bytes", key_path, SEAL_KEY_LEN);
		goto out;
	}
	if (read_exact(fd, key, SEAL_KEY_LEN) != Z_OK) {
		log_error("seal: cannot read key file %s", key_path);
		goto out;
	}
	rc = Z_OK;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* An AES-256-GCM context keyed for one message (enc 1: encrypt, 0: decrypt); NULL on
 * failure. The caller frees it. */
static EVP_CIPHER_CTX *gcm_context(const unsigned char *key, const unsigned char *nonce, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx && (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) != 1 ||
	            EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* The common exit of seal_encrypt and seal_decrypt: on failure out is cut back to start;
 * the context is freed and the key wiped either way. Returns rc. */
static int seal_done(int rc, buf *out, size_t start, EVP_CIPHER_CTX *ctx,
                     unsigned char key[SEAL_KEY_LEN])
{
	if (rc != Z_OK && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, SEAL_KEY_LEN);
	return rc;
}

int seal_encrypt(const char *key_path, const void *plain, size_t len, buf *out)
{
	unsigned char key[SEAL_KEY_LEN];
	unsigned char nonce[SEAL_NONCE_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = Z_ERR, n = 0;
	size_t start = out->len;
	if (len > 1024 * 1024)
		return Z_INVALID;
	if (seal_load_key(key_path, key) != Z_OK)
		return Z_ERR;
	if (secret_random(nonce, sizeof(nonce)) != Z_OK)
		goto out;
	if (buf_reserve(out, len + SEAL_OVERHEAD) != Z_OK) {
		rc = Z_NOMEM;
		goto out;
	}
	unsigned char *p = (unsigned char *)out->data + start;
	p[0] = SEAL_VERSION;
	memcpy(p + 1, nonce, SEAL_NONCE_LEN);
	unsigned char *ct = p + 1 + SEAL_NONCE_LEN;
	if (!(ctx = gcm_context(key, nonce, 1)))
		goto out;
	/* The version byte is authenticated too, so it cannot be swapped. */
	if (EVP_EncryptUpdate(ctx, NULL, &n, p, 1) != 1)
		goto out;
	if (EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) != 1)
		goto out;
	int fin = 0;
	if (EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, ct + len) != 1)
		goto out;
	out->len = start + len + SEAL_OVERHEAD;
	out->data[out->len] = '\0';
	rc = Z_OK;
out:
	return seal_done(rc, out, start, ctx, key);
}

int seal_decrypt(const char *key_path, const void *sealed, size_t len, buf *out)
{
	unsigned char key[SEAL_KEY_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	const unsigned char *p = sealed;
	int rc = Z_INVALID, n = 0;
	size_t start = out->len;
	if (len < SEAL_OVERHEAD || p[0] != SEAL_VERSION || len > 1024 * 1024 + SEAL_OVERHEAD)
		return Z_INVALID;
	if (seal_load_key(key_path, key) != Z_OK)
		return Z_ERR;
	size_t ctlen = len - SEAL_OVERHEAD;
	const unsigned char *nonce = p + 1, *ct = p + 1 + SEAL_NONCE_LEN;
	unsigned char tag[SEAL_TAG_LEN];
	memcpy(tag, ct + ctlen, SEAL_TAG_LEN);
	if (buf_reserve(out, ctlen) != Z_OK) {
		rc = Z_NOMEM;
		goto out;
	}
	unsigned char *pt = (unsigned char *)out->data + start;
	rc = Z_ERR;
	if (!(ctx = gcm_context(key, nonce, 0)))
		goto out;
	if (EVP_DecryptUpdate(ctx, NULL, &n, p, 1) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &n, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) != 1)
		goto out;
	int fin = 0;
	if (EVP_DecryptFinal_ex(ctx, pt + n, &fin) != 1) {
		/* Wrong key or altered bytes: nothing of the plain text is kept. */
		OPENSSL_cleanse(pt, ctlen);
		rc = Z_INVALID;
		goto out;
	}
	out->len = start + ctlen;
	out->data[out->len] = '\0';
	rc = Z_OK;
out:
	return seal_done(rc, out, start, ctx, key);
}
