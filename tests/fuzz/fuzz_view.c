// SPDX-License-Identifier: MIT
/*
 * fuzz_view.c: the waterfall page's reader on any OTLP JSON Lines text. Whatever the lines
 * hold, the page's data element must stay one JSON document that nothing in it can end or
 * break out of: no '<', no raw U+2028/U+2029, and it parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "view.h"

#define DATA_OPEN "<script id=\"tt-data\" type=\"application/json\">"

static void check_page(const char *page, size_t len)
{
	const char *p = memmem(page, len, DATA_OPEN, strlen(DATA_OPEN)), *end;
	cJSON *d;

	if (!p)
		__builtin_trap();
	p += strlen(DATA_OPEN);
	end = memmem(p, len - (size_t)(p - page), "</script>", 9);
	if (!end || memchr(p, '<', (size_t)(end - p)) ||
	    memmem(p, (size_t)(end - p), "\xe2\x80\xa8", 3) ||
	    memmem(p, (size_t)(end - p), "\xe2\x80\xa9", 3))
		__builtin_trap();
	d = cJSON_ParseWithLength(p, (size_t)(end - p));
	if (!d)
		__builtin_trap();
	cJSON_Delete(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small caps, so that reaching them is fuzzed too */
	struct view_opts o = { .max_spans = 64, .max_data = 1 << 16 };
	const char *p = (const char *)data, *end = p + size;
	struct view *v = view__new(&o);
	char *page = NULL;
	size_t len = 0;
	FILE *f;

	if (!v)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		view__add_line(v, p, n);
		p += n + 1;
	}
	f = open_memstream(&page, &len);
	if (f) {
		if (!view__write(v, f, "fuzz") && !fclose(f))
			check_page(page, len);
		else
			fclose(f);
		free(page);
	}
	view__free(v);
	return 0;
}
