// SPDX-License-Identifier: MIT
/* test_eventstream.c: the AWS event stream decoder, split at every byte, lost and bad bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "eventstream.h"
#include "test.h"

static void put32(struct tt_buf *b, uint32_t v)
{
	unsigned char p[4] = { v >> 24, v >> 16, v >> 8, v };

	tt_buf_add(b, p, 4);
}

static void put_str_header(struct tt_buf *h, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	unsigned char t[3] = { 7, v >> 8, v & 255 };

	tt_buf_addc(h, (char)n);
	tt_buf_add(h, name, n);
	tt_buf_add(h, t, 3);
	tt_buf_add(h, value, v);
}

/* One message with the given headers bytes and payload onto b. */
static void put_msg(struct tt_buf *b, const struct tt_buf *h, const char *payload)
{
	size_t start = b->len, plen = strlen(payload);

	put32(b, (uint32_t)(16 + h->len + plen));
	put32(b, (uint32_t)h->len);
	put32(b, (uint32_t)crc32(0L, b->data + start, 8));
	tt_buf_add(b, h->data, h->len);
	tt_buf_add(b, payload, plen);
	put32(b, (uint32_t)crc32(0L, b->data + start, (uInt)(b->len - start)));
}

static void put_event(struct tt_buf *b, const char *mtype, const char *type, const char *payload)
{
	struct tt_buf h;

	tt_buf_init(&h, 4096);
	put_str_header(&h, ":message-type", mtype);
	put_str_header(&h, !strcmp(mtype, "exception") ? ":exception-type" : ":event-type", type);
	put_str_header(&h, ":content-type", "application/json");
	put_msg(b, &h, payload);
	tt_buf_free(&h);
}

struct seen {
	char log[2048];
	size_t len;
	int n;
};

static int on_msg(const struct eventstream_msg *m, void *ctx)
{
	struct seen *s = ctx;

	s->len += snprintf(s->log + s->len, sizeof(s->log) - s->len, "%.*s/%.*s=%.*s;",
			   (int)m->message_type_len, m->message_type ?: "", (int)m->event_type_len,
			   m->event_type ?: "", (int)m->payload_len, (const char *)m->payload);
	s->n++;
	return 0;
}

static const char want3[] =
	"event/messageStart={\"role\":\"assistant\"};"
	"event/contentBlockDelta={\"delta\":{\"text\":\"Hi\"}};"
	"exception/throttlingException={\"message\":\"slow down\"};";

static void three(struct tt_buf *b)
{
	tt_buf_init(b, 1 << 20);
	put_event(b, "event", "messageStart", "{\"role\":\"assistant\"}");
	put_event(b, "event", "contentBlockDelta", "{\"delta\":{\"text\":\"Hi\"}}");
	put_event(b, "exception", "throttlingException", "{\"message\":\"slow down\"}");
}

/* Whatever the split, in two pieces or byte by byte, the same messages. */
void test_eventstream_every_split(void)
{
	struct eventstream_parser p;
	struct seen s;
	struct tt_buf b;
	size_t cut, i;

	three(&b);
	for (cut = 0; cut <= b.len; cut++) {
		memset(&s, 0, sizeof(s));
		eventstream_parser__init(&p, 0);
		ASSERT_OK(eventstream_parser__feed(&p, b.data, cut, on_msg, &s), "first");
		ASSERT_OK(eventstream_parser__feed(&p, b.data + cut, b.len - cut, on_msg, &s),
			  "second");
		ASSERT_STREQ(s.log, want3, "messages");
		ASSERT_FALSE(eventstream_parser__partial(&p), "nothing left");
		ASSERT_EQ(p.n_bad, 0, "none bad");
		eventstream_parser__free(&p);
	}
	memset(&s, 0, sizeof(s));
	eventstream_parser__init(&p, 0);
	for (i = 0; i < b.len; i++) {
		ASSERT_OK(eventstream_parser__feed(&p, b.data + i, 1, on_msg, &s), "byte");
		if (i + 1 < b.len && s.n == 3)
			ASSERT_TRUE(false, "the last message only with its last byte");
	}
	ASSERT_STREQ(s.log, want3, "byte by byte");
	ASSERT_EQ(p.n_msgs, 3, "counted");
	eventstream_parser__free(&p);
	tt_buf_free(&b);
}

/* A cut stream leaves a partial message; a bad message CRC drops that message only. */
void test_eventstream_cut_and_crc(void)
{
	struct eventstream_parser p;
	struct seen s = { 0 };
	struct tt_buf b;

	three(&b);
	eventstream_parser__init(&p, 0);
	eventstream_parser__feed(&p, b.data, b.len - 5, on_msg, &s);
	ASSERT_EQ(s.n, 2, "two whole messages");
	ASSERT_TRUE(eventstream_parser__partial(&p), "the third is partial");
	eventstream_parser__free(&p);

	memset(&s, 0, sizeof(s));
	b.data[30] ^= 1; /* inside the first message's headers */
	ASSERT_OK(eventstream_split_body(b.data, b.len, on_msg, &s), "split");
	ASSERT_STREQ(s.log,
		     "event/contentBlockDelta={\"delta\":{\"text\":\"Hi\"}};"
		     "exception/throttlingException={\"message\":\"slow down\"};",
		     "the bad one dropped");
	tt_buf_free(&b);
}

