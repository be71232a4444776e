// SPDX-License-Identifier: MIT
/* analyze_index.c: one trace's spans as a tree: parents by id, roles, runs, children. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

static uint64_t id_hash(const uint8_t id[8])
{
	uint64_t h = 1469598103934665603ull;
	int i;

	for (i = 0; i < 8; i++)
		h = (h ^ id[i]) * 1099511628211ull;
	return h;
}

static size_t index_find(const struct index *x, const uint8_t id[8])
{
	size_t i = id_hash(id) & x->mask, k;

	while ((k = x->slots[i])) {
		if (!memcmp(x->v[k - 1].s->span_id, id, 8))
			return k - 1;
		i = (i + 1) & x->mask;
	}
	return ANALYZE_NONE;
}

static const char *op(const struct tt_span *s)
{
	return attrs_get_str(&s->attrs, "gen_ai.operation.name");
}

static enum role span_role(const struct tt_span *s)
{
	const char *o = op(s);

	if (o && !strcmp(o, "invoke_agent"))
		return ROLE_AGENT;
	if (o && !strcmp(o, "execute_tool"))
		return ROLE_TOOL;
	if (o || attrs_get(&s->attrs, "gen_ai.request.model") ||
	    attrs_get(&s->attrs, "gen_ai.provider.name") || attrs_get(&s->attrs, "gen_ai.system"))
		return ROLE_LLM;
	if (attrs_get(&s->attrs, "process.exit.code") || !strncmp(s->name, "exec ", 5))
		return ROLE_PROCESS;
	if (attrs_get(&s->attrs, "http.request.method") ||
	    attrs_get(&s->attrs, "http.response.status_code") || attrs_get(&s->attrs, "url.full"))
		return ROLE_HTTP;
	return ROLE_OTHER;
}

/* The run of i: the nearest agent above it, else its root; memoised, so linear overall. */
static void index_runs(struct index *x)
{
	size_t i, j, k, depth, *path;

	path = malloc(x->n * sizeof(*path));
	for (i = 0; path && i < x->n; i++) {
		if (x->v[i].run != ANALYZE_NONE)
			continue;
		depth = 0;
		/* climb to a node whose run is known, an agent parent or a root */
		for (j = i;;) {
			x->v[j].run =
				ANALYZE_NONE - 1; /* on the path: a loop of parents ends here */
			path[depth++] = j;
			k = x->v[j].parent;
			if (k == ANALYZE_NONE || x->v[k].run == ANALYZE_NONE - 1) {
				k = j;
				break;
			}
			if (x->v[k].role == ROLE_AGENT) {
				break;
			}
			if (x->v[k].run != ANALYZE_NONE) {
				k = x->v[k].run;
				break;
			}
			j = k;
		}
		while (depth)
			x->v[path[--depth]].run = k;
	}
	free(path);
}

/* Children as linked lists in span order: first[p], next[c]. */
static int index_children(struct index *x)
{
	size_t i, *last;

	x->first = malloc((x->n ? x->n : 1) * sizeof(*x->first));
	x->next = malloc((x->n ? x->n : 1) * sizeof(*x->next));
	last = malloc((x->n ? x->n : 1) * sizeof(*last));
	if (!x->first || !x->next || !last) {
		free(last);
		return -ENOMEM;
	}
	for (i = 0; i < x->n; i++)
		x->first[i] = x->next[i] = last[i] = ANALYZE_NONE;
	for (i = 0; i < x->n; i++) {
		size_t p = x->v[i].parent;

		if (p == ANALYZE_NONE)
			continue;
		if (last[p] == ANALYZE_NONE)
			x->first[p] = i;
		else
			x->next[last[p]] = i;
		last[p] = i;
	}
	free(last);
	return 0;
}

int aindex__build(struct index *x, struct tt_span *const *spans, size_t n)
{
	size_t i, size = 16, p;
	struct node *nd;

	memset(x, 0, sizeof(*x));
	while (size < 2 * n)
		size <<= 1;
	x->v = calloc(n ? n : 1, sizeof(*x->v));
	x->slots = calloc(size, sizeof(*x->slots));
	if (!x->v || !x->slots)
		return -ENOMEM;
	x->mask = size - 1;
	for (i = 0; i < n; i++) {
		nd = &x->v[x->n];
		nd->s = spans[i];
		if (index_find(x, spans[i]->span_id) != ANALYZE_NONE)
			continue; /* a duplicate id: the first span has it */
		nd->role = span_role(spans[i]);
		nd->dur = spans[i]->end_ns > spans[i]->start_ns ?
				  spans[i]->end_ns - spans[i]->start_ns :
				  0;
		nd->top = ANALYZE_NONE;
		nd->run = ANALYZE_NONE;
		p = id_hash(spans[i]->span_id) & x->mask;
		while (x->slots[p])
			p = (p + 1) & x->mask;
		x->slots[p] = ++x->n;
	}
	for (i = 0; i < x->n; i++) {
		nd = &x->v[i];
		p = nd->s->has_parent ? index_find(x, nd->s->parent_id) : ANALYZE_NONE;
		nd->parent = p == i ? ANALYZE_NONE : p;
		if (nd->parent == ANALYZE_NONE)
			continue;
		x->v[p].n_children++;
		if (x->v[p].top == ANALYZE_NONE || nd->dur > x->v[p].top_dur) {
			x->v[p].second_dur = x->v[p].top_dur;
			x->v[p].top_dur = nd->dur;
			x->v[p].top = i;
		} else if (nd->dur > x->v[p].second_dur) {
			x->v[p].second_dur = nd->dur;
		}
	}
	index_runs(x);
	return index_children(x);
}

void aindex__free(struct index *x)
{
	size_t i;

	for (i = 0; x->v && i < x->n; i++)
		cJSON_Delete(x->v[i].defs);
	free(x->v);
	free(x->slots);
	free(x->first);
	free(x->next);
}
