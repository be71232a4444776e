// SPDX-License-Identifier: MIT
/* test_sse.c: SSE and NDJSON splitting, at every byte and at random split points. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "test.h"

/* Events rendered as "event|data|id|retry\n" lines (NULL fields as "-"). */
static int render(const struct sse_event *ev, void *ctx)
{
	struct tt_buf *b = ctx;

	if (!ev->data)
		return -1;
	return tt_buf_printf(b, "%.*s|%.*s|%.*s|%ld\n", ev->event ? (int)ev->event_len : 1,
			     ev->event ? ev->event : "-", (int)ev->data_len, ev->data,
			     ev->id ? (int)ev->id_len : 1, ev->id ? ev->id : "-", ev->retry);
}

struct sse_run {
	struct sse_parser p;
	struct tt_buf *out;
};

/* A test__split_bytes receiver: the piece goes to the parser, its events to out. */
static long sse_piece(const void *p, size_t n, void *ctx)
{
	struct sse_run *r = ctx;
	int err = sse_parser__feed(&r->p, p, n, render, r->out);

	return err ? err : (long)n;
}

/* Feeds in to a fresh parser split as asked; returns the rendered events. */
static bool run(enum sse_mode mode, size_t max_event, const char *in, size_t len,
		enum test_split how, uint64_t seed, struct tt_buf *out, uint64_t *oversize)
{
	struct sse_run r = { .out = out };
	bool ok;

	sse_parser__init(&r.p, mode, max_event);
	ok = ASSERT_GE(test__split_bytes(in, len, test__split_piece(how), 30, &seed, sse_piece, &r),
		       0, "feed") &&
	     ASSERT_OK(sse_parser__finish(&r.p, render, out), "finish");
	if (oversize)
		*oversize = r.p.n_oversize;
	sse_parser__free(&r.p);
	return ok;
}

static void check_all_splits(enum sse_mode mode, const char *in, const char *want)
{
	int how, k;

	for (how = TEST_SPLIT_WHOLE; how <= TEST_SPLIT_RANDOM; how++) {
		if (!test__start_subtest(test__split_names[how]))
			continue;
		for (k = 0; k < (how == TEST_SPLIT_RANDOM ? 40 : 1); k++) {
			struct tt_buf out;

			tt_buf_init(&out, 1 << 16);
			if (run(mode, 0, in, strlen(in), how, 7 + k, &out, NULL))
				ASSERT_MEMEQ(out.data, out.len, want, strlen(want), "events");
			tt_buf_free(&out);
		}
	}
}

void test_sse_events(void)
{
	static const char in[] =
		"\xef\xbb\xbf: leading comment\r\n"
		"event: message_start\r\n"
		"data: {\"type\":\"message_start\"}\r\n"
		"\r\n"
		"event: content_block_delta\n"
		"id: 7\n"
		"data: line one\n"
		"data:line two\n"
		"data\n"
		"retry: 1500\n"
		"unknown: field\n"
		"\n"
		"data: cr only\r"
		"\r"
		": ping\n\n"
		"event: empty\n\n"
		"data:  two spaces\n"
		"id\n"
		"\n"
		"data: [DONE]\n\n"
		"data: no final blank line\n";
	static const char want[] =
		"message_start|{\"type\":\"message_start\"}|-|-1\n"
		"content_block_delta|line one\nline two\n|7|1500\n"
		"-|cr only|-|-1\n"
		"-| two spaces||-1\n"
		"-|[DONE]|-|-1\n"
		"-|no final blank line|-|-1\n";

	check_all_splits(SSE_MODE_SSE, in, want);
}

void test_sse_ndjson(void)
{
	static const char in[] =
		"{\"model\":\"llama3\",\"response\":\"Hel\",\"done\":false}\n"
		"\n"
		"  \r\n"
		"{\"response\":\"lo\",\"done\":false}\r\n"
		"{\"done\":true,\"eval_count\":2}";
	static const char want[] =
		"-|{\"model\":\"llama3\",\"response\":\"Hel\",\"done\":false}|-|-1\n"
		"-|{\"response\":\"lo\",\"done\":false}|-|-1\n"
		"-|{\"done\":true,\"eval_count\":2}|-|-1\n";

	check_all_splits(SSE_MODE_NDJSON, in, want);
}

