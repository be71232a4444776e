// SPDX-License-Identifier: MIT
/* linker.c: links processes, LLM calls, tool calls and HTTP requests into span trees. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "linker.h"
#include "linker_internal.h"
#include "log.h"
#include "proctree.h"
#include "redact.h"

/* ---- resources and spans ---- */

static const char *proc_exe_name(const struct proc *p)
{
	const char *b = proc_basename(p->exe_path);

	if (!b[0] && p->argc)
		b = proc_basename(p->argv[0]);
	return b[0] ? b : "unknown";
}

static int resource_fill(struct linker *l, struct lproc *lp, struct tt_resource *r)
{
	struct proc *p = lp->p;
	const char *svc = l->service_name;
	char **args;
	size_t i;
	int err = 0;

	if (!svc)
		svc = lp->agent && lp->agent_name ? lp->agent_name : proc_exe_name(p);
	err |= attrs_set_str(&r->attrs, "service.name", svc);
	err |= attrs_set_int(&r->attrs, "process.pid", p->pid);
	err |= attrs_set_int(&r->attrs, "process.parent_pid", p->ppid);
	err |= attrs_set_str(&r->attrs, "process.executable.name", proc_exe_name(p));
	if (p->exe_path[0])
		err |= attrs_set_str(&r->attrs, "process.executable.path", p->exe_path);
	args = calloc(p->argc ? p->argc : 1, sizeof(*args));
	if (!args)
		return -ENOMEM;
	for (i = 0; i < p->argc && !err; i++)
		err |= (args[i] = strdup(p->argv[i])) ? 0 : -ENOMEM;
	if (!err)
		err |= linker_scrub_argv(args, p->argc);
	if (!err && p->argc)
		err |= attrs_set_str_array(&r->attrs, "process.command_args",
					   (const char *const *)args, p->argc);
	for (i = 0; i < p->argc; i++)
		free(args[i]);
	free(args);
	if (l->host_name)
		err |= attrs_set_str(&r->attrs, "host.name", l->host_name);
	return err ? -ENOMEM : 0;
}

static struct tt_resource *lproc_resource(struct linker *l, struct lproc *lp)
{
	struct tt_resource *r;

	if (lp->res)
		return lp->res;
	r = resource__new(lp->p->pid, lp->p->start_ns);
	if (!r)
		return NULL;
	if (resource_fill(l, lp, r)) {
		resource__put(r);
		return NULL;
	}
	lp->res = r;
	return r;
}

/* A span of lp's process with a fresh id (or id when given) and process.pid. */
static struct tt_span *span_make(struct linker *l, struct lproc *lp, const char *name,
				 enum span_kind kind, const uint8_t *id)
{
	struct tt_resource *r = lproc_resource(l, lp);
	struct tt_span *s;

	if (!r)
		return NULL;
	s = span__new(name, kind, r);
	if (!s)
		return NULL;
	if (id)
		memcpy(s->span_id, id, sizeof(s->span_id));
	else
		span_new_span_id(s->span_id);
	if (attrs_set_int(&s->attrs, "process.pid", lp->p->pid)) {
		span__free(s);
		return NULL;
	}
	return s;
}

void lspan_parent(struct tt_span *s, const uint8_t *parent)
{
	memcpy(s->parent_id, parent, sizeof(s->parent_id));
	s->has_parent = true;
}

struct tt_span *lspan_named(struct linker *l, struct lproc *lp, const char *op,
				  const char *what, enum span_kind kind, const uint8_t *id)
{
	char name[512];

	snprintf(name, sizeof(name), "%s%s%s", op, what && what[0] ? " " : "", what ? what : "");
	return span_make(l, lp, name, kind, id);
}

/* ---- processes ---- */

struct lproc *lproc_of(struct linker *l, uint32_t pid)
{
	struct proc *p = proctree__find(l->pt, pid);

