// SPDX-License-Identifier: MIT
/* linker_tool.c: tool call windows of agents and the matching of processes and requests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "tt_limits.h"
#include "linker_internal.h"
#include "log.h"

/* ---- tool windows ---- */

void ltool_free(struct linker *l, struct ltool *t)
{
	size_t i;

	if (t->trace)
		ltrace_put(l, t->trace);
	for (i = 0; i < t->n_values; i++)
		free(t->values[i]);
	free(t->values);
	free(t->call_id);
	free(t->name);
	free(t->arguments);
	free(t->args_shape);
	free(t);
}

int ltool_open(struct linker *l, struct lproc *lp, const struct genai_tool_call *tc,
	       uint64_t start_ns, const uint8_t *parent, struct ltrace *trace)
{
	char *vals[TT_MAX_TOOL_VALUES];
	struct ltool *t;
	size_t n;

	if (l->n_open >= TT_MAX_OPEN_SPANS) {
		linker_open_cap_hit(l, "tool call not traced");
		return -E2BIG;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	span_new_span_id(t->span_id);
	t->call_id = tc->id ? strdup(tc->id) : NULL;
	t->name = strdup(tc->name ? tc->name : "");
	t->type = tc->type;
	if (l->o.capture_content && tc->arguments)
		t->arguments = strdup(tc->arguments);
	t->args_hash = analyze_args_hash(tc->arguments);
	t->args_shape = analyze_args_shape(tc->arguments); /* NULL: unknown, checks skip it */
	n = linker_json_strings(tc->arguments, vals, TT_MAX_TOOL_VALUES);
	t->values = calloc(n ? n : 1, sizeof(*t->values));
	if (t->values)
		memcpy(t->values, vals, n * sizeof(*vals));
	else
		while (n)
			free(vals[--n]);
	t->n_values = n;
	if (!t->name || !t->values || (tc->id && !t->call_id)) {
		ltool_free(l, t);
		return -ENOMEM;
	}
	t->start_ns = start_ns;
	memcpy(t->parent_id, parent, sizeof(t->parent_id));
	if (trace && trace != lp->trace) {
		t->trace = trace;
		trace->refs++;
	}
	t->seq = lp->tool_seq++;
	t->next = lp->tools;
	lp->tools = t;
	l->n_open++;
	return 0;
}

/* Frees the oldest closed windows beyond TT_MAX_TOOL_HISTORY (the list is newest first). */
static void tool_trim(struct linker *l, struct lproc *lp)
{
	struct ltool **pp = &lp->tools, *t;
	size_t kept = 0;

	if (lp->n_closed <= TT_MAX_TOOL_HISTORY)
		return;
	while ((t = *pp)) {
		if (t->closed && ++kept > TT_MAX_TOOL_HISTORY) {
			*pp = t->next;
			ltool_free(l, t);
			lp->n_closed--;
			continue;
		}
		pp = &t->next;
	}
}

static void tool_status(struct tt_span *s, const struct genai_tool_result *r)
{
	const char *cls = linker_tool_error(r->content);
	char msg[256];
	size_t n;

	if (!r->is_error && !cls)
		return;
	msg[0] = '\0';
	if (r->content) {
		n = strcspn(r->content, "\n");
		snprintf(msg, sizeof(msg), "%.*s", (int)(n < 255 ? n : 255), r->content);
	}
	attrs_set_str(&s->attrs, "error.type", cls ? cls : "tool_error");
	span__set_status(s, SPAN_STATUS_ERROR, msg[0] ? msg : NULL);
}

static void tool_close(struct linker *l, struct lproc *lp, struct ltool *t, uint64_t end_ns,
		       const struct genai_tool_result *r, enum tool_end how)
{
	struct lcut cut = { 0 };
	struct tt_span *s;
	int err = 0;

	t->closed = true;
	t->end_ns = end_ns > t->start_ns ? end_ns : t->start_ns;
	l->n_open--;
	lp->n_closed++;
	s = lspan_named(l, lp, "execute_tool", t->name, SPAN_KIND_INTERNAL, t->span_id);
	if (!s)
		return;
	lspan_parent(s, t->parent_id);
	s->start_ns = t->start_ns;
	s->end_ns = t->end_ns;
	err |= attrs_set_str(&s->attrs, "gen_ai.operation.name", "execute_tool");
	err |= attrs_set_str(&s->attrs, "gen_ai.tool.name", t->name);
	if (t->call_id)
		err |= attrs_set_str(&s->attrs, "gen_ai.tool.call.id", t->call_id);
	if (t->type)
		err |= attrs_set_str(&s->attrs, "gen_ai.tool.type", t->type);
	err |= linker_content_attr(&s->attrs, "gen_ai.tool.call.arguments", t->arguments,
				   linker_content_max(l), false, &cut);
	if (r)
		err |= linker_content_attr(&s->attrs, "gen_ai.tool.call.result", r->content,
					   linker_content_max(l), r->cut, &cut);
	err |= linker_content_cut_attr(&s->attrs, &cut);
	/* findings without content: repeats, results seen before, the schema; not exported */
	s->tool_args_hash = t->args_hash;
	s->tool_args_shape = t->args_shape;
	t->args_shape = NULL;
	s->tool_result_hash = r ? r->content_hash : 0;
	if (r)
		tool_status(s, r);
	if (how == TOOL_END_EXIT)
		err |= attrs_set_bool(&s->attrs, "tracetree.tool.result_missing", true);
	if (how == TOOL_END_FLUSH)
		err |= attrs_set_bool(&s->attrs, "tracetree.incomplete", true);
	if (err)
		tt_debug("linker: pid=%u: no memory for tool span attributes\n", lp->p->pid);
	ltrace_emit(l, t->trace ? t->trace : lp->trace, s);
}

void ltools_close_all(struct linker *l, struct lproc *lp, uint64_t end_ns, enum tool_end how)
{
	struct ltool *t;

	for (t = lp->tools; t; t = t->next)
		if (!t->closed)
			tool_close(l, lp, t, end_ns, NULL, how);
	tool_trim(l, lp);
}

static struct ltool *tool_by_id(struct lproc *lp, const char *id)
{
	struct ltool *t;

	for (t = lp->tools; t; t = t->next)
		if (!t->closed && t->call_id && !strcmp(t->call_id, id))
			return t;
	return NULL;
}

/* The newest open id-less window named name (any name when NULL). */
static struct ltool *tool_by_name(struct lproc *lp, const char *name)
{
	struct ltool *t;

	for (t = lp->tools; t; t = t->next)
		if (!t->closed && !t->call_id && (!name || !strcmp(t->name, name)))
			return t;
	return NULL;
}

/*
 * Closes the windows answered by the results of a request starting at ts. Results with ids
 * match by id. Id-less APIs resend the whole history, so their results are taken from the
 * last one back, each closing the newest open window of that name: the k newest results
 * answer the k open calls.
 */
void ltools_answer(struct linker *l, struct lproc *lp, const struct genai_call *c)
{
	const struct genai_tool_result *r;
	struct ltool *t;
	size_t i;

	for (i = c->n_tool_results; i-- > 0;) {
		r = &c->tool_results[i];
		t = r->call_id ? tool_by_id(lp, r->call_id) : tool_by_name(lp, r->name);
		if (t)
			tool_close(l, lp, t, c->start_ns, r, TOOL_END_RESULT);
	}
	tool_trim(l, lp);
}
