// SPDX-License-Identifier: MIT
/*
 * linker_http.c: HTTP exchanges that are no LLM call: the SERVER spans of inbound requests of
 * server processes, HTTP client spans, MCP calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_limits.h"
#include "linker_internal.h"
#include "log.h"
#include "mcp.h"

/*
 * An inbound request opens when conn reports its head (linker__request_head: the pipeline
 * passes it on during conn_table__feed of the record that completes the head, before any work
 * it causes reaches the linker, since that work is on other connections, fed later), and
 * closes when conn delivers its exchange, at the end of the response: the SERVER span is built
 * then, with the span id chosen at the open, which the LLM, tool and HTTP spans made in between
 * already point to (lsrv_parent() in linker_parent.c says which request work belongs to). The
 * linker reads no captured bytes: the head comes parsed, its headers redacted.
 */

static uint16_t lsock_lport(struct linker *l, uint32_t pid, uint64_t conn)
{
	const struct lsock *e = lsock_find(l, pid, conn);

	return e ? e->lport : 0;
}

/* ---- inbound requests ---- */

void lsrv_free_all(struct linker *l, struct lproc *lp)
{
	struct lsrv *r;

	while ((r = lp->srv)) {
		lp->srv = r->next;
		lsrv_release(l, r);
	}
	lp->n_srv = 0;
}

/* Forgets the oldest open request of lp (the last of the list). */
static void lsrv_forget_oldest(struct linker *l, struct lproc *lp)
{
	struct lsrv **pp = &lp->srv;

	while (*pp && (*pp)->next)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	lsrv_release(l, *pp);
	*pp = NULL;
	lp->n_srv--;
	if (!l->st.server_forgotten++)
		tt_warn("linker: pid=%u: more than %d requests in progress: the oldest forgotten",
			lp->p->pid, TT_MAX_SRV_OPEN);
}

void linker__request_head(struct linker *l, const struct http_exchange *x, const char *traceparent)
{
	struct lproc *lp;
	struct lsrv *r;
	struct ltp tp;

	lp = lproc_of(l, x->pid);
	if (!lp || lp->done)
		return;
	if (!(x->flags & HTTP_X_SERVER_SIDE)) {
		llocal_client_head(l, lp, x);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->conn = x->conn;
	r->start_ns = x->req.start_ns;
	r->x = x;
	r->tid = x->tid;
	ltp_parse(&tp, traceparent);
	r->has_tp = tp.valid;
	memcpy(r->tp_trace, tp.trace, sizeof(r->tp_trace));
	span_new_span_id(r->span_id);
	r->next = lp->srv;
	lp->srv = r;
	llocal_server_head(l, lp, r, &tp);
	if (++lp->n_srv > TT_MAX_SRV_OPEN)
		lsrv_forget_oldest(l, lp);
}

/* ---- exchanges ---- */

/*
 * Takes the open request of exchange x off lp's list: the one opened from x's head (the same
 * connection and start, and the same exchange, when several share a start: requests pipelined
 * in one read, HTTP/2 streams opened by one, which end in any order; else the oldest such).
 * NULL when none was (its process was not known yet, or it was forgotten at TT_MAX_SRV_OPEN).
 * The others stay open.
 */
static struct lsrv *lsrv_take(struct lproc *lp, const struct http_exchange *x)
{
	struct lsrv **pp, **found = NULL, *r;

	for (pp = &lp->srv; *pp; pp = &(*pp)->next) {
		if ((*pp)->conn != x->conn || (*pp)->start_ns != x->req.start_ns)
			continue;
		found = pp; /* the list is newest first: the last hit is the oldest */
		if ((*pp)->x == x)
			break;
	}
	if (!found)
		return NULL;
	r = *found;
	*found = r->next;
	lp->n_srv--;
	return r;
}

/* The span of exchange x of lp: from its request (not before lp) to the end of both sides. */
static void exchange_times(struct tt_span *s, const struct lproc *lp, const struct http_exchange *x)
{
	s->start_ns = x->req.start_ns > lp->span_start ? x->req.start_ns : lp->span_start;
	s->end_ns = x->resp.end_ns > x->req.end_ns ? x->resp.end_ns : x->req.end_ns;
	if (s->end_ns < s->start_ns)
		s->end_ns = s->start_ns;
}

/* A server-side exchange of lp: its SERVER span. */
static int lsrv_exchange(struct linker *l, struct lproc *lp, const struct http_exchange *x)
{
	struct lsrv *r = lsrv_take(lp, x);
	struct tt_span *s;
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%.*s", x->target ? (int)strcspn(x->target, "?#") : 0,
		 x->target ? x->target : "");
	s = lspan_named(l, lp, x->method ? x->method : "HTTP", path, SPAN_KIND_SERVER,
			r ? r->span_id : NULL);
	if (!s) {
		lsrv_release(l, r);
		return -ENOMEM;
	}
	/* under the caller's span when known (linker_local.c), else the process's */
	lspan_parent(s, r && r->has_parent ? r->parent_id : lp->span_id);
	s->remote_parent = r && r->remote_parent;
	exchange_times(s, lp, x);
	err = linker_server_attrs(s, x, lsock_lport(l, x->pid, x->conn));
	if (err)
		tt_debug("linker: pid=%u: no memory for SERVER span attributes\n", x->pid);
	l->st.server_spans++;
	ltrace_emit(l, r && r->trace ? r->trace : lp->trace, s);
	lsrv_release(l, r);
	return 0;
}

/*
 * The CLIENT span of exchange x of lp, named "op what": with the id chosen at its head when it
 * went to a local server (*local: the trace its server's spans went to, a reference that
 * lclient_emit() puts), else a new one (*local NULL).
 */
