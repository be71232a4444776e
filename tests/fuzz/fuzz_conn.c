// SPDX-License-Identifier: MIT
/*
 * fuzz_conn.c: the connection table fed records described by the input: each record is a
 * 4-byte header (direction and flags, position skew, length) followed by its payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "tt_limits.h"
#include "log.h"

static void sink(struct http_exchange *x, void *ctx)
{
	(void)ctx;
	http_exchange__free(x);
}

static volatile size_t head_bytes;

/* Reads all a head report carries: a report of freed or half-built state shows under ASan. */
static void head(const struct http_exchange *x, void *ctx)
{
	size_t i, n = x->method ? strlen(x->method) : 0;

	n += x->target ? strlen(x->target) : 0;
	n += x->host ? strlen(x->host) : 0;
	for (i = 0; i < x->req.headers.n; i++)
		n += strlen(x->req.headers.v[i].name) + strlen(x->req.headers.v[i].value);
	(void)ctx;
	head_bytes += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn_opts o = {
		.max_header_bytes = 512,
		.max_body = 4096,
		.max_event = 256,
		.max_events = 16,
		.max_pending = 4,
		.max_conns = 2,
		/* two gzip decoders and a few buffers: the budget's drops are reached */
		.mem_budget = 160 * 1024
	};
	const struct tt_budget *b;
	struct conn_table *t = conn_table__new(&o, sink, NULL);
	uint64_t pos[2][2] = { { 0 } }, ts = 1;
	struct tt_data *r;
	size_t off = 0, n;

	tt_log_set_level(TT_LOG_ERROR);
	if (!t)
		return 0;
	conn_table__set_head_sink(t, head);
	while (off + 4 <= size) {
		uint8_t ctl = data[off], skew = data[off + 1];
		int dir = ctl & 1, c = (ctl >> 1) & 1;

		n = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;
		off += 4;
		if (n > size - off)
			n = size - off;
		r = calloc(1, sizeof(*r) + n);
		if (!r)
			break;
		r->h.pid = 1;
		r->h.ts_ns = ts++;
		r->conn = 100 + c;
		/* skew: mostly in order, sometimes a gap, a duplicate or a restart at 0 */
		if (skew >= 0xf0)
			pos[c][dir] += skew & 0x0f;
		else if (skew >= 0xe0 && pos[c][dir] >= (skew & 0x0f))
			pos[c][dir] -= skew & 0x0f;
		else if (skew == 0xdf)
			pos[c][dir] = 0;
		r->pos = pos[c][dir];
		r->len = (uint32_t)n;
		r->call_len = (uint32_t)n + ((ctl & 0x20) ? 7 : 0);
		r->dir = (uint8_t)dir;
		r->flags = (ctl >> 2) & 7;
		r->fd = -1;
		memcpy(r->data, data + off, n);
		conn_table__feed(t, r, sizeof(*r) + n);
		free(r);
		pos[c][dir] += n;
		off += n;
		if (ctl & 0x40)
			conn_table__close(t, 1, 100 + c, ts);
		if (ctl & 0x80)
			conn_table__expire(t, ts + TT_CONN_IDLE_NS);
	}
	conn_table__flush(t);
	/* the accounting: never past the budget, every byte released once all is delivered */
	b = conn_table__budget(t);
	if (b->high > b->limit || b->used)
		abort();
	conn_table__free(t);
	return 0;
}
