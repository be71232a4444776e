// SPDX-License-Identifier: MIT
/* test_conn.c: connection table: recorded client fixtures, loss, resync, roles, caps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "buf.h"
#include "conn.h"
#include "exchange_test.h"
#include "test.h"

#define JSON_BODY                                                                  \
	"{\"id\":\"msg_01\",\"type\":\"message\",\"content\":[{\"type\":\"text\"," \
	"\"text\":\"Hello!\"}]}"
#define PID 4242
#define SSL 0x7f0012345678ull
/* A connection table under test: what it delivered, where each direction's stream stands. */
struct tc {
	struct conn_table *t;
	struct xt_sink s;
	uint64_t pos[2];
};

static bool tc_open(struct tc *c, const struct conn_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->t = conn_table__new(o, xt_sink_fn, &c->s);
	return ASSERT_OK_PTR(c->t, "table");
}

static void tc_close(struct tc *c)
{
	xt_sink_free(&c->s);
	conn_table__free(c->t);
}

/* One record of dir at pos: the first len bytes of a call of call_len, by thread tid. */
static int feed(struct tc *c, int dir, uint64_t pos, const void *p, size_t len, uint32_t call_len,
		uint8_t flags, uint64_t ts, uint32_t tid)
{
	struct tt_data r = { .h = { .type = TT_REC_DATA, .ts_ns = ts, .pid = PID, .tid = tid },
			     .conn = SSL,
			     .pos = pos,
			     .call_len = call_len,
			     .len = (uint32_t)len,
			     .dir = (uint8_t)dir,
			     .flags = flags,
			     .fd = 7 };

	return test__split_feed(&r, p, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed, c->t);
}

/* A whole call at the stream position kept in c->pos[dir]. */
static void call(struct tc *c, int dir, const char *s, uint64_t ts)
{
	size_t n = strlen(s);

	feed(c, dir, c->pos[dir], s, n, (uint32_t)n, TT_DF_FIRST | TT_DF_LAST, ts, 100 + dir);
	c->pos[dir] += n;
}

/* ---- recorded fixtures ---- */

struct fixture {
	unsigned char *dir_data[2]; /* request.bin, response.bin */
	size_t dir_len[2];
	cJSON *meta;
};

static void fixture_free(struct fixture *f)
{
	free(f->dir_data[0]);
	free(f->dir_data[1]);
	cJSON_Delete(f->meta);
}

static bool fixture_load(const char *name, struct fixture *f)
{
	char path[256];
	unsigned char *meta;
	size_t n;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "http/%s/request.bin", name);
	f->dir_data[0] = test__read_fixture(path, &f->dir_len[0]);
	snprintf(path, sizeof(path), "http/%s/response.bin", name);
	f->dir_data[1] = test__read_fixture(path, &f->dir_len[1]);
	snprintf(path, sizeof(path), "http/%s/meta.json", name);
	meta = test__read_fixture(path, &n);
	f->meta = meta ? cJSON_Parse((const char *)meta) : NULL;
	free(meta);
	return ASSERT_OK_PTR(f->dir_data[0], "request.bin") &&
	       ASSERT_OK_PTR(f->dir_data[1], "response.bin") && ASSERT_OK_PTR(f->meta, "meta.json");
}

#define T0 1000000000ull

/* One replay (xt_replay_fn): every segment one call, cut into records as mode says; closed. */
static bool replay(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx)
{
	const struct fixture *f = ctx;
	struct conn_table *t = conn_table__new(NULL, xt_sink_fn, s);
	cJSON *segs = cJSON_GetObjectItem(f->meta, "segments"), *seg;
	uint64_t ts = T0, pos[2] = { 0, 0 };
	size_t off, len;
	bool ok = true;
	int dir;

	if (!ASSERT_OK_PTR(t, "table"))
		return false;
	conn_table__set_head_sink(t, xt_head_fn);
	cJSON_ArrayForEach(seg, segs) {
		struct tt_data call = { .h = { .type = TT_REC_DATA, .pid = PID },
					.conn = SSL,
					.flags = TT_DF_FIRST | TT_DF_LAST,
					.fd = 7 };

		dir = strcmp(cJSON_GetObjectItem(seg, "dir")->valuestring, "write") ? 1 : 0;
		off = (size_t)cJSON_GetObjectItem(seg, "off")->valuedouble;
		len = (size_t)cJSON_GetObjectItem(seg, "len")->valuedouble;
		ts = T0 + (uint64_t)cJSON_GetObjectItem(seg, "t_ns")->valuedouble;
		if (!ASSERT_LE(off + len, f->dir_len[dir], "segment inside the file"))
			break;
		call.h.ts_ns = ts;
		call.h.tid = 300 + dir;
		call.pos = pos[dir];
		call.call_len = call.len = (uint32_t)len;
		call.dir = (uint8_t)dir;
		/* overlapping records may reach back into the calls before */
		ok &= ASSERT_OK(test__split_feed(&call, f->dir_data[dir] + off, off, mode, &seed,
						 xt_conn_feed, t),
				"feed");
		pos[dir] += len;
	}
	conn_table__close(t, PID, SSL, ts + 1);
	ok &= ASSERT_EQ(conn_table__stats(t)->gaps, 0, "no gaps");
	ok &= ASSERT_EQ(conn_table__stats(t)->parse_errors, 0, "no parse errors");
	ok &= ASSERT_EQ(conn_table__count(t), 0, "closed");
	conn_table__free(t);
	return ok;
}

/* Replays a fixture every way (8 seeds); each run must render the same. s: the whole run. */
static bool replay_all(const char *name, struct xt_sink *s)
{
	struct fixture f;
	bool ok = false;

	memset(s, 0, sizeof(*s));
	if (fixture_load(name, &f))
		ok = xt_replay_all(replay, &f, TEST_SPLIT_MODES, 1234, 8, s);
	fixture_free(&f);
	return ok;
}

