// SPDX-License-Identifier: MIT
/*
 * conn_http1.c: the HTTP/1.x side of the connection table: message heads and bodies of each
 * half (request / response), resynchronisation after gaps, and the queue that pairs requests
 * with responses and delivers exchanges in order. The table and the protocol sniffing are
 * conn.c; what every protocol uses is conn_core.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_reader.h"
#include "chunked.h"
#include "conn.h"
#include "conn_internal.h"
#include "http1.h"
#include "tt_limits.h"
#include "log.h"
#include "redact.h"
#include "stream.h"

/* ---- exchanges and their queue ---- */

static struct http_exchange *exchange_new(struct conn *c)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	conn_stamp(c, x);
	return x;
}

static void deliver(struct conn_table *t, struct conn *c, struct http_exchange *x)
{
	x->seq = c->seq++;
	conn_sink(t, x);
}

static struct pend *pend_of(struct conn *c, const struct http_exchange *x)
{
	size_t i;

	for (i = 0; i < c->nq; i++) {
		if (c->q[i].x == x)
			return &c->q[i];
	}
	return NULL;
}

static void msg_end(struct conn_table *t, struct conn *c, struct half *h, uint64_t ts,
		    bool complete);

/* Ends whatever a half is reading of x (x is about to be delivered early). */
static void release_halves(struct conn_table *t, struct conn *c, struct http_exchange *x)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (c->h[i].x == x) {
			msg_end(t, c, &c->h[i], c->last_ts, false);
			conn_http1_lost(&c->h[i], false);
		}
	}
}

/* Delivers c's queue entry at idx, whatever its state, flagged for what it lacks. */
static void pend_force(struct conn_table *t, struct conn *c, size_t idx, uint32_t flags)
{
	struct pend p = c->q[idx];

	release_halves(t, c, p.x);
	tt_acct_release(&c->acct, c->q[idx].held);
	if (!p.req_done || (p.resp_seen && !p.resp_done))
		p.x->flags |= HTTP_X_INCOMPLETE;
	if (!p.resp_seen)
		p.x->flags |= HTTP_X_NO_RESPONSE;
	p.x->flags |= flags;
	memmove(&c->q[idx], &c->q[idx + 1], (c->nq - idx - 1) * sizeof(c->q[0]));
	c->nq--;
	deliver(t, c, p.x);
}

void conn_deliver_ready(struct conn_table *t, struct conn *c)
{
	while (c->nq && c->q[0].req_done && c->q[0].resp_done) {
		struct http_exchange *x = c->q[0].x;

		tt_acct_release(&c->acct, c->q[0].held);
		memmove(&c->q[0], &c->q[1], (c->nq - 1) * sizeof(c->q[0]));
		c->nq--;
		deliver(t, c, x);
	}
}

/* Inserts x at idx; a full queue first gives up its oldest entry. */
static struct pend *pend_insert(struct conn_table *t, struct conn *c, size_t idx,
				struct http_exchange *x)
{
	if (c->nq == t->o.max_pending) {
		conn_cap(t, c, "pending requests");
		pend_force(t, c, 0, HTTP_X_INCOMPLETE);
		if (idx)
			idx--;
	}
	memmove(&c->q[idx + 1], &c->q[idx], (c->nq - idx) * sizeof(c->q[0]));
	c->nq++;
	c->q[idx] = (struct pend){ .x = x };
	return &c->q[idx];
}

void conn_http1_drop(struct conn_table *t, struct conn *c, size_t idx)
{
	struct pend *p = &c->q[idx];

	/* a message still being read is its reader's: only finished ones are held here */
	if (p->req_done && (p->x->req.body_len || p->x->req.n_events)) {
		http_message__drop_body(&p->x->req);
		p->x->flags |= HTTP_X_REQ_TRUNCATED | HTTP_X_MEM_DROPPED;
	}
	if (p->resp_done && (p->x->resp.body_len || p->x->resp.n_events)) {
		http_message__drop_body(&p->x->resp);
		p->x->flags |= HTTP_X_RESP_TRUNCATED | HTTP_X_MEM_DROPPED;
	}
	tt_acct_release(&c->acct, p->held);
	p->held = 0;
	conn_cap(t, c, "memory budget");
}

/* ---- messages ---- */

/*
 * Chunk data of one read goes to the body reader in one piece when it is compressed: a
 * streaming server flushes its compressor per event, so a 16 KiB read holds hundreds of
 * chunks of a few dozen bytes, and one inflate call per chunk costs several times one call
 * for all of them. The bytes of one read share one arrival time, so events keep their times.
 * The first chunk is held as a view into the read and copied only when a second one follows:
 * a read of one event is one chunk, passed on without a copy.
 */
