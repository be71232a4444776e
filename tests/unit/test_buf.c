// SPDX-License-Identifier: MIT
/* test_buf.c: the capped byte buffer and the growable-array helper. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "test.h"

void test_buf_cap(void)
{
	struct tt_buf b;

	tt_buf_init(&b, 10);
	ASSERT_OK(tt_buf_add(&b, "0123456789", 10), "fill to the cap");
	ASSERT_EQ(tt_buf_add(&b, "x", 1), -E2BIG, "one byte over the cap");
	ASSERT_EQ(b.len, 10, "nothing appended");
	tt_buf_consume(&b, 4);
	ASSERT_EQ(tt_buf_add_upto(&b, "abcdefgh", 8), 4, "upto fills what is left");
	ASSERT_STREQ(tt_buf_cstr(&b), "456789abcd", "content");
	tt_buf_free(&b);
}

void test_ensure_mem(void)
{
	uint32_t *v = NULL;
	size_t cap = 0, i;

	ASSERT_OK(tt_ensure_mem((void **)&v, &cap, sizeof(*v), 0), "nothing needed");
	ASSERT_EQ(cap, 0, "no room made for nothing");
	for (i = 0; i < 1000; i++) {
		if (!ASSERT_OK(tt_ensure_mem((void **)&v, &cap, sizeof(*v), i + 1), "grow"))
			break;
		v[i] = (uint32_t)i;
	}
	ASSERT_EQ(cap, 1024, "doubled from 8");
	ASSERT_EQ(v[999], 999, "kept the elements");
	ASSERT_EQ(tt_ensure_mem((void **)&v, &cap, SIZE_MAX / 4, 5000), -ENOMEM, "overflow");
	ASSERT_EQ(cap, 1024, "cap unchanged on failure");
	ASSERT_EQ(tt_ensure_mem((void **)&v, &cap, 1, SIZE_MAX), -ENOMEM, "count overflow");
	ASSERT_EQ(v[500], 500, "array unchanged on failure");
	free(v);
}