void test_sse_caps(void)
{
	static const char in[] =
		"data: 0123456789abcdef0123456789\n\n"	 /* line over 16 bytes */
		"data: 0123456789\ndata: 0123456789\n\n" /* event over 16 bytes */
		"data: ok\n\n";
	static const char nd[] = "{\"a\":\"0123456789abcdef0123\"}\n{\"b\":1}\n";
	uint64_t over;
	int how;

	for (how = TEST_SPLIT_WHOLE; how <= TEST_SPLIT_RANDOM; how++) {
		struct tt_buf out;

		tt_buf_init(&out, 1 << 16);
		if (run(SSE_MODE_SSE, 16, in, strlen(in), how, 3, &out, &over)) {
			ASSERT_STREQ(tt_buf_cstr(&out), "-|ok|-|-1\n", test__split_names[how]);
			ASSERT_EQ(over, 2, "oversize counted");
		}
		tt_buf_reset(&out);
		if (run(SSE_MODE_NDJSON, 16, nd, strlen(nd), how, 3, &out, &over)) {
			ASSERT_STREQ(tt_buf_cstr(&out), "-|{\"b\":1}|-|-1\n",
				     test__split_names[how]);
			ASSERT_EQ(over, 1, "ndjson oversize counted");
		}
		tt_buf_free(&out);
	}
}

void test_sse_gap(void)
{
	struct sse_parser p;
	struct tt_buf out;

	tt_buf_init(&out, 1 << 16);
	sse_parser__init(&p, SSE_MODE_SSE, 0);
	ASSERT_OK(sse_parser__feed(&p, "data: one\n\ndata: tw", 19, render, &out), "before");
	sse_parser__gap(&p);
	ASSERT_OK(sse_parser__feed(&p, "o half\ndata: x\n\ndata: three\n\n", 29, render, &out),
		  "after");
	ASSERT_STREQ(tt_buf_cstr(&out), "-|one|-|-1\n-|three|-|-1\n", "resumes after blank line");
	sse_parser__free(&p);

	tt_buf_reset(&out);
	sse_parser__init(&p, SSE_MODE_NDJSON, 0);
	ASSERT_OK(sse_parser__feed(&p, "{\"a\":1}\n{\"b\"", 13, render, &out), "nd before");
	sse_parser__gap(&p);
	ASSERT_OK(sse_parser__feed(&p, ":2}\n{\"c\":3}\n", 12, render, &out), "nd after");
	ASSERT_STREQ(tt_buf_cstr(&out), "-|{\"a\":1}|-|-1\n-|{\"c\":3}|-|-1\n", "ndjson resumes");
	sse_parser__free(&p);
	tt_buf_free(&out);
}

/*
 * Every cut of the input into two and into three feeds: an event's name and first data line
 * are kept as views into the fed buffer while its blank line has not come, so each boundary
 * (inside a field, between CR and LF, right after a lone CR) must copy them correctly. i == j
 * feeds an empty buffer in between, which must not forget a CR that ended the first one.
 */
static void check_every_cut(enum sse_mode mode, const char *in, const char *want)
{
	size_t len = strlen(in), i, j;
	struct sse_parser p;
	struct tt_buf out;
	void *g;

	tt_buf_init(&out, 1 << 16);
	for (i = 0; i <= len; i++) {
		for (j = i; j <= len; j++) {
			size_t cut[4] = { 0, i, j, len }, k;

			tt_buf_reset(&out);
			sse_parser__init(&p, mode, 0);
			for (k = 0; k < 3; k++) {
				g = test__guarded(in + cut[k], cut[k + 1] - cut[k]);
				sse_parser__feed(&p, g, cut[k + 1] - cut[k], render, &out);
				test__guarded_free(g);
			}
			sse_parser__finish(&p, render, &out);
			sse_parser__free(&p);
			if (!ASSERT_MEMEQ(out.data, out.len, want, strlen(want), "cut"))
				goto out;
		}
	}
out:
	tt_buf_free(&out);
}

void test_sse_views_at_every_cut(void)
{
	static const char sse_in[] =
		"event: content_block_delta\r\n"
		"data: {\"a\":1}\r\n"
		"\r\n"
		"event: one\r"
		"event: two\r"
		"data: x\r"
		"data: y\r"
		"\r"
		"data:z\n"
		"id: 9\n"
		"\n"
		"data: lone\n\n"
		"data\n\n"
		"event: tail\n"
		"data: no blank line";
	static const char sse_want[] =
		"content_block_delta|{\"a\":1}|-|-1\n"
		"two|x\ny|-|-1\n"
		"-|z|9|-1\n"
		"-|lone|-|-1\n"
		"-||-|-1\n";
	static const char nd_in[] = "{\"a\":1}\r\n\r\n{\"b\":2}\r{\"c\":3}\n{\"d\":4}";
	static const char nd_want[] =
		"-|{\"a\":1}|-|-1\n-|{\"b\":2}|-|-1\n-|{\"c\":3}|-|-1\n-|{\"d\":4}|-|-1\n";

	if (test__start_subtest("sse"))
		check_every_cut(SSE_MODE_SSE, sse_in, sse_want);
	if (test__start_subtest("ndjson"))
		check_every_cut(SSE_MODE_NDJSON, nd_in, nd_want);
}

