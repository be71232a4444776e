// SPDX-License-Identifier: MIT
/*
 * conn_ws.c: a connection that left HTTP/1.1 for WebSocket (101 Switching Protocols). The
 * upgrade exchange stays open: the messages each side sends become the events of its request
 * (client) or response (server), with their arrival times, and the exchange leaves when the
 * connection ends, or earlier when it holds as many events or bytes as a streamed body may
 * (the rest goes on in a new exchange with the same request head): what the messages mean is
 * the providers' business. Frames are ws.c's; conn_http1.c hands the connection over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn_internal.h"
#include "log.h"
#include "ws.h"

struct conn_ws {
	struct ws_dec dec[2]; /* by half (enum tt_dir) */
	struct http_exchange *x;
	struct tt_acct acct; /* the events x holds */
	size_t bytes;	     /* event data in x */
	bool cut[2];	     /* a message of that half was cut by the cap */
	size_t ev_alloc[2];  /* room in x's req (0) and resp (1) events, for tt_ensure_mem */
};

/* The exchange's head, for the exchange that goes on after one was delivered. */
static int headers_copy(struct http_headers *to, const struct http_headers *from)
{
	size_t i;
	int err = 0;

	/* values were redacted when first copied: a marker stays a marker */
	for (i = 0; !err && i < from->n; i++)
		err = http_headers_add(to, from->v[i].name, strlen(from->v[i].name),
				       from->v[i].value, strlen(from->v[i].value));
	return err;
}

static struct http_exchange *exchange_next(const struct conn *c, const struct http_exchange *o)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	conn_stamp(c, x);
	x->tid = o->tid;
	x->http_version = o->http_version;
	x->status = o->status;
	x->method = o->method ? strdup(o->method) : NULL;
	x->target = o->target ? strdup(o->target) : NULL;
	x->host = o->host ? strdup(o->host) : NULL;
	x->reason = o->reason ? strdup(o->reason) : NULL;
	x->req.kind = x->resp.kind = HTTP_BODY_WS;
	if ((o->method && !x->method) || (o->target && !x->target) || (o->host && !x->host) ||
	    (o->reason && !x->reason) || headers_copy(&x->req.headers, &o->req.headers) ||
	    headers_copy(&x->resp.headers, &o->resp.headers)) {
		http_exchange__free(x);
		return NULL;
	}
	return x;
}

/* Hands the exchange to the sink; with next, the messages after go on in a new one. */
static void ws_deliver(struct conn_table *t, struct conn *c, bool next)
{
	struct conn_ws *w = c->ws;
	struct http_exchange *x = w->x, *nx = next ? exchange_next(c, x) : NULL;
	int i;

	for (i = 0; i < 2; i++) {
		if (w->cut[i])
			x->flags |= c->h[i].is_req ? HTTP_X_REQ_TRUNCATED : HTTP_X_RESP_TRUNCATED;
		w->cut[i] = false;
	}
	tt_acct_release(&w->acct, w->acct.held);
	w->acct.dropped = false; /* the new exchange may hold again what the budget allows */
	w->bytes = 0;
	w->ev_alloc[0] = w->ev_alloc[1] = 0;
	w->x = nx;
	x->seq = c->seq++;
	conn_sink(t, x);
}

static const char *const
	op_names[] = { [WS_OP_TEXT] = "text", [WS_OP_BINARY] = "binary", [WS_OP_CLOSE] = "close" };

struct ws_sink {
	struct conn_table *t;
	struct conn *c;
	struct half *h;
};

/* A message of half h: an event of its side's message in the exchange. */
static int on_msg(const struct ws_msg *m, void *ctx)
{
	struct ws_sink *s = ctx;
	struct conn_ws *w = s->c->ws;
	struct http_message *hm;
	struct http_event *ev;
	size_t n = m->len;

	if (m->opcode == WS_OP_PING || m->opcode == WS_OP_PONG)
		return 0;
	if (m->cut) {
		w->cut[s->h->dir] = true;
		conn_cap(s->t, s->c, "WebSocket message");
	}
	if (w->x && (w->bytes + n > s->t->o.max_body ||
		     w->x->req.n_events + w->x->resp.n_events >= s->t->o.max_events))
		ws_deliver(s->t, s->c, true);
	if (!w->x)
		return -ENOMEM; /* no exchange to go on with: the connection is given up */
	hm = s->h->is_req ? &w->x->req : &w->x->resp;
	if (tt_acct_charge(&w->acct, n + 1 + sizeof(*ev))) {
		w->cut[s->h->dir] = true;
		w->x->flags |= HTTP_X_MEM_DROPPED;
		return 0;
	}
	if (tt_ensure_mem((void **)&hm->events, &w->ev_alloc[s->h->is_req ? 0 : 1], sizeof(*ev),
			  hm->n_events + 1))
		return -ENOMEM;
	ev = &hm->events[hm->n_events];
	memset(ev, 0, sizeof(*ev));
	ev->event = http_message__store(hm, op_names[m->opcode], strlen(op_names[m->opcode]));
	ev->data = http_message__store(hm, m->data, n);
	if (!ev->event || !ev->data)
		return -ENOMEM;
	ev->data_len = n;
	ev->ts_ns = s->h->ts;
	hm->n_events++;
	w->bytes += n;
	if (!hm->first_body_ns)
		hm->first_body_ns = s->h->ts;
	hm->end_ns = s->h->ts;
	return 0;
}

