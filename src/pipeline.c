// SPDX-License-Identifier: MIT
/* pipeline.c: the stages after capture, joined by sink callbacks (DESIGN section 3). */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead_bind.h"
#include "http_exchange.h"
#include "log.h"
#include "mcp.h"
#include "pipeline.h"
#include "records.h"
#include "tlshello.h"
#include "tt_limits.h"
#include "tt_abi.h"

struct pipeline {
	struct pipeline_opts o;
	struct conn_table *conns;
	struct linker *linker;
	struct aead_hold *aead; /* sealed records waiting for their socket */
	struct pipeline_stats st;
	/* --select: the processes taken, and an exec waiting for the identity that follows it */
	struct select_procs *selected;
	struct tt_exec *pend;
	size_t pend_size;     /* 0: nothing waits */
	char *labels;	      /* SELECT_MAX_LABELS bytes */
	uint64_t select_full; /* processes left out because the set was full */
};

/*
 * The W3C trace context of a request, from its parsed headers: the one place it is read, for an
 * inbound request when its head arrives (on_head) and for every exchange (on_exchange).
 */
static const char *traceparent_of(const struct http_exchange *x)
{
	return http_headers_get(&x->req.headers, "traceparent");
}

/*
 * An exchange that is no LLM call: an MCP call when a client POSTs JSON-RPC to a server
 * (decoded here, beside the LLM calls), else plain HTTP.
 */
static void on_other(struct pipeline *p, const struct http_exchange *x, const char *tp)
{
	struct mcp_call *m;
	int err = -ENOENT;

	if (!(x->flags & HTTP_X_SERVER_SIDE))
		err = mcp_decode(x, &m);
	if (!err) {
		linker__add_mcp(p->linker, x, m, tp);
		mcp_call__free(m);
	} else if (err == -ENOENT) {
		linker__add_http(p->linker, x, tp);
	} else {
		tt_debug("pipeline: pid=%u: decoding an MCP call failed: %s\n", x->pid,
			 strerror(-err));
	}
}

struct ws_calls {
	struct pipeline *p;
	const char *tp;
};

/* One call of an LLM API over WebSocket (provider_decode_ws). */
static void on_ws_call(struct genai_call *call, void *ctx)
{
	struct ws_calls *w = ctx;

	w->p->st.llm_calls++;
	if (w->p->o.on_call)
		w->p->o.on_call(call, w->p->o.tap_ctx);
	linker__add_call(w->p->linker, call, w->tp);
}

static void on_exchange(struct http_exchange *x, void *ctx)
{
	struct pipeline *p = ctx;
	struct genai_call *call = NULL;
	struct ws_calls w = { p, NULL };
	const char *tp;
	int err;

	p->st.exchanges++;
	if (p->o.on_exchange)
		p->o.on_exchange(x, p->o.tap_ctx);
	tp = traceparent_of(x); /* whatever the exchange turns out to be */
	w.tp = tp;
	if (x->resp.kind == HTTP_BODY_WS &&
	    provider_decode_ws(x, &p->o.provider, on_ws_call, &w) > 0) {
		http_exchange__free(x);
		return;
	}
	err = provider_decode(x, &p->o.provider, &call);
	if (!err) {
		p->st.llm_calls++;
		if (p->o.on_call)
			p->o.on_call(call, p->o.tap_ctx);
		linker__add_call(p->linker, call, tp);
	} else {
		if (err == -ENOENT)
			p->st.http_other++;
		else if (!p->st.decode_errors++)
			tt_warn("pipeline: pid=%u: decoding an LLM exchange failed: %s", x->pid,
				strerror(-err));
		on_other(p, x, tp);
	}
	http_exchange__free(x);
}

/*
 * A request head conn just parsed, during the feed of the record that completes it: an inbound
 * one (the traced process read it) opens before the work it causes, which other connections'
 * records bring later. A client's head names the request its local server (if traced) serves;
 * its traceparent is read with its exchange.
 */
static void on_head(const struct http_exchange *x, void *ctx)
{
	struct pipeline *p = ctx;

	linker__request_head(p->linker, x, traceparent_of(x));
}

static void on_ssl_fd(struct pipeline *p, const struct tt_conn_ev *e)
{
	if (conn_table__ssl_fd(p->conns, e))
		p->st.peers++;
}

/* A plaintext socket: its peer for conn.c, its local port for SERVER spans. */
static void on_sock(struct pipeline *p, const struct tt_sock *s)
{
	conn_table__sock(p->conns, s);
	linker__sock(p->linker, s);
	p->st.peers++;
}

/*
 * A TLS client connection (bpf/sock.bpf.c): to the linker, with the time of its connect() when
 * the same (pid, fd) connected to the same port just before.
 */
