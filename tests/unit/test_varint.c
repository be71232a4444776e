// SPDX-License-Identifier: MIT
/* test_varint.c: LEB128 integers both ways, and the inputs that cut or overrun them. */
#include <errno.h>
#include <stdint.h>

#include "test.h"
#include "varint.h"

void test_varint_round_trip(void)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX };
	uint8_t buf[VARINT_MAX];
	size_t i, n, pos;
	uint64_t v;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = varint_put(buf, vals[i]);
		pos = 0;
		ASSERT_OK(varint_get(buf, n, &pos, &v), "read back");
		ASSERT_EQ(v, vals[i], "value");
		ASSERT_EQ(pos, n, "all bytes used");
		pos = 0;
		ASSERT_EQ(varint_get(buf, n - 1, &pos, &v), -EBADMSG, "one byte short");
	}
	ASSERT_EQ(varint_put(buf, 300), 2, "300 takes two bytes");
	ASSERT_EQ(buf[0], 0xac, "low seven bits first, continued");
	ASSERT_EQ(buf[1], 0x02, "then the rest");
	ASSERT_EQ(varint_put(buf, UINT64_MAX), VARINT_MAX, "64 bits take ten");
}

void test_varint_overrun(void)
{
	static const uint8_t eleven[11] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x80, 0x80, 0x01 };
	size_t pos = 0;
	uint64_t v;

	ASSERT_EQ(varint_get(eleven, sizeof(eleven), &pos, &v), -EBADMSG, "past ten bytes");
	pos = 3;
	ASSERT_EQ(varint_get(eleven, 3, &pos, &v), -EBADMSG, "nothing left at pos");
}