void test_conn_fixture_curl(void)
{
	struct xt_sink s;
	char crc[16];

	if (!replay_all("curl_keepalive", &s) || !ASSERT_EQ(s.n, 3, "exchanges"))
		goto out;
	ASSERT_STREQ(s.x[0]->method, "POST", "method 0");
	ASSERT_STREQ(s.x[0]->target, "/v1/json", "target 0");
	ASSERT_STREQ(s.x[0]->host, "127.0.0.1:18080", "host");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "authorization"), "REDACTED", "authorization");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "user-agent"), "curl/7.88.1", "user agent");
	xt_plain_body_is(&s.x[0]->req, "{\"q\":1}", "request body");
	ASSERT_EQ(s.x[0]->status, 200, "status 0");
	ASSERT_STREQ(s.x[0]->reason, "OK", "reason");
	ASSERT_STREQ(xt_hdr(&s.x[0]->resp, "set-cookie"), "REDACTED", "set-cookie");
	xt_plain_body_is(&s.x[0]->resp, JSON_BODY, "response body 0");
	ASSERT_EQ(s.x[0]->tid, 300, "tid of the writer");
	ASSERT_EQ(s.x[0]->fd, 7, "fd");

	ASSERT_STREQ(s.x[1]->method, "GET", "method 1");
	ASSERT_STREQ(s.x[1]->target, "/v1/trailers", "target 1");
	xt_plain_body_is(&s.x[1]->resp, JSON_BODY, "dechunked");
	snprintf(crc, sizeof(crc), "%08lx", crc32(0, (const Bytef *)JSON_BODY, strlen(JSON_BODY)));
	ASSERT_STREQ(xt_hdr(&s.x[1]->resp, "x-checksum"), crc, "trailer");

	ASSERT_STREQ(s.x[2]->method, "HEAD", "method 2");
	ASSERT_EQ(s.x[2]->resp.kind, HTTP_BODY_NONE, "HEAD response has no body");
	ASSERT_STREQ(xt_hdr(&s.x[2]->resp, "content-length"), "76", "HEAD keeps content-length");
	ASSERT_EQ(s.x[0]->flags | s.x[1]->flags | s.x[2]->flags, 0, "no flags");
	ASSERT_EQ(s.x[2]->seq, 2, "seq");
	/* each request head was reported on its own, before its exchange: after the previous one */
	if (ASSERT_EQ(s.n_heads, 3, "heads")) {
		for (size_t i = 0; i < 3; i++) {
			ASSERT_TRUE(s.heads[i].x == s.x[i], "the exchange delivered later");
			ASSERT_EQ(s.heads[i].start_ns, s.x[i]->req.start_ns, "its start");
			ASSERT_EQ(s.heads[i].delivered, i, "the ones before delivered");
		}
		ASSERT_STREQ(s.heads[1].line, "GET /v1/trailers (none)", "head");
	}
out:
	xt_sink_free(&s);
}

void test_conn_fixture_urllib(void)
{
	struct xt_sink s;

	if (!replay_all("urllib_post_gzip", &s) || !ASSERT_EQ(s.n, 1, "exchanges"))
		goto out;
	ASSERT_STREQ(s.x[0]->target, "/v1/gzip", "target");
	xt_plain_body_is(&s.x[0]->req,
			 "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": "
			 "\"user\", \"content\": \"hi\"}]}",
			 "request body from a separate write");
	ASSERT_TRUE(s.x[0]->req.first_body_ns > s.x[0]->req.start_ns, "body written later");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "Authorization"), "REDACTED", "authorization");
	ASSERT_STREQ(xt_hdr(&s.x[0]->resp, "content-encoding"), "gzip", "coding header kept");
	xt_plain_body_is(&s.x[0]->resp, JSON_BODY, "gunzipped");
	ASSERT_EQ(s.x[0]->req.wire_bytes, 227 + 68, "request wire bytes");
	ASSERT_EQ(s.x[0]->resp.wire_bytes, 235, "response wire bytes");
	ASSERT_EQ(s.x[0]->flags, 0, "flags");
out:
	xt_sink_free(&s);
}

static void check_sse_events(const struct http_exchange *x)
{
	if (!ASSERT_EQ(x->resp.kind, HTTP_BODY_SSE, "sse") ||
	    !ASSERT_EQ(x->resp.n_events, 4, "events (the comment is none)"))
		return;
	ASSERT_STREQ(x->resp.events[0].event, "message_start", "event 0");
	ASSERT_STREQ(x->resp.events[0].data,
		     "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\"}}", "data 0");
	ASSERT_STREQ(x->resp.events[1].data,
		     "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hel\"}}", "data 1");
	ASSERT_STREQ(x->resp.events[3].event, "message_stop", "event 3");
	ASSERT_NULL(x->resp.body, "events only");
	/* The first event came in the read that carried the head. */
	ASSERT_EQ(x->resp.events[0].ts_ns, x->resp.start_ns, "first event with the head");
	ASSERT_EQ(x->resp.first_body_ns, x->resp.start_ns, "first body byte with the head");
	ASSERT_TRUE(x->resp.events[1].ts_ns > x->resp.events[0].ts_ns, "later event later");
	ASSERT_TRUE(x->resp.end_ns >= x->resp.events[3].ts_ns, "end after last event");
}

void test_conn_fixture_httpx(void)
{
	struct xt_sink s;

	if (!replay_all("httpx_sse_gzip", &s) || !ASSERT_EQ(s.n, 1, "exchanges"))
		goto out;
	ASSERT_STREQ(s.x[0]->method, "POST", "method");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "x-api-key"), "REDACTED", "x-api-key");
	xt_plain_body_is(&s.x[0]->req, "{\"model\": \"claude\", \"stream\": true}", "request");
	ASSERT_STREQ(xt_hdr(&s.x[0]->resp, "content-encoding"), "gzip", "gzip");
	check_sse_events(s.x[0]);
	ASSERT_EQ(s.x[0]->flags, 0, "flags");
out:
	xt_sink_free(&s);
}

void test_conn_fixture_node_fetch(void)
{
	struct xt_sink s;

	if (!replay_all("node_fetch_sse", &s) || !ASSERT_EQ(s.n, 1, "exchanges"))
		goto out;
	ASSERT_STREQ(s.x[0]->target, "/v1/sse", "target");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "x-api-key"), "REDACTED", "x-api-key");
	ASSERT_STREQ(xt_hdr(&s.x[0]->req, "user-agent"), "node", "user agent");
	check_sse_events(s.x[0]);
	ASSERT_EQ(s.x[0]->flags, 0, "flags");
out:
	xt_sink_free(&s);
}

void test_conn_fixture_node_http(void)
{
	struct xt_sink s;
	struct http_exchange *x;

	if (!replay_all("node_http_keepalive", &s) || !ASSERT_EQ(s.n, 4, "exchanges"))
		goto out;
	x = s.x[0];
	ASSERT_STREQ(x->target, "/v1/ndjson", "target 0");
	ASSERT_STREQ(xt_hdr(&x->req, "x-goog-api-key"), "REDACTED", "x-goog-api-key");
	if (ASSERT_EQ(x->resp.kind, HTTP_BODY_NDJSON, "ndjson") &&
	    ASSERT_EQ(x->resp.n_events, 3, "lines")) {
		ASSERT_STREQ(x->resp.events[0].data,
			     "{\"model\":\"llama3\",\"response\":\"Hel\",\"done\":false}",
			     "line 0");
		ASSERT_STREQ(x->resp.events[2].data,
			     "{\"model\":\"llama3\",\"response\":\"\","
			     "\"done\":true,\"eval_count\":2}",
			     "line 2");
		ASSERT_NULL(x->resp.events[0].event, "no event name");
	}
	ASSERT_STREQ(s.x[1]->method, "POST", "method 1");
	xt_plain_body_is(&s.x[1]->req, "{\"prompt\":\"why is the sky blue?\"}", "chunked request");
	xt_plain_body_is(&s.x[1]->resp, JSON_BODY, "br");
	ASSERT_STREQ(s.x[2]->target, "/v1/zstd", "target 2");
	xt_plain_body_is(&s.x[2]->resp, JSON_BODY, "zstd");
	ASSERT_STREQ(xt_hdr(&s.x[3]->resp, "content-encoding"), "gzip, br", "stacked header");
	xt_plain_body_is(&s.x[3]->resp, JSON_BODY, "stacked");
	ASSERT_EQ(s.x[0]->flags | s.x[1]->flags | s.x[2]->flags | s.x[3]->flags, 0, "flags");
out:
	xt_sink_free(&s);
}