	return p ? p->priv : NULL;
}

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
	} else if (parent && (parent->agent || parent->trace->agent)) {
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
	lp->span_start = p->start_ns;
	span_new_span_id(lp->span_id);
	p->priv = lp;
	return lp;
}

static void wait_unlink(struct linker *l, struct lproc *lp)
{
	struct lproc **pp;

	for (pp = &l->waiting; *pp; pp = &(*pp)->wait_next) {
		if (*pp == lp) {
			*pp = lp->wait_next;
			l->n_waiting--;
			break;
		}
	}
	lp->wait_next = NULL;
	lp->waiting = false;
}

static void lproc_drop(struct proc *p, void *ctx)
{
	struct linker *l = ctx;
	struct lproc *lp = p->priv;
	struct ltool *t;

	if (!lp)
		return;
	if (lp->waiting)
		wait_unlink(l, lp);
	while ((t = lp->tools)) {
		lp->tools = t->next;
		if (!t->closed)
			l->n_open--;
		ltool_free(t);
	}
	lsrv_free_all(l, lp);
	ltls_free_all(lp);
	if (lp->trace->root == lp)
		lp->trace->root = NULL;
	ltrace_put(l, lp->trace);
	resource__put(lp->res);
	free(lp->agent_name);
	free(lp->match_first);
	free(lp->match_last);
	free(lp);
	p->priv = NULL;
}

/*
 * A forked copy of its parent: forked and never exec'd (a subshell, `$(...)`, a pipeline
 * member, a worker fork), so still running its parent's program.
 */
static bool proc_is_fork(const struct proc *p)
{
	return p->parent && !p->n_exec && !p->preexisting;
}

/*
 * The agent whose tool windows may hold the processes parent starts: parent itself when it is
 * an agent, or the agent parent is a forked copy of (subshells of subshells too). A script
 * runs its tool as `out=$(sh -c "$cmd" | head)`: the sh is the subshell's child, but it is the
 * agent's tool all the same. A process that exec'd something else (the tool's own sh) keeps
 * its children under itself. or_talking: a process that talks counts too (wait_agent()).
 */
static struct lproc *agent_above(struct proc *parent, bool or_talking)
{
	struct lproc *lp;

	for (; parent && parent->priv; parent = parent->parent) {
		lp = parent->priv;
		if (lp->agent || (or_talking && lp->talked))
			return lp;
		if (!proc_is_fork(parent))
			return NULL;
	}
	return NULL;
}

static struct lproc *tool_agent(struct proc *parent)
{
	return agent_above(parent, false);
}

/*
 * Chooses the parent span of lp: the tool window of its agent (tool_agent()) that started it,
 * else its parent process.
 */
