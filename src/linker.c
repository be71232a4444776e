// SPDX-License-Identifier: MIT
/* linker.c: links processes, LLM calls, tool calls and HTTP requests into span trees. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_chain.h"
#include "tt_limits.h"
#include "linker_internal.h"
#include "log.h"
#include "proctree.h"

/* ---- processes ---- */

static struct lproc *lproc_attach(struct linker *l, struct proc *p)
{
	struct lproc *lp = calloc(1, sizeof(*lp)), *parent;

	if (!lp)
		return NULL;
	parent = p->parent ? p->parent->priv : NULL;
	if (l->o.single_trace) {
		if (!l->single)
			l->single = ltrace_new(l);
		lp->trace = l->single;
		lp->is_root = !parent;
		if (lp->trace && !lp->trace->root && lp->is_root)
			lp->trace->root = lp;
	} else if (parent && (parent->agent || parent->trace->agent || ltls_blind(parent))) {
		lp->trace = parent->trace;
	} else {
		lp->trace = ltrace_new(l);
		lp->is_root = true;
		if (lp->trace)
			lp->trace->root = lp;
	}
	if (!lp->trace) {
		free(lp);
		return NULL;
	}
	lp->trace->refs++;
	lp->p = p;
	/* a fork runs where its parent does until it execs (its vpid is its own) */
	if (parent)
		lp->ident = lident_get(parent->ident);
	lp->span_start = p->start_ns;
	span_new_span_id(lp->span_id);
	p->priv = lp;
	return lp;
}

static void lproc_drop(struct proc *p, void *ctx)
{
	struct linker *l = ctx;
	struct lproc *lp = p->priv;
	struct ltool *t;

	if (!lp)
		return;
	if (lp->waiting)
		lplace_forget(l, lp);
	while ((t = lp->tools)) {
		lp->tools = t->next;
		if (!t->closed)
			l->n_open--;
		ltool_free(l, t);
	}
	lsrv_free_all(l, lp);
	llocal_drop(l, p->pid);
	ltls_free_all(lp);
	if (lp->trace->root == lp)
		lp->trace->root = NULL;
	if (lp->trace->lead == lp)
		lp->trace->lead = NULL;
	ltrace_put(l, lp->trace);
	resource__put(lp->res);
	lident_put(lp->ident);
	free(lp->agent_name);
	free(lp->match_first);
	free(lp->match_last);
	free(lp);
	p->priv = NULL;
}

static const char *signal_name(int sig, char *buf, size_t n)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, n, "SIG%s", abbrev);
	else
		snprintf(buf, n, "signal %d", sig);
	return buf;
}

static void proc_span_status(struct tt_span *s, const struct proc *p)
{
	char buf[32];
	int code = p->exit_signal ? 128 + p->exit_signal : p->exit_code;

	attrs_set_int(&s->attrs, "process.exit.code", code);
	/* SIGPIPE is how `producer | head` normally ends: its reader was done, nothing failed */
	if (p->exit_signal == SIGPIPE)
		return;
	if (p->exit_signal) {
		attrs_set_str(&s->attrs, "error.type",
			      signal_name(p->exit_signal, buf, sizeof(buf)));
		span__set_status(s, SPAN_STATUS_ERROR, buf);
	} else if (p->exit_code) {
		snprintf(buf, sizeof(buf), "%d", p->exit_code);
		attrs_set_str(&s->attrs, "error.type", buf);
		span__set_status(s, SPAN_STATUS_ERROR, NULL);
	}
}

