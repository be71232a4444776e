// SPDX-License-Identifier: MIT
/* test_body_reader.c: the body reader (codings, then plain, SSE, NDJSON) and its event store. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "body_reader.h"
#include "test.h"

static const struct http_header sse_gzip_headers[] = {
	{ "Content-Type", "text/event-stream; charset=utf-8" },
	{ "Content-Encoding", "gzip" },
};

/* m, with the one header h (NULL: none), read by r from the n bytes at p in one go. */
static bool read_body(struct body_reader *r, struct http_message *m, const struct http_header *h,
		      const struct body_limits *lim, const char *p, size_t n, const char *what)
{
	memset(m, 0, sizeof(*m));
	m->headers.v = (struct http_header *)h;
	m->headers.n = h ? 1 : 0;
	return ASSERT_OK(body_reader__init(r, m, lim, NULL), what) &&
	       ASSERT_OK(body_reader__feed(r, p, n, 1), what) &&
	       ASSERT_OK(body_reader__finish(r, 2), what);
}

/* Frees what r and m hold; m's header is the test's. */
static void read_done(struct body_reader *r, struct http_message *m)
{
	body_reader__free(r);
	m->headers.v = NULL;
	m->headers.n = 0;
	http_message__clear(m);
}

/* A gzip SSE stream flushed per event: each event is decoded as its bytes arrive. */
void test_body_reader_sse_gzip(void)
{
	static const char *events[] = {
		"event: message_start\ndata: {\"a\":1}\n\n",
		"event: delta\ndata: {\"text\":\"Hi\"}\n\n",
		"event: delta\ndata: {\"text\":\" there\"}\n\n",
		"event: message_stop\ndata: {}\n\n",
	};
	struct http_message m = { 0 };
	struct body_limits lim = { 1 << 20, 1 << 16, 100 };
	struct body_reader r;
	unsigned char out[4096];
	z_stream z = { 0 };
	size_t i, k;

	m.headers.v = (struct http_header *)sse_gzip_headers;
	m.headers.n = 2;
	if (!ASSERT_OK(body_reader__init(&r, &m, &lim, NULL), "init"))
		return;
	ASSERT_EQ(m.kind, HTTP_BODY_SSE, "kind");
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	for (i = 0; i < 4; i++) {
		z.next_in = (unsigned char *)events[i];
		z.avail_in = (uInt)strlen(events[i]);
		z.next_out = out;
		z.avail_out = sizeof(out);
		deflate(&z, i == 3 ? Z_FINISH : Z_SYNC_FLUSH);
		/* Each flush arrives split in two reads, at times 1000 * (i + 1) and + 1. */
		k = (sizeof(out) - z.avail_out) / 2;
		ASSERT_OK(body_reader__feed(&r, out, k, 1000 * (i + 1)), "feed a");
		ASSERT_OK(body_reader__feed(&r, out + k, sizeof(out) - z.avail_out - k,
					    1000 * (i + 1) + 1),
			  "feed b");
		ASSERT_EQ(m.n_events, i + 1, "event decoded on arrival");
	}
	deflateEnd(&z);
	ASSERT_OK(body_reader__finish(&r, 5000), "finish");
	ASSERT_FALSE(r.incomplete || r.truncated || r.decode_error, "clean");
	if (ASSERT_EQ(m.n_events, 4, "events")) {
		ASSERT_STREQ(m.events[0].event, "message_start", "event 0");
		ASSERT_STREQ(m.events[2].data, "{\"text\":\" there\"}", "data 2");
		ASSERT_EQ(m.events[2].data_len, 17, "data_len 2");
		ASSERT_EQ(m.events[0].ts_ns, 1001, "ts 0");
		ASSERT_EQ(m.events[3].ts_ns, 4001, "ts 3");
	}
	ASSERT_NULL(m.body, "no plain body");
	read_done(&r, &m);
}

void test_body_reader_caps(void)
{
	static const struct http_header h_unknown = { "Content-Encoding", "compress" };
	static const struct http_header h_nd = { "content-type", "application/x-ndjson" };
	struct body_limits lim = { 16, 1 << 10, 2 };
	struct http_message m;
	struct body_reader r;

	/* Plain body over the cap: cut, flagged, not a decompression cap. */
	if (read_body(&r, &m, NULL, &lim, "0123456789abcdefXYZ", 19, "plain")) {
		ASSERT_TRUE(r.truncated && !r.decomp_capped, "plain truncated");
		ASSERT_MEMEQ(m.body, m.body_len, "0123456789abcdef", 16, "plain cut");
	}
	read_done(&r, &m);

	/* Unknown coding: raw bytes kept, decode error. */
	if (read_body(&r, &m, &h_unknown, &lim, "\x1f\x9d\x90", 3, "unknown")) {
		ASSERT_TRUE(r.decode_error, "decode error");
		ASSERT_MEMEQ(m.body, m.body_len, "\x1f\x9d\x90", 3, "raw kept");
	}
	read_done(&r, &m);

	/* Event count cap. */
	if (read_body(&r, &m, &h_nd, &lim, "{}\n[]\n{}\n", 9, "nd")) {
		ASSERT_EQ(m.kind, HTTP_BODY_NDJSON, "kind");
		ASSERT_EQ(m.n_events, 2, "events capped");
		ASSERT_TRUE(r.truncated, "truncated");
	}
	read_done(&r, &m);
}

/* Event strings of every size share blocks; big ones get their own; all are freed at once. */
void test_body_event_store(void)
{
	static const size_t sizes[] = { 0,     1,     100,   1022, 1023, 1024,	5000,  16382,
					16383, 16384, 70000, 10,   300,	 65535, 65536, 3 };
	struct http_message m = { 0 };
	char *src = malloc(70003), *got[3 * 16];
	size_t i, k, n = 0;

	if (!ASSERT_OK_PTR(src, "alloc"))
		return;
	for (i = 0; i < 70003; i++)
		src[i] = (char)('a' + i % 26);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			got[n] = http_message__store(&m, src + k, sizes[i]);
			if (!ASSERT_OK_PTR(got[n], "stored"))
				goto out;
			n++;
		}
	}
	for (i = 0; i < n; i++) {
		size_t len = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];

		if (!ASSERT_MEMEQ(got[i], len, src + i / 16, len, "bytes") ||
		    !ASSERT_EQ(got[i][len], '\0', "NUL"))
			break;
	}
out:
	http_message__clear(&m);
	ASSERT_NULL(m.event_store, "cleared");
	free(src);
}
