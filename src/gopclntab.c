// SPDX-License-Identifier: MIT
/* gopclntab.c: Go function lookup through the pclntab, which survives stripping (Go 1.18+). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "gopclntab.h"

/*
 * Layout (Go 1.18+, runtime/symtab.go pcHeader): magic u32, two zero pad bytes, minLC u8,
 * ptrSize u8, then ptrSize-wide nfunc, nfiles, textStart, funcnameOffset, cuOffset,
 * filetabOffset, pctabOffset, pclnOffset; offsets are from the header. At pclnOffset,
 * the functab: nfunc + 1 pairs {entryOff u32, funcOff u32} sorted by entry, the last one the
 * end of text; at functab + funcOff, a _func starting {entryOff u32, nameOff i32}.
 */
#define GOPCLN_HDR_LEN (8 + 8 * 8)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int gopcln_init(struct gopcln *g, const uint8_t *p, size_t len)
{
	uint32_t magic;

	memset(g, 0, sizeof(*g));
	if (len < GOPCLN_HDR_LEN)
		return -ENOEXEC;
	magic = rd32(p);
	if (magic == 0xfffffffa || magic == 0xfffffffb)
		return -ENOTSUP; /* Go 1.16-1.17 / 1.2-1.15: no register ABI or old layout */
	if ((magic != 0xfffffff0 && magic != 0xfffffff1) || p[4] || p[5] || p[7] != 8 ||
	    (p[6] != 1 && p[6] != 2 && p[6] != 4))
		return -ENOEXEC;
	g->p = p;
	g->len = len;
	g->magic = magic;
	g->nfunc = rd64(p + 8);
	g->text_start = rd64(p + 24);
	g->funcname_off = rd64(p + 32);
	g->functab_off = rd64(p + 64);
	/* nfunc + 1 pairs must fit after functab_off: at least two, or the count would wrap */
	if (g->funcname_off >= len || g->functab_off >= len || len - g->functab_off < 16 ||
	    !g->nfunc || g->nfunc > (len - g->functab_off) / 8 - 1)
		return -ENOEXEC;
	return 0;
}

long gopcln_search(const uint8_t *p, size_t len)
{
	static const uint8_t heads[2][8] = {
		{ 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
		{ 0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
	};
	const uint8_t *q;
	struct gopcln g;
	size_t off;
	int h;

	for (h = 0; h < 2; h++) {
		for (off = 0; off + 8 <= len; off = (size_t)(q - p) + 1) {
			q = memmem(p + off, len - off, heads[h], 8);
			if (!q)
				break;
			off = (size_t)(q - p);
			if ((off & 7) == 0 && !gopcln_init(&g, q, len - off))
				return (long)off;
		}
	}
	return -ENOENT;
}

/*
 * Whether function i is called name (n bytes with its NUL). The comparison is bounded by the
 * table and by name: scanning for the end of every function's name instead would cost the
 * table's length per function when the names are not terminated.
 */
static bool func_is(const struct gopcln *g, uint64_t i, const char *name, size_t n)
{
	const uint8_t *ft = g->p + g->functab_off;
	uint64_t fo = g->functab_off + rd32(ft + i * 8 + 4);
	int32_t noff;
	uint64_t at;

	if (fo > g->len || g->len - fo < 8)
		return false;
	noff = (int32_t)rd32(g->p + fo + 4);
	if (noff < 0)
		return false;
	at = g->funcname_off + (uint64_t)noff;
	return at < g->len && g->len - at >= n && !memcmp(g->p + at, name, n);
}

int gopcln_find_func(const struct gopcln *g, const char *name, uint64_t *entry, uint64_t *end)
{
	const uint8_t *ft = g->p + g->functab_off;
	size_t n = strlen(name) + 1;
	uint64_t i;

	for (i = 0; i < g->nfunc; i++) {
		if (!func_is(g, i, name, n))
			continue;
		*entry = g->text_start + rd32(ft + i * 8);
		*end = g->text_start + rd32(ft + (i + 1) * 8);
		return *end > *entry ? 0 : -EBADMSG;
	}
	return -ENOENT;
}
