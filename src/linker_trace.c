// SPDX-License-Identifier: MIT
/* linker_trace.c: trace ids, spans held until they are final, traceparent adoption. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "buf.h"
#include "hex.h"
#include "tt_limits.h"
#include "linker_internal.h"
#include "log.h"

void linker_open_cap_hit(struct linker *l, const char *what)
{
	l->st.open_cap_hits++;
	if (!l->open_logged)
		tt_warn("linker: %d open spans: %s (counted, logged once)\n", TT_MAX_OPEN_SPANS,
			what);
	l->open_logged = true;
}

/* ---- traces ---- */

struct ltrace *ltrace_new(struct linker *l)
{
	struct ltrace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	span_new_trace_id(t->id);
	t->next = l->traces;
	if (l->traces)
		l->traces->prev = t;
	l->traces = t;
	return t;
}

static void sink_span(struct linker *l, struct ltrace *t, struct tt_span *s)
{
	memcpy(s->trace_id, t->id, sizeof(t->id));
	l->st.spans++;
	l->sink(s, l->ctx);
}

/*
 * Findings on the spans a trace held until it was final (all of it, unless it adopted a
 * traceparent while running): events on the cited spans before they reach the exporters; and
 * the handoff on each sub-agent span (its tool span's result comes after the sub-agent ended).
 */
static void trace_findings(struct linker *l, struct ltrace *t)
{
	struct analyze_opts o = ANALYZE_OPTS_INIT;
	struct findings f = { 0 };

	if (t->dropped || !t->n_held)
		return;
	if (analyze_handoffs(t->held, t->n_held))
		tt_debug("linker: no memory for the sub-agent handoffs of a trace\n");
	if (analyze_trace(t->held, t->n_held, &o, &f) || findings_attach(&f))
		tt_debug("linker: no memory for the findings of a trace\n");
	findings_free(&f);
}

static void trace_release_held(struct linker *l, struct ltrace *t)
{
	size_t i;

	trace_findings(l, t);

	for (i = 0; i < t->n_held; i++) {
		if (t->dropped) {
			l->st.spans_dropped++;
			span__free(t->held[i]);
		} else {
			sink_span(l, t, t->held[i]);
		}
	}
	l->n_open -= t->n_held;
	free(t->held);
	t->held = NULL;
	t->n_held = t->alloc = 0;
}

void ltrace_finalize(struct linker *l, struct ltrace *t)
{
	if (t->final)
		return;
	t->final = true;
	/* --all: what an operator looks for, agents, also those whose traffic cannot be read */
	if (l->o.agents_only && !l->o.single_trace && !t->agent && !t->blind)
		t->dropped = true;
	trace_release_held(l, t);
}

void ltrace_put(struct linker *l, struct ltrace *t)
{
	struct ltrace *into;

	if (!t || --t->refs > 0)
		return;
	into = t->into;
	if (t->prev)
		t->prev->next = t->next;
	else
		l->traces = t->next;
	if (t->next)
		t->next->prev = t->prev;
	if (l->single == t)
		l->single = NULL;
	t->dropped = true; /* never exported: linker__free without a flush */
	trace_release_held(l, t);
	free(t);
	ltrace_put(l, into); /* the chain is as long as the merges of one trace */
}

/*
 * --all: the processes of trace from, and the spans it holds, move into trace into (from is
 * freed). A trace is merged before its ids are final (spans out carry them): false if not.
 */
bool ltrace_merge(struct linker *l, struct ltrace *from, struct ltrace *into)
{
	struct proc *p;
	struct lproc *lp;

	if (from == into)
		return true;
	if (from->final || into->final)
		return false;
	if (from->n_held && tt_ensure_mem((void **)&into->held, &into->alloc, sizeof(*into->held),
					  into->n_held + from->n_held))
		return false;
	if (from->n_held)
		memcpy(into->held + into->n_held, from->held, from->n_held * sizeof(*from->held));
	into->n_held += from->n_held;
	from->n_held = 0;
	into->blind |= from->blind; /* an unreadable LLM connection keeps the merged tree too */
	into->agent |= from->agent;
	/* a holder of from (a local client's call, a tool's request) emits into it later */
	from->into = into;
	into->refs++;
	for (p = proctree__first(l->pt); p && from->refs > 0; p = proctree__next(p)) {
		lp = p->priv;
		if (!lp || lp->trace != from)
			continue;
		lp->trace = into;
		into->refs++;
		from->refs--;
	}
	if (from->root)
		from->root->is_root = false;
	from->root = NULL;
	if (!from->refs) { /* every process of it was in the table: it goes */
		from->refs = 1;
		ltrace_put(l, from);
	}
	return true;
}

static int trace_hold(struct linker *l, struct ltrace *t, struct tt_span *s)
{
	if (t->n_held >= TT_MAX_HELD_SPANS || l->n_open >= TT_MAX_OPEN_SPANS)
		return -E2BIG;
	if (tt_ensure_mem((void **)&t->held, &t->alloc, sizeof(*t->held), t->n_held + 1))
		return -ENOMEM;
	t->held[t->n_held++] = s;
	l->n_open++;
	return 0;
}

/* Hands a finished span on: to the sink when its trace ids are final, else held. */
struct ltrace *ltrace_live(struct ltrace *t)
{
	while (t && t->into)
		t = t->into;
	return t;
}

void ltrace_emit(struct linker *l, struct ltrace *t, struct tt_span *s)
{
	t = ltrace_live(t);
	if (!t->final && !trace_hold(l, t, s))
		return;
	if (!t->final) {
		linker_open_cap_hit(l, "releasing a trace before its root ends");
		ltrace_finalize(l, t);
	}
	if (t->dropped) {
		l->st.spans_dropped++;
		span__free(s);
		return;
	}
	sink_span(l, t, s);
}

