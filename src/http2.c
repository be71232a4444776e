// SPDX-License-Identifier: MIT
/*
 * http2.c: HTTP/2 sessions: the frames each side sends, in sync or lost and found again, to the
 * header blocks (http2_hdrs.c) and the streams (http2_stream.c); the codec is http2_frame.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "body_reader.h"
#include "http2.h"
#include "http2_internal.h"
#include "tt_limits.h"
#include "log.h"

/* dir_step: the rest must wait for more bytes. */
#define STOP (-1)

/* A 32-bit field of a frame payload (network order). */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- lost bytes ---- */

/*
 * Bytes of a side were lost: its frame boundaries are unknown until a call starts with a
 * frame header, and header blocks may have been lost with the table entries they added. A new
 * empty HPACK context then decodes what it can: entries are added at the low indexes, so every
 * entry it holds sits at the index the encoder uses, and a reference to an entry added before
 * is out of its range and fails; a block either decodes right or fails (and is dropped).
 */
static void dir_lose(struct h2_session *s, int side)
{
	struct h2_dir *d = &s->d[side];
	size_t i;

	if (d->sync == DS_LOST)
		return;
	s->st->sync_lost++;
	d->sync = DS_LOST;
	d->was_lost = true;
	if (d->in_block) {
		struct h2_stream *st = h2_stream_find(s, d->blk.stream);

		if (st)
			st->lost = true;
		h2_block_free(&d->blk);
		d->in_block = false;
	}
	d->data_left = d->pad_left = 0;
	d->skip_left = 0;
	d->frame_ts = 0;
	for (i = 0; i < s->n; i++) {
		struct h2_stream *st = s->v[i];

		if (side == H2_C2S ? st->req_done : st->resp_done)
			continue;
		st->lost = true;
		if (st->reading[side])
			body_reader__gap(&st->br[side]);
	}
	if (!s->broken)
		h2_ctx_reset(s, d);
}

/* ---- frames ---- */

static void frame_headers(struct h2_session *s, int side, const struct h2_frame_hdr *f,
			  const uint8_t *payload)
{
	const uint8_t *frag;
	size_t n;

	if (h2_frame_fragment(f, payload, &frag, &n)) {
		h2_block_abort(s, side, f->stream);
		return;
	}
	h2_block_begin(s, side, f);
	h2_block_feed(s, side, frag, n, f->flags & H2_F_END_HEADERS,
		      H2_FRAME_HEADER_LEN + (uint64_t)f->len);
}

static void frame_continuation(struct h2_session *s, int side, const struct h2_frame_hdr *f,
			       const uint8_t *payload)
{
	struct h2_dir *d = &s->d[side];

	if (!d->in_block || d->blk.stream != f->stream) {
		/* without its start (or its block's stream) the fragment cannot be decoded */
		h2_block_abort(s, side, f->stream);
		return;
	}
	h2_block_feed(s, side, payload, f->len, f->flags & H2_F_END_HEADERS,
		      H2_FRAME_HEADER_LEN + (uint64_t)f->len);
}

static void frame_rst(struct h2_session *s, const struct h2_frame_hdr *f, const uint8_t *payload)
{
	struct h2_stream *st = h2_stream_find(s, f->stream);
	uint32_t code = be32(payload);

	s->st->resets++;
	if (!st)
		return;
	/* a server may answer before the request ends, then stop it with NO_ERROR (8.1) */
	if (!code && st->resp_done) {
		h2_reader_end(s, st, H2_C2S, s->last_ts);
		st->req_done = true;
		h2_stream_close(s, st, s->last_ts, 0);
		return;
	}
	h2_stream_close(s, st, s->last_ts, HTTP_X_INCOMPLETE);
}

static void frame_settings(struct h2_session *s, int side, const struct h2_frame_hdr *f,
			   const uint8_t *p)
{
	struct h2_dir *o = &s->d[!side]; /* the settings bind what the other side sends */
	uint32_t i, val;
	uint16_t id;

	if (f->flags & H2_F_ACK)
		return;
	for (i = 0; i + 6 <= f->len; i += 6) {
		id = (uint16_t)(p[i] << 8 | p[i + 1]);
		val = be32(p + i + 2);
		if (id == 1) { /* SETTINGS_HEADER_TABLE_SIZE */
			if (val > TT_H2_MAX_HPACK_TABLE)
				val = TT_H2_MAX_HPACK_TABLE;
			if (val > o->want_table)
				o->want_table = val;
		} else if (id == 5) { /* SETTINGS_MAX_FRAME_SIZE */
			if (val < H2_DEFAULT_FRAME || val > 0xffffff) {
				h2_proto_error(s, "bad SETTINGS_MAX_FRAME_SIZE", 0);
				continue;
			}
			if (val > s->o.max_frame)
				val = s->o.max_frame;
			if (val > o->max_frame)
				o->max_frame = val;
		}
	}
}

