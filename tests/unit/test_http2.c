// SPDX-License-Identifier: MIT
/* test_http2.c: HTTP/2 frame layer and session: frames built here, fed whole, by byte, split. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "h2_test.h"
#include "http2.h"
#include "test.h"
#include "tt_abi.h"

#define JSON_RESP "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":5}}"

/* ---- replaying a conversation into a session, the way conn feeds it ---- */

struct run {
	struct h2_session *s;
	struct tt_buf tail[2];
};

/* One record of a call: to the session after what waits in its side's tail, from a guard page. */
static int run_feed(const struct tt_data *rec, size_t size, void *ctx)
{
	struct run *r = ctx;
	struct tt_buf *t = &r->tail[rec->dir];
	uint8_t *g;
	size_t used;

	if ((rec->flags & TT_DF_FIRST) && !t->len)
		h2_session__call_start(r->s, rec->dir);
	if (!t->len) {
		g = test__guarded(rec->data, rec->len);
		used = h2_session__feed(r->s, rec->dir, g, rec->len, rec->h.ts_ns, 100 + rec->dir);
		tt_buf_add(t, g + used, rec->len - used);
		test__guarded_free(g);
		return 0;
	}
	tt_buf_add(t, rec->data, rec->len);
	g = test__guarded(t->data, t->len);
	used = h2_session__feed(r->s, rec->dir, g, t->len, rec->h.ts_ns, 100 + rec->dir);
	test__guarded_free(g);
	tt_buf_consume(t, used);
	return 0;
}

struct replay_opts {
	struct h2_opts o;
	enum h2_start start;
	size_t from_seg; /* segments before it happened before tracing began */
	long lose_seg;	 /* this segment is lost (a gap), -1 none */
	bool no_end;	 /* leave the session open */
};

struct replay {
	const struct h2t *b;
	const struct replay_opts *ro; /* NULL: defaults */
	struct h2_stats *st;	      /* counters of the whole run */
};

/* One replay (xt_replay_fn): each segment a call (sides as the session's), cut as mode says. */
static bool replay(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx)
{
	const struct replay *rp = ctx;
	const struct replay_opts *ro = rp->ro;
	const struct h2t *b = rp->b;
	struct h2_opts o = ro ? ro->o : (struct h2_opts){ 0 };
	struct h2_stats st = { 0 };
	struct run r = { 0 };
	size_t i;

	o.stats = &st;
	r.s = h2_session__new(&o, ro ? ro->start : H2_START_PREFACE, xt_sink_fn, s);
	if (!ASSERT_OK_PTR(r.s, "session"))
		return false;
	tt_buf_init(&r.tail[0], 1 << 24);
	tt_buf_init(&r.tail[1], 1 << 24);
	for (i = ro ? ro->from_seg : 0; i < b->nseg; i++) {
		const struct h2t_seg *g = &b->seg[i];
		const uint8_t *data = b->out[g->side].data + g->off;
		struct tt_data call = { .h.ts_ns = g->ts,
					.pos = g->off,
					.len = (uint32_t)g->len,
					.dir = (uint8_t)g->side,
					.flags = TT_DF_FIRST | TT_DF_LAST };

		if (ro && ro->lose_seg == (long)i) {
			tt_buf_reset(&r.tail[g->side]);
			h2_session__gap(r.s, g->side, g->len);
			continue;
		}
		test__split_feed(&call, data, 0, mode, &seed, run_feed, &r);
	}
	if (!ro || !ro->no_end)
		h2_session__end(r.s, b->ts, true);
	h2_session__free(r.s);
	tt_buf_free(&r.tail[0]);
	tt_buf_free(&r.tail[1]);
	if (mode == TEST_SPLIT_WHOLE)
		*rp->st = st;
	return true;
}

/* A conversation, and what its whole replay delivered and counted. */
struct h2case {
	struct h2t b;
	struct xt_sink s;
	struct h2_stats st;
};

/* A new conversation past its prefaces (h2t_start). */
static void h2case_start(struct h2case *c)
{
	memset(c, 0, sizeof(*c));
	h2t_start(&c->b);
}

static void h2case_free(struct h2case *c)
{
	xt_sink_free(&c->s);
	h2t_free(&c->b);
}

/* Replays whole, by byte and at 8 random splits: each must render the same. */
static bool replay_all(struct h2case *c, const struct replay_opts *ro)
{
	struct replay rp = { .b = &c->b, .ro = ro, .st = &c->st };

	return xt_replay_all(replay, &rp, TEST_SPLIT_OVERLAP, 77, 8, &c->s);
}

#define REQ_HDRS(path)                                                                        \
	":method", "POST", ":scheme", "https", ":authority", "api.openai.com", ":path", path, \
		"content-type", "application/json"

/* n requests without a body, on streams 1, 3, ... (paths /1, /3, ...); the server's turn next. */
static void requests(struct h2t *b, uint32_t n)
{
	char path[16];
	uint32_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/%u", 2 * i + 1);
		h2t_headers(b, H2_C2S, 2 * i + 1, true, REQ_HDRS(path));
	}
	h2t_cut(b);
}

/* ---- frame layer ---- */

