// SPDX-License-Identifier: MIT
/*
 * linker_place.c: where the span of a process goes: under the tool window of its agent that
 * started it (by argument match, then by time), else under its parent; a child of an agent
 * may wait for that agent's next LLM call first. A script's HTTP client (its transport) goes
 * under the script.
 */
#include <stdlib.h>
#include <string.h>

#include "tt_limits.h"
#include "linker_internal.h"
#include "proctree.h"
#include "redact.h"

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
 * As tool_agent(), for a child that may have to wait: also a process that is no agent yet but
 * talks over the network (its first LLM call, which makes it one, may be under way).
 */
static struct lproc *wait_agent(struct proc *parent)
{
	struct lproc *lp = agent_above(parent, true);

	return lp && !lp->done ? lp : NULL;
}

/*
 * Chooses the parent span of lp: the tool window of its agent (tool_agent()) that started it,
 * else its parent process.
 */
void lplace_decide(struct lproc *lp)
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
		lp->link_inferred = q.inferred;
	}
	memcpy(lp->parent_id, t ? t->span_id : plp->span_id, sizeof(lp->parent_id));
	lp->has_parent = true;
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

/* ---- children waiting for their agent's next LLM call ---- */

void lplace_forget(struct linker *l, struct lproc *lp)
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
void lplace_exec(struct linker *l, struct lproc *lp)
{
	char *text = argv_text(lp->p);
	struct lproc **pp, *agent;

	if (!text)
		return;
	if (lp->match_first) {
		free(lp->match_last);
		lp->match_last = text;
		return;
	}
	lp->match_first = text;
	agent = wait_agent(lp->p->parent);
	if (!agent)
		return;
	if (l->n_waiting >= TT_MAX_PLACE_WAITING || lp->decided) {
		lplace_decide(lp);
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

/*
 * The list is in exec order and a process's wait_for and wait_until never change: taking the
 * first due one each time settles them in exec order.
 */
struct lproc *lplace_settle_next(struct linker *l, struct lproc *owner, uint64_t now_ns, bool all)
{
	struct lproc *lp;

	for (lp = l->waiting; lp; lp = lp->wait_next) {
		if (all || (now_ns && lp->wait_until <= now_ns) ||
		    (owner && lp->wait_for == owner)) {
			lplace_forget(l, lp);
			lplace_decide(lp);
			return lp;
		}
	}
	return NULL;
}

/* ---- transports ---- */

/*
 * A plain HTTP client (linker_is_transport()) whose nearest ancestor that is no forked copy
 * (a subshell running `r=$(curl ...)`) runs a script (linker_script_host(): sh curl_agent.sh,
 * python3 agent.py) is that script's way to talk to its model: the script is the agent, its
 * tool loop the script's.
 */
struct lproc *lplace_call_owner(struct lproc *lp)
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
 * Also when it was placed in a tool window at its exec (a script's second curl starts while
 * the tool window is open): it is the agent talking to its model, not the tool.
 */
void lplace_transport(struct linker *l, struct lproc *lp, struct lproc *owner)
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
	lp->link_inferred = false;
	lp->decided = true;
	lp->has_parent = true;
	memcpy(lp->parent_id, owner->span_id, sizeof(lp->parent_id));
}

/* ---- --all: the lineage of an agent ---- */

/* Generations of launchers looked at above an agent. */
#define LAUNCHERS_MAX 16

/*
 * The launcher of lp: its parent when that process's only role was to start lp and wait for
 * it. It started lp and no other process, still runs, never moved captured bytes (no call, no
 * connection of its own), started while traced (its history is known: a shell found running
 * is the user's), is no init, and either runs lp's own executable (a re-exec: node with a
 * bigger heap or --expose-gc) or runs a program for the user (linker_launcher_host(): env, a
 * shell's script or -c command, a runtime's script; never an interactive shell).
 */
static struct lproc *launcher_of(struct lproc *lp)
{
	struct proc *pp = lp->p->parent;
	struct lproc *plp = pp ? pp->priv : NULL;

	if (!plp || plp->done || pp->exited || pp->preexisting || pp->pid == 1)
		return NULL;
	if (plp->agent || plp->talked || plp->n_tls || pp->n_spawned != 1 || plp->trace->final)
		return NULL;
	if (pp->exe_path[0] && !strcmp(pp->exe_path, lp->p->exe_path))
		return plp;
	return linker_launcher_host(pp->exe_path, pp->argv, pp->argc) ? plp : NULL;
}

/* lp, the root of a trace of its own, joins trace t with it: its span under its parent's. */
static void lproc_join(struct linker *l, struct lproc *lp, struct ltrace *t)
{
	struct lproc *plp = lp->p->parent ? lp->p->parent->priv : NULL;

	if (!ltrace_merge(l, lp->trace, t))
		return;
	lp->is_root = false;
	if (lp->decided && !lp->has_parent && plp) {
		memcpy(lp->parent_id, plp->span_id, sizeof(lp->parent_id));
		lp->has_parent = true;
	}
}

/*
 * --all: agent, the root of its own trace, just became one. Its trace is rooted at the top of
 * its launcher chain (launcher_of()), every launcher in it with its span, and the processes
 * its lineage started before (each began a trace of its own, their parent being no agent
 * then: the tools of its first call, whose response may be decoded after they start) join it.
 * The table lists parents before their children: one pass takes whole subtrees.
 */
void lplace_lineage(struct linker *l, struct lproc *agent)
{
	struct lproc *top = agent, *up, *lp, *plp;
	struct ltrace *t;
	struct proc *p;
	int n = 0;

	if (l->o.single_trace || agent->trace->root != agent || agent->trace->final)
		return;
	while (n++ < LAUNCHERS_MAX && (up = launcher_of(top)))
		top = up;
	t = top->trace;
	for (lp = agent; lp != top; lp = lp->p->parent->priv)
		lproc_join(l, lp, t);
	t->agent = true;
	t->lead = agent;
	for (p = proctree__first(l->pt); p; p = proctree__next(p)) {
		lp = p->priv;
		plp = p->parent ? p->parent->priv : NULL;
		if (lp && plp && lp->is_root && lp->trace != t && plp->trace == t)
			lproc_join(l, lp, t);
	}
}
