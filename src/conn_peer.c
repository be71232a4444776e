// SPDX-License-Identifier: MIT
/*
 * conn_peer.c: connect() targets by (pid, fd), to name the peer of a connection once its socket
 * is known (SSL_set_fd comes after the connect()), and to date the start of a TLS connection.
 */
#include <errno.h>
#include <stdlib.h>

#include "conn_internal.h"
#include "records.h"

/* A small direct-mapped table: a collision only loses a server.address the Host header gives. */
#define PEER_SLOTS 4096

struct conn_peers {
	struct conn_peer slot[PEER_SLOTS];
};

static size_t slot_of(uint32_t pid, int32_t fd)
{
	return (pid * 2654435761u ^ (uint32_t)fd) % PEER_SLOTS;
}

int conn_peers__add(struct conn_peers **pp, const struct tt_connect *c)
{
	struct conn_peer *s;

	/* on the first connect(): tables that never see one (replay of data only) stay small */
	if (!*pp && !(*pp = calloc(1, sizeof(**pp))))
		return -ENOMEM;
	s = &(*pp)->slot[slot_of(c->h.pid, c->fd)];
	s->pid = c->h.pid;
	s->fd = c->fd;
	s->port = c->port;
	s->ts = c->h.ts_ns;
	tt_rec_addr(c->family, c->addr, s->addr, sizeof(s->addr));
	return 0;
}

const struct conn_peer *conn_peers__find(const struct conn_peers *p, uint32_t pid, int32_t fd)
{
	const struct conn_peer *s;

	if (!p)
		return NULL;
	s = &p->slot[slot_of(pid, fd)];
	/* an empty slot is all zeroes: it names nothing and dates nothing */
	return s->pid == pid && s->fd == fd ? s : NULL;
}

void conn_peers__free(struct conn_peers *p)
{
	free(p);
}
