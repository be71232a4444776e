// SPDX-License-Identifier: MIT
/* hex.c: hexadecimal digits both ways. */
#include "hex.h"

/* Digit values + 1, 0 for other bytes: a table, as chunk sizes are read digit by digit. */
static const unsigned char digit_tab[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int hex_digit(int c)
{
	return (int)digit_tab[(unsigned char)c] - 1;
}

int hex_byte(const char *s)
{
	int hi = hex_digit(s[0]), lo;

	if (hi < 0)
		return -1;
	lo = hex_digit(s[1]);
	return lo < 0 ? -1 : hi << 4 | lo;
}

void hex_encode(const void *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
