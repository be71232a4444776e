/* SPDX-License-Identifier: MIT */
/* gopclntab.h: Go function lookup through the pclntab, which survives stripping (Go 1.18+). */
#ifndef TT_GOPCLNTAB_H
#define TT_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A validated pclntab in memory; the bytes stay owned by the caller. */
struct gopcln {
	const uint8_t *p;
	size_t len;
	uint32_t magic; /* 0xfffffff0 (Go 1.18-1.19), 0xfffffff1 (Go 1.20+) */
	uint64_t nfunc;
	uint64_t text_start; /* runtime.text: function entries are relative to it */
	uint64_t funcname_off;
	uint64_t functab_off;
};

/* Checks the header of the pclntab at p; 0, -ENOEXEC (not a pclntab), -ENOTSUP (older Go). */
int gopcln_init(struct gopcln *g, const uint8_t *p, size_t len);
/* Finds a pclntab header in a buffer (for binaries whose section headers are gone): returns
 * the offset or -ENOENT. */
long gopcln_search(const uint8_t *p, size_t len);
/* Virtual addresses [entry, end) of the function named name: 0 or -ENOENT / -EBADMSG. */
int gopcln_find_func(const struct gopcln *g, const char *name, uint64_t *entry, uint64_t *end);

#ifdef __cplusplus
}
#endif
#endif /* TT_GOPCLNTAB_H */