struct chunk_sink {
	struct half *h;
	struct tt_buf *gather;	   /* NULL: feed each piece as it comes */
	const unsigned char *view; /* the first chunk, not copied yet */
	size_t nview;
};

static int gather_flush(struct chunk_sink *cs)
{
	const void *p = cs->view;
	size_t n = cs->nview;
	int err;

	if (!cs->gather)
		return 0;
	if (cs->gather->len) {
		p = cs->gather->data;
		n = cs->gather->len;
	}
	cs->view = NULL;
	cs->nview = 0;
	if (!n)
		return 0;
	err = body_reader__feed(&cs->h->br, p, n, cs->h->ts);
	tt_buf_reset(cs->gather);
	return err;
}

static int chunk_data(const unsigned char *p, size_t n, void *ctx)
{
	struct chunk_sink *cs = ctx;
	int err;

	if (cs->gather && n < GATHER_MAX) {
		if (cs->gather->len + cs->nview + n > GATHER_MAX && (err = gather_flush(cs)))
			return err;
		if (!cs->gather->len && !cs->nview) {
			cs->view = p;
			cs->nview = n;
			return 0;
		}
		if (cs->nview) {
			err = tt_buf_add(cs->gather, cs->view, cs->nview);
			cs->view = NULL;
			cs->nview = 0;
			if (err)
				return err;
		}
		return tt_buf_add(cs->gather, p, n);
	}
	err = gather_flush(cs);
	return err ? err : body_reader__feed(&cs->h->br, p, n, cs->h->ts);
}

static void reader_flags(struct conn_table *t, struct conn *c, struct half *h)
{
	struct body_reader *r = &h->br;

	if (r->truncated) {
		h->x->flags |= h->is_req ? HTTP_X_REQ_TRUNCATED : HTTP_X_RESP_TRUNCATED;
		conn_cap(t, c, r->decomp_capped ? "decompressed body" : "body");
	}
	if (r->mem_dropped)
		h->x->flags |= HTTP_X_MEM_DROPPED;
	if (r->decomp_capped)
		t->st.decompress_capped++;
	if (r->decode_error) {
		h->x->flags |= HTTP_X_DECODE_ERROR;
		t->st.decode_errors++;
	}
	if (r->incomplete)
		h->x->flags |= HTTP_X_INCOMPLETE;
}

static void add_trailers(struct conn_table *t, struct half *h)
{
	long r;

	if (!h->trailers.len)
		return;
	r = http1_parse_fields((const char *)h->trailers.data, h->trailers.len,
			       t->o.max_header_bytes, &t->head);
	if (r <= 0 || http1_headers_append(&h->m->headers, &t->head)) {
		t->st.parse_errors++;
		h->x->flags |= HTTP_X_INCOMPLETE;
	}
	tt_buf_reset(&h->trailers);
}

/* The message half h was reading ends at ts (complete: its framing says so). */
static void msg_end(struct conn_table *t, struct conn *c, struct half *h, uint64_t ts,
		    bool complete)
{
	struct pend *p;
	size_t held = 0;

	if (!h->x)
		return;
	if (h->reading) {
		if (body_reader__finish(&h->br, ts))
			h->x->flags |= HTTP_X_INCOMPLETE;
		reader_flags(t, c, h);
		body_reader__free(&h->br);
		held = tt_acct_hand_up(&h->br.acct);
		h->reading = false;
	}
	if (h->frame == HTTP1_FRAME_CHUNKED && complete)
		add_trailers(t, h);
	tt_buf_reset(&h->trailers);
	if (!complete)
		h->x->flags |= HTTP_X_INCOMPLETE;
	h->m->end_ns = ts;
	p = pend_of(c, h->x);
	if (p && h->is_req)
		p->req_done = true;
	else if (p)
		p->resp_done = true;
	/* the body and events the message keeps wait with it in the queue */
	if (p)
		p->held += held;
	else
		tt_acct_release(&c->acct, held);
	h->x = NULL;
	h->m = NULL;
	if (h->state == HS_BODY)
		h->state = HS_HEAD;
}

/*
 * A 101 to WebSocket: x leaves the queue (any exchange before it is delivered as it is) and
 * conn_ws.c reads the rest of the connection into it. False: the connection is given up.
 */