static struct tt_span *proc_span(struct linker *l, struct lproc *lp, uint64_t end_ns,
				 bool incomplete)
{
	struct proc *p = lp->p;
	struct tt_span *s;

	if (lp->agent)
		s = lspan_named(l, lp, "invoke_agent", lp->agent_name, SPAN_KIND_INTERNAL,
				lp->span_id);
	else
		s = lspan_named(l, lp, "exec", lproc_exe_name(p), SPAN_KIND_INTERNAL, lp->span_id);
	if (!s)
		return NULL;
	if (lp->has_parent) {
		lspan_parent(s, lp->parent_id);
		lspan_link(s, lp->in_tool && lp->link_inferred);
	} else if (lp->trace->remote && lp->trace->root == lp) {
		lspan_parent(s, lp->trace->remote_parent);
		s->remote_parent = true;
	}
	s->start_ns = lp->span_start;
	s->end_ns = end_ns > lp->span_start ? end_ns : lp->span_start;
	if (lp->agent) {
		attrs_set_str(&s->attrs, "gen_ai.operation.name", "invoke_agent");
		attrs_set_str(&s->attrs, "gen_ai.agent.name", lp->agent_name);
	}
	if (p->exited && !p->exit_lost && !incomplete)
		proc_span_status(s, p);
	if (p->preexisting)
		attrs_set_bool(&s->attrs, "tracetree.process.preexisting", true);
	if (p->n_exec > 1 && p->prev_exe)
		attrs_set_str(&s->attrs, "tracetree.process.previous_executable", p->prev_exe);
	if (p->args_truncated)
		attrs_set_bool(&s->attrs, "tracetree.truncated", true);
	if (p->exit_lost)
		attrs_set_bool(&s->attrs, "tracetree.process.exit_lost", true);
	if (incomplete)
		attrs_set_bool(&s->attrs, "tracetree.incomplete", true);
	return s;
}

static void wait_settle_some(struct linker *l, struct lproc *owner, uint64_t now_ns, bool all);

/* Exports the span of lp, ending its open tool windows first. */
static void proc_finish(struct linker *l, struct lproc *lp, uint64_t end_ns, bool incomplete)
{
	struct tt_span *s;

	if (!lp || lp->done)
		return;
	if (lp->waiting) {
		/* not placed yet: its span waits for its parent to be known (wait_settle_some) */
		lp->finish_held = true;
		lp->held_end_ns = end_ns;
		lp->held_incomplete = incomplete;
		return;
	}
	/* its children placed first, while it is still there to hold them */
	if (l->waiting)
		wait_settle_some(l, lp, 0, false);
	/* before done: they may still nest in its tool windows */
	ltls_end_all(l, lp, end_ns, incomplete);
	lp->done = true;
	ltools_close_all(l, lp, end_ns, incomplete ? TOOL_END_FLUSH : TOOL_END_EXIT);
	lplace_decide(lp);
	s = proc_span(l, lp, end_ns, incomplete);
	if (s)
		ltrace_emit(l, lp->trace, s);
	else
		tt_debug("linker: pid=%u: no memory for its span\n", lp->p->pid);
	if (lp->trace->root == lp)
		ltrace_finalize(l, lp->trace);
}

static void lost_exit(struct proc *p, void *ctx)
{
	proc_finish(ctx, p->priv, p->exit_ns, false);
}

/*
 * Places a waiting child (linker_place.c) whose wait is over: with its agent's call (owner,
 * when not NULL), with time (now_ns, when not 0), or all. A span held meanwhile goes out, and
 * an exited process leaves the tree.
 */
static void wait_settle_some(struct linker *l, struct lproc *owner, uint64_t now_ns, bool all)
{
	struct lproc *lp;

	while ((lp = lplace_settle_next(l, owner, now_ns, all))) {
		if (!lp->finish_held)
			continue;
		lp->finish_held = false;
		proc_finish(l, lp, lp->held_end_ns, lp->held_incomplete);
		if (lp->held_release)
			proctree__release(l->pt, lp->p); /* may free lp */
	}
}

/* ---- public API ---- */

struct linker *linker__new(const struct linker_opts *o, span_sink_fn sink, void *ctx)
{
	static const struct proctree_ops ops = { .lost_exit = lost_exit, .drop = lproc_drop };
	struct linker *l;

