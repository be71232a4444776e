// SPDX-License-Identifier: MIT
/*
 * linker_local.c: requests between two traced processes of this host. When both ends of a TCP
 * connection are traced, the client's span of a request is the parent of the server's SERVER
 * span of it, and the server's work for it joins the client's trace: one trace from the caller
 * to the model calls a local agent service (an MCP server, a tool server) made for it, with no
 * header needed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tt_limits.h"
#include "linker_internal.h"
#include "log.h"

/*
 * The kernel names both ends of a connection alike (TT_REC_SOCK, at each socket's first
 * captured call): the client's local address and port are the server's peer address and port,
 * and the other way round, in one network namespace (containers may repeat addresses: the
 * namespace is part of the key, so no request joins another namespace's trace). A request is
 * matched at its heads. The client's head chooses the id of the client's span (made when its
 * exchange ends, after the SERVER span as a rule) and the trace of the client's work; the
 * server's head takes them as the parent and the trace of its SERVER span and of the work done
 * for the request.
 *
 * The ring buffer gives records in the order their syscalls returned, not the order of the
 * heads: the server's read may return before the client's write does, so whichever head comes
 * first waits for the other in a bounded table (TT_MAX_LOCAL_LINKS, the oldest forgotten).
 * Requests on one connection are answered in order: a head takes the oldest waiting one of
 * the other end. Work the server did for a request before its client's head came (never seen
 * so far: the client's write returns before the server can answer) stays where it went; the
 * link is then only made within one trace (local_late). A traceparent header on the request
 * still wins: it names the caller's own span.
 *
 * Only connections to a local address wait: the peer is a loopback address, or the socket's
 * own address (a connection to any address of this host comes from that address).
 */

/* A connection as the client sees it, in its network namespace. */
struct lkey {
	uint32_t netns;
	uint16_t family;
	uint16_t cport, sport;
	uint8_t caddr[16], saddr[16];
};

/*
 * One request of a local connection: a server's head waiting for its client's, or a client's
 * head (its span id chosen) until its exchange ends, served by its server's head or not.
 */
struct llink {
	struct llink *prev, *next; /* oldest first */
	struct lkey key;
	/* the server's request waiting for its client's head (and its process) */
	struct lsrv *srv;
	struct lproc *slp;
	/* the client's request, from its head */
	bool has_client;
	bool served; /* a server's request took it */
	uint32_t pid;
	uint64_t conn;
	uint64_t start_ns;
	uint8_t span_id[8];
	struct ltrace *trace; /* a reference */
};

struct llocal {
	struct llink *head, *tail;
	size_t n;
};

/* ---- sockets ---- */

static struct lsock *lsock_slot(struct linker *l, uint32_t pid, uint64_t conn)
{
	uint64_t h = (conn ^ (uint64_t)pid * 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;

	return &l->socks[(h >> 32) % TT_MAX_SRV_SOCKS];
}

void linker__sock(struct linker *l, const struct tt_sock *s)
{
	struct lsock *e = lsock_slot(l, s->h.pid, s->conn);

	e->pid = s->h.pid;
	e->conn = s->conn;
	e->lport = s->lport;
	e->rport = s->rport;
	e->family = s->family;
	e->netns = s->netns;
	memcpy(e->laddr, s->laddr, sizeof(e->laddr));
	memcpy(e->raddr, s->raddr, sizeof(e->raddr));
}

const struct lsock *lsock_find(const struct linker *l, uint32_t pid, uint64_t conn)
{
	const struct lsock *e = lsock_slot((struct linker *)l, pid, conn);

	return e->pid == pid && e->conn == conn ? e : NULL;
}

/* Whether the peer of s is on this host (see above). */
static bool lsock_local(const struct lsock *s)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	size_t n = s->family == AF_INET ? 4 : 16;

	if (!s->lport || !s->rport)
		return false;
	if (s->family == AF_INET && s->raddr[0] == 127)
		return true;
	if (s->family == AF_INET6 && !memcmp(s->raddr, lo6, 16))
		return true;
	return (s->family == AF_INET || s->family == AF_INET6) && !memcmp(s->raddr, s->laddr, n);
}

/* The connection of s as its client sees it (server: s is the server's end). */
static void lkey_of(struct lkey *k, const struct lsock *s, bool server)
{
	memset(k, 0, sizeof(*k));
	k->netns = s->netns;
	k->family = s->family;
	k->cport = server ? s->rport : s->lport;
	k->sport = server ? s->lport : s->rport;
	memcpy(k->caddr, server ? s->raddr : s->laddr, sizeof(k->caddr));
	memcpy(k->saddr, server ? s->laddr : s->raddr, sizeof(k->saddr));
}

/* ---- the table ---- */

static void link_unlink(struct llocal *t, struct llink *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	t->n--;
}

static void link_free(struct linker *l, struct llink *e)
{
	link_unlink(l->local, e);
	if (e->srv)
		e->srv->link = NULL;
	if (e->trace)
		ltrace_put(l, e->trace);
	free(e);
}

