// SPDX-License-Identifier: MIT
/*
 * fuzz_ehframe.c: the .eh_frame walk (CIEs, FDEs, pointer encodings) over arbitrary bytes:
 * functions come out sorted, and a lookup answers a function holding the address or none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
	const struct eh_func *hit;
	struct eh_func *f = NULL;
	long n, i;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	n = ehframe_functions(copy, size, 0x400000, &f);
	if (n == 0 || (n < 0 && f) || n > (long)(size / 8))
		abort();
	for (i = 0; i < n; i++) {
		if (i && f[i].start < f[i - 1].start)
			abort();
		/* overlapping records (a crafted file) may hide one: what is found must hold va */
		hit = ehframe_func_at(f, n, f[i].start);
		if (hit && (f[i].start < hit->start || f[i].start >= hit->end))
			abort();
	}
	free(f);
	free(copy);
	return 0;
}
