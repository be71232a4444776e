/* SPDX-License-Identifier: MIT */
/* h2_test.h: HTTP/2 conversations built frame by frame (HPACK by nghttp2's deflater) for tests. */
#ifndef TT_H2_TEST_H
#define TT_H2_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "exchange_test.h"
#include "http2.h"
#include "http_exchange.h"
#include "test.h"

#define H2T_MAX_SEGS 256

/* One captured call: bytes [off, off + len) of side's stream, arriving at ts. */
struct h2t_seg {
	int side; /* enum h2_side */
	size_t off;
	size_t len;
	uint64_t ts;
};

struct h2t {
	nghttp2_hd_deflater *def[2]; /* the client's and the server's encoders */
	struct tt_buf out[2];
	struct h2t_seg seg[H2T_MAX_SEGS];
	size_t nseg;
	bool cut; /* the next bytes start a new call */
	uint64_t ts;
};

static inline void h2t_init(struct h2t *b)
{
	memset(b, 0, sizeof(*b));
	nghttp2_hd_deflate_new(&b->def[0], 4096);
	nghttp2_hd_deflate_new(&b->def[1], 4096);
	tt_buf_init(&b->out[0], 1 << 24);
	tt_buf_init(&b->out[1], 1 << 24);
	b->ts = 1000;
	b->cut = true;
}

static inline void h2t_free(struct h2t *b)
{
	nghttp2_hd_deflate_del(b->def[0]);
	nghttp2_hd_deflate_del(b->def[1]);
	tt_buf_free(&b->out[0]);
	tt_buf_free(&b->out[1]);
}

/* The next bytes are a new call (a later read or write). */
static inline void h2t_cut(struct h2t *b)
{
	b->cut = true;
}

static inline void h2t_raw(struct h2t *b, int side, const void *p, size_t n)
{
	struct h2t_seg *s = b->nseg ? &b->seg[b->nseg - 1] : NULL;

	if (b->cut || !s || s->side != side) {
		if (b->nseg == H2T_MAX_SEGS)
			abort();
		s = &b->seg[b->nseg++];
		s->side = side;
		s->off = b->out[side].len;
		s->len = 0;
		s->ts = b->ts;
		b->ts += 10;
		b->cut = false;
	}
	tt_buf_add(&b->out[side], p, n);
	s->len += n;
}

static inline void h2t_frame(struct h2t *b, int side, uint8_t type, uint8_t flags, uint32_t stream,
			     const void *p, size_t n)
{
	uint8_t h[9] = { (uint8_t)(n >> 16),
			 (uint8_t)(n >> 8),
			 (uint8_t)n,
			 type,
			 flags,
			 (uint8_t)(stream >> 24),
			 (uint8_t)(stream >> 16),
			 (uint8_t)(stream >> 8),
			 (uint8_t)stream };

	h2t_raw(b, side, h, 9);
	if (n)
		h2t_raw(b, side, p, n);
}

static inline void h2t_preface(struct h2t *b)
{
	static const uint8_t settings[] = { 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100 };

	h2t_raw(b, H2_C2S, H2_CLIENT_PREFACE, H2_PREFACE_LEN);
	h2t_frame(b, H2_C2S, H2_SETTINGS, 0, 0, settings, sizeof(settings));
	h2t_cut(b);
	h2t_frame(b, H2_S2C, H2_SETTINGS, 0, 0, settings + 6, 6);
	h2t_frame(b, H2_S2C, H2_SETTINGS, H2_F_ACK, 0, NULL, 0);
	h2t_cut(b);
	h2t_frame(b, H2_C2S, H2_SETTINGS, H2_F_ACK, 0, NULL, 0);
}

/* A new conversation past its prefaces and SETTINGS (segments 0-2); a new call comes next. */
static inline void h2t_start(struct h2t *b)
{
	h2t_init(b);
	h2t_preface(b);
	h2t_cut(b);
}

