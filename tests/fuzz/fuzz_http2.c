// SPDX-License-Identifier: MIT
/*
 * fuzz_http2.c: an HTTP/2 session fed chunks described by the input: byte 0 picks how the
 * session starts; each chunk is a 3-byte header (side, call start, gap; length) and payload.
 * The client preface is put first on the client side so the frame layer is reached at once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "http2.h"
#include "log.h"

static void sink(struct http_exchange *x, void *ctx)
{
	(void)ctx;
	http_exchange__free(x);
}

/* Bytes of a side after what was left unconsumed, as conn keeps them in a direction's tail. */
static void feed(struct h2_session *s, struct tt_buf *b, int side, const uint8_t *p, size_t n,
		 uint64_t ts)
{
	if (tt_buf_add(b, p, n))
		return;
	tt_buf_consume(b, h2_session__feed(s, side, b->data, b->len, ts, 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_opts o = { .max_header_bytes = 512,
			     .max_streams = 4,
			     .max_frame = 16384,
			     .lim = { .max_body = 4096, .max_event = 256, .max_events = 16 } };
	struct tt_buf b[2];
	struct h2_session *s;
	uint64_t ts = 1;
	size_t off = 1, n;

	tt_log_set_level(TT_LOG_ERROR);
	if (!size)
		return 0;
	s = h2_session__new(&o, data[0] & 1 ? H2_START_MIDSTREAM : H2_START_PREFACE, sink, NULL);
	if (!s)
		return 0;
	tt_buf_init(&b[0], size + H2_PREFACE_LEN);
	tt_buf_init(&b[1], size);
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
			tt_buf_reset(&b[side]);
			h2_session__gap(s, side, 1);
		}
		if ((ctl & 4) && !b[side].len)
			h2_session__call_start(s, side);
		feed(s, &b[side], side, data + off, n, ts++);
		off += n;
	}
	h2_session__end(s, ts, data[0] & 2);
	h2_session__free(s);
	tt_buf_free(&b[0]);
	tt_buf_free(&b[1]);
	return 0;
}