void test_conn_fixture_python_multi(void)
{
	static const char *targets[] = { "/v1/continue", "/v1/json",	"/v1/empty",
					 "/v1/cached",	 "/v1/deflate", "/v1/close" };
	static const int status[] = { 200, 200, 204, 304, 200, 200 };
	struct xt_sink s;
	size_t i;

	if (!replay_all("python_multi", &s) || !ASSERT_EQ(s.n, 6, "exchanges"))
		goto out;
	for (i = 0; i < 6; i++) {
		ASSERT_STREQ(s.x[i]->target, targets[i], "target");
		ASSERT_EQ(s.x[i]->status, status[i], "status after any 1xx");
		ASSERT_EQ(s.x[i]->flags, 0, "flags");
		ASSERT_EQ(s.x[i]->seq, i, "in order");
	}
	xt_plain_body_is(&s.x[0]->req, "{\"big\":\"request\"}", "body after Expect");
	xt_plain_body_is(&s.x[0]->resp, JSON_BODY, "final response body");
	ASSERT_STREQ(s.x[1]->method, "HEAD", "HEAD");
	ASSERT_EQ(s.x[1]->resp.kind, HTTP_BODY_NONE, "HEAD: no body");
	ASSERT_EQ(s.x[2]->resp.kind, HTTP_BODY_NONE, "204: no body");
	ASSERT_EQ(s.x[3]->resp.kind, HTTP_BODY_NONE, "304: no body");
	ASSERT_STREQ(xt_hdr(&s.x[3]->req, "cookie"), "REDACTED", "cookie");
	xt_plain_body_is(&s.x[4]->resp, JSON_BODY, "raw deflate");
	xt_plain_body_is(&s.x[5]->resp, "delimited by close\nsecond line\n", "close-delimited");
out:
	xt_sink_free(&s);
}

/* ---- synthetic streams: loss, roles, errors, caps, lifecycle ---- */

#define REQ_A	"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
#define RESP_OK "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

void test_conn_gap_in_body(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789";
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_WRITE, "GET /x HTTP/1.1\r\n\r\n", 10);
	call(&c, TT_DIR_READ, head, 20);
	c.pos[1] += 5; /* five body bytes lost */
	call(&c, TT_DIR_READ, "fghij", 30);
	call(&c, TT_DIR_WRITE, "GET /y HTTP/1.1\r\n\r\n", 40);
	call(&c, TT_DIR_READ, RESP_OK, 50);
	if (ASSERT_EQ(c.s.n, 2, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "incomplete");
		xt_plain_body_is(&c.s.x[0]->resp, "0123456789fghij", "body around the hole");
		ASSERT_EQ(c.s.x[0]->resp.wire_bytes, strlen(head) + 10, "wire bytes include lost");
		ASSERT_EQ(c.s.x[0]->resp.end_ns, 30, "end");
		ASSERT_STREQ(c.s.x[1]->target, "/y", "framing kept: next exchange");
		ASSERT_EQ(c.s.x[1]->flags, 0, "next is clean");
	}
	ASSERT_EQ(conn_table__stats(c.t)->gaps, 1, "gaps");
	ASSERT_EQ(conn_table__stats(c.t)->bytes_lost, 5, "bytes lost");
	tc_close(&c);
}

void test_conn_gap_resync(void)
{
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_WRITE, "GET /a HTTP/1.1\r\n\r\n", 10);
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234", 20);
	call(&c, TT_DIR_WRITE, "GET /b HTTP/1.1\r\n\r\n", 30);
	/* Lost: the end of /a's body and the head of /b's response; its tail arrives. */
	c.pos[1] += 80;
	call(&c, TT_DIR_READ, "b-body-tail\r\nnot: a head\r\n", 40);
	call(&c, TT_DIR_WRITE, "GET /c HTTP/1.1\r\n\r\n", 50);
	call(&c, TT_DIR_READ, "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nc", 60);
	if (ASSERT_EQ(c.s.n, 3, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "a: cut");
		xt_plain_body_is(&c.s.x[0]->resp, "01234", "a: what arrived");
		ASSERT_EQ(c.s.x[1]->flags, HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, "b: lost");
		ASSERT_EQ(c.s.x[2]->status, 201, "c: resynced at the status line");
		xt_plain_body_is(&c.s.x[2]->resp, "c", "c body");
		ASSERT_EQ(c.s.x[2]->flags, 0, "c complete");
	}
	ASSERT_EQ(conn_table__stats(c.t)->resyncs, 1, "resyncs");
	tc_close(&c);
}

void test_conn_truncated_call(void)
{
	static const char head[] = "POST /big HTTP/1.1\r\nContent-Length: 100\r\n\r\n";
	char buf[200];
	size_t hl = strlen(head);
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	memcpy(buf, head, hl);
	memset(buf + hl, 'x', 100);
	/* The call moved head + 100 bytes; only head + 40 were captured. */
	feed(&c, TT_DIR_WRITE, 0, buf, hl + 40, (uint32_t)(hl + 100),
	     TT_DF_FIRST | TT_DF_LAST | TT_DF_TRUNCATED, 10, 5);
	c.pos[0] = hl + 100;
	call(&c, TT_DIR_READ, RESP_OK, 20);
	call(&c, TT_DIR_WRITE, "GET /next HTTP/1.1\r\n\r\n", 30);
	call(&c, TT_DIR_READ, RESP_OK, 40);
	if (ASSERT_EQ(c.s.n, 2, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_REQ_TRUNCATED,
			  "truncated request");
		ASSERT_EQ(c.s.x[0]->req.body_len, 40, "captured part");
		ASSERT_EQ(c.s.x[0]->req.end_ns, 10, "request ended with the call");
		ASSERT_EQ(c.s.x[0]->tid, 5, "tid");
		ASSERT_EQ(c.s.x[1]->flags, 0, "next clean");
	}
	ASSERT_EQ(conn_table__stats(c.t)->bytes_lost, 60, "bytes lost");
	tc_close(&c);
}

/*
 * A request over the capture cap as BPF sends it: the call's head, then its tail at the tail's
 * own position. The body keeps both and says where they meet; the exchange is truncated, the
 * next one clean, in every split of the records.
 */