void test_http2_frame_header(void)
{
	static const uint8_t p[] = { 0x00, 0x01, 0x02, H2_HEADERS, 0x25, 0x80, 0, 0, 3 };
	struct h2_frame_hdr f;
	uint8_t *g = test__guarded(p, sizeof(p));

	ASSERT_EQ(h2_parse_frame_header(g, 8, &f), TT_NEED_MORE, "short");
	if (ASSERT_EQ(h2_parse_frame_header(g, 9, &f), 9, "parsed")) {
		ASSERT_EQ(f.len, 258, "len");
		ASSERT_EQ(f.type, H2_HEADERS, "type");
		ASSERT_EQ(f.flags, 0x25, "flags");
		ASSERT_EQ(f.stream, 3, "reserved bit ignored");
	}
	test__guarded_free(g);
}

void test_http2_frame_malformed(void)
{
	static const struct {
		const char *name;
		struct h2_frame_hdr f;
		const char *payload;
		int check; /* h2_frame_check */
		int frag;  /* h2_frame_fragment */
	} cases[] = {
		{ "ping 7", { 7, H2_PING, 0, 0 }, "1234567", -EBADMSG, 0 },
		{ "ping on a stream", { 8, H2_PING, 0, 1 }, "12345678", -EBADMSG, 0 },
		{ "settings 5", { 5, H2_SETTINGS, 0, 0 }, "12345", -EBADMSG, 0 },
		{ "settings ack with payload",
		  { 6, H2_SETTINGS, H2_F_ACK, 0 },
		  "123456",
		  -EBADMSG,
		  0 },
		{ "rst on stream 0", { 4, H2_RST_STREAM, 0, 0 }, "1234", -EBADMSG, 0 },
		{ "rst 5", { 5, H2_RST_STREAM, 0, 1 }, "12345", -EBADMSG, 0 },
		{ "headers on stream 0", { 1, H2_HEADERS, 0, 0 }, "\x82", -EBADMSG, 0 },
		{ "data on stream 0", { 1, H2_DATA, 0, 0 }, "x", -EBADMSG, 0 },
		{ "window update 3", { 3, H2_WINDOW_UPDATE, 0, 0 }, "123", -EBADMSG, 0 },
		{ "goaway 7", { 7, H2_GOAWAY, 0, 0 }, "1234567", -EBADMSG, 0 },
		{ "priority 4", { 4, H2_PRIORITY, 0, 1 }, "1234", -EBADMSG, 0 },
		{ "over max", { 100, H2_DATA, 0, 1 }, NULL, -E2BIG, 0 },
		{ "unknown type", { 3, 0xfa, 0xff, 0 }, "abc", 0, 0 },
		{ "data pad too long", { 3, H2_DATA, H2_F_PADDED, 1 }, "\x03xy", 0, -EBADMSG },
		{ "data pad = rest", { 3, H2_DATA, H2_F_PADDED, 1 }, "\x02xy", 0, 0 },
		{ "data padded empty", { 0, H2_DATA, H2_F_PADDED, 1 }, "", 0, -EBADMSG },
		{ "headers prio short", { 4, H2_HEADERS, H2_F_PRIORITY, 1 }, "1234", 0, -EBADMSG },
		{ "push promise short", { 3, H2_PUSH_PROMISE, 0, 1 }, "123", 0, -EBADMSG },
	};
	const uint8_t *frag;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *g;

		if (!test__start_subtest(cases[i].name))
			continue;
		ASSERT_EQ(h2_frame_check(&cases[i].f, 64), cases[i].check, "check");
		if (!cases[i].payload)
			continue;
		g = test__guarded(cases[i].payload, cases[i].f.len);
		ASSERT_EQ(h2_frame_fragment(&cases[i].f, g, &frag, &n), cases[i].frag, "fragment");
		test__guarded_free(g);
	}
}

void test_http2_frame_fragment(void)
{
	static const uint8_t hp[] = { 2, 0, 0, 0, 0, 16, 'a', 'b', 'c', 0, 0 };
	struct h2_frame_hdr f = { sizeof(hp), H2_HEADERS, H2_F_PADDED | H2_F_PRIORITY, 1 };
	const uint8_t *frag;
	uint8_t *g = test__guarded(hp, sizeof(hp));
	size_t n;

	if (ASSERT_OK(h2_frame_fragment(&f, g, &frag, &n), "padded + priority"))
		ASSERT_MEMEQ(frag, n, "abc", 3, "block fragment");
	test__guarded_free(g);
}

