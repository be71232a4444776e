// SPDX-License-Identifier: MIT
/* ehframe.c: function bounds from an ELF .eh_frame (CIEs and FDEs), for the anchor tier. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "buf.h"
#include "ehframe.h"
#include "varint.h"

static uint64_t rd_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Steps *p over a LEB128 number (its value is never needed here): false when end cuts it. */
static bool leb_skip(const uint8_t **p, const uint8_t *end)
{
	size_t pos = 0;
	uint64_t v;

	if (*p >= end || varint_get(*p, (size_t)(end - *p), &pos, &v))
		return false;
	*p += pos;
	return true;
}

/* Size in bytes of a DW_EH_PE-encoded value (0 = unsupported). */
static int enc_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case 0x00:
	case 0x04:
	case 0x0c:
		return 8; /* absptr, udata8, sdata8 */
	case 0x02:
	case 0x0a:
		return 2;
	case 0x03:
	case 0x0b:
		return 4;
	default:
		return 0;
	}
}

/* A DW_EH_PE value at p (field vaddr va): absolute or pc-relative; false when unsupported. */
static bool enc_read(uint8_t enc, const uint8_t *p, const uint8_t *end, uint64_t va, uint64_t *v)
{
	int n = enc_size(enc);

	if (!n || n > end - p || (enc & 0x70) > 0x10)
		return false;
	*v = rd_le(p, n);
	if ((enc & 0x0f) == 0x0b && n == 4)
		*v = (uint64_t)(int64_t)(int32_t)*v;
	else if ((enc & 0x0f) == 0x0a)
		*v = (uint64_t)(int64_t)(int16_t)*v;
	if ((enc & 0x70) == 0x10)
		*v += va;
	return true;
}

/* Longest augmentation string read ("zPLR" and the like are what compilers write). */
#define EH_AUG_MAX 8

/*
 * The FDE pointer encoding of the CIE at sec + at (its length field), the section len bytes:
 * -EBADMSG for a record cut short, -ENOTSUP for an augmentation this walk does not know. Each
 * FDE names its CIE, so the work here is bounded (EH_AUG_MAX, LEB128s of at most 10 bytes)
 * whatever the CIE's length says: else every FDE could rescan one huge CIE.
 */
static int cie_fde_enc(const uint8_t *sec, size_t len_sec, size_t at)
{
	const uint8_t *p, *aug, *rec_end, *cie = sec + at;
	uint32_t len = (uint32_t)rd_le(cie, 4);
	uint8_t version, pers;
	int fde_enc = 0; /* absptr when no 'R' */

	if (len == 0xffffffffu || len < 8 || len > len_sec - at - 4)
		return -EBADMSG;
	rec_end = cie + 4 + len;
	p = cie + 8; /* after length and CIE id */
	version = *p++;
	aug = p;
	while (p < rec_end && *p && p - aug < EH_AUG_MAX)
		p++;
	if (p >= rec_end || *p)
		return -EBADMSG;
	p++;
	if (*aug != 'z')
		return aug[0] ? -ENOTSUP : 0;
	/* code alignment, data alignment (an SLEB128: skipped alike) */
	if (!leb_skip(&p, rec_end) || !leb_skip(&p, rec_end))
		return -EBADMSG;
	if (version == 1)
		p++; /* return address register */
	else if (!leb_skip(&p, rec_end))
		return -EBADMSG;
	if (!leb_skip(&p, rec_end)) /* augmentation data length */
		return -EBADMSG;
	for (aug++; *aug && p < rec_end; aug++) {
		if (*aug == 'R') {
			fde_enc = *p++;
		} else if (*aug == 'P') {
			pers = *p++;
			if (!enc_size(pers) || enc_size(pers) > rec_end - p)
				return -ENOTSUP;
			p += enc_size(pers);
		} else if (*aug == 'L') {
			p++;
		} else if (*aug != 'S' && *aug != 'B') {
			return -ENOTSUP;
		}
	}
	return fde_enc;
}

static int func_cmp(const void *a, const void *b)
{
	const struct eh_func *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Appends [start, start + range) to *v (n used, *cap allocated); false when out of memory. */
static bool add_func(struct eh_func **v, size_t *n, size_t *cap, uint64_t start, uint64_t range)
{
	if (tt_ensure_mem((void **)v, cap, sizeof(**v), *n + 1))
		return false;
	(*v)[*n].start = start;
	(*v)[(*n)++].end = start + range;
	return true;
}

long ehframe_functions(const uint8_t *sec, size_t len_sec, uint64_t va, struct eh_func **out)
{
	const uint8_t *rec, *rec_end;
	struct eh_func *v = NULL;
	size_t at, n = 0, cap = 0;
	uint64_t start, range;
	uint32_t len, id;
	int enc;

	*out = NULL;
	/* offsets, not pointers: a record's lengths must never move a pointer out of sec */
	for (at = 0; len_sec - at >= 8; at += 4 + (size_t)len) {
		len = (uint32_t)rd_le(sec + at, 4);
		if (!len)
			break; /* terminator */
		if (len == 0xffffffffu || len > len_sec - at - 4)
			break; /* 64-bit records: not produced for x86-64 */
		rec = sec + at + 4;
		rec_end = rec + len;
		id = (uint32_t)rd_le(rec, 4);
		/* a CIE (id 0), or the CIE pointer (back from the id field) leaves the section */
		if (!id || id > at + 4 || len_sec - (at + 4 - id) < 8 || len < 8)
			continue;
		enc = cie_fde_enc(sec, len_sec, at + 4 - id);
		if (enc < 0 ||
		    !enc_read((uint8_t)enc, rec + 4, rec_end, va + (uint64_t)(at + 8), &start) ||
		    !enc_read((uint8_t)(enc & 0x0f), rec + 4 + enc_size((uint8_t)enc), rec_end, 0,
			      &range))
			continue;
		if (!add_func(&v, &n, &cap, start, range)) {
			free(v);
			return -ENOMEM;
		}
	}
	if (!n) {
		free(v);
		return -ENOENT;
	}
	qsort(v, n, sizeof(*v), func_cmp);
	*out = v;
	return (long)n;
}

/* The function holding vaddr va, or NULL. */
const struct eh_func *ehframe_func_at(const struct eh_func *f, long n, uint64_t va)
{
	long lo = 0, hi = n - 1, mid;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (va < f[mid].start)
			hi = mid - 1;
		else if (va >= f[mid].end)
			lo = mid + 1;
		else
			return &f[mid];
	}
	return NULL;
}
