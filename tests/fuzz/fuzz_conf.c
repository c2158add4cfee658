/* fuzz_conf: libFuzzer target for the configuration parser (core/conf.h conf_parse). */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "core/conf.h"
#include "core/log.h"

/* Silences the parser's error log: one line per rejected input would slow the run down. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level((log_level)(LOG_LEVEL_ERROR + 1));
	return 0;
}

/* Parses an exactly sized copy, then reads back keys the programs ask for. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_copy(data, size, 0);
	if (!copy)
		return 0;
	conf *c = conf_parse(copy, size);
	if (c) {
		volatile size_t sum = 0;
		const char *v = conf_get(c, "database", "password", NULL);
		if (v)
			sum += strlen(v);
		v = conf_get(c, "web", "templates", "x");
		sum += strlen(v);
		sum += (size_t)conf_int(c, "database", "port", 3306, 1, 65535);
		sum += (size_t)conf_int(c, "web", "max_body_bytes", 1, 1024, 1LL << 30);
		sum += (size_t)conf_int(c, "", "", 0, -5, 5);
		(void)sum;
		conf_free(c);
	}
	free(copy);
	return 0;
}