void test_conn_head_tail_call(void)
{
	static const char head[] = "POST /big HTTP/1.1\r\nContent-Length: 300\r\n\r\n";
	size_t hl = strlen(head), keep = hl + 50, tail = 70, n = hl + 300;
	struct tt_data rec = { .h = { .type = TT_REC_DATA, .pid = PID, .tid = 5 },
			       .conn = SSL,
			       .call_len = (uint32_t)n,
			       .dir = TT_DIR_WRITE,
			       .fd = 7 };
	char buf[400], want[121];
	uint64_t seed = 7;
	struct tc c;
	int mode;

	memcpy(buf, head, hl);
	for (size_t i = hl; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	memcpy(want, buf + hl, 50);
	memcpy(want + 50, buf + n - tail, tail);
	want[120] = 0;
	for (mode = 0; mode < TEST_SPLIT_MODES; mode++) {
		if (!tc_open(&c, NULL))
			return;
		rec.h.ts_ns = 10;
		rec.pos = 0;
		rec.len = (uint32_t)keep;
		rec.flags = TT_DF_FIRST | TT_DF_TRUNCATED;
		test__split_feed(&rec, buf, 0, mode, &seed, xt_conn_feed, c.t);
		rec.pos = n - tail;
		rec.len = (uint32_t)tail;
		rec.flags = TT_DF_LAST | TT_DF_TRUNCATED;
		test__split_feed(&rec, buf + n - tail, 0, mode, &seed, xt_conn_feed, c.t);
		c.pos[0] = n;
		call(&c, TT_DIR_READ, RESP_OK, 20);
		call(&c, TT_DIR_WRITE, "GET /next HTTP/1.1\r\n\r\n", 30);
		call(&c, TT_DIR_READ, RESP_OK, 40);
		if (ASSERT_EQ(c.s.n, 2, test__split_names[mode])) {
			const struct http_message *m = &c.s.x[0]->req;

			ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE | HTTP_X_REQ_TRUNCATED,
				  "truncated request");
			xt_plain_body_is(m, want, "head and tail");
			ASSERT_TRUE(m->body_gap, "gap");
			ASSERT_EQ(m->gap_head, 50, "head ends");
			ASSERT_EQ(m->gap_tail, 50, "tail starts");
			ASSERT_EQ(m->wire_bytes, n, "wire bytes");
			ASSERT_EQ(c.s.x[1]->flags, 0, "next clean");
			ASSERT_FALSE(c.s.x[1]->req.body_gap, "next whole");
		}
		ASSERT_EQ(conn_table__stats(c.t)->bytes_lost, 300 - 120, "bytes lost");
		tc_close(&c);
	}
}

/* Bytes lost in the middle of a call not marked truncated (ring buffer full): no cap cut it. */
void test_conn_lost_mid_body(void)
{
	static const char head[] = "POST /l HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
	size_t hl = strlen(head);
	char buf[100];
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	memcpy(buf, head, hl);
	memcpy(buf + hl, "0123456789", 10);
	feed(&c, TT_DIR_WRITE, 0, buf, hl + 3, (uint32_t)(hl + 10), TT_DF_FIRST, 10, 5);
	feed(&c, TT_DIR_WRITE, hl + 6, buf + hl + 6, 4, (uint32_t)(hl + 10), TT_DF_LAST, 10, 5);
	c.pos[0] = hl + 10;
	call(&c, TT_DIR_READ, RESP_OK, 20);
	if (ASSERT_EQ(c.s.n, 1, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_INCOMPLETE, "incomplete, not truncated");
		xt_plain_body_is(&c.s.x[0]->req, "0126789", "both sides of the hole");
		ASSERT_EQ(c.s.x[0]->req.gap_head, 3, "gap at");
	}
	tc_close(&c);
}

void test_conn_lost_request(void)
{
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_WRITE, "GET /1 HTTP/1.1\r\n\r\n", 10);
	call(&c, TT_DIR_READ, RESP_OK, 20);
	c.pos[0] += 19; /* request /2 lost whole */
	call(&c, TT_DIR_READ, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 30);
	call(&c, TT_DIR_WRITE, "GET /3 HTTP/1.1\r\n\r\n", 40);
	call(&c, TT_DIR_READ, RESP_OK, 50);
	if (ASSERT_EQ(c.s.n, 3, "exchanges")) {
		ASSERT_STREQ(c.s.x[0]->target, "/1", "1");
		ASSERT_NULL(c.s.x[1]->method, "response without its request");
		ASSERT_EQ(c.s.x[1]->status, 404, "its status");
		ASSERT_EQ(c.s.x[1]->flags, HTTP_X_INCOMPLETE, "flagged");
		ASSERT_STREQ(c.s.x[2]->target, "/3", "3");
		ASSERT_EQ(c.s.x[2]->status, 200, "3 paired right");
	}
	tc_close(&c);
}

void test_conn_server_side(void)
{
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_READ, REQ_A, 10);
	call(&c, TT_DIR_WRITE, RESP_OK, 20);
	if (ASSERT_EQ(c.s.n, 1, "exchanges")) {
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_SERVER_SIDE, "server side");
		ASSERT_STREQ(c.s.x[0]->target, "/a", "request read");
		ASSERT_EQ(c.s.x[0]->tid, 101, "thread that read it");
		xt_plain_body_is(&c.s.x[0]->req, "abc", "request body");
		xt_plain_body_is(&c.s.x[0]->resp, "ok", "response written");
	}
	tc_close(&c);
}

/* The first bytes of a call read by thread tid at ts (one record; its call is longer). */
static void read_part(struct tc *c, const char *s, uint64_t ts, uint32_t tid)
{
	size_t n = strlen(s);

	feed(c, TT_DIR_READ, c->pos[TT_DIR_READ], s, n, (uint32_t)n, TT_DF_FIRST | TT_DF_LAST, ts,
	     tid);
	c->pos[TT_DIR_READ] += n;
}

/*
 * A request head is reported as soon as it is parsed, before its body and its response (what
 * the linker opens an inbound request from): its start is the arrival of its first byte,
 * whichever record completes it, also when that first byte began the connection (too few
 * bytes to tell its protocol yet).
 */
