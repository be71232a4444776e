// SPDX-License-Identifier: MIT
/* pipeline.c: the stages after capture, joined by sink callbacks (DESIGN section 3). */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "aead_bind.h"
#include "http_exchange.h"
#include "log.h"
#include "mcp.h"
#include "pipeline.h"
#include "records.h"
#include "tlshello.h"
#include "tt_abi.h"

struct pipeline {
	struct pipeline_opts o;
	struct conn_table *conns;
	struct linker *linker;
	struct aead_hold *aead; /* sealed records waiting for their socket */
	struct pipeline_stats st;
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

void pipeline__record(struct pipeline *p, const void *rec, size_t size)
{
	const struct tt_hdr *h = rec;
	const struct tt_data *d = rec;

	p->st.records++;
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

int pipeline__add_existing(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   uint64_t attach_ns, const char *exe_path, const char *args,
			   size_t args_len)
{
	return linker__add_existing(p->linker, pid, ppid, start_ns, attach_ns, exe_path, args,
				    args_len);
}

void pipeline__tick(struct pipeline *p, uint64_t now_ns)
{
	conn_table__expire(p->conns, now_ns);
	linker__tick(p->linker, now_ns);
}

void pipeline__finish(struct pipeline *p, uint64_t now_ns)
{
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
	return p;
}

void pipeline__free(struct pipeline *p)
{
	if (!p)
		return;
	conn_table__free(p->conns);
	linker__free(p->linker);
	aead_hold__free(p->aead);
	free(p);
}
