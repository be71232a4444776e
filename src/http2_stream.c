// SPDX-License-Identifier: MIT
/*
 * http2_stream.c: the streams of an HTTP/2 session and their exchanges (open, find, a side's
 * body and end, close and deliver), and the session state both the frame layer (http2.c) and
 * the header blocks (http2_hdrs.c) change: caps, protocol errors, HPACK contexts.
 */
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "body_reader.h"
#include "buf.h"
#include "http2_internal.h"
#include "tt_limits.h"
#include "log.h"

/* ---- caps and errors ---- */

void h2_cap(struct h2_session *s, const char *what)
{
	s->st->caps_hit++;
	if (s->warned)
		return;
	s->warned = true;
	tt_warn("http2: %s: %s cap hit (further caps on this connection not logged)", s->name,
		what);
}

void h2_proto_error(struct h2_session *s, const char *what, uint32_t stream)
{
	s->st->protocol_errors++;
	tt_debug("http2: %s: stream %u: %s", s->name, stream, what);
}

/* ---- streams and their exchanges ---- */

struct h2_stream *h2_stream_find(const struct h2_session *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i]->id == id)
			return s->v[i];
	}
	return NULL;
}

struct h2_stream *h2_stream_open(struct h2_session *s, uint32_t id, uint64_t ts)
{
	struct h2_stream *st;

	if (s->n >= s->o.max_streams) {
		h2_cap(s, "open streams");
		h2_stream_close(s, s->v[0], ts, HTTP_X_INCOMPLETE);
	}
	if (tt_ensure_mem((void **)&s->v, &s->cap, sizeof(*s->v), s->n + 1))
		return NULL;
	st = calloc(1, sizeof(*st));
	if (st)
		st->x = calloc(1, sizeof(*st->x));
	if (!st || !st->x) {
		free(st);
		return NULL;
	}
	st->id = id;
	tt_acct_init(&st->acct, s->o.acct ? s->o.acct->b : NULL, s->o.acct);
	s->v[s->n++] = st;
	s->st->streams++;
	return st;
}

struct http_message *h2_msg_of(struct h2_stream *st, int side)
{
	return side == H2_C2S ? &st->x->req : &st->x->resp;
}

void h2_reader_end(struct h2_session *s, struct h2_stream *st, int side, uint64_t ts)
{
	struct body_reader *r = &st->br[side];
	struct http_exchange *x = st->x;

	if (!st->reading[side])
		return;
	if (body_reader__finish(r, ts))
		x->flags |= HTTP_X_INCOMPLETE;
	if (r->truncated) {
		x->flags |= side == H2_C2S ? HTTP_X_REQ_TRUNCATED : HTTP_X_RESP_TRUNCATED;
		h2_cap(s, r->decomp_capped ? "decompressed body" : "body");
	}
	if (r->mem_dropped)
		x->flags |= HTTP_X_MEM_DROPPED;
	if (r->decomp_capped)
		s->st->decompress_capped++;
	if (r->decode_error) {
		x->flags |= HTTP_X_DECODE_ERROR;
		s->st->decode_errors++;
	}
	if (r->incomplete)
		x->flags |= HTTP_X_INCOMPLETE;
	body_reader__free(r);
	/* what the message keeps stays in the stream's holder until it is delivered */
	tt_acct_hand_up(&r->acct);
	st->reading[side] = false;
}

void h2_reader_begin(struct h2_session *s, struct h2_stream *st, int side)
{
	if (body_reader__init(&st->br[side], h2_msg_of(st, side), &s->o.lim, &st->acct)) {
		st->x->flags |= HTTP_X_INCOMPLETE;
		body_reader__free(&st->br[side]);
		return;
	}
	st->reading[side] = true;
}

void h2_stream_close(struct h2_session *s, struct h2_stream *st, uint64_t ts, uint32_t flags)
{
	struct http_exchange *x = st->x;
	size_t i;
	int side;

	if (!st->req_done || (st->resp_seen && !st->resp_done) || st->lost)
		flags |= HTTP_X_INCOMPLETE;
	if (!st->resp_seen)
		flags |= HTTP_X_NO_RESPONSE;
	for (side = 0; side < 2; side++) {
		bool done = side == H2_C2S ? st->req_done : st->resp_done;

		h2_reader_end(s, st, side, ts);
		if (!done && (side == H2_C2S || st->resp_seen))
			h2_msg_of(st, side)->end_ns = ts;
	}
	x->flags |= flags;
	tt_acct_release(&st->acct, st->acct.held);
	for (i = 0; i < s->n && s->v[i] != st; i++)
		;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
	free(st);
	if (s->sink)
		s->sink(x, s->ctx);
	else
		http_exchange__free(x);
}