static void on_tls_hello(struct pipeline *p, const struct tt_tls_hello *t)
{
	uint64_t connect_ns = conn_table__connect_ns(p->conns, t->s.h.pid, t->s.fd, t->s.rport);
	struct tls_hello th;
	bool parsed = tls_hello_parse(t->data, t->len, &th) >= 0;

	if (!parsed)
		tt_debug("pipeline: pid=%u: conn=%#llx: ClientHello not parsed\n", t->s.h.pid,
			 (unsigned long long)t->s.conn);
	linker__tls_hello(p->linker, &t->s, parsed ? &th : NULL, connect_ns);
}

static void on_data(const void *rec, size_t size, void *ctx)
{
	struct pipeline *p = ctx;
	const struct tt_data *d = rec;

	/* time passes and the process talks before any exchange this record completes */
	linker__activity(p->linker, d->h.pid, d->src, d->h.ts_ns, d->flags & TT_DF_FIRST);
	conn_table__feed(p->conns, rec, size);
}

/* One record of a process the selection takes (or of any, without --select). */
static void route(struct pipeline *p, const void *rec, size_t size)
{
	const struct tt_hdr *h = rec;
	const struct tt_data *d = rec;

	switch (h->type) {
	case TT_REC_DATA:
		/* sealed TLS records wait for the socket write that sends them (aead_bind.h) */
		if (d->src == TT_SRC_AEAD && (d->conn & TT_CONN_PEND))
			aead_hold__add(p->aead, d, size);
		else
			on_data(rec, size, p);
		break;
	case TT_REC_AEAD_BIND:
		aead_hold__bind(p->aead, rec, on_data, p);
		break;
	case TT_REC_SOCK:
		on_sock(p, rec);
		break;
	case TT_REC_TLS_HELLO:
		on_tls_hello(p, rec);
		break;
	case TT_REC_TLS_CLOSE:
		linker__tls_close(p->linker, rec);
		/* the same socket's plaintext from the record cipher, if any */
		conn_table__close(p->conns, h->pid,
				  TT_CONN_AEAD | (((const struct tt_tls_close *)rec)->conn &
						  ~TT_CONN_SOCK),
				  h->ts_ns);
		break;
	case TT_REC_CLOSE:
		conn_table__close(p->conns, h->pid, ((const struct tt_conn_ev *)rec)->conn,
				  h->ts_ns);
		break;
	case TT_REC_SSL_FD:
		on_ssl_fd(p, rec);
		break;
	case TT_REC_CONNECT:
		conn_table__connect(p->conns, rec);
		break;
	case TT_REC_FORK:
		linker__fork(p->linker, rec);
		break;
	case TT_REC_EXEC:
		linker__exec(p->linker, rec);
		break;
	case TT_REC_IDENT:
		linker__ident(p->linker, rec);
		break;
	case TT_REC_EXIT:
		/* the process's last exchanges go to the linker before its span ends */
		aead_hold__drop_pid(p->aead, h->pid);
		conn_table__proc_exit(p->conns, h->pid, h->ts_ns);
		linker__exit(p->linker, rec);
		break;
	default:
		break;
	}
}

/* Whether the process of exe and identity id (NULL: none known) is selected by its own. */
static bool select_own(struct pipeline *p, const char *exe, const struct tt_ident *id)
{
	struct select_ident si = { .exe = exe };
	size_t used = 0;

	if (id) {
		si.pod_namespace = id->pod_namespace;
		si.container_name = id->container_name;
		if (selection__has(p->o.select, SELECT_POD_LABEL) && p->o.pod_labels &&
		    id->container_id[0] &&
		    !p->o.pod_labels(id, p->labels, SELECT_MAX_LABELS, &used, p->o.labels_ctx)) {
			si.labels = p->labels;
			si.labels_len = used;
		}
	}
	return selection__match(p->o.select, &si);
}

/* Takes pid into the selection (or counts it left out); whether it is in. */
static bool select_decide(struct pipeline *p, uint32_t pid, bool in)
{
	if (in && select_procs__add(p->selected, pid)) {
		if (!p->select_full++)
			tt_warn("pipeline: --select: %d processes selected at once: pid=%u and "
				"others left out while it lasts",
				TT_MAX_PROCS, pid);
		in = false;
	}
	if (!in)
		p->st.unselected_procs++;
	return in;
}

/* The exec held for its identity, decided with id (NULL: none came) and routed if taken. */
static void select_resolve(struct pipeline *p, const struct tt_ident *id)
{
	const struct tt_exec *e = p->pend;
	char path[TT_PATH_MAX + 1];
	size_t size = p->pend_size;

	p->pend_size = 0;
	snprintf(path, sizeof(path), "%.*s",
		 (int)(e->path_len < TT_PATH_MAX ? e->path_len : TT_PATH_MAX), e->path);
	if (select_decide(p, e->h.pid, select_own(p, path, id)))
		route(p, e, size);
	else
		p->st.unselected++;
}