void test_http2_sniff(void)
{
	static const uint8_t settings[] = { 0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100 };
	static const uint8_t headers[] = { 0, 0, 1, 1, 5, 0, 0, 0, 5, 0x82, 0, 0,
					   4, 8, 0, 0, 0, 0, 0, 0, 0, 1,    0 };
	static const uint8_t bad2[] = { 0,    0, 1, 1, 5, 0, 0, 0, 5, 0x82,
					0x7f, 0, 4, 8, 0, 0, 0, 0, 0 };
	static const uint8_t tls[] = { 0x16, 3, 1, 0, 0xa5, 1, 0, 0, 0xa1 };
	static const uint8_t ack[] = { 0, 0, 0, 4, 1, 0, 0, 0, 0 };
	static const uint8_t big[] = { 0, 0x40, 1, 0, 0, 0, 0, 0, 1 };

	ASSERT_EQ(h2_sniff(settings, 8), H2_SNIFF_MORE, "short");
	ASSERT_EQ(h2_sniff(settings, sizeof(settings)), H2_SNIFF_SERVER_PREFACE, "settings");
	ASSERT_EQ(h2_sniff(ack, sizeof(ack)), H2_SNIFF_FRAMES, "settings ack");
	ASSERT_EQ(h2_sniff(headers, sizeof(headers)), H2_SNIFF_FRAMES, "headers, window update");
	ASSERT_EQ(h2_sniff(bad2, sizeof(bad2)), H2_SNIFF_NO, "second header implausible");
	ASSERT_EQ(h2_sniff(tls, sizeof(tls)), H2_SNIFF_NO, "tls record");
	ASSERT_EQ(h2_sniff((const uint8_t *)"GET / HTTP/1.1\r\n", 16), H2_SNIFF_NO, "http/1");
	ASSERT_EQ(h2_sniff(big, sizeof(big)), H2_SNIFF_NO, "over the default frame size");
}

/* ---- sessions ---- */

/* A request in HEADERS + CONTINUATIONs with padding and priority, padded DATA, a JSON answer. */
void test_http2_request_continuation(void)
{
	static const char body[] = "{\"model\":\"gpt-4o\",\"messages\":[]}";
	struct h2t_hopts ho = { .frag = 7, .pad = 5, .prio = true };
	uint8_t pd[64];
	struct h2case c;
	struct http_exchange *x;

	h2case_start(&c);
	h2t_headers_o(&c.b, H2_C2S, 1, false, &ho,
		      (const char *const[]){
			      REQ_HDRS("/v1/chat/completions?key=sk-test-0123456789abcdef&x=1"),
			      "authorization", "Bearer sk-test-0123456789abcdef", "user-agent",
			      "test/1.0", "cookie", "a=b", NULL });
	/* padded DATA: pad length 3 */
	pd[0] = 3;
	memcpy(pd + 1, body, strlen(body));
	memset(pd + 1 + strlen(body), 0, 3);
	h2t_frame(&c.b, H2_C2S, H2_DATA, H2_F_PADDED | H2_F_END_STREAM, 1, pd, strlen(body) + 4);
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "application/json",
		    "set-cookie", "s=1");
	h2t_cut(&c.b);
	h2t_datas(&c.b, H2_S2C, 1, false, "{\"id\":\"chatcmpl-1\",");
	h2t_cut(&c.b);
	h2t_datas(&c.b, H2_S2C, 1, true, JSON_RESP + 19);

	if (!replay_all(&c, NULL) || !ASSERT_EQ(c.s.n, 1, "exchanges"))
		goto out;
	x = c.s.x[0];
	ASSERT_STREQ(x->method, "POST", "method");
	ASSERT_STREQ(x->target, "/v1/chat/completions?key=REDACTED&x=1", "target redacted");
	ASSERT_STREQ(x->host, "api.openai.com", "host from :authority");
	ASSERT_STREQ(xt_hdr(&x->req, "authorization"), "REDACTED", "authorization");
	ASSERT_STREQ(xt_hdr(&x->req, "cookie"), "REDACTED", "cookie");
	ASSERT_STREQ(xt_hdr(&x->req, "user-agent"), "test/1.0", "user agent");
	ASSERT_STREQ(xt_hdr(&x->req, ":path"), "(none)", "pseudo-fields are not headers");
	xt_plain_body_is(&x->req, body, "request body without padding");
	ASSERT_EQ(x->status, 200, "status");
	ASSERT_NULL(x->reason, "no reason phrase in HTTP/2");
	ASSERT_STREQ(xt_hdr(&x->resp, "set-cookie"), "REDACTED", "set-cookie");
	xt_plain_body_is(&x->resp, JSON_RESP, "response body");
	ASSERT_EQ(x->flags, 0, "complete");
	ASSERT_EQ(x->seq, 0, "seq");
	ASSERT_EQ(x->tid, 100, "tid of the client side");
	/* segments 0-2: prefaces and SETTINGS */
	ASSERT_EQ(x->req.start_ns, c.b.seg[3].ts, "request starts with its HEADERS");
	ASSERT_EQ(x->resp.start_ns, c.b.seg[4].ts, "response head time");
	ASSERT_EQ(x->resp.first_body_ns, c.b.seg[5].ts, "first body byte");
	ASSERT_EQ(x->resp.end_ns, c.b.seg[6].ts, "END_STREAM time");
	ASSERT_EQ(x->req.wire_bytes, c.b.seg[3].len, "request wire bytes: all its frames");
	ASSERT_EQ(x->resp.wire_bytes, c.b.seg[4].len + c.b.seg[5].len + c.b.seg[6].len,
		  "response wire bytes");
	ASSERT_EQ(c.st.streams, 1, "streams");
	ASSERT_EQ(c.st.protocol_errors + c.st.hpack_errors + c.st.caps_hit, 0, "no errors");
out:
	h2case_free(&c);
}

static void sse_event(struct h2t *b, uint32_t stream, const char *text, bool end)
{
	char ev[256];

	snprintf(ev, sizeof(ev), "data: {\"choices\":[{\"delta\":{\"content\":\"%s\"}}]}\n\n",
		 text);
	h2t_cut(b);
	h2t_datas(b, H2_S2C, stream, false, ev);
	if (end) {
		h2t_datas(b, H2_S2C, stream, false, "data: [DONE]\n");
		h2t_cut(b);
		h2t_datas(b, H2_S2C, stream, true, "\n");
	}
}

