// SPDX-License-Identifier: MIT
/* test_records.c: what user space reads out of tt_abi.h records: the text of addresses. */
#include <errno.h>
#include <string.h>

#include "records.h"
#include "test.h"

void test_rec_addr(void)
{
	static const uint8_t v4[16] = { 127, 0, 0, 1, 9, 9, 9, 9 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char out[48];

	ASSERT_OK(tt_rec_addr(2, v4, out, sizeof(out)), "IPv4");
	ASSERT_STREQ(out, "127.0.0.1", "four bytes only");
	ASSERT_OK(tt_rec_addr(10, v6, out, sizeof(out)), "IPv6");
	ASSERT_STREQ(out, "2001:db8::1", "IPv6 text");
	ASSERT_OK(tt_rec_addr(0, v6, out, sizeof(out)), "no family");
	ASSERT_STREQ(out, "2001:db8::1", "any other family is read as IPv6");
	ASSERT_EQ(tt_rec_addr(2, v4, out, 4), -ENOSPC, "too small");
	ASSERT_STREQ(out, "", "empty when it does not fit");
}
