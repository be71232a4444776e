// SPDX-License-Identifier: MIT
/*
 * http2_hdrs.c: HTTP/2 header blocks (HEADERS, PUSH_PROMISE, CONTINUATION) decoded with
 * libnghttp2's HPACK inflater, checked against the HTTP/2 field rules, and turned into the
 * requests, responses and trailers of a session's streams. The frame layer is http2.c, the
 * streams themselves are http2_stream.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "http2.h"
#include "http2_internal.h"
#include "tt_limits.h"
#include "log.h"
#include "redact.h"

/* ---- header blocks ---- */

static bool name_ok(const uint8_t *p, size_t n)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	size_t i = p[0] == ':' ? 1 : 0;

	if (i >= n)
		return false;
	for (; i < n; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		      (p[i] && strchr(extra, p[i]))))
			return false;
	}
	return true;
}

static bool value_ok(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\0' || p[i] == '\r' || p[i] == '\n')
			return false;
	}
	return true;
}

static char **pseudo_slot(struct h2_block *b, const uint8_t *name, size_t n)
{
	static const char *const names[] = { ":method", ":path", ":authority", ":status" };
	char **slots[] = { &b->method, &b->path, &b->authority, &b->status };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strlen(names[i]) == n && !memcmp(names[i], name, n))
			return slots[i];
	}
	return NULL;
}

static bool is_pseudo(const uint8_t *name, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(want, name, n);
}

static void block_pseudo(struct h2_block *b, const nghttp2_nv *nv)
{
	char **slot = pseudo_slot(b, nv->name, nv->namelen);

	if (b->regular) {
		b->bad = true;
		return;
	}
	if (!slot) {
		/* :scheme and :protocol are valid and not kept */
		if (!is_pseudo(nv->name, nv->namelen, ":scheme") &&
		    !is_pseudo(nv->name, nv->namelen, ":protocol"))
			b->bad = true;
		return;
	}
	if (*slot) {
		b->bad = true;
		return;
	}
	*slot = strndup((const char *)nv->value, nv->valuelen);
	if (!*slot)
		b->capped = true;
}

/* One decoded field: pseudo-fields kept aside, regular ones redacted like HTTP/1's. */
static void block_field(struct h2_session *s, struct h2_block *b, const nghttp2_nv *nv)
{
	const char *name = (const char *)nv->name;

	b->bytes += nv->namelen + nv->valuelen;
	if (!name_ok(nv->name, nv->namelen) || !value_ok(nv->value, nv->valuelen)) {
		b->bad = true;
		return;
	}
	if (name[0] == ':') {
		block_pseudo(b, nv);
		return;
	}
	b->regular = true;
	if (b->kind == BK_DISCARD)
		return;
	if (b->bytes > s->o.max_header_bytes ||
	    http_headers_add(&b->h, name, nv->namelen, (const char *)nv->value, nv->valuelen))
		b->capped = true;
}

/* Runs a fragment through the side's HPACK context: 0, or -EBADMSG when decoding failed. */
static int block_inflate(struct h2_session *s, struct h2_dir *d, const uint8_t *p, size_t n,
			 bool final)
{
	nghttp2_nv nv;
	ssize_t r;
	int fl;

	for (;;) {
		fl = 0;
		r = nghttp2_hd_inflate_hd2(d->hd, &nv, &fl, p, n, final);
		if (r < 0)
			return -EBADMSG;
		p += r;
		n -= (size_t)r;
		if (fl & NGHTTP2_HD_INFLATE_EMIT)
			block_field(s, &d->blk, &nv);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->hd);
			return 0;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !n)
			return 0;
	}
}

static enum blk_kind block_classify(struct h2_session *s, int side, const struct h2_frame_hdr *f)
{
	struct h2_stream *st = h2_stream_find(s, f->stream);

	if (f->type == H2_PUSH_PROMISE) {
		if (side == H2_C2S)
			h2_proto_error(s, "PUSH_PROMISE from the client", f->stream);
		return BK_DISCARD;
	}
	if (side == H2_C2S) {
		if (!st && (f->stream & 1) && f->stream > s->last_c2s) {
			s->last_c2s = f->stream;
			return BK_REQUEST;
		}
		if (st && !st->req_done)
			return BK_TRAILERS;
		h2_proto_error(s, "HEADERS on a closed or server stream", f->stream);
		return BK_DISCARD;
	}
	if (!st) {
		s->st->unknown_streams++; /* its request was not seen, or a pushed stream */
		return BK_DISCARD;
	}
	if (!st->resp_seen)
		return BK_RESPONSE;
	if (!st->resp_done)
		return BK_TRAILERS;
	h2_proto_error(s, "HEADERS after the response ended", f->stream);
	return BK_DISCARD;
}

void h2_block_begin(struct h2_session *s, int side, const struct h2_frame_hdr *f)
{
	struct h2_dir *d = &s->d[side];

	/* a table size the other side allowed takes effect between blocks */
	if (d->want_table > d->table && !nghttp2_hd_inflate_change_table_size(d->hd, d->want_table))
		d->table = d->want_table;
	memset(&d->blk, 0, sizeof(d->blk));
	d->blk.stream = f->stream;
	d->blk.end_stream = f->type == H2_HEADERS && (f->flags & H2_F_END_STREAM);
	d->blk.ts = d->frame_ts ? d->frame_ts : d->ts;
	d->blk.tid = d->tid;
	d->blk.kind = block_classify(s, side, f);
	d->in_block = true;
}

static bool status_ok(const char *v)
{
	return v && strlen(v) == 3 && v[0] >= '1' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' &&
	       v[2] >= '0' && v[2] <= '9';
}

