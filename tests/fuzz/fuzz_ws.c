// SPDX-License-Identifier: MIT
/*
 * fuzz_ws.c: WebSocket frames to messages, and the messages to LLM calls. The first byte picks
 * the extension (bit 0: permessage-deflate, bit 1: no_context_takeover) and a cut point; the
 * rest is fed in two pieces, then again whole with a small message cap; then the bytes before
 * the cut as the client's frames and those after as the server's make a WebSocket exchange
 * for provider_decode_ws (the Realtime API's path).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "genai.h"
#include "provider.h"
#include "ws.h"

static int on_msg(const struct ws_msg *m, void *ctx)
{
	/* the data is NUL-terminated and m->len long: read all of it */
	*(size_t *)ctx += m->len + (m->data[m->len] == '\0');
	return 0;
}

struct side {
	struct http_message *m;
	size_t alloc;
	uint64_t ts;
};

static int on_event(const struct ws_msg *m, void *ctx)
{
	struct side *s = ctx;
	struct http_event *ev;

	if (m->opcode != WS_OP_TEXT && m->opcode != WS_OP_BINARY)
		return 0;
	if (tt_ensure_mem((void **)&s->m->events, &s->alloc, sizeof(*ev), s->m->n_events + 1))
		return -1;
	ev = &s->m->events[s->m->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->event = http_message__store(s->m, "text", 4);
	ev->data = http_message__store(s->m, m->data, m->len);
	ev->data_len = m->len;
	ev->ts_ns = s->ts++ * 2 + (s->alloc & 1);
	return ev->event && ev->data ? 0 : -1;
}

static void on_call(struct genai_call *c, void *ctx)
{
	(void)ctx;
	genai_call__free(c);
}

static void decode(const uint8_t *q, size_t nq, const uint8_t *r, size_t nr,
		   const struct ws_deflate *dfl)
{
	struct http_exchange x = { 0 };
	struct side sq = { &x.req, 0, 0 }, sr = { &x.resp, 0, 0 };
	struct ws_dec d;

	x.target = (char *)"/v1/realtime";
	x.status = 101;
	x.req.kind = x.resp.kind = HTTP_BODY_WS;
	ws_dec__init(&d, 4096, dfl);
	ws_dec__feed(&d, q, nq, on_event, &sq);
	ws_dec__free(&d);
	ws_dec__init(&d, 4096, dfl);
	ws_dec__feed(&d, r, nr, on_event, &sr);
	ws_dec__free(&d);
	provider_decode_ws(&x, NULL, on_call, NULL);
	x.target = NULL;
	http_message__clear(&x.req);
	http_message__clear(&x.resp);
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
	decode(data + 1, cut - 1, data + cut, size - cut, &dfl);
	return 0;
}