void test_conn_request_heads(void)
{
	static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	char want[160];
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	conn_table__set_head_sink(c.t, xt_head_fn);
	/* a server reads a request whose head takes three reads, the first of two bytes only */
	read_part(&c, "PO", 10, 7);
	read_part(&c, "ST /ask?key=sk-1 HTTP/1.1\r\nHost: svc\r\ntrace", 20, 8);
	ASSERT_EQ(c.s.n_heads, 0, "not yet");
	read_part(&c,
		  "parent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
		  "Content-Length: 3\r\n\r\n",
		  30, 8);
	ASSERT_EQ(c.s.n_heads, 1, "the third read completes the head");
	read_part(&c, "abc", 40, 8);
	call(&c, TT_DIR_WRITE, RESP_OK, 50);
	/* the next request on the connection, its request line cut in two */
	read_part(&c, "GET /b HT", 60, 9);
	read_part(&c, "TP/1.1\r\n\r\n", 70, 8);
	ASSERT_EQ(c.s.n_heads, 2, "second head");
	call(&c, TT_DIR_WRITE, RESP_OK, 80);
	if (!ASSERT_EQ(c.s.n, 2, "exchanges") || !ASSERT_EQ(c.s.n_heads, 2, "heads"))
		goto out;
	ASSERT_EQ(c.s.heads[0].flags, HTTP_X_SERVER_SIDE, "server side");
	ASSERT_EQ(c.s.heads[0].pid, PID, "pid");
	ASSERT_EQ(c.s.heads[0].conn, SSL, "conn");
	ASSERT_EQ(c.s.heads[0].tid, 7, "the thread of its first byte");
	ASSERT_EQ(c.s.heads[0].start_ns, 10, "the first record's time");
	snprintf(want, sizeof(want), "POST /ask?key=REDACTED %s", tp);
	ASSERT_STREQ(c.s.heads[0].line, want, "method, target redacted, traceparent");
	ASSERT_EQ(c.s.heads[0].delivered, 0, "before its exchange");
	ASSERT_TRUE(c.s.heads[0].x == c.s.x[0], "the exchange delivered later");
	ASSERT_EQ(c.s.x[0]->req.start_ns, 10, "which starts then too");
	ASSERT_EQ(c.s.x[0]->tid, 7, "and has its thread");
	xt_plain_body_is(&c.s.x[0]->req, "abc", "body read after the report");
	ASSERT_EQ(c.s.heads[1].start_ns, 60, "keep-alive: the first record's time");
	ASSERT_EQ(c.s.heads[1].tid, 9, "its thread");
	ASSERT_STREQ(c.s.heads[1].line, "GET /b (none)", "second head");
	ASSERT_EQ(c.s.heads[1].delivered, 1, "after the first exchange");
	ASSERT_EQ(c.s.x[1]->req.start_ns, 60, "second exchange start");
out:
	tc_close(&c);
	/* a client's pipelined requests: one head each, client side, as they are parsed */
	if (!tc_open(&c, NULL))
		return;
	conn_table__set_head_sink(c.t, xt_head_fn);
	call(&c, TT_DIR_WRITE, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", 10);
	if (ASSERT_EQ(c.s.n_heads, 2, "client heads")) {
		ASSERT_EQ(c.s.heads[0].flags | c.s.heads[1].flags, 0, "client side");
		ASSERT_STREQ(c.s.heads[1].line, "GET /2 (none)", "second");
		ASSERT_EQ(c.s.heads[1].start_ns, 10, "start");
		ASSERT_EQ(c.s.heads[1].tid, 100 + TT_DIR_WRITE, "writer");
	}
	ASSERT_EQ(c.s.n, 0, "no exchange yet");
	tc_close(&c);
}

void test_conn_pipelining(void)
{
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_WRITE,
	     "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n", 10);
	call(&c, TT_DIR_READ,
	     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n"
	     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3",
	     20);
	if (ASSERT_EQ(c.s.n, 3, "exchanges")) {
		xt_plain_body_is(&c.s.x[0]->resp, "1", "1");
		xt_plain_body_is(&c.s.x[1]->resp, "2", "2");
		xt_plain_body_is(&c.s.x[2]->resp, "3", "3");
		ASSERT_STREQ(c.s.x[2]->target, "/3", "fifo");
	}
	tc_close(&c);
}

void test_conn_not_http(void)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x12\x04";
	static const char tls[] = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1";
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	feed(&c, TT_DIR_WRITE, 0, preface, sizeof(preface) - 1, sizeof(preface) - 1, TT_DF_FIRST,
	     10, 1);
	feed(&c, TT_DIR_READ, 0, "\0\0\0\x04\0\0\0\0\0", 9, 9, TT_DF_FIRST, 20, 1);
	ASSERT_EQ(conn_table__stats(c.t)->h2_prefaces, 1, "h2 preface");
	/* HTTP/2 is decoded now (test_conn_h2.c): nothing is skipped */
	ASSERT_EQ(conn_table__stats(c.t)->skipped_bytes, 0, "h2 bytes decoded, not dropped");
	conn_table__close(c.t, PID, SSL, 30);
	call(&c, TT_DIR_WRITE, tls, 40);
	call(&c, TT_DIR_WRITE, "GET / HTTP/1.1\r\n\r\n", 50);
	ASSERT_EQ(conn_table__stats(c.t)->non_http, 1, "not http");
	conn_table__flush(c.t);
	ASSERT_EQ(c.s.n, 0, "no exchanges");
	tc_close(&c);
}

void test_conn_malformed(void)
{
	static const struct {
		const char *name;
		const char *req;
		const char *resp;
		uint32_t flags;	       /* of the first exchange */
		const char *next_body; /* body of the exchange after the bad one, or NULL */
	} cases[] = {
		{ "bad content-length", "GET /1 HTTP/1.1\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", HTTP_X_INCOMPLETE, NULL },
		{ "overflowing length", "GET /1 HTTP/1.1\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 184467440737095516160\r\n\r\n",
		  HTTP_X_INCOMPLETE, NULL },
		{ "negative chunk", "GET /1 HTTP/1.1\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n",
		  HTTP_X_INCOMPLETE, NULL },
		{ "nul in header", "GET /1 HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nA: \x01\r\n\r\n",
		  HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE, NULL },
		{ "garbage after body", "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
		  RESP_OK "garbage\r\nmore\r\n" RESP_OK, 0, "ok" },
		{ "bad request length",
		  "POST /1 HTTP/1.1\r\nContent-Length: -3\r\n\r\nabcGET /2 "
		  "HTTP/1.1\r\n\r\n",
		  RESP_OK RESP_OK, HTTP_X_INCOMPLETE, "ok" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc c;

		if (!test__start_subtest(cases[i].name) || !tc_open(&c, NULL))
			continue;
		call(&c, TT_DIR_WRITE, cases[i].req, 10);
		call(&c, TT_DIR_READ, cases[i].resp, 20);
		conn_table__close(c.t, PID, SSL, 30);
		if (ASSERT_GE(c.s.n, 1, cases[i].name)) {
			ASSERT_EQ(c.s.x[0]->flags, cases[i].flags, "flags");
			ASSERT_STREQ(c.s.x[0]->target, "/1", "target");
		}
		if (cases[i].next_body && ASSERT_EQ(c.s.n, 2, "next exchange"))
			xt_plain_body_is(&c.s.x[1]->resp, cases[i].next_body, "next body");
		ASSERT_GE(conn_table__stats(c.t)->parse_errors, 1, "counted");
		tc_close(&c);
	}
}

void test_conn_caps(void)
{
	struct conn_opts o = {
		.max_header_bytes = 256, .max_body = 16, .max_pending = 2, .max_conns = 1
	};
	static char big[600];
	unsigned char gz[256];
	uLongf gzlen = sizeof(gz);
	static unsigned char zeros[4096];
	char head[128];
	struct tc c;

	if (!tc_open(&c, &o))
		return;
	/* Head over the cap: counted, resynced, the next request is fine. */
	snprintf(big, sizeof(big), "GET /big HTTP/1.1\r\nX-Pad: %0500d\r\n\r\n", 1);
	call(&c, TT_DIR_WRITE, big, 10);
	ASSERT_EQ(conn_table__stats(c.t)->caps_hit, 1, "head cap");
	call(&c, TT_DIR_WRITE, "GET /after HTTP/1.1\r\n\r\n", 20);
	/* Body over the cap: cut and flagged. */
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij",
	     30);
	if (ASSERT_EQ(c.s.n, 1, "one exchange")) {
		ASSERT_STREQ(c.s.x[0]->target, "/after", "after the cap");
		ASSERT_EQ(c.s.x[0]->flags, HTTP_X_RESP_TRUNCATED, "truncated");
		xt_plain_body_is(&c.s.x[0]->resp, "0123456789abcdef", "cut at the cap");
	}
	/* A decompression bomb: 4 KiB of zeros from a few bytes of zlib. */
	compress2(gz, &gzlen, zeros, sizeof(zeros), 9);
	call(&c, TT_DIR_WRITE, "GET /bomb HTTP/1.1\r\n\r\n", 40);
	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
		 "Content-Length: %lu\r\n\r\n",
		 (unsigned long)gzlen);
	call(&c, TT_DIR_READ, head, 50);
	feed(&c, TT_DIR_READ, c.pos[1], gz, gzlen, (uint32_t)gzlen, TT_DF_FIRST | TT_DF_LAST, 51,
	     1);
	c.pos[1] += gzlen;
	if (ASSERT_EQ(c.s.n, 2, "bomb exchange")) {
		ASSERT_EQ(c.s.x[1]->flags, HTTP_X_RESP_TRUNCATED, "bomb truncated");
		ASSERT_EQ(c.s.x[1]->resp.body_len, 16, "bomb cut");
	}
	ASSERT_EQ(conn_table__stats(c.t)->decompress_capped, 1, "decompression cap counted");
	/* Pending requests over the cap: the oldest goes out unanswered. */
	call(&c, TT_DIR_WRITE,
	     "GET /p1 HTTP/1.1\r\n\r\nGET /p2 HTTP/1.1\r\n\r\n"
	     "GET /p3 HTTP/1.1\r\n\r\n",
	     60);
	if (ASSERT_EQ(c.s.n, 3, "pending cap")) {
		ASSERT_STREQ(c.s.x[2]->target, "/p1", "oldest");
		ASSERT_EQ(c.s.x[2]->flags, HTTP_X_NO_RESPONSE | HTTP_X_INCOMPLETE, "unanswered");
	}
	/* A second connection over max_conns evicts the first, delivering what it held. */
	conn_table__set_peer(c.t, PID, SSL + 1, 3, "10.0.0.1", 443);
	ASSERT_EQ(conn_table__count(c.t), 1, "one connection");
	ASSERT_EQ(conn_table__stats(c.t)->conns_evicted, 1, "evicted");
	ASSERT_EQ(c.s.n, 5, "evicted exchanges delivered");
	ASSERT_EQ(conn_table__stats(c.t)->caps_hit, 5, "head, body, bomb, pending, conns");
	tc_close(&c);
}