static bool has_token(const char *v, const char *token)
{
	size_t n = strlen(token);

	for (; v && *v; v++) {
		if (!strncasecmp(v, token, n))
			return true;
	}
	return false;
}

bool conn_ws_is_upgrade(const struct http_exchange *x)
{
	return x->status == 101 &&
	       has_token(http_headers_get(&x->resp.headers, "upgrade"), "websocket");
}

int conn_ws_start(struct conn_table *t, struct conn *c, struct http_exchange *x)
{
	struct ws_deflate dfl[2];
	struct conn_ws *w = calloc(1, sizeof(*w));
	int i;

	if (!w)
		return -ENOMEM;
	/* the agreed extension is the response's; client frames follow its client_ params */
	ws_parse_extensions(http_headers_get(&x->resp.headers, "sec-websocket-extensions"), &dfl[0],
			    &dfl[1]);
	tt_acct_init(&w->acct, &t->budget, &c->acct);
	for (i = 0; i < 2; i++) {
		c->h[i].state = HS_WS;
		ws_dec__init(&w->dec[i], t->o.max_event, &dfl[c->h[i].is_req ? 0 : 1]);
	}
	x->req.kind = x->resp.kind = HTTP_BODY_WS;
	w->x = x;
	c->ws = w;
	tt_debug("conn: pid=%u ssl=%#llx: WebSocket%s", c->pid, (unsigned long long)c->id,
		 dfl[0].on ? " (permessage-deflate)" : "");
	return 0;
}

size_t conn_ws_parse(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		     size_t n)
{
	struct ws_sink s = { t, c, h };
	int err;

	err = ws_dec__feed(&c->ws->dec[h->dir], p, n, on_msg, &s);
	if (err) {
		t->st.parse_errors++;
		tt_debug("conn: pid=%u ssl=%#llx: WebSocket %s frames end (%d)", c->pid,
			 (unsigned long long)c->id, h->is_req ? "client" : "server", err);
		if (c->ws->x)
			c->ws->x->flags |= HTTP_X_INCOMPLETE;
		h->state = HS_SKIP;
	}
	return n;
}

void conn_ws_lost(struct conn *c, struct half *h)
{
	/* a frame boundary cannot be found again in the bytes after a gap */
	if (c->ws && c->ws->x)
		c->ws->x->flags |= HTTP_X_INCOMPLETE;
	h->state = HS_SKIP;
}

size_t conn_ws_held(const struct conn *c)
{
	return c->ws ? c->ws->acct.held : 0;
}

struct tt_acct *conn_ws_acct(struct conn *c)
{
	return &c->ws->acct;
}

void conn_ws_drop(struct conn_table *t, struct conn *c)
{
	struct http_exchange *x = c->ws->x;

	if (x) {
		http_message__drop_body(&x->req);
		http_message__drop_body(&x->resp);
		x->flags |= HTTP_X_MEM_DROPPED | HTTP_X_REQ_TRUNCATED | HTTP_X_RESP_TRUNCATED;
	}
	tt_acct_release(&c->ws->acct, c->ws->acct.held);
	c->ws->bytes = 0;
	c->ws->ev_alloc[0] = c->ws->ev_alloc[1] = 0;
	conn_cap(t, c, "memory budget");
}

void conn_ws_end(struct conn_table *t, struct conn *c, uint64_t ts)
{
	struct conn_ws *w = c->ws;

	if (!w || !w->x)
		return;
	if (ts > w->x->resp.end_ns)
		w->x->resp.end_ns = ts;
	ws_deliver(t, c, false);
}

void conn_ws__free(struct conn_ws *w)
{
	if (!w)
		return;
	ws_dec__free(&w->dec[0]);
	ws_dec__free(&w->dec[1]);
	tt_acct_release(&w->acct, w->acct.held);
	http_exchange__free(w->x);
	free(w);
}