/* Two streams at once, answers interleaved: each is whole; delivered as they end. */
void test_http2_interleaved_sse(void)
{
	struct h2case c;
	size_t i;

	h2case_start(&c);
	h2t_headers(&c.b, H2_C2S, 1, false, REQ_HDRS("/v1/a"));
	h2t_datas(&c.b, H2_C2S, 1, true, "{\"stream\":true,\"n\":1}");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 3, false, REQ_HDRS("/v1/b"));
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "text/event-stream");
	h2t_cut(&c.b);
	h2t_datas(&c.b, H2_C2S, 3, true, "{\"stream\":true,\"n\":3}");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 3, false, ":status", "200", "content-type", "text/event-stream");
	sse_event(&c.b, 1, "Hel", false);
	sse_event(&c.b, 3, "Bon", false);
	sse_event(&c.b, 1, "lo", false);
	sse_event(&c.b, 3, "jour", true);
	sse_event(&c.b, 1, "!", true);

	if (!replay_all(&c, NULL) || !ASSERT_EQ(c.s.n, 2, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/v1/b", "stream 3 ended first");
	ASSERT_EQ(c.s.x[0]->seq, 1, "seq in request order");
	ASSERT_STREQ(c.s.x[1]->target, "/v1/a", "then stream 1");
	ASSERT_EQ(c.s.x[1]->seq, 0, "seq 0");
	for (i = 0; i < 2; i++) {
		const struct http_message *m = &c.s.x[i]->resp;
		size_t n = i ? 4 : 3;

		ASSERT_EQ(c.s.x[i]->flags, 0, "complete");
		if (!ASSERT_EQ(m->kind, HTTP_BODY_SSE, "sse") ||
		    !ASSERT_EQ(m->n_events, n, "events"))
			continue;
		ASSERT_STREQ(m->events[n - 1].data, "[DONE]", "last event");
		ASSERT_TRUE(m->events[1].ts_ns > m->events[0].ts_ns, "event times");
		ASSERT_TRUE(m->end_ns >= m->events[n - 1].ts_ns, "end after the last event");
	}
	ASSERT_STREQ(c.s.x[1]->resp.events[1].data,
		     "{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}", "stream 1 event 1");
	ASSERT_STREQ(c.s.x[0]->resp.events[0].data,
		     "{\"choices\":[{\"delta\":{\"content\":\"Bon\"}}]}", "stream 3 event 0");
	ASSERT_EQ(c.st.streams, 2, "streams");
out:
	h2case_free(&c);
}

void test_http2_gzip(void)
{
	uint8_t gz[256];
	size_t n = test__deflate(JSON_RESP, strlen(JSON_RESP), gz, sizeof(gz), 9, 31);
	struct h2case c;

	h2case_start(&c);
	h2t_headers(&c.b, H2_C2S, 1, true, ":method", "GET", ":scheme", "https", ":authority", "h",
		    ":path", "/gz", "accept-encoding", "gzip");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "application/json",
		    "content-encoding", "gzip");
	h2t_data(&c.b, H2_S2C, 1, false, gz, n / 2);
	h2t_cut(&c.b);
	h2t_data(&c.b, H2_S2C, 1, false, gz + n / 2, n - n / 2);
	h2t_data(&c.b, H2_S2C, 1, true, NULL, 0);
	if (replay_all(&c, NULL) && ASSERT_EQ(c.s.n, 1, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->req.kind, HTTP_BODY_NONE, "no request body");
		xt_plain_body_is(&c.s.x[0]->resp, JSON_RESP, "gunzipped");
		ASSERT_STREQ(xt_hdr(&c.s.x[0]->resp, "content-encoding"), "gzip", "coding kept");
		ASSERT_EQ(c.s.x[0]->flags, 0, "flags");
	}
	h2case_free(&c);
}

/* RST_STREAM: mid-response, before a response, and NO_ERROR after an early answer. */
void test_http2_rst_stream(void)
{
	struct h2case c;

	h2case_start(&c);
	h2t_headers(&c.b, H2_C2S, 1, true, REQ_HDRS("/1"));
	h2t_headers(&c.b, H2_C2S, 3, true, REQ_HDRS("/3"));
	h2t_headers(&c.b, H2_C2S, 5, false, REQ_HDRS("/5"));
	h2t_datas(&c.b, H2_C2S, 5, false, "{\"part\":");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "text/event-stream");
	h2t_datas(&c.b, H2_S2C, 1, false, "data: 1\n\n");
	h2t_rst(&c.b, H2_S2C, 3, 7); /* REFUSED_STREAM */
	h2t_headers(&c.b, H2_S2C, 5, true, ":status", "413");
	h2t_rst(&c.b, H2_S2C, 5, 0); /* NO_ERROR: the request body is not needed */
	h2t_cut(&c.b);
	h2t_rst(&c.b, H2_C2S, 1, 8); /* CANCEL by the client */
	if (!replay_all(&c, NULL) || !ASSERT_EQ(c.s.n, 3, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/3", "refused first");
	ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, "refused");
	ASSERT_STREQ(c.s.x[1]->target, "/5", "early answer");
	ASSERT_EQ(c.s.x[1]->status, 413, "its status");
	ASSERT_EQ(c.s.x[1]->flags, 0, "answered: complete");
	ASSERT_STREQ(c.s.x[2]->target, "/1", "cancelled");
	ASSERT_EQ(c.s.x[2]->flags, HTTP_X_INCOMPLETE, "cut short");
	ASSERT_EQ(c.s.x[2]->resp.n_events, 1, "what came before");
	ASSERT_EQ(c.st.resets, 3, "resets");
out:
	h2case_free(&c);
}

