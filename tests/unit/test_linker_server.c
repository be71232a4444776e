// SPDX-License-Identifier: MIT
/*
 * test_linker_server.c: inbound requests of a server process from captured records to spans,
 * through the pipeline: conn reports each request head as it is parsed, the linker opens the
 * request then, and the LLM calls made while serving it nest under its SERVER span.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2_test.h"
#include "linker_test.h"
#include "pipeline_test.h"
#include "pipeline.h"
#include "test.h"
#include "tt_abi.h"

#define PID	100
#define SRV_A	0 /* connection indexes: inbound requests A and B */
#define SRV_B	1
#define LLM_1	2 /* the LLM calls the server makes */
#define LLM_2	3
#define N_CONNS 4

/* W3C trace context of inbound request B, and of an LLM call made for it by another thread. */
#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_IN	 "00-" TP_TRACE "-00f067aa0ba902b7-01"
#define TP_OUT	 "00-" TP_TRACE "-b7ad6b7169203331-01"

/* A pipeline whose spans go to t, fed records cut as mode says. */
struct srv {
	struct lt t;
	struct pipeline *p;
	enum test_split mode;
	uint64_t seed;
	uint64_t pos[N_CONNS][2];
};

static bool srv_open(struct srv *s, enum test_split mode, uint64_t seed)
{
	struct pipeline_opts o = { .linker = { .single_trace = true, .host_name = "box" },
				   .span_sink = lt_sink };

	memset(s, 0, sizeof(*s));
	o.span_ctx = &s->t;
	s->mode = mode;
	s->seed = seed;
	s->p = pipeline__new(&o);
	return ASSERT_OK_PTR(s->p, "pipeline");
}

/* The end of input at ts: every span out, the pipeline gone (spans stay in s->t). */
static void srv_finish(struct srv *s, uint64_t ts)
{
	pipeline__finish(s->p, ts);
	pipeline__free(s->p);
	s->p = NULL;
}

static uint64_t conn_of(int k)
{
	return TT_CONN_SOCK | (0x100ull * (uint64_t)(k + 1));
}

/* python3 agent_service.py, pid PID, exec'd at ts by an untraced parent. */
static void srv_exec(struct srv *s, uint64_t ts)
{
	static const char args[] = "python3\0agent_service.py";

	pt_exec(s->p, PID, 1, ts, "/usr/bin/python3", args, sizeof(args));
}

static void srv_exit(struct srv *s, uint64_t start, uint64_t ts)
{
	pt_exit(s->p, PID, 1, start, ts);
}

/* An accepted socket of the server (its local port is the SERVER spans' server.port). */
static void srv_sock(struct srv *s, int k, uint16_t lport)
{
	struct tt_sock r = { .h = { .type = TT_REC_SOCK, .size = sizeof(r), .pid = PID, .tid = PID },
			     .conn = conn_of(k),
			     .fd = 10 + k,
			     .family = 2,
			     .lport = lport,
			     .rport = 40000 + (uint16_t)k };

	r.raddr[0] = 127;
	r.raddr[3] = 1;
	pipeline__record(s->p, &r, sizeof(r));
}

/* n bytes moved on connection k by thread tid at ts: one call, cut into records by mode. */
static void srv_io(struct srv *s, int k, int dir, uint32_t tid, uint64_t ts, const void *p,
		   size_t n)
{
	struct tt_data r = { .h = { .type = TT_REC_DATA, .pid = PID, .tid = tid, .ts_ns = ts },
			     .conn = conn_of(k),
			     .pos = s->pos[k][dir],
			     .call_len = (uint32_t)n,
			     .len = (uint32_t)n,
			     .dir = (uint8_t)dir,
			     .flags = TT_DF_FIRST | TT_DF_LAST,
			     .src = TT_SRC_SOCK,
			     .fd = 10 + k };

	ASSERT_OK(test__split_feed(&r, p, 0, s->mode, &s->seed, pt_feed, s->p), "feed");
	s->pos[k][dir] += n;
}

static void srv_read(struct srv *s, int k, uint32_t tid, uint64_t ts, const char *text)
{
	srv_io(s, k, TT_DIR_READ, tid, ts, text, strlen(text));
}

static void srv_write(struct srv *s, int k, uint32_t tid, uint64_t ts, const char *text)
{
	srv_io(s, k, TT_DIR_WRITE, tid, ts, text, strlen(text));
}