static bool ws_take(struct conn_table *t, struct conn *c, struct http_exchange *x)
{
	if (c->ws || !conn_ws_is_upgrade(x))
		return false;
	while (c->nq && c->q[0].x != x)
		pend_force(t, c, 0, HTTP_X_INCOMPLETE);
	if (!c->nq)
		return false;
	tt_acct_release(&c->acct, c->q[0].held);
	memmove(&c->q[0], &c->q[1], (c->nq - 1) * sizeof(c->q[0]));
	c->nq--;
	if (!conn_ws_start(t, c, x))
		return true;
	deliver(t, c, x);
	return false;
}

/* A head was parsed into x and h->m: set up reading its body. */
static void msg_begin(struct conn_table *t, struct conn *c, struct half *h, struct http_exchange *x,
		      int frame, uint64_t length, size_t head_len)
{
	h->x = x;
	h->m = h->is_req ? &x->req : &x->resp;
	h->m->start_ns = h->head_ts;
	h->m->wire_bytes = head_len;
	h->head_ts = 0;
	h->frame = frame;
	h->remain = length;
	if (frame == HTTP1_FRAME_NONE || frame == HTTP1_FRAME_TUNNEL) {
		msg_end(t, c, h, h->ts, true);
		if (frame == HTTP1_FRAME_TUNNEL) {
			t->st.upgrades++;
			if (!ws_take(t, c, x))
				conn_skip(c);
		}
		return;
	}
	h->state = HS_BODY;
	memset(&h->ch, 0, sizeof(h->ch));
	h->ch.trailers = &h->trailers;
	if (body_reader__init(&h->br, h->m, &t->lim, &c->acct)) {
		h->x->flags |= HTTP_X_INCOMPLETE;
		body_reader__free(&h->br);
		return;
	}
	h->reading = true;
}

static int fill_request(struct http_exchange *x, const struct http1_head *hd)
{
	const struct http1_field *host = http1_head_field(hd, "host");

	x->method = strndup(hd->method, hd->method_len);
	x->http_version = hd->minor ? 11 : 10;
	x->target = redact_target(hd->target, hd->target_len);
	if (host)
		x->host = strndup(host->value, host->value_len);
	if (!x->method || !x->target || (host && !x->host))
		return -ENOMEM;
	return http1_headers_append(&x->req.headers, hd);
}

static void head_error(struct conn_table *t, struct conn *c, struct half *h, long err)
{
	if (err == -E2BIG)
		conn_cap(t, c, "head");
	else
		t->st.parse_errors++;
	tt_debug("conn: pid=%u ssl=%#llx: bad %s head (%ld), resyncing", c->pid,
		 (unsigned long long)c->id, h->is_req ? "request" : "response", err);
	conn_http1_lost(h, false);
	h->head_ts = 0;
	t->st.resyncs++;
}

/*
 * The head of r bytes parsed into x is over: its body is read as frame says. Where the body
 * ends is unknown (frame < 0): the head is kept, the half looks for the next message.
 */
static long head_done(struct conn_table *t, struct conn *c, struct half *h, struct http_exchange *x,
		      int frame, uint64_t length, long r)
{
	if (frame < 0) {
		msg_begin(t, c, h, x, HTTP1_FRAME_NONE, 0, (size_t)r);
		x->flags |= HTTP_X_INCOMPLETE;
		head_error(t, c, h, frame);
		return r;
	}
	msg_begin(t, c, h, x, frame, length, (size_t)r);
	return r;
}

static long req_head(struct conn_table *t, struct conn *c, struct half *h, const char *p, size_t n)
{
	struct http_exchange *x;
	uint64_t length;
	int frame;
	long r;

	r = http1_parse_request(p, n, t->o.max_header_bytes, &t->head);
	if (r == TT_NEED_MORE)
		return STOP;
	if (r < 0) {
		head_error(t, c, h, r);
		return 0;
	}
	x = exchange_new(c);
	if (!x)
		return STOP;
	x->tid = h->head_tid;
	h->lost = false;
	if (fill_request(x, &t->head))
		x->flags |= HTTP_X_INCOMPLETE;
	pend_insert(t, c, c->nq, x);
	frame = http1_request_framing(&t->head, &length);
	r = head_done(t, c, h, x, frame, length, r);
	/* x waits in the queue until its response is done: valid through the report */
	conn_head(t, x);
	return r;
}

/*
 * The exchange a response beginning at ts answers: the oldest one still waiting, unless its
 * request started after ts (then the request was lost: a request-less exchange is made), or
 * bytes were lost on this side (then older waiting ones lost their responses: the newest
 * request sent before ts gets this one).
 */
