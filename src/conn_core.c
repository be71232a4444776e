// SPDX-License-Identifier: MIT
/*
 * conn_core.c: what every protocol half of the connection table uses, below them all: caps,
 * where an exchange happened, the one way out to the sink (and the report of a request head
 * beside it), giving a connection up.
 */
#include <string.h>

#include "conn_internal.h"
#include "log.h"

void conn_cap(struct conn_table *t, struct conn *c, const char *what)
{
	t->st.caps_hit++;
	if (c->warned)
		return;
	c->warned = true;
	tt_warn("conn: pid=%u ssl=%#llx: %s cap hit (further caps on this connection not logged)",
		c->pid, (unsigned long long)c->id, what);
}

void conn_stamp(const struct conn *c, struct http_exchange *x)
{
	x->pid = c->pid;
	x->conn = c->id;
	x->fd = c->fd;
	memcpy(x->peer_addr, c->peer, sizeof(x->peer_addr));
	x->peer_port = c->port;
	x->tls = c->tls;
	x->src = c->src;
	x->lib = c->lib;
	if (c->proto == P_HTTP2)
		x->http_version = 20;
	if (c->server_side)
		x->flags |= HTTP_X_SERVER_SIDE;
}

void conn_sink(struct conn_table *t, struct http_exchange *x)
{
	t->st.exchanges++;
	if (x->flags & HTTP_X_INCOMPLETE)
		t->st.incomplete++;
	if (t->sink)
		t->sink(x, t->ctx);
	else
		http_exchange__free(x);
}

void conn_head(struct conn_table *t, const struct http_exchange *x)
{
	if (t->head_sink)
		t->head_sink(x, t->ctx);
}

void conn_skip(struct conn *c)
{
	c->proto = P_SKIP;
	c->h[0].state = c->h[1].state = HS_SKIP;
	tt_buf_reset(&c->h[0].st.tail);
	tt_buf_reset(&c->h[1].st.tail);
}