/* An LLM call the server makes on connection k from thread tid, t0 to t1 (traceparent or NULL). */
static void srv_llm_call(struct srv *s, int k, uint32_t tid, uint64_t t0, uint64_t t1,
			 const char *traceparent)
{
	char req[1024], tp[128] = "";

	if (traceparent)
		snprintf(tp, sizeof(tp), "traceparent: %s\r\n", traceparent);
	snprintf(req, sizeof(req),
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		 "Content-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n%s",
		 tp, strlen(PT_LLM_REQ_BODY), PT_LLM_REQ_BODY);
	srv_write(s, k, tid, t0, req);
	snprintf(req, sizeof(req),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(PT_LLM_RESP_BODY), PT_LLM_RESP_BODY);
	srv_read(s, k, tid, t1, req);
}

/*
 * Two requests served at once by threads 101 (A, from 2000) and 102 (B, from 2050, with a
 * traceparent; split: its head over three reads, the first of two bytes). Thread 101 calls the
 * LLM for A; a worker thread 103 calls it for B, passing B's trace on.
 */
static void serve_two(struct srv *s, bool split)
{
	srv_exec(s, 1000);
	srv_sock(s, SRV_A, 8080);
	srv_sock(s, SRV_B, 8080);
	srv_read(s, SRV_A, 101, 2000,
		 "POST /ask?id=1 HTTP/1.1\r\nHost: svc\r\n"
		 "Content-Length: 2\r\n\r\nq1");
	if (split) {
		srv_read(s, SRV_B, 102, 2050, "PO");
		srv_read(s, SRV_B, 102, 2060, "ST /ask?id=2 HTTP/1.1\r\nHost: svc\r\ntracep");
		srv_read(s, SRV_B, 102, 2070, "arent: " TP_IN "\r\nContent-Length: 2\r\n\r\n");
		srv_read(s, SRV_B, 102, 2080, "q2");
	} else {
		srv_read(s, SRV_B, 102, 2050,
			 "POST /ask?id=2 HTTP/1.1\r\nHost: svc\r\n"
			 "traceparent: " TP_IN "\r\nContent-Length: 2\r\n\r\nq2");
	}
	srv_llm_call(s, LLM_1, 101, 2100, 2200, NULL);
	srv_llm_call(s, LLM_2, 103, 2300, 2400, TP_OUT);
	srv_write(s, SRV_A, 101, 2500, PT_RESP_OK);
	srv_write(s, SRV_B, 102, 2600, PT_RESP_OK);
	srv_exit(s, 1000, 3000);
	srv_finish(s, 3000);
}

/* What serve_two must give, however its records were cut. */
static void check_two(const struct lt *t)
{
	struct tt_span *agent, *a, *b, *chat1, *chat2;
	size_t i;

	if (!LT_NEED(t, { &agent, "invoke_agent agent_service" }, { &a, "POST /ask", 0 },
		     { &b, "POST /ask", 1 }, { &chat1, "chat gpt-4o", 0 },
		     { &chat2, "chat gpt-4o", 1 }))
		return;
	ASSERT_EQ(t->n, 5, "spans");
	ASSERT_EQ(a->kind, SPAN_KIND_SERVER, "SERVER");
	ASSERT_EQ(a->start_ns, 2000, "A starts at its request's first byte");
	ASSERT_EQ(a->end_ns, 2500, "A ends with its response");
	ASSERT_EQ(b->start_ns, 2050, "B starts at its request's first byte");
	ASSERT_EQ(b->end_ns, 2600, "B ends with its response");
	ASSERT_TRUE(parent_is(a, agent), "SERVER span under the process");
	/* a traceparent names the caller's span: B's parent (W3C), no longer the process */
	ASSERT_TRUE(b->has_parent && id_is(b->parent_id, 8, "00f067aa0ba902b7"),
		    "B under its traceparent's span");
	ASSERT_TRUE(b->remote_parent && !a->remote_parent, "a remote parent");
	ASSERT_EQ(iattr(a, "server.port"), 8080, "the accepting port");
	ASSERT_STREQ(sattr(a, "url.path"), "/ask", "path");
	/* the exact ids: the SERVER span id chosen at the head is the one the call points to */
	ASSERT_TRUE(parent_is(chat1, a), "A's call: by its thread");
	ASSERT_TRUE(parent_is(chat2, b), "B's call: by B's traceparent, from another thread");
	ASSERT_EQ(chat1->start_ns, 2100, "chat 1 start");
	/* the call's traceparent: the trace adopts it, the process span gets its remote parent */
	for (i = 0; i < t->n; i++)
		ASSERT_TRUE(id_is(t->v[i]->trace_id, 16, TP_TRACE), "the inbound trace");
	ASSERT_TRUE(agent->has_parent && id_is(agent->parent_id, 8, "b7ad6b7169203331"),
		    "the remote parent");
	ASSERT_TRUE(agent->remote_parent, "remote");
}

