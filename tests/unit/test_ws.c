// SPDX-License-Identifier: MIT
/*
 * test_ws.c: the WebSocket frame parser: both directions (masked, unmasked), fragments with
 * control frames between them, 16- and 64-bit lengths, permessage-deflate with and without
 * context takeover, the message cap, malformed frames; split at every byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "test.h"
#include "ws_test.h"
#include "ws.h"

static void put_str(struct tt_buf *b, bool fin, int op, bool masked, const char *s)
{
	wt_put_frame(b, fin, false, op, masked, s, strlen(s));
}

struct seen {
	struct tt_buf log;
	int n;
};

/* "op:len[:cut][:z]=data;" per message; long data shows its first 8 and last 8 bytes. */
static int on_msg(const struct ws_msg *m, void *ctx)
{
	struct seen *s = ctx;

	tt_buf_printf(&s->log, "%d:%zu%s%s=", m->opcode, m->len, m->cut ? ":cut" : "",
		      m->compressed ? ":z" : "");
	if (m->len <= 40)
		tt_buf_add(&s->log, m->data, m->len);
	else
		tt_buf_printf(&s->log, "%.8s..%.8s", (const char *)m->data,
			      (const char *)m->data + m->len - 8);
	tt_buf_addc(&s->log, ';');
	if (m->data[m->len] != '\0')
		tt_buf_addstr(&s->log, "NOT-NUL;");
	s->n++;
	return 0;
}

static void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	tt_buf_init(&s->log, 1 << 20);
}

struct feed {
	struct ws_dec *d;
	struct seen *s;
};

static long feed_piece(const void *p, size_t n, void *ctx)
{
	struct feed *f = ctx;
	int err = ws_dec__feed(f->d, p, n, on_msg, f->s);

	return err ? err : (long)n;
}

/*
 * Decodes b in every way (two pieces cut at every byte when every_cut, byte by byte, seeded
 * random pieces), each a guarded copy, and checks the log each time.
 */
static void check_splits(const struct tt_buf *b, size_t max_msg, const struct ws_deflate *dfl,
			 const char *want, int want_err, bool every_cut)
{
	uint64_t seed = 17;
	struct ws_dec d;
	struct seen s;
	struct feed f = { &d, &s };
	size_t cut, pieces[] = { SIZE_MAX, 1, 0, 0, 0 };
	unsigned int i;
	long r;

	for (cut = 0; every_cut && cut <= b->len; cut++) {
		void *a = test__guarded(b->data, cut),
		     *z = test__guarded(b->data + cut, b->len - cut);
		int e1, e2;

		seen_init(&s);
		ws_dec__init(&d, max_msg, dfl);
		e1 = ws_dec__feed(&d, a, cut, on_msg, &s);
		e2 = ws_dec__feed(&d, z, b->len - cut, on_msg, &s);
		if (!ASSERT_STREQ(tt_buf_cstr(&s.log), want, "cut messages") ||
		    !ASSERT_EQ(e1 ? e1 : e2, want_err, "cut error"))
			fprintf(stderr, "  at cut %zu of %zu\n", cut, b->len);
		ws_dec__free(&d);
		tt_buf_free(&s.log);
		test__guarded_free(a);
		test__guarded_free(z);
	}
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		seen_init(&s);
		ws_dec__init(&d, max_msg, dfl);
		r = test__split_bytes(b->data, b->len, pieces[i], 300, &seed, feed_piece, &f);
		ASSERT_STREQ(tt_buf_cstr(&s.log), want, "split messages");
		ASSERT_EQ(r < 0 ? r : 0, want_err, "split error");
		ws_dec__free(&d);
		tt_buf_free(&s.log);
	}
}