/* GOAWAY: streams above the last one processed end at once, the others go on. */
void test_http2_goaway(void)
{
	struct h2case c;

	h2case_start(&c);
	requests(&c.b, 3);
	h2t_goaway(&c.b, H2_S2C, 3, 0);
	h2t_headers(&c.b, H2_S2C, 3, false, ":status", "200");
	h2t_datas(&c.b, H2_S2C, 3, true, "three");
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200");
	h2t_datas(&c.b, H2_S2C, 1, true, "one");
	if (!replay_all(&c, NULL) || !ASSERT_EQ(c.s.n, 3, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/5", "not processed");
	ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, "never answered");
	xt_plain_body_is(&c.s.x[1]->resp, "three", "3 answered after GOAWAY");
	xt_plain_body_is(&c.s.x[2]->resp, "one", "1 answered after GOAWAY");
	ASSERT_EQ(c.s.x[1]->flags | c.s.x[2]->flags, 0, "complete");
	ASSERT_EQ(c.st.goaways, 1, "counted");
out:
	h2case_free(&c);
}

/* Header blocks over the caps: fields are dropped, HPACK stays in step, the next is whole. */
void test_http2_header_cap(void)
{
	static char big[2001];
	const char *nv[2 * 200 + 16];
	char names[200][16];
	struct h2t_hopts ho = { .frag = 4000, .pad = -1 };
	struct h2case c;
	size_t i, k = 0;

	memset(big, 'v', sizeof(big) - 1);
	h2case_start(&c);
	/* 40 fields of 2000 bytes: 80 KB decoded, over TT_MAX_HEADER_BYTES */
	nv[k++] = ":method", nv[k++] = "GET", nv[k++] = ":scheme", nv[k++] = "https";
	nv[k++] = ":authority", nv[k++] = "h", nv[k++] = ":path", nv[k++] = "/big";
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "x-big-%zu", i);
		nv[k++] = names[i];
		nv[k++] = big;
	}
	nv[k] = NULL;
	h2t_headers_o(&c.b, H2_C2S, 1, true, &ho, nv);
	/* 200 small fields: over TT_MAX_HEADERS */
	k = 8;
	for (i = 0; i < 200; i++) {
		snprintf(names[i], sizeof(names[i]), "x-n-%zu", i);
		nv[k++] = names[i];
		nv[k++] = "1";
	}
	nv[k] = NULL;
	nv[7] = "/many";
	h2t_headers_o(&c.b, H2_C2S, 3, true, &ho, nv);
	h2t_headers(&c.b, H2_C2S, 5, true, ":method", "GET", ":scheme", "https", ":authority", "h",
		    ":path", "/after", "x-n-199", "1");
	h2t_cut(&c.b);
	for (i = 1; i <= 5; i += 2) {
		h2t_headers(&c.b, H2_S2C, (uint32_t)i, false, ":status", "200");
		h2t_datas(&c.b, H2_S2C, (uint32_t)i, true, "ok");
	}
	if (!replay_all(&c, NULL) || !ASSERT_EQ(c.s.n, 3, "exchanges"))
		goto out;
	ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "big: fields dropped");
	ASSERT_TRUE(c.s.x[0]->req.headers.n < 40, "big: cut");
	ASSERT_EQ(c.s.x[1]->flags, HTTP_X_INCOMPLETE, "many: fields dropped");
	ASSERT_EQ(c.s.x[1]->req.headers.n, TT_MAX_HEADERS, "many: cut at TT_MAX_HEADERS");
	ASSERT_STREQ(c.s.x[2]->target, "/after", "next block decodes");
	ASSERT_STREQ(xt_hdr(&c.s.x[2]->req, "x-n-199"), "1", "dynamic table in step");
	ASSERT_EQ(c.s.x[2]->flags, 0, "next is whole");
	ASSERT_EQ(c.st.caps_hit, 2, "caps counted");
	ASSERT_EQ(c.st.hpack_errors, 0, "no HPACK error");
out:
	h2case_free(&c);
}

