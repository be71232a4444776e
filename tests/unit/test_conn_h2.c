// SPDX-License-Identifier: MIT
/* test_conn_h2.c: HTTP/2 through the connection table: roles, records split, gaps, midstream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capfile.h"
#include "conn.h"
#include "h2_test.h"
#include "test.h"

#define PID 777
#define SSL 0x5500aa00ull

/* One call of dir at pos, its first len bytes captured (call_len in all). */
static int feed(struct conn_table *t, int dir, uint64_t pos, const void *p, size_t len,
		uint32_t call_len, uint8_t flags, uint64_t ts)
{
	struct tt_data r = { .h = { .type = TT_REC_DATA, .ts_ns = ts, .pid = PID, .tid = 200 + dir },
			     .conn = SSL,
			     .pos = pos,
			     .call_len = call_len,
			     .len = (uint32_t)len,
			     .dir = (uint8_t)dir,
			     .flags = flags,
			     .fd = 5 };

	return test__split_feed(&r, p, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed, t);
}

struct copts {
	bool server;	 /* the traced process is the server: it reads requests */
	size_t from_seg; /* tracing starts at this segment */
	long lose_seg;	 /* lost whole (a gap), -1 none */
	long trunc_seg;	 /* captured only in part (a truncated call), -1 none */
	bool read_first; /* the server's first segment comes before the client's */
};

struct creplay {
	const struct h2t *b;
	const struct copts *o;
	struct conn_stats *st; /* counters of the whole run */
};

/* One replay (xt_replay_fn): the segments as calls, cut into records as mode says; closed. */
static bool creplay(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx)
{
	const struct creplay *cr = ctx;
	const struct h2t *b = cr->b;
	const struct copts *o = cr->o;
	struct conn_table *t = conn_table__new(NULL, xt_sink_fn, s);
	uint64_t pos[2] = { 0, 0 };
	size_t i, order[H2T_MAX_SEGS];
	bool ok = true;

	if (!ASSERT_OK_PTR(t, "table"))
		return false;
	conn_table__set_head_sink(t, xt_head_fn);
	for (i = 0; i < b->nseg; i++)
		order[i] = i;
	if (o->read_first) {
		order[0] = 1;
		order[1] = 0;
	}
	for (i = o->from_seg; i < b->nseg; i++) {
		const struct h2t_seg *g = &b->seg[order[i]];
		int dir = (g->side == H2_C2S) == !o->server ? TT_DIR_WRITE : TT_DIR_READ;
		const uint8_t *data = b->out[g->side].data + g->off;
		struct tt_data call = {
			.h = { .type = TT_REC_DATA, .ts_ns = g->ts, .pid = PID, .tid = 200 + dir },
			.conn = SSL,
			.pos = pos[dir],
			.call_len = (uint32_t)g->len,
			.len = (uint32_t)g->len,
			.dir = (uint8_t)dir,
			.flags = TT_DF_FIRST | TT_DF_LAST,
			.fd = 5
		};
		enum test_split m = mode;

		pos[dir] += g->len;
		if (o->lose_seg == (long)order[i])
			continue;
		if (o->trunc_seg == (long)order[i]) {
			call.len /= 2;
			call.flags |= TT_DF_TRUNCATED;
			m = TEST_SPLIT_WHOLE;
		}
		/* nothing re-sent from before a call: a call is where HTTP/2 resyncs */
		ok &= ASSERT_OK(test__split_feed(&call, data, 0, m, &seed, xt_conn_feed, t),
				"feed");
	}
	conn_table__close(t, PID, SSL, b->ts);
	if (mode == TEST_SPLIT_WHOLE)
		*cr->st = *conn_table__stats(t);
	ok &= ASSERT_EQ(conn_table__count(t), 0, "closed");
	conn_table__free(t);
	return ok;
}

/* Replays whole, by byte, and at 6 random and 6 overlapping splits: each must render the same. */
static bool creplay_all(const struct h2t *b, const struct copts *o, struct xt_sink *s,
			struct conn_stats *st)
{
	struct creplay cr = { .b = b, .o = o, .st = st };

	return xt_replay_all(creplay, &cr, TEST_SPLIT_MODES, 99, 6, s);
}

