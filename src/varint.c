// SPDX-License-Identifier: MIT
/* varint.c: unsigned LEB128 integers, 7 bits a byte, least significant first. */
#include <errno.h>

#include "varint.h"

size_t varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int varint_get(const uint8_t *buf, size_t n, size_t *pos, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*pos < n && shift < 64) {
		uint8_t c = buf[(*pos)++];

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -EBADMSG;
}
