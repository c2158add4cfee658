/* seal: AES-256-GCM sealing of mall credentials with a key kept in a file outside the database. */
#ifndef ZAIKO_SEAL_H
#define ZAIKO_SEAL_H

#include "core/buf.h"

/* The sealed format: version byte | 12-byte nonce | ciphertext | 16-byte tag. */
#define SEAL_VERSION 1
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_KEY_LEN 32
/* Bytes a sealed text adds to its plain text. */
#define SEAL_OVERHEAD (1 + SEAL_NONCE_LEN + SEAL_TAG_LEN)

/* Reads the 32-byte key from key_path; when the file does not exist, creates it (mode 0600,
 * 32 bytes from the kernel's CSPRNG, O_EXCL so two processes agree on one key). Refuses a
 * file of another size. Z_OK or Z_ERR (logged, without the key). */
int seal_load_key(const char *key_path, unsigned char key[SEAL_KEY_LEN]);

/* Seals plain (len bytes) with the key in key_path (created on first use) and appends the
 * sealed bytes to out. Z_OK, Z_ERR, Z_NOMEM. */
int seal_encrypt(const char *key_path, const void *plain, size_t len, buf *out);

/* Opens sealed bytes made by seal_encrypt and appends the plain text to out (NUL-terminated
 * by the buffer). Z_INVALID when the bytes are not a sealed text of this key (wrong key,
 * truncated, tampered: the tag does not match); Z_ERR when the key cannot be read. */
int seal_decrypt(const char *key_path, const void *sealed, size_t len, buf *out);

#endif
