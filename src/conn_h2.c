// SPDX-License-Identifier: MIT
/* conn_h2.c: HTTP/2 connections of the connection table: both halves feed one h2 session. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "conn_internal.h"
#include "http2.h"
#include "log.h"

static enum h2_side side_of(const struct half *h)
{
	return h->is_req ? H2_C2S : H2_S2C;
}

/* The session's sink: the exchange gets the connection's identity and goes out. */
static void h2_deliver(struct http_exchange *x, void *ctx)
{
	struct conn *c = ctx;
	struct conn_table *t = c->table;

	conn_stamp(c, x);
	conn_sink(t, x);
}

/* A request head of the session: stamped like an exchange, it goes to the head sink. */
static void h2_head(struct http_exchange *x, void *ctx)
{
	struct conn *c = ctx;

	conn_stamp(c, x);
	conn_head(c->table, x);
}

long conn_h2_sniff(struct conn_table *t, struct conn *c, struct half *h, const char *p, size_t n,
		   bool preface)
{
	enum h2_start start = H2_START_PREFACE;
	struct h2_opts o = {
		.max_header_bytes = t->o.max_header_bytes,
		.lim = t->lim,
		.stats = &t->st.h2,
		.acct = &c->acct,
	};
	char name[64];
	int i;

	if (preface) {
		c->server_side = h->dir == TT_DIR_READ;
	} else {
		switch (h2_sniff((const uint8_t *)p, n)) {
		case H2_SNIFF_MORE:
			return STOP;
		case H2_SNIFF_NO:
			return -EPROTONOSUPPORT;
		case H2_SNIFF_SERVER_PREFACE:
			/* a server's first frame: the other side's preface is still to come */
			c->server_side = h->dir == TT_DIR_WRITE;
			break;
		case H2_SNIFF_FRAMES:
			/* roles cannot be told from frames: the usual client role is assumed */
			start = H2_START_MIDSTREAM;
			c->server_side = false;
			t->st.midstream++;
			break;
		}
	}
	snprintf(name, sizeof(name), "pid=%u ssl=%#llx", c->pid, (unsigned long long)c->id);
	o.name = name;
	c->h2 = h2_session__new(&o, start, h2_deliver, c);
	if (!c->h2)
		return -ENOMEM;
	h2_session__set_head_sink(c->h2, h2_head);
	c->table = t;
	c->proto = P_HTTP2;
	for (i = 0; i < 2; i++) {
		c->h[i].is_req = (i == TT_DIR_WRITE) != c->server_side;
		c->h[i].state = HS_H2;
	}
	tt_debug("conn: %s: HTTP/2 (%s, %s side)", name,
		 start == H2_START_MIDSTREAM ? "mid-connection" : "from its start",
		 c->server_side ? "server" : "client");
	return 0;
}

size_t conn_h2_parse(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		     size_t n)
{
	size_t used = h2_session__feed(c->h2, side_of(h), p, n, h->ts, h->tid);
	int i;

	if (h2_session__broken(c->h2)) {
		/* nothing more comes from it: later bytes are dropped unparsed */
		c->proto = P_SKIP;
		for (i = 0; i < 2; i++)
			c->h[i].state = HS_SKIP;
		return n;
	}
	return used;
}

void conn_h2_gap(struct conn_table *t, struct conn *c, struct half *h, uint64_t lost)
{
	h2_session__gap(c->h2, side_of(h), lost);
}

void conn_h2_call_start(struct conn *c, struct half *h)
{
	h2_session__call_start(c->h2, side_of(h));
}

void conn_h2_end(struct conn_table *t, struct conn *c, uint64_t ts, bool closed)
{
	h2_session__end(c->h2, ts ? ts : c->last_ts, closed);
}