void test_conn_lifecycle(void)
{
	struct tc c;

	if (!tc_open(&c, &(struct conn_opts){ .idle_ns = 100 }))
		return;
	/* set_peer before data: exchanges carry it. */
	conn_table__set_peer(c.t, PID, SSL, 9, "192.0.2.7", 8443);
	call(&c, TT_DIR_WRITE, "GET /c HTTP/1.1\r\n\r\n", 10);
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\n\r\nuntil close", 20);
	ASSERT_EQ(c.s.n, 0, "close-delimited waits");
	conn_table__close(c.t, PID, SSL, 30);
	if (ASSERT_EQ(c.s.n, 1, "delivered on close")) {
		ASSERT_EQ(c.s.x[0]->flags, 0, "complete");
		ASSERT_EQ(c.s.x[0]->resp.end_ns, 30, "ends at close");
		ASSERT_STREQ(c.s.x[0]->peer_addr, "192.0.2.7", "peer");
		ASSERT_EQ(c.s.x[0]->peer_port, 8443, "port");
		ASSERT_EQ(c.s.x[0]->fd, 9, "fd");
	}
	/* Flush: a close-delimited body never saw its end. */
	c.pos[0] = c.pos[1] = 0;
	call(&c, TT_DIR_WRITE, "GET /f HTTP/1.1\r\n\r\n", 40);
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\n\r\npartial", 50);
	conn_table__flush(c.t);
	if (ASSERT_EQ(c.s.n, 2, "flushed"))
		ASSERT_EQ(c.s.x[1]->flags, HTTP_X_INCOMPLETE, "flush: incomplete");
	/* Request without response at process exit. */
	c.pos[0] = c.pos[1] = 0;
	call(&c, TT_DIR_WRITE, "GET /e HTTP/1.1\r\n\r\n", 60);
	conn_table__proc_exit(c.t, PID + 1, 70);
	ASSERT_EQ(c.s.n, 2, "other pid untouched");
	conn_table__proc_exit(c.t, PID, 70);
	if (ASSERT_EQ(c.s.n, 3, "exit"))
		ASSERT_EQ(c.s.x[2]->flags, HTTP_X_NO_RESPONSE, "no response");
	/* Idle expiry. */
	c.pos[0] = c.pos[1] = 0;
	call(&c, TT_DIR_WRITE, "GET /i HTTP/1.1\r\n\r\n", 100);
	conn_table__expire(c.t, 150);
	ASSERT_EQ(conn_table__count(c.t), 1, "not idle yet");
	conn_table__expire(c.t, 200);
	ASSERT_EQ(conn_table__count(c.t), 0, "expired");
	if (ASSERT_EQ(c.s.n, 4, "expired exchange"))
		ASSERT_EQ(c.s.x[3]->flags, HTTP_X_NO_RESPONSE | HTTP_X_INCOMPLETE, "expired flags");
	/* The SSL* is reused for a new connection without an SSL_free seen. */
	c.pos[0] = c.pos[1] = 0;
	call(&c, TT_DIR_WRITE, "GET /old HTTP/1.1\r\n\r\n", 300);
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\n\r\nold", 310);
	c.pos[0] = c.pos[1] = 0;
	call(&c, TT_DIR_WRITE, "GET /new HTTP/1.1\r\n\r\n", 320);
	call(&c, TT_DIR_READ, RESP_OK, 330);
	if (ASSERT_EQ(c.s.n, 6, "reuse")) {
		xt_plain_body_is(&c.s.x[4]->resp, "old", "old ended by reuse");
		ASSERT_STREQ(c.s.x[5]->target, "/new", "new connection");
		ASSERT_EQ(c.s.x[5]->seq, 0, "seq restarts");
	}
	ASSERT_EQ(conn_table__feed(c.t, &(struct tt_data){ .dir = 2 }, sizeof(struct tt_data)),
		  -EINVAL, "bad direction");
	ASSERT_EQ(conn_table__feed(c.t, &(struct tt_data){ .len = 5 }, sizeof(struct tt_data)),
		  -EINVAL, "len past the record");
	tc_close(&c);
}

/*
 * Tracing starts inside a keep-alive connection (-p on a running agent): the first bytes are
 * the end of a request body and of a streaming response. The next exchange is found and is
 * whole; the call boundary is a resume point even without a preceding line feed.
 */
