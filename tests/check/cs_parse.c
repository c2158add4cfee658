/* make check's template rule: parses each ClearSilver template named on the command line the
 * way the web front does (HTML escaping on, includes from the template's directory, the string
 * functions registered), without rendering it. Prints one line per template that does not
 * parse and exits 1 if any did not.
 *   cs_parse TEMPLATE...      (make check runs it on every templates/NAME.cs) */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ClearSilver.h>

static int parse_one(const char *path)
{
	HDF *hdf = NULL;
	CSPARSE *cs = NULL;
	char *copy = strdup(path), *name = strdup(path);
	NEOERR *err = hdf_init(&hdf);
	if (!copy || !name) {
		fprintf(stderr, "cs_parse: out of memory\n");
		exit(2);
	}
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Config.VarEscapeMode", "html");
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "hdf.loadpaths.0", dirname(copy));
	if (err == STATUS_OK)
		err = cs_init(&cs, hdf);
	if (err == STATUS_OK)
		err = cgi_register_strfuncs(cs);
	if (err == STATUS_OK)
		err = cs_parse_file(cs, basename(name));
	int bad = err != STATUS_OK;
	if (bad) {
		STRING s;
		string_init(&s);
		nerr_error_string(err, &s);
		printf("template-parse: %s: %s\n", path, s.buf ? s.buf : "parse error");
		string_clear(&s);
		nerr_ignore(&err);
	}
	cs_destroy(&cs);
	hdf_destroy(&hdf);
	free(copy);
	free(name);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: cs_parse TEMPLATE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		bad += parse_one(argv[i]);
	return bad ? 1 : 0;
}
