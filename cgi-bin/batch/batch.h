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
int batch_recompute(const conf *cfg, db *d, int argc, char **argv);

#endif