/* Two chat calls multiplexed on one connection, the second one streaming. */
static void chat_conversation(struct h2t *b)
{
	h2t_start(b);
	h2t_headers(b, H2_C2S, 1, false, ":method", "POST", ":scheme", "https", ":authority",
		    "api.openai.com", ":path", "/v1/chat/completions", "authorization",
		    "Bearer sk-test-0123456789abcdef", "content-type", "application/json");
	h2t_datas(b, H2_C2S, 1, true, "{\"model\":\"gpt-4o\"}");
	h2t_cut(b);
	h2t_headers(b, H2_C2S, 3, false, ":method", "POST", ":scheme", "https", ":authority",
		    "api.openai.com", ":path", "/v1/chat/completions", "authorization",
		    "Bearer sk-test-0123456789abcdef", "content-type", "application/json");
	h2t_datas(b, H2_C2S, 3, true, "{\"model\":\"gpt-4o\",\"stream\":true}");
	h2t_cut(b);
	h2t_headers(b, H2_S2C, 3, false, ":status", "200", "content-type", "text/event-stream");
	h2t_cut(b);
	h2t_datas(b, H2_S2C, 3, false, "data: {\"choices\":[]}\n\n");
	h2t_cut(b);
	h2t_headers(b, H2_S2C, 1, false, ":status", "200", "content-type", "application/json");
	h2t_datas(b, H2_S2C, 1, true, "{\"id\":\"1\"}");
	h2t_cut(b);
	h2t_datas(b, H2_S2C, 3, true, "data: [DONE]\n\n");
}

static void check_chat(const struct xt_sink *s, uint32_t flags)
{
	if (!ASSERT_EQ(s->n, 2, "exchanges"))
		return;
	ASSERT_EQ(s->x[0]->seq, 0, "stream 1 first to end, seq 0");
	ASSERT_EQ(s->x[1]->seq, 1, "stream 3 seq 1");
	ASSERT_EQ(s->x[0]->pid, PID, "pid");
	ASSERT_EQ(s->x[0]->conn, SSL, "conn");
	ASSERT_EQ(s->x[0]->fd, 5, "fd");
	ASSERT_TRUE(s->x[0]->tls, "tls");
	ASSERT_STREQ(s->x[0]->host, "api.openai.com", "host");
	ASSERT_STREQ(xt_hdr(&s->x[0]->req, "authorization"), "REDACTED", "redacted");
	xt_plain_body_is(&s->x[0]->resp, "{\"id\":\"1\"}", "json");
	if (ASSERT_EQ(s->x[1]->resp.n_events, 2, "sse events"))
		ASSERT_STREQ(s->x[1]->resp.events[1].data, "[DONE]", "done");
	ASSERT_EQ(s->x[0]->flags, flags, "flags 0");
	ASSERT_EQ(s->x[1]->flags, flags, "flags 1");
}

/*
 * The HEADERS that opened streams 1 and 3 were reported as they came (both before either
 * stream ended), stamped like their exchanges, with the start those keep.
 */
static void check_heads(const struct xt_sink *s, uint32_t flags, uint32_t tid)
{
	size_t i;

	if (!ASSERT_EQ(s->n_heads, 2, "heads") || s->n != 2)
		return;
	for (i = 0; i < 2; i++) {
		ASSERT_STREQ(s->heads[i].line, "POST /v1/chat/completions (none)", "head");
		ASSERT_EQ(s->heads[i].flags, flags, "side");
		ASSERT_EQ(s->heads[i].pid, PID, "pid");
		ASSERT_EQ(s->heads[i].conn, SSL, "conn");
		ASSERT_EQ(s->heads[i].tid, tid, "tid");
		ASSERT_EQ(s->heads[i].delivered, 0, "before any stream ended");
		ASSERT_TRUE(s->heads[i].x == s->x[i], "the exchange delivered later");
		ASSERT_EQ(s->heads[i].start_ns, s->x[i]->req.start_ns, "its start");
	}
	ASSERT_TRUE(s->heads[0].start_ns < s->heads[1].start_ns, "in order");
}

