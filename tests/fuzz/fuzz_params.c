/* fuzz_params: libFuzzer target for the request parsers of web/params.h (query and form
 * bodies, multipart bodies, Cookie headers). The first byte picks the parser. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "web/params.h"

/* Small limits so the fuzzer reaches every "too many / too long" branch quickly. */
static const web_limits fuzz_limits = {
	.max_fields = 40,
	.max_name = 64,
	.max_value = 4096,
	.max_file = 65536,
};

/* Touches every parsed pair so ASan sees any length that points past the allocation. */
static void walk(const web_params *p)
{
	volatile unsigned sum = 0;
	for (int i = 0; i < p->n; i++) {
		const web_param *w = &p->items[i];
		sum += (unsigned)strlen(w->name);
		for (size_t j = 0; j < w->len; j++)
			sum += (unsigned char)w->value[j];
		if (w->value[w->len] != '\0')
			abort(); /* the contract: value is NUL-terminated at len */
		if (w->filename)
			sum += (unsigned)strlen(w->filename);
		if (w->content_type)
			sum += (unsigned)strlen(w->content_type);
		if (web_params_get(p, w->name) == NULL)
			abort(); /* a parsed name must be found again */
	}
	(void)web_params_count(p, "csrf");
}

/* Parses the body after the selector byte with one parser; the copy is exactly sized so an
 * over-read is caught. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	web_params out = {0};
	const char *why = NULL;
	char *copy = NULL, *ctype = NULL;
	if (size < 1)
		return 0;
	unsigned which = data[0] % 4;
	data++;
	size--;
	switch (which) {
	case 0: /* query string or urlencoded body: (pointer, length), no terminator promised */
		copy = fuzz_copy(data, size, 0);
		if (!copy)
			goto out;
		web_parse_urlencoded(copy, size, &fuzz_limits, &out, &why);
		break;
	case 1: { /* multipart: the first line is the boundary parameter, the rest the body */
		const uint8_t *nl = memchr(data, '\n', size);
		size_t blen = nl ? (size_t)(nl - data) : 0;
		if (blen > 100)
			blen = 100;
		ctype = malloc(sizeof("multipart/form-data; boundary=") + blen);
		if (!ctype)
			goto out;
		memcpy(ctype, "multipart/form-data; boundary=", sizeof("multipart/form-data; boundary=") - 1);
		memcpy(ctype + sizeof("multipart/form-data; boundary=") - 1, data, blen);
		ctype[sizeof("multipart/form-data; boundary=") - 1 + blen] = '\0';
		if (memchr(ctype, '\0', sizeof("multipart/form-data; boundary=") - 1 + blen) !=
		    ctype + sizeof("multipart/form-data; boundary=") - 1 + blen)
			goto out; /* a header value never holds NUL */
		size_t skip = nl ? (size_t)(nl - data) + 1 : 0;
		copy = fuzz_copy(data + skip, size - skip, 0);
		if (!copy)
			goto out;
		web_parse_multipart(copy, size - skip, ctype, &fuzz_limits, &out, &why);
		break;
	}
	case 2: /* Cookie header: a C string as the server hands it over */
	case 3: /* the same with the large default limits */
		copy = fuzz_copy(data, size, 1);
		if (!copy)
			goto out;
		if (strlen(copy) != size)
			goto out; /* CGI variables never hold NUL */
		web_parse_cookies(copy, which == 2 ? &fuzz_limits : &web_default_limits, &out, &why);
		break;
	}
	walk(&out);
out:
	web_params_free(&out);
	free(copy);
	free(ctype);
	return 0;
}
