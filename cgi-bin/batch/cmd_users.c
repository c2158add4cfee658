/* The migrate and useradd commands. */
#include <stdio.h>
#include <string.h>
#include "batch/batch.h"
#include "core/log.h"
#include "core/secret.h"
#include "stock/search.h"
#include "users/users.h"

int batch_migrate(const conf *cfg, db *d, int argc, char **argv)
{
	const char *dir = conf_get(cfg, "batch", "sql_dir", "/usr/local/share/zaiko/sql");
	if (argc > 1) {
		fprintf(stderr, "usage: zaiko-batch migrate\n");
		return BATCH_EXIT_USAGE;
	}
	if (db_migrate(d, dir) != Z_OK)
		return BATCH_EXIT_FAILED;
	/* A migration may ask for the search documents to be rebuilt with the code's
	 * normalisation (sql/110): done here, where C can normalise them. Then the search index
	 * is filled once for the documents written before its triggers (sql/180). */
	if (search_docs_upgrade(d, NULL) != Z_OK || search_index_build(d, false, NULL) != Z_OK)
		return BATCH_EXIT_FAILED;
	return BATCH_EXIT_OK;
}

int batch_useradd(const conf *cfg, db *d, int argc, char **argv)
{
	const char *login = NULL, *role = "staff";
	bool from_stdin = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = true;
		else if (argv[i][0] != '-' && !login)
			login = argv[i];
		else {
			fprintf(stderr, "usage: zaiko-batch useradd LOGIN [--role admin|staff] [--password-stdin]\n");
			return BATCH_EXIT_USAGE;
		}
	}
	if (!login || (strcmp(role, "admin") && strcmp(role, "staff"))) {
		fprintf(stderr, "usage: zaiko-batch useradd LOGIN [--role admin|staff] [--password-stdin]\n");
		return BATCH_EXIT_USAGE;
	}
	char password[256];
	if (from_stdin) {
		if (!fgets(password, sizeof(password), stdin)) {
			fprintf(stderr, "useradd: no password on standard input\n");
			return BATCH_EXIT_USAGE;
		}
		password[strcspn(password, "\r\n")] = '\0';
	} else {
		unsigned char rnd[12];
		if (secret_random(rnd, sizeof(rnd)) != Z_OK)
			return BATCH_EXIT_FAILED;
		secret_hex(rnd, sizeof(rnd), password);
	}
	const char *why = NULL;
	int rc = users_create(d, login, password, role, &why);
	if (rc == Z_CONFLICT) {
		fprintf(stderr, "useradd: user '%s' exists already\n", login);
		return BATCH_EXIT_FAILED;
	}
	if (rc != Z_OK) {
		fprintf(stderr, "useradd: %s\n", why ? why : "failed");
		return rc == Z_INVALID ? BATCH_EXIT_USAGE : BATCH_EXIT_FAILED;
	}
	if (!from_stdin)
		printf("login: %s\npassword: %s\n", login, password);
	return BATCH_EXIT_OK;
}
