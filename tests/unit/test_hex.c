// SPDX-License-Identifier: MIT
/* test_hex.c: hexadecimal digits both ways. */
#include <stdint.h>

#include "hex.h"
#include "test.h"

void test_hex_encode(void)
{
	static const uint8_t known[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };
	char hex[17];

	hex_encode(known, 8, hex);
	ASSERT_STREQ(hex, "00f067aa0ba902b7", "lowercase hex");
	hex_encode(known, 0, hex);
	ASSERT_STREQ(hex, "", "nothing: just the NUL");
}

void test_hex_decode(void)
{
	static const char all[] = "0123456789abcdefABCDEF";
	unsigned int c, n = 0;

	for (c = 0; c < 256; c++)
		n += hex_digit((int)c) >= 0;
	ASSERT_EQ(n, sizeof(all) - 1, "22 digits, nothing else");
	ASSERT_EQ(hex_digit('f'), 15, "f");
	ASSERT_EQ(hex_digit('F'), 15, "F");
	ASSERT_EQ(hex_digit('9'), 9, "9");
	ASSERT_EQ(hex_digit(0x80 | 'a'), -1, "a byte above ASCII");
	ASSERT_EQ(hex_digit(-1), -1, "EOF");
	ASSERT_EQ(hex_byte("b7"), 0xb7, "byte");
	ASSERT_EQ(hex_byte("Ff"), 0xff, "either case");
	ASSERT_EQ(hex_byte("g0"), -1, "no first digit");
	ASSERT_EQ(hex_byte("0g"), -1, "no second digit");
	ASSERT_EQ(hex_byte(""), -1, "the NUL ends it, the byte after is not read");
}