/* Whether the pseudo-fields fit the kind of block (RFC 9113 8.3). */
static bool block_valid(const struct h2_block *b)
{
	switch (b->kind) {
	case BK_REQUEST:
		return b->method && !b->status && (b->path || !strcmp(b->method, "CONNECT"));
	case BK_RESPONSE:
		return status_ok(b->status) && !b->method && !b->path && !b->authority;
	case BK_TRAILERS:
		return !b->method && !b->path && !b->authority && !b->status;
	default:
		return true;
	}
}

/* The regular fields of block b go to a message (b keeps none). */
static void block_take_fields(struct h2_block *b, struct http_headers *to)
{
	*to = b->h;
	memset(&b->h, 0, sizeof(b->h));
}

static void stream_open(struct h2_session *s, struct h2_block *b)
{
	struct h2_stream *st = h2_stream_open(s, b->stream, b->ts);
	struct http_exchange *x;
	const char *host;

	if (!st)
		return;
	x = st->x;
	x->method = b->method;
	b->method = NULL;
	if (b->path)
		x->target = redact_target(b->path, strlen(b->path));
	else
		x->target = strdup(b->authority ? b->authority : "");
	host = b->authority ? b->authority : http_headers_get(&b->h, "host");
	if (host)
		x->host = strdup(host);
	block_take_fields(b, &x->req.headers);
	x->tid = b->tid;
	x->seq = s->seq++;
	x->req.start_ns = b->ts;
	x->req.wire_bytes = b->wire;
	if (!x->target || (host && !x->host) || b->capped)
		x->flags |= HTTP_X_INCOMPLETE;
	/* the head is known now, whatever its body and response will be */
	if (s->head)
		s->head(x, s->ctx);
	if (b->end_stream)
		h2_msg_end(s, st, H2_C2S, b->ts, true);
	else
		h2_reader_begin(s, st, H2_C2S);
}

static void stream_response(struct h2_session *s, struct h2_stream *st, struct h2_block *b)
{
	struct http_exchange *x = st->x;
	int status = atoi(b->status);

	if (status / 100 == 1 && status != 101)
		return; /* interim (100 Continue, 103): the final one follows */
	st->resp_seen = true;
	x->status = status;
	block_take_fields(b, &x->resp.headers);
	x->resp.start_ns = b->ts;
	x->resp.wire_bytes += b->wire;
	if (b->capped)
		x->flags |= HTTP_X_INCOMPLETE;
	if (b->end_stream)
		h2_msg_end(s, st, H2_S2C, b->ts, true);
	else
		h2_reader_begin(s, st, H2_S2C);
}

static void stream_trailers(struct h2_session *s, struct h2_stream *st, int side,
			    struct h2_block *b, uint64_t ts)
{
	struct http_message *m = h2_msg_of(st, side);
	size_t i;

	m->wire_bytes += b->wire;
	if (b->h.n && (m->headers.n + b->h.n > TT_MAX_HEADERS ||
		       tt_ensure_mem((void **)&m->headers.v, &m->headers.alloc,
				     sizeof(*m->headers.v), m->headers.n + b->h.n))) {
		st->x->flags |= HTTP_X_INCOMPLETE;
		h2_cap(s, "header fields");
	} else if (b->h.n) {
		for (i = 0; i < b->h.n; i++)
			m->headers.v[m->headers.n++] = b->h.v[i];
		b->h.n = 0;
	}
	if (b->capped)
		st->x->flags |= HTTP_X_INCOMPLETE;
	if (b->end_stream)
		h2_msg_end(s, st, side, ts, true);
}

/* END_HEADERS: the decoded block goes to its stream. */
static void block_finish(struct h2_session *s, int side)
{
	struct h2_dir *d = &s->d[side];
	struct h2_block *b = &d->blk;
	struct h2_stream *st = h2_stream_find(s, b->stream);
	bool ok = !b->failed && !b->bad && block_valid(b);

	d->in_block = false;
	if (b->capped && !b->failed)
		h2_cap(s, "header block");
	if (!b->failed && !ok) {
		h2_proto_error(s, "malformed header block", b->stream);
		/* fields that break the rules from an untrusted context: the context is suspect */
		if (!d->trusted)
			h2_hpack_fail(s, side, "malformed fields");
	}
	if (!ok) {
		if (st && b->kind != BK_DISCARD) {
			st->lost = true;
			if (b->end_stream)
				h2_msg_end(s, st, side, d->ts, false);
		}
		h2_block_free(b);
		return;
	}
	if (b->kind == BK_REQUEST)
		stream_open(s, b);
	else if (b->kind == BK_RESPONSE && st)
		stream_response(s, st, b);
	else if (b->kind == BK_TRAILERS && st)
		stream_trailers(s, st, side, b, d->ts);
	h2_block_free(b);
}

void h2_block_feed(struct h2_session *s, int side, const uint8_t *p, size_t n, bool end,
		   uint64_t wire)
{
	struct h2_dir *d = &s->d[side];

	d->blk.wire += wire;
	if (!d->blk.failed && block_inflate(s, d, p, n, end))
		h2_hpack_fail(s, side, "HPACK decoding failed");
	if (s->broken)
		return;
	if (end)
		block_finish(s, side);
}

void h2_block_abort(struct h2_session *s, int side, uint32_t stream)
{
	struct h2_dir *d = &s->d[side];
	struct h2_stream *st;

	h2_proto_error(s, "header block cut short", stream);
	if (d->in_block) {
		stream = d->blk.stream;
		h2_block_free(&d->blk);
		d->in_block = false;
	}
	st = h2_stream_find(s, stream);
	if (st)
		st->lost = true;
	/* the table entries it added are unknown now */
	h2_ctx_reset(s, d);
}