	if (!o || !sink) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->o = *o;
	l->sink = sink;
	l->ctx = ctx;
	l->service_name = o->service_name ? strdup(o->service_name) : NULL;
	l->host_name = o->host_name ? strdup(o->host_name) : NULL;
	l->o.service_name = l->o.host_name = NULL;
	l->pt = proctree__new(&ops, l);
	l->conv = conv_chain__new(0);
	if (!l->pt || !l->conv || (o->service_name && !l->service_name) ||
	    (o->host_name && !l->host_name)) {
		linker__free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void linker__free(struct linker *l)
{
	if (!l)
		return;
	proctree__free(l->pt);
	conv_chain__free(l->conv);
	llocal_free(l);
	lsock_free_all(l);
	free(l->service_name);
	free(l->host_name);
	free(l);
}

static int proc_added(struct linker *l, struct proc *p, int err)
{
	if (err == -E2BIG)
		l->st.procs_cap_hits++;
	if (err)
		return err;
	if (!p->priv && !lproc_attach(l, p))
		return -ENOMEM;
	return 0;
}

int linker__fork(struct linker *l, const struct tt_fork *f)
{
	struct proc *p = NULL;
	int err;

	if (f->h.tid && f->h.tid != f->h.pid)
		return 0; /* a thread */
	err = proctree__fork(l->pt, f->h.pid, f->ppid, f->start_ns, &p);
	err = proc_added(l, p, err);
	if (!err && f->vpid)
		((struct lproc *)p->priv)->vpid = f->vpid;
	return err;
}

int linker__exec(struct linker *l, const struct tt_exec *e)
{
	size_t path_len = e->path_len < TT_PATH_MAX ? e->path_len : TT_PATH_MAX;
	size_t args_len = e->args_len < TT_ARGS_MAX ? e->args_len : TT_ARGS_MAX;
	struct proc *p = NULL;
	struct lproc *lp;
	int err;

	err = proctree__exec(l->pt, e->h.pid, e->ppid, e->start_ns, e->h.ts_ns, e->path, path_len,
			     e->args, args_len, e->args_full > args_len, &p);
	err = proc_added(l, p, err);
	if (err)
		return err;
	lp = p->priv;
	resource__put(lp->res); /* rebuilt with the new executable */
	lp->res = NULL;
	lplace_exec(l, lp);
	return 0;
}

int linker__exit(struct linker *l, const struct tt_exit *x)
{
	struct proc *p = NULL;
	int err;

	err = proctree__exit(l->pt, x->h.pid, x->start_ns, x->h.ts_ns, x->exit_code, &p);
	if (err)
		return err;
	proc_finish(l, p->priv, p->exit_ns, false);
	if (p->priv && ((struct lproc *)p->priv)->finish_held)
		((struct lproc *)p->priv)->held_release = true; /* wait_settle_some releases it */
	else
		proctree__release(l->pt, p);
	wait_settle_some(l, NULL, x->h.ts_ns, false);
	return 0;
}

int linker__add_existing(struct linker *l, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			 uint64_t attach_ns, const char *exe_path, const char *args,
			 size_t args_len)
{
	struct proc *p = NULL;
	struct lproc *lp;
	int err;

	err = proctree__add_existing(l->pt, pid, ppid, start_ns, exe_path, args,
				     args_len < TT_ARGS_MAX ? args_len : TT_ARGS_MAX, &p);
	err = proc_added(l, p, err);
	if (err)
		return err;
	lp = p->priv;
	if (attach_ns > lp->span_start)
		lp->span_start = attach_ns;
	return 0;
}

int linker__ident(struct linker *l, const struct tt_ident *id)
{
	struct lproc *lp = lproc_of(l, id->h.pid);

	/* of the process it was read from: not one that got its pid since */
	if (!lp || (id->start_ns && id->start_ns != lp->p->start_ns))
		return -ENOENT;
	return lident_set(lp, id);
}

/* The first LLM call makes a process an agent. */
static void lproc_promote(struct linker *l, struct lproc *lp)
{
	char *name = linker_agent_name(lp->p->exe_path, lp->p->argv, lp->p->argc);

	if (!name)
		return; /* stays a process span; the next call tries again */
	lp->agent = true;
	lp->agent_name = name;
	if (lp->trace->root == lp) {
		lp->trace->agent = true;
		lplace_lineage(l, lp);
	}
	resource__put(lp->res); /* service.name becomes the agent name */
	lp->res = NULL;
}

/*
 * When the agent could start running tool call tc of c: when the stream carried its last
 * part, or the end of the response.
 */
static uint64_t tool_ready(const struct genai_call *c, const struct genai_tool_call *tc)
{
	if (tc->ready_ns && tc->ready_ns >= c->start_ns && tc->ready_ns < c->end_ns)
		return tc->ready_ns;
	return c->end_ns;
}

/*
 * An LLM span of lp into trace t: a trace not lp's (the trace of the local client or the
 * traceparent of the request lp serves) has an LLM call in it, so agents_only keeps it.
 */
static void llm_emit(struct linker *l, struct lproc *lp, struct ltrace *t, struct tt_span *s)
{
	t = ltrace_live(t);
	if (t != lp->trace)
		t->agent = true;
	ltrace_emit(l, t, s);
}

int linker__add_call(struct linker *l, struct genai_call *c, const char *traceparent)
{
	struct lproc *lp = lproc_of(l, c->pid), *owner;
	struct ltrace *tr, *ltr = NULL;
	const uint8_t *parent;
	struct tt_span *s;
	uint64_t start_ns;
	uint8_t id[8];
	struct lwhere w;
	struct ltp tp;
	bool local, inferred = false;
	size_t i;

	/* before anything may drop the call: the chain goes on through it */
	if (conv_chain__call(l->conv, c))
		tt_debug("linker: pid=%u: conversation of a Responses chain: out of memory\n",
			 c->pid);
	if (!lp) {
		l->st.calls_no_proc++;
		genai_call__free(c);
		return -ENOENT;
	}
	/* the agent: lp, or the script lp is the HTTP client of (its tool windows, its span) */
	owner = lplace_call_owner(lp);
	if (lp->done) {
		l->st.late_calls++;
		tt_debug("linker: pid=%u: LLM call after the process span was exported\n", c->pid);
	}
	if (!owner->done && !owner->agent)
		lproc_promote(l, owner);
	if (owner != lp)
		lplace_transport(l, lp, owner);
	ltp_parse(&tp, traceparent);
	ltrace_adopt(l, owner, &tp);
	start_ns = c->start_ns; /* the request's first byte, as its head had it */
	if (c->start_ns < lp->span_start)
		c->start_ns = lp->span_start;
	if (c->end_ns < c->start_ns)
		c->end_ns = c->start_ns;
	if (!owner->done)
		ltools_answer(l, owner, c);
	parent = lsrv_parent(l, lp, c->tid, c->start_ns, &tp, &tr, &inferred);
	/* a call to a local server: the id its SERVER span points to, and its trace */
	local = llocal_client_take(l, c->pid, c->conn, start_ns, id, &ltr);
	s = lspan_named(l, lp, c->operation ? c->operation : "chat",
			c->request_model ? c->request_model : c->response_model, SPAN_KIND_CLIENT,
			local ? id : NULL);
	if (s) {
		lspan_parent(s, parent ? parent : lp->span_id);
		lspan_link(s, inferred);
		s->start_ns = c->start_ns;
		s->end_ns = c->end_ns;
		linker_call_attrs(s, c);
		s->tool_offer = c->tool_offer; /* private: for the unexpected_tool check */
		c->tool_offer = NULL;
		linker_call_where(&w, c);
		/* of the connection that carried it (of lp's, the process that made it) */
		if (ltls_net_attrs(s, lp, &w))
			tt_debug("linker: pid=%u: no memory for connection attributes\n", c->pid);
		llm_emit(l, lp, ltr ? ltr : tr, s);
	}
	if (ltr)
		ltrace_put(l, ltr);
	for (i = 0; !owner->done && i < c->n_tool_calls; i++)
		ltool_open(l, owner, &c->tool_calls[i], tool_ready(c, &c->tool_calls[i]),
			   parent ? parent : owner->span_id, tr);
	if (l->waiting) {
		wait_settle_some(l, owner, c->end_ns, false);
		if (lp != owner)
			wait_settle_some(l, lp, 0, false);
	}
	genai_call__free(c);
	return s ? 0 : -ENOMEM;
}

void linker__tick(struct linker *l, uint64_t now_ns)
{
	if (l->waiting)
		wait_settle_some(l, NULL, now_ns, false);
}

void linker__activity(struct linker *l, uint32_t pid, uint8_t src, uint64_t ts, bool first)
{
	struct lproc *lp;

	linker__tick(l, ts);
	if (!first)
		return;
	lp = lproc_of(l, pid);
	if (!lp)
		return;
	lp->talked = true;
	ltls_data(lp, src);
}

void linker__flush(struct linker *l, uint64_t now_ns)
{
	struct proc *p, *next;
	struct ltrace *t;

	wait_settle_some(l, NULL, 0, true);
	for (p = proctree__first(l->pt); p; p = next) {
		next = proctree__next(p);
		if (p->priv && !((struct lproc *)p->priv)->done) {
			proc_finish(l, p->priv, now_ns, true);
			/* running: stays in the table (released) until its exit or the end */
			proctree__release(l->pt, p);
		}
	}
	for (t = l->traces; t; t = t->next)
		ltrace_finalize(l, t);
}

void linker__stats(const struct linker *l, struct linker_stats *st)
{
	struct proctree_stats ps;

	*st = l->st;
	proctree__stats(l->pt, &ps);
	st->procs = ps.procs;
	st->procs_cap_hits = ps.cap_hits;
}