static struct http_exchange *match_response(struct conn_table *t, struct conn *c, struct half *h,
					    uint64_t ts)
{
	struct http_exchange *x;
	struct pend *p;
	size_t i;

	for (i = 0; i < c->nq && c->q[i].resp_seen; i++)
		;
	if (h->lost) {
		/* Their responses were in the lost bytes; they are delivered in turn. */
		for (; i + 1 < c->nq && c->q[i + 1].x->req.start_ns <= ts; i++) {
			c->q[i].resp_seen = c->q[i].resp_done = true;
			c->q[i].x->flags |= HTTP_X_NO_RESPONSE | HTTP_X_INCOMPLETE;
		}
	}
	if (i < c->nq && c->q[i].x->req.start_ns <= ts) {
		p = &c->q[i];
	} else {
		x = exchange_new(c);
		if (!x)
			return NULL;
		x->flags |= HTTP_X_INCOMPLETE;
		p = pend_insert(t, c, i < c->nq ? i : c->nq, x);
		p->req_done = true;
	}
	p->resp_seen = true;
	h->lost = false;
	return p->x;
}

static long resp_head(struct conn_table *t, struct conn *c, struct half *h, const char *p, size_t n)
{
	struct http_exchange *x;
	uint64_t length;
	int frame;
	long r;

	r = http1_parse_response(p, n, t->o.max_header_bytes, &t->head);
	if (r == TT_NEED_MORE)
		return STOP;
	if (r < 0) {
		head_error(t, c, h, r);
		return 0;
	}
	if (t->head.status / 100 == 1 && t->head.status != 101) {
		h->head_ts = 0; /* interim (100 Continue, 103): the final one follows */
		return r;
	}
	x = match_response(t, c, h, h->head_ts);
	if (!x)
		return STOP;
	x->status = t->head.status;
	x->reason = strndup(t->head.reason, t->head.reason_len);
	if (!x->reason || http1_headers_append(&x->resp.headers, &t->head))
		x->flags |= HTTP_X_INCOMPLETE;
	frame = http1_response_framing(&t->head, x->method, &length);
	return head_done(t, c, h, x, frame, length, r);
}

static long half_body(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		      size_t n)
{
	struct chunk_sink cs;
	size_t k = n;
	long r;

	if (!h->m->first_body_ns)
		h->m->first_body_ns = h->ts;
	switch (h->frame) {
	case HTTP1_FRAME_LENGTH:
		k = n < h->remain ? n : (size_t)h->remain;
		if (h->reading)
			body_reader__feed(&h->br, p, k, h->ts);
		h->remain -= k;
		break;
	case HTTP1_FRAME_CHUNKED:
		cs.h = h;
		cs.view = NULL;
		cs.nview = 0;
		cs.gather = h->reading && body_reader__coded(&h->br) ? &t->gather : NULL;
		r = chunked_dec__feed(&h->ch, p, n, h->reading ? chunk_data : NULL, &cs);
		if (gather_flush(&cs) && r >= 0)
			r = -ENOMEM;
		if (r < 0) {
			h->x->flags |= HTTP_X_INCOMPLETE;
			if (r == -E2BIG)
				conn_cap(t, c, "chunk line");
			msg_end(t, c, h, h->ts, false);
			head_error(t, c, h, r == -E2BIG ? -EBADMSG : r);
			return 0;
		}
		k = (size_t)r;
		break;
	default:
		if (h->reading)
			body_reader__feed(&h->br, p, k, h->ts);
		break;
	}
	h->m->wire_bytes += k;
	if ((h->frame == HTTP1_FRAME_LENGTH && !h->remain) ||
	    (h->frame == HTTP1_FRAME_CHUNKED && chunked_dec__done(&h->ch)))
		msg_end(t, c, h, h->ts, true);
	return (long)k;
}

static long half_resync(struct half *h, const char *p, size_t n)
{
	const char *lf;
	enum http1_line r;

	if (h->line_start) {
		r = http1_line_starts_message(p, n, h->is_req);
		if (r == HTTP1_LINE_YES) {
			h->state = HS_HEAD;
			return 0;
		}
		if (r == HTTP1_LINE_MORE)
			return STOP;
		h->line_start = false;
	}
	lf = memchr(p, '\n', n);
	if (!lf)
		return (long)n;
	h->line_start = true;
	return lf - p + 1;
}