/* An exec of a process not selected by inheritance: decided now, or when its identity comes. */
static bool select_exec(struct pipeline *p, const struct tt_exec *e, size_t size)
{
	char path[TT_PATH_MAX + 1];
	bool ident = selection__has(p->o.select, SELECT_NAMESPACE) ||
		     selection__has(p->o.select, SELECT_CONTAINER) ||
		     selection__has(p->o.select, SELECT_POD_LABEL);

	if (ident && size <= sizeof(*p->pend)) {
		memcpy(p->pend, e, size);
		p->pend_size = size;
		return false; /* held: not dropped, not routed yet */
	}
	snprintf(path, sizeof(path), "%.*s",
		 (int)(e->path_len < TT_PATH_MAX ? e->path_len : TT_PATH_MAX), e->path);
	return select_decide(p, e->h.pid, select_own(p, path, NULL));
}

/* --select: whether rec goes on (of a process selected); may route a held exec first. */
static bool select_gate(struct pipeline *p, const void *rec, size_t size)
{
	const struct tt_hdr *h = rec;

	if (p->pend_size) {
		if (h->type == TT_REC_IDENT && h->pid == p->pend->h.pid) {
			select_resolve(p, rec);
			if (select_procs__has(p->selected, h->pid))
				return true;
			p->st.unselected++;
			return false;
		}
		select_resolve(p, NULL);
	}
	switch (h->type) {
	case TT_REC_FORK:
		if (select_procs__fork(p->selected, ((const struct tt_fork *)rec)->ppid, h->pid))
			return true;
		break;
	case TT_REC_EXEC:
		if (select_procs__has(p->selected, h->pid))
			return true;
		if (select_exec(p, rec, size))
			return true;
		if (p->pend_size)
			return false;
		break;
	case TT_REC_EXIT:
		if (select_procs__has(p->selected, h->pid)) {
			select_procs__remove(p->selected, h->pid);
			return true;
		}
		break;
	default:
		if (select_procs__has(p->selected, h->pid))
			return true;
		break;
	}
	p->st.unselected++;
	return false;
}

void pipeline__record(struct pipeline *p, const void *rec, size_t size)
{
	p->st.records++;
	if (p->o.select && !select_gate(p, rec, size))
		return;
	route(p, rec, size);
}

bool pipeline__selected(const struct pipeline *p, uint32_t pid)
{
	return !p->o.select || select_procs__has(p->selected, pid);
}

int pipeline__add_existing(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   uint64_t attach_ns, const char *exe_path, const char *args,
			   size_t args_len, const struct tt_ident *id)
{
	if (p->o.select) {
		if (p->pend_size)
			select_resolve(p, NULL);
		/* parents come first: a child of a selected process is selected */
		if (!select_decide(p, pid,
				   select_procs__has(p->selected, ppid) ||
					   select_own(p, exe_path, id)))
			return -ESRCH;
	}
	return linker__add_existing(p->linker, pid, ppid, start_ns, attach_ns, exe_path, args,
				    args_len);
}

void pipeline__tick(struct pipeline *p, uint64_t now_ns)
{
	if (p->pend_size)
		select_resolve(p, NULL);
	conn_table__expire(p->conns, now_ns);
	linker__tick(p->linker, now_ns);
}

void pipeline__finish(struct pipeline *p, uint64_t now_ns)
{
	if (p->pend_size)
		select_resolve(p, NULL);
	conn_table__flush(p->conns);
	linker__flush(p->linker, now_ns);
}

void pipeline__stats(struct pipeline *p, struct pipeline_stats *st)
{
	*st = p->st;
	st->conn = conn_table__stats(p->conns);
	st->mem = conn_table__budget(p->conns);
	aead_hold__stats(p->aead, &st->aead);
	linker__stats(p->linker, &st->linker);
	st->selected_procs = p->selected ? select_procs__count(p->selected) : 0;
}

void pipeline_tune_malloc(void)
{
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
}

struct pipeline *pipeline__new(const struct pipeline_opts *o)
{
	struct pipeline *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->o = *o;
	p->linker = linker__new(&o->linker, o->span_sink, o->span_ctx);
	p->conns = conn_table__new(&o->conn, on_exchange, p);
	p->aead = aead_hold__new();
	if (!p->linker || !p->conns || !p->aead) {
		pipeline__free(p);
		errno = ENOMEM;
		return NULL;
	}
	conn_table__set_head_sink(p->conns, on_head);
	if (o->select) {
		p->selected = select_procs__new();
		p->pend = malloc(sizeof(*p->pend));
		p->labels = malloc(SELECT_MAX_LABELS);
		if (!p->selected || !p->pend || !p->labels) {
			pipeline__free(p);
			errno = ENOMEM;
			return NULL;
		}
	}
	return p;
}

void pipeline__free(struct pipeline *p)
{
	if (!p)
		return;
	conn_table__free(p->conns);
	linker__free(p->linker);
	aead_hold__free(p->aead);
	select_procs__free(p->selected);
	free(p->pend);
	free(p->labels);
	free(p);
}