/* HPACK-encodes NULL-terminated name, value pairs with side's encoder; returns the length. */
static inline size_t h2t_hpack_v(struct h2t *b, int side, uint8_t *out, size_t cap,
				 const char *const *nv)
{
	nghttp2_nv v[256];
	size_t n = 0;
	ssize_t r;

	for (; nv[0] && n < 256; nv += 2, n++) {
		v[n].name = (uint8_t *)nv[0];
		v[n].value = (uint8_t *)nv[1];
		v[n].namelen = strlen(nv[0]);
		v[n].valuelen = strlen(nv[1]);
		v[n].flags = NGHTTP2_NV_FLAG_NONE;
	}
	r = nghttp2_hd_deflate_hd(b->def[side], out, cap, v, n);
	if (r < 0)
		abort();
	return (size_t)r;
}

struct h2t_hopts {
	size_t frag;	     /* split the block: HEADERS + CONTINUATIONs of this size */
	int pad;	     /* padding bytes (PADDED), -1 none */
	bool prio;	     /* PRIORITY flag with its 5 bytes */
	bool no_end_headers; /* leave the block open (malformed tests) */
};

/* A header block on stream: HEADERS (+ CONTINUATION) frames. */
static inline void h2t_headers_o(struct h2t *b, int side, uint32_t stream, bool end_stream,
				 const struct h2t_hopts *o, const char *const *nv)
{
	static uint8_t blk[1 << 20], pl[1 << 20];
	size_t n = h2t_hpack_v(b, side, blk, sizeof(blk), nv), frag, off = 0, k = 0;
	uint8_t flags = end_stream ? H2_F_END_STREAM : 0;
	int pad = o && o->pad >= 0 ? o->pad : -1;

	frag = o && o->frag ? o->frag : n;
	if (frag > n)
		frag = n;
	if (pad >= 0) {
		flags |= H2_F_PADDED;
		pl[k++] = (uint8_t)pad;
	}
	if (o && o->prio) {
		flags |= H2_F_PRIORITY;
		memcpy(pl + k, "\x00\x00\x00\x00\x10", 5);
		k += 5;
	}
	memcpy(pl + k, blk, frag);
	k += frag;
	if (pad > 0) {
		memset(pl + k, 0, (size_t)pad);
		k += (size_t)pad;
	}
	off = frag;
	if (off == n && !(o && o->no_end_headers))
		flags |= H2_F_END_HEADERS;
	h2t_frame(b, side, H2_HEADERS, flags, stream, pl, k);
	while (off < n) {
		frag = n - off < (o ? o->frag : n) ? n - off : o->frag;
		flags = off + frag == n && !(o && o->no_end_headers) ? H2_F_END_HEADERS : 0;
		h2t_frame(b, side, H2_CONTINUATION, flags, stream, blk + off, frag);
		off += frag;
	}
}

#define h2t_headers(b, side, stream, end, ...) \
	h2t_headers_o(b, side, stream, end, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static inline void h2t_data(struct h2t *b, int side, uint32_t stream, bool end, const void *p,
			    size_t n)
{
	h2t_frame(b, side, H2_DATA, end ? H2_F_END_STREAM : 0, stream, p, n);
}

static inline void h2t_datas(struct h2t *b, int side, uint32_t stream, bool end, const char *s)
{
	h2t_data(b, side, stream, end, s, strlen(s));
}

static inline void h2t_rst(struct h2t *b, int side, uint32_t stream, uint32_t code)
{
	uint8_t p[4] = { (uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
			 (uint8_t)code };

	h2t_frame(b, side, H2_RST_STREAM, 0, stream, p, 4);
}

static inline void h2t_goaway(struct h2t *b, int side, uint32_t last, uint32_t code)
{
	uint8_t p[8] = { (uint8_t)(last >> 24), (uint8_t)(last >> 16), (uint8_t)(last >> 8),
			 (uint8_t)last,		(uint8_t)(code >> 24), (uint8_t)(code >> 16),
			 (uint8_t)(code >> 8),	(uint8_t)code };

	h2t_frame(b, side, H2_GOAWAY, 0, 0, p, 8);
}

#endif /* TT_H2_TEST_H */