/* Text, a fragmented text with a ping and a pong between its fragments, binary, close. */
static void basic(struct tt_buf *b, bool masked)
{
	static const unsigned char bin[] = { 0x00, 0x01, 0xfe, 0xff };

	tt_buf_init(b, 1 << 20);
	put_str(b, true, WS_OP_TEXT, masked, "{\"type\":\"session.update\"}");
	put_str(b, false, WS_OP_TEXT, masked, "Hel");
	put_str(b, false, WS_OP_CONT, masked, "lo ");
	put_str(b, true, WS_OP_PING, masked, "pi");
	put_str(b, true, WS_OP_PONG, masked, "");
	wt_put_frame(b, false, false, WS_OP_CONT, masked, "", 0); /* an empty fragment */
	put_str(b, true, WS_OP_CONT, masked, "world");
	wt_put_frame(b, true, false, WS_OP_BINARY, masked, bin, 4);
	wt_put_frame(b, true, false, WS_OP_CLOSE, masked,
		     "\x03\xe8"
		     "bye",
		     5);
}

static const char want_basic[] =
	"1:25={\"type\":\"session.update\"};"
	"9:2=pi;10:0=;1:11=Hello world;2:4=\x00\x01\xfe\xff;8:5=\x03\xe8"
	"bye;";

void test_ws_both_directions_every_split(void)
{
	struct tt_buf b;
	char want[sizeof(want_basic)];
	int masked;

	/* the log holds a NUL byte: compare up to it, the bytes after it by hand */
	memcpy(want, want_basic, sizeof(want));
	for (masked = 0; masked < 2; masked++) {
		struct ws_dec d;
		struct seen s;

		basic(&b, masked);
		check_splits(&b, 0, NULL,
			     "1:25={\"type\":\"session.update\"};9:2=pi;10:0=;"
			     "1:11=Hello world;2:4=",
			     0, true);
		seen_init(&s);
		ws_dec__init(&d, 0, NULL);
		ASSERT_OK(ws_dec__feed(&d, b.data, b.len, on_msg, &s), "whole");
		ASSERT_MEMEQ(s.log.data, s.log.len, want, sizeof(want) - 1, "every byte");
		ASSERT_EQ(s.n, 6, "six messages");
		ASSERT_EQ(d.n_frames, 9, "nine frames");
		ws_dec__free(&d);
		tt_buf_free(&s.log);
		tt_buf_free(&b);
	}
}

/* 16-bit (126..65535) and 64-bit (65536 and up) lengths, masked and not, split anyhow. */
void test_ws_long_lengths(void)
{
	size_t sizes[] = { 125, 126, 300, 65535, 65536, 70001 };
	char *big = malloc(70001);
	struct tt_buf b, want;
	unsigned int i;
	int masked;

	for (i = 0; i < 70001; i++)
		big[i] = 'a' + i % 26;
	for (masked = 0; masked < 2; masked++) {
		tt_buf_init(&b, 1 << 20);
		tt_buf_init(&want, 1 << 20);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			wt_put_frame(&b, true, false, WS_OP_TEXT, masked, big, sizes[i]);
			tt_buf_printf(&want, "1:%zu=%.8s..%.8s;", sizes[i], big,
				      big + sizes[i] - 8);
		}
		/* a 64-bit length for a short frame is allowed (not minimal, still exact) */
		tt_buf_add(&b, "\x81\x7f\0\0\0\0\0\0\0\x02ok", 12);
		tt_buf_addstr(&want, "1:2=ok;");
		check_splits(&b, 0, NULL, tt_buf_cstr(&want), 0, false);
		tt_buf_free(&b);
		tt_buf_free(&want);
	}
	free(big);
}

/* Compresses each message with permessage-deflate (sync flush, tail removed). */
static void put_deflated(struct tt_buf *b, z_stream *z, const char *msg, bool masked, size_t frag)
{
	unsigned char out[4096];
	size_t n;

	z->next_in = (Bytef *)msg;
	z->avail_in = (uInt)strlen(msg);
	z->next_out = out;
	z->avail_out = sizeof(out);
	deflate(z, Z_SYNC_FLUSH);
	n = sizeof(out) - z->avail_out - 4; /* the 00 00 ff ff tail is left off */
	if (!frag || frag >= n) {
		wt_put_frame(b, true, true, WS_OP_TEXT, masked, out, n);
		return;
	}
	/* the first fragment alone carries RSV1; a ping comes between fragments */
	wt_put_frame(b, false, true, WS_OP_TEXT, masked, out, frag);
	wt_put_frame(b, true, false, WS_OP_PING, masked, "p", 1);
	wt_put_frame(b, true, false, WS_OP_CONT, masked, out + frag, n - frag);
}