void h2_msg_end(struct h2_session *s, struct h2_stream *st, int side, uint64_t ts, bool complete)
{
	h2_reader_end(s, st, side, ts);
	if (!complete)
		st->x->flags |= HTTP_X_INCOMPLETE;
	h2_msg_of(st, side)->end_ns = ts;
	if (side == H2_C2S)
		st->req_done = true;
	else
		st->resp_done = true;
	if (st->req_done && st->resp_done)
		h2_stream_close(s, st, ts, 0);
}

void h2_streams_close_all(struct h2_session *s, uint64_t ts, uint32_t flags)
{
	while (s->n)
		h2_stream_close(s, s->v[0], ts, flags);
}

void h2_streams_free(struct h2_session *s)
{
	size_t i;
	int k;

	for (i = 0; i < s->n; i++) {
		for (k = 0; k < 2; k++) {
			if (s->v[i]->reading[k])
				body_reader__free(&s->v[i]->br[k]);
		}
		tt_acct_release(&s->v[i]->acct, s->v[i]->acct.held);
		http_exchange__free(s->v[i]->x);
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ---- the memory budget ---- */

size_t h2_session__largest(const struct h2_session *s, size_t *idx)
{
	size_t i, best = 0;

	for (i = 0; i < s->n; i++) {
		if (s->v[i]->acct.held > best) {
			best = s->v[i]->acct.held;
			*idx = i;
		}
	}
	return best;
}

void h2_session__drop(struct h2_session *s, size_t idx, const struct tt_acct *charging)
{
	struct h2_stream *st = s->v[idx];
	size_t done = st->acct.held;
	int side;

	for (side = 0; side < 2; side++) {
		struct http_message *m = h2_msg_of(st, side);

		if (st->reading[side]) {
			done -= st->br[side].acct.held;
			body_reader__drop(&st->br[side], &st->br[side].acct == charging);
		} else if (m->body_len || m->n_events) {
			http_message__drop_body(m);
			st->x->flags |=
				HTTP_X_MEM_DROPPED |
				(side == H2_C2S ? HTTP_X_REQ_TRUNCATED : HTTP_X_RESP_TRUNCATED);
		}
	}
	/* what finished messages kept: freed above */
	tt_acct_release(&st->acct, done);
	h2_cap(s, "memory budget");
}

/* ---- the session's shared state: HPACK contexts, header blocks ---- */

/* HPACK failed on a context followed from the start: nothing it decodes can be trusted. */
static void session_break(struct h2_session *s, const char *why)
{
	if (s->broken)
		return;
	s->broken = true;
	s->st->broken++;
	tt_warn("http2: %s: %s: header state broken, no more exchanges from this connection",
		s->name, why);
	h2_streams_close_all(s, s->last_ts, HTTP_X_INCOMPLETE);
}

void h2_ctx_reset(struct h2_session *s, struct h2_dir *d)
{
	nghttp2_hd_inflate_del(d->hd);
	d->hd = NULL;
	d->trusted = false;
	d->table = d->want_table = TT_H2_MAX_HPACK_TABLE;
	if (nghttp2_hd_inflate_new(&d->hd) ||
	    nghttp2_hd_inflate_change_table_size(d->hd, d->table)) {
		session_break(s, "out of memory");
		return;
	}
}

void h2_block_free(struct h2_block *b)
{
	size_t i;

	free(b->method);
	free(b->path);
	free(b->authority);
	free(b->status);
	for (i = 0; i < b->h.n; i++) {
		free(b->h.v[i].name);
		free(b->h.v[i].value);
	}
	free(b->h.v);
	memset(b, 0, sizeof(*b));
}

void h2_hpack_fail(struct h2_session *s, int side, const char *why)
{
	struct h2_dir *d = &s->d[side];

	s->st->hpack_errors++;
	d->blk.failed = true;
	if (d->trusted) {
		session_break(s, why);
		return;
	}
	tt_debug("http2: %s: %s on an untrusted HPACK context: stream %u dropped, context reset",
		 s->name, why, d->blk.stream);
	s->st->hpack_resets++;
	h2_ctx_reset(s, d);
}
