// SPDX-License-Identifier: MIT
/*
 * fuzz_disasm.c: the instruction facts probe placement takes from a function's bytes (RETs, the
 * Go prologue, the first instruction, a wrapper's call) over arbitrary bytes: every offset and
 * call site they give lies inside the bytes given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"

#define VADDR 0x401000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
	uint64_t rets[32], off, target, site;
	int n, i;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	n = disasm_find_rets(copy, size, VADDR, rets, 32);
	if (n > 32 || (n < 0 && n != -ENOSYS && n != -EBADMSG && n != -E2BIG && n != -ENOMEM))
		abort();
	for (i = 0; i < n; i++)
		if (rets[i] >= size)
			abort();
	if (!disasm_go_body_offset(copy, size, VADDR, &off) && off > size)
		abort();
	n = disasm_first_emulated(copy, size, VADDR);
	if (n > 1)
		abort();
	if (!disasm_wrapper_call(copy, size, VADDR, &target, &site) &&
	    (site <= VADDR || site > VADDR + size))
		abort();
	if (!disasm_find_call_to(copy, size, VADDR, VADDR, &site) &&
	    (site <= VADDR || site > VADDR + size))
		abort();
	free(copy);
	return 0;
}