static const char *msgs[] = {
	"{\"type\":\"response.create\",\"response\":{\"modalities\":[\"text\"]}}",
	"{\"type\":\"response.create\",\"response\":{\"modalities\":[\"text\",\"audio\"]}}",
	"{\"type\":\"response.create\",\"response\":{\"modalities\":[\"text\"]}}",
};

static void deflated(struct tt_buf *b, bool takeover, bool masked)
{
	z_stream z = { 0 };
	unsigned int i;

	tt_buf_init(b, 1 << 20);
	deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	for (i = 0; i < 3; i++) {
		if (!takeover)
			deflateReset(&z);
		put_deflated(b, &z, msgs[i], masked, i == 1 ? 7 : 0);
		if (i == 1) /* an uncompressed message between compressed ones */
			put_str(b, true, WS_OP_TEXT, masked, "plain");
	}
	deflateEnd(&z);
}

void test_ws_permessage_deflate(void)
{
	struct ws_deflate dfl = { .on = true };
	struct tt_buf b, want;
	unsigned int i;
	int take, masked;

	tt_buf_init(&want, 1 << 20);
	for (i = 0; i < 3; i++) {
		if (i == 1)
			tt_buf_addstr(&want, "9:1=p;");
		tt_buf_printf(&want, "1:%zu:z=%.8s..%.8s;", strlen(msgs[i]), msgs[i],
			      msgs[i] + strlen(msgs[i]) - 8);
		if (i == 1)
			tt_buf_addstr(&want, "1:5=plain;");
	}
	for (take = 0; take < 2; take++) {
		for (masked = 0; masked < 2; masked++) {
			deflated(&b, take, masked);
			dfl.no_context_takeover = !take;
			check_splits(&b, 0, &dfl, tt_buf_cstr(&want), 0, true);
			tt_buf_free(&b);
		}
	}
	/* the third message refers back into the first: without the window it fails */
	deflated(&b, true, false);
	dfl.no_context_takeover = true;
	check_splits(&b, 0, &dfl, "1:61:z={\"type\":..text\"]}};", -EBADMSG, false);
	tt_buf_free(&b);
	tt_buf_free(&want);
}

/* A message ended by the sender's final block (BFINAL) still leaves its window to the next. */
void test_ws_deflate_final_block(void)
{
	struct ws_deflate dfl = { .on = true };
	unsigned char out[256];
	z_stream z = { 0 };
	struct tt_buf b;
	size_t n;

	tt_buf_init(&b, 1 << 20);
	/* a whole raw stream (BFINAL) per message: zlib's deflate ends it with Z_FINISH */
	n = test__deflate(msgs[0], strlen(msgs[0]), out, sizeof(out), 6, -15);
	wt_put_frame(&b, true, true, WS_OP_TEXT, false, out, n);
	deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	deflateSetDictionary(&z, (const Bytef *)msgs[0], (uInt)strlen(msgs[0]));
	put_deflated(&b, &z, msgs[2], false, 0);
	deflateEnd(&z);
	check_splits(&b, 0, &dfl, "1:61:z={\"type\":..text\"]}};1:61:z={\"type\":..text\"]}};", 0,
		     true);
	tt_buf_free(&b);
}

/* Over the cap: the first max_msg bytes, flagged and counted; the next message is whole. */
void test_ws_cap(void)
{
	struct ws_deflate dfl = { .on = true };
	struct ws_dec d;
	struct seen s;
	struct tt_buf b;
	z_stream z = { 0 };

	tt_buf_init(&b, 1 << 20);
	put_str(&b, false, WS_OP_TEXT, true, "0123456789");
	put_str(&b, true, WS_OP_CONT, true, "abcdefghij");
	put_str(&b, true, WS_OP_TEXT, true, "short");
	deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	put_deflated(&b, &z, msgs[0], true, 0);
	put_deflated(&b, &z, msgs[0], true, 0);
	deflateEnd(&z);
	check_splits(&b, 12, &dfl,
		     "1:12:cut=0123456789ab;1:5=short;1:12:cut:z={\"type\":\"res;"
		     "1:12:cut:z={\"type\":\"res;",
		     0, true);
	seen_init(&s);
	ws_dec__init(&d, 12, &dfl);
	ASSERT_OK(ws_dec__feed(&d, b.data, b.len, on_msg, &s), "whole");
	ASSERT_EQ(d.n_cut, 3, "three cut");
	ASSERT_EQ(d.n_msgs, 4, "four messages");
	ASSERT_LE(d.msg.alloc, 64, "held no more than the cap");
	ws_dec__free(&d);
	tt_buf_free(&s.log);
	tt_buf_free(&b);
}

