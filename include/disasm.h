/* SPDX-License-Identifier: MIT */
/* disasm.h: the x86-64 instruction facts probe placement needs (capstone, loaded at run time). */
#ifndef TT_DISASM_H
#define TT_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when libcapstone could be loaded (optional: Go targets and OpenSSL's internal-function
 * placement need it). */
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

/*
 * 1 when the first instruction of code is one the kernel's uprobe code emulates (push reg,
 * relative call/jmp/jcc, nop) rather than single-steps, 0 when not, -errno on failure.
 */
int disasm_first_emulated(const uint8_t *code, size_t len, uint64_t vaddr);
/*
 * A thin wrapper such as OpenSSL's SSL_write_ex: the target of the first call when only
 * stack adjustments (sub/add rsp, push, endbr64, nop) come before it, so the argument registers
 * reach the callee unchanged; site is the return address of that call. Addresses are in the
 * space of vaddr. -ENOENT when code does not start that way.
 */
int disasm_wrapper_call(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *target,
			uint64_t *site);
/* The return address of the first call to target before the first RET of code, or -ENOENT. */
int disasm_find_call_to(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target,
			uint64_t *site);

#ifdef __cplusplus
}
#endif
#endif /* TT_DISASM_H */