/* DATA over SETTINGS_MAX_FRAME_SIZE is skipped; SETTINGS raise it, up to our own cap. */
void test_http2_frame_size(void)
{
	static const uint8_t max64k[] = { 0, 5, 0, 1, 0, 0 };
	static uint8_t data[40000];
	struct replay_opts ro = { .o = { .max_frame = 32768 }, .lose_seg = -1 };
	struct h2case c;

	memset(data, 'd', sizeof(data));
	h2case_start(&c);
	requests(&c.b, 1);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200");
	h2t_data(&c.b, H2_S2C, 1, true, data, 20000); /* over the default 16384 */
	h2t_cut(&c.b);
	h2t_frame(&c.b, H2_C2S, H2_SETTINGS, 0, 0, max64k, sizeof(max64k));
	h2t_headers(&c.b, H2_C2S, 3, true, REQ_HDRS("/3"));
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 3, false, ":status", "200");
	h2t_data(&c.b, H2_S2C, 3, false, data, 30000); /* allowed now */
	h2t_data(&c.b, H2_S2C, 3, true, data, 40000);  /* over our cap of 32768 */
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 5, true, REQ_HDRS("/5"));
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 5, false, ":status", "200");
	h2t_datas(&c.b, H2_S2C, 5, true, "five");
	if (!replay_all(&c, &ro) || !ASSERT_EQ(c.s.n, 3, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/1", "1");
	ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "oversized DATA lost");
	ASSERT_EQ(c.s.x[0]->resp.wire_bytes, c.b.seg[4].len, "its bytes counted on the wire");
	ASSERT_STREQ(c.s.x[1]->target, "/3", "3");
	ASSERT_EQ(c.s.x[1]->flags, HTTP_X_INCOMPLETE, "over our cap: lost");
	ASSERT_EQ(c.s.x[1]->resp.body_len, 30000, "the allowed frame");
	xt_plain_body_is(&c.s.x[2]->resp, "five", "framing kept");
	ASSERT_EQ(c.s.x[2]->flags, 0, "5 complete");
	ASSERT_EQ(c.st.protocol_errors, 1, "over SETTINGS");
	ASSERT_EQ(c.st.caps_hit, 1, "over our cap");
out:
	h2case_free(&c);
}

/* ---- malformed input ---- */

static void bad_pad(struct h2t *b)
{
	h2t_frame(b, H2_C2S, H2_DATA, H2_F_PADDED | H2_F_END_STREAM, 1, "\x09xy", 3);
}

static void bad_ping(struct h2t *b)
{
	h2t_frame(b, H2_C2S, H2_PING, 0, 0, "1234567", 7);
	h2t_datas(b, H2_C2S, 1, true, "{}");
}

static void lone_continuation(struct h2t *b)
{
	h2t_frame(b, H2_C2S, H2_CONTINUATION, H2_F_END_HEADERS, 1, "\x82", 1);
	h2t_datas(b, H2_C2S, 1, true, "{}");
}

static void cut_block(struct h2t *b)
{
	struct h2t_hopts ho = { .pad = -1, .no_end_headers = true };

	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_headers_o(b, H2_C2S, 7, true, &ho, (const char *const[]){ REQ_HDRS("/7"), NULL });
	h2t_frame(b, H2_C2S, H2_PING, 0, 0, "12345678", 8);
}

static void headers_stream0(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_frame(b, H2_C2S, H2_HEADERS, H2_F_END_HEADERS, 0, "\x82", 1);
}

static void even_stream(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_headers(b, H2_C2S, 2, true, REQ_HDRS("/even"));
}

static void unknown_type(struct h2t *b)
{
	h2t_frame(b, H2_C2S, 0xfa, 0xff, 1, "ext", 3);
	h2t_frame(b, H2_C2S, H2_WINDOW_UPDATE, 0, 0, "\0\0\x10\0", 4);
	h2t_frame(b, H2_C2S, H2_PRIORITY, 0, 1, "\0\0\0\0\x20", 5);
	h2t_datas(b, H2_C2S, 1, true, "{}");
}

static void bad_settings(struct h2t *b)
{
	h2t_frame(b, H2_C2S, H2_SETTINGS, 0, 0, "\0\x05\0\0\x10", 5);
	h2t_datas(b, H2_C2S, 1, true, "{}");
}

static void data_unknown_stream(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 9, true, "{}");
	h2t_datas(b, H2_C2S, 1, true, "{}");
}

static void upper_name(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_headers(b, H2_C2S, 7, true, REQ_HDRS("/7"), "X-Upper", "1");
}

static void pseudo_late(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_headers(b, H2_C2S, 7, true, ":method", "GET", "accept", "*/*", ":path", "/7");
}

static void no_status(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_cut(b);
	h2t_headers(b, H2_S2C, 1, true, "content-type", "text/plain");
}

static void data_before_headers(struct h2t *b)
{
	h2t_datas(b, H2_C2S, 1, true, "{}");
	h2t_cut(b);
	h2t_datas(b, H2_S2C, 1, false, "early");
}