static void frame_goaway(struct h2_session *s, int side, const uint8_t *p)
{
	uint32_t last = be32(p) & 0x7fffffff;
	size_t i = 0;

	s->st->goaways++;
	if (side != H2_S2C)
		return; /* it names pushed streams: none are followed */
	/* requests on streams above last were not processed and never will be */
	while (i < s->n) {
		if (s->v[i]->id > last)
			h2_stream_close(s, s->v[i], s->last_ts, HTTP_X_INCOMPLETE);
		else
			i++;
	}
}

static void frame_dispatch(struct h2_session *s, int side, const struct h2_frame_hdr *f,
			   const uint8_t *payload)
{
	switch (f->type) {
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
		frame_headers(s, side, f, payload);
		break;
	case H2_CONTINUATION:
		frame_continuation(s, side, f, payload);
		break;
	case H2_RST_STREAM:
		frame_rst(s, f, payload);
		break;
	case H2_SETTINGS:
		frame_settings(s, side, f, payload);
		break;
	case H2_GOAWAY:
		frame_goaway(s, side, payload);
		break;
	default:
		break; /* PRIORITY, PING, WINDOW_UPDATE and unknown types */
	}
}

static long frame_reject(struct h2_session *s, int side, const struct h2_frame_hdr *f, int err);

/* DATA on a stream whose message on this side is open. */
static struct h2_stream *data_stream(struct h2_session *s, int side, uint32_t id)
{
	struct h2_stream *st = h2_stream_find(s, id);

	if (!st) {
		s->st->unknown_streams++;
		return NULL;
	}
	if (side == H2_C2S ? st->req_done : (!st->resp_seen || st->resp_done)) {
		h2_proto_error(s, "DATA on a closed stream", id);
		return NULL;
	}
	return st;
}

static void data_finish(struct h2_session *s, int side)
{
	struct h2_dir *d = &s->d[side];
	struct h2_stream *st;

	if (!d->data_end)
		return;
	st = data_stream(s, side, d->data_stream);
	if (st)
		h2_msg_end(s, st, side, d->ts, true);
}

static long data_begin(struct h2_session *s, int side, const struct h2_frame_hdr *f,
		       const uint8_t *p, size_t n)
{
	struct h2_dir *d = &s->d[side];
	size_t hl = H2_FRAME_HEADER_LEN + ((f->flags & H2_F_PADDED) ? 1 : 0);
	uint32_t pad = (f->flags & H2_F_PADDED) && n > H2_FRAME_HEADER_LEN ? p[9] : 0;
	struct h2_stream *st;
	struct http_message *m;

	if (n < hl)
		return STOP;
	if ((f->flags & H2_F_PADDED) && (!f->len || 1 + pad > f->len))
		return frame_reject(s, side, f, -EBADMSG);
	d->data_stream = f->stream;
	d->data_left = f->len - (uint32_t)(hl - H2_FRAME_HEADER_LEN) - pad;
	d->pad_left = pad;
	d->data_end = f->flags & H2_F_END_STREAM;
	st = data_stream(s, side, f->stream);
	if (st) {
		m = h2_msg_of(st, side);
		m->wire_bytes += H2_FRAME_HEADER_LEN + (uint64_t)f->len;
		if (d->data_left && !m->first_body_ns)
			m->first_body_ns = d->ts;
	}
	if (!d->data_left && !d->pad_left)
		data_finish(s, side);
	return (long)hl;
}

static long data_payload(struct h2_session *s, int side, const uint8_t *p, size_t n)
{
	struct h2_dir *d = &s->d[side];
	struct h2_stream *st;
	size_t k;

	if (d->data_left) {
		k = n < d->data_left ? n : d->data_left;
		st = h2_stream_find(s, d->data_stream);
		if (st && st->reading[side])
			body_reader__feed(&st->br[side], p, k, d->ts);
		d->data_left -= (uint32_t)k;
	} else {
		k = n < d->pad_left ? n : d->pad_left;
		d->pad_left -= (uint32_t)k;
	}
	if (!d->data_left && !d->pad_left)
		data_finish(s, side);
	return (long)k;
}

