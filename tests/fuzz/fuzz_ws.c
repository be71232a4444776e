// SPDX-License-Identifier: MIT
/*
 * fuzz_ws.c: WebSocket frames to messages. The first byte picks the extension (bit 0:
 * permessage-deflate, bit 1: no_context_takeover) and a cut point; the rest is fed in two
 * pieces, then again whole with a small message cap.
 */
#include <stdint.h>

#include "ws.h"

static int on_msg(const struct ws_msg *m, void *ctx)
{
	/* the data is NUL-terminated and m->len long: read all of it */
	*(size_t *)ctx += m->len + (m->data[m->len] == '\0');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_deflate dfl;
	struct ws_dec d;
	size_t cut, n = 0;

	if (!size)
		return 0;
	dfl.on = data[0] & 1;
	dfl.no_context_takeover = data[0] & 2;
	cut = 1 + (data[0] >> 2) % size;
	if (cut > size)
		cut = size;
	ws_dec__init(&d, 0, &dfl);
	ws_dec__feed(&d, data + 1, cut - 1, on_msg, &n);
	ws_dec__feed(&d, data + cut, size - cut, on_msg, &n);
	ws_dec__free(&d);
	ws_dec__init(&d, 16, &dfl);
	ws_dec__feed(&d, data + 1, size - 1, on_msg, &n);
	ws_dec__free(&d);
	return 0;
}
