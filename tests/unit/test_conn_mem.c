// SPDX-License-Identifier: MIT
/* test_conn_mem.c: the connection table's byte budget (decompression bombs, drops, leaks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "coding.h"
#include "conn.h"
#include "exchange_test.h"
#include "h2_test.h"
#include "test.h"

#define PID 4243
/*
 * The bombs decode to 32 MiB under a 256 MiB budget; decoding 64 of them whole takes a
 * minute under the sanitizers, so the test scales both by 1/8 (same arithmetic, same drops).
 * tests/e2e/test_mem_budget.py replays the full-size ones through the tracer and checks its peak RSS.
 */
#define BOMB_ALLOC  (4u * 1024 * 1024)	/* a full body's buffer */
#define BOMB_OUT    (BOMB_ALLOC - 4096) /* decoded size */
#define BOMB_CONNS  64
#define BOMB_BUDGET (8 * BOMB_ALLOC)

/* Counts what the sink gets and frees it at once: bodies are not kept beyond the table. */
struct msink {
	size_t n;
	size_t dropped;	 /* flagged HTTP_X_MEM_DROPPED (and truncated, no body) */
	size_t whole;	 /* the whole decoded body, no flag */
	size_t other;	 /* anything else */
	size_t used_min; /* budget bytes left when the last exchange left */
	const struct conn_table *t;
};

static void msink_fn(struct http_exchange *x, void *ctx)
{
	struct msink *s = ctx;
	uint32_t drop = HTTP_X_MEM_DROPPED | HTTP_X_RESP_TRUNCATED;

	s->n++;
	if ((x->flags & drop) == drop && !x->resp.body && !x->resp.body_len)
		s->dropped++;
	else if (!x->flags && x->resp.body_len == BOMB_OUT)
		s->whole++;
	else
		s->other++;
	http_exchange__free(x);
}