/* A frame that is not read: too large, or malformed. Its payload is skipped. */
static long frame_reject(struct h2_session *s, int side, const struct h2_frame_hdr *f, int err)
{
	struct h2_dir *d = &s->d[side];
	struct h2_stream *st = h2_stream_find(s, f->stream);

	if (err == -E2BIG && f->len > s->o.max_frame)
		h2_cap(s, "frame size");
	else
		h2_proto_error(
			s, err == -E2BIG ? "frame over SETTINGS_MAX_FRAME_SIZE" : "malformed frame",
			f->stream);
	if (f->type == H2_HEADERS || f->type == H2_PUSH_PROMISE || f->type == H2_CONTINUATION ||
	    d->in_block)
		h2_block_abort(s, side, f->stream);
	else if (f->type == H2_DATA && st && st->reading[side])
		body_reader__gap(&st->br[side]);
	if (f->type == H2_DATA && st) {
		st->lost = true;
		h2_msg_of(st, side)->wire_bytes += H2_FRAME_HEADER_LEN + (uint64_t)f->len;
		if (f->flags & H2_F_END_STREAM) {
			d->data_stream = f->stream;
			d->data_end = true;
			d->skip_left = 0;
			data_finish(s, side);
		}
	}
	d->skip_left = f->len;
	d->frame_ts = 0;
	return H2_FRAME_HEADER_LEN;
}

static long frame_begin(struct h2_session *s, int side, const uint8_t *p, size_t n)
{
	struct h2_dir *d = &s->d[side];
	struct h2_frame_hdr f;
	int err;

	if (h2_parse_frame_header(p, n, &f) == TT_NEED_MORE)
		return STOP;
	err = h2_frame_check(&f, d->max_frame);
	if (err)
		return frame_reject(s, side, &f, err);
	if (d->in_block && f.type != H2_CONTINUATION)
		h2_block_abort(s, side, d->blk.stream);
	if (f.type == H2_DATA) {
		long r = data_begin(s, side, &f, p, n);

		if (r != STOP) {
			s->st->frames++;
			d->frame_ts = 0;
		}
		return r;
	}
	if (n < H2_FRAME_HEADER_LEN + (size_t)f.len)
		return STOP;
	s->st->frames++;
	frame_dispatch(s, side, &f, p + H2_FRAME_HEADER_LEN);
	d->frame_ts = 0;
	return H2_FRAME_HEADER_LEN + (long)f.len;
}

static long dir_preface(struct h2_session *s, struct h2_dir *d, const uint8_t *p, size_t n)
{
	size_t k = n < H2_PREFACE_LEN ? n : H2_PREFACE_LEN;

	if (!memcmp(p, H2_CLIENT_PREFACE, k)) {
		if (k < H2_PREFACE_LEN)
			return STOP;
		d->sync = DS_FRAMES;
		return H2_PREFACE_LEN;
	}
	/* no preface: the client side started before tracing did */
	tt_debug("http2: %s: no client preface: client header state unknown", s->name);
	h2_ctx_reset(s, d);
	d->max_frame = s->o.max_frame;
	d->sync = DS_PROBE;
	return 0;
}

static long dir_probe(struct h2_session *s, struct h2_dir *d, const uint8_t *p, size_t n)
{
	if (n < H2_FRAME_HEADER_LEN)
		return STOP;
	if (!h2_frame_plausible(p, d->max_frame)) {
		d->sync = DS_LOST;
		return (long)n;
	}
	if (d->was_lost)
		s->st->resyncs++;
	d->sync = DS_FRAMES;
	return 0;
}

/* One step: bytes consumed, 0 when only the state changed, or STOP. */
static long dir_step(struct h2_session *s, int side, const uint8_t *p, size_t n)
{
	struct h2_dir *d = &s->d[side];
	size_t k;

	switch (d->sync) {
	case DS_LOST:
		return (long)n;
	case DS_PREFACE:
		return dir_preface(s, d, p, n);
	case DS_PROBE:
		return dir_probe(s, d, p, n);
	case DS_FRAMES:
		break;
	}
	if (d->skip_left) {
		k = n < d->skip_left ? n : (size_t)d->skip_left;
		d->skip_left -= k;
		return (long)k;
	}
	if (d->data_left || d->pad_left)
		return data_payload(s, side, p, n);
	return frame_begin(s, side, p, n);
}

