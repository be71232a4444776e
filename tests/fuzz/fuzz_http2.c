// SPDX-License-Identifier: MIT
/*
 * fuzz_http2.c: an HTTP/2 session fed chunks described by the input: byte 0 picks how the
 * session starts; each chunk is a 3-byte header (side, call start, gap; length) and payload.
 * The client preface is put first on the client side so the frame layer is reached at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http2.h"
#include "log.h"

static void sink(struct http_exchange *x, void *ctx)
{
	(void)ctx;
	http_exchange__free(x);
}

struct side_buf {
	uint8_t *p;
	size_t n;
};

static void feed(struct h2_session *s, struct side_buf *b, int side, const uint8_t *p, size_t n,
		 uint64_t ts)
{
	uint8_t *q = realloc(b->p, b->n + n + 1);
	size_t used;

	if (!q)
		return;
	b->p = q;
	memcpy(b->p + b->n, p, n);
	b->n += n;
	used = h2_session__feed(s, side, b->p, b->n, ts, 1);
	memmove(b->p, b->p + used, b->n - used);
	b->n -= used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_opts o = { .max_header_bytes = 512, .max_streams = 4, .max_frame = 16384,
			     .lim = { .max_body = 4096, .max_event = 256, .max_events = 16 } };
	struct side_buf b[2] = { { 0 } };
	struct h2_session *s;
	uint64_t ts = 1;
	size_t off = 1, n;

	tt_log_set_level(TT_LOG_ERROR);
	if (!size)
		return 0;
	s = h2_session__new(&o, data[0] & 1 ? H2_START_MIDSTREAM : H2_START_PREFACE, sink, NULL);
	if (!s)
		return 0;
	if (!(data[0] & 1))
		feed(s, &b[0], H2_C2S, (const uint8_t *)H2_CLIENT_PREFACE, H2_PREFACE_LEN, ts);
	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		int side = ctl & 1;

		n = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (n > size - off)
			n = size - off;
		if (ctl & 2) {
			b[side].n = 0;
			h2_session__gap(s, side, 1);
		}
		if ((ctl & 4) && !b[side].n)
			h2_session__call_start(s, side);
		feed(s, &b[side], side, data + off, n, ts++);
		off += n;
	}
	h2_session__end(s, ts, data[0] & 2);
	h2_session__free(s);
	free(b[0].p);
	free(b[1].p);
	return 0;
}
