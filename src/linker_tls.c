// SPDX-License-Identifier: MIT
/* linker_tls.c: spans of the TLS connections of processes whose plaintext is not captured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/socket.h>

#include "linker_internal.h"
#include "log.h"
#include "provider.h"
#include "records.h"
#include "tls_lib.h"
#include "tlshello.h"

/*
 * bpf/sock.bpf.c reports every TLS client connection of a traced process from the socket
 * syscalls: its ClientHello when it starts (TT_REC_TLS_HELLO) and its byte counts when it ends
 * (TT_REC_TLS_CLOSE, at close() or exit_group()). Most of them are captured as plaintext too,
 * and then the HTTP and LLM spans tell all there is. The others (a stripped static rustls in
 * Codex, a TLS library doctor does not know) would leave an agent with no sign of its traffic,
 * so they become CLIENT spans "TLS <sni or peer>" with tracetree.capture=unsupported.
 *
 * The rule: a connection gets a span when, at its end, no TLS plaintext (a data record from any
 * TLS probe, on any connection) has been captured from its process yet. Not just on that
 * connection: the plaintext of a stack with memory BIOs (node) or its own scheduler (Go) is not
 * tied to a socket, so the per-connection link cannot be made in general. And a process whose
 * TLS is captured must never show its connections as unsupported, even those that carried no
 * application data (a failed handshake, a pooled connection closed unused).
 *
 * What that costs:
 *   - A process with two TLS stacks, one probed and one not (a node program with a native
 *     addon that links rustls), shows no span for the connections of the unprobed one once
 *     the probed one has carried plaintext: counted in tls_hidden, logged at debug level.
 *   - A connection that ends before the process's first captured plaintext (a handshake that
 *     failed before any request) is reported as unsupported although the stack is probed: the
 *     span is not held back until the process ends, so that a long-running agent shows its
 *     connections as they close.
 *
 * With --all a trace is exported only when it shows an agent. An agent whose plaintext cannot
 * be read decodes no LLM call, so its trace is kept (ltrace.blind) when one of these spans is
 * a connection to an LLM API (its SNI is a host that names a provider) or to this host (a
 * loopback peer: a local model server, gateway or fake). The others (a JVM service, a package
 * manager on a TLS stack without probes) stay out: every process of the host with such a
 * stack would otherwise fill --all with traces that show nothing of an agent.
 */

static struct ltls **ltls_find(struct lproc *lp, uint64_t conn)
{
	struct ltls **pp;

	for (pp = &lp->tls; *pp; pp = &(*pp)->next)
		if ((*pp)->conn == conn)
			return pp;
	return NULL;
}

static void ltls_unlink(struct lproc *lp, struct ltls **pp)
{
	*pp = (*pp)->next;
	lp->n_tls--;
}

/* Drops the oldest open connection of lp (the last of the list) at TT_MAX_TLS_OPEN. */
static void ltls_forget_oldest(struct linker *l, struct lproc *lp)
{
	struct ltls **pp = &lp->tls, *t;

	while (*pp && (*pp)->next)
		pp = &(*pp)->next;
	t = *pp;
	if (!t)
		return;
	ltls_unlink(lp, pp);
	free(t);
	if (!l->st.tls_forgotten++)
		tt_warn("linker: pid=%u: more than %d TLS connections open: the oldest forgotten",
			lp->p->pid, TT_MAX_TLS_OPEN);
}