/* After lost bytes (or garbage in front) the next valid prelude is found, whatever the split. */
void test_eventstream_resync(void)
{
	static const char garbage[] = "HTTP/1.1 junk \x00\x00\x00\x10\x00\x00\x00\x00 more";
	struct eventstream_parser p;
	struct tt_buf b, in;
	struct seen s;
	size_t cut, first;

	three(&b);
	first = b.data[3]; /* the first message's length (short) */
	tt_buf_init(&in, 1 << 20);
	tt_buf_add(&in, garbage, sizeof(garbage) - 1);
	tt_buf_add(&in, b.data, b.len);
	for (cut = 0; cut <= in.len; cut++) {
		memset(&s, 0, sizeof(s));
		eventstream_parser__init(&p, 0);
		eventstream_parser__feed(&p, in.data, cut, on_msg, &s);
		eventstream_parser__feed(&p, in.data + cut, in.len - cut, on_msg, &s);
		ASSERT_STREQ(s.log, want3, "found after the garbage");
		eventstream_parser__free(&p);
	}
	/* a gap in the middle of the first message: the next two still come */
	memset(&s, 0, sizeof(s));
	eventstream_parser__init(&p, 0);
	eventstream_parser__feed(&p, b.data, 20, on_msg, &s);
	eventstream_parser__gap(&p);
	eventstream_parser__feed(&p, b.data + first, b.len - first, on_msg, &s);
	ASSERT_EQ(s.n, 2, "two after the gap");
	eventstream_parser__free(&p);
	tt_buf_free(&in);
	tt_buf_free(&b);
}

/* A message over max_msg is skipped by its length, without holding it; the next one comes. */
void test_eventstream_oversize(void)
{
	struct eventstream_parser p;
	struct seen s = { 0 };
	struct tt_buf b;
	char *big = malloc(5001);
	size_t i;

	memset(big, 'x', 5000);
	big[5000] = '\0';
	tt_buf_init(&b, 1 << 20);
	put_event(&b, "event", "chunk", big);
	put_event(&b, "event", "metadata", "{}");
	eventstream_parser__init(&p, 1024);
	for (i = 0; i < b.len; i += 100)
		eventstream_parser__feed(&p, b.data + i, b.len - i < 100 ? b.len - i : 100, on_msg,
					 &s);
	ASSERT_STREQ(s.log, "event/metadata={};", "the small one");
	ASSERT_EQ(p.n_oversize, 1, "one skipped");
	ASSERT_LE(p.msg.alloc, 2048, "never held the big one");
	eventstream_parser__free(&p);
	tt_buf_free(&b);
	free(big);
}

/* Every header type reads as written; a malformed header drops the message. */
void test_eventstream_headers(void)
{
	static const unsigned char hdrs[] = {
		1, 'a', 0,						    /* true */
		1, 'b', 1,						    /* false */
		1, 'c', 2,  0xff,					    /* byte -1 */
		1, 'd', 3,  0x01, 0x02,					    /* short 258 */
		1, 'e', 4,  0xff, 0xff, 0xff, 0xfe,			    /* int -2 */
		1, 'f', 5,  0,	  0,	0,    0,    0,	  0,	0x01, 0x00, /* long 256 */
		1, 'g', 6,  0,	  2,	'h',  'i',			    /* bytes "hi" */
		1, 'h', 8,  0,	  0,	1,    0x8b, 0xcf, 0xe5, 0x68, 0x00, /* timestamp */
		1, 'i', 9,  1,	  2,	3,    4,    5,	  6,	7,    8,
		9, 10,	11, 12,	  13,	14,   15,   16,
	};
	static const int64_t nums[] = { 1, 0, -1, 258, -2, 256, 0, 1700000000000 };
	const unsigned char *p = hdrs;
	struct eventstream_header h;
	size_t n = sizeof(hdrs), i = 0;
	unsigned char bad[] = { 1, 'z', 10, 0 };

	while (eventstream_header_next(&p, &n, &h) == 1) {
		ASSERT_EQ(h.name[0], 'a' + (int)i, "name");
		if (i < 8 && i != 6)
			ASSERT_EQ(h.num, nums[i], "number");
		i++;
	}
	ASSERT_EQ(i, 9, "nine headers");
	ASSERT_EQ(n, 0, "all read");
	ASSERT_EQ(h.type, EVENTSTREAM_UUID, "uuid last");
	ASSERT_EQ(h.value_len, 16, "uuid bytes");
	p = bad;
	n = sizeof(bad);
	ASSERT_EQ(eventstream_header_next(&p, &n, &h), -EBADMSG, "unknown type");
	p = hdrs + 33;
	n = 5; /* a bytes value cut short */
	ASSERT_EQ(eventstream_header_next(&p, &n, &h), -EBADMSG, "value past the end");
}
