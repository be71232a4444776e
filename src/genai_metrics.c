// SPDX-License-Identifier: MIT
/*
 * genai_metrics.c: GenAI metrics aggregated in memory from finished spans, as the GenAI metric
 * conventions name and bucket them: token usage and operation duration of LLM calls, tool
 * execution durations, finding counts. Cumulative; at most max_series attribute sets, the
 * data points of any further set are counted as dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "genai_metrics.h"
#include "tt_limits.h"

struct genai_metrics {
	struct gm_series *v;
	size_t n, alloc, max;
	uint64_t dropped;
	uint64_t start_ns;
};

/* gen_ai.client.token.usage: powers of 4 from 1 to 4^13 (the conventions' advice) */
static const double token_bounds[] = { 1,     4,     16,     64,      256,     1024,	 4096,
				       16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864 };
/* gen_ai.client.operation.duration: doubling from 10 ms to 81.92 s */
static const double dur_bounds[] = { 0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
				     1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92 };

static const struct {
	const char *name, *unit;
	const double *bounds;
	size_t n_bounds;
} metrics[GM_N_METRICS] = {
	[GM_TOKEN_USAGE] = { "gen_ai.client.token.usage", "{token}", token_bounds,
			     sizeof(token_bounds) / sizeof(double) },
	[GM_OP_DURATION] = { "gen_ai.client.operation.duration", "s", dur_bounds,
			     sizeof(dur_bounds) / sizeof(double) },
	[GM_TOOL_DURATION] = { "tracetree.tool.duration", "s", dur_bounds,
			       sizeof(dur_bounds) / sizeof(double) },
	[GM_FINDINGS] = { "tracetree.findings", "{finding}", NULL, 0 },
};

static const char *const attr_keys[GM_N_ATTRS] = {
	[GM_A_OPERATION] = "gen_ai.operation.name", [GM_A_PROVIDER] = "gen_ai.provider.name",
	[GM_A_MODEL] = "gen_ai.request.model",	    [GM_A_AGENT] = "gen_ai.agent.name",
	[GM_A_TOKEN] = "gen_ai.token.type",	    [GM_A_ERROR] = "error.type",
	[GM_A_TOOL] = "gen_ai.tool.name",	    [GM_A_KIND] = "tracetree.finding.kind",
};

const char *gm_metric_name(enum gm_metric k)
{
	return k < GM_N_METRICS ? metrics[k].name : NULL;
}

const char *gm_metric_unit(enum gm_metric k)
{
	return k < GM_N_METRICS ? metrics[k].unit : NULL;
}

const double *gm_metric_bounds(enum gm_metric k, size_t *n_bounds)
{
	*n_bounds = k < GM_N_METRICS ? metrics[k].n_bounds : 0;
	return k < GM_N_METRICS ? metrics[k].bounds : NULL;
}

const char *gm_attr_key(enum gm_attr a)
{
	return a < GM_N_ATTRS ? attr_keys[a] : NULL;
}

struct genai_metrics *genai_metrics__new(size_t max_series)
{
	struct genai_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->max = max_series ? max_series : TT_MAX_METRIC_SERIES;
	return m;
}

void genai_metrics__free(struct genai_metrics *m)
{
	size_t i, k;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		for (k = 0; k < GM_N_ATTRS; k++)
			free(m->v[i].attrs[k]);
	free(m->v);
	free(m);
}

static bool same_attrs(const struct gm_series *s, const char *const *attrs)
{
	size_t k;

	for (k = 0; k < GM_N_ATTRS; k++) {
		if (!s->attrs[k] != !attrs[k])
			return false;
		if (attrs[k] && strcmp(s->attrs[k], attrs[k]))
			return false;
	}
	return true;
}

/* The series of metric k with attrs, made when new; NULL at the cap or without memory. */
static struct gm_series *series_of(struct genai_metrics *m, enum gm_metric k,
				   const char *const *attrs)
{
	struct gm_series *s;
	size_t i;

	/* a linear scan: the series are few (one per model, operation, agent, tool) and capped */
	for (i = 0; i < m->n; i++)
		if (m->v[i].metric == k && same_attrs(&m->v[i], attrs))
			return &m->v[i];
	if (m->n >= m->max || tt_ensure_mem((void **)&m->v, &m->alloc, sizeof(*m->v), m->n + 1))
		return NULL;
	s = &m->v[m->n];
	memset(s, 0, sizeof(*s));
	s->metric = k;
	for (i = 0; i < GM_N_ATTRS; i++) {
		if (attrs[i] && !(s->attrs[i] = strdup(attrs[i]))) {
			while (i--)
				free(s->attrs[i]);
			return NULL;
		}
	}
	m->n++;
	return s;
}