static void lproc_decide(struct lproc *lp)
{
	struct lproc *plp, *alp;
	struct ltool *t = NULL;
	struct tool_query q = { 0 };

	if (lp->decided)
		return;
	lp->decided = true;
	plp = lp->p->parent ? lp->p->parent->priv : NULL;
	if (lp->is_root || !plp)
		return;
	alp = tool_agent(lp->p->parent);
	if (alp) {
		q.ts = lp->p->start_ns;
		q.text[0] = lp->match_first;
		q.text[1] = lp->match_last;
		t = ltool_pick(alp, &q);
	}
	if (t) {
		t->n_children++;
		lp->in_tool = true;
	}
	memcpy(lp->parent_id, t ? t->span_id : plp->span_id, sizeof(lp->parent_id));
	lp->has_parent = true;
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
		attrs_set_str(&s->attrs, "error.type", signal_name(p->exit_signal, buf, sizeof(buf)));
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
		s = lspan_named(l, lp, "exec", proc_exe_name(p), SPAN_KIND_INTERNAL, lp->span_id);
	if (!s)
		return NULL;
	if (lp->has_parent) {
		lspan_parent(s, lp->parent_id);
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
		/* not placed yet: its span waits for its parent to be known (wait_settle) */
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
	lproc_decide(lp);
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
 * The argv of an exec as one text, redacted like tool arguments are (redact_text()), so that a
 * command with a secret still matches the tool call that asked for it.
 */
static char *argv_text(const struct proc *p)
{
	size_t i, n = 1;
	char *s, *w, *red;

	for (i = 0; i < p->argc; i++)
		n += strlen(p->argv[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	w = s;
	for (i = 0; i < p->argc; i++) {
		if (i)
			*w++ = ' ';
		w = stpcpy(w, p->argv[i]);
	}
	*w = '\0';
	red = redact_text(s);
	free(s);
	return red;
}

/*
 * As tool_agent(), for a child that may have to wait: also a process that is no agent yet but
 * talks over the network (its first LLM call, which makes it one, may be under way).
 */
static struct lproc *wait_agent(struct proc *parent)
{
	struct lproc *lp = agent_above(parent, true);

	return lp && !lp->done ? lp : NULL;
}

/*
 * Places a waiting child: its parent span is chosen now, from the windows open at its start;
 * a span held meanwhile goes out, and an exited process leaves the tree.
 */
static void wait_settle(struct linker *l, struct lproc *lp)
{
	struct proc *p = lp->p;

	wait_unlink(l, lp);
	lproc_decide(lp);
	if (!lp->finish_held)
		return;
	lp->finish_held = false;
	proc_finish(l, lp, lp->held_end_ns, lp->held_incomplete);
	if (lp->held_release)
		proctree__release(l->pt, p);	/* may free lp */
}

/*
 * Settles, in exec order, the waiting children of agent owner (when not NULL), those whose
 * wait is over at now_ns (when not 0), or all of them.
 */
static void wait_settle_some(struct linker *l, struct lproc *owner, uint64_t now_ns, bool all)
{
	struct lproc *lp, *next;

	for (lp = l->waiting; lp; lp = next) {
		next = lp->wait_next;
		if (all || (now_ns && lp->wait_until <= now_ns) ||
		    (owner && lp->wait_for == owner)) {
			wait_settle(l, lp);
			next = l->waiting;	/* settling may drop others: start over */
		}
	}
}

/*
 * A child of an agent is placed at its first exec, when its command line is known and the
 * tool windows are those of its start (placing it later would follow exit order, which
 * breaks the tie between parallel calls). Other processes are placed when they end.
 *
 * An agent that streams its model's answer may run a tool as soon as the call is complete in
 * the stream, before the response ends (Codex does): the response, and the window of that
 * call, reach the linker only at its end. So the child waits, unplaced, until the agent's next
 * LLM call is decoded (its windows open then, at the time each call was ready) or
 * TT_PLACE_WAIT_NS pass; its span, if it ends meanwhile, waits with it.
 */
static void lproc_exec(struct linker *l, struct lproc *lp)
{
	struct proc *parent = lp->p->parent;
	char *text = argv_text(lp->p);
	struct lproc **pp, *agent;

	resource__put(lp->res);	/* rebuilt with the new executable */
	lp->res = NULL;
	if (!text)
		return;
	if (lp->match_first) {
		free(lp->match_last);
		lp->match_last = text;
		return;
	}
	lp->match_first = text;
	agent = wait_agent(parent);
	if (!agent)
		return;
	if (l->n_waiting >= TT_MAX_PLACE_WAITING || lp->decided) {
		lproc_decide(lp);
		return;
	}
	lp->waiting = true;
	lp->wait_for = agent;
	lp->wait_until = lp->p->start_ns + TT_PLACE_WAIT_NS;
	pp = &l->waiting;
	while (*pp)
		pp = &(*pp)->wait_next;
	*pp = lp;
	l->n_waiting++;
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
	if (!l->pt || (o->service_name && !l->service_name) || (o->host_name && !l->host_name)) {
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
		return 0;	/* a thread */
	err = proctree__fork(l->pt, f->h.pid, f->ppid, f->start_ns, &p);
	return proc_added(l, p, err);
}

int linker__exec(struct linker *l, const struct tt_exec *e)
{
	size_t path_len = e->path_len < TT_PATH_MAX ? e->path_len : TT_PATH_MAX;
	size_t args_len = e->args_len < TT_ARGS_MAX ? e->args_len : TT_ARGS_MAX;
	struct proc *p = NULL;
	int err;

	err = proctree__exec(l->pt, e->h.pid, e->ppid, e->start_ns, e->h.ts_ns, e->path, path_len,
			     e->args, args_len, e->args_full > args_len, &p);
	err = proc_added(l, p, err);
	if (err)
		return err;
	lproc_exec(l, p->priv);
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
		((struct lproc *)p->priv)->held_release = true;	/* wait_settle releases it */
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

/* The first LLM call makes a process an agent. */
static void lproc_promote(struct lproc *lp)
{
	char *name = linker_agent_name(lp->p->exe_path, lp->p->argv, lp->p->argc);

	if (!name)
		return;		/* stays a process span; the next call tries again */
	lp->agent = true;
	lp->agent_name = name;
	if (lp->trace->root == lp)
		lp->trace->agent = true;
	resource__put(lp->res);	/* service.name becomes the agent name */
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
 * The process an LLM call of lp belongs to. A plain HTTP client (linker_is_transport()) whose
 * nearest ancestor that is no forked copy (a subshell running `r=$(curl ...)`) runs a script
 * (linker_script_host(): sh curl_agent.sh, python3 agent.py) is that script's way to talk to
 * its model: the script is the agent, its tool loop the script's. Else lp itself.
 */
static struct lproc *call_owner(struct lproc *lp)
{
	struct proc *h = lp->p->parent;

	if (lp->agent || !linker_is_transport(lp->p->exe_path, lp->p->argv, lp->p->argc))
		return lp;
	while (h && proc_is_fork(h))
		h = h->parent;
	if (!h || !h->priv || !linker_script_host(h->exe_path, h->argv, h->argc))
		return lp;
	return h->priv;
}

/*
 * --all: a transport started before its script became an agent began its own trace; moves it
 * into the agent's while that is still a trace of its own with nothing in it.
 */
static void lproc_rehome(struct linker *l, struct lproc *lp, struct ltrace *t)
{
	struct ltrace *old = lp->trace;

	if (old == t || old->root != lp || old->refs != 1 || old->final || old->n_held)
		return;
	old->root = NULL;
	ltrace_put(l, old);
	lp->trace = t;
	t->refs++;
	lp->is_root = false;
}

/*
 * A transport of agent owner: its process span goes under the agent's span, also when it was
 * placed in a tool window at its exec (a script's second curl starts while the tool window is
 * open): it is the agent talking to its model, not the tool.
 */
static void transport_adopt(struct linker *l, struct lproc *lp, struct lproc *owner)
{
	struct ltool *t;

	if (lp->done)
		return;
	lproc_rehome(l, lp, owner->trace);
	if (lp->trace != owner->trace)
		return;
	for (t = owner->tools; lp->in_tool && t; t = t->next) {
		if (!memcmp(t->span_id, lp->parent_id, sizeof(t->span_id))) {
			if (t->n_children)
				t->n_children--;
			break;
		}
	}
	lp->in_tool = false;
	lp->decided = true;
	lp->has_parent = true;
	memcpy(lp->parent_id, owner->span_id, sizeof(lp->parent_id));
}

int linker__add_call(struct linker *l, struct genai_call *c, const char *traceparent)
{
	struct lproc *lp = lproc_of(l, c->pid), *owner;
	const uint8_t *parent;
	struct tt_span *s;
	size_t i;

	if (!lp) {
		l->st.calls_no_proc++;
		genai_call__free(c);
		return -ENOENT;
	}
	/* the agent: lp, or the script lp is the HTTP client of (its tool windows, its span) */
	owner = call_owner(lp);
	if (lp->done) {
		l->st.late_calls++;
		tt_debug("linker: pid=%u: LLM call after the process span was exported\n", c->pid);
	}
	if (!owner->done && !owner->agent)
		lproc_promote(owner);
	if (owner != lp)
		transport_adopt(l, lp, owner);
	ltrace_adopt(l, owner, traceparent);
	if (c->start_ns < lp->span_start)
		c->start_ns = lp->span_start;
	if (c->end_ns < c->start_ns)
		c->end_ns = c->start_ns;
	if (!owner->done)
		ltools_answer(l, owner, c);
	parent = lsrv_parent(lp, c->tid, c->start_ns, traceparent);
	if (parent)
		l->st.server_attributed++;
	s = lspan_named(l, lp, c->operation ? c->operation : "chat",
		       c->request_model ? c->request_model : c->response_model, SPAN_KIND_CLIENT,
		       NULL);
	if (s) {
		lspan_parent(s, parent ? parent : lp->span_id);
		s->start_ns = c->start_ns;
		s->end_ns = c->end_ns;
		linker_call_attrs(s, c);
		ltrace_emit(l, lp->trace, s);
	}
	for (i = 0; !owner->done && i < c->n_tool_calls; i++)
		ltool_open(l, owner, &c->tool_calls[i], tool_ready(c, &c->tool_calls[i]),
			   parent ? parent : owner->span_id);
	if (l->waiting) {
		wait_settle_some(l, owner, c->end_ns, false);
		if (lp != owner)
			wait_settle_some(l, lp, 0, false);
	}
	genai_call__free(c);
	return s ? 0 : -ENOMEM;
}

int linker__add_http(struct linker *l, const struct http_exchange *x)
{
	struct tool_query q = { 0 };
	struct ltool *t = NULL;
	struct lproc *lp;
	struct tt_span *s;
	char url[TT_MAX_TOOL_VALUE];

	const char *tp = http_headers_get(&x->req.headers, "traceparent");
	const uint8_t *parent;
	int ret;

	lp = lproc_of(l, x->pid);
	if (!lp && (x->flags & HTTP_X_SERVER_SIDE)) {
		l->st.http_ignored++;
		return 0;
	}
	if (!lp) {
		l->st.http_no_proc++;
		return -ENOENT;
	}
	if (x->flags & HTTP_X_SERVER_SIDE)
		return lsrv_exchange(l, lp, x);
	ltrace_adopt(l, lp, tp);
	ret = lmcp_exchange(l, lp, x);
	if (ret)
		return ret < 0 ? ret : 0;
	s = span_make(l, lp, x->method ? x->method : "HTTP", SPAN_KIND_CLIENT, NULL);
	if (!s)
		return -ENOMEM;
	s->start_ns = x->req.start_ns > lp->span_start ? x->req.start_ns : lp->span_start;
	s->end_ns = x->resp.end_ns > x->req.end_ns ? x->resp.end_ns : x->req.end_ns;
	if (s->end_ns < s->start_ns)
		s->end_ns = s->start_ns;
	if (lp->agent && !lp->done) {
		snprintf(url, sizeof(url), "%s%s", x->host ? x->host : x->peer_addr,
			 x->target ? x->target : "");
		q.ts = s->start_ns;
		q.url = url;
		t = ltool_pick(lp, &q);
	}
	if (t)
		t->n_children++;
	parent = t ? NULL : lsrv_parent(lp, x->tid, s->start_ns, tp);
	if (parent)
		l->st.server_attributed++;
	lspan_parent(s, t ? t->span_id : parent ? parent : lp->span_id);
	linker_http_attrs(s, x);
	ltrace_emit(l, lp->trace, s);
	return 0;
}

void linker__tick(struct linker *l, uint64_t now_ns)
{
	if (l->waiting)
		wait_settle_some(l, NULL, now_ns, false);
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