/* Each malformed frame ends the parse with -EBADMSG; what came before it was delivered. */
void test_ws_malformed(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t n;
		struct ws_deflate dfl;
	} bad[] = {
		{ "rsv2", "\xa1\x01x", 3, { 0 } },
		{ "rsv3", "\x91\x01x", 3, { 0 } },
		{ "rsv1 not negotiated", "\xc1\x01x", 3, { 0 } },
		{ "rsv1 on a control frame", "\xc9\x00", 2, { .on = true } },
		{ "rsv1 on a continuation", "\x01\x01x\xc0\x01y", 6, { .on = true } },
		{ "opcode 3", "\x83\x00", 2, { 0 } },
		{ "opcode 0xb", "\x8b\x00", 2, { 0 } },
		{ "fragmented ping", "\x09\x00", 2, { 0 } },
		{ "ping over 125", "\x89\x7e\x00\x7e", 4, { 0 } },
		{ "continuation first", "\x80\x01x", 3, { 0 } },
		{ "text inside a message", "\x01\x01x\x81\x01y", 6, { 0 } },
		{ "64-bit length top bit", "\x82\x7f\x80\0\0\0\0\0\0\0", 10, { 0 } },
		{ "bad deflate data", "\xc1\x02\xff\xff", 4, { .on = true } },
	};
	struct ws_dec d;
	struct seen s;
	struct tt_buf b;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test__start_subtest(bad[i].name);
		tt_buf_init(&b, 4096);
		put_str(&b, true, WS_OP_TEXT, false, "ok");
		tt_buf_add(&b, bad[i].bytes, bad[i].n);
		check_splits(&b, 0, &bad[i].dfl, "1:2=ok;", -EBADMSG, true);
		/* after the error the decoder stays dead */
		seen_init(&s);
		ws_dec__init(&d, 0, &bad[i].dfl);
		ASSERT_EQ(ws_dec__feed(&d, b.data, b.len, on_msg, &s), -EBADMSG, "error");
		ASSERT_EQ(ws_dec__feed(&d, "\x81\x01z", 3, on_msg, &s), -EBADMSG, "stays");
		ASSERT_EQ(s.n, 1, "one message");
		ws_dec__free(&d);
		tt_buf_free(&s.log);
		tt_buf_free(&b);
	}
}

void test_ws_extensions(void)
{
	struct ws_deflate c, s;

	ASSERT_FALSE(ws_parse_extensions(NULL, &c, &s), "none");
	ASSERT_FALSE(ws_parse_extensions("x-webkit-deflate-frame", &c, &s), "other");
	ASSERT_FALSE(ws_parse_extensions("permessage-deflatex", &c, &s), "prefix");
	ASSERT_TRUE(ws_parse_extensions("permessage-deflate", &c, &s), "plain");
	ASSERT_TRUE(c.on && s.on && !c.no_context_takeover && !s.no_context_takeover, "takeover");
	ASSERT_TRUE(ws_parse_extensions("foo, permessage-deflate; client_max_window_bits=15; "
					"Server_No_Context_Takeover",
					&c, &s),
		    "params");
	ASSERT_TRUE(!c.no_context_takeover && s.no_context_takeover, "server resets");
	ASSERT_TRUE(ws_parse_extensions("permessage-deflate;client_no_context_takeover", &c, &s),
		    "client");
	ASSERT_TRUE(c.no_context_takeover && !s.no_context_takeover, "client resets");
	ASSERT_TRUE(ws_parse_extensions("permessage-deflate; x_client_no_context_takeover", &c, &s),
		    "a longer name");
	ASSERT_FALSE(c.no_context_takeover, "is not the parameter");
}
