// SPDX-License-Identifier: MIT
/*
 * test_ehframe.c: function bounds from .eh_frame records, and records whose lengths and CIE
 * pointers lie: the walk stays inside the section (each case in a guarded copy, so a read past
 * it crashes) and takes nothing from a broken record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"
#include "test.h"

#define SEC_VA 0x600000

/* A CIE (zR, pc-relative sdata4 pointers) then one FDE for [0x401000, 0x401030), terminator. */
struct frame {
	uint8_t b[48];
	size_t len;
	size_t fde; /* offset of the FDE */
};

static void frame(struct frame *f)
{
	static const uint8_t cie[20] = { 16,  0, 0, 0,	  0,  0, 0,    0, 1, 'z',
					 'R', 0, 1, 0x78, 16, 1, 0x1b, 0, 0, 0 };
	int32_t start = (int32_t)(0x401000 - (SEC_VA + 28));
	uint32_t fde[3] = { 13, 24, (uint32_t)start };

	memset(f, 0, sizeof(*f));
	memcpy(f->b, cie, sizeof(cie));
	f->fde = sizeof(cie);
	memcpy(f->b + f->fde, fde, sizeof(fde));
	f->b[f->fde + 12] = 0x30; /* range 0x30, then an empty augmentation */
	f->len = f->fde + 4 + 13 + 4;
}

/* ehframe_functions of f in a guarded copy: the count; *start and *end of the first. */
static long walk(const struct frame *f, uint64_t *start, uint64_t *end)
{
	uint8_t *p = test__guarded(f->b, f->len);
	struct eh_func *fn = NULL;
	long n = ehframe_functions(p, f->len, SEC_VA, &fn);

	*start = *end = 0;
	if (n > 0) {
		*start = fn[0].start;
		*end = fn[0].end;
	}
	free(fn);
	test__guarded_free(p);
	return n;
}

static void put32(struct frame *f, size_t at, uint32_t v)
{
	memcpy(f->b + at, &v, 4);
}

void test_ehframe_bounded(void)
{
	uint64_t start, end;
	struct frame f;

	frame(&f);
	ASSERT_EQ(walk(&f, &start, &end), 1, "one function");
	ASSERT_EQ(start, 0x401000, "start");
	ASSERT_EQ(end, 0x401030, "end");

	frame(&f);
	put32(&f, 0, 0xfffffff0); /* the CIE's length past the end */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "CIE length past the end");
	frame(&f);
	put32(&f, f.fde, 0xfffffff0); /* the FDE's length past the end: the walk ends */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "FDE length past the end");
	frame(&f);
	put32(&f, f.fde + 4, 0x7fffffff); /* CIE pointer before the section */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "CIE pointer out of the section");
	frame(&f);
	put32(&f, f.fde + 4, f.fde + 4 - 2); /* CIE pointer 2 bytes into the CIE: junk CIE */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "CIE pointer into the middle");
	frame(&f);
	put32(&f, f.fde, 4); /* an FDE of its CIE pointer alone */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "FDE too short for its fields");
	frame(&f);
	put32(&f, f.fde, 7); /* the range cut off */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "FDE cut in its range");
	frame(&f);
	memset(f.b + 9, 'S', 11); /* augmentation "zSSSS..." without its NUL in the CIE */
	f.b[9] = 'z';
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "augmentation without end");
	frame(&f);
	f.b[11] = 'P'; /* "zRP": personality encoding 0x00 (8 bytes) past the CIE's end */
	f.b[12] = 0;
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "personality past the CIE");
	frame(&f);
	f.len = f.fde + 9; /* the section ends inside the FDE */
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "section cut in the FDE");
	f.len = 7;
	ASSERT_EQ(walk(&f, &start, &end), -ENOENT, "shorter than a record header");
}
