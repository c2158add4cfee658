/* zaiko-batch: the cron-invoked program; the only one that talks to malls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/batch.h"
#include "core/lang.h"
#include "core/log.h"
#include "core/mallurl.h"
#include "mall/http.h"

static const batch_command commands[] = {
	{"migrate", "", "apply the sql/NNN_*.sql migrations not yet applied", true, batch_migrate},
	{"useradd", "LOGIN [--role admin|staff] [--password-stdin]",
	 "create a user; the password is read from standard input or generated and printed once",
	 true, batch_useradd},
	{"cycle", "[--loop] [--interval SECONDS]",
	 "fetch orders of every enabled shop, apply them to stock, send pending pushes, send mails "
	 "(--loop: repeat every SECONDS, default 5, until SIGTERM/SIGINT)",
	 true, batch_cycle},
	{"fetch", "[SHOP]", "fetch and apply the orders of every enabled shop (or of SHOP)", true,
	 batch_fetch},
	{"push", "[SHOP]", "send the pending pushes of every enabled shop (or of SHOP)", true,
	 batch_push},
	{"initial-fetch", "SHOP",
	 "初期受注取得: count SHOP's orders from now on (older orders never move stock)", true,
	 batch_initial_fetch},
	{"check-stock", "[SHOP]",
	 "read each shop's stock back, store it, and report stock changed on the mall's side",
	 true, batch_check_stock},
	{"shop-add", "NAME MALL --base-url URL [--base] [--disabled] [--credentials-stdin] "
	 "[--options JSON] [--credentials-expire DATETIME]",
	 "add a shop; credentials (a JSON object on standard input) are sealed with the key file",
	 true, batch_shop_add},
	{"shop-credentials", "SHOP",
	 "replace SHOP's credentials (JSON on standard input) and resume it if it was stopped",
	 true, batch_shop_credentials},
	{"shop-edit", "SHOP [--name NEW] [--base-url URL] [--options JSON] [--enable|--disable] "
	 "[--base] [--credentials-stdin] [--credentials-expire DATETIME|'']",
	 "change SHOP's settings; --options merges (a key set to null is removed); a new API or "
	 "token URL needs the credentials again (--credentials-stdin)",
	 true, batch_shop_edit},
	{"shop-delete", "SHOP --yes",
	 "delete SHOP, its listings and its queued pushes (orders, stock moves and sent pushes "
	 "stay as history)",
	 true, batch_shop_delete},
	{"mail", "", "send the queued mails now", true, batch_mail},
	{"mail-test", "ADDRESS", "queue a test mail to ADDRESS and send it; prints the result",
	 true, batch_mail_test},
	{"recompute", "", "recompute wanted stock, pending pushes, drift and search documents of everything", true, batch_recompute},
	{"purge", "[--pause-ms MS]", "delete history older than 共通設定 › 保存期間, in small batches", true, batch_purge},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: zaiko-batch COMMAND [ARGS]   (configuration: $ZAIKO_CONF or %s)\n\n",
	        conf_default_path());
	for (size_t i = 0; i < Z_ARRAY_LEN(commands); i++)
		fprintf(out, "  %-14s %s\n  %-14s   %s\n", commands[i].name, commands[i].usage, "",
		        commands[i].help);
}

int main(int argc, char **argv)
{
	log_set_context("batch");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? BATCH_EXIT_USAGE : BATCH_EXIT_OK;
	}
	const batch_command *cmd = NULL;
	for (size_t i = 0; i < Z_ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "zaiko-batch: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return BATCH_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help")) {
			printf("usage: zaiko-batch %s %s\n%s\n", cmd->name, cmd->usage, cmd->help);
			return BATCH_EXIT_OK;
		}
	conf *cfg = conf_load(NULL);
	if (!cfg)
		return BATCH_EXIT_FAILED;
	/* Mall calls connect to no local or private address, whatever name led there. */
	http_allow_local(mallurl_allow_local(cfg));
	/* The language files, for mail in each recipient's language (logged when unreadable:
	 * mail then carries the text's key). */
	lang_load(cfg);
	/* migrate waits on statements that may run long by design (a stated ALGORITHM=COPY of a
	 * large table, the search index's first fill): its connection reads with [batch]
	 * migrate_timeout (default an hour), not the minute every other command keeps. */
	unsigned rw = !strcmp(cmd->name, "migrate")
	                      ? (unsigned)conf_int(cfg, "batch", "migrate_timeout", 3600, 1, 86400)
	                      : 0;
	db *d = NULL;
	if (cmd->needs_db && !(d = db_open_rw(cfg, rw))) {
		conf_free(cfg);
		return BATCH_EXIT_FAILED;
	}
	int rc = cmd->run(cfg, d, argc - 1, argv + 1);
	db_close(d);
	conf_free(cfg);
	return rc;
}
