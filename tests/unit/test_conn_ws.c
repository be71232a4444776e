// SPDX-License-Identifier: MIT
/*
 * test_conn_ws.c: a connection upgraded to WebSocket (101): the messages of both sides become
 * the events of the upgrade exchange, whatever the records' split; the upgrade request is
 * redacted as any request; lost bytes, bad frames, the event cap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "conn.h"
#include "exchange_test.h"
#include "redact.h"
#include "test.h"
#include "ws_test.h"

#define PID 4343
#define SSL 0x7f00aabbccddull
#define T0  2000000000ull

/* A message compressed by z (permessage-deflate, sync flush, tail removed) as one frame. */
static void put_deflated(struct tt_buf *b, z_stream *z, const char *msg, bool masked)
{
	unsigned char out[4096];

	z->next_in = (Bytef *)msg;
	z->avail_in = (uInt)strlen(msg);
	z->next_out = out;
	z->avail_out = sizeof(out);
	deflate(z, Z_SYNC_FLUSH);
	wt_put_frame(b, true, true, 1, masked, out, sizeof(out) - z->avail_out - 4);
}

#define UPGRADE_REQ                                                                             \
	"GET /v1/realtime?model=gpt-realtime&api_key=sk-proj-abcdefghijklmnopqrstuvwx "         \
	"HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\n"                            \
	"Connection: Upgrade\r\nAuthorization: Bearer sk-proj-abcdefghijklmnopqrstuvwx\r\n"     \
	"OpenAI-Beta: realtime=v1\r\nSec-WebSocket-Protocol: realtime, "                        \
	"openai-insecure-api-key.sk-proj-abcdefghijklmnopqrstuvwx, openai-beta.realtime-v1\r\n" \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                       \
	"Sec-WebSocket-Version: 13\r\n"                                                         \
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
#define UPGRADE_RESP                                                                    \
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"                    \
	"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" \
	"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"

#define EV_CREATED "{\"type\":\"session.created\",\"session\":{\"model\":\"gpt-realtime\"}}"
#define EV_CREATE  "{\"type\":\"response.create\"}"
#define EV_DONE                                                                                    \
	"{\"type\":\"response.done\",\"response\":{\"id\":\"resp_1\",\"usage\":{\"input_tokens\":" \
	"12,\"output_tokens\":5}}}"

/* The calls of one conversation: dir and bytes, in order. */
struct seg {
	int dir;
	struct tt_buf b;
};

struct convo {
	struct seg s[8];
	int n;
};

static struct tt_buf *seg_new(struct convo *cv, int dir)
{
	struct seg *s = &cv->s[cv->n++];

	s->dir = dir;
	tt_buf_init(&s->b, 1 << 20);
	return &s->b;
}

static void convo_free(struct convo *cv)
{
	while (cv->n)
		tt_buf_free(&cv->s[--cv->n].b);
}

