/* SPDX-License-Identifier: MIT */
/* ws_test.h: WebSocket frames made by the tests (test_ws.c, test_conn_ws.c). */
#ifndef TT_WS_TEST_H
#define TT_WS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/* One frame onto b, its length in 7, 16 or 64 bits as RFC 6455 says; masked with a fixed key. */
static inline void wt_put_frame(struct tt_buf *b, bool fin, bool rsv1, int op, bool masked,
				const void *p, size_t n)
{
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	unsigned char h[14];
	size_t k = 0, i;

	h[k++] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | op;
	if (n < 126) {
		h[k++] = (masked ? 0x80 : 0) | (unsigned char)n;
	} else if (n < 65536) {
		h[k++] = (masked ? 0x80 : 0) | 126;
		h[k++] = n >> 8;
		h[k++] = n & 255;
	} else {
		h[k++] = (masked ? 0x80 : 0) | 127;
		for (i = 0; i < 8; i++)
			h[k++] = (uint64_t)n >> (56 - 8 * i);
	}
	if (masked) {
		memcpy(h + k, key, 4);
		k += 4;
	}
	tt_buf_add(b, h, k);
	for (i = 0; i < n; i++) {
		unsigned char c = ((const unsigned char *)p)[i];

		tt_buf_addc(b, (char)(masked ? c ^ key[i & 3] : c));
	}
}

#endif /* TT_WS_TEST_H */