/* A new entry, the newest; the oldest is forgotten at the cap. NULL on ENOMEM. */
static struct llink *link_new(struct linker *l, const struct lkey *k)
{
	struct llocal *t = l->local;
	struct llink *e;

	if (!t && !(t = l->local = calloc(1, sizeof(*t))))
		return NULL;
	if (t->n >= TT_MAX_LOCAL_LINKS) {
		if (!l->st.local_forgotten++)
			tt_warn("linker: %d requests on local connections wait for their other "
				"end: the oldest forgotten (counted, logged once)",
				TT_MAX_LOCAL_LINKS);
		link_free(l, t->head);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = *k;
	e->prev = t->tail;
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	t->n++;
	return e;
}

/* The oldest entry for connection k: a client's not served yet (client), else a server's. */
static struct llink *link_find(const struct linker *l, const struct lkey *k, bool client)
{
	struct llink *e;

	for (e = l->local ? l->local->head : NULL; e; e = e->next) {
		if (memcmp(&e->key, k, sizeof(*k)))
			continue;
		if (client ? e->has_client && !e->served : e->srv != NULL)
			return e;
	}
	return NULL;
}

/* Server request r of slp takes client request e as its parent. */
static void link_srv(struct linker *l, struct lproc *slp, struct lsrv *r, struct llink *e)
{
	struct ltrace *cur = r->trace ? r->trace : slp->trace;

	e->served = true;
	/* spans already went to the server's trace: they and the SERVER span stay together */
	if (r->worked && e->trace != cur) {
		l->st.local_late++;
		return;
	}
	r->has_parent = true;
	r->remote_parent = false;
	memcpy(r->parent_id, e->span_id, sizeof(r->parent_id));
	if (e->trace != cur) {
		if (r->trace)
			ltrace_put(l, r->trace);
		r->trace = e->trace;
		r->trace->refs++;
	}
	l->st.local_links++;
}

/* ---- heads ---- */

void llocal_client_head(struct linker *l, struct lproc *lp, const struct http_exchange *x)
{
	const struct lsock *s = lsock_find(l, x->pid, x->conn);
	struct lsrv *r;
	struct lkey k;
	struct llink *e;

	if (!s || !lsock_local(s))
		return;
	lkey_of(&k, s, false);
	e = link_find(l, &k, false);
	if (!e && !(e = link_new(l, &k)))
		return;
	e->has_client = true;
	e->pid = x->pid;
	e->conn = x->conn;
	e->start_ns = x->req.start_ns;
	span_new_span_id(e->span_id);
	e->trace = lwork_trace(lp, x->tid, x->req.start_ns);
	e->trace->refs++;
	r = e->srv;
	if (r) {
		e->srv = NULL;
		r->link = NULL;
		link_srv(l, e->slp, r, e);
	}
}

void llocal_server_head(struct linker *l, struct lproc *lp, struct lsrv *r, const struct ltp *tp)
{
	const struct lsock *s = lsock_find(l, lp->p->pid, r->conn);
	struct llink *e = NULL;
	struct lkey k;

	if (s && lsock_local(s)) {
		lkey_of(&k, s, true);
		e = link_find(l, &k, true);
		if (e)
			e->served = true; /* the request is this one, whoever is its parent */
	}
	r->trace = ltrace_inbound(l, lp, tp);
	if (r->trace) {
		r->has_parent = r->remote_parent = true;
		memcpy(r->parent_id, tp->parent, sizeof(r->parent_id));
		return;
	}
	if (e) {
		link_srv(l, lp, r, e);
		return;
	}
	if (!s || !lsock_local(s) || !(e = link_new(l, &k)))
		return;
	e->srv = r;
	e->slp = lp;
	r->link = e;
}

bool llocal_client_take(struct linker *l, uint32_t pid, uint64_t conn, uint64_t start_ns,
			uint8_t id[8], struct ltrace **trace)
{
	struct llink *e;

	for (e = l->local ? l->local->head : NULL; e; e = e->next) {
		if (!e->has_client || e->pid != pid || e->conn != conn || e->start_ns != start_ns)
			continue;
		memcpy(id, e->span_id, 8);
		*trace = e->trace; /* the reference goes to the caller */
		e->trace = NULL;
		link_free(l, e);
		return true;
	}
	return false;
}

/* ---- lifetimes ---- */

void lsrv_release(struct linker *l, struct lsrv *r)
{
	if (!r)
		return;
	if (r->link) {
		r->link->srv = NULL;
		link_free(l, r->link);
	}
	if (r->trace)
		ltrace_put(l, r->trace);
	free(r);
}

void llocal_drop(struct linker *l, uint32_t pid)
{
	struct llink *e, *next;

	for (e = l->local ? l->local->head : NULL; e; e = next) {
		next = e->next;
		if (e->has_client && e->pid == pid)
			link_free(l, e);
	}
}

void llocal_free(struct linker *l)
{
	if (!l->local)
		return;
	while (l->local->head)
		link_free(l, l->local->head);
	free(l->local);
	l->local = NULL;
}