void test_conn_h2_client(void)
{
	struct copts o = { .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;

	chat_conversation(&b);
	if (creplay_all(&b, &o, &s, &st)) {
		check_chat(&s, 0);
		if (s.n == 2)
			ASSERT_EQ(s.x[0]->tid, 200 + TT_DIR_WRITE, "tid of the writer");
		check_heads(&s, 0, 200 + TT_DIR_WRITE);
	}
	ASSERT_EQ(st.h2_prefaces, 1, "preface counted");
	ASSERT_EQ(st.h2.conns, 1, "an HTTP/2 connection");
	ASSERT_EQ(st.non_http + st.skipped_bytes, 0, "not skipped");
	ASSERT_EQ(st.exchanges, 2, "exchanges counted");
	xt_sink_free(&s);
	h2t_free(&b);
}

void test_conn_h2_server_side(void)
{
	struct copts o = { .server = true, .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;

	chat_conversation(&b);
	if (creplay_all(&b, &o, &s, &st)) {
		check_chat(&s, HTTP_X_SERVER_SIDE);
		if (s.n == 2)
			ASSERT_EQ(s.x[0]->tid, 200 + TT_DIR_READ, "tid of the reader");
		check_heads(&s, HTTP_X_SERVER_SIDE, 200 + TT_DIR_READ);
	}
	xt_sink_free(&s);
	h2t_free(&b);
}

/* The server's SETTINGS are captured before the client's preface. */
void test_conn_h2_server_preface_first(void)
{
	struct copts o = { .read_first = true, .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;

	chat_conversation(&b);
	if (creplay_all(&b, &o, &s, &st))
		check_chat(&s, 0);
	ASSERT_EQ(st.h2.midstream, 0, "from its start");
	xt_sink_free(&s);
	h2t_free(&b);
}

/* Tracing starts inside the connection: the first captured bytes are frames. */
void test_conn_h2_midstream(void)
{
	struct copts o = { .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;

	h2t_start(&b);
	h2t_headers(&b, H2_C2S, 1, true, ":method", "GET", ":scheme", "https", ":path", "/old",
		    ":authority", "h");
	o.from_seg = b.nseg;
	h2t_cut(&b);
	h2t_headers(&b, H2_C2S, 3, true, ":method", "GET", ":scheme", "https", ":path", "/new",
		    ":authority", "fresh.example");
	h2t_cut(&b);
	h2t_headers(&b, H2_S2C, 1, true, ":status", "200", "x-a", "1");
	h2t_headers(&b, H2_S2C, 3, false, ":status", "200", "x-b", "2");
	h2t_datas(&b, H2_S2C, 3, true, "new");
	if (creplay_all(&b, &o, &s, &st) && ASSERT_EQ(s.n, 1, "exchanges")) {
		ASSERT_STREQ(s.x[0]->target, "/new", "the one seen whole");
		ASSERT_STREQ(s.x[0]->host, "fresh.example", "host");
		xt_plain_body_is(&s.x[0]->resp, "new", "body");
		ASSERT_EQ(s.x[0]->flags, 0, "whole");
	}
	ASSERT_EQ(st.midstream, 1, "midstream counted");
	ASSERT_EQ(st.h2.midstream, 1, "h2 midstream counted");
	ASSERT_EQ(st.non_http, 0, "not skipped");
	xt_sink_free(&s);
	h2t_free(&b);
}

/* A lost call and a truncated one: frames resume at the next call. */
void test_conn_h2_gaps(void)
{
	struct copts o = { .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;
	int round;

	for (round = 0; round < 2; round++) {
		h2t_start(&b);
		h2t_headers(&b, H2_C2S, 1, true, ":method", "GET", ":scheme", "https", ":path",
			    "/1", ":authority", "h");
		h2t_cut(&b);
		h2t_headers(&b, H2_S2C, 1, false, ":status", "200");
		h2t_cut(&b);
		if (round)
			o.trunc_seg = (long)b.nseg;
		else
			o.lose_seg = (long)b.nseg;
		h2t_datas(&b, H2_S2C, 1, false, "lost part of the body, and more of it");
		h2t_cut(&b);
		h2t_datas(&b, H2_S2C, 1, true, "tail");
		h2t_cut(&b);
		h2t_headers(&b, H2_C2S, 3, true, ":method", "GET", ":scheme", "https", ":path",
			    "/3", ":authority", "x.example");
		h2t_cut(&b);
		h2t_headers(&b, H2_S2C, 3, false, ":status", "200", "x-c", "3");
		h2t_datas(&b, H2_S2C, 3, true, "three");
		if (creplay_all(&b, &o, &s, &st) && ASSERT_EQ(s.n, 2, "exchanges")) {
			ASSERT_EQ(s.x[0]->flags, HTTP_X_INCOMPLETE, "1: bytes lost");
			xt_plain_body_is(&s.x[1]->resp, "three", "3 after the gap");
			ASSERT_EQ(s.x[1]->flags, 0, "3 whole");
		}
		ASSERT_EQ(st.gaps, 1, "gap");
		ASSERT_EQ(st.h2.resyncs, 1, "resynced at the next call");
		xt_sink_free(&s);
		h2t_free(&b);
		o.lose_seg = o.trunc_seg = -1;
	}
}

/* The preface hands the connection to HTTP/2: it is decoded, not skipped. */
void test_conn_h2_preface_not_skipped(void)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x12\x04";
	struct xt_sink s = { 0 };
	struct conn_table *t = conn_table__new(NULL, xt_sink_fn, &s);

	feed(t, TT_DIR_WRITE, 0, preface, sizeof(preface) - 1, sizeof(preface) - 1, TT_DF_FIRST,
	     10);
	feed(t, TT_DIR_READ, 0, "\0\0\0\x04\0\0\0\0\0", 9, 9, TT_DF_FIRST, 20);
	ASSERT_EQ(conn_table__stats(t)->h2_prefaces, 1, "h2 preface");
	ASSERT_EQ(conn_table__stats(t)->skipped_bytes, 0, "not skipped");
	ASSERT_EQ(conn_table__stats(t)->h2.frames, 1, "server SETTINGS read");
	conn_table__close(t, PID, SSL, 30);
	ASSERT_EQ(s.n, 0, "no exchanges");
	xt_sink_free(&s);
	conn_table__free(t);
}

/* HPACK failure on a trusted context: the connection is skipped from there on. */
void test_conn_h2_broken(void)
{
	struct copts o = { .lose_seg = -1, .trunc_seg = -1 };
	struct conn_stats st;
	struct xt_sink s;
	struct h2t b;

	h2t_start(&b);
	h2t_frame(&b, H2_C2S, H2_HEADERS, H2_F_END_HEADERS | H2_F_END_STREAM, 1, "\xbf\x07", 2);
	h2t_cut(&b);
	h2t_headers(&b, H2_C2S, 3, true, ":method", "GET", ":path", "/3");
	if (creplay_all(&b, &o, &s, &st))
		ASSERT_EQ(s.n, 0, "nothing from it");
	ASSERT_EQ(st.h2.broken, 1, "broken");
	ASSERT_GE(st.skipped_bytes, 1, "later bytes skipped");
	xt_sink_free(&s);
	h2t_free(&b);
}

/* ---- captures of real clients (tests/fixtures/http2/record.sh) ---- */

struct key {
	uint32_t pid;
	uint64_t conn;
};

/* Feeds the data records of a capture, as recorded or split a byte a record; closes them. */
static bool capture_replay(const char *name, bool split, struct xt_sink *s, struct conn_stats *st)
{
	struct conn_table *t = conn_table__new(NULL, xt_sink_fn, s);
	struct key keys[16];
	struct capfile_header h;
	struct capfile_reader *r;
	enum test_split mode = split ? TEST_SPLIT_BYTES : TEST_SPLIT_WHOLE;
	size_t nkeys = 0, k;
	char path[512];
	const void *rec;
	uint64_t last = 0;
	size_t size;
	int ret;

	snprintf(path, sizeof(path), "%s/http2/%s.ttcap", test__fixtures(), name);
	r = capfile_reader__open(path, &h);
	if (!ASSERT_OK_PTR(r, name) || !ASSERT_OK_PTR(t, "table")) {
		capfile_reader__close(r);
		conn_table__free(t);
		return false;
	}
	while ((ret = capfile_reader__next(r, &rec, &size)) > 0) {
		const struct tt_data *d = rec;

		if (d->h.type != TT_REC_DATA)
			continue;
		last = d->h.ts_ns;
		for (k = 0; k < nkeys && (keys[k].pid != d->h.pid || keys[k].conn != d->conn); k++)
			;
		if (k == nkeys && nkeys < 16)
			keys[nkeys++] = (struct key){ d->h.pid, d->conn };
		ASSERT_OK(test__split_feed(d, d->data, 0, mode, NULL, xt_conn_feed, t), "feed");
	}
	ASSERT_EQ(ret, 0, "read to the end");
	for (k = 0; k < nkeys; k++)
		conn_table__close(t, keys[k].pid, keys[k].conn, last + 1);
	*st = *conn_table__stats(t);
	conn_table__free(t);
	capfile_reader__close(r);
	return true;
}

static bool contains(const void *hay, size_t n, const char *needle)
{
	return hay && memmem(hay, n, needle, strlen(needle));
}

/* The exchange answered with response id id: in its JSON body or its SSE events. */
static const struct http_exchange *by_response_id(const struct xt_sink *s, const char *id)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		const struct http_message *m = &s->x[i]->resp;

		if (contains(m->body, m->body_len, id))
			return s->x[i];
		for (k = 0; k < m->n_events; k++) {
			if (contains(m->events[k].data, m->events[k].data_len, id))
				return s->x[i];
		}
	}
	return NULL;
}

static void check_capture(const char *name, bool split)
{
	struct conn_stats st;
	struct xt_sink s = { 0 };
	unsigned char *txt;
	char rel[256], model[128];
	cJSON *want = NULL, *w;
	size_t len;

	snprintf(rel, sizeof(rel), "http2/%s.expect.json", name);
	txt = test__read_fixture(rel, &len);
	if (!ASSERT_OK_PTR(txt, "expectations"))
		return;
	want = cJSON_Parse((char *)txt);
	free(txt);
	if (!ASSERT_OK_PTR(want, "parse") || !capture_replay(name, split, &s, &st))
		goto out;
	ASSERT_EQ(s.n, cJSON_GetArraySize(want), "one exchange per answer");
	ASSERT_EQ(st.h2.conns, 1, "one HTTP/2 connection");
	ASSERT_EQ(st.h2.protocol_errors + st.h2.hpack_errors + st.gaps, 0, "clean");
	cJSON_ArrayForEach(w, want) {
		const char *id = cJSON_GetObjectItem(w, "id")->valuestring;
		const struct http_exchange *x = by_response_id(&s, id);
		bool stream = cJSON_IsTrue(cJSON_GetObjectItem(w, "stream"));

		if (!ASSERT_OK_PTR(x, id))
			continue;
		ASSERT_EQ(x->flags, 0, "whole");
		ASSERT_STREQ(x->method, "POST", "method");
		ASSERT_STREQ(x->target, "/v1/chat/completions", "target");
		ASSERT_TRUE(x->host && !strncmp(x->host, "127.0.0.1:", 10), "host");
		ASSERT_STREQ(xt_hdr(&x->req, "authorization"), "REDACTED", "redacted");
		ASSERT_EQ(x->status, 200, "status");
		ASSERT_EQ(x->seq, (cJSON_GetObjectItem(w, "h2_stream")->valueint - 1) / 2,
			  "seq in request order");
		snprintf(model, sizeof(model), "\"model\":\"%s\"",
			 cJSON_GetObjectItem(w, "model")->valuestring);
		ASSERT_TRUE(contains(x->req.body, x->req.body_len, model), "request body");
		ASSERT_EQ(x->resp.kind, stream ? HTTP_BODY_SSE : HTTP_BODY_PLAIN, "body kind");
		if (stream && ASSERT_GE(x->resp.n_events, 2, "events"))
			ASSERT_STREQ(x->resp.events[x->resp.n_events - 1].data, "[DONE]", "done");
	}
out:
	xt_sink_free(&s);
	cJSON_Delete(want);
}

void test_conn_h2_captures(void)
{
	static const char *const cases[] = { "curl_h2_openai_sse", "node_h2_multiplexed" };
	char sub[96];
	size_t i;
	int split;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (split = 0; split < 2; split++) {
			snprintf(sub, sizeof(sub), "%s/%s", cases[i], split ? "bytes" : "recorded");
			if (test__start_subtest(sub))
				check_capture(cases[i], split);
		}
	}
}

/*
 * Connections one after another under one identity whose positions run on: Go's crypto/tls
 * has no end of a connection to probe, and Go's allocator gives a new *tls.Conn the address of
 * one closed before (tests/e2e/helpers/go/churn.go). HTTP/1.1, then HTTP/2 to another server,
 * then HTTP/2 to a third (a new HPACK context), then HTTP/1.1 again: each is a connection of
 * its own, each exchange has its own server.
 */
struct reuse_run {
	struct conn_table *t;
	enum test_split mode;
	uint64_t seed;
	uint64_t pos[2];
	uint64_t ts;
	bool ok;
};

static void reuse_call(struct reuse_run *r, int dir, const void *p, size_t n)
{
	struct tt_data call = {
		.h = { .type = TT_REC_DATA, .ts_ns = ++r->ts, .pid = PID, .tid = 200 + dir },
		.conn = SSL,
		.pos = r->pos[dir],
		.call_len = (uint32_t)n,
		.len = (uint32_t)n,
		.dir = (uint8_t)dir,
		.flags = TT_DF_FIRST | TT_DF_LAST,
		.fd = -1
	};

	r->pos[dir] += n;
	r->ok &= ASSERT_OK(test__split_feed(&call, p, 0, r->mode, &r->seed, xt_conn_feed, r->t),
			   "feed");
}

static void reuse_h1(struct reuse_run *r, const char *host)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	char req[256];
	int n = snprintf(req, sizeof(req),
			 "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\n"
			 "Content-Length: 2\r\n\r\n{}",
			 host);

	reuse_call(r, TT_DIR_WRITE, req, (size_t)n);
	reuse_call(r, TT_DIR_READ, resp, sizeof(resp) - 1);
}