void test_http2_malformed(void)
{
	static const struct {
		const char *name;
		void (*fn)(struct h2t *b);
		uint32_t flags1; /* of stream 1's exchange (NO_RESPONSE aside) */
		bool errors;	 /* protocol errors counted */
		bool no_resp1;	 /* the case has the response of stream 1 */
	} cases[] = {
		{ "data padding", bad_pad, HTTP_X_INCOMPLETE, true, false },
		{ "ping length", bad_ping, 0, true, false },
		{ "lone continuation", lone_continuation, HTTP_X_INCOMPLETE, true, false },
		{ "block cut by a frame", cut_block, 0, true, false },
		{ "headers on stream 0", headers_stream0, 0, true, false },
		{ "even stream from the client", even_stream, 0, true, false },
		{ "unknown type, window update, priority", unknown_type, 0, false, false },
		{ "settings length", bad_settings, 0, true, false },
		{ "data on an unknown stream", data_unknown_stream, 0, false, false },
		{ "uppercase field name", upper_name, 0, true, false },
		{ "pseudo-field after a regular one", pseudo_late, 0, true, false },
		{ "response without :status", no_status, HTTP_X_INCOMPLETE, true, true },
		{ "data before response headers", data_before_headers, 0, true, false },
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h2case c;
		bool seen1 = false;

		if (!test__start_subtest(cases[i].name))
			continue;
		h2case_start(&c);
		h2t_headers(&c.b, H2_C2S, 1, false, REQ_HDRS("/1"));
		cases[i].fn(&c.b);
		/* then a request whose fields were never indexed: decodable whatever happened */
		h2t_cut(&c.b);
		h2t_headers(&c.b, H2_C2S, 11, true, ":method", "GET", ":path", "/after",
			    ":authority", "after.example");
		h2t_cut(&c.b);
		if (!cases[i].no_resp1) {
			h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200");
			h2t_datas(&c.b, H2_S2C, 1, true, "one");
		}
		h2t_headers(&c.b, H2_S2C, 11, false, ":status", "204", "x-after", "yes");
		h2t_datas(&c.b, H2_S2C, 11, true, "");
		if (!replay_all(&c, NULL))
			goto next;
		for (k = 0; k < c.s.n; k++) {
			if (!strcmp(c.s.x[k]->target, "/1")) {
				seen1 = true;
				ASSERT_EQ(c.s.x[k]->flags & ~HTTP_X_NO_RESPONSE,
					  cases[i].flags1 & ~HTTP_X_NO_RESPONSE, "stream 1 flags");
			} else if (strcmp(c.s.x[k]->target, "/after")) {
				ASSERT_TRUE(false, "no other exchange");
			}
		}
		ASSERT_TRUE(seen1, "stream 1 delivered");
		if (ASSERT_GE(c.s.n, 1, "exchanges")) {
			const struct http_exchange *last = c.s.x[c.s.n - 1];

			ASSERT_STREQ(last->target, "/after", "framing kept: last one");
			ASSERT_EQ(last->status, 204, "its status");
			ASSERT_STREQ(xt_hdr(&last->resp, "x-after"), "yes", "its field");
			ASSERT_EQ(last->flags, 0, "whole");
		}
		if (cases[i].errors)
			ASSERT_GE(c.st.protocol_errors, 1, "counted");
		else
			ASSERT_EQ(c.st.protocol_errors, 0, "not an error");
		ASSERT_EQ(c.st.broken, 0, "not broken");
next:
		h2case_free(&c);
	}
}

/* HPACK that fails on a context followed from the start: the session stops, no garbage. */
void test_http2_hpack_broken(void)
{
	struct replay_opts ro = { .lose_seg = -1, .no_end = true };
	struct h2case c;

	h2case_start(&c);
	requests(&c.b, 1);
	/* index 70: past the static table, and the server's dynamic table is empty */
	h2t_frame(&c.b, H2_S2C, H2_HEADERS, H2_F_END_HEADERS, 1, "\xbf\x07", 2);
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 3, true, REQ_HDRS("/3"));
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 3, true, ":status", "200");
	if (replay_all(&c, &ro) && ASSERT_EQ(c.s.n, 1, "only what was open")) {
		ASSERT_STREQ(c.s.x[0]->target, "/1", "stream 1");
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, "cut");
	}
	ASSERT_EQ(c.st.broken, 1, "broken");
	ASSERT_EQ(c.st.hpack_errors, 1, "one HPACK error");
	h2case_free(&c);
}

/*
 * Tracing starts inside a connection: blocks that use table entries added before are dropped
 * (never decoded wrong); blocks built from what was seen decode.
 */