/* The client's side of a Realtime session, with permessage-deflate on both sides. */
static void realtime_convo(struct convo *cv)
{
	z_stream zc = { 0 }, zs = { 0 };
	struct tt_buf *b;

	memset(cv, 0, sizeof(*cv));
	deflateInit2(&zc, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	tt_buf_addstr(seg_new(cv, TT_DIR_WRITE), UPGRADE_REQ);
	b = seg_new(cv, TT_DIR_READ);
	tt_buf_addstr(b, UPGRADE_RESP); /* the first message comes in the same read */
	put_deflated(b, &zs, EV_CREATED, false);
	put_deflated(seg_new(cv, TT_DIR_WRITE), &zc, EV_CREATE, true);
	b = seg_new(cv, TT_DIR_READ);
	wt_put_frame(b, true, false, 9, false, "", 0); /* a ping: not an event */
	put_deflated(b, &zs, EV_DONE, false);
	wt_put_frame(seg_new(cv, TT_DIR_WRITE), true, false, 8, true, "\x03\xe8", 2);
	deflateEnd(&zc);
	deflateEnd(&zs);
}

static bool replay(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx)
{
	const struct convo *cv = ctx;
	struct conn_table *t = conn_table__new(NULL, xt_sink_fn, s);
	uint64_t pos[2] = { 0, 0 }, ts = T0;
	bool ok = true;
	int i;

	if (!ASSERT_OK_PTR(t, "table"))
		return false;
	for (i = 0; i < cv->n; i++) {
		const struct seg *g = &cv->s[i];
		struct tt_data call = { .h = { .type = TT_REC_DATA, .pid = PID },
					.conn = SSL,
					.flags = TT_DF_FIRST | TT_DF_LAST,
					.fd = 7 };

		ts += 1000;
		call.h.ts_ns = ts;
		call.h.tid = 300 + g->dir;
		call.pos = pos[g->dir];
		call.call_len = call.len = (uint32_t)g->b.len;
		call.dir = (uint8_t)g->dir;
		ok &= ASSERT_OK(test__split_feed(&call, g->b.data, 0,
						 mode == TEST_SPLIT_OVERLAP ? TEST_SPLIT_RANDOM :
									      mode,
						 &seed, xt_conn_feed, t),
				"feed");
		pos[g->dir] += g->b.len;
	}
	ok &= ASSERT_EQ(s->n, 0, "nothing before the end");
	conn_table__close(t, PID, SSL, ts + 1);
	ok &= ASSERT_EQ(conn_table__stats(t)->parse_errors, 0, "no parse errors");
	ok &= ASSERT_EQ(conn_table__stats(t)->upgrades, 1, "one upgrade");
	conn_table__free(t);
	return ok;
}

void test_conn_ws_realtime(void)
{
	struct convo cv;
	struct xt_sink s;
	const struct http_exchange *x;
	const struct http_message *q, *r;

	realtime_convo(&cv);
	if (!xt_replay_all(replay, &cv, TEST_SPLIT_MODES, 77, 6, &s))
		goto out;
	if (!ASSERT_EQ(s.n, 1, "one exchange"))
		goto out;
	x = s.x[0];
	q = &x->req;
	r = &x->resp;
	ASSERT_EQ(x->status, 101, "status");
	ASSERT_STREQ(x->method, "GET", "method");
	ASSERT_STREQ(x->target, "/v1/realtime?model=gpt-realtime&api_key=REDACTED", "target");
	ASSERT_STREQ(xt_hdr(q, "authorization"), "REDACTED", "authorization");
	ASSERT_STREQ(xt_hdr(q, "openai-beta"), "realtime=v1", "beta header kept");
	/* browsers cannot set Authorization: the key rides in the subprotocol list */
	ASSERT_STREQ(xt_hdr(q, "sec-websocket-protocol"),
		     "realtime, openai-insecure-api-key.REDACTED, openai-beta.realtime-v1",
		     "subprotocol key");
	ASSERT_EQ(q->kind, HTTP_BODY_WS, "request kind");
	ASSERT_EQ(r->kind, HTTP_BODY_WS, "response kind");
	ASSERT_EQ(x->flags, 0, "whole");
	if (ASSERT_EQ(q->n_events, 2, "client messages")) {
		ASSERT_STREQ(q->events[0].event, "text", "text");
		ASSERT_STREQ(q->events[0].data, EV_CREATE, "response.create");
		ASSERT_EQ(q->events[0].ts_ns, T0 + 3000, "its time");
		ASSERT_STREQ(q->events[1].event, "close", "close");
		ASSERT_MEMEQ(q->events[1].data, q->events[1].data_len, "\x03\xe8", 2, "code");
	}
	if (ASSERT_EQ(r->n_events, 2, "server messages")) {
		ASSERT_STREQ(r->events[0].data, EV_CREATED, "session.created");
		ASSERT_EQ(r->events[0].ts_ns, T0 + 2000, "with the 101");
		ASSERT_STREQ(r->events[1].data, EV_DONE, "response.done");
		ASSERT_EQ(r->events[1].ts_ns, T0 + 4000, "its time");
	}
out:
	xt_sink_free(&s);
	convo_free(&cv);
}

/* Feeds the conversation's calls whole, the segment `lose` of them losing its second byte. */
static struct conn_table *feed_all(const struct convo *cv, struct xt_sink *s,
				   const struct conn_opts *o, int lose)
{
	struct conn_table *t = conn_table__new(o, xt_sink_fn, s);
	uint64_t pos[2] = { 0, 0 };
	int i;

	for (i = 0; t && i < cv->n; i++) {
		const struct seg *g = &cv->s[i];
		struct tt_data call = { .h = { .type = TT_REC_DATA, .pid = PID, .ts_ns = T0 + i },
					.conn = SSL,
					.flags = TT_DF_FIRST | TT_DF_LAST,
					.fd = 7 };

		call.pos = pos[g->dir];
		call.call_len = call.len = (uint32_t)g->b.len;
		call.dir = (uint8_t)g->dir;
		if (i == lose) {
			/* the first byte, then the rest from the third: one byte lost */
			call.len = 1;
			call.flags = TT_DF_FIRST;
			test__split_feed(&call, g->b.data, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed,
					 t);
			call.pos += 2;
			call.len = call.call_len - 2;
			call.flags = TT_DF_LAST;
			test__split_feed(&call, g->b.data + 2, 0, TEST_SPLIT_WHOLE, NULL,
					 xt_conn_feed, t);
		} else {
			test__split_feed(&call, g->b.data, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed,
					 t);
		}
		pos[g->dir] += g->b.len;
	}
	return t;
}

/* A lost byte in the server's frames ends that side's messages; the client's go on. */
void test_conn_ws_lost_and_bad(void)
{
	struct convo cv;
	struct xt_sink s = { 0 };
	struct conn_table *t;

	realtime_convo(&cv);
	t = feed_all(&cv, &s, NULL, 3);
	conn_table__close(t, PID, SSL, T0 + 100);
	if (ASSERT_EQ(s.n, 1, "one exchange")) {
		ASSERT_EQ(s.x[0]->flags, HTTP_X_INCOMPLETE, "incomplete");
		ASSERT_EQ(s.x[0]->resp.n_events, 1, "the server's first message only");
		ASSERT_EQ(s.x[0]->req.n_events, 2, "the client's both");
	}
	conn_table__free(t);
	xt_sink_free(&s);

	/* a bad frame (RSV2) from the client: its later messages are not read */
	tt_buf_reset(&cv.s[2].b);
	tt_buf_add(&cv.s[2].b, "\xa1\x80\0\0\0\0", 6);
	memset(&s, 0, sizeof(s));
	t = feed_all(&cv, &s, NULL, -1);
	conn_table__close(t, PID, SSL, T0 + 100);
	ASSERT_EQ(conn_table__stats(t)->parse_errors, 1, "one error");
	if (ASSERT_EQ(s.n, 1, "one exchange")) {
		ASSERT_EQ(s.x[0]->flags, HTTP_X_INCOMPLETE, "incomplete");
		ASSERT_EQ(s.x[0]->req.n_events, 0, "no client message");
		ASSERT_EQ(s.x[0]->resp.n_events, 2, "the server's both");
	}
	conn_table__free(t);
	xt_sink_free(&s);
	convo_free(&cv);
}

/* At the event cap the exchange leaves and a new one with the same head goes on. */
void test_conn_ws_event_cap(void)
{
	struct conn_opts o = { .max_events = 2 };
	struct convo cv;
	struct xt_sink s = { 0 };
	struct conn_table *t;

	realtime_convo(&cv);
	t = feed_all(&cv, &s, &o, -1);
	ASSERT_EQ(s.n, 1, "the first two messages left");
	conn_table__close(t, PID, SSL, T0 + 100);
	if (ASSERT_EQ(s.n, 2, "two exchanges")) {
		ASSERT_EQ(s.x[0]->resp.n_events + s.x[0]->req.n_events, 2, "two in the first");
		ASSERT_EQ(s.x[1]->resp.n_events + s.x[1]->req.n_events, 2, "two in the second");
		ASSERT_STREQ(s.x[1]->target, s.x[0]->target, "the same target");
		ASSERT_STREQ(xt_hdr(&s.x[1]->req, "authorization"), "REDACTED", "the same headers");
		ASSERT_EQ(s.x[1]->status, 101, "the same status");
		ASSERT_EQ(s.x[1]->seq, 1, "next in order");
	}
	conn_table__free(t);
	xt_sink_free(&s);
	convo_free(&cv);
}

/* A credential sent as a WebSocket subprotocol, in the shapes clients use. */
void test_conn_ws_subprotocol_redacted(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "realtime, openai-insecure-api-key.sk-abc, openai-beta.realtime-v1",
		  "realtime, openai-insecure-api-key.REDACTED, openai-beta.realtime-v1" },
		{ "base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRw",
		  "base64url.bearer.REDACTED" },
		{ "access_token.abc.def,chat", "access_token.REDACTED,chat" },
		{ "chat, superchat", "chat, superchat" },
		{ "api-key", "api-key" }, /* a name alone carries nothing */
		{ "", "" },
	};
	unsigned int i;
	char *out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = redact_header_value("Sec-WebSocket-Protocol", 22, cases[i].in,
					  strlen(cases[i].in));
		ASSERT_STREQ(out, cases[i].want, cases[i].in);
		free(out);
	}
}
