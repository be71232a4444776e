// SPDX-License-Identifier: MIT
/*
 * conn_peer.c: connect() targets by (pid, fd), to name the peer of a connection once its socket
 * is known (SSL_set_fd comes after the connect()), and to date the start of a TLS connection.
 */
#include <errno.h>
#include <stdlib.h>

#include "conn_internal.h"
#include "records.h"

/*
 * A small direct-mapped table: a collision only loses a server.address the Host header gives.
 * Its slots are allocated in chunks on first use: a few connect()s hold (and clear) a few.
 */
#define PEER_SLOTS 4096
#define PEER_CHUNK 256

struct conn_peers {
	struct conn_peer *chunk[PEER_SLOTS / PEER_CHUNK];
};

static size_t slot_of(uint32_t pid, int32_t fd)
{
	return (pid * 2654435761u ^ (uint32_t)fd) % PEER_SLOTS;
}

int conn_peers__add(struct conn_peers **pp, const struct tt_connect *c)
{
	size_t i = slot_of(c->h.pid, c->fd);
	struct conn_peer **ch, *s;

	/* on the first connect(): tables that never see one (replay of data only) stay small */
	if (!*pp && !(*pp = calloc(1, sizeof(**pp))))
		return -ENOMEM;
	ch = &(*pp)->chunk[i / PEER_CHUNK];
	if (!*ch && !(*ch = calloc(PEER_CHUNK, sizeof(**ch))))
		return -ENOMEM;
	s = &(*ch)[i % PEER_CHUNK];
	s->pid = c->h.pid;
	s->fd = c->fd;
	s->port = c->port;
	s->ts = c->h.ts_ns;
	tt_rec_addr(c->family, c->addr, s->addr, sizeof(s->addr));
	return 0;
}

const struct conn_peer *conn_peers__find(const struct conn_peers *p, uint32_t pid, int32_t fd)
{
	size_t i = slot_of(pid, fd);
	const struct conn_peer *s;

	if (!p || !p->chunk[i / PEER_CHUNK])
		return NULL;
	s = &p->chunk[i / PEER_CHUNK][i % PEER_CHUNK];
	/* an empty slot is all zeroes: it names nothing and dates nothing */
	return s->pid == pid && s->fd == fd ? s : NULL;
}

void conn_peers__free(struct conn_peers *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < PEER_SLOTS / PEER_CHUNK; i++)
		free(p->chunk[i]);
	free(p);
}
