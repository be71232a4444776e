/* SPDX-License-Identifier: MIT */
/* ehframe.h: function bounds from an ELF .eh_frame, which stripped and static binaries keep. */
#ifndef TT_EHFRAME_H
#define TT_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A function's bounds [start, end), virtual addresses. */
struct eh_func {
	uint64_t start, end;
};

/*
 * Reads every FDE of the .eh_frame bytes sec[0..len), loaded at virtual address va, into *out
 * (malloc'd, sorted by start). Returns the count, -ENOENT when there is none, -ENOMEM. Never
 * reads outside sec, whatever the records say (truncated or absurd ones end the walk).
 */
long ehframe_functions(const uint8_t *sec, size_t len, uint64_t va, struct eh_func **out);
/* The function of f[0..n) (sorted) holding va, or NULL. */
const struct eh_func *ehframe_func_at(const struct eh_func *f, long n, uint64_t va);

#ifdef __cplusplus
}
#endif
#endif /* TT_EHFRAME_H */
