/* batch: the commands of zaiko-batch; each gets the configuration and an open database. */
#ifndef ZAIKO_BATCH_H
#define ZAIKO_BATCH_H

#include "core/conf.h"
#include "db/db.h"

/* Exit codes of every command. */
enum { BATCH_EXIT_OK = 0, BATCH_EXIT_FAILED = 1, BATCH_EXIT_USAGE = 2 };

typedef struct {
	const char *name;
	const char *usage;   /* one line, after the command name */
	const char *help;    /* what it does */
	bool needs_db;
	int (*run)(const conf *cfg, db *d, int argc, char **argv);
} batch_command;

int batch_migrate(const conf *cfg, db *d, int argc, char **argv);
int batch_useradd(const conf *cfg, db *d, int argc, char **argv);
/* The commands that talk to malls (cmd_sync.c, cmd_check.c). */
int batch_cycle(const conf *cfg, db *d, int argc, char **argv);
int batch_fetch(const conf *cfg, db *d, int argc, char **argv);
int batch_push(const conf *cfg, db *d, int argc, char **argv);
int batch_initial_fetch(const conf *cfg, db *d, int argc, char **argv);
int batch_check_stock(const conf *cfg, db *d, int argc, char **argv);
/* Shops with sealed credentials (cmd_shop.c). */
int batch_shop_add(const conf *cfg, db *d, int argc, char **argv);
int batch_shop_credentials(const conf *cfg, db *d, int argc, char **argv);
int batch_shop_edit(const conf *cfg, db *d, int argc, char **argv);
int batch_shop_delete(const conf *cfg, db *d, int argc, char **argv);
/* Mail (cmd_mail.c). */
int batch_mail(const conf *cfg, db *d, int argc, char **argv);
int batch_mail_test(const conf *cfg, db *d, int argc, char **argv);

/* Runs the queued jobs the batch owns (kind 'connection_test'): state, message and result
 * are written to the job row. */
void batch_run_jobs(db *d, const conf *cfg);
int batch_recompute(const conf *cfg, db *d, int argc, char **argv);
/* Retention (cmd_purge.c). */
int batch_purge(const conf *cfg, db *d, int argc, char **argv);

#endif