static void record(struct genai_metrics *m, enum gm_metric k, const char *const *attrs, double v,
		   uint64_t ts_ns)
{
	struct gm_series *s = series_of(m, k, attrs);
	size_t b;

	if (!s) {
		m->dropped++;
		return;
	}
	if (!m->start_ns || (ts_ns && ts_ns < m->start_ns))
		m->start_ns = ts_ns;
	if (!s->count || v < s->min)
		s->min = v;
	if (!s->count || v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
	/* bucket i holds (bounds[i-1], bounds[i]]: the OTLP explicit-bounds rule */
	for (b = 0; b < metrics[k].n_bounds && v > metrics[k].bounds[b]; b++)
		;
	s->buckets[b]++;
}

static const char *str_attr(const struct attr_list *l, const char *key)
{
	return l ? attrs_get_str(l, key) : NULL;
}

static bool int_attr(const struct attr_list *l, const char *key, int64_t *v)
{
	const struct attr *a = attrs_get(l, key);

	if (!a || a->type != ATTR_INT)
		return false;
	*v = a->i;
	return true;
}

static void llm_span(struct genai_metrics *m, const struct tt_span *s, const char **attrs)
{
	double secs = s->end_ns > s->start_ns ? (double)(s->end_ns - s->start_ns) / 1e9 : 0;
	int64_t n;

	attrs[GM_A_PROVIDER] = str_attr(&s->attrs, "gen_ai.provider.name");
	attrs[GM_A_MODEL] = str_attr(&s->attrs, "gen_ai.request.model");
	attrs[GM_A_ERROR] = str_attr(&s->attrs, "error.type");
	record(m, GM_OP_DURATION, attrs, secs, s->start_ns);
	/* token usage carries no error.type: the conventions put it on the duration only */
	attrs[GM_A_ERROR] = NULL;
	attrs[GM_A_TOKEN] = "input";
	if (int_attr(&s->attrs, "gen_ai.usage.input_tokens", &n) && n >= 0)
		record(m, GM_TOKEN_USAGE, attrs, (double)n, s->start_ns);
	attrs[GM_A_TOKEN] = "output";
	if (int_attr(&s->attrs, "gen_ai.usage.output_tokens", &n) && n >= 0)
		record(m, GM_TOKEN_USAGE, attrs, (double)n, s->start_ns);
}

void genai_metrics__span(struct genai_metrics *m, const struct tt_span *s)
{
	const char *attrs[GM_N_ATTRS] = { 0 };
	const char *op;
	size_t i;

	if (!m || !s)
		return;
	/* findings sit on any span (an agent's too): count them first */
	for (i = 0; i < s->n_events; i++)
		if (s->events[i].name && !strcmp(s->events[i].name, "tracetree.finding"))
			genai_metrics__finding(
				m, attrs_get_str(&s->events[i].attrs, "tracetree.finding.kind"),
				s->events[i].time_ns);
	op = str_attr(&s->attrs, "gen_ai.operation.name");
	if (!op || !strcmp(op, "invoke_agent"))
		return;
	attrs[GM_A_OPERATION] = op;
	attrs[GM_A_AGENT] = s->resource ? str_attr(&s->resource->attrs, "service.name") : NULL;
	if (!strcmp(op, "execute_tool")) {
		attrs[GM_A_TOOL] = str_attr(&s->attrs, "gen_ai.tool.name");
		attrs[GM_A_ERROR] = str_attr(&s->attrs, "error.type");
		record(m, GM_TOOL_DURATION, attrs,
		       s->end_ns > s->start_ns ? (double)(s->end_ns - s->start_ns) / 1e9 : 0,
		       s->start_ns);
		return;
	}
	if (s->kind == SPAN_KIND_CLIENT)
		llm_span(m, s, attrs);
}

void genai_metrics__finding(struct genai_metrics *m, const char *kind, uint64_t ts_ns)
{
	const char *attrs[GM_N_ATTRS] = { 0 };

	if (!m || !kind)
		return;
	attrs[GM_A_KIND] = kind;
	record(m, GM_FINDINGS, attrs, 1, ts_ns);
}

const struct gm_series *genai_metrics__series(const struct genai_metrics *m, size_t *n)
{
	*n = m ? m->n : 0;
	return m ? m->v : NULL;
}

uint64_t genai_metrics__dropped(const struct genai_metrics *m)
{
	return m ? m->dropped : 0;
}

uint64_t genai_metrics__start_ns(const struct genai_metrics *m)
{
	return m ? m->start_ns : 0;
}
