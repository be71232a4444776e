// SPDX-License-Identifier: MIT
/*
 * fuzz_pclntab.c: the Go function table over arbitrary bytes (a header found by search, as in a
 * stripped binary), looked up by the names the Go tier asks for; a function found must have
 * its entry before its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gopclntab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"crypto/tls.(*Conn).Write",
		"crypto/tls.(*Conn).Read",
		"runtime.main",
	};
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
	uint64_t entry, end;
	struct gopcln g;
	long at;
	size_t i;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	at = gopcln_search(copy, size);
	if (at >= 0 && (size_t)at >= size)
		abort();
	if (!gopcln_init(&g, copy, size) || (at >= 0 && !gopcln_init(&g, copy + at, size - at))) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!gopcln_find_func(&g, names[i], &entry, &end) && end <= entry)
				abort();
	}
	free(copy);
	return 0;
}
