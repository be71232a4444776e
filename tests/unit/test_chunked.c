// SPDX-License-Identifier: MIT
/* test_chunked.c: chunked transfer decoder, split at every byte and at random points. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "chunked.h"
#include "tt_limits.h"
#include "test.h"

#define NOT_DONE (-2000) /* input ended before the last chunk */

static int collect(const unsigned char *p, size_t n, void *ctx)
{
	return tt_buf_add(ctx, p, n);
}

struct chunked_run {
	struct chunked_dec d;
	struct tt_buf *out;
};

/* A test__split_bytes receiver: the piece goes to the decoder until it is done. */
static long chunked_piece(const void *p, size_t n, void *ctx)
{
	struct chunked_run *r = ctx;
	long took;

	if (chunked_dec__done(&r->d))
		return 0; /* the rest is the next message's */
	took = chunked_dec__feed(&r->d, p, n, collect, r->out);
	if (took >= 0 && (size_t)took < n && !chunked_dec__done(&r->d))
		return -1000; /* stopped early without being done */
	return took;
}

/*
 * Feeds in[0..len) in pieces (each a guarded copy) until the decoder is done or fails.
 * Returns the bytes consumed, or the error.
 */
static long feed_split(const char *in, size_t len, enum test_split how, uint64_t seed,
		       struct tt_buf *out, struct tt_buf *trailers)
{
	struct chunked_run r = { .d = { .trailers = trailers }, .out = out };
	long took;

	took = test__split_bytes(in, len, test__split_piece(how), 40, &seed, chunked_piece, &r);
	if (took < 0)
		return took;
	return chunked_dec__done(&r.d) ? took : NOT_DONE;
}

void test_chunked_decode(void)
{
	static const char in[] =
		"5\r\nhello\r\n"
		"1;ext=1;name=\"v\"\r\n \r\n"
		"A\r\n0123456789\r\n"
		"00000006\r\nworld!\r\n"
		"0\r\n"
		"X-Checksum: 1234\r\n"
		"X-Usage: {\"tokens\": 3}\r\n"
		"\r\n"
		"HTTP/1.1 200 OK\r\n";
	static const char body[] = "hello 0123456789world!";
	static const char tr[] = "X-Checksum: 1234\r\nX-Usage: {\"tokens\": 3}\r\n\r\n";
	size_t i, k;

	for (i = TEST_SPLIT_WHOLE; i <= TEST_SPLIT_RANDOM; i++) {
		for (k = 0; k < (i == TEST_SPLIT_RANDOM ? 50 : 1); k++) {
			struct tt_buf out, trailers;
			long r;

			if (!test__start_subtest(test__split_names[i]))
				continue;
			tt_buf_init(&out, 1024);
			tt_buf_init(&trailers, 1024);
			r = feed_split(in, strlen(in), i, 42 + k, &out, &trailers);
			ASSERT_EQ(r, (long)(strlen(in) - strlen("HTTP/1.1 200 OK\r\n")),
				  "leftover is the next message");
			ASSERT_MEMEQ(out.data, out.len, body, strlen(body), "body");
			ASSERT_MEMEQ(trailers.data, trailers.len, tr, strlen(tr), "trailers");
			tt_buf_free(&out);
			tt_buf_free(&trailers);
		}
	}
}

void test_chunked_lf_only(void)
{
	static const char in[] = "3\nabc\n0\n\n";
	struct tt_buf out, trailers;

	tt_buf_init(&out, 64);
	tt_buf_init(&trailers, 64);
	ASSERT_EQ(feed_split(in, strlen(in), TEST_SPLIT_BYTES, 1, &out, &trailers),
		  (long)strlen(in), "bare LF line ends");
	ASSERT_MEMEQ(out.data, out.len, "abc", 3, "body");
	ASSERT_EQ(trailers.len, 0, "no trailers");
	tt_buf_free(&out);
	tt_buf_free(&trailers);
}

void test_chunked_malformed(void)
{
	static const struct {
		const char *name;
		const char *in;
		long want;
	} cases[] = {
		{ "not hex", "zz\r\n", -EBADMSG },
		{ "negative", "-5\r\nhello\r\n0\r\n\r\n", -EBADMSG },
		{ "empty size", "\r\nabc", -EBADMSG },
		{ "overflow", "1000000000000000000\r\n", -EBADMSG },
		{ "huge but valid hex", "ffffffffffffff\r\nab", NOT_DONE },
		{ "missing crlf after data", "3\r\nabcX\r\n", -EBADMSG },
		{ "cr without lf", "3\r\nabc\rX", -EBADMSG },
		{ "size line cr junk", "3\rX", -EBADMSG },
		{ "ctl in extension", "3;a\x01\r\nabc\r\n", -EBADMSG },
		{ "nul in size", "3\0\r\n", -EBADMSG },
		{ "truncated chunk", "10\r\nshort", NOT_DONE },
		{ "truncated trailers", "0\r\nX-A: b\r\n", NOT_DONE },
		{ "final cr junk", "0\r\n\rX", -EBADMSG },
	};
	struct tt_buf out;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		tt_buf_init(&out, 1 << 20);
		len = strlen(cases[i].in);
		if (!strcmp(cases[i].name, "nul in size"))
			len = 4;
		ASSERT_EQ(feed_split(cases[i].in, len, TEST_SPLIT_BYTES, 1, &out, NULL),
			  cases[i].want, cases[i].name);
		tt_buf_free(&out);
	}
}

void test_chunked_caps(void)
{
	static const char tr[] = "0\r\nX-Long-Trailer: 1\r\n\r\n";
	static char line[TT_MAX_CHUNK_LINE + 16];
	struct tt_buf out, trailers;
	size_t n;

	/* An endless chunk extension is cut at TT_MAX_CHUNK_LINE. */
	n = (size_t)snprintf(line, sizeof(line), "5;");
	memset(line + n, 'e', sizeof(line) - n - 1);
	tt_buf_init(&out, 64);
	ASSERT_EQ(feed_split(line, sizeof(line) - 1, TEST_SPLIT_WHOLE, 1, &out, NULL), -E2BIG,
		  "chunk line cap");
	tt_buf_free(&out);

	/* Trailers beyond their buffer's cap. */
	tt_buf_init(&out, 64);
	tt_buf_init(&trailers, 8);
	ASSERT_EQ(feed_split(tr, strlen(tr), TEST_SPLIT_WHOLE, 1, &out, &trailers), -E2BIG,
		  "trailer cap");
	tt_buf_free(&out);
	tt_buf_free(&trailers);
}

void test_chunked_skip(void)
{
	struct chunked_dec d = { 0 };
	struct tt_buf out;

	tt_buf_init(&out, 64);
	ASSERT_EQ(chunked_dec__feed(&d, (const unsigned char *)"a\r\n01", 5, collect, &out), 5,
		  "head of chunk");
	ASSERT_OK(chunked_dec__skip(&d, 6), "lost bytes inside the chunk");
	ASSERT_EQ(chunked_dec__feed(&d, (const unsigned char *)"89\r\n0\r\n\r\n", 9, collect, &out),
		  9, "rest");
	ASSERT_TRUE(chunked_dec__done(&d), "done");
	ASSERT_MEMEQ(out.data, out.len, "0189", 4, "body around the hole");
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(chunked_dec__feed(&d, (const unsigned char *)"2\r\nab", 5, collect, &out), 5,
		  "chunk");
	ASSERT_EQ(chunked_dec__skip(&d, 3), -EBADMSG, "lost bytes past the chunk");
	tt_buf_free(&out);
}