/* Two requests in progress at once, each record whole, a byte at a time and at random cuts. */
void test_linker_server_pipeline(void)
{
	static const enum test_split modes[] = { TEST_SPLIT_WHOLE, TEST_SPLIT_BYTES,
						 TEST_SPLIT_RANDOM };
	struct srv s;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!srv_open(&s, modes[i], 42 + i))
			return;
		serve_two(&s, false);
		check_two(&s.t);
		lt_free(&s.t);
	}
}

/*
 * B's head comes in three reads and completes on the third: its SERVER span starts at the
 * first, and its traceparent, cut between two reads, still attributes the worker's call.
 */
void test_linker_server_pipeline_split(void)
{
	static const enum test_split modes[] = { TEST_SPLIT_WHOLE, TEST_SPLIT_BYTES };
	struct srv s;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!srv_open(&s, modes[i], 7))
			return;
		serve_two(&s, true);
		check_two(&s.t);
		lt_free(&s.t);
	}
}

/*
 * HTTP/2: two requests on one connection, their HEADERS in one read (so with one start), each
 * with a traceparent. The LLM call made for stream 1 while both are in progress (its trace, from
 * a worker thread) nests under stream 1's SERVER span, although stream 3 ends first.
 */
void test_linker_server_h2(void)
{
	struct tt_span *agent, *ask, *other, *chat;
	struct h2t b;
	struct srv s;
	size_t i;

	h2t_start(&b);
	h2t_headers(&b, H2_C2S, 1, false, ":method", "POST", ":scheme", "http", ":authority", "svc",
		    ":path", "/ask", "traceparent", TP_IN);
	h2t_datas(&b, H2_C2S, 1, true, "q1");
	h2t_headers(&b, H2_C2S, 3, false, ":method", "POST", ":scheme", "http", ":authority", "svc",
		    ":path", "/other", "traceparent",
		    "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01");
	h2t_datas(&b, H2_C2S, 3, true, "q3");
	h2t_cut(&b);
	h2t_headers(&b, H2_S2C, 3, false, ":status", "200");
	h2t_datas(&b, H2_S2C, 3, true, "a3");
	h2t_cut(&b);
	h2t_headers(&b, H2_S2C, 1, false, ":status", "200");
	h2t_datas(&b, H2_S2C, 1, true, "a1");
	if (!ASSERT_EQ(b.nseg, 6, "segments") || !srv_open(&s, TEST_SPLIT_WHOLE, 0))
		goto out;
	srv_exec(&s, 500);
	for (i = 0; i < b.nseg; i++) {
		const struct h2t_seg *g = &b.seg[i];

		if (i == 4) /* both in progress: before stream 3's response */
			srv_llm_call(&s, LLM_1, 105, g->ts - 8, g->ts - 5, TP_OUT);
		srv_io(&s, SRV_A, g->side == H2_C2S ? TT_DIR_READ : TT_DIR_WRITE, 101, g->ts,
		       b.out[g->side].data + g->off, g->len);
	}
	srv_exit(&s, 500, 3000);
	srv_finish(&s, 3000);
	if (!LT_NEED(&s.t, { &agent, "invoke_agent agent_service" }, { &ask, "POST /ask" },
		     { &other, "POST /other" }, { &chat, "chat gpt-4o" }))
		goto close;
	ASSERT_EQ(ask->kind, SPAN_KIND_SERVER, "SERVER");
	ASSERT_EQ(ask->start_ns, b.seg[3].ts, "stream 1 starts with its HEADERS");
	ASSERT_EQ(other->start_ns, b.seg[3].ts, "stream 3 too, in the same read");
	ASSERT_TRUE(ask->end_ns > other->end_ns, "stream 3 ended first");
	/* each under its traceparent's span, in its trace (the process stays in its own) */
	ASSERT_TRUE(ask->has_parent && id_is(ask->parent_id, 8, "00f067aa0ba902b7") &&
			    other->has_parent && id_is(other->parent_id, 8, "00f067aa0ba902b7"),
		    "under the traceparents' spans");
	ASSERT_TRUE(id_is(other->trace_id, 16, "0af7651916cd43dd8448eb211c80319c"),
		    "stream 3 in its traceparent's trace");
	ASSERT_TRUE(parent_is(chat, ask), "stream 1's call: by its trace, under its own span");
close:
	lt_free(&s.t);
out:
	h2t_free(&b);
}