void test_http2_midstream(void)
{
	struct replay_opts ro = { .start = H2_START_MIDSTREAM, .lose_seg = -1 };
	struct h2case c;

	h2case_start(&c);
	h2t_headers(&c.b, H2_C2S, 1, true, REQ_HDRS("/1"), "user-agent", "agent/1");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "text/event-stream",
		    "server", "fake");
	ro.from_seg = c.b.nseg;
	/* tracing starts here */
	sse_event(&c.b, 1, "a", true);
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 3, true, REQ_HDRS("/3"), "user-agent", "agent/1");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 3, false, ":status", "200", "server", "fake");
	h2t_datas(&c.b, H2_S2C, 3, true, "three");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 5, true, ":method", "GET", ":scheme", "http", ":path", "/5",
		    ":authority", "local:11434", "x-new", "v");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 5, false, ":status", "201", "x-srv", "w");
	h2t_datas(&c.b, H2_S2C, 5, true, "five");
	h2t_cut(&c.b);
	/* the entries stream 5's blocks added are known: a reference to them decodes */
	h2t_headers(&c.b, H2_C2S, 7, true, ":method", "GET", ":scheme", "http", ":path", "/7",
		    ":authority", "local:11434", "x-new", "v");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 7, false, ":status", "201", "x-srv", "w");
	h2t_datas(&c.b, H2_S2C, 7, true, "seven");
	if (!replay_all(&c, &ro) || !ASSERT_EQ(c.s.n, 2, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/5", "5");
	ASSERT_STREQ(c.s.x[0]->host, "local:11434", "host");
	ASSERT_STREQ(xt_hdr(&c.s.x[0]->req, "x-new"), "v", "field");
	ASSERT_STREQ(xt_hdr(&c.s.x[0]->resp, "x-srv"), "w", "response field");
	xt_plain_body_is(&c.s.x[0]->resp, "five", "body");
	ASSERT_EQ(c.s.x[0]->flags, 0, "whole");
	ASSERT_STREQ(c.s.x[1]->target, "/7", "7: indexed fields from 5 decode");
	ASSERT_STREQ(xt_hdr(&c.s.x[1]->resp, "x-srv"), "w", "7: response field");
	ASSERT_EQ(c.s.x[1]->flags, 0, "7 whole");
	ASSERT_EQ(c.st.midstream, 1, "counted");
	ASSERT_GE(c.st.hpack_resets, 2, "stream 3's blocks failed and were dropped");
	ASSERT_GE(c.st.unknown_streams, 1, "stream 1 was opened before tracing");
	ASSERT_EQ(c.st.broken, 0, "not broken");
out:
	h2case_free(&c);
}

/* Lost bytes: frames resume at the next call; what the loss touched is incomplete. */
void test_http2_gap(void)
{
	struct replay_opts ro = { .lose_seg = -1 };
	struct h2case c;

	h2case_start(&c);
	requests(&c.b, 1);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "text/event-stream");
	sse_event(&c.b, 1, "a", false);
	ro.lose_seg = (long)c.b.nseg;
	sse_event(&c.b, 1, "b", false);
	h2t_cut(&c.b);
	h2t_datas(&c.b, H2_S2C, 1, false, "data: {\"c\":1}\n\n");
	h2t_datas(&c.b, H2_S2C, 1, true, "");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_C2S, 3, true, REQ_HDRS("/3"));
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 3, false, ":status", "202", "x-fresh", "1");
	h2t_datas(&c.b, H2_S2C, 3, true, "three");
	if (!replay_all(&c, &ro) || !ASSERT_EQ(c.s.n, 2, "exchanges"))
		goto out;
	ASSERT_STREQ(c.s.x[0]->target, "/1", "1");
	ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "bytes lost in it");
	/* the event after the hole is skipped: it could have begun in the lost bytes */
	ASSERT_EQ(c.s.x[0]->resp.n_events, 1, "events before the hole");
	ASSERT_STREQ(c.s.x[1]->target, "/3", "3");
	ASSERT_EQ(c.s.x[1]->status, 202, "3: status decoded on a fresh context");
	ASSERT_EQ(c.s.x[1]->flags, 0, "3 whole");
	ASSERT_EQ(c.st.sync_lost, 1, "lost");
	ASSERT_EQ(c.st.resyncs, 1, "found again");
out:
	h2case_free(&c);
}

void test_http2_streams_cap(void)
{
	struct replay_opts ro = { .o = { .max_streams = 2 }, .lose_seg = -1 };
	struct h2case c;

	h2case_start(&c);
	requests(&c.b, 3);
	h2t_headers(&c.b, H2_S2C, 3, true, ":status", "200");
	if (replay_all(&c, &ro) && ASSERT_EQ(c.s.n, 3, "exchanges")) {
		ASSERT_STREQ(c.s.x[0]->target, "/1", "oldest out at the cap");
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, "flagged");
		ASSERT_STREQ(c.s.x[1]->target, "/3", "3 answered");
		ASSERT_EQ(c.s.x[1]->flags, 0, "3 whole");
		ASSERT_EQ(c.s.x[2]->flags, HTTP_X_NO_RESPONSE, "5 unanswered at close");
	}
	ASSERT_EQ(c.st.caps_hit, 1, "cap counted");
	h2case_free(&c);
}

/* Trailers, an interim 103, a request body in many frames, CONNECT without :path. */
void test_http2_trailers_interim(void)
{
	struct h2case c;

	h2case_start(&c);
	h2t_headers(&c.b, H2_C2S, 1, false, REQ_HDRS("/grpc"), "te", "trailers");
	h2t_datas(&c.b, H2_C2S, 1, false, "{\"a\":");
	h2t_datas(&c.b, H2_C2S, 1, false, "1}");
	h2t_headers(&c.b, H2_C2S, 1, true, "x-req-trailer", "t");
	h2t_cut(&c.b);
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "103", "link", "</a>");
	h2t_headers(&c.b, H2_S2C, 1, false, ":status", "200", "content-type", "application/json");
	h2t_datas(&c.b, H2_S2C, 1, false, "{}");
	h2t_headers(&c.b, H2_S2C, 1, true, "grpc-status", "0");
	if (replay_all(&c, NULL) && ASSERT_EQ(c.s.n, 1, "exchanges")) {
		xt_plain_body_is(&c.s.x[0]->req, "{\"a\":1}", "request body");
		ASSERT_STREQ(xt_hdr(&c.s.x[0]->req, "x-req-trailer"), "t", "request trailer");
		ASSERT_EQ(c.s.x[0]->status, 200, "final status");
		ASSERT_STREQ(xt_hdr(&c.s.x[0]->resp, "link"), "(none)", "interim fields dropped");
		ASSERT_STREQ(xt_hdr(&c.s.x[0]->resp, "grpc-status"), "0", "response trailer");
		ASSERT_EQ(c.s.x[0]->flags, 0, "whole");
	}
	h2case_free(&c);
}