static bool hex_upper(char c)
{
	return c >= 'A' && c <= 'F';
}

/* The byte two hex digits at s spell, or -1: W3C trace context writes them in lowercase. */
static int lower_hex_byte(const char *s)
{
	int v = hex_byte(s);

	return v < 0 || hex_upper(s[0]) || hex_upper(s[1]) ? -1 : v;
}

/* "00-<32 hex>-<16 hex>-<2 hex>" with lowercase hex, neither id all zero, version not ff. */
static bool ltrace_parse_tp(const char *tp, uint8_t trace[16], uint8_t parent[8])
{
	unsigned int i;
	uint8_t buf[25];
	const char *p = tp;
	bool zt = true, zp = true;
	int v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strlen(p) < 55 || p[2] != '-' || p[35] != '-' || p[52] != '-')
		return false;
	if (lower_hex_byte(p) < 0 || !strncmp(p, "ff", 2) ||
	    (!strncmp(p, "00", 2) && p[55] && p[55] != ' '))
		return false;
	for (i = 0; i < 25; i++) {
		v = lower_hex_byte(p + 3 + 2 * i + (i >= 16) + (i >= 24));
		if (v < 0)
			return false;
		buf[i] = (uint8_t)v;
	}
	for (i = 0; i < 16; i++)
		zt &= !buf[i];
	for (i = 16; i < 24; i++)
		zp &= !buf[i];
	if (zt || zp)
		return false;
	memcpy(trace, buf, 16);
	memcpy(parent, buf + 16, 8);
	return true;
}

void ltp_parse(struct ltp *tp, const char *header)
{
	memset(tp, 0, sizeof(*tp));
	tp->present = header != NULL;
	tp->valid = header && ltrace_parse_tp(header, tp->trace, tp->parent);
}

/* Another trace (of another process tree: not an inbound request's) has the trace id id. */
static bool ltrace_id_taken(const struct linker *l, const struct ltrace *t, const uint8_t id[16])
{
	const struct ltrace *o;

	for (o = l->traces; o; o = o->next)
		if (o != t && !o->inbound && !memcmp(o->id, id, 16))
			return true;
	return false;
}

/*
 * Whether a traceparent naming trace id may be adopted by t: always with one trace (the user
 * chose the processes); with a trace per process tree (--all), only when trusted and when id
 * is no other tree's, so that no process can join another tenant's trace.
 */
static const char *ltrace_distrust(const struct linker *l, const struct ltrace *t,
				   const uint8_t id[16])
{
	if (l->o.single_trace)
		return NULL;
	if (!l->o.trust_traceparent)
		return "not trusted without --trust-traceparent";
	if (ltrace_id_taken(l, t, id))
		return "the trace of another process tree";
	return NULL;
}

/*
 * A traceparent on a request of lp. Only the root of a trace adopts it, only while its ids
 * are not final, and only when it is trusted (ltrace_distrust); the first one wins.
 */
void ltrace_adopt(struct linker *l, struct lproc *lp, const struct ltp *tp)
{
	struct ltrace *t = lp->trace;
	const char *why;

	if (!tp->present)
		return;
	if (!tp->valid) {
		l->st.traceparents_ignored++;
		tt_debug("linker: pid=%u: invalid traceparent ignored\n", lp->p->pid);
		return;
	}
	if (t->remote && !memcmp(t->id, tp->trace, 16) && !memcmp(t->remote_parent, tp->parent, 8))
		return;
	if (t->remote || t->final || (t->root != lp && t->lead != lp)) {
		l->st.traceparents_ignored++;
		tt_debug("linker: pid=%u: traceparent ignored (%s)\n", lp->p->pid,
			 t->remote || t->final ? "trace ids already final" : "not a trace root");
		return;
	}
	why = ltrace_distrust(l, t, tp->trace);
	if (why) {
		l->st.traceparents_ignored++;
		tt_debug("linker: pid=%u: traceparent ignored (%s)\n", lp->p->pid, why);
		return;
	}
	memcpy(t->id, tp->trace, 16);
	memcpy(t->remote_parent, tp->parent, 8);
	t->remote = true;
	l->st.traceparents++;
	ltrace_finalize(l, t);
}

/*
 * An inbound request's traceparent is trusted as an outgoing one is (ltrace_distrust): it
 * names the caller's span, which the SERVER span is the child of (W3C trace context).
 */
struct ltrace *ltrace_inbound(struct linker *l, struct lproc *lp, const struct ltp *tp)
{
	struct ltrace *t;
	const char *why;

	if (!tp->present)
		return NULL;
	why = tp->valid ? ltrace_distrust(l, lp->trace, tp->trace) : "invalid";
	if (why) {
		l->st.traceparents_ignored++;
		tt_debug("linker: pid=%u: inbound traceparent ignored (%s)\n", lp->p->pid, why);
		return NULL;
	}
	t = ltrace_new(l);
	if (!t)
		return NULL;
	memcpy(t->id, tp->trace, 16);
	memcpy(t->remote_parent, tp->parent, 8);
	t->remote = t->inbound = true;
	t->refs = 1;
	l->st.traceparents++;
	/*
	 * Final at once: its spans go out as they end, as in the trace of the process (agents_only
	 * keeps the requests an agent serves; one made an agent by this very request is dropped).
	 */
	t->agent = lp->agent;
	ltrace_finalize(l, t);
	return t;
}