/* gzip of n zero bytes (level 9: a 1000:1 bomb). */
static unsigned char *gzip_zeros(size_t n, size_t *out_len)
{
	static unsigned char zeros[64 * 1024];
	size_t cap = n / 500 + 4096;
	unsigned char *out = malloc(cap);
	z_stream z = { 0 };
	size_t left = n;

	if (!out || deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_out = out;
	z.avail_out = (uInt)cap;
	do {
		size_t k = left < sizeof(zeros) ? left : sizeof(zeros);

		z.next_in = zeros;
		z.avail_in = (uInt)k;
		left -= k;
		deflate(&z, left ? Z_NO_FLUSH : Z_FINISH);
	} while (left || z.avail_out == 0);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static int mfeed(struct conn_table *t, uint64_t conn, int dir, uint64_t pos, const void *p,
		 size_t len, uint64_t ts)
{
	struct tt_data *r = calloc(1, sizeof(*r) + len);
	int err;

	if (!r)
		return -1;
	*r = (struct tt_data){ .h = { .type = TT_REC_DATA, .ts_ns = ts, .pid = PID, .tid = PID },
			       .conn = conn,
			       .pos = pos,
			       .call_len = (uint32_t)len,
			       .len = (uint32_t)len,
			       .dir = (uint8_t)dir,
			       .flags = TT_DF_FIRST | TT_DF_LAST,
			       .fd = 9 };
	memcpy(r->data, p, len);
	err = conn_table__feed(t, r, sizeof(*r) + len);
	free(r);
	return err;
}

/*
 * 64 connections each receive a gzip bomb (~4 KB coded, 1000:1), all but its last byte
 * first: every body is decoded whole while none is complete, 64 bodies held without a budget.
 * With a budget of 8 bodies, seven full ones fit (with their decoders); each later one, at its
 * buffer's last doubling (half a body to a whole one), drops the largest holder (the oldest
 * full body): 57 drops of exactly one body and its decoder each. The accounting never passes
 * the budget and is back to 0 at the end.
 */
void test_conn_mem_bombs(void)
{
	static const char req[] = "GET /bomb HTTP/1.1\r\nHost: h\r\n\r\n";
	struct conn_opts o = { .mem_budget = BOMB_BUDGET };
	struct msink s = { 0 };
	const struct tt_budget *b;
	struct coding_dec *d = coding_dec__new("gzip", BOMB_OUT);
	size_t zlen = 0, hlen, held, i;
	unsigned char *z = gzip_zeros(BOMB_OUT, &zlen);
	char head[160];
	struct conn_table *t = conn_table__new(&o, msink_fn, &s);

	if (!ASSERT_OK_PTR(t, "table") || !ASSERT_OK_PTR(z, "gzip") || !ASSERT_OK_PTR(d, "dec"))
		goto out;
	ASSERT_TRUE(zlen > BOMB_OUT / 1100 && zlen < BOMB_OUT / 500, "a 1000:1 bomb");
	/* one full body: its buffer (the body rounded up to a power of two) and its decoder */
	held = BOMB_ALLOC + coding_dec__state_bytes(d);
	hlen = (size_t)snprintf(head, sizeof(head),
				"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				"Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
				zlen);
	b = conn_table__budget(t);
	ASSERT_EQ(b->limit, BOMB_BUDGET, "limit");
	for (i = 0; i < BOMB_CONNS; i++) {
		mfeed(t, 0x1000 + i, TT_DIR_WRITE, 0, req, sizeof(req) - 1, 1000 + i);
		mfeed(t, 0x1000 + i, TT_DIR_READ, 0, head, hlen, 2000 + i);
		mfeed(t, 0x1000 + i, TT_DIR_READ, hlen, z, zlen - 1, 3000 + i);
		if (!ASSERT_TRUE(b->used <= b->limit, "within the budget"))
			goto out;
	}
	ASSERT_EQ(s.n, 0, "nothing complete yet");
	ASSERT_EQ(b->used, 7 * held, "seven full bodies held");
	for (i = 0; i < BOMB_CONNS; i++)
		mfeed(t, 0x1000 + i, TT_DIR_READ, hlen + zlen - 1, z + zlen - 1, 1, 4000 + i);
	ASSERT_EQ(s.n, BOMB_CONNS, "every exchange delivered");
	ASSERT_EQ(s.dropped, BOMB_CONNS - 7, "dropped ones flagged, without a body");
	ASSERT_EQ(s.whole, 7, "the others whole");
	ASSERT_EQ(s.other, 0, "nothing else");
	ASSERT_EQ(b->drops, BOMB_CONNS - 7, "drops counted");
	ASSERT_EQ(b->dropped_bytes, (BOMB_CONNS - 7) * held, "dropped bytes counted");
	ASSERT_TRUE(b->high <= BOMB_BUDGET, "high-water mark within the budget");
	ASSERT_TRUE(b->high > BOMB_BUDGET - BOMB_ALLOC, "and the budget was used");
	ASSERT_EQ(b->used, 0, "all released once delivered");
	ASSERT_EQ(conn_table__stats(t)->exchanges, BOMB_CONNS, "exchanges");
	conn_table__flush(t);
	ASSERT_EQ(b->used, 0, "nothing held after the flush");
out:
	conn_table__free(t);
	coding_dec__free(d);
	free(z);
}

/* Keeps the flags of what the sink gets, in order. */
struct fsink {
	size_t n;
	uint32_t flags[16];
	size_t req_len[16];
	size_t events[16];
};

static void fsink_fn(struct http_exchange *x, void *ctx)
{
	struct fsink *s = ctx;

	if (s->n < 16) {
		s->flags[s->n] = x->flags & ~HTTP_X_INCOMPLETE;
		s->req_len[s->n] = x->req.body_len;
		s->events[s->n] = x->resp.n_events;
		s->n++;
	}
	http_exchange__free(x);
}

/*
 * Every kind of holder under a small budget: finished request bodies waiting in a pipelined
 * queue (the oldest, largest, go first), an SSE response being read, a partial head in a tail.
 * The drops are flagged on their exchanges; closing everything releases every byte.
 */
void test_conn_mem_holders(void)
{
	struct conn_opts o = { .mem_budget = 256 * 1024 };
	struct fsink s = { 0 };
	struct conn_table *t = conn_table__new(&o, fsink_fn, &s);
	const struct tt_budget *b = conn_table__budget(t);
	static char body[100 * 1024], big_head[30 * 1024], ev[1024];
	char head[128];
	uint64_t pos = 0;
	size_t i, n;

	if (!ASSERT_OK_PTR(t, "table"))
		return;
	memset(body, 'x', sizeof(body));
	/* three pipelined POSTs of 100 KB: each body needs 128 KiB, two cannot wait together */
	n = (size_t)snprintf(head, sizeof(head),
			     "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n",
			     sizeof(body));
	for (i = 0; i < 3; i++) {
		mfeed(t, 0x2001, TT_DIR_WRITE, pos, head, n, 10 + i);
		mfeed(t, 0x2001, TT_DIR_WRITE, pos + n, body, sizeof(body), 10 + i);
		pos += n + sizeof(body);
		ASSERT_TRUE(b->used <= b->limit, "within the budget");
	}
	ASSERT_EQ(b->drops, 2, "the two older request bodies dropped");
	/* a head without its end waits in a tail */
	memcpy(big_head, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 17; i + 512 < sizeof(big_head); i += 512) {
		memset(big_head + i, 'a', 512);
		memcpy(big_head + i, "X-Pad: ", 7);
		memcpy(big_head + i + 510, "\r\n", 2);
	}
	mfeed(t, 0x2002, TT_DIR_WRITE, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, 20);
	mfeed(t, 0x2002, TT_DIR_READ, 0, big_head, i, 21);
	ASSERT_TRUE(b->used <= b->limit, "within the budget");
	/* an SSE response of 150 events of 1 KiB being read */
	mfeed(t, 0x2003, TT_DIR_WRITE, 0, "GET /s HTTP/1.1\r\nHost: h\r\n\r\n", 28, 30);
	n = (size_t)snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
	mfeed(t, 0x2003, TT_DIR_READ, 0, head, n, 31);
	pos = n;
	memset(ev, 'e', sizeof(ev));
	memcpy(ev, "data: ", 6);
	ev[sizeof(ev) - 2] = '\n';
	ev[sizeof(ev) - 1] = '\n';
	for (i = 0; i < 150; i++) {
		mfeed(t, 0x2003, TT_DIR_READ, pos, ev, sizeof(ev), 32 + i);
		pos += sizeof(ev);
		ASSERT_TRUE(b->used <= b->limit, "within the budget");
	}
	/* the events outgrew the room left: the largest holder then was the third request body */
	ASSERT_EQ(b->drops, 3, "the third request body dropped");
	ASSERT_TRUE(b->used > 150 * 1024, "the events and the tail held");
	conn_table__flush(t);
	ASSERT_EQ(b->used, 0, "every byte released");
	ASSERT_TRUE(b->high <= b->limit, "high-water mark within the budget");
	/* the POSTs, in order, all dropped; the tail's exchange; the SSE stream whole */
	ASSERT_EQ(s.n, 5, "exchanges");
	ASSERT_EQ(s.flags[0], HTTP_X_NO_RESPONSE | HTTP_X_REQ_TRUNCATED | HTTP_X_MEM_DROPPED,
		  "first dropped");
	ASSERT_EQ(s.req_len[0], 0, "without its body");
	ASSERT_EQ(s.flags[1], HTTP_X_NO_RESPONSE | HTTP_X_REQ_TRUNCATED | HTTP_X_MEM_DROPPED,
		  "second dropped");
	ASSERT_EQ(s.flags[2], HTTP_X_NO_RESPONSE | HTTP_X_REQ_TRUNCATED | HTTP_X_MEM_DROPPED,
		  "third dropped");
	ASSERT_EQ(s.flags[3], HTTP_X_NO_RESPONSE, "the head never ended");
	ASSERT_EQ(s.flags[4], 0, "the SSE stream kept");
	ASSERT_EQ(s.events[4], 150, "with all its events");
	conn_table__free(t);
}

/*
 * HTTP/2: three streams each finish a 100 KB request body (128 KiB of buffer) and wait for
 * their responses. Under 256 KiB the stream holding the most goes first: the first two are
 * dropped as the next ones grow, the third arrives whole; every byte is released at the end.
 */
void test_conn_mem_h2_streams(void)
{
	struct conn_opts o = { .mem_budget = 256 * 1024 };
	struct fsink s = { 0 };
	struct conn_table *t = conn_table__new(&o, fsink_fn, &s);
	const struct tt_budget *b = conn_table__budget(t);
	static char body[100 * 1024];
	uint64_t pos[2] = { 0, 0 };
	struct h2t h;
	size_t i, k;
	uint32_t id;

	if (!ASSERT_OK_PTR(t, "table"))
		return;
	memset(body, 'y', sizeof(body));
	h2t_start(&h);
	for (id = 1; id <= 5; id += 2) {
		h2t_headers(&h, H2_C2S, id, false, ":method", "POST", ":scheme", "https",
			    ":authority", "h", ":path", "/up");
		for (k = 0; k < sizeof(body); k += 16384)
			h2t_data(&h, H2_C2S, id, k + 16384 >= sizeof(body), body + k,
				 sizeof(body) - k < 16384 ? sizeof(body) - k : 16384);
		h2t_cut(&h);
	}
	for (i = 0; i < h.nseg; i++) {
		const struct h2t_seg *g = &h.seg[i];
		int dir = g->side == H2_C2S ? TT_DIR_WRITE : TT_DIR_READ;

		mfeed(t, 0x3001, dir, pos[dir], h.out[g->side].data + g->off, g->len, g->ts);
		pos[dir] += g->len;
		ASSERT_TRUE(b->used <= b->limit, "within the budget");
	}
	ASSERT_EQ(b->drops, 2, "two request bodies dropped");
	ASSERT_EQ(s.n, 0, "nothing delivered yet");
	conn_table__close(t, PID, 0x3001, h.ts);
	ASSERT_EQ(b->used, 0, "every byte released");
	ASSERT_EQ(s.n, 3, "three exchanges");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(s.flags[i],
			  HTTP_X_NO_RESPONSE | HTTP_X_REQ_TRUNCATED | HTTP_X_MEM_DROPPED,
			  "dropped");
		ASSERT_EQ(s.req_len[i], 0, "without its body");
	}
	ASSERT_EQ(s.flags[2], HTTP_X_NO_RESPONSE, "the last one whole");
	ASSERT_EQ(s.req_len[2], sizeof(body), "with its body");
	h2t_free(&h);
	conn_table__free(t);
}