void ltls_data(struct lproc *lp, uint8_t src)
{
	if (src != TT_SRC_SOCK)
		lp->tls_captured = true;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: a peer on this host. */
static bool addr_loopback(uint16_t family, const uint8_t *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t one[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	if (family != AF_INET6)
		return false;
	return !memcmp(a, one, 16) || (!memcmp(a, v4mapped, 12) && a[12] == 127);
}

/* A connection whose plaintext is not read keeps its trace in --all: to an LLM API, or local. */
static bool ltls_keeps(const struct ltls *t)
{
	return t->local || (t->sni[0] && provider_is_llm_host(t->sni));
}

bool ltls_blind(const struct lproc *lp)
{
	const struct ltls *t;

	if (lp->trace->blind)
		return true;
	if (lp->tls_captured)
		return false;
	for (t = lp->tls; t; t = t->next)
		if (ltls_keeps(t))
			return true;
	return false;
}

static void hello_fields(struct ltls *t, const struct tt_sock *s, const struct tls_hello *th)
{
	if (tt_rec_addr(s->family, s->raddr, t->peer, sizeof(t->peer)))
		snprintf(t->peer, sizeof(t->peer), "unknown");
	t->port = s->rport;
	t->fd = s->fd;
	t->local = addr_loopback(s->family, s->raddr);
	if (!th)
		return;
	if (th->has_sni)
		snprintf(t->sni, sizeof(t->sni), "%s", th->sni);
	if (th->has_alpn)
		snprintf(t->alpn, sizeof(t->alpn), "%s", th->alpn);
}

void linker__tls_hello(struct linker *l, const struct tt_sock *s, const struct tls_hello *th,
		       uint64_t connect_ns)
{
	struct lproc *lp = lproc_of(l, s->h.pid);
	struct ltls **pp, *t;

	l->st.tls_conns++;
	if (!lp || lp->done) {
		l->st.tls_forgotten++;
		return;
	}
	pp = ltls_find(lp, s->conn);
	if (pp) {
		/* a new socket with the inode of one whose end we missed: start over */
		t = *pp;
		ltls_unlink(lp, pp);
		free(t);
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->conn = s->conn;
	t->tid = s->h.tid;
	/* from connect() when it was seen just before, else from the hello */
	t->start_ns = connect_ns && connect_ns <= s->h.ts_ns ? connect_ns : s->h.ts_ns;
	hello_fields(t, s, th);
	t->next = lp->tls;
	lp->tls = t;
	if (++lp->n_tls > TT_MAX_TLS_OPEN)
		ltls_forget_oldest(l, lp);
}

static int ltls_attrs(struct tt_span *s, const struct lproc *lp, const struct ltls *t,
		      const struct tt_tls_close *c)
{
	const char *exe = lp->p->exe_path && lp->p->exe_path[0] ? lp->p->exe_path : NULL;
	struct attr_list *a = &s->attrs;
	char reason[512];
	int err;

	if (exe)
		snprintf(reason, sizeof(reason),
			 "no TLS plaintext captured: no TLS probe covers %s "
			 "(see tracetree-bpf doctor %s)",
			 exe, exe);
	else
		snprintf(reason, sizeof(reason),
			 "no TLS plaintext captured: no TLS probe covers "
			 "this process (see tracetree-bpf doctor --pid %u)",
			 lp->p->pid);
	err = attrs_set_str(a, "server.address", t->sni[0] ? t->sni : t->peer);
	err = err ?: attrs_set_int(a, "server.port", t->port);
	err = err ?: attrs_set_str(a, "network.peer.address", t->peer);
	err = err ?: attrs_set_int(a, "network.peer.port", t->port);
	err = err ?: attrs_set_str(a, "network.transport", "tcp");
	if (t->sni[0])
		err = err ?: attrs_set_str(a, "tls.client.server_name", t->sni);
	if (t->alpn[0])
		err = err ?: attrs_set_str(a, "tracetree.tls.alpn", t->alpn);
	err = err ?: attrs_set_str(a, "tracetree.capture", "unsupported");
	err = err ?: attrs_set_str(a, "tracetree.capture.reason", reason);
	if (c) {
		err = err   ?:
			      attrs_set_int(a, "tracetree.tls.bytes_sent",
					    (int64_t)c->bytes[TT_DIR_WRITE]);
		err = err   ?:
			      attrs_set_int(a, "tracetree.tls.bytes_received",
					    (int64_t)c->bytes[TT_DIR_READ]);
	}
	return err;
}

/* The end of connection t of lp at end_ns (c: its counts, NULL when unknown): its span. */
static void ltls_end(struct linker *l, struct lproc *lp, struct ltls *t, uint64_t end_ns,
		     const struct tt_tls_close *c, bool incomplete)
{
	struct tool_query q = { 0 };
	struct ltrace *tr;
	struct tt_span *s;

	if (lp->tls_captured) {
		if (!l->st.tls_hidden++)
			tt_debug(
				"linker: pid=%u: TLS connection to %s without captured plaintext "
				"in a process whose TLS is captured: no span\n",
				lp->p->pid, t->sni[0] ? t->sni : t->peer);
		return;
	}
	s = lspan_named(l, lp, "TLS", t->sni[0] ? t->sni : t->peer, SPAN_KIND_CLIENT, NULL);
	if (!s)
		return;
	s->start_ns = t->start_ns > lp->span_start ? t->start_ns : lp->span_start;
	s->end_ns = end_ns > s->start_ns ? end_ns : s->start_ns;
	/* a tool window of the agent when one matches, else as HTTP spans do */
	q.ts = s->start_ns;
	q.url = t->sni[0] ? t->sni : t->peer;
	lspan_parent(s, lwork_parent(l, lp, &q, t->tid, NULL, NULL, &tr));
	lspan_link(s, q.inferred);
	if (ltls_attrs(s, lp, t, c) ||
	    (incomplete && attrs_set_bool(&s->attrs, "tracetree.incomplete", true)))
		tt_debug("linker: pid=%u: no memory for TLS span attributes\n", lp->p->pid);
	if (!c)
		l->st.tls_no_counts++;
	l->st.tls_unsupported++;
	/* before the emit: the span may be what finalizes the trace (a cap) */
	tr = ltrace_live(tr); /* the trace the span lands in, if tr was merged since */
	if (ltls_keeps(t)) {
		lp->trace->blind = true;
		if (tr)
			tr->blind = true;
	}
	ltrace_emit(l, tr, s);
}

void linker__tls_close(struct linker *l, const struct tt_tls_close *c)
{
	struct lproc *lp = lproc_of(l, c->h.pid);
	struct ltls **pp, *t;

	if (!lp || lp->done)
		return;
	pp = ltls_find(lp, c->conn);
	if (!pp)
		return; /* its hello was lost, or came before the process was known */
	t = *pp;
	ltls_unlink(lp, pp);
	ltls_end(l, lp, t, c->h.ts_ns, c, false);
	free(t);
}

void ltls_end_all(struct linker *l, struct lproc *lp, uint64_t end_ns, bool incomplete)
{
	struct ltls *t;

	/* oldest first, as they would have closed */
	while (lp->tls) {
		struct ltls **pp = &lp->tls;

		while ((*pp)->next)
			pp = &(*pp)->next;
		t = *pp;
		ltls_unlink(lp, pp);
		ltls_end(l, lp, t, end_ns, NULL, incomplete);
		free(t);
	}
}

void ltls_free_all(struct lproc *lp)
{
	struct ltls *t;

	while ((t = lp->tls)) {
		lp->tls = t->next;
		free(t);
	}
	lp->n_tls = 0;
}

/* ---- the TLS connection of a captured call ---- */

/*
 * The TLS library whose probes read plaintext of src: the names of tracetree-bpf doctor's
 * targets. SSL_read/SSL_write are the OpenSSL API, which BoringSSL and LibreSSL share: the
 * records say whose (lib, from the probe's file); captures older than that say openssl.
 */
static const char *tls_library(uint8_t src, uint8_t lib)
{
	switch (src) {
	case TT_SRC_SSL:
	case TT_SRC_SSL_EX:
		return tt_lib_name(lib) ? tt_lib_name(lib) : "openssl";
	case TT_SRC_GNUTLS:
		return "gnutls";
	case TT_SRC_NSS:
		return "nss";
	case TT_SRC_GOTLS:
		return "gotls";
	case TT_SRC_AEAD:
		return "aws-lc";
	default:
		return NULL;
	}
}

/* Whether an ALPN list ("h2,http/1.1") offers protocol p. */
static bool alpn_offers(const char *alpn, const char *p)
{
	size_t n = strlen(p);

	while (*alpn) {
		size_t k = strcspn(alpn, ",");

		if (k == n && !memcmp(alpn, p, n))
			return true;
		alpn += k + (alpn[k] == ',');
	}
	return false;
}

/*
 * The open connection of lp whose socket carried w: the record cipher's plaintext is keyed by
 * its socket's inode, the OpenSSL API's names its fd (newest first: a missed close leaves an
 * older one with the same fd behind it; one begun after the request is a reuse of its fd).
 */
static const struct ltls *ltls_exact(const struct lproc *lp, const struct lwhere *w)
{
	const struct ltls *t;
	uint64_t sock;

	if (w->src == TT_SRC_AEAD && (w->conn & TT_CONN_AEAD)) {
		sock = TT_CONN_SOCK | (w->conn & ~TT_CONN_AEAD);
		for (t = lp->tls; t; t = t->next)
			if (t->conn == sock)
				return t;
		return NULL;
	}
	if (w->fd < 0)
		return NULL;
	for (t = lp->tls; t; t = t->next)
		if (t->fd == w->fd && t->start_ns <= w->start_ns)
			return t;
	return NULL;
}

/* host (a Host header's name, an IPv6 address maybe in brackets) names t's server. */
static bool ltls_names(const struct ltls *t, const char *host)
{
	size_t n = strlen(host);

	if (!strcasecmp(t->sni, host))
		return true;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		return strlen(t->peer) == n - 2 && !memcmp(t->peer, host + 1, n - 2);
	return !strcmp(t->peer, host);
}

/* t may have carried w: a connection to the call's server (and to its peer, when known). */
static bool ltls_may_carry(const struct ltls *t, const struct lwhere *w, bool need_h2)
{
	if (t->start_ns > w->start_ns)
		return false; /* begun after the request */
	if (w->peer[0] && (strcmp(t->peer, w->peer) || t->port != w->peer_port))
		return false;
	if (w->port && t->port != w->port)
		return false;
	if (w->host[0] && !ltls_names(t, w->host))
		return false;
	/* HTTP/2 over TLS is negotiated: its connection offered h2 */
	return !need_h2 || alpn_offers(t->alpn, "h2");
}

/*
 * The plaintext of Go's crypto/tls and of node's memory BIOs names no socket: of the open
 * connections that may have carried w, what they all say (one: all of it).
 */
static void ltls_agree(const struct lproc *lp, const struct lwhere *w, struct lnet *n)
{
	const struct ltls *t, *first = NULL;
	bool need_h2 = false, same_peer = true, same_alpn = true;

	if (w->http_version == 20)
		for (t = lp->tls; t && !need_h2; t = t->next)
			need_h2 = ltls_may_carry(t, w, false) && alpn_offers(t->alpn, "h2");
	for (t = lp->tls; t; t = t->next) {
		if (!ltls_may_carry(t, w, need_h2))
			continue;
		if (!first) {
			first = t;
			continue;
		}
		same_peer = same_peer && !strcmp(t->peer, first->peer) && t->port == first->port;
		same_alpn = same_alpn && !strcmp(t->alpn, first->alpn);
	}
	if (!first)
		return;
	if (same_peer && !n->peer[0]) {
		snprintf(n->peer, sizeof(n->peer), "%s", first->peer);
		n->peer_port = first->port;
	}
	if (same_alpn)
		snprintf(n->alpn, sizeof(n->alpn), "%s", first->alpn);
}

void ltls_net(const struct lproc *lp, const struct lwhere *w, struct lnet *n)
{
	const struct ltls *t;

	memset(n, 0, sizeof(*n));
	n->http_version = w->http_version;
	if (w->peer[0]) {
		snprintf(n->peer, sizeof(n->peer), "%s", w->peer);
		n->peer_port = w->peer_port;
	}
	if (!w->tls)
		return;
	n->library = tls_library(w->src, w->lib);
	if (!lp)
		return;
	if (w->fd < 0 && !(w->src == TT_SRC_AEAD && (w->conn & TT_CONN_AEAD))) {
		ltls_agree(lp, w, n);
		return;
	}
	/* the socket is named: its connection, or (its hello not seen) none, never another */
	t = ltls_exact(lp, w);
	if (t) {
		snprintf(n->peer, sizeof(n->peer), "%s", t->peer);
		n->peer_port = t->port;
		snprintf(n->alpn, sizeof(n->alpn), "%s", t->alpn);
	}
}

int ltls_net_attrs(struct tt_span *s, const struct lproc *lp, const struct lwhere *w)
{
	struct lnet n;

	ltls_net(lp, w, &n);
	return linker_net_attrs(&s->attrs, &n);
}