/* A whole HTTP/2 connection with fresh HPACK contexts: its prefaces, one exchange. */
static void reuse_h2(struct reuse_run *r, const char *authority)
{
	struct h2t b;
	size_t i;

	h2t_start(&b);
	h2t_headers(&b, H2_C2S, 1, false, ":method", "POST", ":scheme", "https", ":authority",
		    authority, ":path", "/v1/chat/completions", "content-type", "application/json");
	h2t_datas(&b, H2_C2S, 1, true, "{}");
	h2t_cut(&b);
	h2t_headers(&b, H2_S2C, 1, false, ":status", "200", "content-type", "application/json");
	h2t_datas(&b, H2_S2C, 1, true, "{}");
	for (i = 0; i < b.nseg; i++) {
		const struct h2t_seg *g = &b.seg[i];

		reuse_call(r, g->side == H2_C2S ? TT_DIR_WRITE : TT_DIR_READ,
			   b.out[g->side].data + g->off, g->len);
	}
	h2t_free(&b);
}

static bool reuse_replay(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx)
{
	struct reuse_run r = { .mode = mode, .seed = seed, .ok = true };

	(void)ctx;
	r.t = conn_table__new(NULL, xt_sink_fn, s);
	if (!ASSERT_OK_PTR(r.t, "table"))
		return false;
	conn_table__set_head_sink(r.t, xt_head_fn);
	reuse_h1(&r, "127.0.0.1:1111");
	reuse_h2(&r, "127.0.0.1:2222");
	reuse_h2(&r, "127.0.0.1:3333");
	reuse_h1(&r, "127.0.0.1:4444");
	conn_table__close(r.t, PID, SSL, ++r.ts);
	if (mode == TEST_SPLIT_WHOLE) {
		r.ok &= ASSERT_EQ(conn_table__stats(r.t)->conns_opened, 4, "four connections");
		r.ok &= ASSERT_EQ(conn_table__stats(r.t)->parse_errors, 0, "no parse error");
		r.ok &= ASSERT_EQ(conn_table__stats(r.t)->h2.midstream, 0, "no h2 midstream");
	}
	conn_table__free(r.t);
	return r.ok;
}

void test_conn_h2_identity_reused(void)
{
	static const char *const hosts[] = { "127.0.0.1:1111", "127.0.0.1:2222", "127.0.0.1:3333",
					     "127.0.0.1:4444" };
	struct xt_sink s;
	size_t i;

	/*
	 * Whole calls only: a new connection is told by its first call's first bytes, which the
	 * first record of a call holds (bpf: min(call_len, TT_CHUNK) of them), not by any cut.
	 */
	memset(&s, 0, sizeof(s));
	if (!reuse_replay(TEST_SPLIT_WHOLE, 0, &s, NULL))
		goto out;
	if (!ASSERT_EQ(s.n, 4, "one exchange per connection"))
		goto out;
	for (i = 0; i < 4; i++) {
		ASSERT_STREQ(s.x[i]->host, hosts[i], "its own server");
		ASSERT_EQ(s.x[i]->status, 200, "answered");
		ASSERT_EQ(s.x[i]->flags & HTTP_X_INCOMPLETE, 0, "complete");
	}
out:
	xt_sink_free(&s);
}
