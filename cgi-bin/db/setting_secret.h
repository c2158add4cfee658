/* setting_secret: secrets in the setting table (the SMTP password), sealed (core/seal.h). */
#ifndef ZAIKO_SETTING_SECRET_H
#define ZAIKO_SETTING_SECRET_H

#include "core/buf.h"
#include "db/db.h"

/* Stores plain sealed with key_file under name; an empty plain deletes the setting.
 * Z_ERR without a key file (nothing is ever stored in clear). */
int setting_secret_put(db *d, const char *key_file, const char *name, const char *plain);
/* Appends the plain text of name to out. Z_NOTFOUND when unset; Z_INVALID/Z_ERR when it
 * cannot be unsealed. A clear value left from before sealing is returned and sealed in place. */
int setting_secret_get(db *d, const char *key_file, const char *name, buf *out);
/* Seals a clear value of name left from before sealing (Z_OK when there is none). */
int setting_secret_seal_clear(db *d, const char *key_file, const char *name);

#endif