/* A view kept across a feed boundary is copied: the caller may reuse its buffer at once. */
void test_sse_view_outlives_buffer(void)
{
	struct sse_parser p;
	struct tt_buf out;
	char buf[64];

	tt_buf_init(&out, 1 << 10);
	sse_parser__init(&p, SSE_MODE_SSE, 0);
	strcpy(buf, "event: ping\ndata: first\n");
	ASSERT_OK(sse_parser__feed(&p, buf, strlen(buf), render, &out), "feed 1");
	memset(buf, 'X', sizeof(buf));
	strcpy(buf, "data: second\n\n");
	ASSERT_OK(sse_parser__feed(&p, buf, strlen(buf), render, &out), "feed 2");
	ASSERT_STREQ(tt_buf_cstr(&out), "ping|first\nsecond|-|-1\n", "copied views");
	tt_buf_reset(&out);
	strcpy(buf, "event: pong\ndata: only\n");
	ASSERT_OK(sse_parser__feed(&p, buf, strlen(buf), render, &out), "feed 3");
	memset(buf, 'Y', sizeof(buf));
	ASSERT_OK(sse_parser__feed(&p, "\n", 1, render, &out), "feed 4");
	ASSERT_STREQ(tt_buf_cstr(&out), "pong|only|-|-1\n", "copied single line");
	ASSERT_EQ(p.n_events, 2, "events");
	sse_parser__free(&p);
	tt_buf_free(&out);
}

static int stop(const struct sse_event *ev, void *ctx)
{
	(*(int *)ctx)++;
	return ev ? -ECANCELED : 0;
}

/* A whole body split at once: as a feed and finish, but its end also ends a cut last line. */
void test_sse_split_body(void)
{
	static const char sse_in[] = "event: a\ndata: one\n\ndata: two\ndata: cu";
	static const char nd_in[] = "{\"a\":1}\n  \n{\"b\":";
	static const char *const ends[] = { "\n", "\r", "\r\n", "\n\n" };
	struct tt_buf out, in;
	size_t i;
	int calls = 0;
	void *g;

	tt_buf_init(&out, 1 << 10);
	g = test__guarded(sse_in, strlen(sse_in));
	ASSERT_OK(sse_split_body(SSE_MODE_SSE, g, strlen(sse_in), render, &out), "sse");
	test__guarded_free(g);
	ASSERT_STREQ(tt_buf_cstr(&out), "a|one|-|-1\n-|two\ncu|-|-1\n", "sse cut line kept");
	tt_buf_reset(&out);
	g = test__guarded(nd_in, strlen(nd_in));
	ASSERT_OK(sse_split_body(SSE_MODE_NDJSON, g, strlen(nd_in), render, &out), "ndjson");
	test__guarded_free(g);
	ASSERT_STREQ(tt_buf_cstr(&out), "-|{\"a\":1}|-|-1\n-|{\"b\":|-|-1\n", "ndjson cut line");
	/* a body that ends its last line itself gives the same events, whatever the line end */
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		tt_buf_init(&in, 1 << 10);
		tt_buf_printf(&in, "%s%s", sse_in, ends[i]);
		tt_buf_reset(&out);
		ASSERT_OK(sse_split_body(SSE_MODE_SSE, in.data, in.len, render, &out), ends[i]);
		ASSERT_STREQ(tt_buf_cstr(&out), "a|one|-|-1\n-|two\ncu|-|-1\n", "line end");
		tt_buf_free(&in);
	}
	tt_buf_reset(&out);
	ASSERT_OK(sse_split_body(SSE_MODE_SSE, "", 0, render, &out), "empty");
	ASSERT_EQ(out.len, 0, "no events");
	ASSERT_EQ(sse_split_body(SSE_MODE_NDJSON, "{}\n{}\n", 6, stop, &calls), -ECANCELED,
		  "fn's error");
	ASSERT_EQ(calls, 1, "stops at the first");
	tt_buf_free(&out);
}
