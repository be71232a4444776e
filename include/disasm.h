/* SPDX-License-Identifier: MIT */
/* disasm.h: the x86-64 instruction facts the Go probes need (capstone, loaded at run time). */
#ifndef TT_DISASM_H
#define TT_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when libcapstone could be loaded (it is optional: only Go targets need it). */
bool disasm_available(void);
/* Why not, when it is not available (a static string). */
const char *disasm_error(void);
/*
 * Decodes code[0..len) (a whole function) and stores the offsets, from code, of its RET
 * instructions in rets[0..max). Returns how many there are, -ENOSYS without capstone, -EBADMSG
 * when the bytes do not decode to the end, -E2BIG when there are more than max.
 */
int disasm_find_rets(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, int max);
/*
 * Go prologue: the offset of the first instruction after the stack-bound check
 * (cmp rsp|reg, [r14+0x10]; jbe morestack), or 0 when the function has none.
 */
int disasm_go_body_offset(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *off);

#ifdef __cplusplus
}
#endif
#endif /* TT_DISASM_H */
