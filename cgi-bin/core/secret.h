/* secret: random tokens, hashing, password hashes and constant-time comparison. */
#ifndef ZAIKO_SECRET_H
#define ZAIKO_SECRET_H

#include "core/zaiko.h"

/* Fills out with n bytes from the kernel's CSPRNG (getrandom). */
int secret_random(void *out, size_t n);
/* Writes 2n lowercase hex digits and a NUL into out (size 2n+1). */
void secret_hex(const void *in, size_t n, char *out);
/* SHA-256 of in. */
void secret_sha256(const void *in, size_t n, unsigned char out[32]);
/* Hashes a password with yescrypt and a fresh salt into out (>= 256 bytes). */
int secret_hash_password(const char *password, char *out, size_t outlen);
/* True when password matches the stored hash; runs in the hash's time whatever the input. */
bool secret_check_password(const char *password, const char *hash);
/* Constant-time comparison of two equal-length byte strings. */
bool secret_equal(const void *a, const void *b, size_t n);

#endif
