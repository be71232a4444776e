// SPDX-License-Identifier: MIT
/*
 * fuzz_redact.c: libFuzzer harness for redaction (redact.h), with its properties asserted:
 * no key shape survives (the detector, re-run on every output, finds nothing), the output is
 * bounded by the input (in place: never longer; text: at most 10x; capped: at most the cap),
 * and valid JSON in is valid JSON out. Every entry point runs on the same input.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

#define MARK_LEN (sizeof(REDACT_MARK) - 1)

static void fail(const char *what, const char *in, size_t n, const char *out)
{
	fprintf(stderr, "fuzz_redact: %s\n  in:  %.*s\n  out: %s\n", what, (int)n, in,
		out ? out : "(null)");
	abort();
}

/* A text output: no key shape, at most 10x the input (every rule adds a mark and quotes). */
static void check_text(const char *what, const char *in, size_t n, const char *out)
{
	if (!out)
		return; /* -ENOMEM */
	if (strlen(out) > n * (MARK_LEN + 4) + 16)
		fail(what, in, n, out);
	if (redact_has_secret(out, strlen(out)))
		fail(what, in, n, out);
}

static void check_argv(const char *s, size_t n)
{
	char *argv[64], *copy = strndup(s, n), *p, *save = NULL;
	size_t argc = 0, i;

	if (!copy)
		return;
	for (p = strtok_r(copy, "\n", &save); p && argc < 64; p = strtok_r(NULL, "\n", &save))
		argv[argc++] = strdup(p);
	if (!redact_argv(argv, argc))
		for (i = 0; i < argc; i++)
			check_text("argv", s, n, argv[i]);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *out, *m;
	size_t n, cap;
	cJSON *j;

	if (!size)
		return 0;
	cap = data[0];
	s = strndup((const char *)data + 1, size - 1); /* texts stop at a NUL */
	if (!s)
		return 0;
	n = strlen(s);
	/* key shapes in place: never longer, none left */
	m = malloc(size);
	if (m) {
		memcpy(m, data + 1, size - 1);
		if (redact_mem(m, size - 1) > size - 1)
			fail("mem grew", s, n, NULL);
		free(m);
	}
	m = strdup(s);
	if (m) {
		redact_str(m);
		check_text("mem", s, n, m);
		free(m);
	}
	out = redact_text(s);
	check_text("text", s, n, out);
	free(out);
	out = redact_text_cap(s, n, cap);
	if (out && strlen(out) > cap)
		fail("text_cap over the cap", s, n, out);
	check_text("text_cap", s, n, out);
	free(out);
	out = redact_target(s, n);
	check_text("target", s, n, out);
	free(out);
	out = redact_url("https", "h", s);
	check_text("url", s, n, out);
	free(out);
	check_argv(s, n);
	/* JSON: valid stays valid, whatever the strings hold */
	out = redact_json(s, n);
	check_text("json", s, n, out);
	/* whole texts only: cJSON otherwise takes "false..." as false and stops */
	j = cJSON_ParseWithLengthOpts(s, n, NULL, true);
	if (j && out) {
		cJSON *o = cJSON_ParseWithLengthOpts(out, strlen(out), NULL, true);

		if (!o)
			fail("valid JSON in, invalid out", s, n, out);
		cJSON_Delete(o);
	}
	cJSON_Delete(j);
	free(out);
	out = redact_content_cap(s, n, cap);
	if (out && strlen(out) > cap)
		fail("content_cap over the cap", s, n, out);
	free(out);
	free(s);
	return 0;
}