size_t h2_session__feed(struct h2_session *s, enum h2_side side, const uint8_t *p, size_t n,
			uint64_t ts, uint32_t tid)
{
	struct h2_dir *d = &s->d[side];
	size_t off = 0;
	long r;

	d->ts = ts;
	d->tid = tid;
	s->last_ts = ts;
	while (off < n && !s->broken) {
		r = dir_step(s, side, p + off, n - off);
		if (r == STOP)
			break;
		off += (size_t)r;
	}
	if (s->broken)
		return n;
	if (off < n && !d->frame_ts)
		d->frame_ts = ts;
	return off;
}

void h2_session__gap(struct h2_session *s, enum h2_side side, uint64_t lost)
{
	tt_debug("http2: %s: %llu bytes lost (%s)", s->name, (unsigned long long)lost,
		 side == H2_C2S ? "client" : "server");
	if (!s->broken)
		dir_lose(s, side);
}

void h2_session__call_start(struct h2_session *s, enum h2_side side)
{
	if (s->d[side].sync == DS_LOST)
		s->d[side].sync = DS_PROBE;
}

void h2_session__end(struct h2_session *s, uint64_t ts, bool closed)
{
	h2_streams_close_all(s, ts ? ts : s->last_ts, closed ? 0 : HTTP_X_INCOMPLETE);
}

bool h2_session__broken(const struct h2_session *s)
{
	return s->broken;
}

size_t h2_session__streams(const struct h2_session *s)
{
	return s->n;
}

static void set_defaults(struct h2_opts *o)
{
	if (!o->max_header_bytes)
		o->max_header_bytes = TT_MAX_HEADER_BYTES;
	if (!o->max_streams)
		o->max_streams = TT_H2_MAX_STREAMS;
	if (!o->max_frame || o->max_frame > TT_H2_MAX_FRAME)
		o->max_frame = TT_H2_MAX_FRAME;
	if (o->max_frame < H2_DEFAULT_FRAME)
		o->max_frame = H2_DEFAULT_FRAME;
	if (!o->lim.max_body)
		o->lim.max_body = TT_MAX_BODY;
	if (!o->lim.max_event)
		o->lim.max_event = TT_MAX_SSE_EVENT;
	if (!o->lim.max_events)
		o->lim.max_events = TT_MAX_SSE_EVENTS;
}

static int dir_init(struct h2_session *s, struct h2_dir *d, bool trusted)
{
	d->trusted = trusted;
	d->max_frame = trusted ? H2_DEFAULT_FRAME : s->o.max_frame;
	d->table = d->want_table = trusted ? H2_DEFAULT_HPACK_TABLE : TT_H2_MAX_HPACK_TABLE;
	if (nghttp2_hd_inflate_new(&d->hd))
		return -ENOMEM;
	if (nghttp2_hd_inflate_change_table_size(d->hd, d->table))
		return -ENOMEM;
	return 0;
}

struct h2_session *h2_session__new(const struct h2_opts *opts, enum h2_start start,
				   http_exchange_sink_fn sink, void *ctx)
{
	struct h2_session *s = calloc(1, sizeof(*s));
	bool mid = start == H2_START_MIDSTREAM;

	if (!s)
		return NULL;
	if (opts)
		s->o = *opts;
	set_defaults(&s->o);
	s->st = s->o.stats ? s->o.stats : &s->own;
	s->sink = sink;
	s->ctx = ctx;
	snprintf(s->name, sizeof(s->name), "%s", s->o.name ? s->o.name : "-");
	s->o.name = NULL;
	if (dir_init(s, &s->d[H2_C2S], !mid) || dir_init(s, &s->d[H2_S2C], !mid)) {
		h2_session__free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->d[H2_C2S].sync = mid ? DS_PROBE : DS_PREFACE;
	s->d[H2_S2C].sync = mid ? DS_PROBE : DS_FRAMES;
	s->st->conns++;
	if (mid)
		s->st->midstream++;
	return s;
}

void h2_session__set_head_sink(struct h2_session *s, h2_head_fn head)
{
	s->head = head;
}

void h2_session__free(struct h2_session *s)
{
	int k;

	if (!s)
		return;
	h2_streams_free(s);
	for (k = 0; k < 2; k++) {
		h2_block_free(&s->d[k].blk);
		nghttp2_hd_inflate_del(s->d[k].hd);
	}
	free(s);
}
