// SPDX-License-Identifier: MIT
/*
 * fuzz_select.c: --select on any text: an expression checked and matched against an identity
 * made of the same bytes, and any OCI config's CRI-O pod labels.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expr[SELECT_MAX_EXPR + 16], labels[512], sandbox[65], err[128];
	struct select_ident id = { 0 };
	const char *one[1] = { expr };
	struct selection *s;
	size_t n = size < sizeof(expr) - 1 ? size : sizeof(expr) - 1, used, i;
	int ret;

	memcpy(expr, data, n);
	expr[n] = '\0';
	s = selection__new(one, 1, err, sizeof(err));
	if (!s != !!select_check(expr, err, sizeof(err)))
		__builtin_trap(); /* the two agree */
	if (s) {
		/* the expression's own text as every part of the identity */
		id.exe = id.pod_namespace = id.container_name = expr;
		id.labels = expr;
		id.labels_len = strlen(expr) + 1;
		selection__match(s, &id);
		selection__free(s);
	}
	ret = select_parse_crio((const char *)data, size, labels, sizeof(labels), &used, sandbox);
	if (ret < 0)
		return 0;
	if (used > sizeof(labels) || (used && labels[used - 1]) || strnlen(sandbox, 65) > 64)
		__builtin_trap();
	/* every label is KEY=VALUE, NUL-terminated, no control character */
	for (i = 0; i < used; i += strlen(labels + i) + 1) {
		if (!strchr(labels + i, '=') || labels[i] == '=')
			__builtin_trap();
		ret--;
	}
	if (ret)
		__builtin_trap();
	return 0;
}