void conn_http1_start(struct conn_table *t, struct conn *c, bool midstream)
{
	int i;

	c->proto = P_HTTP1;
	if (midstream) {
		/* the usual client roles are assumed; the first exchange found is whole */
		t->st.midstream++;
		tt_debug("conn: pid=%u ssl=%#llx: starts mid-stream, looking for a message start",
			 c->pid, (unsigned long long)c->id);
		c->server_side = false;
		c->midstream = true;
		c->probe_bytes = 0;
	}
	for (i = 0; i < 2; i++) {
		c->h[i].is_req = (i == TT_DIR_WRITE) != c->server_side;
		c->h[i].state = midstream ? HS_RESYNC : HS_HEAD;
		c->h[i].line_start = midstream;
		if (midstream)
			c->h[i].head_ts = 0; /* sniffed bytes were no head: one is looked for */
		/* a response seen before its request is paired by time and marked incomplete */
		c->h[i].lost = midstream && i == TT_DIR_READ;
	}
}

size_t conn_http1_parse(struct conn_table *t, struct conn *c, struct half *h,
			const unsigned char *p, size_t n)
{
	const char *s = (const char *)p;
	size_t off = 0;
	long r = 0;

	while (off < n && r != STOP) {
		if (h->state == HS_HEAD && !h->head_ts) {
			h->head_ts = h->ts;
			h->head_tid = h->tid;
		}
		switch (h->state) {
		case HS_HEAD:
			r = h->is_req ? req_head(t, c, h, s + off, n - off) :
					resp_head(t, c, h, s + off, n - off);
			break;
		case HS_BODY:
			r = half_body(t, c, h, p + off, n - off);
			break;
		case HS_RESYNC:
			r = half_resync(h, s + off, n - off);
			if (c->midstream && h->state == HS_HEAD) {
				c->midstream = false;
			} else if (c->midstream && r > 0 &&
				   (c->probe_bytes += (uint32_t)r) > TT_MAX_MIDSTREAM_PROBE) {
				t->st.non_http++;
				conn_skip(c);
				return n;
			}
			break;
		case HS_WS:
			return off + conn_ws_parse(t, c, h, p + off, n - off);
		default: /* HS_SKIP: a tunnel began */
			return n;
		}
		if (r > 0)
			off += (size_t)r;
	}
	return off;
}

void conn_http1_lost(struct half *h, bool line_start)
{
	h->state = HS_RESYNC;
	h->line_start = line_start;
	h->lost = true;
}

void conn_http1_gap(struct conn_table *t, struct conn *c, struct half *h, uint64_t lost, bool cut)
{
	if (h->state == HS_WS) {
		conn_ws_lost(c, h);
		return;
	}
	if (h->state == HS_BODY) {
		h->x->flags |= HTTP_X_INCOMPLETE;
		if (cut)
			h->x->flags |= h->is_req ? HTTP_X_REQ_TRUNCATED : HTTP_X_RESP_TRUNCATED;
		if (h->frame == HTTP1_FRAME_CLOSE ||
		    (h->frame == HTTP1_FRAME_LENGTH && lost <= h->remain) ||
		    (h->frame == HTTP1_FRAME_CHUNKED && !chunked_dec__skip(&h->ch, lost))) {
			/* Framing survives: the body goes on, with a hole. */
			if (h->reading)
				body_reader__gap(&h->br);
			h->m->wire_bytes += lost;
			if (h->frame == HTTP1_FRAME_LENGTH && !(h->remain -= lost))
				msg_end(t, c, h, h->ts, false);
			return;
		}
		msg_end(t, c, h, h->ts, false);
	}
	conn_http1_lost(h, true);
	h->head_ts = 0;
	t->st.resyncs++;
}

void conn_http1_end(struct conn_table *t, struct conn *c, uint64_t ts, bool closed)
{
	bool resp_lost;
	int i;

	conn_ws_end(t, c, ts);
	for (i = 0; i < 2; i++) {
		struct half *h = &c->h[i];

		if (h->state == HS_BODY)
			msg_end(t, c, h, ts ? ts : h->ts, closed && h->frame == HTTP1_FRAME_CLOSE);
	}
	/* Responses lost or unreadable on the response side make the unanswered incomplete. */
	resp_lost = c->proto == P_HTTP1 && c->h[c->server_side ? TT_DIR_WRITE : TT_DIR_READ].lost;
	while (c->nq) {
		if (!c->q[0].resp_seen && resp_lost)
			c->q[0].x->flags |= HTTP_X_INCOMPLETE;
		pend_force(t, c, 0, closed ? 0 : HTTP_X_INCOMPLETE);
	}
}