void test_conn_midstream_start(void)
{
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	call(&c, TT_DIR_WRITE, "ages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 10);
	call(&c, TT_DIR_READ, "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", 20);
	call(&c, TT_DIR_READ, "0\r\n\r\n", 25);
	call(&c, TT_DIR_WRITE,
	     "POST /v1/chat/completions HTTP/1.1\r\nHost: api\r\n"
	     "Content-Length: 2\r\n\r\n{}",
	     30);
	call(&c, TT_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone", 40);
	conn_table__flush(c.t);
	if (ASSERT_EQ(c.s.n, 1, "one exchange")) {
		ASSERT_STREQ(c.s.x[0]->method, "POST", "method");
		ASSERT_STREQ(c.s.x[0]->target, "/v1/chat/completions", "target");
		ASSERT_EQ(c.s.x[0]->status, 200, "status");
		xt_plain_body_is(&c.s.x[0]->resp, "done", "body");
		ASSERT_EQ(c.s.x[0]->flags, 0, "whole");
	}
	ASSERT_EQ(conn_table__stats(c.t)->midstream, 1, "counted");
	ASSERT_EQ(conn_table__stats(c.t)->non_http, 0, "not skipped");
	tc_close(&c);
}

/* Text that never reaches a message start is given up after the probe budget. */
void test_conn_midstream_budget(void)
{
	static char junk[8192];
	struct tc c;
	size_t i;

	if (!tc_open(&c, NULL))
		return;
	memset(junk, 'x', sizeof(junk) - 1);
	for (i = 0; i <= TT_MAX_MIDSTREAM_PROBE / (sizeof(junk) - 1) + 1; i++)
		call(&c, TT_DIR_WRITE, junk, 10 + i);
	ASSERT_EQ(conn_table__stats(c.t)->non_http, 1, "skipped after the budget");
	call(&c, TT_DIR_WRITE, "GET / HTTP/1.1\r\n\r\n", 100000);
	conn_table__flush(c.t);
	ASSERT_EQ(c.s.n, 0, "nothing delivered");
	tc_close(&c);
}

/*
 * A gzip SSE stream flushed per event, chunked one chunk per event, read in two calls that
 * each hold many chunks: the chunk data of one read is inflated in one piece, and every event
 * still carries the time of the read that completed it, its bytes exactly.
 */
void test_conn_gzip_chunks_batched(void)
{
	static unsigned char wire[16384], zout[512];
	const size_t nev = 40, cut_ev = 25;
	size_t i, len = 0, cut = 0, k;
	z_stream z = { 0 };
	char ev[96];
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	len = (size_t)snprintf((char *)wire, sizeof(wire),
			       "HTTP/1.1 200 OK\r\n"
			       "Content-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n");
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	for (i = 0; i <= nev; i++) {
		snprintf(ev, sizeof(ev), "event: delta\ndata: {\"n\":%zu}\n\n", i);
		z.next_in = (unsigned char *)ev;
		z.avail_in = i < nev ? (uInt)strlen(ev) : 0;
		z.next_out = zout;
		z.avail_out = sizeof(zout);
		deflate(&z, i < nev ? Z_SYNC_FLUSH : Z_FINISH);
		k = sizeof(zout) - z.avail_out;
		len += (size_t)snprintf((char *)wire + len, sizeof(wire) - len, "%zx\r\n", k);
		memcpy(wire + len, zout, k);
		len += k;
		memcpy(wire + len, "\r\n", 2);
		len += 2;
		if (i + 1 == cut_ev)
			cut = len; /* the first read ends after event cut_ev - 1 */
	}
	deflateEnd(&z);
	memcpy(wire + len, "0\r\n\r\n", 5);
	len += 5;
	call(&c, TT_DIR_WRITE, "GET /stream HTTP/1.1\r\n\r\n", 10);
	feed(&c, TT_DIR_READ, 0, wire, cut, (uint32_t)cut, TT_DF_FIRST | TT_DF_LAST, 20, 1);
	feed(&c, TT_DIR_READ, cut, wire + cut, len - cut, (uint32_t)(len - cut),
	     TT_DF_FIRST | TT_DF_LAST, 30, 1);
	if (!ASSERT_EQ(c.s.n, 1, "exchange") || !ASSERT_EQ(c.s.x[0]->flags, 0, "clean") ||
	    !ASSERT_EQ(c.s.x[0]->resp.n_events, nev, "events"))
		goto out;
	for (i = 0; i < nev; i++) {
		const struct http_event *e = &c.s.x[0]->resp.events[i];

		snprintf(ev, sizeof(ev), "{\"n\":%zu}", i);
		if (!ASSERT_STREQ(e->data, ev, "data") ||
		    !ASSERT_STREQ(e->event, "delta", "name") ||
		    !ASSERT_EQ(e->data_len, strlen(ev), "data_len") ||
		    !ASSERT_EQ(e->ts_ns, i < cut_ev ? 20 : 30, "time of its read"))
			break;
	}
out:
	tc_close(&c);
}

/* Data of event i of test_conn_gzip_chunk_reads: event 3 is 24000 random letters. */
static size_t chunk_reads_event(size_t i, char *out, size_t cap)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t x = 2463534242u;
	size_t k;

	if (i != 3)
		return (size_t)snprintf(out, cap, "{\"n\":%zu,\"t\":\"tok%zu\"}", i, i * 7);
	for (k = 0; k < 24000 && k + 1 < cap; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[k] = abc[x & 63];
	}
	out[k] = '\0';
	return k;
}

/*
 * A gzip SSE stream flushed per event, one chunk per event, one of them (event 3) over the
 * 16 KiB a read's chunks are gathered into: read one chunk per read (passed on without a copy),
 * two chunks per read, and all at once. Every pattern gives the same events, byte for byte.
 */
void test_conn_gzip_chunk_reads(void)
{
	const size_t nev = 12, cap = 65536;
	unsigned char *wire = malloc(cap), *zout = malloc(cap);
	char *ev = malloc(cap), *data = malloc(cap);
	size_t ends[16], nends = 0, len = 0, head, i, k, per, pat, from;
	z_stream z = { 0 };

	if (!ASSERT_OK_PTR(wire, "wire") || !ASSERT_OK_PTR(zout, "zout") ||
	    !ASSERT_OK_PTR(ev, "ev") || !ASSERT_OK_PTR(data, "data"))
		goto out;
	head = len =
		(size_t)snprintf((char *)wire, cap,
				 "HTTP/1.1 200 OK\r\n"
				 "Content-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n");
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	for (i = 0; i <= nev; i++) {
		k = chunk_reads_event(i, data, cap);
		k = (size_t)snprintf(ev, cap, "data: %s\n\n", data);
		z.next_in = (unsigned char *)ev;
		z.avail_in = i < nev ? (uInt)k : 0;
		z.next_out = zout;
		z.avail_out = (uInt)cap;
		deflate(&z, i < nev ? Z_SYNC_FLUSH : Z_FINISH);
		k = cap - z.avail_out;
		if (i == 3)
			ASSERT_GE(k, 16385, "event 3's chunk is over the gather size");
		len += (size_t)snprintf((char *)wire + len, cap - len, "%zx\r\n", k);
		memcpy(wire + len, zout, k);
		len += k;
		memcpy(wire + len, "\r\n", 2);
		len += 2;
		ends[nends++] = len;
	}
	deflateEnd(&z);
	memcpy(wire + len, "0\r\n\r\n", 5);
	len += 5;
	ends[nends - 1] = len; /* the last chunk and the end of the body in one read */
	for (pat = 0; pat < 3; pat++) {
		struct tc c;

		if (!tc_open(&c, NULL))
			break;
		per = pat == 0 ? 1 : pat == 1 ? 2 : nends;
		call(&c, TT_DIR_WRITE, "GET /stream HTTP/1.1\r\n\r\n", 10);
		feed(&c, TT_DIR_READ, 0, wire, head, (uint32_t)head, TT_DF_FIRST | TT_DF_LAST, 20,
		     1);
		for (from = head, i = per - 1; from < len;
		     i = i + per < nends ? i + per : nends - 1) {
			feed(&c, TT_DIR_READ, from, wire + from, ends[i] - from,
			     (uint32_t)(ends[i] - from), TT_DF_FIRST | TT_DF_LAST, 30 + i, 1);
			from = ends[i];
		}
		if (ASSERT_EQ(c.s.n, 1, "exchange") && ASSERT_EQ(c.s.x[0]->flags, 0, "clean") &&
		    ASSERT_EQ(c.s.x[0]->resp.n_events, nev, "events")) {
			for (i = 0; i < nev; i++) {
				const struct http_event *e = &c.s.x[0]->resp.events[i];

				k = chunk_reads_event(i, data, cap);
				if (!ASSERT_EQ(e->data_len, k, "data_len") ||
				    !ASSERT_OK(memcmp(e->data, data, k), "data"))
					break;
			}
		}
		tc_close(&c);
	}
out:
	free(wire);
	free(zout);
	free(ev);
	free(data);
}

/*
 * Transfer codings other than chunked are decoded like content codings, after them (RFC 9112
 * 6.1: applied last, undone first): "Transfer-Encoding: gzip, chunked" alone, and a
 * "Content-Encoding: gzip" body sent with "Transfer-Encoding: deflate, chunked", give the
 * JSON; an unknown transfer coding flags the exchange, its bytes kept as they came.
 */
void test_conn_transfer_codings(void)
{
	static const char json[] = "{\"id\":\"chatcmpl-1\",\"usage\":{\"total_tokens\":42}}";
	static const char *const te[] = { "gzip, chunked", "deflate , chunked", "x-foo, chunked" };
	unsigned char z1[256], z2[512], wire[1024];
	size_t i, n1, n2, len;

	for (i = 0; i < 3; i++) {
		struct tc c;

		if (!tc_open(&c, NULL))
			return;
		n1 = test__deflate(json, strlen(json), z1, sizeof(z1), 6, i == 2 ? 15 : 31);
		n2 = i == 1 ? test__deflate(z1, n1, z2, sizeof(z2), 6, 15) : n1;
		if (i != 1)
			memcpy(z2, z1, n1);
		len = (size_t)snprintf((char *)wire, sizeof(wire),
				       "HTTP/1.1 200 OK\r\n"
				       "Content-Type: application/json\r\n%s"
				       "Transfer-Encoding: %s\r\n\r\n%zx\r\n",
				       i == 1 ? "Content-Encoding: gzip\r\n" : "", te[i], n2);
		memcpy(wire + len, z2, n2);
		len += n2;
		memcpy(wire + len, "\r\n0\r\n\r\n", 7);
		len += 7;
		call(&c, TT_DIR_WRITE,
		     "POST /v1/chat/completions HTTP/1.1\r\n"
		     "Content-Length: 0\r\n\r\n",
		     10);
		feed(&c, TT_DIR_READ, 0, wire, len, (uint32_t)len, TT_DF_FIRST | TT_DF_LAST, 20, 1);
		if (ASSERT_EQ(c.s.n, 1, "exchange") && i < 2) {
			ASSERT_EQ(c.s.x[0]->flags, 0, "clean");
			ASSERT_EQ(c.s.x[0]->resp.body_len, strlen(json), "body_len");
			ASSERT_STREQ((const char *)c.s.x[0]->resp.body, json, "decoded body");
		} else if (c.s.n == 1) {
			ASSERT_NEQ(c.s.x[0]->flags & HTTP_X_DECODE_ERROR, 0,
				   "unknown coding flagged");
			ASSERT_EQ(c.s.x[0]->resp.body_len, n2, "raw bytes kept");
		}
		tc_close(&c);
	}
}

/*
 * A connect() names the peer of the TLS connection that later takes its socket (and dates it,
 * for the TLS-hello path); a plaintext socket names its own. Whether an exchange is TLS comes
 * from its records' source.
 */
void test_conn_peers(void)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	struct tt_connect cn = { .h = { .pid = PID, .ts_ns = 5 },
				 .fd = 7,
				 .family = 2,
				 .port = 8443,
				 .addr = { 192, 0, 2, 7 } };
	struct tt_conn_ev ev = { .h = { .pid = PID }, .conn = SSL, .fd = 7 };
	struct tt_sock so = { .h = { .pid = PID },
			      .conn = TT_CONN_SOCK | 1,
			      .fd = 8,
			      .family = 2,
			      .rport = 80,
			      .raddr = { 10, 0, 0, 1 } };
	struct tt_data plain = { .h = { .type = TT_REC_DATA, .pid = PID, .ts_ns = 30 },
				 .conn = so.conn,
				 .len = sizeof(req) - 1,
				 .call_len = sizeof(req) - 1,
				 .dir = TT_DIR_WRITE,
				 .flags = TT_DF_FIRST | TT_DF_LAST,
				 .src = TT_SRC_SOCK,
				 .fd = 8 };
	struct tc c;

	if (!tc_open(&c, NULL))
		return;
	ASSERT_EQ(conn_table__connect_ns(c.t, PID, 7, 8443), 0, "nothing connected yet");
	ASSERT_FALSE(conn_table__ssl_fd(c.t, &ev), "no peer before the connect()");
	conn_table__connect(c.t, &cn);
	ASSERT_EQ(conn_table__connect_ns(c.t, PID, 7, 8443), 5, "when it connected");
	ASSERT_EQ(conn_table__connect_ns(c.t, PID, 7, 443), 0, "to another port");
	ASSERT_EQ(conn_table__connect_ns(c.t, PID + 1, 7, 8443), 0, "another process");
	ASSERT_TRUE(conn_table__ssl_fd(c.t, &ev), "peer named");
	call(&c, TT_DIR_WRITE, req, 10);
	call(&c, TT_DIR_READ, RESP_OK, 20);
	conn_table__sock(c.t, &so);
	test__split_feed(&plain, req, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed, c.t);
	plain.h.ts_ns = 40;
	plain.dir = TT_DIR_READ;
	plain.len = plain.call_len = sizeof(RESP_OK) - 1;
	test__split_feed(&plain, RESP_OK, 0, TEST_SPLIT_WHOLE, NULL, xt_conn_feed, c.t);
	if (ASSERT_EQ(c.s.n, 2, "exchanges")) {
		ASSERT_STREQ(c.s.x[0]->peer_addr, "192.0.2.7", "connect() target");
		ASSERT_EQ(c.s.x[0]->peer_port, 8443, "its port");
		ASSERT_EQ(c.s.x[0]->fd, 7, "its fd");
		ASSERT_TRUE(c.s.x[0]->tls, "TLS plaintext");
		ASSERT_STREQ(c.s.x[1]->peer_addr, "10.0.0.1", "socket peer");
		ASSERT_EQ(c.s.x[1]->peer_port, 80, "socket port");
		ASSERT_FALSE(c.s.x[1]->tls, "plaintext socket");
	}
	tc_close(&c);
}