static struct tt_span *lclient_span(struct linker *l, struct lproc *lp,
				    const struct http_exchange *x, const char *op, const char *what,
				    struct ltrace **local)
{
	uint8_t id[8];
	struct tt_span *s;

	*local = NULL;
	if (!llocal_client_take(l, x->pid, x->conn, x->req.start_ns, id, local))
		return lspan_named(l, lp, op, what, SPAN_KIND_CLIENT, NULL);
	s = lspan_named(l, lp, op, what, SPAN_KIND_CLIENT, id);
	if (!s)
		ltrace_put(l, *local);
	return s;
}

/* The attributes of the connection that carried client exchange x of lp. */
static int lclient_net_attrs(struct tt_span *s, const struct lproc *lp,
			     const struct http_exchange *x)
{
	struct lwhere w;
	char host[320];

	linker_exchange_where(&w, x, host, sizeof(host));
	return ltls_net_attrs(s, lp, &w);
}

/* Hands the CLIENT span s on: to its local server's trace (local), else to trace. */
static void lclient_emit(struct linker *l, struct ltrace *local, struct ltrace *trace,
			 struct tt_span *s)
{
	ltrace_emit(l, local ? local : trace, s);
	if (local)
		ltrace_put(l, local);
}

/* What a client request of x asks a tool window: its time and URL (url: room for it). */
static void exchange_query(struct tool_query *q, const struct tt_span *s,
			   const struct http_exchange *x, char url[TT_MAX_TOOL_VALUE])
{
	snprintf(url, TT_MAX_TOOL_VALUE, "%s%s", x->host ? x->host : x->peer_addr,
		 x->target ? x->target : "");
	memset(q, 0, sizeof(*q));
	q->ts = s->start_ns;
	q->url = url;
}

/* The process of a client exchange x, its traceparent adopted; NULL (counted) when unknown. */
static struct lproc *client_of(struct linker *l, const struct http_exchange *x, struct ltp *tp,
			       const char *traceparent)
{
	struct lproc *lp = lproc_of(l, x->pid);

	if (!lp) {
		l->st.http_no_proc++;
		return NULL;
	}
	ltp_parse(tp, traceparent);
	ltrace_adopt(l, lp, tp);
	return lp;
}

int linker__add_http(struct linker *l, const struct http_exchange *x, const char *traceparent)
{
	struct ltrace *tr, *local;
	struct tool_query q;
	struct lproc *lp;
	struct tt_span *s;
	struct ltp tp;
	char url[TT_MAX_TOOL_VALUE];

	if (x->flags & HTTP_X_SERVER_SIDE) {
		lp = lproc_of(l, x->pid);
		if (!lp) {
			l->st.http_ignored++;
			return 0;
		}
		return lsrv_exchange(l, lp, x);
	}
	lp = client_of(l, x, &tp, traceparent);
	if (!lp)
		return -ENOENT;
	s = lclient_span(l, lp, x, x->method ? x->method : "HTTP", NULL, &local);
	if (!s)
		return -ENOMEM;
	exchange_times(s, lp, x);
	exchange_query(&q, s, x, url);
	lspan_parent(s, lwork_parent(l, lp, &q, x->tid, &tp, NULL, &tr));
	lspan_link(s, q.inferred);
	if (linker_http_attrs(s, x) || lclient_net_attrs(s, lp, x))
		tt_debug("linker: pid=%u: no memory for HTTP span attributes\n", x->pid);
	lclient_emit(l, local, tr, s);
	return 0;
}

/* ---- MCP ---- */

static struct tt_span *mcp_span(struct linker *l, struct lproc *lp, const struct http_exchange *x,
				const struct mcp_call *m, struct ltrace **local)
{
	const char *target = m->tool_name   ? m->tool_name :
			     m->prompt_name ? m->prompt_name :
					      m->resource_uri;

	/* a tool call is a tool execution (GenAI execute_tool); the rest are named by method */
	if (!strcmp(m->method, "tools/call"))
		return lclient_span(l, lp, x, "execute_tool", target, local);
	return lclient_span(l, lp, x, m->method, target, local);
}

int linker__add_mcp(struct linker *l, const struct http_exchange *x, const struct mcp_call *m,
		    const char *traceparent)
{
	struct ltrace *tr, *local;
	struct tool_query q;
	struct ltool *t;
	struct lproc *lp;
	struct tt_span *s;
	struct ltp tp;
	char url[TT_MAX_TOOL_VALUE];
	int err;

	lp = client_of(l, x, &tp, traceparent);
	if (!lp)
		return -ENOENT;
	l->st.mcp_calls++;
	s = mcp_span(l, lp, x, m, &local);
	if (!s)
		return -ENOMEM;
	exchange_times(s, lp, x);
	exchange_query(&q, s, x, url);
	q.tool = m->tool_name;
	q.text[0] = m->arguments;
	lspan_parent(s, lwork_parent(l, lp, &q, x->tid, &tp, &t, &tr));
	lspan_link(s, q.inferred);
	err = linker_mcp_attrs(s, x, m, l->o.capture_content ? linker_content_max(l) : 0);
	err = err ?: lclient_net_attrs(s, lp, x);
	if (!err && t && t->call_id && m->tool_name && strstr(t->name, m->tool_name))
		err = attrs_set_str(&s->attrs, "gen_ai.tool.call.id", t->call_id);
	if (err)
		tt_debug("linker: pid=%u: no memory for MCP span attributes\n", x->pid);
	lclient_emit(l, local, tr, s);
	return 0;
}
